//! A corpus manifest: a folder whose `metadata.csv` lists its documents
//! (`doc_id,date,path` required; `source,kind,title,author,url`
//! optional; any other column kept as extra metadata). Unlisted files are
//! counted, not read.

use super::discover::{slash_path, strip_ext};
use super::read::{FileKind, check_size, kind_of};
use super::{
    Corpus, EXTENSIONS, IngestOptions, SIDECAR,
    dates::{date_from_filename, parse_date},
};
use crate::error::{Error, Result};
use crate::model::{DocMeta, Origin, SkipReason};
use std::collections::HashSet;
use std::path::Path;

const KNOWN_COLUMNS: &[&str] = &[
    "doc_id", "date", "source", "kind", "title", "author", "url", "path",
];
const REQUIRED_COLUMNS: &[&str] = &["doc_id", "date", "path"];

impl Corpus {
    pub(super) fn manifest_dir(&mut self, dir: &Path, opts: &IngestOptions) -> Result<()> {
        let sidecar = dir.join(SIDECAR);
        let text = std::fs::read_to_string(&sidecar).map_err(|e| Error::Metadata {
            path: slash_path(&sidecar),
            message: format!("cannot read: {e}"),
            hint: Some("save it as UTF-8 CSV".into()),
        })?;
        let shown_dir = slash_path(dir);
        let dir_real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let before = self.count();
        let listed = self.read_manifest(&shown_dir, &text, |rel| {
            let p = dir.join(rel);
            p.is_file().then_some(Origin::File(p))
        })?;
        // Listed files: format, size and symlink checks.
        let docs = std::mem::take(&mut self.docs);
        for mut d in docs {
            let Origin::File(p) = &d.origin else {
                self.docs.push(d);
                continue;
            };
            if !d.format.is_empty() {
                self.docs.push(d);
                continue;
            }
            let outside = !opts.follow_symlinks
                && std::fs::canonicalize(p).is_ok_and(|t| !t.starts_with(&dir_real));
            let problem = match kind_of(p) {
                _ if outside => Some((
                    SkipReason::SymlinkOutside,
                    format!(
                        "{} resolves outside {shown_dir}; pass --follow-symlinks to read it",
                        d.path
                    ),
                )),
                None => Some((
                    SkipReason::UnsupportedFormat,
                    format!("not a format framewatch reads ({EXTENSIONS})"),
                )),
                Some(FileKind::Table(_) | FileKind::Feed) => Some((
                    SkipReason::UnsupportedFormat,
                    format!(
                        "a {SIDECAR} row names one document; give tables and feeds as inputs of their own"
                    ),
                )),
                Some(FileKind::Single(f)) => {
                    d.format = f;
                    check_size(p, f, &opts.limits).err()
                }
            };
            match problem {
                Some((reason, detail)) => {
                    self.skip(d.path, Some(d.doc_id), reason, detail);
                }
                None => self.docs.push(d),
            }
        }
        if self.count() == before {
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
    pub(super) fn read_manifest(
        &mut self,
        shown_dir: &str,
        text: &str,
        resolve: impl Fn(&str) -> Option<Origin>,
    ) -> Result<HashSet<String>> {
        let sidecar = format!("{shown_dir}/{SIDECAR}");
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
        let headers = header(&sidecar, &mut rdr)?;
        let extra: Vec<(usize, usize)> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !KNOWN_COLUMNS.contains(&h.as_str()) && !h.is_empty())
            .map(|(i, h)| (i, self.extra_index(h)))
            .collect();
        let sheet = Sheet {
            sidecar,
            shown_dir,
            headers,
            extra,
        };
        let mut listed = HashSet::new();
        let mut ids: HashSet<String> = HashSet::new();
        for (row_no, row) in rdr.records().enumerate() {
            let line = row_no + 2;
            match row {
                Ok(row) => {
                    if let Some(meta) =
                        self.row(&sheet, line, &row, &mut listed, &mut ids, &resolve)
                    {
                        self.docs.push(meta);
                    }
                }
                Err(e) => self.skip(
                    format!("{}:{line}", sheet.sidecar),
                    None,
                    SkipReason::BadMetadata,
                    format!("unreadable row: {e}"),
                ),
            }
        }
        Ok(listed)
    }

    /// One sidecar row as a document, or `None` (skipped with a reason).
    fn row(
        &mut self,
        sheet: &Sheet<'_>,
        line: usize,
        row: &csv::StringRecord,
        listed: &mut HashSet<String>,
        ids: &mut HashSet<String>,
        resolve: &impl Fn(&str) -> Option<Origin>,
    ) -> Option<DocMeta> {
        let sidecar = &sheet.sidecar;
        let field = |name: &str| {
            sheet
                .col(name)
                .and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let Some(rel) = field("path") else {
            self.skip(
                format!("{sidecar}:{line}"),
                field("doc_id").map(String::from),
                SkipReason::BadMetadata,
                "row has no path".into(),
            );
            return None;
        };
        let rel = rel.trim_start_matches("./").to_string();
        listed.insert(rel.clone());
        let shown = format!("{}/{rel}", sheet.shown_dir);
        let doc_id = field("doc_id")
            .map(String::from)
            .unwrap_or_else(|| strip_ext(&rel));
        let mut skip = |reason, detail| {
            self.skip(shown.clone(), Some(doc_id.clone()), reason, detail);
            None
        };
        if row.len() != sheet.headers.len() {
            return skip(
                SkipReason::BadMetadata,
                format!(
                    "{sidecar}:{line}: row has {} fields, the header has {}",
                    row.len(),
                    sheet.headers.len()
                ),
            );
        }
        let date = match field("date").map(|d| (d, parse_date(d))) {
            None => None,
            Some((_, Some(d))) => Some(d),
            Some((d, None)) => {
                let c = sheet.col("date").unwrap_or(0);
                let column: usize = row
                    .iter()
                    .take(c)
                    .map(|f| f.chars().count() + 1)
                    .sum::<usize>()
                    + 1;
                return skip(
                    SkipReason::BadMetadata,
                    format!(
                        "{sidecar}:{line}:{column}: unparseable date \"{d}\"; use YYYY-MM-DD, YYYY-MM or YYYY, or leave it empty for undated"
                    ),
                );
            }
        };
        if !ids.insert(doc_id.clone()) {
            return skip(
                SkipReason::DuplicateId,
                format!("{sidecar}:{line}: doc_id already used by an earlier document"),
            );
        }
        let Some(origin) = resolve(&rel) else {
            return skip(
                SkipReason::Missing,
                format!("listed in {sidecar}:{line} but not found"),
            );
        };
        let mut extras = vec![None; self.extra_fields.len()];
        for &(i, g) in &sheet.extra {
            extras[g] = row
                .get(i)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from);
        }
        // An empty date cell gives way to the format's date (read later)
        // and then to a date in the file name.
        let (date, date_source) = match date {
            Some(d) => (Some(d), "metadata"),
            None => match date_from_filename(rel.rsplit('/').next().unwrap_or(&rel)) {
                Some(d) => (Some(d), "filename"),
                None => (None, ""),
            },
        };
        Some(DocMeta {
            ordinal: 0,
            doc_id,
            path: shown,
            origin,
            date,
            date_source,
            source: field("source").map(String::from),
            kind: field("kind").map(String::from),
            title: field("title").map(String::from),
            author: field("author").map(String::from),
            url: field("url").map(String::from),
            format: "",
            record: None,
            extra: extras,
        })
    }
}

/// A sidecar being read: its name for messages, its folder as shown, its
/// columns, and where each extra column goes among the corpus's.
struct Sheet<'a> {
    sidecar: String,
    shown_dir: &'a str,
    headers: Vec<String>,
    /// (column in the sidecar, index among the corpus's extra fields).
    extra: Vec<(usize, usize)>,
}

impl Sheet<'_> {
    fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

/// A sidecar's header row, with every required column.
fn header(sidecar: &str, rdr: &mut csv::Reader<&[u8]>) -> Result<Vec<String>> {
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::Metadata {
            path: sidecar.to_string(),
            message: format!("cannot read the header row: {e}"),
            hint: None,
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for required in REQUIRED_COLUMNS {
        if !headers.iter().any(|h| h == required) {
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
    Ok(headers)
}
