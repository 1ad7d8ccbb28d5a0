//! The trained classifier as a measure: every sentence of a tagged
//! document, featurised from the analysis and hits the pipeline already
//! made (no second pass over the text), and labelled per framing.
//!
//! `run --measure model|both` labels sentences in the worker that tagged
//! the document ([`label_sentences`] as the job's inspector); `sample
//! --strategy uncertain` ranks the same predictions by how unsure they are.

use crate::model::{Hit, HitStatus, SentenceLabel};
use crate::study::classify::{self, FeatureConfig, Features, Model, Prediction, SentenceRef};
use crate::tagger::{Tagger, View};
use serde::{Deserialize, Serialize};

/// Which rows of the `sentences` table hold the sentence's text (`run
/// --sentence-text`); the other rows' `text` is null.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentenceText {
    /// Every sentence.
    All,
    /// The sentences the model labels other than `none` for some framing,
    /// or that hold a counted hit of the lexicon: the ones a reader goes
    /// to.
    #[default]
    Labelled,
    /// None: spans only (the text is in the documents).
    None,
}

impl SentenceText {
    /// What a manifest written before the option means: every sentence
    /// kept its text.
    pub fn all() -> SentenceText {
        SentenceText::All
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SentenceText::All => "all",
            SentenceText::Labelled => "labelled",
            SentenceText::None => "none",
        }
    }

    /// Whether a sentence with these labels (indices into the classes),
    /// holding a counted hit or not, keeps its text.
    pub fn keeps(self, labels: impl IntoIterator<Item = u8>, counted_hit: bool) -> bool {
        match self {
            SentenceText::All => true,
            SentenceText::Labelled => counted_hit || labels.into_iter().any(|c| c != 0),
            SentenceText::None => false,
        }
    }
}

/// How many features [`label_sentences`] keeps as a label's reasons.
pub const WHY_FEATURES: usize = 3;

/// The hits of each sentence of `v` (one pass over the hits).
fn hits_by_sentence<'a>(v: &View<'a>, sentences: usize) -> Vec<Vec<&'a Hit>> {
    let mut by: Vec<Vec<&Hit>> = vec![Vec::new(); sentences];
    for h in v.hits {
        if let Some(s) = by.get_mut(h.sentence as usize) {
            s.push(h);
        }
    }
    by
}

/// A sentence of a tagged document as the model sees it.
struct Sentence<'s> {
    index: usize,
    span: (u32, u32),
    /// Its tokens, hits and neighbours.
    input: SentenceRef<'s>,
    /// Its features' (index, value) pairs.
    values: &'s [(u32, f64)],
    /// The model's prediction per framing, in the model's order.
    predictions: &'s [Prediction],
}

/// `f` of each sentence of `v`, in order, with the featurizer that saw it
/// (to name its features).
fn each_sentence<T>(
    tagger: &Tagger,
    model: &Model,
    v: &View<'_>,
    mut f: impl FnMut(Sentence<'_>, &classify::Featurizer<'_>) -> T,
) -> Vec<T> {
    let a = v.analysis;
    let spans = a.sentence_spans();
    let hits = hits_by_sentence(v, spans.len());
    let (lexicon, analyzer) = (&tagger.lexicon, &tagger.analyzer);
    let mut predictions = Vec::with_capacity(model.framings.len());
    classify::with_featurizer(&model.features, lexicon, analyzer, |featurizer| {
        let mut next = spans.first().map(|&(s, e)| classify::token_range(a, s, e));
        spans
            .iter()
            .zip(&hits)
            .enumerate()
            .map(|(index, (&(s, e), inside))| {
                let tokens = next
                    .take()
                    .unwrap_or_else(|| classify::token_range(a, s, e));
                next = spans
                    .get(index + 1)
                    .map(|&(s, e)| classify::token_range(a, s, e));
                if let Some(next) = &next {
                    featurizer.prefetch(a, next.clone());
                }
                let input = SentenceRef {
                    a,
                    tokens,
                    hits: inside,
                    neighbours: classify::Neighbours::of_sentence(lexicon, &hits, index),
                };
                featurizer.featurize(&input);
                let values = featurizer.last_values();
                let sentence = Sentence {
                    index,
                    span: (s, e),
                    input,
                    values,
                    predictions: {
                        model.predict_all_into(values, &mut predictions);
                        &predictions
                    },
                };
                f(sentence, featurizer)
            })
            .collect()
    })
}

/// Each sentence of `v`: its byte span and the model's prediction per
/// framing (in the model's order), from the features' values alone.
pub fn predict_sentences(
    tagger: &Tagger,
    model: &Model,
    v: &View<'_>,
) -> Vec<((u32, u32), Vec<Prediction>)> {
    each_sentence(tagger, model, v, |s, _| (s.span, s.predictions.to_vec()))
}

