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
//! Submodules turn bytes into text and know nothing of corpora.

pub mod encoding;
mod feed;
pub mod html;
mod office;
mod pdf;
pub mod table;

use crate::error::{Error, Result};
use crate::model::{DatePrecision, DocDate, DocMeta, Origin, Skipped};
use chrono::NaiveDate;
use include_dir::{Dir, include_dir};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The bundled demo corpus (text written for the project).
pub static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/corpora/demo");
pub const DEMO_NAME: &str = "builtin:demo";

pub const SIDECAR: &str = "metadata.csv";
/// Every extension read, for messages.
pub const EXTENSIONS: &str =
    ".txt .md .pdf .docx .odt .html .htm .csv .tsv .jsonl .ndjson .parquet .rss .atom .xml";
const KNOWN_COLUMNS: &[&str] = &[
    "doc_id", "date", "source", "kind", "title", "author", "url", "path",
];
const REQUIRED_COLUMNS: &[&str] = &["doc_id", "date", "path"];

/// A reason code and a detail: why a document could not be read.
pub type ReadError = (&'static str, String);

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

/// What a format says about its document (PDF info, DOCX core
/// properties, HTML meta tags).
#[derive(Debug, Default, Clone)]
pub struct Found {
    pub title: Option<String>,
    pub author: Option<String>,
    pub date: Option<DocDate>,
    pub source: Option<String>,
    pub url: Option<String>,
}

/// Text out of a format, with its pages and metadata.
#[derive(Debug, Default)]
pub struct Extracted {
    pub text: String,
    pub page_starts: Vec<u32>,
    pub found: Found,
    pub warnings: Vec<String>,
}

/// A document's text as read by a worker.
#[derive(Debug, Default)]
pub struct Doc {
    pub text: String,
    /// Byte offset of each page's start (PDF); empty otherwise.
    pub page_starts: Vec<u32>,
    pub warnings: Vec<String>,
}

/// Run a parser that may panic; a panic becomes its message.
pub fn guard<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into())
    })
}

/// What an extension says a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    /// One document read by a worker; the format name.
    Single(&'static str),
    Table(table::Kind),
    Feed,
}

fn kind_of(p: &Path) -> Option<FileKind> {
    let ext = p.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "text" => FileKind::Single("txt"),
        "md" | "markdown" => FileKind::Single("md"),
        "pdf" => FileKind::Single("pdf"),
        "docx" => FileKind::Single("docx"),
        "odt" => FileKind::Single("odt"),
        "html" | "htm" | "xhtml" => FileKind::Single("html"),
        "csv" => FileKind::Table(table::Kind::Csv),
        "tsv" | "tab" => FileKind::Table(table::Kind::Tsv),
        "jsonl" | "ndjson" => FileKind::Table(table::Kind::Jsonl),
        "parquet" => FileKind::Table(table::Kind::Parquet),
        "rss" | "atom" | "xml" => FileKind::Feed,
        _ => return None,
    })
}

/// What the content looks like, for messages about mismatches.
fn sniff_name(bytes: &[u8]) -> &'static str {
    if pdf::sniff(bytes) {
        "a PDF"
    } else if office::sniff(bytes) {
        "a zip container (DOCX/ODT/XLSX...)"
    } else if office::is_ole(bytes) {
        "a legacy or encrypted Office file"
    } else if feed::sniff(bytes) {
        "a feed"
    } else if html::sniff(bytes) {
        "HTML"
    } else {
        "something else"
    }
}

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
    ids: IdSet,
    /// Where a streaming discovery hands its documents.
    sink: Option<Sink>,
}

/// Documents found are staged until this many, then handed on.
const CHUNK: usize = 256;

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

