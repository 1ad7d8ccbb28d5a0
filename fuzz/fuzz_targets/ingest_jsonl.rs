//! JSON Lines on arbitrary bytes: as a file (`input.jsonl`, rows re-read
//! from their byte ranges) and as standard input is scanned (text kept in
//! memory), both under `--max-row-size`.
#![no_main]
use framewatch::ingest::table::{Columns, Event, scan_jsonl};
use framewatch::model::Origin;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
mod common;

fuzz_target!(|data: &[u8]| {
    common::hook();
    common::read_as("jsonl", data);
    let opts = common::opts();
    let mut rows = 0;
    let _ = scan_jsonl(
        std::io::Cursor::new(data),
        &Columns::default(),
        &opts.limits,
        &mut |e| {
            if let Event::Row(r) = e {
                assert!(r.number >= 1 && r.line >= r.number);
                rows += 1;
            }
        },
        &mut |offset, len, text| {
            assert!(
                offset + len <= data.len() as u64,
                "a row's range runs past the input"
            );
            Origin::Text(Arc::from(text))
        },
    );
});
