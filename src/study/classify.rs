//! A trainable sentence classifier beside the lexicon.
//!
//! Per framing (a lexicon category such as `behavioural`), a multinomial
//! logistic regression labels each sentence `none`, `endorsed` or
//! `distanced` from features the pipeline already computes: the lexicon's
//! hits in the sentence by sub-frame x stance x status, the rules that set
//! their stances, context hits, hashed word and stem unigrams and word
//! bigrams, stance cues (negators, verbs of saying and reporting, quotation
//! marks, first person) and the sentence's length. One pass over the
//! analysis: no second tokeniser. A sentence is endorsed when p(endorsed)
//! reaches a threshold per framing, chosen by cross-validation on the
//! training units and kept in the model file.
//!
//! Why hand-written: the features are sparse (a few dozen of 2^18 hashed
//! dimensions per sentence). `linfa-logistic` takes dense matrices (3,000 x
//! 262,144 doubles is 6 GB), and the `liblinear` bindings (last release
//! 2019, on the unmaintained `failure` crate) build C++ and are not kept
//! up. Training here is L2-regularised AdaGrad over a seeded order of the
//! units: the same data, options and seed give the same weights, bit for
//! bit, and the same model file byte for byte.

use crate::analyze::{Analysis, Analyzer};
use crate::error::{Error, Result};
use crate::lexicon::Lexicon;
use crate::model::{Hit, HitStatus, Stance, Token, TokenKind};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use std::hash::Hasher;
use std::rc::Rc;

/// The default model: trained on the train split of the project's coded
/// corpus with the built-in lexicon (recipe in `.ci/run`, which retrains it
/// and checks it byte for byte).
pub const DEFAULT_MODEL: &str = include_str!("../../lexicons/poverty-framing.model.json");

/// The model file's format; a file of another format is refused. Format 2
/// added the endorsed threshold per framing and the lexicon features'
/// value; format 3 hashes word bigrams from their words' keys
/// ([`bigram_hash`]) instead of SipHash of their names.
pub const FORMAT: &str = "framewatch-model/3";

/// The classes, in the order of every weight triple.
pub const CLASSES: [&str; 3] = ["none", "endorsed", "distanced"];

/// Which features are extracted, and into how many hashed dimensions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    pub hash_bits: u32,
    pub word_unigrams: bool,
    pub word_bigrams: bool,
    pub stem_unigrams: bool,
    pub lexicon_hits: bool,
    /// The value of each lexicon feature (hits, categories, rules, context);
    /// word features share a total of about 1 per sentence.
    pub hit_value: f64,
    pub stance_cues: bool,
    pub length: bool,
    /// Whether the sentence before or after mentions the lexicon's context
    /// topic (poverty, welfare, unemployment): the coders read neighbours
    /// to settle what a sentence is about (reference guide, rules 1-2).
    /// Absent from models trained before it: off.
    #[serde(default)]
    pub neighbours: bool,
}

/// The feature groups `--features` names, in the order of [`FeatureConfig`].
pub const FEATURE_GROUPS: [&str; 7] = [
    "words",
    "bigrams",
    "stems",
    "hits",
    "cues",
    "length",
    "neighbours",
];

impl FeatureConfig {
    /// The feature groups switched on, by their `--features` names.
    pub fn groups(&self) -> Vec<&'static str> {
        let on = [
            self.word_unigrams,
            self.word_bigrams,
            self.stem_unigrams,
            self.lexicon_hits,
            self.stance_cues,
            self.length,
            self.neighbours,
        ];
        FEATURE_GROUPS
            .iter()
            .zip(on)
            .filter(|(_, on)| *on)
            .map(|(g, _)| *g)
            .collect()
    }

    /// Switch on exactly the groups named (comma-separated
    /// [`FEATURE_GROUPS`] names); other settings are kept.
    pub fn with_groups(&self, list: &str) -> std::result::Result<FeatureConfig, String> {
        let mut on = [false; 7];
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let Some(i) = FEATURE_GROUPS.iter().position(|g| *g == name) else {
                return Err(format!(
                    "unknown feature group {name:?}; the groups are {}",
                    FEATURE_GROUPS.join(", ")
                ));
            };
            on[i] = true;
        }
        let [
            word_unigrams,
            word_bigrams,
            stem_unigrams,
            lexicon_hits,
            stance_cues,
            length,
            neighbours,
        ] = on;
        Ok(FeatureConfig {
            word_unigrams,
            word_bigrams,
            stem_unigrams,
            lexicon_hits,
            stance_cues,
            length,
            neighbours,
            ..self.clone()
        })
    }
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            hash_bits: 18,
            word_unigrams: true,
            word_bigrams: true,
            stem_unigrams: true,
            lexicon_hits: true,
            hit_value: 2.0,
            stance_cues: true,
            length: true,
            neighbours: true,
        }
    }
}

/// How a model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    pub epochs: u32,
    pub learning_rate: f64,
    pub l2: f64,
    pub seed: u64,
    /// Class weights: each class weighted by (N / (3 n_class))^power; 0
    /// leaves classes unweighted, 1 balances them fully.
    pub balance_power: f64,
    /// With K > 1, choose each framing's endorsed threshold by K-fold
    /// cross-validation (folds by document) on the training units: the
    /// threshold on p(endorsed) with the best endorsed F1 over the held-out
    /// units. 0: no threshold, the most probable class wins.
    pub tune_folds: u32,
    /// Weigh only features found in at least this many of a framing's
    /// training units (0 and 1: every feature). AdaGrad gives a feature
    /// seen once a first step as large as a common one's, so a model
    /// would otherwise learn its training sentences by their rare words.
    /// Absent from models trained before it (read as 0).
    #[serde(default)]
    pub min_count: u32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        // Chosen on the coded corpus's train split by 5-fold
        // cross-validation (folds by document, the threshold tuned inside
        // each fold) and checked on dev, with lexicon features at value 2
        // (`FeatureConfig::hit_value`): balance 0/0.25/0.5/0.75/1, rate
        // 0.02/0.05/0.2, 5/10/20 epochs, L2 1e-5/1e-4/1e-3, 2^16/2^18/2^20
        // dimensions, lexicon value 0.5/1/2/3, with and without the
        // threshold, epoch-averaged weights, stem bigrams, the lexicon's
        // sentence decision as a feature and lexicon dropout (the last
        // four did not help and were removed). Endorsed F1, CV /
        // dev: behavioural 0.72 / 0.50, structural 0.66 / 0.55 (lexicon
        // 2.1 on dev: 0.45 / 0.46); seeds 2 and 3 give dev 0.48 / 0.55
        // and 0.47 / 0.53 — on dev's 22 behavioural sentences one more
        // found moves F1 by about 0.04. `min_count` 2 (five draws,
        // trained on train, dev over seeds 1-7): behavioural 0.585 against
        // 0.582 with every feature, structural 0.556 against 0.547, with
        // 23,236 weights instead of 62,294; 3 and 5 gave 0.568 / 0.555
        // and 0.571 / 0.544.
        TrainOptions {
            epochs: 10,
            learning_rate: 0.02,
            l2: 1e-4,
            seed: 1,
            balance_power: 0.5,
            tune_folds: 5,
            min_count: 2,
        }
    }
}

/// One hashed feature with a name kept for explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub index: u32,
    pub name: String,
    /// Its value: [`FeatureConfig::hit_value`] for the lexicon's
    /// features, 1 for cues, length and the bias; 1 / sqrt(n) for each of a
    /// sentence's n word, stem and bigram features, so that long sentences
    /// do not drown what the lexicon found.
    pub value: f64,
}

/// The features of one sentence (or any span): sorted, distinct.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    pub features: Vec<Feature>,
}

impl Features {
    fn values(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.features.iter().map(|f| (f.index as usize, f.value))
    }
}

/// The keys of the feature hash.
const HASH_KEYS: (u64, u64) = (0x6672_616d_6577_6174, 0x6368_6d6f_6465_6c31);

fn hasher() -> siphasher::sip::SipHasher13 {
    siphasher::sip::SipHasher13::new_with_keys(HASH_KEYS.0, HASH_KEYS.1)
}

/// [`hasher`]'s hash of `bytes` in one go: SipHash-1-3 a word at a time,
/// without the streaming hasher's buffering (the same value as feeding
/// it the bytes).
fn sip13(bytes: &[u8]) -> u64 {
    let (k0, k1) = HASH_KEYS;
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    #[inline(always)]
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for w in words {
        let m = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        v[3] ^= m;
        round(&mut v);
        v[0] ^= m;
    }
    let mut last = [0u8; 8];
    last[..tail.len()].copy_from_slice(tail);
    let b = ((bytes.len() as u64) << 56) | u64::from_le_bytes(last);
    v[3] ^= b;
    round(&mut v);
    v[0] ^= b;
    v[2] ^= 0xff;
    for _ in 0..3 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

fn hash(name: &str, bits: u32) -> u32 {
    hash_parts(&[name], bits)
}

/// The hash of the name the pieces make, written one after another (the
/// same as hashing the joined name: SipHash reads a stream of bytes).
fn hash_parts(parts: &[&str], bits: u32) -> u32 {
    (hash_full(parts) & ((1u64 << bits) - 1)) as u32
}

fn hash_full(parts: &[&str]) -> u64 {
    if let Some(h) = bigram_hash_of_name(parts) {
        return h;
    }
    let mut h = hasher();
    for p in parts {
        h.write(p.as_bytes());
    }
    h.finish()
}

/// A word of up to 16 bytes as [`Analysis::short_key`] packs it: its
/// bytes zero-padded into a little-endian integer. `None` when longer
/// (or empty).
fn word_key(word: &str) -> Option<u128> {
    let b = word.as_bytes();
    (!b.is_empty() && b.len() <= 16).then(|| crate::analyze::word_key(b))
}

/// The product of `a` and `b`, its two halves folded together.
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

/// The hash of the bigram `b:<first> <second>` when both words have
/// [`word_key`]s: a few multiplications of the two keys (each word's
/// halves with its own constants, so that the order of the words
/// counts), instead of SipHash of the name's bytes. Format 3 of the
/// model; bigrams with a longer word are hashed by name.
#[inline(always)]
fn bigram_hash(first: u128, second: u128) -> u64 {
    const K: [u64; 6] = [
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
        0x4528_21e6_38d0_1377,
        0xbe54_66cf_34e9_0c6c,
    ];
    let x = fold_mul(first as u64 ^ K[0], (first >> 64) as u64 ^ K[1]);
    let y = fold_mul(second as u64 ^ K[2], (second >> 64) as u64 ^ K[3]);
    fold_mul(x ^ K[4], y ^ K[5])
}

/// [`bigram_hash`] of a bigram's name, given whole (`b:first second`)
/// or in [`bigram_name`]'s pieces; `None` for any other name, and for a
/// bigram with a word of more than 16 bytes.
fn bigram_hash_of_name(parts: &[&str]) -> Option<u64> {
    let (first, second) = match parts {
        ["b:", first, " ", second] => (*first, *second),
        [name] => name.strip_prefix("b:")?.split_once(' ')?,
        _ => return None,
    };
    Some(bigram_hash(word_key(first)?, word_key(second)?))
}

/// What a feature's value depends on: its name's first two bytes, which
/// tell a lexical feature (`w:` `s:` `b:`) from one of the lexicon's
/// (`h:` `c:` `r:` `x:`) and from the rest, and order the names of a
/// hash collision as the full names do across those classes.
fn kind_key(first: &str) -> [u8; 2] {
    let b = first.as_bytes();
    [
        b.first().copied().unwrap_or(0),
        b.get(1).copied().unwrap_or(0),
    ]
}

fn kind_lexical(k: [u8; 2]) -> bool {
    k[1] == b':' && matches!(k[0], b'w' | b's' | b'b')
}

fn kind_from_lexicon(k: [u8; 2]) -> bool {
    k[1] == b':' && matches!(k[0], b'h' | b'c' | b'r' | b'x' | b'y')
}

/// What a sentence's neighbours say, as far as the features go.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Neighbours {
    /// The sentence before or the one after holds a hit of the lexicon's
    /// context category.
    pub context: bool,
}

