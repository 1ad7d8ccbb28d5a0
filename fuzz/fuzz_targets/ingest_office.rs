//! DOCX and ODT zips on arbitrary bytes, each input read as both
//! `input.docx` and `input.odt`, under the production zip limits
//! (`--max-unzipped-size`, `--max-zip-ratio`).
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    common::hook();
    common::read_as("docx", data);
    common::read_as("odt", data);
});