/// The named features of the sentence `index` of `v`, spanning `span`:
/// for explaining a label.
pub fn sentence_features(
    tagger: &Tagger,
    cfg: &FeatureConfig,
    v: &View<'_>,
    index: usize,
    (start, end): (u32, u32),
) -> Features {
    let inside: Vec<&Hit> = v
        .hits
        .iter()
        .filter(|h| h.sentence as usize == index)
        .collect();
    let tokens = classify::token_range(v.analysis, start, end);
    let input = SentenceRef {
        a: v.analysis,
        neighbours: classify::Neighbours::of(&tagger.lexicon, v.analysis, tokens.clone(), v.hits),
        tokens,
        hits: &inside,
    };
    classify::features(cfg, &tagger.lexicon, &tagger.analyzer, &input)
}

/// A prediction's probability of endorsed, to 4 decimals (tables stay
/// byte-stable across platforms' last-bit differences in `exp`).
pub fn p_endorsed(p: &Prediction) -> f64 {
    (p.p[1] * 1e4).round() / 1e4
}

/// The model's label of sentence `sentence` for the framing named
/// `category`, and its probability of endorsed: what a hit or a
/// concordance line shows beside the lexicon's stance. `None` when the
/// model does not classify that category.
pub fn label_of(
    model: &Model,
    predictions: &[((u32, u32), Vec<Prediction>)],
    category: &str,
    sentence: u32,
) -> Option<(&'static str, f64)> {
    let f = model.framings.iter().position(|m| m.framing == category)?;
    let p = predictions.get(sentence as usize)?.1[f];
    Some((p.label(), p_endorsed(&p)))
}

/// A sentence's text with runs of white space as one space.
pub fn sentence_text(text: &str, (start, end): (u32, u32)) -> String {
    let span = text.get(start as usize..end as usize).unwrap_or("");
    if !span.is_ascii() {
        let mut out = String::with_capacity(span.len());
        for word in span.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        return out;
    }
    // ASCII: `split_whitespace` splits at these bytes (vertical tab too).
    let space = |b: u8| matches!(b, b'\t'..=b'\r' | b' ');
    let bytes = span.as_bytes();
    // Most sentences are already words with one space between: a test
    // without a branch per byte, then one copy.
    let odd = |(&b, &next): (&u8, &u8)| matches!(b, b'\t'..=b'\r') | (b == b' ' && next == b' ');
    if let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) {
        let plain = !space(first)
            && !space(last)
            && !bytes
                .iter()
                .zip(&bytes[1..])
                .fold(false, |seen, pair| seen | odd(pair));
        if plain {
            return span.to_string();
        }
    }
    let mut out = Vec::with_capacity(span.len());
    let mut space_before = false;
    for &b in bytes {
        if space(b) {
            space_before = !out.is_empty();
        } else {
            if space_before {
                out.push(b' ');
                space_before = false;
            }
            out.push(b);
        }
    }
    String::from_utf8(out).expect("ASCII is UTF-8")
}

/// Every sentence of `v` labelled by `model`: label, probability of
/// endorsed ([`p_endorsed`]) and, when the label is
/// not `none`, the [`WHY_FEATURES`] features of the sentence that pushed
/// towards it most (the bias, in every sentence, is left out).
///
/// `text`: which sentences get their text ([`sentence_text`]); the others
/// get `None`.
pub fn label_sentences(
    tagger: &Tagger,
    model: &Model,
    v: &View<'_>,
    text: SentenceText,
) -> Vec<SentenceLabel> {
    each_sentence(tagger, model, v, |s, featurizer| {
        let framings = s
            .predictions
            .iter()
            .enumerate()
            .map(|(n, p)| {
                let class = p.class();
                let why = if class == 0 {
                    String::new()
                } else {
                    // Names only for the few features that explain a label.
                    let name_of = |indices: &[u32]| featurizer.names_of(&s.input, indices);
                    let mut why =
                        model.explain_values(n, s.values, class, WHY_FEATURES + 1, name_of);
                    why.retain(|(name, _)| name != "bias");
                    why.truncate(WHY_FEATURES);
                    reasons(&why)
                };
                (class as u8, p_endorsed(p), why)
            })
            .collect::<crate::model::SentenceFramings>();
        let counted = s.input.hits.iter().any(|h| h.status == HitStatus::Counted);
        let keep = text.keeps(framings.iter().map(|f| f.0), counted);
        SentenceLabel {
            sentence: s.index as u32,
            byte_start: s.span.0,
            byte_end: s.span.1,
            text: keep.then(|| sentence_text(v.text, s.span)),
            framings,
        }
    })
}

