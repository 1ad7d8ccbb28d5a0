//! Analyse, match and annotate arbitrary UTF-8 with the built-in lexicon;
//! every hit must slice the text to its surface form.
#![no_main]
use framewatch::lexicon::Lexicon;
use framewatch::model::{DocMeta, Origin};
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
    let text = String::from_utf8_lossy(data);
    let r = tagger().tag_text(&text, DocMeta::bare("fuzz", "fuzz", Origin::Embedded("")));
    for h in &r.hits {
        assert_eq!(&text[h.byte_start as usize..h.byte_end as usize], h.surface);
    }
});
