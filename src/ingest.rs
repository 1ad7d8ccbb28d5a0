//! Inputs → documents: find files, read sidecar metadata, date documents,
//! and read text. A document that cannot be read becomes a [`Skipped`] row
//! with its reason; discovery never stops for one bad file.
//!
//! A folder holding a `metadata.csv` is a corpus manifest: its documents
//! are exactly the files the sidecar lists. Other folders are walked
//! recursively in sorted order for `.txt` and `.md` files.

use crate::error::{Error, Result};
use crate::model::{DatePrecision, DocDate, DocMeta, Origin, Skipped};
use chrono::NaiveDate;
use include_dir::{Dir, include_dir};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// The bundled demo corpus (text written for the project).
pub static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/corpora/demo");
pub const DEMO_NAME: &str = "builtin:demo";

pub const SIDECAR: &str = "metadata.csv";
pub const TEXT_EXTENSIONS: &[&str] = &["txt", "md"];
const KNOWN_COLUMNS: &[&str] = &["doc_id", "date", "source", "kind", "title", "path"];
const REQUIRED_COLUMNS: &[&str] = &["doc_id", "date", "path"];

/// What discovery found.
#[derive(Debug, Default)]
pub struct Corpus {
    pub docs: Vec<DocMeta>,
    pub skipped: Vec<Skipped>,
    /// Names of metadata columns beyond the known ones, in first-seen order.
    pub extra_fields: Vec<String>,
    /// Files in manifest folders that the sidecar does not list.
    pub unlisted: Vec<String>,
    /// Hidden files and folders left out of folder walks.
    pub hidden: usize,
}

/// Parse a date as written in metadata: `YYYY-MM-DD` (optionally followed
/// by a time), `YYYY-MM` or `YYYY`.
pub fn parse_date(s: &str) -> Option<DocDate> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let day =
        |y, m, d, p| NaiveDate::from_ymd_opt(y, m, d).map(|date| DocDate { date, precision: p });
    match b.len() {
        4 => day(num(0..4)? as i32, 1, 1, DatePrecision::Year),
        7 if b[4] == b'-' => day(num(0..4)? as i32, num(5..7)?, 1, DatePrecision::Month),
        n if n >= 10
            && b[4] == b'-'
            && b[7] == b'-'
            && (n == 10 || matches!(b[10], b'T' | b' ')) =>
        {
            day(
                num(0..4)? as i32,
                num(5..7)?,
                num(8..10)?,
                DatePrecision::Day,
            )
        }
        _ => None,
    }
}

/// A date in a file name: `YYYY-MM-DD`, `YYYYMMDD` or a year `YYYY`
/// (1000–2999), each standing alone between non-digits.
pub fn date_from_filename(name: &str) -> Option<DocDate> {
    let b = name.as_bytes();
    // Runs of digits and dashes, e.g. "2019-03-01" or "20190301" or "1945".
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            runs.push((i, j));
            i = j;
        } else {
            i += 1;
        }
    }
    // YYYY-MM-DD: three runs of 4, 2, 2 digits joined by single dashes.
    for w in runs.windows(3) {
        let [(a0, a1), (b0, b1), (c0, c1)] = [w[0], w[1], w[2]];
        if a1 - a0 == 4
            && b1 - b0 == 2
            && c1 - c0 == 2
            && b0 == a1 + 1
            && c0 == b1 + 1
            && b[a1] == b'-'
            && b[b1] == b'-'
        {
            if let Some(d) = parse_date(&name[a0..c1]) {
                return Some(d);
            }
        }
    }
    for &(s, e) in &runs {
        if e - s == 8 {
            let t = &name[s..e];
            if let Some(d) = parse_date(&format!("{}-{}-{}", &t[0..4], &t[4..6], &t[6..8])) {
                return Some(d);
            }
        }
    }
    for &(s, e) in &runs {
        if e - s == 4 {
            if let Some(d) = parse_date(&name[s..e]) {
                if (1000..3000)
                    .contains(&d.date.format("%Y").to_string().parse::<i32>().unwrap_or(0))
                {
                    return Some(d);
                }
            }
        }
    }
    None
}

