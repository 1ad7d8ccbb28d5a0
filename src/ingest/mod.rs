//! Inputs → documents: find files, read sidecar metadata, date documents,
//! and read text. A document that cannot be read becomes a [`Skipped`] row
//! with its reason; discovery never stops for one bad file.
//!
//! A folder holding a `metadata.csv` is a corpus manifest: its documents
//! are exactly the files the sidecar lists. Other folders are walked
//! recursively in sorted order for every supported format.
//!
//! Formats are chosen by extension and checked by content (magic bytes):
//! text (`.txt`, `.md`; UTF-8, UTF-16 with a BOM, legacy encodings
//! guessed), PDF, DOCX, ODT, HTML, tables (CSV, TSV, JSON Lines, Parquet:
//! one document per row) and feeds (RSS, Atom: one document per item).
//! Tables and feeds are expanded into documents here; other files are
//! read by the workers ([`read_doc`]), which also merge the format's own
//! metadata under the precedence sidecar > format > file name.
//!
//! The format modules turn bytes into text and know nothing of corpora.
//!
//! - [`discover`]: walking inputs into documents (ids, tables' rows,
//!   feeds' items), kept or streamed in chunks;
//! - [`sidecar`]: a folder's `metadata.csv`;
//! - [`dates`]: dates in metadata and file names;
//! - [`read`]: a document's text, by format, with the format's metadata;
//! - one module per format: [`encoding`] (plain text), [`pdf`], [`office`]
//!   (DOCX, ODT), [`html`], [`table`] (CSV, TSV, JSON Lines, Parquet),
//!   [`feed`] (RSS, Atom);
//! - [`dedupe`]: exact and near-duplicate documents.

mod dates;
pub mod dedupe;
mod discover;
pub mod encoding;
pub mod feed;
pub mod html;
mod layout;
pub mod ocr;
pub mod office;
pub mod pdf;
mod read;
mod sidecar;
pub mod table;

pub use dates::{date_from_filename, parse_date};
pub use read::{Doc, Extracted, Found, bytes_doc, file_doc, guard, read_doc, reread};

use crate::model::{DocMeta, SkipReason, Skipped};
use include_dir::{Dir, include_dir};
use std::collections::BTreeSet;

/// The bundled demo corpus (text written for the project).
pub static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/corpora/demo");
pub const DEMO_NAME: &str = "builtin:demo";

pub const SIDECAR: &str = "metadata.csv";
/// Every extension read, for messages.
pub const EXTENSIONS: &str =
    ".txt .md .pdf .docx .odt .html .htm .csv .tsv .jsonl .ndjson .parquet .rss .atom .xml";

/// A reason code and a detail: why a document could not be read.
pub type ReadError = (SkipReason, String);

/// Safety limits, each raised by a flag.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Largest input file read (`--max-file-size`).
    pub max_file: u64,
    /// Most bytes inflated from one DOCX/ODT (`--max-unzipped-size`).
    pub max_unzipped: u64,
    /// Largest inflation ratio of a zip part over 1 MiB (`--max-zip-ratio`).
    pub max_zip_ratio: u64,
    /// Longest table row or JSON line (`--max-row-size`).
    pub max_row: u64,
    /// Most text in one document, after extraction (`--max-text-size`).
    pub max_text: u64,
    /// Most tokens in one document (`--max-tokens`).
    pub max_tokens: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file: 512 << 20,
            max_unzipped: 256 << 20,
            max_zip_ratio: 100,
            max_row: 16 << 20,
            max_text: 32 << 20,
            max_tokens: 5_000_000,
        }
    }
}

/// How inputs are read.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    pub limits: Limits,
    pub columns: table::Columns,
    /// Follow symbolic links that lead outside the input folders.
    pub follow_symlinks: bool,
    /// How PDFs are read (OCR, running heads).
    pub pdf: pdf::Options,
}

/// A byte count for messages: `512 MiB`, `3.2 KiB`, `17 B`.
pub fn human(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if v.fract() == 0.0 {
        format!("{v} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Parse a size given on the command line: `500M`, `2G`, `64k`, `1000`.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("\"{s}\" is not a size; use e.g. 500M, 2G, 64K"))?;
    let mult = match unit
        .trim()
        .to_ascii_lowercase()
        .trim_end_matches("ib")
        .trim_end_matches('b')
    {
        "" => 1u64,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return Err(format!("\"{s}\": unknown unit; use K, M, G or T")),
    };
    Ok((n * mult as f64) as u64)
}

/// How standard input is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdinFormat {
    /// One text document.
    Text,
    /// JSON Lines: one document per line, columns as for tables.
    Jsonl,
}

/// The shown path of standard input.
pub const STDIN: &str = "-";

/// What discovery found.
///
/// Discovery either keeps every document in `docs` ([`Corpus::discover`])
/// or hands them on in order, in small chunks, as they are found
/// ([`Corpus::stream`]), so that a run over millions of files never holds
/// the whole list: then `docs` only stages the documents found since the
/// last chunk, and duplicate ids are caught with a set of 96-bit hashes
/// of the ids (12 bytes per document).
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
    /// Warnings about inputs read at discovery (standard input).
    pub warnings: Vec<String>,
    /// Documents found so far and kept (duplicates excluded), including
    /// those already handed on: the next document's ordinal.
    pub found: usize,
    /// Hashes of the ids of the documents kept so far.
    ids: discover::IdSet,
    /// Where a streaming discovery hands its documents.
    sink: Option<Sink>,
}

/// The receiver of a streaming discovery's chunks of documents, with the
/// extra metadata columns found so far (a document's `extra` values are
/// in that order; the list only grows).
pub type SinkFn = Box<dyn FnMut(Vec<DocMeta>, &[String]) + Send>;

struct Sink(SinkFn);

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sink")
    }
}

impl Corpus {
    /// Whether documents carry a metadata field of this name (for `--group`).
    pub fn has_field(&self, name: &str) -> bool {
        matches!(
            name,
            "source" | "kind" | "title" | "author" | "url" | "format" | "doc_id" | "date_source"
        ) || self.extra_fields.iter().any(|f| f == name)
    }

    pub fn field_names(&self) -> BTreeSet<String> {
        let mut s: BTreeSet<String> = ["source", "kind", "title", "author", "url", "format"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        s.extend(self.extra_fields.iter().cloned());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_on_the_command_line_and_in_messages() {
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5X").is_err());
        assert_eq!(human(17), "17 B");
        assert_eq!(human(512 << 20), "512 MiB");
        assert_eq!(human(3277), "3.2 KiB");
    }
}
