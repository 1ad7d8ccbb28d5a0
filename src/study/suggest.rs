//! Lexicon suggestions from coded sentences: candidate entries per
//! sub-frame, each with the evidence a person needs to accept or reject
//! it. Three sources, all computed on the coded units given (the CLI
//! gives the train and dev splits, never test):
//!
//! - `keyness`: words and two-word sequences (by stem) key to the
//!   sentences coded with a framing against the other coded sentences
//!   ([`super::keyness::g2`]);
//! - `collocate`: words near a sub-frame's current hits in the coded
//!   sentences, by logDice ([`super::keyness::log_dice`]), window 5 each
//!   side within the sentence;
//! - `model`: the lexical features (word, stem, bigram) with the largest
//!   weight towards the endorsed class in the trained model.
//!
//! Each candidate carries its counts in the coded sentences, its
//! precision there (coded with the framing / holding it), how many coded
//! sentences the lexicon misses that it would find, and up to five of
//! those sentences. Nothing is applied: the CLI writes a TOML patch.

use super::keyness::{g2, log_dice};
use std::collections::{BTreeMap, BTreeSet};

/// Words too common to make an entry on their own (English function
/// words); a candidate made only of these, or of words under three
/// letters, is not proposed.
const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "because", "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "for",
    "from", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "in",
    "into", "is", "it", "its", "just", "may", "me", "more", "most", "much", "must", "my", "no",
    "not", "now", "of", "on", "one", "only", "or", "other", "our", "out", "over", "own", "said",
    "same", "shall", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "up",
    "upon", "us", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
    "whom", "why", "will", "with", "would", "you", "your",
];

/// One coded sentence as the suggester sees it.
#[derive(Debug, Clone)]
pub struct Coded {
    pub unit_id: String,
    /// Whitespace-collapsed text, for the concordance lines.
    pub text: String,
    /// Word norms and their stems, in order.
    pub words: Vec<String>,
    pub stems: Vec<String>,
    /// Per framing: coded with it (endorsed or distanced).
    pub coded: Vec<bool>,
    /// Per framing: the lexicon found it.
    pub found: Vec<bool>,
    /// Per framing: the sub-frames whose entries fired, and the word
    /// ranges of their hits.
    pub hits: Vec<Vec<(usize, (usize, usize))>>,
    /// Per framing: the model's lexical features with their weight
    /// towards the endorsed class (name, weight), when a model is given.
    pub model: Vec<Vec<(String, f64)>>,
}

/// Where a candidate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    Keyness,
    Collocate,
    Model,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Keyness => "keyness",
            Origin::Collocate => "collocate",
            Origin::Model => "model",
        }
    }
}

/// A proposed entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Framing index (into the caller's framings) and sub-frame (lexicon
    /// index), when one can be told.
    pub framing: usize,
    pub subframe: Option<usize>,
    /// The entry as it would be written: its most frequent surface form.
    pub entry: String,
    pub stems: Vec<String>,
    pub origin: Origin,
    /// The score that ranked it: G2, logDice or model weight.
    pub score: f64,
    /// Coded sentences holding it: with the framing, in all.
    pub positive: u64,
    pub holding: u64,
    /// Coded sentences with the framing that the lexicon misses and it finds.
    pub gain: u64,
    /// Up to five sentences holding it: (unit_id, coded with the framing, text).
    pub lines: Vec<(String, bool, String)>,
}

impl Candidate {
    pub fn precision(&self) -> f64 {
        if self.holding == 0 {
            0.0
        } else {
            self.positive as f64 / self.holding as f64
        }
    }
}

/// Which candidates are proposed.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stem sequences already entries of the lexicon (any category,
    /// context included): never proposed again.
    pub existing: BTreeSet<Vec<String>>,
    /// Per framing and source.
    pub top: usize,
    /// Coded sentences with the framing that must hold it.
    pub min_positive: u64,
    pub min_precision: f64,
}

fn content(stem_seq: &[String], words: &[String]) -> bool {
    words
        .iter()
        .any(|w| w.chars().count() >= 3 && !FUNCTION_WORDS.contains(&w.as_str()))
        && !stem_seq.is_empty()
}

/// The positions where `stems` occurs in `u`.
fn occurrences(u: &Coded, stems: &[String]) -> Vec<usize> {
    if stems.is_empty() || u.stems.len() < stems.len() {
        return Vec::new();
    }
    (0..=u.stems.len() - stems.len())
        .filter(|&i| u.stems[i..i + stems.len()] == *stems)
        .collect()
}