/// A set of id hashes in 12 bytes per id: the top 96 bits of each
/// 128-bit hash (two different ids share them with probability 2^-96: for
/// a billion documents, about one chance in 10^11 that any two do), in a
/// sorted vector (grown in place, so no second copy exists while it
/// grows) and a small hash set of the most recent ids, merged into the
/// vector when full.
#[derive(Debug, Default)]
struct IdSet {
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

/// Parse a date as written in metadata: ISO 8601 `YYYY-MM-DD` (optionally
/// followed by a time), `YYYY-MM`, `YYYY`, RFC 2822 (`Tue, 05 Mar 2024
/// 10:00:00 GMT`), `DD Month YYYY` and `Month DD, YYYY` (English month
/// names, full or abbreviated). A time, if any, is ignored: the date is
/// the one written.
pub fn parse_date(s: &str) -> Option<DocDate> {
    let s = s.trim();
    iso_date(s).or_else(|| written_date(s))
}

fn iso_date(s: &str) -> Option<DocDate> {
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

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_number(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let i = MONTHS.iter().position(|m| w.starts_with(m))?;
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][i];
    (full.starts_with(&w) || w == "sept").then_some(i as u32 + 1)
}

/// `Tue, 05 Mar 2024 10:00:00 GMT`, `5 March 2024`, `March 5, 2024`.
fn written_date(s: &str) -> Option<DocDate> {
    let s = match s.split_once(',') {
        // A leading weekday ("Tue, ...").
        Some((day, rest)) if day.chars().all(char::is_alphabetic) => rest,
        _ => s,
    };
    let parts: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty())
        .collect();
    let day_num = |p: &str| -> Option<u32> {
        let d = p.trim_end_matches(|c: char| c.is_alphabetic()); // 5th, 1st
        (d.len() <= 2).then(|| d.parse().ok()).flatten()
    };
    let year = |p: &str| -> Option<i32> { (p.len() == 4).then(|| p.parse().ok()).flatten() };
    let (d, m, y) = match parts.as_slice() {
        [a, b, c, ..] if day_num(a).is_some() && month_number(b).is_some() => {
            (day_num(a)?, month_number(b)?, year(c)?)
        }
        [a, b, c, ..] if month_number(a).is_some() && day_num(b).is_some() => {
            (day_num(b)?, month_number(a)?, year(c)?)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, m, d).map(|date| DocDate {
        date,
        precision: DatePrecision::Day,
    })
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
                self.skip(d.path, Some(d.doc_id), "duplicate-id", detail);
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
    fn count(&self) -> usize {
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

    fn skip(&mut self, path: String, doc_id: Option<String>, reason: &'static str, detail: String) {
        self.skipped.push(Skipped {
            path,
            doc_id,
            reason,
            detail,
            duplicate_of: None,
        });
    }

    /// The position of an extra metadata column, added if new.
    fn extra_index(&mut self, name: &str) -> usize {
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
                "unsupported-format",
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
                "empty-text",
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
                            "bad-date",
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
                return self.skip(shown, Some(base), "unreadable", format!("cannot read: {e}"));
            }
        };
        if !feed::sniff(&bytes) {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let (reason, what) = if ext.eq_ignore_ascii_case("xml") {
                ("unsupported-format", "XML that is not an RSS or Atom feed")
            } else {
                ("format-mismatch", sniff_name(&bytes))
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
                "empty-text",
                "the feed has no items".into(),
            );
        }
        for item in f.items {
            let id = format!("{base}#{}", item.number);
            if item.text.trim().is_empty() {
                self.skip(
                    shown.clone(),
                    Some(id),
                    "empty-text",
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
                        "symlink-loop"
                    } else {
                        "unreadable"
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
                        self.skip(shown, None, "symlink-outside", format!("links to {} outside the input folder; pass --follow-symlinks to read it", target.display()));
                        continue;
                    }
                    Ok(target) if target.is_dir() => {
                        self.skip(shown, None, "symlink", "a link to a folder inside the input; not followed (pass --follow-symlinks)".into());
                        continue;
                    }
                    Ok(_) => {}
                    // ELOOP: the link leads back to itself.
                    Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                        self.skip(
                            shown,
                            None,
                            "symlink-loop",
                            format!("a link that leads back to itself ({e})"),
                        );
                        continue;
                    }
                    Err(e) => {
                        self.skip(shown, None, "unreadable", format!("broken link: {e}"));
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
                    "not-a-file",
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

    fn manifest_dir(&mut self, dir: &Path, opts: &IngestOptions) -> Result<()> {
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
                    "symlink-outside",
                    format!(
                        "{} resolves outside {shown_dir}; pass --follow-symlinks to read it",
                        d.path
                    ),
                )),
                None => Some((
                    "unsupported-format",
                    format!("not a format framewatch reads ({EXTENSIONS})"),
                )),
                Some(FileKind::Table(_) | FileKind::Feed) => Some((
                    "unsupported-format",
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
/// `builtin:demo/...` document); `None` if it is gone or unreadable, or
/// one row or item of a table or feed.
pub fn reread(shown_path: &str) -> Option<String> {
    let meta = match shown_path.strip_prefix(&format!("{DEMO_NAME}/")) {
        Some(rel) => DocMeta::bare(
            "",
            shown_path,
            Origin::Embedded(DEMO.get_file(rel)?.contents_utf8()?),
        ),
        None => file_doc(Path::new(shown_path))?,
    };
    read_doc(&mut meta.clone(), &IngestOptions::default())
        .ok()
        .map(|d| d.text)
}

/// A document for one file given on its own (audits, re-reads): its
/// format from the extension; `None` for tables and feeds, which hold
/// many documents.
pub fn file_doc(path: &Path) -> Option<DocMeta> {
    let shown = slash_path(path);
    let mut meta = DocMeta::bare(shown.clone(), shown, Origin::File(path.to_path_buf()));
    meta.format = match kind_of(path) {
        Some(FileKind::Single(f)) => f,
        Some(_) => return None,
        // Unknown extensions are tried as text.
        None => "txt",
    };
    Some(meta)
}

/// `what`: how much text, e.g. "40 MiB of text".
fn text_too_large(what: String, limits: &Limits) -> ReadError {
    (
        "text-too-large",
        format!(
            "{what} is over --max-text-size {}; raise it to read this document",
            human(limits.max_text)
        ),
    )
}

/// Check a file's size before reading it: against `--max-file-size`, and
/// for plain text, whose text is at least half its bytes (UTF-16 to
/// UTF-8 at worst halves it), against `--max-text-size`, so an oversized
/// text is never loaded.
fn check_size(path: &Path, format: &str, limits: &Limits) -> std::result::Result<(), ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ("unreadable", format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err((
            "not-a-file",
            "a pipe, socket, device or folder, not a regular file; not read".into(),
        ));
    }
    let len = meta.len();
    if matches!(format, "txt" | "md") && len / 2 > limits.max_text {
        let what = format!(
            "a {} text file (at least {} of text)",
            human(len),
            human(len / 2)
        );
        return Err(text_too_large(what, limits));
    }
    if len > limits.max_file {
        return Err((
            "too-large",
            format!(
                "{} is over --max-file-size {}; raise it to read this file",
                human(len),
                human(limits.max_file)
            ),
        ));
    }
    Ok(())
}

/// Read a document's text (workers call this), merging what the format
/// says about the document into `meta` under the precedence sidecar
/// `metadata.csv` > the format's own metadata > a date in the file name.
/// Errors become a skip reason and detail.
pub fn read_doc(meta: &mut DocMeta, opts: &IngestOptions) -> std::result::Result<Doc, ReadError> {
    let mut doc = match &meta.origin {
        Origin::Embedded(s) => Doc {
            text: s.to_string(),
            ..Doc::default()
        },
        Origin::Text(s) => Doc {
            text: s.to_string(),
            ..Doc::default()
        },
        Origin::Record {
            path,
            offset,
            len,
            field,
        } => {
            let (text, warning) = table::read_record(path, *offset, *len, field)?;
            Doc {
                text,
                warnings: warning.into_iter().collect(),
                ..Doc::default()
            }
        }
        Origin::File(p) => {
            check_size(p, meta.format, &opts.limits)?;
            let bytes =
                std::fs::read(p).map_err(|e| ("unreadable", format!("cannot read: {e}")))?;
            let x = extract(meta.format, &bytes, &opts.limits)?;
            let f = x.found;
            // Sidecar values were set at discovery; the format fills gaps.
            fill(&mut meta.title, f.title);
            fill(&mut meta.author, f.author);
            fill(&mut meta.source, f.source);
            fill(&mut meta.url, f.url);
            if matches!(meta.date_source, "" | "filename") && f.date.is_some() {
                meta.date = f.date;
                meta.date_source = "document";
            }
            Doc {
                text: x.text,
                page_starts: x.page_starts,
                warnings: x.warnings,
            }
        }
    };
    if let Some(t) = doc.text.strip_prefix('\u{FEFF}') {
        doc.text = t.to_string();
        // A page after empty ones may start at 0, on the mark itself.
        for p in doc.page_starts.iter_mut().skip(1) {
            *p = p.saturating_sub(3);
        }
    }
    if doc.text.len() as u64 > opts.limits.max_text {
        let what = format!("{} of text", human(doc.text.len() as u64));
        return Err(text_too_large(what, &opts.limits));
    }
    if doc.text.trim().is_empty() {
        return Err(("empty-text", "the document has no text".into()));
    }
    Ok(doc)
}

fn fill(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// Bytes of one file → text, by format, after checking the content is
/// what the extension says.
fn extract(
    format: &str,
    bytes: &[u8],
    limits: &Limits,
) -> std::result::Result<Extracted, ReadError> {
    let mismatch = |ext: &str| {
        (
            "format-mismatch",
            format!("named .{ext} but the content is {}", sniff_name(bytes)),
        )
    };
    match format {
        "pdf" => {
            if !pdf::sniff(bytes) {
                return Err(mismatch("pdf"));
            }
            pdf::read(bytes)
        }
        "docx" | "odt" => {
            if office::is_ole(bytes) {
                return Err((
                    "unsupported-format",
                    "an encrypted Office file or a legacy Word .doc; save it as an unencrypted .docx".into(),
                ));
            }
            if !office::sniff(bytes) {
                return Err(mismatch(format));
            }
            let kind = if format == "docx" {
                office::Kind::Docx
            } else {
                office::Kind::Odt
            };
            office::read(bytes, kind, limits)
        }
        "html" => {
            let (text, warning) = html::decode(bytes)?;
            let mut x = guard(|| html::read(&text))
                .map_err(|why| ("corrupt-html", format!("the HTML parser failed ({why})")))?;
            x.warnings.extend(warning);
            Ok(x)
        }
        _ => {
            if pdf::sniff(&bytes[..bytes.len().min(8)]) || office::sniff(bytes) {
                return Err(mismatch(format));
            }
            let d = encoding::decode(bytes)?;
            Ok(Extracted {
                text: d.text,
                warnings: d.warning.into_iter().collect(),
                ..Extracted::default()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<(String, &'static str)> {
        parse_date(s).map(|d| (d.date.to_string(), d.precision.as_str()))
    }

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
    fn written_and_rfc_2822_dates() {
        let day = |s: &str| Some((s.to_string(), "day"));
        assert_eq!(d("Tue, 05 Mar 2024 10:00:00 GMT"), day("2024-03-05"));
        assert_eq!(d("Wed, 2 Oct 2002 13:00:00 +0200"), day("2002-10-02"));
        assert_eq!(d("12 March 2019"), day("2019-03-12"));
        assert_eq!(d("1st Sept 2010"), day("2010-09-01"));
        assert_eq!(d("March 12, 2019"), day("2019-03-12"));
        assert_eq!(d("Dec. 3, 2014"), day("2014-12-03"));
        assert_eq!(d("31 February 2019"), None);
        assert_eq!(d("12 Marchy 2019"), None);
        assert_eq!(d("12 Ma 2019"), None);
    }

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

    #[test]
    fn every_format_is_chosen_by_extension() {
        let k = |s: &str| kind_of(Path::new(s));
        assert_eq!(k("a.PDF"), Some(FileKind::Single("pdf")));
        assert_eq!(k("a.htm"), Some(FileKind::Single("html")));
        assert_eq!(k("a.ndjson"), Some(FileKind::Table(table::Kind::Jsonl)));
        assert_eq!(k("a.atom"), Some(FileKind::Feed));
        assert_eq!(k("a.doc"), None);
        assert_eq!(k("Makefile"), None);
    }

    #[test]
    fn content_must_match_the_extension() {
        let e = |f: &str, b: &[u8]| extract(f, b, &Limits::default()).err().unwrap();
        let (r, d) = e("pdf", b"<html><body><p>hi</p></body></html>");
        assert_eq!(
            (r, d.as_str()),
            ("format-mismatch", "named .pdf but the content is HTML")
        );
        assert_eq!(e("docx", b"%PDF-1.4 ...").0, "format-mismatch");
        assert_eq!(e("txt", b"%PDF-1.4 \x00\x01").0, "format-mismatch");
        assert_eq!(
            e("docx", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]).0,
            "unsupported-format"
        );
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