impl Neighbours {
    /// The neighbours of the tokens `tokens` of `a` (the sentence before
    /// the first token's and the one after the last's), from `hits`, the
    /// hits of the whole text.
    pub fn of(
        lexicon: &Lexicon,
        a: &Analysis,
        tokens: std::ops::Range<usize>,
        hits: &[Hit],
    ) -> Neighbours {
        let (Some(first), Some(last)) = (
            a.tokens.get(tokens.start),
            tokens.end.checked_sub(1).and_then(|i| a.tokens.get(i)),
        ) else {
            return Neighbours::default();
        };
        let (before, after) = (first.sentence.checked_sub(1), last.sentence + 1);
        Neighbours {
            context: hits.iter().any(|h| {
                (Some(h.sentence) == before || h.sentence == after) && is_context(lexicon, h)
            }),
        }
    }

    /// [`Neighbours::of`] the sentence `i` of a text whose hits are given
    /// per sentence.
    pub fn of_sentence(lexicon: &Lexicon, by_sentence: &[Vec<&Hit>], i: usize) -> Neighbours {
        let has = |j: Option<usize>| {
            j.and_then(|j| by_sentence.get(j))
                .is_some_and(|hits| hits.iter().any(|h| is_context(lexicon, h)))
        };
        Neighbours {
            context: has(i.checked_sub(1)) || has(Some(i + 1)),
        }
    }
}

/// A sentence as its features see it: the analysed text, the sentence's
/// tokens, the lexicon's hits inside it and what its neighbours say.
#[derive(Clone)]
pub struct SentenceRef<'a> {
    pub a: &'a Analysis,
    pub tokens: std::ops::Range<usize>,
    pub hits: &'a [&'a Hit],
    pub neighbours: Neighbours,
}

/// Whether `h` is a hit of the lexicon's context category.
fn is_context(lexicon: &Lexicon, h: &Hit) -> bool {
    lexicon.context_category.is_some_and(|c| {
        lexicon.subframes[lexicon.entries[h.entry as usize].subframe].category == c
    })
}

/// Every feature name of a sentence, handed to `emit` in pieces (joined,
/// they make the name): the one definition of the features, which
/// [`features`] names and [`Featurizer`] hashes. The order of the names
/// does not matter (both sort them).
fn feature_names(
    cfg: &FeatureConfig,
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    s: &SentenceRef<'_>,
    emit: &mut dyn FnMut(&[&str]),
) {
    let SentenceRef {
        a,
        tokens,
        hits,
        neighbours,
    } = s.clone();
    let words: Vec<&str> = a.tokens[tokens.clone()]
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| a.norm_of(t))
        .collect();
    sentence_feature_names(cfg, a, tokens, words.len(), emit);
    let cues = cue_sets(lexicon);
    for w in &words {
        word_feature_names(cfg, &cues, analyzer, w, emit);
    }
    if cfg.word_bigrams {
        for p in words.windows(2) {
            emit(&bigram_name(p[0], p[1]));
        }
    }
    if cfg.lexicon_hits {
        for h in hits {
            hit_feature_names(lexicon, h, emit);
        }
    }
    neighbour_feature_names(cfg, lexicon, hits, neighbours, emit);
}

/// The features of a sentence's neighbours: `y:context` when the sentence
/// before or after mentions the context topic, and `y:context-only` when
/// the sentence itself does not.
fn neighbour_feature_names(
    cfg: &FeatureConfig,
    lexicon: &Lexicon,
    hits: &[&Hit],
    neighbours: Neighbours,
    emit: &mut dyn FnMut(&[&str]),
) {
    if cfg.neighbours && neighbours.context {
        emit(&["y:context"]);
        if !hits.iter().any(|h| is_context(lexicon, h)) {
            emit(&["y:context-only"]);
        }
    }
}

/// The features of a sentence as a whole: the bias, quotation marks, and
/// its length in words (`words`).
fn sentence_feature_names(
    cfg: &FeatureConfig,
    a: &Analysis,
    tokens: std::ops::Range<usize>,
    words: usize,
    emit: &mut dyn FnMut(&[&str]),
) {
    emit(&["bias"]);
    if cfg.stance_cues {
        let quoted = a.tokens[tokens].iter().any(|t| {
            t.kind == TokenKind::Punct
                && a.norm_of(t)
                    .chars()
                    .any(|c| matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{00AB}'))
        });
        if quoted {
            emit(&["q:quote"]);
        }
    }
    if cfg.length {
        let bucket = match words {
            0..=8 => "short",
            9..=20 => "medium",
            21..=40 => "long",
            _ => "very-long",
        };
        emit(&["l:", bucket]);
    }
}

/// The features of one word of a sentence, its bigrams aside: the word,
/// its stem, and the stance cue it is, if any. They depend on the word
/// alone, so [`Featurizer`] hashes them once per distinct word.
fn word_feature_names(
    cfg: &FeatureConfig,
    cues: &CueSets,
    analyzer: &Analyzer,
    word: &str,
    emit: &mut dyn FnMut(&[&str]),
) {
    if cfg.word_unigrams {
        emit(&["w:", word]);
    }
    if !(cfg.stem_unigrams || cfg.stance_cues) {
        return;
    }
    let stem = analyzer.stem(word);
    if cfg.stem_unigrams {
        emit(&["s:", &stem]);
    }
    if cfg.stance_cues {
        if cues.0.contains(word) {
            emit(&["n:", word]);
        }
        if cues.1.contains(&*stem) {
            emit(&["v:", &stem]);
        }
        if matches!(word, "i" | "we" | "our" | "us") {
            emit(&["p:first"]);
        }
    }
}

/// The name of the bigram of two words, in pieces.
fn bigram_name<'a>(first: &'a str, second: &'a str) -> [&'a str; 4] {
    ["b:", first, " ", second]
}

/// The features of one of the lexicon's hits (counted or rejected).
fn hit_feature_names(lexicon: &Lexicon, h: &Hit, emit: &mut dyn FnMut(&[&str])) {
    let e = &lexicon.entries[h.entry as usize];
    let sub = e.subframe;
    let cat = &lexicon.categories[lexicon.subframes[sub].category].name;
    let status = match h.status {
        HitStatus::Counted => "counted",
        HitStatus::NoContext => "no-context",
    };
    let path = lexicon.subframe_path(sub);
    if Some(lexicon.subframes[sub].category) == lexicon.context_category {
        emit(&["x:", &path]);
        emit(&["x:any"]);
        return;
    }
    let stance = h.stance.as_str();
    emit(&["h:", &path, ":", stance, ":", status]);
    emit(&["c:", cat, ":", stance, ":", status]);
    emit(&["c:", cat, ":", status]);
    if let Some((kind, _)) = h
        .stance_rule
        .split_once(':')
        .or((!h.stance_rule.is_empty()).then_some((h.stance_rule.as_str(), "")))
    {
        emit(&["r:", cat, ":", kind]);
    }
}

/// The lexicon's negators, and the stems of its reporting and speech
/// verbs.
type CueSets = (Rc<FxHashSet<String>>, Rc<FxHashSet<String>>);

/// The [`CueSets`] of a lexicon: built once per thread and lexicon, not
/// searched as lists for every word.
fn cue_sets(lexicon: &Lexicon) -> CueSets {
    type Sets = (String, Rc<FxHashSet<String>>, Rc<FxHashSet<String>>);
    thread_local! {
        static CUES: std::cell::RefCell<Sets> = std::cell::RefCell::default();
    }
    CUES.with(|cell| {
        let mut c = cell.borrow_mut();
        if c.0 != lexicon.sha256 {
            let rules = &lexicon.stance;
            let verbs = rules.reporting_verbs.iter().chain(&rules.speech_verbs);
            *c = (
                lexicon.sha256.clone(),
                Rc::new(rules.negators.iter().cloned().collect()),
                Rc::new(verbs.cloned().collect()),
            );
        }
        (c.1.clone(), c.2.clone())
    })
}

/// Each distinct index's value, given the features as (index, kind key)
/// sorted by index and then by name: the first of an index is kept (a
/// hash collision keeps the smallest name); lexical features share
/// 1 / sqrt(n), the lexicon's weigh [`FeatureConfig::hit_value`].
fn feature_weights(cfg: &FeatureConfig, kept: &[(u32, [u8; 2])]) -> Vec<f64> {
    let n_lexical = kept.iter().filter(|f| kind_lexical(f.1)).count().max(1) as f64;
    kept.iter()
        .map(|&(_, k)| feature_weight(cfg, k, n_lexical))
        .collect()
}

/// The value of a feature of kind `k` in a sentence of `n_lexical`
/// distinct lexical features (see [`feature_weights`]).
fn feature_weight(cfg: &FeatureConfig, k: [u8; 2], n_lexical: f64) -> f64 {
    if kind_lexical(k) {
        1.0 / n_lexical.sqrt()
    } else if kind_from_lexicon(k) {
        cfg.hit_value
    } else {
        1.0
    }
}

/// Extract the features of the sentence `s` (its tokens of an analysed
/// text, the counted and rejected hits inside it, its neighbours), with
/// their names (for explanations and training).
pub fn features(
    cfg: &FeatureConfig,
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    s: &SentenceRef<'_>,
) -> Features {
    let mut out: Vec<Feature> = Vec::new();
    feature_names(cfg, lexicon, analyzer, s, &mut |parts| {
        let name = parts.concat();
        out.push(Feature {
            index: hash(&name, cfg.hash_bits),
            name,
            value: 1.0,
        })
    });
    out.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.name.cmp(&b.name)));
    out.dedup_by(|a, b| a.index == b.index);
    let kept: Vec<(u32, [u8; 2])> = out.iter().map(|f| (f.index, kind_key(&f.name))).collect();
    for (f, v) in out.iter_mut().zip(feature_weights(cfg, &kept)) {
        f.value = v;
    }
    Features { features: out }
}

/// [`features`] without the names, (index, value) in the order first
/// seen (`features` sorts them by index): the same numbers, for labelling
/// every sentence of a corpus without building a string per word.
pub fn feature_values(
    cfg: &FeatureConfig,
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    s: &SentenceRef<'_>,
) -> Vec<(u32, f64)> {
    with_featurizer(cfg, lexicon, analyzer, |f| f.values(s).to_vec())
}

/// The names of the features `indices` (in order) of the sentence `s`: of
/// names that hash alike, the smallest (the one [`features`] keeps). Only
/// the names asked for are built.
pub fn feature_names_of(
    cfg: &FeatureConfig,
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    s: &SentenceRef<'_>,
    indices: &[u32],
) -> Vec<String> {
    let mut names: Vec<Option<String>> = vec![None; indices.len()];
    feature_names(cfg, lexicon, analyzer, s, &mut |parts| {
        if let Ok(k) = indices.binary_search(&hash_parts(parts, cfg.hash_bits)) {
            let name = parts.concat();
            if names[k].as_ref().is_none_or(|n| name < *n) {
                names[k] = Some(name);
            }
        }
    });
    names
        .into_iter()
        .map(|n| n.expect("each index asked for is a feature of the sentence"))
        .collect()
}

/// A feature as [`Featurizer`] sorts it: its index above its kind key
/// (the order of (index, kind key) pairs).
fn packed_feature(index: u32, kind: [u8; 2]) -> u64 {
    (u64::from(index) << 16) | (u64::from(kind[0]) << 8) | u64::from(kind[1])
}

fn unpacked_feature(f: u64) -> (u32, [u8; 2]) {
    ((f >> 16) as u32, [(f >> 8) as u8, f as u8])
}

/// The most features one word has apart from its bigrams (see
/// [`word_feature_names`]).
const WORD_FEATURES: usize = 5;

/// A word's features ([`word_feature_names`]), hashed and packed
/// ([`packed_feature`]).
#[derive(Clone, Copy, Debug, PartialEq)]
struct WordFeatures {
    len: u8,
    features: [u64; WORD_FEATURES],
}

