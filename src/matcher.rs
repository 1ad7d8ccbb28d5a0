//! The compiled lexicon: a trie over token symbols, and leftmost-longest
//! matching of an analysed text against it.
//!
//! Each distinct normalised word is classified once per worker (a cache:
//! word frequencies are Zipfian) into the symbols it can stand for — its
//! stem, its exact form, the wildcard prefixes it starts with — and the
//! trie is walked over those symbols. Pure: no I/O, no threads.

use crate::analyze::{Analysis, Analyzer};
use crate::lexicon::{Lexicon, Slot, is_joiner};
use crate::model::{Hit, MatchKind, TokenKind};
use rustc_hash::FxHashMap;

/// Sentinel for "no child".
const NONE: u32 = u32::MAX;

#[derive(Debug, Default, Clone)]
struct Node {
    /// (symbol, child) pairs, sorted by symbol.
    edges: Vec<(u32, u32)>,
    /// The entry that ends here, if any.
    terminal: Option<u32>,
}

/// A lexicon compiled for matching.
#[derive(Debug)]
pub struct Matcher {
    stems: FxHashMap<String, u32>,
    exacts: FxHashMap<String, u32>,
    /// (prefix, symbol), sorted by prefix.
    prefixes: Vec<(String, u32)>,
    /// Root children indexed by symbol.
    root: Vec<u32>,
    nodes: Vec<Node>,
    /// Per entry: its specificity (used to break ties) and match kind.
    entry_rank: Vec<(u32, MatchKind)>,
}

/// Per-worker scratch: the word → symbols cache and the word list.
#[derive(Debug, Default)]
pub struct Scratch {
    cache: FxHashMap<Box<str>, Box<[u32]>>,
    words: Vec<Word>,
}

/// A word token as the matcher sees it.
#[derive(Debug, Clone, Copy)]
struct Word {
    token: u32,
    /// Range into `Scratch::symbols`-like storage: index into cache values
    /// is not stable, so the symbols are copied to `syms`.
    syms_start: u32,
    syms_end: u32,
    /// Joined to the previous word: same sentence, and only whitespace,
    /// hyphens or apostrophes between them.
    joined: bool,
}

/// Bound on the word cache; past it the cache starts afresh.
const CACHE_LIMIT: usize = 1 << 20;

impl Matcher {
    pub fn new(lexicon: &Lexicon) -> Matcher {
        let mut m = Matcher {
            stems: FxHashMap::default(),
            exacts: FxHashMap::default(),
            prefixes: Vec::new(),
            root: Vec::new(),
            nodes: vec![Node::default()],
            entry_rank: Vec::new(),
        };
        let mut next_sym = 0u32;
        let mut prefix_syms: FxHashMap<String, u32> = FxHashMap::default();
        for (ei, entry) in lexicon.entries.iter().enumerate() {
            let mut node = 0usize;
            let mut rank = 0u32;
            let mut kind = MatchKind::Stem;
            for slot in &entry.pattern {
                let (map, key, weight) = match slot {
                    Slot::Stem(s) => (&mut m.stems, s, 2),
                    Slot::Exact(s) => {
                        kind = MatchKind::Exact;
                        (&mut m.exacts, s, 3)
                    }
                    Slot::Prefix(s) => {
                        if kind == MatchKind::Stem {
                            kind = MatchKind::Wildcard;
                        }
                        (&mut prefix_syms, s, 1)
                    }
                };
                rank += weight;
                let sym = *map.entry(key.clone()).or_insert_with(|| {
                    next_sym += 1;
                    next_sym - 1
                });
                node = m.child_or_insert(node, sym);
            }
            // Validation rejects duplicate patterns; keep the first anyway.
            if m.nodes[node].terminal.is_none() {
                m.nodes[node].terminal = Some(ei as u32);
            }
            m.entry_rank.push((rank, kind));
        }
        m.prefixes = prefix_syms.into_iter().collect();
        m.prefixes.sort();
        m
    }

