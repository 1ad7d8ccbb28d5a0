//! Gold files for `validate` (CSV and JSONL) on arbitrary bytes; a gold
//! file that reads must also be tagged and evaluated without a panic.
#![no_main]
use framewatch::lexicon::Lexicon;
use framewatch::pipeline::{Job, Reading};
use framewatch::study::validate::{Gold, evaluate, tag_units};
use framewatch::tagger::Tagger;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn tagger() -> &'static Tagger {
    static T: OnceLock<Tagger> = OnceLock::new();
    T.get_or_init(|| {
        let (lexicon, analyzer) = Lexicon::load(None).expect("built-in lexicon");
        Tagger::new(lexicon, analyzer)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let ext = if first % 2 == 0 { "csv" } else { "jsonl" };
    let t = tagger();
    if let Ok(gold) = Gold::parse("fuzz", rest.to_vec(), ext, &t.lexicon, &Default::default()) {
        // No corpus: units with a doc_id and no text are an error, the rest tag alone.
        let reading = Reading::default();
        if let Ok(units) = tag_units(&gold, &Job::new(t, &reading), &[]) {
            let _ = evaluate(&gold, &units, &t.lexicon, 20, 1);
        }
    }
});