/// The kinds of a word's own features ([`word_feature_names`]), by their
/// code in [`WordFeatures::compact`].
const WORD_KINDS: [[u8; 2]; 5] = [*b"w:", *b"s:", *b"n:", *b"v:", *b"p:"];

impl WordFeatures {
    /// The features in 128 bits: the count in the low 3 bits, then per
    /// feature 27 bits (the kind's code in [`WORD_KINDS`], 3 bits, below
    /// the index, 24 bits). `None` for more than 4 features (a word
    /// would have to be a negator, a reporting verb and a first-person
    /// word at once), an index of more than 24 bits or another kind.
    fn compact(&self) -> Option<u128> {
        if self.len > 4 {
            return None;
        }
        let mut c = u128::from(self.len);
        for (i, &f) in self.features[..self.len as usize].iter().enumerate() {
            let (index, kind) = unpacked_feature(f);
            let code = WORD_KINDS.iter().position(|k| *k == kind)?;
            if index >= 1 << 24 {
                return None;
            }
            c |= (u128::from(index) << 3 | code as u128) << (3 + 27 * i);
        }
        Some(c)
    }

    /// The features [`WordFeatures::compact`] packed into `c`.
    #[inline]
    fn from_compact(c: u128) -> WordFeatures {
        let mut w = WordFeatures {
            len: (c & 7) as u8,
            features: [0; WORD_FEATURES],
        };
        for i in 0..w.len as usize {
            w.features[i] = compact_feature(c, i);
        }
        w
    }

    /// Append the features packed into `c` to `packed`, one by one: a
    /// [`WordFeatures`] built on the stack and copied out whole is read
    /// back in wider pieces than it was written, which stalls the
    /// processor on every word.
    #[inline]
    fn push_compact(c: u128, packed: &mut Vec<u64>) {
        for i in 0..(c & 7) as usize {
            packed.push(compact_feature(c, i));
        }
    }
}

/// Feature `i` of the features [`WordFeatures::compact`] packed into `c`.
#[inline]
fn compact_feature(c: u128, i: usize) -> u64 {
    let f = (c >> (3 + 27 * i)) as u32 & ((1 << 27) - 1);
    packed_feature(f >> 3, WORD_KINDS[(f & 7) as usize])
}

/// Per thread: each distinct word's features, hashed once, for one
/// lexicon, language and feature configuration; and scratch buffers.
#[derive(Default)]
struct WordCache {
    of: Option<(String, &'static str, FeatureConfig)>,
    /// Words of up to 16 bytes by [`Analysis::short_key`]; longer ones,
    /// and the few whose features do not fit a slot, by their text.
    short: ShortWords,
    long: rustc_hash::FxHashMap<Box<str>, WordFeatures>,
    /// A sentence's words as first looked up ([`Featurizer::featurize`]).
    looked_up: Vec<Lookup>,
    packed: Vec<u64>,
    seen: Seen,
    values: Vec<(u32, f64)>,
}

/// The feature indices a sentence has already given
/// ([`Featurizer::featurize`]): open addressing over slots stamped with the
/// sentence they belong to, so that no sentence clears the table; a few
/// kilobytes for any usual sentence.
#[derive(Default)]
struct Seen {
    /// (stamp, position in the sentence's deduplicated features).
    slots: Vec<(u32, u32)>,
    stamp: u32,
}

impl Seen {
    /// Keep the first of each feature index in `packed`, in the order
    /// first seen; of features with one index, the one with the smallest
    /// kind key stands in its place (as sorting would keep it).
    fn dedupe(&mut self, packed: &mut Vec<u64>) {
        // At most half full.
        let want = (2 * packed.len()).next_power_of_two().max(64);
        if self.slots.len() < want || self.stamp == u32::MAX {
            self.slots = vec![(0, 0); want.max(self.slots.len())];
            self.stamp = 0;
        }
        self.stamp += 1;
        let (stamp, mask) = (self.stamp, self.slots.len() - 1);
        let mut kept = 0;
        for i in 0..packed.len() {
            let f = packed[i];
            let index = f >> 16;
            // Indices are hashes already: their low bits pick the slot.
            let mut s = index as usize & mask;
            loop {
                let (at, pos) = self.slots[s];
                if at != stamp {
                    self.slots[s] = (stamp, kept as u32);
                    packed[kept] = f;
                    kept += 1;
                    break;
                }
                let first = &mut packed[pos as usize];
                if *first >> 16 == index {
                    *first = (*first).min(f);
                    break;
                }
                s = (s + 1) & mask;
            }
        }
        packed.truncate(kept);
    }
}

/// A word of a sentence after the first pass of [`Featurizer::featurize`].
#[derive(Clone, Copy)]
enum Lookup {
    /// A word of up to 16 bytes: its short key, the slot where its probe
    /// starts in [`ShortWords`], and whether the key was found there.
    Short { key: u128, home: u32, hit: bool },
    /// Longer than a short key.
    Long,
}

/// A word's features beside its key, in half a cache line.
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct ShortSlot {
    /// [`Analysis::short_key`]; 0 marks an empty slot (a word's key is
    /// never 0: words are not empty and hold no NUL).
    key: u128,
    /// [`WordFeatures::compact`].
    features: u128,
}

/// A hash table of [`WordFeatures::compact`] by short key: open
/// addressing with linear probing, at most half full, each slot half a
/// cache line holding its key (one memory access per lookup; a general
/// hash map reads a control byte first and then the entry).
#[derive(Default)]
struct ShortWords {
    slots: Vec<ShortSlot>,
    len: usize,
}

impl ShortWords {
    const EMPTY: ShortSlot = ShortSlot {
        key: 0,
        features: 0,
    };

    fn len(&self) -> usize {
        self.len
    }

    fn clear(&mut self) {
        *self = ShortWords::default();
    }

    /// The slot where the probe for `key` starts (the table is not empty).
    #[inline]
    fn home(&self, key: u128) -> usize {
        // Folded multiply of the two halves (as in foldhash): every byte of
        // the word reaches the top bits, which pick the slot.
        let m = u128::from((key as u64) ^ 0x243f_6a88_85a3_08d3)
            * u128::from(((key >> 64) as u64) ^ 0x1319_8a2e_0370_7344);
        let h = (m as u64) ^ ((m >> 64) as u64);
        (h >> (64 - self.slots.len().trailing_zeros())) as usize
    }

