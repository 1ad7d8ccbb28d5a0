//! Discovery: inputs (files, folders, standard input, the demo corpus)
//! → documents in sorted order, with ids and ordinals. Tables and feeds
//! are expanded into one document per row or item here; other files are
//! read later by the workers. Documents are kept, or handed on in chunks
//! as they are found (streaming), with duplicate ids caught by a compact
//! set of id hashes.

use super::dates::{date_from_filename, parse_date};
use super::read::{FileKind, check_size, kind_of, sniff_name};
use super::{
    Corpus, DEMO, DEMO_NAME, EXTENSIONS, IngestOptions, Limits, ReadError, SIDECAR, STDIN, Sink,
    SinkFn, StdinFormat, encoding, feed, human, table,
};
use crate::error::{Error, Result};
use crate::model::{DocMeta, Origin, SkipReason, Skipped};
use include_dir::Dir;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Documents found are staged until this many, then handed on.
const CHUNK: usize = 256;

/// A set of id hashes in 12 bytes per id: the top 96 bits of each
/// 128-bit hash (two different ids share them with probability 2^-96: for
/// a billion documents, about one chance in 10^11 that any two do), in a
/// sorted vector (grown in place, so no second copy exists while it
/// grows) and a small hash set of the most recent ids, merged into the
/// vector when full.
#[derive(Debug, Default)]
pub(super) struct IdSet {
    sorted: Vec<[u32; 3]>,
    recent: rustc_hash::FxHashSet<[u32; 3]>,
}

impl IdSet {
    /// Ids held in the recent set before it is merged into the vector.
    const RECENT: usize = 1 << 13;

    /// Add a hash; false if it was already there.
    fn insert(&mut self, h: u128) -> bool {
        let h = [(h >> 96) as u32, (h >> 64) as u32, (h >> 32) as u32];
        if self.sorted.binary_search(&h).is_ok() || !self.recent.insert(h) {
            return false;
        }
        if self.recent.len() >= IdSet::RECENT {
            self.merge();
        }
        true
    }

    fn merge(&mut self) {
        let mut tail: Vec<[u32; 3]> = self.recent.drain().collect();
        tail.sort_unstable();
        let old = self.sorted.len();
        self.sorted.reserve_exact(tail.len());
        self.sorted.resize(old + tail.len(), [0; 3]);
        // Merge from the back into the space just added.
        let (mut i, mut j) = (old, tail.len());
        for k in (0..old + tail.len()).rev() {
            if j == 0 {
                break;
            }
            if i > 0 && self.sorted[i - 1] > tail[j - 1] {
                self.sorted[k] = self.sorted[i - 1];
                i -= 1;
            } else {
                self.sorted[k] = tail[j - 1];
                j -= 1;
            }
        }
    }
}

/// A 128-bit hash of a document id (SipHash-1-3 with fixed keys): two
/// different ids share one with probability 2^-128 per pair.
fn id_hash(id: &str) -> u128 {
    use siphasher::sip128::Hasher128;
    use std::hash::Hasher;
    let mut h =
        siphasher::sip128::SipHasher13::new_with_keys(0x6672_616d_6577_6174, 0x6368_2069_6473_2121);
    h.write(id.as_bytes());
    h.finish128().as_u128()
}

/// A path as shown in outputs: `/` separators on every platform.
pub(super) fn slash_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

pub(super) fn strip_ext(p: &str) -> String {
    match p.rfind('.') {
        Some(i) if !p[i..].contains('/') => p[..i].to_string(),
        _ => p.to_string(),
    }
}

/// The stems (names without extension) that more than one of `names`
/// has, counting only files framewatch reads: `essay.docx` and
/// `essay.pdf` collide, `essay.docx` and `essay.jpg` do not. The same
/// name twice (one file given twice) is no collision.
fn colliding_stems<'a>(names: impl Iterator<Item = &'a str>) -> HashSet<String> {
    let mut by_stem: std::collections::HashMap<String, HashSet<&str>> = Default::default();
    for name in names.filter(|n| kind_of(Path::new(n)).is_some()) {
        by_stem.entry(strip_ext(name)).or_default().insert(name);
    }
    by_stem
        .into_iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|(stem, _)| stem)
        .collect()
}

