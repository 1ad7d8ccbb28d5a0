//! Byte decoding and charset detection on arbitrary bytes: plain-text
//! decoding (BOMs, UTF-8, UTF-16, legacy encodings guessed by chardetng),
//! the HTML charset sniffing, a CSV field's decoding, and `input.txt`
//! read as a run reads it.
#![no_main]
use framewatch::ingest::{encoding, html, table};
use framewatch::model::RecordField;
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    common::hook();
    match encoding::decode(data) {
        Ok(d) => {
            // A guess is never silent: text that is not the bytes as
            // UTF-8 (less a BOM) comes with a warning, unless it is UTF-16.
            let as_utf8 = std::str::from_utf8(data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data));
            if as_utf8.is_err() && !data.starts_with(b"\xFF\xFE") && !data.starts_with(b"\xFE\xFF")
            {
                assert!(d.warning.is_some(), "a guessed encoding without a warning");
            }
        }
        Err((reason, detail)) => assert!(!detail.is_empty(), "{reason} without a detail"),
    }
    let _ = html::decode(data);
    let mut quoted = b"\"".to_vec();
    quoted.extend(
        data.iter()
            .flat_map(|&b| if b == b'"' { vec![b'"', b'"'] } else { vec![b] }),
    );
    quoted.extend(b"\"\n");
    let _ = table::record_text(
        &quoted,
        &RecordField::Csv {
            delimiter: b',',
            index: 0,
        },
    );
    common::read_as("txt", data);
});