    /// The slot holding `key`, if any, probing from `home` (`key` is not
    /// 0; the table is not empty).
    #[inline]
    fn find(&self, key: u128, home: usize) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut i = home;
        loop {
            let k = self.slots[i].key;
            if k == key {
                return Some(i);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Make room for `more` keys without moving any (slots found before
    /// stay valid while at most `more` are inserted).
    fn reserve(&mut self, more: usize) {
        let need = (self.len + more) * 2;
        if need <= self.slots.len() {
            return;
        }
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![ShortWords::EMPTY; need.next_power_of_two().max(1024)];
        self.len = 0;
        for s in old.into_iter().filter(|s| s.key != 0) {
            self.insert(s.key, s.features);
        }
    }

    /// Insert `key` (not 0, not present; room reserved).
    fn insert(&mut self, key: u128, features: u128) {
        debug_assert!(key != 0 && (self.len + 1) * 2 <= self.slots.len());
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = ShortSlot { key, features };
        self.len += 1;
    }
}

/// Bound on [`WordCache`]; past it the cache starts afresh.
const WORD_CACHE_LIMIT: usize = 1 << 18;

/// Hashes the features of sentences ([`feature_values`]) with a per-thread
/// cache of each word's features: what a corpus labels sentence by
/// sentence it hashes word by word once.
pub struct Featurizer<'a> {
    cfg: &'a FeatureConfig,
    lexicon: &'a Lexicon,
    analyzer: &'a Analyzer,
    cues: CueSets,
    cache: &'a mut WordCache,
}

/// Run `f` with this thread's [`Featurizer`] for `cfg`, `lexicon` and
/// `analyzer` (not re-entrant: `f` must not call it again).
pub fn with_featurizer<R>(
    cfg: &FeatureConfig,
    lexicon: &Lexicon,
    analyzer: &Analyzer,
    f: impl FnOnce(&mut Featurizer<'_>) -> R,
) -> R {
    thread_local! {
        static CACHE: std::cell::RefCell<WordCache> = std::cell::RefCell::default();
    }
    CACHE.with(|cell| {
        let cache = &mut *cell.borrow_mut();
        let same = cache.of.as_ref().is_some_and(|(sha, language, c)| {
            *sha == lexicon.sha256 && *language == analyzer.language() && c == cfg
        });
        if !same || cache.short.len() + cache.long.len() > WORD_CACHE_LIMIT {
            cache.short.clear();
            cache.long.clear();
            cache.of = Some((lexicon.sha256.clone(), analyzer.language(), cfg.clone()));
        }
        f(&mut Featurizer {
            cfg,
            lexicon,
            analyzer,
            cues: cue_sets(lexicon),
            cache,
        })
    })
}

impl Featurizer<'_> {
    fn hash_bits_mask(&self) -> u64 {
        (1u64 << self.cfg.hash_bits) - 1
    }

    /// The packed features of a name in pieces.
    fn packed(&self, parts: &[&str]) -> u64 {
        let index = (hash_full(parts) & self.hash_bits_mask()) as u32;
        packed_feature(index, kind_key(parts[0]))
    }

    /// The features of `word`, hashed.
    fn word_features(&self, word: &str) -> WordFeatures {
        let mut w = WordFeatures {
            len: 0,
            features: [0; WORD_FEATURES],
        };
        word_feature_names(self.cfg, &self.cues, self.analyzer, word, &mut |parts| {
            w.features[w.len as usize] = self.packed(parts);
            w.len += 1;
        });
        w
    }

    /// Append the features of the word `word`, looked up first as
    /// `lookup`, to `packed`; hashed on first sight.
    fn push_word(&mut self, word: &str, lookup: Lookup, packed: &mut Vec<u64>) {
        let short = &mut self.cache.short;
        let key = match lookup {
            Lookup::Short {
                home, hit: true, ..
            } => return WordFeatures::push_compact(short.slots[home as usize].features, packed),
            // Further along, or not cached when first looked up (it may
            // have come earlier in the sentence).
            Lookup::Short { key, home, .. } => {
                if let Some(i) = short.find(key, home as usize) {
                    return WordFeatures::push_compact(short.slots[i].features, packed);
                }
                Some(key)
            }
            Lookup::Long => None,
        };
        // Long words, and the rare short ones whose features do not fit
        // in a slot, by their text.
        let w = match self.cache.long.get(word) {
            Some(&w) => w,
            None => {
                let w = self.word_features(word);
                match key.zip(w.compact()) {
                    Some((key, c)) => self.cache.short.insert(key, c),
                    None => {
                        self.cache.long.insert(word.into(), w);
                    }
                }
                w
            }
        };
        packed.extend_from_slice(&w.features[..w.len as usize]);
    }

    /// Ask the processor to bring in the word-cache slots of the words of
    /// `tokens` (of `a`), so that their cache misses overlap the work on
    /// the sentence before them: call it with the next sentence's tokens
    /// before [`Featurizer::featurize`] of this one. A hint only: any
    /// slots, valid or not, give the same features.
    pub fn prefetch(&self, a: &Analysis, tokens: std::ops::Range<usize>) {
        let short = &self.cache.short;
        if short.slots.is_empty() {
            return;
        }
        for t in &a.tokens[tokens] {
            if t.kind != TokenKind::Word {
                continue;
            }
            if let Some(key) = a.short_key(t).filter(|&k| k != 0) {
                prefetch(&short.slots[short.home(key)]);
            }
        }
    }

    /// The cached features of the word token `t` of `a`, if any.
    fn cached(&self, a: &Analysis, t: &Token) -> Option<WordFeatures> {
        let short = &self.cache.short;
        a.short_key(t)
            .filter(|&k| k != 0 && !short.slots.is_empty())
            .and_then(|k| short.find(k, short.home(k)))
            .map(|i| WordFeatures::from_compact(short.slots[i].features))
            .or_else(|| self.cache.long.get(a.norm_of(t)).copied())
    }

    /// The (index, value) pairs of the sentence `s`, in the order first
    /// seen: exactly [`features`]' numbers (which it sorts by index).
    pub fn values(&mut self, s: &SentenceRef<'_>) -> &[(u32, f64)] {
        self.featurize(s);
        self.last_values()
    }

    /// The values of the sentence [`Featurizer::featurize`] saw last.
    pub fn last_values(&self) -> &[(u32, f64)] {
        &self.cache.values
    }

    /// [`feature_names_of`], for a sentence whose words are in the cache
    /// (the one [`Featurizer::featurize`] saw last, or any of the same
    /// document): only the words with a feature asked for are named.
    pub fn names_of(&self, s: &SentenceRef<'_>, indices: &[u32]) -> Vec<String> {
        let SentenceRef {
            a,
            tokens,
            hits,
            neighbours,
        } = s.clone();
        let bits = self.cfg.hash_bits;
        let asked = |j: u32| indices.binary_search(&j).is_ok();
        let mut names: Vec<Option<String>> = vec![None; indices.len()];
        let mut offer = |parts: &[&str]| {
            if let Ok(k) = indices.binary_search(&hash_parts(parts, bits)) {
                let name = parts.concat();
                if names[k].as_ref().is_none_or(|n| name < *n) {
                    names[k] = Some(name);
                }
            }
        };
        let mut words = 0;
        let mut previous: Option<(&str, Lookup)> = None;
        for t in &a.tokens[tokens.clone()] {
            if t.kind != TokenKind::Word {
                continue;
            }
            words += 1;
            let word = a.norm_of(t);
            let key = a.short_key(t).filter(|&k| k != 0);
            let w = self
                .cached(a, t)
                .unwrap_or_else(|| self.word_features(word));
            let packed = &w.features[..w.len as usize];
            if packed.iter().any(|&f| asked(unpacked_feature(f).0)) {
                word_feature_names(self.cfg, &self.cues, self.analyzer, word, &mut offer);
            }
            let lookup = match key {
                Some(key) => Lookup::Short {
                    key,
                    home: 0,
                    hit: false,
                },
                None => Lookup::Long,
            };
            if self.cfg.word_bigrams {
                if let Some(p) = previous {
                    if asked(unpacked_feature(self.packed_bigram(p, (word, lookup))).0) {
                        offer(&bigram_name(p.0, word));
                    }
                }
            }
            previous = Some((word, lookup));
        }
        sentence_feature_names(self.cfg, a, tokens, words, &mut offer);
        if self.cfg.lexicon_hits {
            for h in hits {
                hit_feature_names(self.lexicon, h, &mut offer);
            }
        }
        neighbour_feature_names(self.cfg, self.lexicon, hits, neighbours, &mut offer);
        names
            .into_iter()
            .map(|n| n.expect("each index asked for is a feature of the sentence"))
            .collect()
    }

    /// Compute the values of the sentence `s` ([`Featurizer::values`]).
    pub fn featurize(&mut self, s: &SentenceRef<'_>) {
        let SentenceRef {
            a,
            tokens,
            hits,
            neighbours,
        } = s.clone();
        let mut packed = std::mem::take(&mut self.cache.packed);
        packed.clear();
        // First every word's home slot, read without a branch on what it
        // holds, so that the processor overlaps the cache misses of all the
        // words; then their features, from the cache.
        let mut looked_up = std::mem::take(&mut self.cache.looked_up);
        looked_up.clear();
        let sentence = &a.tokens[tokens.clone()];
        self.cache.short.reserve(sentence.len());
        let short = &self.cache.short;
        looked_up.extend(
            sentence
                .iter()
                .filter(|t| t.kind == TokenKind::Word)
                .map(|t| match a.short_key(t).filter(|&k| k != 0) {
                    Some(key) => {
                        let home = short.home(key);
                        let hit = short.slots[home].key == key;
                        Lookup::Short {
                            key,
                            home: home as u32,
                            hit,
                        }
                    }
                    None => Lookup::Long,
                }),
        );
        let mut words = 0;
        let mut previous: Option<(&str, Lookup)> = None;
        for t in sentence {
            if t.kind != TokenKind::Word {
                continue;
            }
            let word = a.norm_of(t);
            let lookup = looked_up[words];
            self.push_word(word, lookup, &mut packed);
            words += 1;
            if self.cfg.word_bigrams {
                if let Some(p) = previous {
                    packed.push(self.packed_bigram(p, (word, lookup)));
                }
            }
            previous = Some((word, lookup));
        }
        sentence_feature_names(self.cfg, a, tokens, words, &mut |parts| {
            packed.push(self.packed(parts))
        });
        if self.cfg.lexicon_hits {
            for h in hits {
                hit_feature_names(self.lexicon, h, &mut |parts| {
                    packed.push(self.packed(parts))
                });
            }
        }
        neighbour_feature_names(self.cfg, self.lexicon, hits, neighbours, &mut |parts| {
            packed.push(self.packed(parts))
        });
        // Names that hash alike and share their kind key weigh alike, so the
        // key stands in for the name in the choice of the one kept. The
        // scores do not depend on the order ([`fixed`]): no sort.
        self.cache.seen.dedupe(&mut packed);
        let n_lexical = packed
            .iter()
            .filter(|&&f| kind_lexical(unpacked_feature(f).1))
            .count()
            .max(1) as f64;
        let values = &mut self.cache.values;
        values.clear();
        values.extend(packed.iter().map(|&f| {
            let (index, kind) = unpacked_feature(f);
            (index, feature_weight(self.cfg, kind, n_lexical))
        }));
        self.cache.packed = packed;
        self.cache.looked_up = looked_up;
    }

    /// [`Featurizer::packed`] of the bigram of two words (each with its
    /// lookup), hashed from one buffer when it is short (as SipHash reads
    /// a stream of bytes, the same hash).
    fn packed_bigram(&self, (first, a): (&str, Lookup), (second, b): (&str, Lookup)) -> u64 {
        let parts = bigram_name(first, second);
        if let (Lookup::Short { key: a, .. }, Lookup::Short { key: b, .. }) = (a, b) {
            // The words' keys are their `word_key`s: the name's hash
            // without the name.
            debug_assert_eq!((word_key(first), word_key(second)), (Some(a), Some(b)));
            let index = (bigram_hash(a, b) & self.hash_bits_mask()) as u32;
            return packed_feature(index, kind_key(parts[0]));
        }
        let mut buf = [0u8; 64];
        let mut len = 0;
        for p in parts {
            let Some(dst) = buf.get_mut(len..len + p.len()) else {
                return self.packed(&parts);
            };
            dst.copy_from_slice(p.as_bytes());
            len += p.len();
        }
        let index = (sip13(&buf[..len]) & self.hash_bits_mask()) as u32;
        packed_feature(index, kind_key(parts[0]))
    }
}

/// A hint to the processor to load `x`'s cache line (nothing on other
/// processors than x86-64).
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and cannot fault; SSE, which it
    // needs, is part of x86-64. (A safe function from Rust 1.87 on.)
    #[allow(unused_unsafe)]
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// The token range of the byte span `start..end` of an analysed text.
pub fn token_range(a: &Analysis, start: u32, end: u32) -> std::ops::Range<usize> {
    let lo = a.tokens.partition_point(|t| t.start < start);
    let hi = a.tokens.partition_point(|t| t.end <= end);
    lo..hi.max(lo)
}

/// A framing's classifier: weights per hashed feature and class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FramingModel {
    /// The lexicon category it classifies.
    pub framing: String,
    /// Training units per class (none, endorsed, distanced).
    pub class_counts: [u64; 3],
    /// Cross-validated figures, when training ran `--cv`.
    pub cv: Option<CvMetrics>,
    /// The decision rule: with a threshold, the sentence is endorsed when
    /// p(endorsed) reaches it (and is not below p(distanced)); otherwise
    /// distanced when p(distanced) exceeds p(none). Without one, the most
    /// probable class wins.
    pub endorsed_threshold: Option<f64>,
    /// (feature index, weights for none, endorsed, distanced); features
    /// whose weights are all below 1e-3 in size are left out.
    pub weights: Vec<(u32, [f32; 3])>,
    /// The same weights by index, built on first use: a lookup per feature
    /// instead of a search.
    #[serde(skip)]
    dense: Dense,
}

/// A cache of [`FramingModel::weights`] as a dense table; not part of the
/// model's identity (two models with the same weights are equal whether
/// or not either has built it).
#[derive(Debug, Clone, Default)]
struct Dense(std::sync::OnceLock<DenseTable>);

#[derive(Debug, Clone)]
struct DenseTable {
    rows: Vec<[f32; 3]>,
    /// Whether some listed weights are all zero (a row of zeros then does
    /// not tell that an index is not listed).
    zero_rows: bool,
}

impl PartialEq for Dense {
    fn eq(&self, _: &Dense) -> bool {
        true
    }
}

/// K-fold cross-validation (folds by document) on the training units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvMetrics {
    pub folds: u32,
    /// For the endorsed class: precision, recall, F1 over all held-out units.
    pub endorsed: [Option<f64>; 3],
    /// For any stance (endorsed or distanced) against none.
    pub present: [Option<f64>; 3],
}

/// Where a model came from: enough to rebuild it and to refuse it for
/// another lexicon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub framewatch_version: String,
    pub lexicon_name: String,
    pub lexicon_version: String,
    pub lexicon_sha256: String,
    /// Each gold file as given, with the sha256 of its bytes.
    pub gold: Vec<(String, String)>,
    /// `--where` filters applied to the gold rows.
    pub filters: Vec<String>,
    pub units: u64,
}

/// A trained model: self-describing, versioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub format: String,
    pub classes: Vec<String>,
    pub features: FeatureConfig,
    pub training: TrainOptions,
    pub provenance: Provenance,
    pub framings: Vec<FramingModel>,
    /// Every framing's weights side by side, built on first use: one
    /// lookup per feature serves them all.
    #[serde(skip)]
    joint: Joint,
}

/// A cache of the framings' weights as one table: a bit per feature index
/// that some framing weighs, and for each such index (in order) the
/// weights of every framing, three per framing. Not part of the model's
/// identity (see [`Dense`]).
#[derive(Debug, Clone, Default)]
struct Joint(std::sync::OnceLock<JointTable>);

#[derive(Debug, Clone, Default)]
struct JointTable {
    /// Per 64 indices, a bit for each that is present, and how many
    /// indices below them are (side by side: one memory access).
    present: Vec<(u64, u32)>,
    rows: Vec<f32>,
}

impl PartialEq for Joint {
    fn eq(&self, _: &Joint) -> bool {
        true
    }
}

impl JointTable {
    fn new(framings: &[FramingModel]) -> JointTable {
        let len = framings
            .iter()
            .filter_map(|f| f.weights.last())
            .map(|(i, _)| *i as usize + 1)
            .max()
            .unwrap_or(0);
        let mut present = vec![0u64; len.div_ceil(64)];
        for f in framings {
            for (i, _) in &f.weights {
                present[*i as usize / 64] |= 1 << (i % 64);
            }
        }
        let mut below = 0u32;
        let present: Vec<(u64, u32)> = present
            .into_iter()
            .map(|bits| {
                let rank = below;
                below += bits.count_ones();
                (bits, rank)
            })
            .collect();
        let stride = 3 * framings.len();
        let mut rows = vec![0f32; below as usize * stride];
        let t = JointTable {
            present,
            rows: Vec::new(),
        };
        for (n, f) in framings.iter().enumerate() {
            for (i, w) in &f.weights {
                let r = t.row(*i).expect("a weighed index is present");
                rows[r * stride + 3 * n..][..3].copy_from_slice(w);
            }
        }
        JointTable { rows, ..t }
    }

