//! Property tests of the matcher on generated text: hits of one sub-frame
//! never overlap and no hit is nested inside another (quanteda's
//! `nested_scope = "dictionary"`: partial overlaps across sub-frames both
//! count, as in "low pay gap"); hits never cross a sentence and slice the
//! text to their surface form; results
//! do not depend on thread count or input order; an entry written in a
//! sentence is found where it stands, whatever its case.

use framewatch::analyze::Analysis;
use framewatch::lexicon::Lexicon;
use framewatch::matcher::Scratch;
use framewatch::model::{DocMeta, Origin};
use framewatch::pipeline::{self, Outcome};
use framewatch::tagger::Tagger;
use proptest::prelude::*;
use std::sync::OnceLock;

fn tagger() -> &'static Tagger {
    static T: OnceLock<Tagger> = OnceLock::new();
    T.get_or_init(|| {
        let (lexicon, analyzer) = Lexicon::load(None).expect("built-in lexicon");
        Tagger::new(lexicon, analyzer)
    })
}

/// An entry as plain words: wildcards completed, exact markers dropped.
fn entry_words(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let w = w.trim_start_matches('=');
            match w.strip_suffix('*') {
                Some(stem) => format!("{stem}ers"),
                None => w.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Pieces of text: lexicon entries, words, punctuation, quotes, breaks,
/// non-ASCII letters and marks.
fn piece() -> impl Strategy<Value = String> {
    let n = tagger().lexicon.entries.len();
    prop_oneof![
        4 => (0..n).prop_map(|i| entry_words(&tagger().lexicon.entries[i].text)),
        4 => "[a-zA-Z]{1,9}",
        2 => prop::sample::select(vec![
            ".", ",", ";", ":", "!", "?", "-", "—", "\"", "“", "”", "'", "‘", "’", "(", ")",
            "\n", "\n\n", " not ", " so-called ", " argue that ", "n't", "...",
        ])
        .prop_map(str::to_string),
        1 => "[\\p{L}\\p{M}\\p{N}]{1,4}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (piece(), prop::sample::select(vec!["", " ", "  ", "\t"])),
        0..60,
    )
    .prop_map(|v| v.into_iter().map(|(p, sep)| p + sep).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn hits_follow_the_nesting_rule_stay_in_a_sentence_and_slice_to_their_surface(t in text()) {
        let tg = tagger();
        let mut a = Analysis::default();
        let mut s = Scratch::default();
        tg.inspect(&t, &mut a, &mut s, |a, _, hits| {
            let spans = a.sentence_spans();
            for (i, h) in hits.iter().enumerate() {
                prop_assert!(h.byte_start < h.byte_end && (h.byte_end as usize) <= t.len());
                prop_assert_eq!(&t[h.byte_start as usize..h.byte_end as usize], h.surface.as_str());
                prop_assert!(h.word_start < h.word_end);
                let (ss, se) = spans[h.sentence as usize];
                prop_assert!(ss <= h.byte_start && h.byte_end <= se, "hit {:?} crosses sentence {:?}", h, (ss, se));
                if i > 0 {
                    prop_assert!(hits[i - 1].byte_start <= h.byte_start, "hits in text order");
                }
                let sub = tg.lexicon.entries[h.entry as usize].subframe;
                for o in &hits[..i] {
                    let overlap = o.word_start < h.word_end && h.word_start < o.word_end;
                    let same_sub = tg.lexicon.entries[o.entry as usize].subframe == sub;
                    prop_assert!(!(overlap && same_sub), "{:?} overlaps {:?} in one sub-frame", o, h);
                    let same_span = (o.word_start, o.word_end) == (h.word_start, h.word_end);
                    let nested = |a: &framewatch::model::Hit, b: &framewatch::model::Hit| {
                        b.word_start <= a.word_start && a.word_end <= b.word_end
                    };
                    prop_assert!(same_span || !(nested(o, h) || nested(h, o)), "{:?} and {:?} nest", o, h);
                }
            }
            Ok(())
        })?;
    }

}

proptest! {
    // Enough cases to try every entry of the built-in lexicon several times.
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn an_entry_is_found_where_it_stands_in_any_case(
        i in 0..tagger().lexicon.entries.len(),
        upper in any::<bool>(),
        before in "[xz][qxz]{1,5}",
        after in "[xz][qxz]{1,5}",
    ) {
        let tg = tagger();
        let e = &tg.lexicon.entries[i];
        let words = entry_words(&e.text);
        let words = if upper { words.to_uppercase() } else { words };
        // Lower-casing must not change the length for the offsets below.
        prop_assume!(words.to_lowercase().len() == words.len());
        let t = format!("{before} {words} {after}.");
        let start = before.len() as u32 + 1;
        let end = start + words.len() as u32;
        let mut a = Analysis::default();
        let mut s = Scratch::default();
        let hits = tg.inspect(&t, &mut a, &mut s, |_, _, hits| hits);
        prop_assert!(
            hits.iter().any(|h| h.byte_start == start && h.byte_end == end),
            "entry {:?} (line {}) not found as {:?} in {:?}: {:?}", e.text, e.line, words, t, hits
        );
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn results_do_not_depend_on_threads_or_order(texts in prop::collection::vec(text(), 1..12)) {
        let tg = tagger();
        let docs: Vec<DocMeta> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let leaked: &'static str = Box::leak(t.clone().into_boxed_str());
                let mut m = DocMeta::bare(format!("d{i}"), format!("d{i}"), Origin::Embedded(leaked));
                m.ordinal = i;
                m
            })
            .collect();
        let collect = |docs: Vec<DocMeta>, threads: usize, batch: usize| {
            let mut out = std::collections::BTreeMap::new();
            let reading = pipeline::Reading::default();
            let mut job = pipeline::Job::new(tg, &reading).threads(Some(threads));
            job.batch = batch;
            job.tag(docs, &|_: &framewatch::tagger::View<'_>| (), |outcomes| {
                for o in outcomes {
                    match o {
                        Outcome::Tagged(r, ()) => {
                            out.insert(r.meta.doc_id.clone(), format!("{} {} {:?} {:?} {:?}", r.words, r.sentences, r.subframe_hits, r.no_context, r.hits));
                        }
                        Outcome::Skipped(s) => {
                            out.insert(s.doc_id.clone().unwrap_or_default(), format!("skipped {}", s.reason));
                        }
                    }
                }
                Ok(())
            })
            .unwrap();
            out
        };
        let one = collect(docs.clone(), 1, 512);
        let mut reversed = docs.clone();
        reversed.reverse();
        prop_assert_eq!(&one, &collect(reversed, 2, 3));
        prop_assert_eq!(&one, &collect(docs, 3, 1));
    }
}
