//! The lexicon parser and validator on arbitrary text: errors, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok((lexicon, analyzer)) = framewatch::lexicon::Lexicon::parse("fuzz.toml", text) {
            // A lexicon that validates must compile and tag its own examples.
            let tagger = framewatch::tagger::Tagger::new(lexicon, analyzer);
            let _ = framewatch::lexicon::explain::run_examples(&tagger);
        }
    }
});