    /// Each framing's score per class (`S` = 3 x framings) into `out`:
    /// [`JointTable::scores_any`] with the sums held in registers.
    #[inline]
    fn scores<const S: usize>(&self, values: &[(u32, f64)], out: &mut [Prediction]) {
        let mut sums = [0i64; S];
        // By chunks: first the rows of the chunk's weighed features,
        // without a branch on which are, so that the processor overlaps
        // their cache misses; then the sums (in fixed point, so any order
        // gives `scores_any`'s).
        let mut rows = [(0u32, 0f64); 64];
        for chunk in values.chunks(rows.len()) {
            let mut n = 0;
            for &(j, v) in chunk {
                let (r, weighed) = self.row_of(j);
                rows[n] = (r, scaled(v));
                n += usize::from(weighed);
            }
            for &(r, v) in &rows[..n] {
                let row: &[f32; S] = self.rows[r as usize * S..][..S]
                    .try_into()
                    .expect("a row has S weights");
                for (sum, w) in sums.iter_mut().zip(row) {
                    *sum += fixed(*w, v);
                }
            }
        }
        for (s, p) in sums.chunks_exact(3).zip(out) {
            p.p = [unfixed(s[0]), unfixed(s[1]), unfixed(s[2])];
        }
    }

    /// Each framing's score per class into `out`.
    fn scores_any(&self, values: &[(u32, f64)], out: &mut [Prediction]) {
        let stride = 3 * out.len();
        let mut sums = vec![0i64; stride];
        for &(j, v) in values {
            let Some(r) = self.row(j) else { continue };
            let (row, v) = (&self.rows[r * stride..][..stride], scaled(v));
            // A framing that does not weigh the index has zeros here,
            // which add nothing.
            for (sum, w) in sums.iter_mut().zip(row) {
                *sum += fixed(*w, v);
            }
        }
        for (s, p) in sums.chunks_exact(3).zip(out) {
            p.p = [unfixed(s[0]), unfixed(s[1]), unfixed(s[2])];
        }
    }

    /// The row feature index `j` would have, and whether some framing
    /// weighs it (computed without a branch).
    #[inline]
    fn row_of(&self, j: u32) -> (u32, bool) {
        let (bits, rank) = self.present.get(j as usize / 64).copied().unwrap_or((0, 0));
        let bit = 1u64 << (j % 64);
        (rank + (bits & (bit - 1)).count_ones(), bits & bit != 0)
    }

    /// The row of feature index `j`, if some framing weighs it.
    #[inline]
    fn row(&self, j: u32) -> Option<usize> {
        let (bits, rank) = *self.present.get(j as usize / 64)?;
        let bit = 1u64 << (j % 64);
        (bits & bit != 0).then(|| (rank + (bits & (bit - 1)).count_ones()) as usize)
    }
}

/// One training unit: its features, and per framing its reference class
/// (index into [`CLASSES`]) or `None` when the coders tied. `group` is its
/// document, for folds.
#[derive(Debug, Clone)]
pub struct Example {
    pub features: Features,
    pub labels: Vec<Option<usize>>,
    pub group: String,
}

/// A prediction for one framing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Probabilities of none, endorsed, distanced.
    pub p: [f64; 3],
    /// The framing's endorsed threshold ([`FramingModel::endorsed_threshold`]).
    pub endorsed_threshold: Option<f64>,
}

impl Prediction {
    /// The predicted class (index into [`CLASSES`]) under the framing's
    /// decision rule.
    pub fn class(&self) -> usize {
        decide(&self.p, self.endorsed_threshold)
    }

    pub fn label(&self) -> &'static str {
        CLASSES[self.class()]
    }

    /// How unsure the decision is, from 0 to 1: with an endorsed
    /// threshold, how close p(endorsed) is to it (1 at the threshold, 0 at
    /// the far end of its side); without one, 1 minus the margin between
    /// the two likeliest classes. The sentences to code next are the ones
    /// nearest the line the model actually draws.
    pub fn uncertainty(&self) -> f64 {
        match self.endorsed_threshold {
            Some(t) => {
                let side = if self.p[1] >= t { 1.0 - t } else { t };
                (1.0 - (self.p[1] - t).abs() / side.max(f64::EPSILON)).clamp(0.0, 1.0)
            }
            None => {
                let mut sorted = self.p;
                sorted.sort_by(|x, y| y.total_cmp(x));
                1.0 - (sorted[0] - sorted[1])
            }
        }
    }

    pub fn stance(&self) -> Option<Stance> {
        match self.class() {
            1 => Some(Stance::Endorsed),
            2 => Some(Stance::Distanced),
            _ => None,
        }
    }
}

/// The class of probabilities `p` under an endorsed threshold (see
/// [`FramingModel::endorsed_threshold`]), or the most probable without one.
fn decide(p: &[f64; 3], threshold: Option<f64>) -> usize {
    match threshold {
        Some(t) if p[1] >= t && p[1] >= p[2] => 1,
        Some(_) => {
            if p[2] > p[0] {
                2
            } else {
                0
            }
        }
        None => {
            let mut best = 0;
            for k in 1..3 {
                if p[k] > p[best] {
                    best = k;
                }
            }
            best
        }
    }
}

/// Scores are sums of weight × value products in fixed point, units of
/// 2^-40: integers add up to the same sum in any order, so a sentence's
/// scores do not depend on the order of its features (the labelling
/// path takes them as first seen, the named path sorted by index). Each
/// product is rounded on its own, to the nearest unit; weights of at
/// least 2^-16 in size, times 1, are exact. [`Model::parse`] refuses
/// weights whose products could reach [`FIXED_LIMIT`].
const FIXED_ONE: f64 = (1u64 << 40) as f64;

/// The largest size of a weight × value product [`fixed`] takes exactly
/// (below 2^51 units, where the rounding below holds, with room to add).
const FIXED_LIMIT: f64 = 1024.0;

/// The largest [`FeatureConfig::hit_value`] a model may have.
pub const MAX_HIT_VALUE: f64 = 100.0;

/// A feature's value in fixed-point units: what [`fixed`] multiplies by.
#[inline]
fn scaled(v: f64) -> f64 {
    v * FIXED_ONE
}

/// `w` times the scaled value `v`, rounded to a whole unit. Adding 1.5 ×
/// 2^52 puts any product of size below 2^51 where the spacing of doubles
/// is exactly 1, so the sum's bits hold the rounded product (cheaper
/// than `as i64`, which checks its range).
#[inline]
fn fixed(w: f32, v: f64) -> i64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    ((w as f64 * v + MAGIC).to_bits() as i64) - (MAGIC.to_bits() as i64)
}

#[inline]
fn unfixed(s: i64) -> f64 {
    s as f64 / FIXED_ONE
}

fn softmax(s: [f64; 3]) -> [f64; 3] {
    let m = s[0].max(s[1]).max(s[2]);
    let e = s.map(|x| (x - m).exp());
    let z: f64 = e.iter().sum();
    e.map(|x| x / z)
}

/// Dense weights while training.
struct Trainer {
    w: Vec<[f64; 3]>,
    g2: Vec<[f64; 3]>,
}

fn train_one(
    examples: &[&Example],
    framing: usize,
    cfg: &FeatureConfig,
    opts: &TrainOptions,
) -> (Vec<[f64; 3]>, [u64; 3]) {
    let dims = 1usize << cfg.hash_bits;
    let mut t = Trainer {
        w: vec![[0.0; 3]; dims],
        g2: vec![[0.0; 3]; dims],
    };
    let labelled: Vec<(&Example, usize)> = examples
        .iter()
        .filter_map(|e| e.labels[framing].map(|y| (*e, y)))
        .collect();
    let mut counts = [0u64; 3];
    for (_, y) in &labelled {
        counts[*y] += 1;
    }
    let n = labelled.len() as f64;
    let class_weight: [f64; 3] = counts.map(|c| {
        if c == 0 {
            0.0
        } else {
            (n / (3.0 * c as f64)).powf(opts.balance_power)
        }
    });
    // How many units hold each feature; those in fewer than `min_count`
    // are left out of training (their weights stay 0, so the model file
    // leaves them out).
    let mut units = vec![0u32; if opts.min_count > 1 { dims } else { 0 }];
    for (e, _) in &labelled {
        for (j, _) in e.features.values() {
            if let Some(c) = units.get_mut(j) {
                *c = c.saturating_add(1);
            }
        }
    }
    let kept = |&(j, _): &(usize, f64)| units.get(j).is_none_or(|&c| c >= opts.min_count);
    let mut order: Vec<usize> = (0..labelled.len()).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed);
    for _ in 0..opts.epochs {
        order.shuffle(&mut rng);
        for &i in &order {
            let (e, y) = labelled[i];
            let mut s = [0.0; 3];
            for (j, v) in e.features.values().filter(kept) {
                for (k, sk) in s.iter_mut().enumerate() {
                    *sk += t.w[j][k] * v;
                }
            }
            let p = softmax(s);
            for (j, v) in e.features.values().filter(kept) {
                for (k, pk) in p.iter().enumerate() {
                    let target = if k == y { 1.0 } else { 0.0 };
                    let grad = (pk - target) * class_weight[y] * v + opts.l2 * t.w[j][k];
                    t.g2[j][k] += grad * grad;
                    t.w[j][k] -= opts.learning_rate * grad / (t.g2[j][k].sqrt() + 1e-8);
                }
            }
        }
    }
    (t.w, counts)
}

/// Keep the weights that matter (some class's weight at least 1e-3 in
/// size), rounded to 4 significant digits so the file stays small.
fn sparse(w: &[[f64; 3]]) -> Vec<(u32, [f32; 3])> {
    let round = |v: f64| -> f32 {
        if v == 0.0 {
            return 0.0;
        }
        let scale = 10f64.powi(3 - v.abs().log10().floor() as i32);
        ((v * scale).round() / scale) as f32
    };
    w.iter()
        .enumerate()
        .filter(|(_, x)| x.iter().any(|v| v.abs() >= 1e-3))
        .map(|(j, x)| (j as u32, x.map(round)))
        .collect()
}

impl FramingModel {
    pub fn predict(&self, f: &Features) -> Prediction {
        self.predict_values(f.values())
    }

    /// [`FramingModel::predict`] from (index, value) pairs, as
    /// [`feature_values`] gives them.
    pub fn predict_values(&self, values: impl IntoIterator<Item = (usize, f64)>) -> Prediction {
        let dense = &self.dense().rows;
        let mut s = [0i64; 3];
        for (j, v) in values {
            // Indices without a weight add nothing.
            if let Some(w) = dense.get(j) {
                for k in 0..3 {
                    s[k] += fixed(w[k], scaled(v));
                }
            }
        }
        Prediction {
            p: softmax(s.map(unfixed)),
            endorsed_threshold: self.endorsed_threshold,
        }
    }

    /// The features of `f` that pushed the sentence towards `class` and
    /// away from it most: (name, contribution to that class's score minus
    /// the mean of the other two), largest in size first.
    pub fn explain(&self, f: &Features, class: usize, top: usize) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = f
            .features
            .iter()
            .filter_map(|feat| {
                let pull = self.pull(feat.index, feat.value, class)?;
                Some((feat.name.clone(), pull))
            })
            .collect();
        rank_pulls(&mut out, top);
        out
    }

    /// [`FramingModel::explain`] of a sentence given by its (index, value)
    /// pairs (distinct indices, as [`Featurizer::values`] gives them):
    /// `name_of` names the features, given their indices in order, and is
    /// asked only for those that can make the top `top`.
    pub fn explain_values(
        &self,
        values: &[(u32, f64)],
        class: usize,
        top: usize,
        name_of: impl FnOnce(&[u32]) -> Vec<String>,
    ) -> Vec<(String, f64)> {
        explain_pulls(values, class, top, name_of, |j| self.weights_of(j))
    }

    /// The dense table of the weights, built on first use.
    fn dense(&self) -> &DenseTable {
        self.dense.0.get_or_init(|| {
            let len = self.weights.last().map_or(0, |(i, _)| *i as usize + 1);
            let mut rows = vec![[0f32; 3]; len];
            for (i, w) in &self.weights {
                rows[*i as usize] = *w;
            }
            let zero_rows = self.weights.iter().any(|(_, w)| *w == [0f32; 3]);
            DenseTable { rows, zero_rows }
        })
    }

    /// The weights of feature `j`, if the framing lists it.
    fn weights_of(&self, j: u32) -> Option<[f32; 3]> {
        let d = self.dense();
        match d.rows.get(j as usize) {
            Some(w) if *w != [0f32; 3] => Some(*w),
            _ if !d.zero_rows => None,
            _ => {
                let at = self.weights.binary_search_by_key(&j, |(i, _)| *i).ok()?;
                Some(self.weights[at].1)
            }
        }
    }

    /// How much feature `j` of value `v` pulls towards `class`: its
    /// contribution to that class's score minus the mean of the other
    /// two; `None` when the framing does not weigh it.
    fn pull(&self, j: u32, v: f64, class: usize) -> Option<f64> {
        Some(pull(self.weights_of(j)?, v, class))
    }
}