fn is_text_file(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| TEXT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A path as shown in outputs: `/` separators on every platform.
fn slash_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

fn strip_ext(p: &str) -> String {
    match p.rfind('.') {
        Some(i) if !p[i..].contains('/') => p[..i].to_string(),
        _ => p.to_string(),
    }
}

impl Corpus {
    /// Find every document under the given inputs, in sorted order.
    pub fn discover(inputs: &[PathBuf]) -> Result<Corpus> {
        let mut c = Corpus::default();
        let multi = inputs.len() > 1;
        for input in inputs {
            let meta = std::fs::metadata(input).map_err(|e| {
                Error::usage(
                    format!("{}: cannot read input: {e}", input.display()),
                    Some("give an existing file or folder; `framewatch run` alone uses the bundled demo corpus".to_string()),
                )
            })?;
            if meta.is_dir() {
                c.walk_dir(input, multi)?;
            } else {
                let shown = slash_path(input);
                let name = input
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                if is_text_file(input) {
                    c.push_file(
                        input.clone(),
                        shown.clone(),
                        strip_ext(if multi { &shown } else { &name }),
                    );
                } else {
                    c.skip(
                        shown,
                        None,
                        "unsupported-format",
                        format!("only {} files are read so far", TEXT_EXTENSIONS.join(", ")),
                    );
                }
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
            if f != SIDECAR && !listed.contains(&f) {
                c.unlisted.push(format!("{DEMO_NAME}/{f}"));
            }
        }
        c.finish();
        Ok(c)
    }

    /// Drop documents whose id an earlier document already has (e.g.
    /// `a.txt` and `a.md` in one folder), then number the rest.
    fn finish(&mut self) {
        let mut seen = HashSet::new();
        let docs = std::mem::take(&mut self.docs);
        for d in docs {
            if seen.insert(d.doc_id.clone()) {
                self.docs.push(d);
            } else {
                let detail = format!(
                    "doc_id \"{}\" is already used by an earlier document",
                    d.doc_id
                );
                self.skip(d.path, Some(d.doc_id), "duplicate-id", detail);
            }
        }
        for (i, d) in self.docs.iter_mut().enumerate() {
            d.ordinal = i;
        }
    }

    fn skip(&mut self, path: String, doc_id: Option<String>, reason: &'static str, detail: String) {
        self.skipped.push(Skipped {
            path,
            doc_id,
            reason,
            detail,
        });
    }

    fn push_file(&mut self, path: PathBuf, shown: String, doc_id: String) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let mut meta = DocMeta::bare(doc_id, shown, Origin::File(path));
        meta.date = date_from_filename(&name);
        meta.date_source = if meta.date.is_some() { "filename" } else { "" };
        self.docs.push(meta);
    }

    fn walk_dir(&mut self, root: &Path, multi: bool) -> Result<()> {
        if root.join(SIDECAR).is_file() {
            return self.manifest_dir(root);
        }
        let before = self.docs.len() + self.skipped.len();
        let mut walker = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .min_depth(1)
            .into_iter();
        let mut manifests = Vec::new();
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let p = e.path().map(slash_path).unwrap_or_else(|| slash_path(root));
                    self.skip(p, None, "unreadable", e.to_string());
                    continue;
                }
            };
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if entry.file_type().is_dir() {
                if hidden {
                    self.hidden += 1;
                    walker.skip_current_dir();
                } else if entry.path().join(SIDECAR).is_file() {
                    manifests.push(entry.path().to_path_buf());
                    walker.skip_current_dir();
                }
                continue;
            }
            if hidden {
                self.hidden += 1;
                continue;
            }
            let path = entry.path().to_path_buf();
            let shown = slash_path(&path);
            let rel = slash_path(path.strip_prefix(root).unwrap_or(&path));
            if is_text_file(&path) {
                let id = strip_ext(if multi { &shown } else { &rel });
                self.push_file(path, shown, id);
            } else {
                self.skip(
                    shown,
                    None,
                    "unsupported-format",
                    format!("only {} files are read so far", TEXT_EXTENSIONS.join(", ")),
                );
            }
        }
        for m in manifests {
            self.manifest_dir(&m)?;
        }
        if self.docs.len() + self.skipped.len() == before {
            return Err(Error::usage(
                format!("{}: no documents found", root.display()),
                Some(format!(
                    "framewatch reads {} files, or the files listed in a {SIDECAR}",
                    TEXT_EXTENSIONS.join(", ")
                )),
            ));
        }
        Ok(())
    }

    fn manifest_dir(&mut self, dir: &Path) -> Result<()> {
        let sidecar = dir.join(SIDECAR);
        let text = std::fs::read_to_string(&sidecar).map_err(|e| Error::Metadata {
            path: slash_path(&sidecar),
            message: format!("cannot read: {e}"),
            hint: Some("save it as UTF-8 CSV".into()),
        })?;
        let shown_dir = slash_path(dir);
        let before = self.docs.len() + self.skipped.len();
        let listed = self.read_manifest(&shown_dir, &text, |rel| {
            let p = dir.join(rel);
            p.is_file().then_some(Origin::File(p))
        })?;
        if self.docs.len() + self.skipped.len() == before {
            return Err(Error::Metadata {
                path: slash_path(&sidecar),
                message: "lists no documents".into(),
                hint: Some(
                    "add one row per document: doc_id,date,path (source, kind, title optional)"
                        .into(),
                ),
            });
        }
        for entry in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .min_depth(1)
            .into_iter()
            .flatten()
        {
            if entry.file_type().is_file() {
                let rel = slash_path(entry.path().strip_prefix(dir).unwrap_or(entry.path()));
                if rel != SIDECAR && !listed.contains(&rel) {
                    self.unlisted.push(format!("{shown_dir}/{rel}"));
                }
            }
        }
        Ok(())
    }

    /// Read a sidecar's rows into documents. `resolve` finds a listed
    /// file. Returns the set of listed relative paths.
    fn read_manifest(
        &mut self,
        shown_dir: &str,
        text: &str,
        resolve: impl Fn(&str) -> Option<Origin>,
    ) -> Result<HashSet<String>> {
        let sidecar = format!("{shown_dir}/{SIDECAR}");
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::Metadata {
                path: sidecar.clone(),
                message: format!("cannot read the header row: {e}"),
                hint: None,
            })?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let col = |name: &str| headers.iter().position(|h| h == name);
        for required in REQUIRED_COLUMNS {
            if col(required).is_none() {
                return Err(Error::Metadata {
                    path: format!("{sidecar}:1:1"),
                    message: format!(
                        "missing column \"{required}\" (found: {})",
                        headers.join(", ")
                    ),
                    hint: Some(format!(
                        "a {SIDECAR} needs the columns {}; optional: source, kind, title, and any others",
                        REQUIRED_COLUMNS.join(", ")
                    )),
                });
            }
        }
        let extra: Vec<(usize, usize)> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !KNOWN_COLUMNS.contains(&h.as_str()) && !h.is_empty())
            .map(|(i, h)| {
                let global = match self.extra_fields.iter().position(|f| f == h) {
                    Some(g) => g,
                    None => {
                        self.extra_fields.push(h.clone());
                        self.extra_fields.len() - 1
                    }
                };
                (i, global)
            })
            .collect();
        let mut listed = HashSet::new();
        let mut ids: HashSet<String> = HashSet::new();
        for (row_no, row) in rdr.records().enumerate() {
            let line = row_no + 2;
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    self.skip(
                        format!("{sidecar}:{line}"),
                        None,
                        "bad-metadata",
                        format!("unreadable row: {e}"),
                    );
                    continue;
                }
            };
            let field = |name: &str| {
                col(name)
                    .and_then(|i| row.get(i))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            let Some(rel) = field("path") else {
                self.skip(
                    format!("{sidecar}:{line}"),
                    field("doc_id").map(String::from),
                    "bad-metadata",
                    "row has no path".into(),
                );
                continue;
            };
            let rel = rel.trim_start_matches("./").to_string();
            listed.insert(rel.clone());
            let shown = format!("{shown_dir}/{rel}");
            let doc_id = field("doc_id")
                .map(String::from)
                .unwrap_or_else(|| strip_ext(&rel));
            if row.len() != headers.len() {
                self.skip(
                    shown,
                    Some(doc_id),
                    "bad-metadata",
                    format!(
                        "{sidecar}:{line}: row has {} fields, the header has {}",
                        row.len(),
                        headers.len()
                    ),
                );
                continue;
            }
            let date = match field("date") {
                None => None,
                Some(d) => match parse_date(d) {
                    Some(d) => Some(d),
                    None => {
                        let c = col("date").unwrap_or(0);
                        let column: usize = row
                            .iter()
                            .take(c)
                            .map(|f| f.chars().count() + 1)
                            .sum::<usize>()
                            + 1;
                        self.skip(
                            shown,
                            Some(doc_id),
                            "bad-metadata",
                            format!("{sidecar}:{line}:{column}: unparseable date \"{d}\"; use YYYY-MM-DD, YYYY-MM or YYYY, or leave it empty for undated"),
                        );
                        continue;
                    }
                },
            };
            if !ids.insert(doc_id.clone()) {
                self.skip(
                    shown,
                    Some(doc_id),
                    "duplicate-id",
                    format!("{sidecar}:{line}: doc_id already used by an earlier document"),
                );
                continue;
            }
            let Some(origin) = resolve(&rel) else {
                self.skip(
                    shown,
                    Some(doc_id),
                    "missing",
                    format!("listed in {sidecar}:{line} but not found"),
                );
                continue;
            };
            let mut extras = vec![None; self.extra_fields.len()];
            for &(i, g) in &extra {
                extras[g] = row
                    .get(i)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from);
            }
            self.docs.push(DocMeta {
                ordinal: 0,
                doc_id,
                path: shown,
                origin,
                date,
                date_source: if date.is_some() { "metadata" } else { "" },
                source: field("source").map(String::from),
                kind: field("kind").map(String::from),
                title: field("title").map(String::from),
                extra: extras,
            });
        }
        Ok(listed)
    }

    /// Whether documents carry a metadata field of this name (for `--group`).
    pub fn has_field(&self, name: &str) -> bool {
        matches!(name, "source" | "kind" | "title" | "doc_id" | "date_source")
            || self.extra_fields.iter().any(|f| f == name)
    }

    pub fn field_names(&self) -> BTreeSet<String> {
        let mut s: BTreeSet<String> = ["source", "kind", "title"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        s.extend(self.extra_fields.iter().cloned());
        s
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

/// Read a document again by the path a run recorded for it (a file, or a
/// `builtin:demo/...` document); `None` if it is gone or unreadable.
pub fn reread(shown_path: &str) -> Option<String> {
    let origin = match shown_path.strip_prefix(&format!("{DEMO_NAME}/")) {
        Some(rel) => Origin::Embedded(DEMO.get_file(rel)?.contents_utf8()?),
        None => Origin::File(PathBuf::from(shown_path)),
    };
    read_text(&DocMeta::bare("", shown_path, origin)).ok()
}

/// Read a document's text. Errors become a skip reason and detail.
pub fn read_text(meta: &DocMeta) -> std::result::Result<String, (&'static str, String)> {
    let text = match &meta.origin {
        Origin::Embedded(s) => s.to_string(),
        Origin::File(p) => {
            let bytes =
                std::fs::read(p).map_err(|e| ("unreadable", format!("cannot read: {e}")))?;
            if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                return Err(("not-utf8", "UTF-16 text (byte-order mark); convert it to UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)".into()));
            }
            match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    return Err((
                        "not-utf8",
                        format!(
                            "invalid UTF-8 at byte {at}; convert the file to UTF-8 (e.g. `iconv -f windows-1252 -t utf-8`)"
                        ),
                    ));
                }
            }
        }
    };
    let text = match text.strip_prefix('\u{FEFF}') {
        Some(t) => t.to_string(),
        None => text,
    };
    if text.trim().is_empty() {
        return Err(("empty", "the document has no text".into()));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<(String, &'static str)> {
        parse_date(s).map(|d| (d.date.to_string(), d.precision.as_str()))
    }

    #[test]
    fn dates_in_metadata() {
        assert_eq!(d("1790-01-08"), Some(("1790-01-08".into(), "day")));
        assert_eq!(
            d("2004-11-13T10:00:00Z"),
            Some(("2004-11-13".into(), "day"))
        );
        assert_eq!(d("1997-05"), Some(("1997-05-01".into(), "month")));
        assert_eq!(d("1945"), Some(("1945-01-01".into(), "year")));
        assert_eq!(d("1997-13-01"), None);
        assert_eq!(d("May 1997"), None);
        assert_eq!(d("19x5"), None);
    }

    #[test]
    fn dates_in_file_names() {
        let f = |s: &str| date_from_filename(s).map(|d| (d.date.to_string(), d.precision.as_str()));
        assert_eq!(
            f("speech_2019-03-01.txt"),
            Some(("2019-03-01".into(), "day"))
        );
        assert_eq!(f("news20120704b.txt"), Some(("2012-07-04".into(), "day")));
        assert_eq!(
            f("UK_natl_1945_en_Con.txt"),
            Some(("1945-01-01".into(), "year"))
        );
        assert_eq!(f("notes_12345.txt"), None);
        assert_eq!(f("readme.txt"), None);
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
