//! quanteda YAML, LIWC and WordStat dictionary import on arbitrary text.
#![no_main]
use framewatch::lexicon::interop::{self, ImportOptions};
use libfuzzer_sys::fuzz_target;

/// What imports must load as a lexicon: any categories work.
fn loads(d: &interop::Imported, source: &str) {
    let toml = interop::to_toml(d, "fuzz", source, "fuzz");
    if let Err(e) = framewatch::lexicon::Lexicon::parse("fuzz.toml", &toml) {
        panic!("an imported dictionary does not load as a lexicon: {e}\n{toml}");
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for first_key_wins in [false, true] {
            let o = ImportOptions {
                strict: false,
                first_key_wins,
            };
            if let Ok(d) = interop::import_yaml("fuzz.yml", text, o) {
                loads(&d, "fuzz.yml");
            }
            if let Ok(d) = interop::import_liwc("fuzz.dic", text, o) {
                loads(&d, "fuzz.dic");
            }
            if let Ok(d) = interop::import_wordstat("fuzz.cat", text, o) {
                loads(&d, "fuzz.cat");
            }
        }
    }
});