/// Evidence for one stem sequence under framing `f`; None when it does
/// not pass `opts` or adds nothing the lexicon does not already find.
fn evidence(
    units: &[Coded],
    f: usize,
    stems: &[String],
    origin: Origin,
    score: f64,
    subframe: Option<usize>,
    opts: &Options,
) -> Option<Candidate> {
    let mut surface: BTreeMap<String, u64> = BTreeMap::new();
    let (mut positive, mut holding, mut gain) = (0, 0, 0);
    let mut pos_lines = Vec::new();
    let mut neg_lines = Vec::new();
    for u in units {
        let at = occurrences(u, stems);
        if at.is_empty() {
            continue;
        }
        holding += 1;
        for &i in &at {
            *surface
                .entry(u.words[i..i + stems.len()].join(" "))
                .or_default() += 1;
        }
        let line = (u.unit_id.clone(), u.coded[f], u.text.clone());
        if u.coded[f] {
            positive += 1;
            if !u.found[f] {
                gain += 1;
            }
            pos_lines.push(line);
        } else {
            neg_lines.push(line);
        }
    }
    let c = Candidate {
        framing: f,
        subframe,
        entry: surface
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(s, _)| s.clone())?,
        stems: stems.to_vec(),
        origin,
        score,
        positive,
        holding,
        gain,
        // Positives first (what it would find), then the sentences it
        // would wrongly count, so a reviewer sees both.
        lines: pos_lines
            .iter()
            .take(3)
            .chain(neg_lines.iter().take(2))
            .chain(pos_lines.iter().skip(3))
            .take(5)
            .cloned()
            .collect(),
    };
    let words: Vec<String> = c.entry.split(' ').map(str::to_string).collect();
    (positive >= opts.min_positive
        && !opts.existing.contains(stems)
        && c.precision() >= opts.min_precision
        && gain > 0
        && content(stems, &words))
    .then_some(c)
}

/// The sub-frame of framing `f` whose hits share most coded sentences
/// with `stems`, if any.
fn likely_subframe(units: &[Coded], f: usize, stems: &[String]) -> Option<usize> {
    let mut n: BTreeMap<usize, u64> = BTreeMap::new();
    for u in units.iter().filter(|u| u.coded[f]) {
        if occurrences(u, stems).is_empty() {
            continue;
        }
        let subs: BTreeSet<usize> = u.hits[f].iter().map(|(s, _)| *s).collect();
        for s in subs {
            *n.entry(s).or_default() += 1;
        }
    }
    n.into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(s, _)| s)
}

/// Unigrams and bigrams of stems in a unit, each once.
fn grams(u: &Coded) -> BTreeSet<Vec<String>> {
    let mut g: BTreeSet<Vec<String>> = u.stems.iter().map(|s| vec![s.clone()]).collect();
    g.extend(u.stems.windows(2).map(|w| w.to_vec()));
    g
}