/// A file's document id: its name (or path) without the extension, or
/// with it when another file's id would otherwise be the same.
fn doc_id_of(name: &str, colliding: &HashSet<String>) -> String {
    let stem = strip_ext(name);
    if colliding.contains(&stem) {
        name.to_string()
    } else {
        stem
    }
}

/// The colliding stems of the folder last asked about, for the files of
/// a folder walk (a folder is listed again when the walk comes back to
/// it from a sub-folder).
#[derive(Debug, Default)]
struct Siblings {
    dir: PathBuf,
    colliding: HashSet<String>,
}

impl Siblings {
    /// The id of `path`, shown as `name` (relative to the input, or the
    /// whole path when there are several inputs).
    fn doc_id(&mut self, path: &Path, name: &str) -> String {
        let dir = path.parent().unwrap_or(Path::new(""));
        if self.dir != dir {
            self.dir = dir.to_path_buf();
            let names: Vec<String> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| !e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect();
            self.colliding = colliding_stems(names.iter().map(String::as_str));
        }
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if self.colliding.contains(&strip_ext(&file)) {
            name.to_string()
        } else {
            strip_ext(name)
        }
    }
}

impl Corpus {
    /// Find every document under the given inputs, in sorted order.
    pub fn discover(inputs: &[PathBuf], opts: &IngestOptions) -> Result<Corpus> {
        let mut c = Corpus::default();
        c.find(inputs, opts)?;
        Ok(c)
    }

    /// Find every document under the given inputs, in the order and with
    /// the ordinals of [`Corpus::discover`], handing them to `sink` in
    /// chunks as they are found instead of keeping them. The corpus
    /// returned has everything else (skipped inputs, metadata fields,
    /// unlisted and hidden files) and an empty `docs`; `found` counts the
    /// documents handed on. Every input is checked to exist before the
    /// first document is handed on; a later error (a folder with no
    /// documents, a bad `metadata.csv`) comes after the documents of the
    /// inputs before it.
    pub fn stream(inputs: &[PathBuf], opts: &IngestOptions, sink: SinkFn) -> Result<Corpus> {
        let mut c = Corpus {
            sink: Some(Sink(sink)),
            ..Corpus::default()
        };
        c.find(inputs, opts)?;
        Ok(c)
    }

    fn find(&mut self, inputs: &[PathBuf], opts: &IngestOptions) -> Result<()> {
        let c = self;
        let multi = inputs.len() > 1;
        let mut metas = Vec::with_capacity(inputs.len());
        for input in inputs {
            metas.push(std::fs::metadata(input).map_err(|e| {
                Error::usage(
                    format!("{}: cannot read input: {e}", input.display()),
                    Some("give an existing file or folder; `framewatch run` alone uses the bundled demo corpus".to_string()),
                )
            })?);
        }
        // Files given as inputs: their ids, and which would collide
        // without the extension (`essay.docx essay.pdf`).
        let named: Vec<Option<String>> = inputs
            .iter()
            .zip(&metas)
            .map(|(input, meta)| {
                (!meta.is_dir()).then(|| {
                    if multi {
                        slash_path(input)
                    } else {
                        input
                            .file_name()
                            .map(|n| n.to_string_lossy().to_string())
                            .unwrap_or_default()
                    }
                })
            })
            .collect();
        let colliding = colliding_stems(named.iter().flatten().map(String::as_str));
        for ((input, meta), name) in inputs.iter().zip(metas).zip(named) {
            if meta.is_dir() {
                c.walk_dir(input, multi, opts)?;
                c.maybe_flush();
            } else {
                let name = name.unwrap_or_default();
                let id = doc_id_of(&name, &colliding);
                c.add_file(input.clone(), slash_path(input), id, opts);
                c.maybe_flush();
            }
        }
        c.finish();
        Ok(())
    }