    fn child_or_insert(&mut self, node: usize, sym: u32) -> usize {
        if node == 0 {
            if self.root.len() <= sym as usize {
                self.root.resize(sym as usize + 1, NONE);
            }
            if self.root[sym as usize] == NONE {
                self.nodes.push(Node::default());
                self.root[sym as usize] = (self.nodes.len() - 1) as u32;
            }
            return self.root[sym as usize] as usize;
        }
        match self.nodes[node].edges.binary_search_by_key(&sym, |e| e.0) {
            Ok(i) => self.nodes[node].edges[i].1 as usize,
            Err(i) => {
                self.nodes.push(Node::default());
                let child = (self.nodes.len() - 1) as u32;
                self.nodes[node].edges.insert(i, (sym, child));
                child as usize
            }
        }
    }

    fn child(&self, node: u32, sym: u32) -> u32 {
        if node == 0 {
            return self.root.get(sym as usize).copied().unwrap_or(NONE);
        }
        let edges = &self.nodes[node as usize].edges;
        match edges.binary_search_by_key(&sym, |e| e.0) {
            Ok(i) => edges[i].1,
            Err(_) => NONE,
        }
    }

    /// The symbols a normalised word stands for.
    fn classify(&self, analyzer: &Analyzer, norm: &str) -> Box<[u32]> {
        let mut syms = Vec::new();
        if let Some(&s) = self.exacts.get(norm) {
            syms.push(s);
        }
        if let Some(&s) = self.stems.get(analyzer.stem(norm).as_ref()) {
            syms.push(s);
        }
        for (prefix, s) in &self.prefixes {
            if norm.starts_with(prefix.as_str()) {
                syms.push(*s);
            }
        }
        syms.into_boxed_slice()
    }

    pub fn match_kind(&self, entry: u32) -> MatchKind {
        self.entry_rank[entry as usize].1
    }

    /// Find every hit in an analysed text, leftmost-longest, never across
    /// a sentence boundary or punctuation other than hyphens and
    /// apostrophes. Hits are appended to `hits` in text order.
    pub fn find(&self, analyzer: &Analyzer, text: &str, a: &Analysis, scratch: &mut Scratch, hits: &mut Vec<Hit>) {
        if scratch.cache.len() > CACHE_LIMIT {
            scratch.cache.clear();
        }
        scratch.words.clear();
        let mut syms: Vec<u32> = Vec::new();
        let mut prev_word: Option<usize> = None;
        for (ti, t) in a.tokens.iter().enumerate() {
            if t.kind != TokenKind::Word {
                continue;
            }
            let joined = prev_word.is_some_and(|p| {
                a.tokens[p].sentence == t.sentence
                    && a.tokens[p + 1..ti].iter().all(|x| is_joiner(a.norm_of(x)))
            });
            prev_word = Some(ti);
            let norm = a.norm_of(t);
            let start = syms.len() as u32;
            match scratch.cache.get(norm) {
                Some(s) => syms.extend_from_slice(s),
                None => {
                    let s = self.classify(analyzer, norm);
                    syms.extend_from_slice(&s);
                    scratch.cache.insert(norm.into(), s);
                }
            }
            scratch.words.push(Word { token: ti as u32, syms_start: start, syms_end: syms.len() as u32, joined });
        }

        let words = &scratch.words;
        let mut i = 0;
        while i < words.len() {
            match self.longest_at(words, &syms, i) {
                Some((end, entry)) => {
                    let first = &a.tokens[words[i].token as usize];
                    let last = &a.tokens[words[end - 1].token as usize];
                    hits.push(Hit {
                        entry,
                        word_start: i as u32,
                        word_end: end as u32,
                        byte_start: first.start,
                        byte_end: last.end,
                        sentence: first.sentence,
                        paragraph: first.paragraph,
                        surface: text[first.start as usize..last.end as usize].to_string(),
                    });
                    i = end;
                }
                None => i += 1,
            }
        }
    }

