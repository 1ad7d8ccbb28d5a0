//! PDF → text per page (`pdf-extract`, which follows each page's content
//! stream and its fonts' encodings) plus the Info dictionary (`lopdf`):
//! title, author, creation date. Encrypted, image-only and corrupt files
//! are refused with their own reason; a parser panic costs one document.

use super::{Extracted, Found, ReadError};
use crate::ingest::parse_date;
use crate::model::SkipReason;
use crate::model::{DatePrecision, DocDate};
use chrono::NaiveDate;

/// Whether bytes look like a PDF: `%PDF-` within the first KiB.
pub fn sniff(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

pub fn read(bytes: &[u8]) -> Result<Extracted, ReadError> {
    let encrypted = || {
        (
            SkipReason::EncryptedPdf,
            "the PDF is encrypted; save an unencrypted copy (e.g. `qpdf --decrypt in.pdf out.pdf`)"
                .to_string(),
        )
    };
    // An encryption dictionary in the trailer: refuse before parsing, as
    // the parser may fail on (or silently garble) encrypted streams.
    if has_encrypt_entry(bytes) {
        return Err(encrypted());
    }
    let doc = super::guard(|| lopdf::Document::load_mem(bytes))
        .map_err(|why| {
            (
                SkipReason::CorruptPdf,
                format!("the PDF parser failed ({why})"),
            )
        })?
        .map_err(|e| (SkipReason::CorruptPdf, format!("cannot parse the PDF: {e}")))?;
    if doc.is_encrypted() {
        return Err(encrypted());
    }
    let n_pages = doc.get_pages().len();
    let found = info(&doc);
    drop(doc);
    let pages = super::guard(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
        .map_err(|why| {
            (
                SkipReason::CorruptPdf,
                format!("the PDF parser failed ({why})"),
            )
        })?
        .map_err(|e| (SkipReason::CorruptPdf, format!("cannot extract text: {e}")))?;
    if pages.iter().all(|p| p.trim().is_empty()) {
        return Err((
            SkipReason::NoTextLayer,
            format!(
                "no text layer in {} page{}: probably scanned images; run OCR first (e.g. `ocrmypdf in.pdf out.pdf`)",
                n_pages.max(pages.len()),
                if n_pages.max(pages.len()) == 1 {
                    ""
                } else {
                    "s"
                }
            ),
        ));
    }
    let mut text = String::new();
    let mut page_starts = Vec::with_capacity(pages.len());
    for p in &pages {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        page_starts.push(text.len() as u32);
        clean_page(p, &mut text);
    }
    Ok(Extracted {
        text,
        page_starts,
        found,
        warnings: Vec::new(),
    })
}

/// Whether a trailer (or cross-reference stream) names an `/Encrypt`
/// dictionary. Trailers sit at the end of the file, or near the start of a
/// linearised one; page text is not searched.
fn has_encrypt_entry(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(16 << 10)];
    let tail = &bytes[bytes.len().saturating_sub(64 << 10)..];
    [head, tail]
        .iter()
        .any(|part| part.windows(8).any(|w| w == b"/Encrypt"))
}

/// Append a page's text: trailing spaces trimmed, words hyphenated across
/// a line break joined ("poli-\ncy" → "policy"), runs of blank lines
/// collapsed to one, no leading or trailing blank lines.
fn clean_page(page: &str, out: &mut String) {
    let start = out.len();
    let lines: Vec<&str> = page.lines().map(str::trim_end).collect();
    let mut blank = 0;
    let mut joined = false;
    for (i, line) in lines.iter().enumerate() {
        let line = if joined { line.trim_start() } else { line };
        joined = false;
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if out.len() > start {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        let next_lower = lines
            .get(i + 1)
            .and_then(|n| n.trim_start().chars().next())
            .is_some_and(char::is_lowercase);
        let before_hyphen = line
            .strip_suffix('-')
            .and_then(|l| l.chars().last())
            .is_some_and(char::is_alphabetic);
        if next_lower && before_hyphen {
            out.push_str(&line[..line.len() - 1]);
            // The next line continues this one without a break.
            joined = true;
            blank = 0;
            out.push('\u{0}');
        } else {
            out.push_str(line);
        }
    }
    // Remove the join markers together with the line break after them.
    if out[start..].contains('\u{0}') {
        let fixed = out[start..].replace("\u{0}\n", "").replace('\u{0}', "");
        out.truncate(start);
        out.push_str(&fixed);
    }
}

/// Title, author and creation date from the Info dictionary.
fn info(doc: &lopdf::Document) -> Found {
    let mut found = Found::default();
    let Ok(info) = doc.trailer.get(b"Info") else {
        return found;
    };
    let dict = match info {
        lopdf::Object::Reference(r) => doc.get_dictionary(*r).ok(),
        lopdf::Object::Dictionary(d) => Some(d),
        _ => None,
    };
    let Some(dict) = dict else { return found };
    let get = |key: &[u8]| -> Option<String> {
        match dict.get(key).ok()? {
            lopdf::Object::String(bytes, _) => {
                let s = pdf_string(bytes);
                let s = s.trim().trim_matches('\u{0}').trim();
                (!s.is_empty()).then(|| s.to_string())
            }
            _ => None,
        }
    };
    found.title = get(b"Title");
    found.author = get(b"Author");
    found.date = get(b"CreationDate")
        .or_else(|| get(b"ModDate"))
        .and_then(|d| pdf_date(&d));
    found
}

/// A PDF text string: UTF-16BE with a byte-order mark, UTF-8 with one, or
/// PDFDocEncoding (Latin-1 for the printable range).
fn pdf_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| b as char).collect()
}