    /// Documents already known (one file to audit, a text to explain).
    pub fn of_docs(docs: Vec<DocMeta>) -> Corpus {
        let mut c = Corpus {
            docs,
            ..Corpus::default()
        };
        c.finish();
        c
    }

    /// Documents from standard input: one text, or JSON Lines.
    pub fn stdin(format: StdinFormat, opts: &IngestOptions) -> Result<Corpus> {
        use std::io::Read;
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(opts.limits.max_file + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::usage(format!("cannot read standard input: {e}"), None))?;
        if bytes.len() as u64 > opts.limits.max_file {
            return Err(Error::usage(
                format!(
                    "standard input is longer than --max-file-size {}",
                    human(opts.limits.max_file)
                ),
                Some("raise --max-file-size, or save the input to files".into()),
            ));
        }
        let mut c = Corpus::default();
        match format {
            StdinFormat::Text => {
                let d = encoding::decode(&bytes)
                    .map_err(|(r, d)| Error::usage(format!("standard input: {r}: {d}"), None))?;
                let mut meta = DocMeta::bare("stdin", STDIN, Origin::Text(Arc::from(d.text)));
                meta.format = "txt";
                if let Some(w) = d.warning {
                    c.warnings.push(format!("{STDIN}: {w}"));
                }
                c.docs.push(meta);
            }
            StdinFormat::Jsonl => {
                c.add_table_rows(STDIN, "stdin", "jsonl", opts, |cols, limits, emit| {
                    table::scan_jsonl(
                        std::io::Cursor::new(&bytes),
                        cols,
                        limits,
                        emit,
                        &mut |_, _, text| Origin::Text(Arc::from(text)),
                    )
                });
            }
        }
        c.finish();
        Ok(c)
    }

    /// The bundled demo corpus.
    pub fn demo() -> Result<Corpus> {
        let mut c = Corpus::default();
        let sidecar = DEMO
            .get_file(SIDECAR)
            .and_then(|f| f.contents_utf8())
            .ok_or_else(|| Error::Other("the bundled demo corpus has no metadata.csv".into()))?;
        let listed = c.read_manifest(DEMO_NAME, sidecar, |rel| {
            DEMO.get_file(rel)
                .map(|f| Origin::Embedded(f.contents_utf8().unwrap_or("\u{FFFD}")))
        })?;
        for f in all_embedded_files(&DEMO) {
            // The demo's README documents the corpus; it is not a document.
            if f != SIDECAR && f != "README.md" && !listed.contains(&f) {
                c.unlisted.push(format!("{DEMO_NAME}/{f}"));
            }
        }
        for d in &mut c.docs {
            d.format = if d.path.ends_with(".md") { "md" } else { "txt" };
        }
        c.finish();
        Ok(c)
    }

    /// Settle the staged documents: drop those whose id an earlier
    /// document already has (e.g. a table row `a.csv#2` and a file
    /// `a#2.txt`), then number the rest. Returns them, in order.
    fn settle(&mut self) -> Vec<DocMeta> {
        let staged = std::mem::take(&mut self.docs);
        let mut kept = Vec::with_capacity(staged.len());
        for mut d in staged {
            if self.ids.insert(id_hash(&d.doc_id)) {
                d.ordinal = self.found;
                self.found += 1;
                kept.push(d);
            } else {
                let detail = format!(
                    "doc_id \"{}\" is already used by an earlier document",
                    d.doc_id
                );
                self.skip(d.path, Some(d.doc_id), SkipReason::DuplicateId, detail);
            }
        }
        kept
    }

    /// Streaming: hand the staged documents on.
    fn flush(&mut self) {
        if self.sink.is_some() {
            let kept = self.settle();
            if let (Some(sink), false) = (self.sink.as_mut(), kept.is_empty()) {
                (sink.0)(kept, &self.extra_fields);
            }
        }
    }

    /// Streaming: hand the staged documents on once there are enough.
    fn maybe_flush(&mut self) {
        if self.sink.is_some() && self.docs.len() >= CHUNK {
            self.flush();
        }
    }

    /// Documents and skipped inputs found so far (for "found nothing" checks).
    pub(super) fn count(&self) -> usize {
        self.found + self.docs.len() + self.skipped.len()
    }

