//! `framewatch extract`: the text the pipeline reads from each document,
//! after extraction, decoding, OCR and line-break normalisation — the
//! very text `run` tags, read through the same path ([`Job::run`]), so
//! extraction can be checked before counts are trusted.
//!
//! Text output marks PDF pages (`--- page 2 (ocr) ---` lines); JSON Lines
//! give each document's text with its page offsets, metadata, OCR pages
//! and warnings, and a row per skipped document.

use super::ingest_args::IngestArgs;
use super::{EXIT_OK, EXIT_STRICT};
use crate::error::{Error, Result};
use crate::model::{DocResult, Skipped};
use crate::output::atomic::Staging;
use crate::pipeline::{Job, Outcome};
use crate::tagger::View;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExtractFormat {
    /// Plain text, a `==> doc_id <==` line before each document and a
    /// `--- page N ---` line before each PDF page.
    Text,
    /// One JSON object per document: text, page offsets, metadata, OCR
    /// pages and warnings (skipped documents: reason and detail).
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and folders to read, as for `framewatch run`; `-` reads
    /// standard input (see --stdin-format). None: the bundled demo corpus.
    pub inputs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExtractFormat,

    /// Write into folder DIR instead of standard output: one DOC_ID.txt
    /// per document (text; `/` in ids becomes `__`), or extract.jsonl.
    /// The folder appears whole or not at all.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Replace DIR even if framewatch did not write it.
    #[arg(long)]
    pub force: bool,

    /// Keep running headers and footers (page numbers, repeated titles)
    /// that `run` drops from PDF pages.
    #[arg(long)]
    pub keep_furniture: bool,

    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Exit with code 3 if any document was skipped.
    #[arg(long)]
    pub strict: bool,

    /// No warnings or summary line (skipped documents are still reported).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    #[command(flatten)]
    pub ingest: IngestArgs,
}

/// Where the extracted text goes.
enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    /// One file per document, named uniquely.
    Files(Staging, BTreeSet<String>),
    /// `extract.jsonl` in the staging folder.
    Jsonl(Staging, std::io::BufWriter<std::fs::File>),
}

pub fn run(args: Args) -> Result<u8> {
    // Tagging is the pipeline's last step; its counts are not shown, so
    // the built-in lexicon serves.
    let tagger = super::load_tagger(None, false, true)?;
    let mut reading = args.ingest.settle()?;
    reading.ingest.pdf.keep_furniture = args.keep_furniture;
    let source = super::ingest_args::source(&args.inputs, args.ingest.stdin_format, "extract")?;
    let mut sink = match (&args.out, args.format) {
        (None, _) => Sink::Stdout(std::io::BufWriter::new(std::io::stdout())),
        (Some(dir), ExtractFormat::Text) => {
            Sink::Files(Staging::begin(dir, args.force)?, BTreeSet::new())
        }
        (Some(dir), ExtractFormat::Jsonl) => {
            let staging = Staging::begin(dir, args.force)?;
            let path = staging.dir().join("extract.jsonl");
            let file = std::fs::File::create(&path).map_err(|e| Error::output(&path, e))?;
            Sink::Jsonl(staging, std::io::BufWriter::new(file))
        }
    };
    let (mut read, mut skipped) = (0usize, 0usize);
    let quiet = args.quiet;
    let format = args.format;
    let each = |outcomes: Vec<Outcome<String>>| {
        for o in outcomes {
            match o {
                Outcome::Tagged(d, text) => {
                    read += 1;
                    if !quiet {
                        super::print_warnings(&d.meta.path, &d.warnings);
                    }
                    write_doc(&mut sink, format, &d, &text)?;
                }
                Outcome::Skipped(s) => {
                    skipped += 1;
                    super::print_skipped([&s]);
                    if format == ExtractFormat::Jsonl {
                        write_skipped(&mut sink, &s)?;
                    }
                }
            }
        }
        Ok(())
    };
    let job = Job::new(&tagger, &reading).threads(args.threads);
    let corpus = job.run(source, |_| true, &|v: &View<'_>| v.text.to_string(), each)?;
    super::print_found(&corpus, quiet);
    let found = super::found_skipped(&corpus, None);
    super::print_skipped(&found);
    skipped += found.len();
    for s in &found {
        if format == ExtractFormat::Jsonl {
            write_skipped(&mut sink, s)?;
        }
    }
    match sink {
        Sink::Stdout(mut w) => w
            .flush()
            .map_err(|e| Error::Other(format!("cannot write to stdout: {e}")))?,
        Sink::Files(staging, _) => staging.commit()?,
        Sink::Jsonl(staging, mut w) => {
            w.flush()
                .map_err(|e| Error::output(staging.dir().join("extract.jsonl"), e))?;
            drop(w);
            staging.commit()?
        }
    }
    if !quiet {
        eprintln!("framewatch: {read} documents extracted, {skipped} skipped");
    }
    if args.strict && skipped > 0 {
        eprintln!("framewatch: --strict: {skipped} documents were skipped");
        return Ok(EXIT_STRICT);
    }
    Ok(EXIT_OK)
}

/// The text with a `--- page N ---` line before each page of a paged
/// document (`(ocr)` on pages read by OCR).
pub fn marked_text(d: &DocResult, text: &str) -> String {
    if d.page_starts.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 32 * d.page_starts.len());
    for (i, range) in page_ranges(&d.page_starts, text.len()).enumerate() {
        let page = i as u32 + 1;
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("--- page {page}"));
        if d.ocr_pages.contains(&page) {
            out.push_str(" (ocr)");
        }
        out.push_str(" ---\n");
        out.push_str(text[range].trim_end());
        out.push('\n');
    }
    out
}