/// How much a feature of weights `w` and value `v` pulls towards `class`:
/// its contribution to that class's score minus the mean of the other two.
fn pull(w: [f32; 3], v: f64, class: usize) -> f64 {
    let w = w.map(|x| x as f64);
    let others = (0..3).filter(|&k| k != class).map(|k| w[k]).sum::<f64>() / 2.0;
    (w[class] - others) * v
}

/// [`FramingModel::explain_values`] with the weights of a feature index
/// from `weights_of` (`None` when the framing does not list it).
fn explain_pulls(
    values: &[(u32, f64)],
    class: usize,
    top: usize,
    name_of: impl FnOnce(&[u32]) -> Vec<String>,
    weights_of: impl Fn(u32) -> Option<[f32; 3]>,
) -> Vec<(String, f64)> {
    let mut pulls: Vec<(u32, f64)> = values
        .iter()
        .filter_map(|&(j, v)| Some((j, pull(weights_of(j)?, v, class))))
        .collect();
    // Every feature at least as strong as the top'th strongest: the
    // top by strength and then by name is among them.
    if top == 0 {
        pulls.clear();
    } else if pulls.len() > top {
        let (_, &mut (_, weakest), _) =
            pulls.select_nth_unstable_by(top - 1, |a, b| b.1.abs().total_cmp(&a.1.abs()));
        pulls.retain(|p| p.1.abs() >= weakest.abs());
    }
    pulls.sort_by_key(|p| p.0);
    let indices: Vec<u32> = pulls.iter().map(|p| p.0).collect();
    let mut out: Vec<(String, f64)> = name_of(&indices)
        .into_iter()
        .zip(pulls)
        .map(|(name, (_, pull))| (name, pull))
        .collect();
    rank_pulls(&mut out, top);
    out
}

/// The `top` features that pull most: largest in size first, then by name.
fn rank_pulls(pulls: &mut Vec<(String, f64)>, top: usize) {
    pulls.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
    pulls.truncate(top);
}

/// Precision, recall and F1 of a yes/no decision from counts.
fn prf(tp: u64, fp: u64, fn_: u64) -> [Option<f64>; 3] {
    let r = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    [
        r(tp, tp + fp),
        r(tp, tp + fn_),
        r(2 * tp, 2 * tp + fp + fn_),
    ]
}

/// Train one classifier per framing in `framings` (lexicon category
/// names, in the order of each example's labels); with `cv > 1`, first
/// measure it by K-fold cross-validation with folds by document (the
/// threshold, if tuned, is tuned inside each fold's training part).
pub fn train(
    examples: &[Example],
    framings: &[String],
    cfg: &FeatureConfig,
    opts: &TrainOptions,
    cv: u32,
    provenance: Provenance,
) -> Model {
    let all: Vec<&Example> = examples.iter().collect();
    let mut models = Vec::new();
    for (f, name) in framings.iter().enumerate() {
        let cv_metrics = (cv > 1).then(|| cross_validate(&all, f, cfg, opts, cv));
        let mut m = fit(&all, f, cfg, opts);
        m.framing = name.clone();
        m.cv = cv_metrics;
        models.push(m);
    }
    Model {
        format: FORMAT.into(),
        classes: CLASSES.iter().map(|c| c.to_string()).collect(),
        features: cfg.clone(),
        training: opts.clone(),
        provenance,
        framings: models,
        joint: Joint::default(),
    }
}

/// One framing's classifier from `examples` (unnamed, without CV
/// figures): its weights and, with `opts.tune_folds > 1`, its endorsed
/// threshold tuned on held-out folds of the same examples.
fn fit(
    examples: &[&Example],
    framing: usize,
    cfg: &FeatureConfig,
    opts: &TrainOptions,
) -> FramingModel {
    let endorsed_threshold = (opts.tune_folds > 1).then(|| {
        // Folds of a seed other than the outer CV's: inside an outer
        // fold's training part, the outer folds would leave one empty.
        let held = held_out(examples, framing, cfg, opts, opts.tune_folds, !opts.seed);
        best_threshold(&held)
    });
    let (w, counts) = train_one(examples, framing, cfg, opts);
    FramingModel {
        framing: String::new(),
        class_counts: counts,
        cv: None,
        endorsed_threshold,
        weights: sparse(&w),
        dense: Dense::default(),
    }
}

/// Each labelled example's reference class and held-out probabilities:
/// K models, each trained without one fold of documents (folds by a
/// seeded hash of the document), predict that fold.
fn held_out(
    all: &[&Example],
    framing: usize,
    cfg: &FeatureConfig,
    opts: &TrainOptions,
    folds: u32,
    fold_seed: u64,
) -> Vec<(usize, [f64; 3])> {
    let plain = TrainOptions {
        tune_folds: 0,
        ..opts.clone()
    };
    let mut out = Vec::new();
    for k in 0..folds {
        let (held, rest): (Vec<&Example>, Vec<&Example>) = all
            .iter()
            .partition(|x| fold_of(&x.group, folds, fold_seed) == k);
        let m = fit(&rest, framing, cfg, &plain);
        out.extend(held.iter().filter_map(|x| {
            let y = x.labels[framing]?;
            Some((y, m.predict(&x.features).p))
        }));
    }
    out
}

/// The endorsed threshold (0.05 to 0.95 in steps of 0.01) with the best
/// endorsed F1 on held-out predictions; of equally good thresholds, the
/// middle one.
fn best_threshold(held: &[(usize, [f64; 3])]) -> f64 {
    let f1_at = |t: f64| {
        let mut c = [0u64; 3];
        for (y, p) in held {
            tally(&mut c, *y == 1, decide(p, Some(t)) == 1);
        }
        prf(c[0], c[1], c[2])[2].unwrap_or(0.0)
    };
    let scored: Vec<(u32, f64)> = (5..=95).map(|i| (i, f1_at(i as f64 / 100.0))).collect();
    let best = scored.iter().map(|s| s.1).fold(0.0, f64::max);
    let top: Vec<u32> = scored
        .iter()
        .filter(|s| s.1 >= best - 1e-12)
        .map(|s| s.0)
        .collect();
    top[top.len() / 2] as f64 / 100.0
}

/// The fold of a document: a seeded hash of its id.
fn fold_of(group: &str, folds: u32, seed: u64) -> u32 {
    let mut h = siphasher::sip::SipHasher13::new_with_keys(seed, 0x666f_6c64);
    h.write(group.as_bytes());
    (h.finish() % folds as u64) as u32
}

/// Each example's prediction for one framing by a model trained without
/// its fold: K folds by a seeded hash of the document (`opts.seed`), each
/// model fitted (threshold tuning included) on the other K-1.
pub fn out_of_fold(
    all: &[&Example],
    framing: usize,
    cfg: &FeatureConfig,
    opts: &TrainOptions,
    folds: u32,
) -> Vec<Prediction> {
    let fold: Vec<u32> = all
        .iter()
        .map(|x| fold_of(&x.group, folds, opts.seed))
        .collect();
    let mut out: Vec<Option<Prediction>> = vec![None; all.len()];
    for k in 0..folds {
        let rest: Vec<&Example> = all
            .iter()
            .zip(&fold)
            .filter(|(_, f)| **f != k)
            .map(|(x, _)| *x)
            .collect();
        let m = fit(&rest, framing, cfg, opts);
        for (i, x) in all.iter().enumerate().filter(|(i, _)| fold[*i] == k) {
            out[i] = Some(m.predict(&x.features));
        }
    }
    out.into_iter()
        .map(|p| p.expect("every example is in one fold"))
        .collect()
}

fn cross_validate(
    all: &[&Example],
    framing: usize,
    cfg: &FeatureConfig,
    opts: &TrainOptions,
    folds: u32,
) -> CvMetrics {
    let (mut e, mut p) = ([0u64; 3], [0u64; 3]); // tp, fp, fn
    for (x, pred) in all.iter().zip(out_of_fold(all, framing, cfg, opts, folds)) {
        let Some(y) = x.labels[framing] else { continue };
        let c = pred.class();
        tally(&mut e, y == 1, c == 1);
        tally(&mut p, y != 0, c != 0);
    }
    CvMetrics {
        folds,
        endorsed: prf(e[0], e[1], e[2]),
        present: prf(p[0], p[1], p[2]),
    }
}
fn tally(c: &mut [u64; 3], gold: bool, tool: bool) {
    match (gold, tool) {
        (true, true) => c[0] += 1,
        (false, true) => c[1] += 1,
        (true, false) => c[2] += 1,
        _ => {}
    }
}

impl Model {
    /// Every framing's prediction (in the model's order) from (index,
    /// value) pairs as [`feature_values`] gives them: the numbers of
    /// [`FramingModel::predict_values`], with one lookup per feature for
    /// all framings.
    pub fn predict_all(&self, values: &[(u32, f64)]) -> Vec<Prediction> {
        let mut out = Vec::with_capacity(self.framings.len());
        self.predict_all_into(values, &mut out);
        out
    }

    /// [`Model::predict_all`] into `out` (cleared first), which a caller
    /// labelling sentence after sentence keeps: no allocation per sentence.
    pub fn predict_all_into(&self, values: &[(u32, f64)], out: &mut Vec<Prediction>) {
        let t = self.joint.0.get_or_init(|| JointTable::new(&self.framings));
        out.clear();
        out.extend(self.framings.iter().map(|m| Prediction {
            p: [0.0; 3],
            endorsed_threshold: m.endorsed_threshold,
        }));
        // The sums in registers for the usual one to four framings.
        match out.len() {
            1 => t.scores::<3>(values, out),
            2 => t.scores::<6>(values, out),
            3 => t.scores::<9>(values, out),
            4 => t.scores::<12>(values, out),
            _ => t.scores_any(values, out),
        }
        for s in out.iter_mut() {
            s.p = softmax(s.p);
        }
    }

    /// [`FramingModel::explain_values`] for the model's framing number
    /// `framing`, reading the weights from the joint table that
    /// [`Model::predict_all`] reads (no table per framing to build).
    pub fn explain_values(
        &self,
        framing: usize,
        values: &[(u32, f64)],
        class: usize,
        top: usize,
        name_of: impl FnOnce(&[u32]) -> Vec<String>,
    ) -> Vec<(String, f64)> {
        let t = self.joint.0.get_or_init(|| JointTable::new(&self.framings));
        let m = &self.framings[framing];
        let stride = 3 * self.framings.len();
        let weights_of = |j: u32| {
            let r = t.row(j)?;
            let w: [f32; 3] = t.rows[r * stride + 3 * framing..][..3]
                .try_into()
                .expect("a framing has 3 weights a row");
            if w != [0f32; 3] {
                return Some(w);
            }
            // Zeros: another framing's index, or (rarely) listed as zeros.
            let at = m.weights.binary_search_by_key(&j, |(i, _)| *i).ok()?;
            Some(m.weights[at].1)
        };
        explain_pulls(values, class, top, name_of, weights_of)
    }

    /// The classifier of a framing, if the model has one.
    pub fn framing(&self, name: &str) -> Option<&FramingModel> {
        self.framings.iter().find(|f| f.framing == name)
    }

