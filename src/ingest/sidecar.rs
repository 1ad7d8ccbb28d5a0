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
                        SkipReason::BadMetadata,
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
                    SkipReason::BadMetadata,
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
                    SkipReason::BadMetadata,
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
                            SkipReason::BadMetadata,
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
                    SkipReason::DuplicateId,
                    format!("{sidecar}:{line}: doc_id already used by an earlier document"),
                );
                continue;
            }
            let Some(origin) = resolve(&rel) else {
                self.skip(
                    shown,
                    Some(doc_id),
                    SkipReason::Missing,
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
            // An empty date cell gives way to the format's date (read
            // later) and then to a date in the file name.
            let (date, date_source) = match date {
                Some(d) => (Some(d), "metadata"),
                None => match date_from_filename(rel.rsplit('/').next().unwrap_or(&rel)) {
                    Some(d) => (Some(d), "filename"),
                    None => (None, ""),
                },
            };
            self.docs.push(DocMeta {
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
            });
        }
        Ok(listed)
    }
}
