//! HTML pages on arbitrary bytes: charset decoding, main-text extraction
//! and metadata, read as a run reads `input.html`; plus the fragment
//! reducer that feed items go through.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    common::hook();
    common::read_as("html", data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = framewatch::ingest::html::fragment_text(text);
    }
});
