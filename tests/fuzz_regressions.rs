//! Regression tests for what the ingest fuzz targets (`fuzz/`) found, each
//! named after its input; the inputs are in `tests/fixtures/fuzz/`. See
//! docs/reliability.md for the campaign.

use crate::util::fixtures;
use framewatch::ingest::{IngestOptions, file_doc, read_doc};

fn read_fixture(name: &str) -> Result<framewatch::ingest::Doc, framewatch::ingest::ReadError> {
    let p = fixtures().join("fuzz").join(name);
    let mut meta = file_doc(&p).expect("a single-document format");
    read_doc(&mut meta, &IngestOptions::default())
}

/// Page offsets of a document must lie inside its text, in order.
fn check_pages(doc: &framewatch::ingest::Doc) {
    let mut last = 0;
    for &p in &doc.page_starts {
        assert!(
            p >= last && p as usize <= doc.text.len(),
            "page starts {:?} for {} bytes of text",
            doc.page_starts,
            doc.text.len()
        );
        last = p;
    }
}

/// `ingest_pdf`: a first page with no text and a second whose text starts
/// with U+FEFF (a ToUnicode map sends a glyph there). Removing the leading
/// byte-order mark moved every later page start back 3 bytes, and the
/// second page started at 0: it wrapped to 4294967293, so every hit got a
/// wrong page number. (The target's page-offset check caught it on this
/// input, built after reading `read_doc`.)
#[test]
fn fuzz_ingest_pdf_bom_after_empty_page_keeps_page_starts_in_text() {
    let doc = read_fixture("pdf-bom-after-empty-page.pdf").unwrap();
    assert_eq!(doc.text, "AAAA");
    assert_eq!(doc.page_starts, vec![0, 0]);
    check_pages(&doc);
}