    /// The end of discovery: settle what is staged (kept in `docs`, or
    /// handed on and the sink closed).
    fn finish(&mut self) {
        if self.sink.is_some() {
            self.flush();
            self.sink = None;
        } else {
            self.docs = self.settle();
        }
        self.ids = Default::default();
    }

    pub(super) fn skip(
        &mut self,
        path: String,
        doc_id: Option<String>,
        reason: SkipReason,
        detail: String,
    ) {
        self.skipped.push(Skipped {
            path,
            doc_id,
            reason,
            detail,
            duplicate_of: None,
        });
    }

    /// The position of an extra metadata column, added if new.
    pub(super) fn extra_index(&mut self, name: &str) -> usize {
        match self.extra_fields.iter().position(|f| f == name) {
            Some(g) => g,
            None => {
                self.extra_fields.push(name.to_string());
                self.extra_fields.len() - 1
            }
        }
    }

    /// Add one input file: a document, or a table's rows, or a feed's
    /// items; or a skipped row saying why not.
    fn add_file(&mut self, path: PathBuf, shown: String, doc_id: String, opts: &IngestOptions) {
        let Some(kind) = kind_of(&path) else {
            self.skip(
                shown,
                Some(doc_id),
                SkipReason::UnsupportedFormat,
                format!("not a format framewatch reads ({EXTENSIONS})"),
            );
            return;
        };
        let format = match kind {
            FileKind::Single(f) => f,
            _ => "",
        };
        if let Err((reason, detail)) = check_size(&path, format, &opts.limits) {
            self.skip(shown, Some(doc_id), reason, detail);
            return;
        }
        match kind {
            FileKind::Single(format) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let mut meta = DocMeta::bare(doc_id, shown, Origin::File(path));
                meta.format = format;
                meta.date = date_from_filename(&name);
                meta.date_source = if meta.date.is_some() { "filename" } else { "" };
                self.docs.push(meta);
            }
            FileKind::Table(k) => {
                let file = path.clone();
                self.add_table_rows(&shown, &doc_id, k.name(), opts, |cols, limits, emit| {
                    table::scan(&file, k, cols, limits, emit)
                });
            }
            FileKind::Feed => self.add_feed(&path, shown, doc_id),
        }
    }

    /// Turn a table's rows into documents `<base>#<id or row>`.
    fn add_table_rows(
        &mut self,
        shown: &str,
        base: &str,
        format: &'static str,
        opts: &IngestOptions,
        scan: impl FnOnce(
            &table::Columns,
            &Limits,
            &mut dyn FnMut(table::Event),
        ) -> std::result::Result<(), ReadError>,
    ) {
        let cols = &opts.columns;
        let before = self.count();
        let mut events = Vec::new();
        let result = scan(cols, &opts.limits, &mut |e| events.push(e));
        // Rows are turned into documents after the scan; the text stays in
        // the file (CSV/TSV/JSONL), so this holds metadata only.
        for e in events {
            match e {
                table::Event::Bad(key, reason, detail) => self.skip(
                    shown.to_string(),
                    Some(format!("{base}#{key}")),
                    reason,
                    detail,
                ),
                table::Event::Row(row) => self.add_row(shown, base, format, cols, row),
            }
            self.maybe_flush();
        }
        if let Err((reason, detail)) = result {
            self.skip(shown.to_string(), None, reason, detail);
        } else if self.count() == before {
            self.skip(
                shown.to_string(),
                None,
                SkipReason::EmptyText,
                "the table has no rows".into(),
            );
        }
    }

    fn add_row(
        &mut self,
        shown: &str,
        base: &str,
        format: &'static str,
        cols: &table::Columns,
        row: table::Row,
    ) {
        let at = if row.number == row.line {
            format!("row {}", row.number)
        } else {
            format!("row {} (line {})", row.number, row.line)
        };
        let mut meta = DocMeta::bare(String::new(), shown, row.origin);
        meta.format = format;
        meta.record = Some(row.number);
        let id = row
            .values
            .iter()
            .find(|(n, _)| **n == *cols.id)
            .map(|(_, v)| v.clone());
        let mut extras = Vec::new();
        for (name, value) in row.values {
            if *name == *cols.id {
                continue;
            } else if *name == *cols.date {
                match parse_date(&value) {
                    Some(d) => {
                        meta.date = Some(d);
                        meta.date_source = "document";
                    }
                    None => {
                        self.skip(
                            shown.to_string(),
                            Some(format!("{base}#{}", id.as_deref().map_or_else(|| row.number.to_string(), String::from))),
                            SkipReason::BadDate,
                            format!("{at}: unparseable date \"{value}\" in column \"{}\"; use ISO 8601 (YYYY-MM-DD), YYYY-MM, YYYY, RFC 2822 or DD Month YYYY", cols.date),
                        );
                        return;
                    }
                }
            } else {
                match &*name {
                    "source" => meta.source = Some(value),
                    "kind" => meta.kind = Some(value),
                    "title" => meta.title = Some(value),
                    "author" => meta.author = Some(value),
                    "url" => meta.url = Some(value),
                    other => extras.push((self.extra_index(other), value)),
                }
            }
        }
        meta.doc_id = format!("{base}#{}", id.unwrap_or_else(|| row.number.to_string()));
        meta.extra = vec![None; self.extra_fields.len()];
        for (i, v) in extras {
            meta.extra[i] = Some(v);
        }
        self.docs.push(meta);
    }

    fn add_feed(&mut self, path: &Path, shown: String, base: String) {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                return self.skip(
                    shown,
                    Some(base),
                    SkipReason::Unreadable,
                    format!("cannot read: {e}"),
                );
            }
        };
        if !feed::sniff(&bytes) {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let (reason, what) = if ext.eq_ignore_ascii_case("xml") {
                (
                    SkipReason::UnsupportedFormat,
                    "XML that is not an RSS or Atom feed",
                )
            } else {
                (SkipReason::FormatMismatch, sniff_name(&bytes))
            };
            return self.skip(
                shown,
                Some(base),
                reason,
                format!("named .{ext} but the content is {what}"),
            );
        }
        let f = match feed::read(&bytes) {
            Ok(f) => f,
            Err((reason, detail)) => return self.skip(shown, Some(base), reason, detail),
        };
        if f.items.is_empty() {
            return self.skip(
                shown,
                Some(base),
                SkipReason::EmptyText,
                "the feed has no items".into(),
            );
        }
        for item in f.items {
            let id = format!("{base}#{}", item.number);
            if item.text.trim().is_empty() {
                self.skip(
                    shown.clone(),
                    Some(id),
                    SkipReason::EmptyText,
                    format!("item {} has no title, content or summary", item.number),
                );
                continue;
            }
            let mut meta = DocMeta::bare(id, shown.clone(), Origin::Text(Arc::from(item.text)));
            meta.format = f.format;
            meta.record = Some(item.number);
            meta.source = f.title.clone();
            meta.title = item.title;
            meta.url = item.url;
            meta.author = item.author;
            meta.date = item.date;
            meta.date_source = if item.date.is_some() { "document" } else { "" };
            meta.extra = vec![None; self.extra_fields.len()];
            self.docs.push(meta);
            self.maybe_flush();
        }
    }

    fn walk_dir(&mut self, root: &Path, multi: bool, opts: &IngestOptions) -> Result<()> {
        if root.join(SIDECAR).is_file() {
            return self.manifest_dir(root, opts);
        }
        let root_real = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let before = self.count();
        let mut walker = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .follow_links(opts.follow_symlinks)
            .min_depth(1)
            .into_iter();
        let mut manifests = Vec::new();
        let mut siblings = Siblings::default();
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let p = e.path().map(slash_path).unwrap_or_else(|| slash_path(root));
                    let reason = if e.loop_ancestor().is_some() {
                        SkipReason::SymlinkLoop
                    } else {
                        SkipReason::Unreadable
                    };
                    self.skip(p, None, reason, e.to_string());
                    continue;
                }
            };
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if hidden {
                self.hidden += 1;
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
                continue;
            }
            if entry.file_type().is_symlink() {
                // Not following links: a link is read only if it stays
                // inside the input folder and leads to a file.
                let shown = slash_path(entry.path());
                match std::fs::canonicalize(entry.path()) {
                    Ok(target) if !target.starts_with(&root_real) => {
                        self.skip(shown, None, SkipReason::SymlinkOutside, format!("links to {} outside the input folder; pass --follow-symlinks to read it", target.display()));
                        continue;
                    }
                    Ok(target) if target.is_dir() => {
                        self.skip(shown, None, SkipReason::Symlink, "a link to a folder inside the input; not followed (pass --follow-symlinks)".into());
                        continue;
                    }
                    Ok(_) => {}
                    // ELOOP: the link leads back to itself.
                    Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                        self.skip(
                            shown,
                            None,
                            SkipReason::SymlinkLoop,
                            format!("a link that leads back to itself ({e})"),
                        );
                        continue;
                    }
                    Err(e) => {
                        self.skip(
                            shown,
                            None,
                            SkipReason::Unreadable,
                            format!("broken link: {e}"),
                        );
                        continue;
                    }
                }
            }
            if entry.file_type().is_dir() {
                if entry.path().join(SIDECAR).is_file() {
                    manifests.push(entry.path().to_path_buf());
                    walker.skip_current_dir();
                }
                continue;
            }
            // A FIFO, socket or device in a corpus folder would block or
            // never end: only regular files are read.
            let regular = if entry.file_type().is_symlink() {
                std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file())
            } else {
                entry.file_type().is_file()
            };
            if !regular {
                let shown = slash_path(entry.path());
                self.skip(
                    shown,
                    None,
                    SkipReason::NotAFile,
                    "a pipe, socket or device, not a regular file; not read".into(),
                );
                continue;
            }
            let path = entry.path().to_path_buf();
            let shown = slash_path(&path);
            let rel = slash_path(path.strip_prefix(root).unwrap_or(&path));
            let id = siblings.doc_id(&path, if multi { &shown } else { &rel });
            self.add_file(path, shown, id, opts);
            self.maybe_flush();
        }
        for m in manifests {
            self.manifest_dir(&m, opts)?;
            self.maybe_flush();
        }
        if self.count() == before {
            return Err(Error::usage(
                format!("{}: no documents found", root.display()),
                Some(format!(
                    "framewatch reads {EXTENSIONS} files, or the files listed in a {SIDECAR}"
                )),
            ));
        }
        Ok(())
    }
}