/// `name +0.42; name -0.10`: features and their pull, for tables.
pub fn reasons(features: &[(String, f64)]) -> String {
    features
        .iter()
        .map(|(name, w)| format!("{name} {w:+.2}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;
    use crate::model::{DocMeta, Origin};
    use crate::study::classify::FeatureConfig;

    /// The unnamed path gives exactly the named path's numbers, on every
    /// sentence of the demo corpus, also with a hash so small that names
    /// collide all the time (which one a collision keeps decides a value);
    /// and so do the predictions and explanations made from them.
    #[test]
    fn feature_values_equal_the_named_features() {
        use crate::ingest::Corpus;
        use crate::model::Origin;
        let (lexicon, analyzer) = Lexicon::load(None).unwrap();
        let model = Model::parse("builtin", classify::DEFAULT_MODEL.as_bytes(), &lexicon).unwrap();
        let tagger = Tagger::new(lexicon, analyzer);
        let (mut a, mut scratch) = (crate::analyze::Analysis::default(), Default::default());
        let (mut sentences, mut labelled, mut context_neighbours) = (0, 0, 0);
        for doc in Corpus::demo().unwrap().docs {
            let Origin::Embedded(text) = doc.origin else {
                panic!("demo text is embedded")
            };
            tagger.inspect(text, &mut a, &mut scratch, |a, _, hits| {
                let spans = a.sentence_spans();
                let by_sentence: Vec<Vec<&Hit>> = (0..spans.len())
                    .map(|i| hits.iter().filter(|h| h.sentence as usize == i).collect())
                    .collect();
                for (i, (s, e)) in spans.into_iter().enumerate() {
                    let inside = &by_sentence[i];
                    let range = classify::token_range(a, s, e);
                    // Neighbours from the spans (training) and from the
                    // sentences (labelling) agree.
                    let lex = &tagger.lexicon;
                    let neighbours = classify::Neighbours::of(lex, a, range.clone(), &hits);
                    assert_eq!(
                        neighbours,
                        classify::Neighbours::of_sentence(lex, &by_sentence, i),
                        "sentence {i} of {}",
                        doc.doc_id
                    );
                    context_neighbours += usize::from(neighbours.context);
                    let input = SentenceRef {
                        a,
                        tokens: range.clone(),
                        hits: inside,
                        neighbours,
                    };
                    for bits in [18, 6] {
                        let cfg = FeatureConfig {
                            hash_bits: bits,
                            ..FeatureConfig::default()
                        };
                        let named = classify::features(&cfg, lex, &tagger.analyzer, &input);
                        let pairs: Vec<(u32, f64)> =
                            named.features.iter().map(|f| (f.index, f.value)).collect();
                        let values = classify::feature_values(&cfg, lex, &tagger.analyzer, &input);
                        // The same features; the featurizer keeps them in
                        // the order first seen, the named path by index.
                        let mut sorted = values.clone();
                        sorted.sort_by_key(|v| v.0);
                        assert_eq!(pairs, sorted, "sentence {i} of {}, {bits} bits", doc.doc_id);
                        if bits == model.features.hash_bits {
                            // One lookup for all framings gives each
                            // framing's own prediction, bit for bit.
                            let joint = model.predict_all(&values);
                            let each: Vec<Prediction> = model
                                .framings
                                .iter()
                                .map(|m| {
                                    m.predict_values(values.iter().map(|&(j, x)| (j as usize, x)))
                                })
                                .collect();
                            assert_eq!(joint, each, "sentence {i} of {}", doc.doc_id);
                            labelled += joint.iter().filter(|p| p.class() != 0).count();
                        }
                        // The featurizer names what it hashed as the
                        // names' own hashes do (every index, and every
                        // other one), and explanations from the values,
                        // naming only the strongest, equal those of the
                        // named features.
                        let all: Vec<u32> = sorted.iter().map(|v| v.0).collect();
                        let some: Vec<u32> = all.iter().copied().step_by(2).collect();
                        let names_of = |indices: &[u32]| {
                            classify::feature_names_of(&cfg, lex, &tagger.analyzer, &input, indices)
                        };
                        classify::with_featurizer(&cfg, lex, &tagger.analyzer, |f| {
                            f.featurize(&input);
                            for indices in [&all, &some] {
                                assert_eq!(
                                    f.names_of(&input, indices),
                                    names_of(indices),
                                    "sentence {i} of {}, {bits} bits",
                                    doc.doc_id
                                );
                            }
                            for (m, class, top) in model
                                .framings
                                .iter()
                                .flat_map(|m| (0..3).flat_map(move |c| [(m, c, 1), (m, c, 4)]))
                            {
                                let name_of = |indices: &[u32]| f.names_of(&input, indices);
                                // From the framing's own table and from the
                                // joint one.
                                let own = m.explain_values(&values, class, top, name_of);
                                assert_eq!(
                                    m.explain(&named, class, top),
                                    own,
                                    "sentence {i} of {}, {bits} bits, class {class}, top {top}",
                                    doc.doc_id
                                );
                                if bits == model.features.hash_bits {
                                    let n = model
                                        .framings
                                        .iter()
                                        .position(|f| std::ptr::eq(f, m))
                                        .expect("a framing of the model");
                                    let joint =
                                        model.explain_values(n, &values, class, top, name_of);
                                    assert_eq!(own, joint, "sentence {i} of {}", doc.doc_id);
                                }
                            }
                        });
                    }
                    sentences += 1;
                }
            });
        }
        assert!(sentences > 500, "{sentences}");
        assert!(labelled > 10, "{labelled}");
        // The neighbour features are exercised.
        assert!(context_neighbours > 50, "{context_neighbours}");
    }

    #[test]
    fn sentence_text_joins_words_with_one_space() {
        for text in [
            "  Low pay\n\tkeeps\x0b families\x0c\r poor.  ",
            "Low\u{a0}pay \u{2003} keeps  families poor\u{3000}",
            "",
            " \n ",
            "one",
            "a",
            " ",
            "Low pay keeps families poor.",
            " Low pay",
            "Low pay ",
            "Low  pay",
            "Low pay\nkeeps",
            "Low pay\x0bkeeps",
            "Low\tpay",
            "Low pay \r",
        ] {
            let want = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(
                sentence_text(text, (0, text.len() as u32)),
                want,
                "{text:?}"
            );
        }
        assert_eq!(sentence_text("a  b c", (1, 4)), "b");
    }

    #[test]
    fn every_sentence_is_labelled_once_in_order() {
        let (lexicon, analyzer) = Lexicon::load(None).unwrap();
        let model = Model::parse("builtin", classify::DEFAULT_MODEL.as_bytes(), &lexicon).unwrap();
        let tagger = Tagger::new(lexicon, analyzer);
        let text = "Welfare dependency traps families.\n\nLow pay and benefit cuts push families into poverty. The weather was fine.";
        let meta = DocMeta::bare("t", "t.txt", Origin::Text(text.into()));
        let label = |which: SentenceText| {
            tagger
                .tag_limited(text, &[], meta.clone(), u64::MAX, &|v: &View<'_>| {
                    label_sentences(&tagger, &model, v, which)
                })
                .unwrap()
        };
        let (doc, labels) = label(SentenceText::All);
        assert_eq!(labels.len(), 3);
        assert_eq!(
            labels.iter().map(|l| l.sentence).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(labels[2].text.as_deref(), Some("The weather was fine."));
        assert!(labels.windows(2).all(|w| w[0].byte_end <= w[1].byte_start));
        let behavioural = model
            .framings
            .iter()
            .position(|m| m.framing == "behavioural")
            .unwrap();
        let structural = model
            .framings
            .iter()
            .position(|m| m.framing == "structural")
            .unwrap();
        // The model reads the structural sentence as structural, the
        // neutral one as neither, and gives its reasons only for a label.
        assert_eq!(labels[1].framings[structural].0, 1, "{labels:?}");
        assert_eq!(labels[2].framings[structural].0, 0);
        assert_eq!(labels[2].framings[behavioural].0, 0);
        assert!(labels[2].framings[behavioural].2.is_empty());
        assert!(!labels[1].framings[structural].2.is_empty());
        assert!(labels[1].framings[structural].1 > labels[2].framings[structural].1);
        // Only the text differs with --sentence-text: the labelled (or
        // lexicon-hit) sentences keep it by default, none with `none`.
        let strip = |ls: &[SentenceLabel]| {
            ls.iter()
                .map(|l| (l.sentence, l.byte_start, l.byte_end, l.framings.clone()))
                .collect::<Vec<_>>()
        };
        let labelled = label(SentenceText::Labelled).1;
        let none = label(SentenceText::None).1;
        assert_eq!(strip(&labelled), strip(&labels));
        assert_eq!(strip(&none), strip(&labels));
        assert!(none.iter().all(|l| l.text.is_none()));
        for (l, all) in labelled.iter().zip(&labels) {
            let counted = doc
                .hits
                .iter()
                .any(|h| h.sentence == l.sentence && h.status == HitStatus::Counted);
            let keep = counted || l.framings.iter().any(|f| f.0 != 0);
            assert_eq!(l.text.is_some(), keep, "{l:?}");
            if keep {
                assert_eq!(l.text, all.text);
            }
        }
        assert!(labelled[2].text.is_none());
    }
}
