//! PDF files (lopdf for the Info dictionary, pdf-extract for the text) on
//! arbitrary bytes, read as a run reads `input.pdf`.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    common::hook();
    common::read_as("pdf", data);
});