    /// Serialise to the model file's JSON (one line per framing's weights
    /// would be longer to read than to write: compact JSON, newline-ended).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string(self).expect("a model serialises");
        s.push('\n');
        s
    }

    /// Read a model file and check it fits `lexicon`; `builtin` is the
    /// default model, which fits the built-in lexicon.
    pub fn read(path: &std::path::Path, lexicon: &Lexicon) -> Result<Model> {
        if path.as_os_str() == "builtin" {
            return Model::parse("builtin model", DEFAULT_MODEL.as_bytes(), lexicon);
        }
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            Error::usage(
                format!("{shown}: cannot read model: {e}"),
                Some("give a model file written by `framewatch train`".into()),
            )
        })?;
        Model::parse(&shown, &bytes, lexicon)
    }

    pub fn parse(shown: &str, bytes: &[u8], lexicon: &Lexicon) -> Result<Model> {
        #[derive(Deserialize)]
        struct Head {
            format: Option<String>,
        }
        let not_a_model = |e: serde_json::Error| {
            Error::usage(
                format!(
                    "{shown}:{}:{}: not a framewatch model: {e}",
                    e.line(),
                    e.column()
                ),
                Some("give a model file written by `framewatch train`".into()),
            )
        };
        let wrong_format = |format: Option<&str>| {
            Error::usage(
                format!(
                    "{shown}: model format {:?}, but this framewatch reads {FORMAT}",
                    format.unwrap_or("(none)")
                ),
                Some("retrain it with this version: `framewatch train --gold ... -o MODEL`".into()),
            )
        };
        // One parse of the whole file when it is a model of this format
        // (the built-in one is 5 MB); the head alone only to say why not.
        let model: Model = match serde_json::from_slice::<Model>(bytes) {
            Ok(model) if model.format == FORMAT => model,
            Ok(model) => return Err(wrong_format(Some(&model.format))),
            Err(e) => {
                let head: Head = serde_json::from_slice(bytes).map_err(not_a_model)?;
                if head.format.as_deref() != Some(FORMAT) {
                    return Err(wrong_format(head.format.as_deref()));
                }
                return Err(Error::usage(
                    format!(
                        "{shown}:{}:{}: damaged model file: {e}",
                        e.line(),
                        e.column()
                    ),
                    Some("retrain it with `framewatch train`".into()),
                ));
            }
        };
        if model.provenance.lexicon_sha256 != lexicon.sha256 {
            return Err(Error::usage(
                format!(
                    "{shown}: the model was trained with lexicon {} {} (sha256 {}…), not with {} {} (sha256 {}…): its lexicon features would mean something else",
                    model.provenance.lexicon_name,
                    model.provenance.lexicon_version,
                    &model.provenance.lexicon_sha256
                        [..12.min(model.provenance.lexicon_sha256.len())],
                    lexicon.name,
                    lexicon.version,
                    &lexicon.sha256[..12.min(lexicon.sha256.len())]
                ),
                Some(
                    "use the lexicon the model names, or retrain the model with this lexicon"
                        .into(),
                ),
            ));
        }
        for f in &model.framings {
            if lexicon.category_index(&f.framing).is_none() {
                return Err(Error::usage(
                    format!(
                        "{shown}: the model classifies `{}`, which the lexicon lacks",
                        f.framing
                    ),
                    None,
                ));
            }
            // The largest value a feature takes: 1 for words, the hit value
            // for the lexicon's; [`fixed`] is exact below FIXED_LIMIT.
            let top = model.features.hit_value.max(1.0);
            if f.weights.windows(2).any(|w| w[0].0 >= w[1].0)
                || f.weights
                    .iter()
                    .any(|(j, _)| *j >= 1u32 << model.features.hash_bits)
                || top.partial_cmp(&MAX_HIT_VALUE).is_none_or(|o| o.is_gt())
                || f.weights.iter().flat_map(|(_, w)| w).any(|w| {
                    (f64::from(w.abs()) * top)
                        .partial_cmp(&FIXED_LIMIT)
                        .is_none_or(|o| o.is_ge())
                })
            {
                return Err(Error::usage(
                    format!(
                        "{shown}: damaged model file: weights of `{}` out of order or range, or too large",
                        f.framing
                    ),
                    Some("retrain it with `framewatch train`".into()),
                ));
            }
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uncertainty_is_nearness_to_the_decision_line() {
        let at = |p1: f64, t: Option<f64>| {
            super::Prediction {
                p: [1.0 - p1, p1, 0.0],
                endorsed_threshold: t,
            }
            .uncertainty()
        };
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(at(0.3, Some(0.3)), 1.0));
        assert!(close(at(1.0, Some(0.3)), 0.0));
        assert!(close(at(0.0, Some(0.3)), 0.0));
        assert!(close(at(0.65, Some(0.3)), 0.5));
        assert!(close(at(0.15, Some(0.3)), 0.5));
        // Without a threshold: the margin between the two likeliest.
        assert!(close(at(0.5, None), 1.0));
        assert!(close(at(0.9, None), 0.2));
    }

    use super::*;

    fn ex(names: &[&str], y: usize, group: &str) -> Example {
        let cfg = FeatureConfig::default();
        let mut f: Vec<Feature> = names
            .iter()
            .map(|n| Feature {
                index: hash(n, cfg.hash_bits),
                name: n.to_string(),
                value: 1.0,
            })
            .collect();
        f.sort_by_key(|x| x.index);
        Example {
            features: Features { features: f },
            labels: vec![Some(y)],
            group: group.into(),
        }
    }

    fn prov() -> Provenance {
        Provenance {
            framewatch_version: "t".into(),
            lexicon_name: "t".into(),
            lexicon_version: "1".into(),
            lexicon_sha256: "x".into(),
            gold: vec![],
            filters: vec![],
            units: 0,
        }
    }

    /// A separable toy problem: the word decides the class.
    fn toy() -> Vec<Example> {
        let mut v = Vec::new();
        for i in 0..30 {
            let g = format!("d{}", i % 10);
            v.push(ex(&["bias", "w:scroungers", "w:the"], 1, &g));
            v.push(ex(&["bias", "w:so-called", "w:scroungers"], 2, &g));
            v.push(ex(&["bias", "w:weather", "w:the"], 0, &g));
            v.push(ex(&["bias", "w:bridge"], 0, &g));
        }
        v
    }

    #[test]
    fn learns_a_separable_problem_and_is_deterministic() {
        let data = toy();
        let names = vec!["behavioural".to_string()];
        let cfg = FeatureConfig::default();
        let opts = TrainOptions::default();
        let m = train(&data, &names, &cfg, &opts, 5, prov());
        let f = &m.framings[0];
        assert_eq!(f.class_counts, [60, 30, 30]);
        for (e, want) in [(&data[0], 1), (&data[1], 2), (&data[2], 0)] {
            let p = f.predict(&e.features);
            assert_eq!(p.class(), want, "{:?}", p.p);
            assert!((p.p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        let cv = f.cv.as_ref().unwrap();
        assert_eq!(cv.endorsed[2], Some(1.0));
        // Same data, options and seed: the same file, byte for byte.
        let again = train(&data, &names, &cfg, &opts, 5, prov());
        assert_eq!(m.to_json(), again.to_json());
        // The word that decides leads the explanation.
        let why = f.explain(&data[1].features, 2, 1);
        assert_eq!(why[0].0, "w:so-called");
    }

    /// `min_count` leaves out the features of fewer training units, and
    /// only those: the rest are learnt as before.
    #[test]
    fn rare_features_are_left_out() {
        let mut data = toy();
        // Words in one unit each: a hapax that would decide its unit.
        data.push(ex(&["bias", "w:once", "w:the"], 1, "d0"));
        data.push(ex(&["bias", "w:twice", "w:bridge"], 2, "d1"));
        data.push(ex(&["bias", "w:twice", "w:weather"], 2, "d2"));
        let names = vec!["behavioural".to_string()];
        let cfg = FeatureConfig::default();
        let weighed = |min_count: u32| {
            let opts = TrainOptions {
                min_count,
                ..TrainOptions::default()
            };
            let m = train(&data, &names, &cfg, &opts, 0, prov());
            assert_eq!(m.training.min_count, min_count);
            let f = m.framings[0].clone();
            move |name: &str| f.weights_of(hash(name, cfg.hash_bits)).is_some()
        };
        let all = weighed(0);
        assert!(all("w:once") && all("w:twice") && all("w:scroungers"));
        assert_eq!(weighed(1)("w:once"), all("w:once"));
        let two = weighed(2);
        assert!(!two("w:once"), "a feature of one unit is left out");
        assert!(two("w:twice") && two("w:scroungers") && two("bias"));
        let three = weighed(3);
        assert!(!three("w:once") && !three("w:twice") && three("w:so-called"));
    }

    #[test]
    fn the_threshold_decides_endorsed() {
        let p = |p: [f64; 3], t: Option<f64>| Prediction {
            p,
            endorsed_threshold: t,
        };
        // Without a threshold the most probable class wins.
        assert_eq!(p([0.7, 0.25, 0.05], None).label(), "none");
        // With one, endorsed from the threshold on...
        assert_eq!(p([0.7, 0.25, 0.05], Some(0.25)).label(), "endorsed");
        assert_eq!(
            p([0.7, 0.25, 0.05], Some(0.25)).stance(),
            Some(Stance::Endorsed)
        );
        // ...unless distanced is likelier still; below it, distanced or none.
        assert_eq!(p([0.3, 0.3, 0.4], Some(0.25)).label(), "distanced");
        assert_eq!(p([0.2, 0.35, 0.45], Some(0.5)).label(), "distanced");
        assert_eq!(p([0.5, 0.45, 0.05], Some(0.5)).label(), "none");
        // The tuned threshold is the middle of the best plateau: here each
        // of 0.31 to 0.60 separates the endorsed units exactly.
        let held = [
            (1, [0.3, 0.6, 0.1]),
            (1, [0.2, 0.7, 0.1]),
            (0, [0.7, 0.3, 0.0]),
        ];
        assert_eq!(best_threshold(&held), 0.46);
    }

    #[test]
    fn feature_groups_by_name() {
        let cfg = FeatureConfig::default();
        assert_eq!(cfg.with_groups(&cfg.groups().join(",")).unwrap(), cfg);
        let few = cfg.with_groups("hits, cues").unwrap();
        assert_eq!(few.groups(), ["hits", "cues"]);
        assert!(!few.word_unigrams && few.lexicon_hits);
        let e = cfg.with_groups("words,chars").unwrap_err();
        assert!(e.contains("unknown feature group \"chars\""), "{e}");
    }

    #[test]
    fn model_files_name_their_problems() {
        let (lex, _) = Lexicon::load(None).unwrap();
        let e = Model::parse("m.json", b"{\"format\": \"framewatch-model/0\"}", &lex).unwrap_err();
        assert!(
            e.to_string()
                .contains("model format \"framewatch-model/0\""),
            "{e}"
        );
        // Models of earlier formats (no thresholds; bigrams hashed by
        // SipHash) are refused, not misread.
        for old in ["1", "2"] {
            let file = format!("{{\"format\": \"framewatch-model/{old}\"}}");
            let e = Model::parse("m.json", file.as_bytes(), &lex).unwrap_err();
            assert!(
                e.to_string()
                    .contains("but this framewatch reads framewatch-model/3"),
                "{e}"
            );
        }
        let e = Model::parse("m.json", b"{nope", &lex).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("m.json:1:2: not a framewatch model"),
            "{e}"
        );
        let m = train(
            &toy(),
            &["behavioural".into()],
            &FeatureConfig::default(),
            &TrainOptions::default(),
            0,
            prov(),
        );
        let e = Model::parse("m.json", m.to_json().as_bytes(), &lex).unwrap_err();
        assert!(
            e.to_string().contains("was trained with lexicon t 1"),
            "{e}"
        );
        let mut ok = m.clone();
        ok.provenance.lexicon_sha256 = lex.sha256.clone();
        assert_eq!(
            Model::parse("m.json", ok.to_json().as_bytes(), &lex).unwrap(),
            ok
        );
        // Of this format but not whole; or weights beyond what the fixed-
        // point scores hold.
        let e = Model::parse("m.json", b"{\"format\": \"framewatch-model/3\"}", &lex).unwrap_err();
        assert!(
            e.to_string().contains("damaged model file: missing field"),
            "{e}"
        );
        let mut huge = ok.clone();
        huge.framings[0].weights[0].1[1] = 600.0;
        let e = Model::parse("m.json", huge.to_json().as_bytes(), &lex).unwrap_err();
        assert!(e.to_string().contains("or too large"), "{e}");
        huge.framings[0].weights[0].1[1] = 400.0;
        assert!(Model::parse("m.json", huge.to_json().as_bytes(), &lex).is_ok());
    }

    #[test]
    fn features_of_a_sentence() {
        let (lex, analyzer) = Lexicon::load(None).unwrap();
        let tagger = crate::tagger::Tagger::new(lex, analyzer);
        let text = "Critics said welfare dependency is a myth. Low pay keeps families poor.";
        let (mut a, mut s) = (Analysis::default(), crate::matcher::Scratch::default());
        let names = tagger.inspect(text, &mut a, &mut s, |a, _, hits| {
            let r = token_range(a, 0, 42);
            let inside: Vec<&Hit> = hits.iter().filter(|h| h.byte_end <= 42).collect();
            let input = SentenceRef {
                a,
                tokens: r,
                hits: &inside,
                neighbours: Neighbours::default(),
            };
            let f = features(
                &FeatureConfig::default(),
                &tagger.lexicon,
                &tagger.analyzer,
                &input,
            );
            f.features.into_iter().map(|f| f.name).collect::<Vec<_>>()
        });
        for want in [
            "bias",
            "w:critics",
            "b:welfare dependency",
            "s:depend",
            "v:said",
            "c:behavioural:distanced:counted",
            "r:behavioural:reported",
            "l:short",
        ] {
            assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
        }
        assert!(
            !names.iter().any(|n| n.contains("pay")),
            "the next sentence leaks: {names:?}"
        );
    }

    /// Model files written before the neighbours group read it as off,
    /// so they label as they did.
    #[test]
    fn older_models_have_no_neighbours() {
        let (lex, _) = Lexicon::load(None).unwrap();
        let now = Model::parse("builtin", DEFAULT_MODEL.as_bytes(), &lex).unwrap();
        assert!(now.features.neighbours);
        let before = DEFAULT_MODEL.replacen(",\"neighbours\":true", "", 1);
        assert_ne!(before, DEFAULT_MODEL);
        let then = Model::parse("older", before.as_bytes(), &lex).unwrap();
        assert!(!then.features.neighbours);
        assert_eq!(then.framings, now.framings);
    }

    /// A sentence whose neighbour mentions the context topic gets
    /// `y:context`, and `y:context-only` when it does not mention it
    /// itself; sentences further away do not count; the group can be
    /// switched off.
    #[test]
    fn neighbours_bring_the_topic() {
        let (lex, analyzer) = Lexicon::load(None).unwrap();
        let tagger = crate::tagger::Tagger::new(lex, analyzer);
        let text =
            "Welfare rolls grew. They must take responsibility. Taxes rose. Welfare costs fell.";
        let (mut a, mut s) = (Analysis::default(), crate::matcher::Scratch::default());
        let names = |cfg: &FeatureConfig, a: &Analysis, hits: &[Hit], (start, end): (u32, u32)| {
            let r = token_range(a, start, end);
            let inside: Vec<&Hit> = hits
                .iter()
                .filter(|h| h.byte_start >= start && h.byte_end <= end)
                .collect();
            let input = SentenceRef {
                a,
                neighbours: Neighbours::of(&tagger.lexicon, a, r.clone(), hits),
                tokens: r,
                hits: &inside,
            };
            let f = features(cfg, &tagger.lexicon, &tagger.analyzer, &input);
            f.features
                .into_iter()
                .map(|f| f.name)
                .filter(|n| n.starts_with("y:"))
                .collect::<Vec<_>>()
        };
        let on = FeatureConfig::default();
        let off = on.with_groups("words,hits").unwrap();
        let got = tagger.inspect(text, &mut a, &mut s, |a, _, hits| {
            let spans = a.sentence_spans();
            assert_eq!(spans.len(), 4);
            let mut got: Vec<Vec<String>> =
                spans.iter().map(|&sp| names(&on, a, &hits, sp)).collect();
            got.push(names(&off, a, &hits, spans[1]));
            got
        });
        assert_eq!(
            got,
            [
                vec![],
                vec!["y:context".to_string(), "y:context-only".to_string()],
                vec!["y:context".to_string(), "y:context-only".to_string()],
                vec![],
                vec![],
            ]
        );
    }

    /// The joint prediction with its sums in registers (one to four
    /// framings) or in memory (more) equals each framing's own, bit for
    /// bit, with more features than a chunk and indices past the table.
    #[test]
    fn predict_all_equals_each_framing_for_any_number_of_framings() {
        let (lexicon, _) = Lexicon::load(None).unwrap();
        let base = Model::parse("builtin", DEFAULT_MODEL.as_bytes(), &lexicon).unwrap();
        let weighed: Vec<u32> = base.framings[0].weights.iter().map(|w| w.0).collect();
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for n in 1..=6 {
            let model = Model {
                framings: (0..n)
                    .map(|i| base.framings[i % base.framings.len()].clone())
                    .map(|mut m| {
                        // Each framing its own weights, so that a mix-up shows.
                        for w in &mut m.weights {
                            w.1[1] += n as f32 * 0.01;
                        }
                        m.dense = Dense::default();
                        m
                    })
                    .collect(),
                joint: Joint::default(),
                ..base.clone()
            };
            for len in [0, 1, 63, 64, 65, 200] {
                let mut values: Vec<(u32, f64)> = (0..len)
                    .map(|_| {
                        let j = match next() % 3 {
                            0 => weighed[next() as usize % weighed.len()],
                            1 => next() as u32 % (1 << 18),
                            _ => (1 << 18) + next() as u32 % 1000,
                        };
                        (j, (next() % 1000) as f64 / 300.0)
                    })
                    .collect();
                values.sort_by_key(|v| v.0);
                values.dedup_by_key(|v| v.0);
                let each: Vec<Prediction> = model
                    .framings
                    .iter()
                    .map(|m| m.predict_values(values.iter().map(|&(j, x)| (j as usize, x))))
                    .collect();
                assert_eq!(
                    model.predict_all(&values),
                    each,
                    "{n} framings, {len} values"
                );
            }
        }
    }

    /// The one-shot hash equals the streaming hasher's, at every length
    /// around the word boundaries.
    #[test]
    fn bigrams_hash_alike_whole_or_in_pieces() {
        let words = [
            "a",
            "poor",
            "welfare",
            "sixteen-bytes-ab",
            "seventeen-bytes-a",
            "x",
        ];
        for first in words {
            for second in words {
                let name = format!("b:{first} {second}");
                let pieces = bigram_name(first, second);
                assert_eq!(hash_full(&[&name]), hash_full(&pieces), "{name}");
                let short = first.len() <= 16 && second.len() <= 16;
                assert_eq!(bigram_hash_of_name(&pieces).is_some(), short, "{name}");
                if !short {
                    // A longer word: SipHash of the name, as before.
                    let mut h = hasher();
                    h.write(name.as_bytes());
                    assert_eq!(hash_full(&pieces), h.finish());
                }
            }
        }
        // The order of the words counts.
        assert_ne!(
            hash_full(&bigram_name("poor", "people")),
            hash_full(&bigram_name("people", "poor"))
        );
        // Names that only look like bigrams' pieces are hashed by name.
        assert_eq!(bigram_hash_of_name(&["w:", "poor"]), None);
        assert_eq!(bigram_hash_of_name(&["bias"]), None);
    }

    #[test]
    fn sip13_equals_the_streaming_hasher() {
        let bytes: Vec<u8> = (0..100u32).map(|i| (i * 37 + 11) as u8).collect();
        for len in 0..bytes.len() {
            let mut h = hasher();
            h.write(&bytes[..len]);
            assert_eq!(sip13(&bytes[..len]), h.finish(), "{len} bytes");
        }
    }

    /// A word's features survive the compact form, which refuses what it
    /// cannot hold.
    #[test]
    fn word_features_compact_round_trip() {
        let word = |kinds: &[[u8; 2]], index: u32| {
            let mut w = WordFeatures {
                len: kinds.len() as u8,
                features: [0; WORD_FEATURES],
            };
            for (i, k) in kinds.iter().enumerate() {
                w.features[i] = packed_feature(index - i as u32, *k);
            }
            w
        };
        for kinds in [
            &[][..],
            &[*b"w:"],
            &[*b"w:", *b"s:"],
            &[*b"w:", *b"s:", *b"v:"],
            &[*b"w:", *b"s:", *b"n:", *b"p:"],
            &[*b"s:", *b"n:", *b"v:", *b"p:"],
        ] {
            for index in [4, 1000, (1 << 18) - 1, (1 << 24) - 1] {
                let w = word(kinds, index);
                let c = w.compact().expect("fits");
                assert_eq!(WordFeatures::from_compact(c), w, "{kinds:?} {index}");
            }
        }
        assert_eq!(
            word(&[*b"w:", *b"s:", *b"n:", *b"v:", *b"p:"], 9).compact(),
            None
        );
        assert_eq!(word(&[*b"w:"], 1 << 24).compact(), None);
        assert_eq!(word(&[*b"b:"], 9).compact(), None);
    }

    /// The word table finds what was inserted, across growth and probe
    /// chains, and nothing else.
    #[test]
    fn short_words_find_what_was_inserted() {
        let mut t = ShortWords::default();
        let features = |k: u128| k.rotate_left(17) ^ 0x5555;
        let keys: Vec<u128> = (1..5000u128)
            .map(|i| i * 0x9_0000_0001 + (i << 70))
            .collect();
        for chunk in keys.chunks(100) {
            t.reserve(chunk.len());
            for &k in chunk {
                assert_eq!(t.find(k, t.home(k)), None);
                t.insert(k, features(k));
            }
        }
        assert_eq!(t.len(), keys.len());
        assert!(t.slots.len() >= 2 * keys.len());
        for &k in &keys {
            let i = t.find(k, t.home(k)).expect("inserted");
            assert_eq!(t.slots[i].key, k);
            assert_eq!(t.slots[i].features, features(k));
        }
        for k in [5000u128 * 0x9_0000_0001, 3, u128::MAX] {
            assert_eq!(t.find(k, t.home(k)), None);
        }
        t.clear();
        assert_eq!(t.len(), 0);
        assert!(t.slots.is_empty());
    }

    /// Deduplicating in the order first seen keeps what sorting kept: one
    /// feature per index, the smallest kind key; across sentences of any
    /// length (the table grows) and many sentences (stale stamps).
    #[test]
    fn seen_keeps_what_sorting_kept() {
        let mut seen = Seen::default();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..3000 {
            let len = [0, 1, 5, 40, 63, 64, 65, 300][round % 8];
            // Few distinct indices, so that most repeat with other kinds.
            let indices = 1 + next() % 50;
            let packed: Vec<u64> = (0..len)
                .map(|_| {
                    packed_feature(
                        (next() % indices) as u32 * 977,
                        [b'a' + (next() % 4) as u8, b':'],
                    )
                })
                .collect();
            let mut sorted = packed.clone();
            sorted.sort_unstable();
            sorted.dedup_by_key(|f| *f >> 16);
            let mut firsts: Vec<u64> = Vec::new();
            for f in &packed {
                if !firsts.iter().any(|g| g >> 16 == f >> 16) {
                    firsts.push(*f);
                }
            }
            let mut got = packed.clone();
            seen.dedupe(&mut got);
            // The order of first sight...
            let order: Vec<u64> = got.iter().map(|f| f >> 16).collect();
            assert_eq!(order, firsts.iter().map(|f| f >> 16).collect::<Vec<_>>());
            // ... and sorting's choices.
            got.sort_unstable();
            assert_eq!(got, sorted, "round {round}");
        }
        // A stamp about to wrap starts the table afresh.
        seen.stamp = u32::MAX;
        let mut one = vec![packed_feature(7, *b"w:"), packed_feature(7, *b"s:")];
        seen.dedupe(&mut one);
        assert_eq!(one, [packed_feature(7, *b"s:")]);
        assert_eq!(seen.stamp, 1);
    }
}