/// `D:YYYYMMDDHHmmSSOHH'mm'` (every part after the year optional).
fn pdf_date(s: &str) -> Option<DocDate> {
    let s = s.trim().strip_prefix("D:").unwrap_or(s.trim());
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let num = |r: std::ops::Range<usize>| digits.get(r)?.parse::<u32>().ok();
    match digits.len() {
        n if n >= 8 => {
            NaiveDate::from_ymd_opt(num(0..4)? as i32, num(4..6)?, num(6..8)?).map(|date| DocDate {
                date,
                precision: DatePrecision::Day,
            })
        }
        6 => parse_date(&format!("{}-{}", &digits[0..4], &digits[4..6])),
        4 => parse_date(&digits),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF of the given objects (numbered from 1; object 1 is the
    /// catalog), with a correct cross-reference table.
    fn pdf_of(objects: &[&[u8]]) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n", i + 1).bytes());
            out.extend_from_slice(o);
            out.extend(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
        for o in offsets {
            out.extend(format!("{o:010} 00000 n \n").bytes());
        }
        out.extend(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .bytes(),
        );
        out
    }

    /// One page showing `(Low pay) Tj` in font F1 = object 5.
    fn page_with_font(font: &[u8], more: &[&[u8]]) -> Vec<u8> {
        let content = b"BT /F1 12 Tf 72 712 Td (Low pay) Tj ET";
        let stream = [
            format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat();
        let mut objects: Vec<&[u8]> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            &stream,
            font,
        ];
        objects.extend_from_slice(more);
        pdf_of(&objects)
    }

    #[test]
    fn a_well_formed_pdf_reads() {
        let x = read(&page_with_font(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            &[],
        ))
        .unwrap();
        assert_eq!(x.text, "Low pay");
    }

    /// Fuzz `ingest_pdf` crash-2cc5e2f4 (a mutated real PDF): a Type1C
    /// font program that `cff-parser` cannot parse makes pdf-extract 0.12.1
    /// panic (`unwrap()` at lib.rs:413). Not fixable from here; the guard
    /// must contain it and the file be skipped as corrupt.
    #[test]
    fn fuzz_ingest_pdf_2cc5e2f4_broken_cff_font_is_contained() {
        let pdf = page_with_font(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Junk /FontDescriptor 6 0 R >>",
            &[
                b"<< /Type /FontDescriptor /FontName /Junk /FontFile3 7 0 R >>",
                b"<< /Subtype /Type1C /Length 4 >>\nstream\njunk\nendstream",
            ],
        );
        let (reason, detail) = read(&pdf).expect_err("a broken font is refused");
        assert_eq!(reason, "corrupt-pdf");
        assert!(detail.contains("the PDF parser failed"), "{detail}");
    }

    fn clean(p: &str) -> String {
        let mut s = String::new();
        clean_page(p, &mut s);
        s
    }

    #[test]
    fn pages_are_cleaned_and_hyphens_joined() {
        assert_eq!(
            clean("\n\nThe wel-\nfare state  \n\n\n\ncuts hit low-\nPaid work\n\n"),
            "The welfare state\n\ncuts hit low-\nPaid work"
        );
        assert_eq!(clean("   \n  \n"), "");
    }

    #[test]
    fn info_dates_and_strings() {
        let d = pdf_date("D:20240317120000+01'00'").unwrap();
        assert_eq!(
            (d.date.to_string(), d.precision),
            ("2024-03-17".into(), DatePrecision::Day)
        );
        assert_eq!(pdf_date("D:2019").unwrap().precision, DatePrecision::Year);
        assert!(pdf_date("yesterday").is_none());
        assert_eq!(
            pdf_string(b"\xFE\xFF\x00W\x00e\x00l\x00f\x00a\x00r\x00e"),
            "Welfare"
        );
        assert_eq!(pdf_string(b"Caf\xe9"), "Caf\u{e9}");
    }
}
