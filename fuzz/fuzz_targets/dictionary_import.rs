//! quanteda YAML and LIWC dictionary import on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(d) = framewatch::lexicon::interop::import_yaml("fuzz.yml", text) {
            // What imports must load as a lexicon, once its categories are
            // named behavioural and structural (the import asks the user to).
            let toml = framewatch::lexicon::interop::to_toml(&d, "fuzz", "fuzz.yml", "yaml");
            if let Err(e) = framewatch::lexicon::Lexicon::parse("fuzz.toml", &toml) {
                let e = e.to_string();
                if e.lines().any(|l| !l.contains("missing category")) {
                    panic!("an imported dictionary does not load as a lexicon: {e}\n{toml}");
                }
            }
        }
        let _ = framewatch::lexicon::interop::import_liwc("fuzz.dic", text);
    }
});