fn all_embedded_files(dir: &Dir<'static>) -> Vec<String> {
    let mut out = Vec::new();
    for f in dir.files() {
        out.push(slash_path(f.path()));
    }
    for d in dir.dirs() {
        out.extend(all_embedded_files(d));
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn id_set_is_a_set_across_merges() {
        let mut s = IdSet::default();
        let n = IdSet::RECENT as u128 * 3 + 17;
        // Keys in a scrambled order, each inserted twice (once much later).
        let key = |i: u128| i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835) ^ (i << 96);
        for i in 0..n {
            assert!(s.insert(key(i)), "{i}");
            assert!(!s.insert(key(i)), "{i} again at once");
        }
        for i in 0..n {
            assert!(!s.insert(key(i)), "{i} again later");
        }
        assert!(s.sorted.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(s.sorted.len() + s.recent.len(), n as usize);
        assert!(s.insert(key(n)));
        assert_ne!(id_hash("a"), id_hash("b"));
        assert_eq!(id_hash("a"), id_hash("a"));
    }

    #[test]
    fn demo_corpus_is_complete() {
        let c = Corpus::demo().unwrap();
        assert!(c.docs.len() >= 40, "{}", c.docs.len());
        assert!(c.skipped.is_empty(), "{:?}", c.skipped);
        assert!(c.docs.iter().all(|d| d.date.is_some()));
        let sources: BTreeSet<_> = c.docs.iter().filter_map(|d| d.source.clone()).collect();
        assert!(sources.len() >= 3);
    }
}