    /// The longest entry starting at word `i`: (end word, entry). Ties in
    /// length go to the more specific entry (exact > stem > wildcard),
    /// then to the one written first.
    fn longest_at(&self, words: &[Word], syms: &[u32], i: usize) -> Option<(usize, u32)> {
        let w = &words[i];
        if w.syms_start == w.syms_end {
            return None;
        }
        let mut best: Option<(usize, u32)> = None;
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for &s in &syms[w.syms_start as usize..w.syms_end as usize] {
            let c = self.child(0, s);
            if c != NONE {
                stack.push((c, i + 1));
            }
        }
        while let Some((node, next)) = stack.pop() {
            if let Some(entry) = self.nodes[node as usize].terminal {
                let better = match best {
                    None => true,
                    Some((bend, bentry)) => {
                        next > bend
                            || (next == bend
                                && (self.entry_rank[entry as usize].0, std::cmp::Reverse(entry))
                                    > (self.entry_rank[bentry as usize].0, std::cmp::Reverse(bentry)))
                    }
                };
                if better {
                    best = Some((next, entry));
                }
            }
            if next < words.len() && words[next].joined && !self.nodes[node as usize].edges.is_empty() {
                let nw = &words[next];
                for &s in &syms[nw.syms_start as usize..nw.syms_end as usize] {
                    let c = self.child(node, s);
                    if c != NONE {
                        stack.push((c, next + 1));
                    }
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEX: &str = r#"
[lexicon]
name = "t"
version = "1"
language = "english"
[categories.behavioural.dependency]
entries = ["welfare dependency", "dependency", "scroung*", "=workless", "benefit culture", "work-shy"]
[categories.structural.labour]
entries = ["low pay", "zero-hours contract", "in-work poverty", "benefit cuts", "cuts"]
"#;

    /// (entry text, surface) for every hit in `text`.
    fn hits(text: &str) -> Vec<(String, String)> {
        let (lex, analyzer) = Lexicon::parse("t", LEX).unwrap();
        let m = Matcher::new(&lex);
        let mut a = Analysis::default();
        analyzer.analyze(text, &mut a);
        let mut out = Vec::new();
        m.find(&analyzer, text, &a, &mut Scratch::default(), &mut out);
        for h in &out {
            assert_eq!(&text[h.byte_start as usize..h.byte_end as usize], h.surface);
        }
        out.iter().map(|h| (lex.entries[h.entry as usize].text.clone(), h.surface.clone())).collect()
    }

    fn pair(e: &str, s: &str) -> (String, String) {
        (e.to_string(), s.to_string())
    }

    #[test]
    fn phrase_beats_word_inside_it() {
        assert_eq!(hits("Welfare dependency and dependency."), [
            pair("welfare dependency", "Welfare dependency"),
            pair("dependency", "dependency"),
        ]);
        assert_eq!(hits("benefit cuts"), [pair("benefit cuts", "benefit cuts")]);
    }

    #[test]
    fn stems_wildcards_and_exact_forms() {
        assert_eq!(hits("Scroungers, the WORKLESS and worklessness; zero-hours contracts"), [
            pair("scroung*", "Scroungers"),
            pair("=workless", "WORKLESS"),
            pair("zero-hours contract", "zero-hours contracts"),
        ]);
        assert_eq!(hits("work shy and work-shy"), [pair("work-shy", "work shy"), pair("work-shy", "work-shy")]);
    }

    #[test]
    fn never_across_sentences_or_commas() {
        assert!(hits("It was low. Pay rose.").is_empty());
        assert!(hits("low, pay").is_empty());
        assert!(hits("low\n\npay").is_empty());
        assert_eq!(hits("in-work\npoverty"), [pair("in-work poverty", "in-work\npoverty")]);
    }

    #[test]
    fn fails_over_to_shorter_match() {
        // "welfare" starts a phrase that does not complete: "dependency" alone still counts.
        assert_eq!(hits("welfare and dependency"), [pair("dependency", "dependency")]);
        assert_eq!(hits("the benefit of cuts"), [pair("cuts", "cuts")]);
    }
}
