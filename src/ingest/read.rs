//! A document's text, read by a worker: the format chosen by extension
//! and checked by content, the format's own metadata merged under the
//! precedence sidecar > format > file name, limits enforced. A failure is
//! a skip reason and a detail, never a panic out of here.

use super::discover::slash_path;
use super::{
    DEMO, DEMO_NAME, IngestOptions, Limits, ReadError, encoding, feed, html, human, office, pdf,
    table,
};
use crate::model::{DocDate, DocMeta, Origin, SkipReason};
use std::path::Path;

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
    /// 1-based pages read by OCR (PDF).
    pub ocr_pages: Vec<u32>,
    /// Mean OCR word confidence (0–100) over those pages.
    pub ocr_confidence: Option<f64>,
}

/// A document's text as read by a worker.
#[derive(Debug, Default)]
pub struct Doc {
    pub text: String,
    /// Byte offset of each page's start (PDF); empty otherwise.
    pub page_starts: Vec<u32>,
    pub warnings: Vec<String>,
    /// 1-based pages read by OCR (PDF).
    pub ocr_pages: Vec<u32>,
    /// Mean OCR word confidence (0–100) over those pages.
    pub ocr_confidence: Option<f64>,
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
pub(super) enum FileKind {
    /// One document read by a worker; the format name.
    Single(&'static str),
    Table(table::Kind),
    Feed,
}

pub(super) fn kind_of(p: &Path) -> Option<FileKind> {
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
pub(super) fn sniff_name(bytes: &[u8]) -> &'static str {
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

/// A document received in memory under a file name (an upload to
/// `serve`): its format from the name's extension, read like
/// [`file_doc`]'s; `None` for tables and feeds.
pub fn bytes_doc(name: &str, bytes: std::sync::Arc<[u8]>) -> Option<DocMeta> {
    let mut meta = DocMeta::bare(name, name, Origin::Bytes(bytes));
    meta.format = match kind_of(Path::new(name)) {
        Some(FileKind::Single(f)) => f,
        Some(_) => return None,
        None => "txt",
    };
    Some(meta)
}

/// `what`: how much text, e.g. "40 MiB of text".
fn text_too_large(what: String, limits: &Limits) -> ReadError {
    (
        SkipReason::TextTooLarge,
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
pub(super) fn check_size(
    path: &Path,
    format: &str,
    limits: &Limits,
) -> std::result::Result<(), ReadError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| (SkipReason::Unreadable, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err((
            SkipReason::NotAFile,
            "a pipe, socket, device or folder, not a regular file; not read".into(),
        ));
    }
    check_len(meta.len(), format, limits)
}

/// Check a document's size in bytes (see [`check_size`]).
fn check_len(len: u64, format: &str, limits: &Limits) -> std::result::Result<(), ReadError> {
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
            SkipReason::TooLarge,
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
            let bytes = std::fs::read(p)
                .map_err(|e| (SkipReason::Unreadable, format!("cannot read: {e}")))?;
            let x = extract(meta.format, &bytes, opts)?;
            with_found(meta, x)
        }
        Origin::Bytes(b) => {
            check_len(b.len() as u64, meta.format, &opts.limits)?;
            let x = extract(meta.format, b, opts)?;
            with_found(meta, x)
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
        return Err((SkipReason::EmptyText, "the document has no text".into()));
    }
    Ok(doc)
}

/// A format's text as a document, what the format says about the
/// document merged into `meta`: sidecar values were set at discovery; the
/// format fills gaps.
fn with_found(meta: &mut DocMeta, x: Extracted) -> Doc {
    let f = x.found;
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
        ocr_pages: x.ocr_pages,
        ocr_confidence: x.ocr_confidence,
    }
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
    opts: &IngestOptions,
) -> std::result::Result<Extracted, ReadError> {
    let limits = &opts.limits;
    let mismatch = |ext: &str| {
        (
            SkipReason::FormatMismatch,
            format!("named .{ext} but the content is {}", sniff_name(bytes)),
        )
    };
    match format {
        "pdf" => {
            if !pdf::sniff(bytes) {
                return Err(mismatch("pdf"));
            }
            pdf::read(bytes, &opts.pdf)
        }
        "docx" | "odt" => {
            if office::is_ole(bytes) {
                return Err((
                    SkipReason::UnsupportedFormat,
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
            let mut x = guard(|| html::read(&text)).map_err(|why| {
                (
                    SkipReason::CorruptHtml,
                    format!("the HTML parser failed ({why})"),
                )
            })?;
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
        let e = |f: &str, b: &[u8]| extract(f, b, &IngestOptions::default()).err().unwrap();
        let (r, d) = e("pdf", b"<html><body><p>hi</p></body></html>");
        assert_eq!(
            (r.as_str(), d.as_str()),
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
    fn uploaded_bytes_are_read_like_files_under_the_same_limits() {
        let body: std::sync::Arc<[u8]> = std::sync::Arc::from(&b"\xEF\xBB\xBFLow pay.\n"[..]);
        let mut meta = bytes_doc("dir/a.md", body.clone()).unwrap();
        assert_eq!(meta.format, "md");
        let doc = read_doc(&mut meta, &IngestOptions::default()).unwrap();
        assert_eq!(doc.text, "Low pay.\n");
        let mut opts = IngestOptions::default();
        opts.limits.max_file = 4;
        let mut meta = bytes_doc("a.pdf", body.clone()).unwrap();
        assert_eq!(
            read_doc(&mut meta, &opts).unwrap_err().0,
            SkipReason::TooLarge
        );
        let mut meta = bytes_doc("a.pdf", body.clone()).unwrap();
        let (r, _) = read_doc(&mut meta, &IngestOptions::default()).unwrap_err();
        assert_eq!(r, SkipReason::FormatMismatch);
        assert!(bytes_doc("rows.csv", body).is_none());
    }
}
