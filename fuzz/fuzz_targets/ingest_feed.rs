//! RSS and Atom feeds on arbitrary bytes (feed-rs, then each item's HTML
//! reduced to text), read as a run reads `input.rss`: one document per item.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    common::hook();
    common::read_as("rss", data);
});
