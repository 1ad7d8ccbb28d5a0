//! CSV and TSV tables on arbitrary bytes, each input read as both
//! `input.csv` and `input.tsv`: discovery streams the rows under
//! `--max-row-size`, then every row's text is re-read from its byte range.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    common::hook();
    common::read_as("csv", data);
    common::read_as("tsv", data);
});