/// Candidates for framing `f` (with `framings` framings coded) from the
/// three sources, best first within each, each stem sequence proposed
/// once (from the first source that finds it).
pub fn suggest(units: &[Coded], f: usize, opts: &Options) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
    let push = |c: Candidate, out: &mut Vec<Candidate>, seen: &mut BTreeSet<Vec<String>>| {
        if seen.insert(c.stems.clone()) {
            out.push(c);
        }
    };
    // (a) Keyness of the coded sentences against the rest, by sentence
    // counts (document frequency: a sentence holds a term or not).
    let (mut pos, mut neg): (BTreeMap<Vec<String>, u64>, BTreeMap<Vec<String>, u64>) =
        Default::default();
    let (mut npos, mut nneg) = (0u64, 0u64);
    for u in units {
        let (side, n) = if u.coded[f] {
            (&mut pos, &mut npos)
        } else {
            (&mut neg, &mut nneg)
        };
        *n += u.words.len() as u64;
        for g in grams(u) {
            *side.entry(g).or_default() += 1;
        }
    }
    let mut key: Vec<(f64, Vec<String>)> = pos
        .iter()
        .map(|(g, &a)| {
            let b = neg.get(g).copied().unwrap_or(0);
            (g2(a as f64, b as f64, npos as f64, nneg as f64), g.clone())
        })
        .filter(|(s, _)| *s > 0.0)
        .collect();
    key.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut n = 0;
    for (score, g) in key {
        if n >= opts.top {
            break;
        }
        let sub = likely_subframe(units, f, &g);
        if let Some(c) = evidence(units, f, &g, Origin::Keyness, score, sub, opts) {
            push(c, &mut out, &mut seen);
            n += 1;
        }
    }
    // (b) Collocates of each sub-frame's hits, window 5 within the sentence.
    let mut subs: BTreeMap<usize, (u64, BTreeMap<String, u64>)> = BTreeMap::new();
    let mut freq: BTreeMap<&str, u64> = BTreeMap::new();
    for u in units {
        for s in &u.stems {
            *freq.entry(s).or_default() += 1;
        }
        for &(s, (a, b)) in &u.hits[f] {
            let e = subs.entry(s).or_default();
            e.0 += 1;
            let lo = a.saturating_sub(5);
            let hi = (b + 5).min(u.stems.len());
            let near: BTreeSet<&String> = (lo..a).chain(b..hi).map(|i| &u.stems[i]).collect();
            for w in near {
                *e.1.entry(w.clone()).or_default() += 1;
            }
        }
    }
    for (s, (fx, near)) in subs {
        let mut ranked: Vec<(f64, String)> = near
            .into_iter()
            .map(|(w, fxy)| {
                let fy = freq.get(w.as_str()).copied().unwrap_or(fxy);
                (log_dice(fxy as f64, fx as f64, fy as f64), w)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut n = 0;
        for (score, w) in ranked {
            if n >= opts.top {
                break;
            }
            if let Some(c) = evidence(units, f, &[w], Origin::Collocate, score, Some(s), opts) {
                push(c, &mut out, &mut seen);
                n += 1;
            }
        }
    }
    // (c) The model's strongest lexical features.
    let mut weights: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    for u in units {
        for (name, w) in &u.model[f] {
            if let Some(stems) = feature_stems(u, name) {
                weights.entry(stems).or_insert(*w);
            }
        }
    }
    let mut ranked: Vec<(f64, Vec<String>)> = weights
        .into_iter()
        .filter(|(_, w)| *w > 0.0)
        .map(|(g, w)| (w, g))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut n = 0;
    for (score, g) in ranked {
        if n >= opts.top {
            break;
        }
        let sub = likely_subframe(units, f, &g);
        if let Some(c) = evidence(units, f, &g, Origin::Model, score, sub, opts) {
            push(c, &mut out, &mut seen);
            n += 1;
        }
    }
    out
}

/// The stems of a model feature (`w:word`, `s:stem`, `b:word word`), read
/// off the unit that has it.
fn feature_stems(u: &Coded, name: &str) -> Option<Vec<String>> {
    let (kind, rest) = name.split_at_checked(2)?;
    let stem_of = |w: &str| {
        u.words
            .iter()
            .position(|x| x == w)
            .map(|i| u.stems[i].clone())
    };
    match kind {
        "w:" => Some(vec![stem_of(rest)?]),
        "s:" => Some(vec![rest.to_string()]),
        "b:" => {
            let (a, b) = rest.split_once(' ')?;
            Some(vec![stem_of(a)?, stem_of(b)?])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, text: &str, coded: bool, found: bool) -> Coded {
        let words: Vec<String> = text.split(' ').map(str::to_string).collect();
        // A toy stemmer: drop a plural s.
        let stems = words
            .iter()
            .map(|w| w.strip_suffix('s').unwrap_or(w).to_string())
            .collect();
        Coded {
            unit_id: id.into(),
            text: text.into(),
            words,
            stems,
            coded: vec![coded],
            found: vec![found],
            hits: vec![Vec::new()],
            model: vec![Vec::new()],
        }
    }

    #[test]
    fn key_words_of_coded_sentences_come_with_their_evidence() {
        let mut units = vec![
            unit("1", "the handouts keep them idle", true, false),
            unit("2", "handouts breed idle habits", true, false),
            unit("3", "more handout money for idle hands", true, true),
            unit("4", "the bridge was opened", false, false),
            unit("5", "the handouts at the fair were free", false, false),
            unit("6", "the weather was fine", false, false),
        ];
        units[2].hits[0] = vec![(7, (4, 5))];
        let opts = Options {
            existing: [vec!["idle".to_string()]].into(),
            top: 5,
            min_positive: 2,
            min_precision: 0.5,
        };
        let c = suggest(&units, 0, &opts);
        let handout = c.iter().find(|c| c.stems == ["handout"]).unwrap();
        assert_eq!(handout.origin, Origin::Keyness);
        assert_eq!(handout.entry, "handouts");
        assert_eq!((handout.positive, handout.holding, handout.gain), (3, 4, 2));
        assert_eq!(handout.precision(), 0.75);
        assert_eq!(handout.subframe, Some(7));
        // Three positives first, then the false positive.
        let ids: Vec<&str> = handout.lines.iter().map(|l| l.0.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3", "5"]);
        // Function words, words never in a coded sentence and entries the
        // lexicon has are not proposed.
        assert!(
            c.iter()
                .all(|c| c.stems != ["the"] && c.stems != ["bridge"])
        );
        assert!(c.iter().all(|c| c.stems != ["idle"]));
        // Each stem sequence once.
        let mut stems: Vec<&Vec<String>> = c.iter().map(|c| &c.stems).collect();
        let n = stems.len();
        stems.dedup();
        assert_eq!(stems.len(), n);
    }
}