/// Each page's byte range in the text.
fn page_ranges(starts: &[u32], len: usize) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    starts.iter().enumerate().map(move |(i, &s)| {
        let end = starts.get(i + 1).map_or(len, |&e| e as usize);
        (s as usize).min(len)..end.min(len).max((s as usize).min(len))
    })
}

/// A file name for a document id: `/` becomes `__`, other characters
/// outside `[A-Za-z0-9._#-]` become `_`, and a clash gets `~2`, `~3`...
fn file_name(doc_id: &str, used: &mut BTreeSet<String>) -> String {
    let base: String = doc_id
        .replace('/', "__")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '#' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = base.trim_start_matches('.').to_string();
    let mut name = format!("{base}.txt");
    let mut n = 2;
    while !used.insert(name.clone()) {
        name = format!("{base}~{n}.txt");
        n += 1;
    }
    name
}

fn write_doc(sink: &mut Sink, format: ExtractFormat, d: &DocResult, text: &str) -> Result<()> {
    let stdout_err = |e: std::io::Error| Error::Other(format!("cannot write to stdout: {e}"));
    match (sink, format) {
        (Sink::Stdout(w), ExtractFormat::Text) => {
            writeln!(w, "==> {} <==", d.meta.doc_id).map_err(stdout_err)?;
            let body = marked_text(d, text);
            w.write_all(body.as_bytes()).map_err(stdout_err)?;
            if !body.ends_with('\n') {
                w.write_all(b"\n").map_err(stdout_err)?;
            }
            Ok(())
        }
        (Sink::Stdout(w), ExtractFormat::Jsonl) => {
            writeln!(w, "{}", json_doc(d, text)).map_err(stdout_err)
        }
        (Sink::Files(staging, used), _) => {
            let path = staging.dir().join(file_name(&d.meta.doc_id, used));
            let mut body = marked_text(d, text);
            if !body.ends_with('\n') {
                body.push('\n');
            }
            std::fs::write(&path, body).map_err(|e| Error::output(&path, e))
        }
        (Sink::Jsonl(staging, w), _) => writeln!(w, "{}", json_doc(d, text))
            .map_err(|e| Error::output(staging.dir().join("extract.jsonl"), e)),
    }
}

fn write_skipped(sink: &mut Sink, s: &Skipped) -> Result<()> {
    let row = serde_json::json!({
        "doc_id": s.doc_id,
        "path": s.path,
        "skipped": s.reason.as_str(),
        "detail": s.detail,
    });
    match sink {
        Sink::Stdout(w) => {
            writeln!(w, "{row}").map_err(|e| Error::Other(format!("cannot write to stdout: {e}")))
        }
        Sink::Jsonl(staging, w) => {
            writeln!(w, "{row}").map_err(|e| Error::output(staging.dir().join("extract.jsonl"), e))
        }
        Sink::Files(..) => Ok(()),
    }
}

/// A document as one JSON object.
pub fn json_doc(d: &DocResult, text: &str) -> serde_json::Value {
    let m = &d.meta;
    let pages: Vec<serde_json::Value> = page_ranges(&d.page_starts, text.len())
        .enumerate()
        .map(|(i, r)| {
            let page = i as u32 + 1;
            serde_json::json!({
                "page": page,
                "start": r.start,
                "end": r.end,
                "ocr": d.ocr_pages.contains(&page),
            })
        })
        .collect();
    serde_json::json!({
        "doc_id": m.doc_id,
        "path": m.path,
        "format": m.format,
        "record": m.record,
        "title": m.title,
        "author": m.author,
        "date": m.date.map(|x| x.date.to_string()),
        "date_precision": m.date.map(|x| x.precision.as_str()),
        "date_source": (!m.date_source.is_empty()).then_some(m.date_source),
        "source": m.source,
        "url": m.url,
        "bytes": text.len(),
        "pages": pages,
        "ocr_pages": d.ocr_pages,
        "ocr_confidence": d.ocr_confidence.map(|c| (c * 10.0).round() / 10.0),
        "warnings": d.warnings,
        "text": text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_ids_become_distinct_file_names() {
        let mut used = BTreeSet::new();
        assert_eq!(
            file_name("reports/a b.pdf", &mut used),
            "reports__a_b.pdf.txt"
        );
        assert_eq!(
            file_name("reports/a_b.pdf", &mut used),
            "reports__a_b.pdf~2.txt"
        );
        assert_eq!(file_name("../x.csv#3", &mut used), "__x.csv#3.txt");
    }

    #[test]
    fn pages_are_marked_and_ocr_pages_named() {
        let text = "first page\n\nsecond page";
        let mut d = crate::cli::load_tagger(None, false, true)
            .unwrap()
            .tag_text(
                text,
                crate::model::DocMeta::bare("d", "d.pdf", crate::model::Origin::Text("".into())),
            );
        d.page_starts = vec![0, 12];
        d.ocr_pages = vec![2];
        assert_eq!(
            marked_text(&d, text),
            "--- page 1 ---\nfirst page\n\n--- page 2 (ocr) ---\nsecond page\n"
        );
        let j = json_doc(&d, text);
        assert_eq!(j["pages"][1]["start"], 12);
        assert_eq!(j["pages"][1]["ocr"], true);
        assert_eq!(j["pages"][0]["end"], 12);
    }
}
