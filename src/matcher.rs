//! The compiled lexicon: a trie over token symbols, and matching of an
//! analysed text against it with quanteda's `nested_scope = "dictionary"`
//! semantics (longest first; nested matches dropped).
//!
//! Each distinct normalised word is classified once per worker (a cache:
//! word frequencies are Zipfian) into the symbols it can stand for — its
//! stem, its exact form, the wildcard prefixes it starts with — and the
//! trie is walked over those symbols. Pure: no I/O, no threads.

use crate::analyze::{Analysis, Analyzer};
use crate::lexicon::{Lexicon, Slot, is_joiner};
use crate::model::{Hit, HitStatus, MatchKind, Stance, Token, TokenKind};
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
    /// (glob, symbol), sorted by glob: `?` and inner or leading `*`.
    globs: Vec<(String, u32)>,
    /// Root children indexed by symbol.
    root: Vec<u32>,
    nodes: Vec<Node>,
    /// Per entry: its specificity (used to break ties) and match kind.
    entry_rank: Vec<(u32, MatchKind)>,
    entry_subframe: Vec<u32>,
    /// The next entry with the same pattern (in another sub-frame: a
    /// value listed under several keys counts under each), or `NONE`.
    entry_next: Vec<u32>,
    /// For English: a bit per pair of leading ASCII bytes that some stem,
    /// exact form or prefix starts with. A word whose first two bytes are
    /// not set cannot stand for any symbol, so it skips the word cache.
    /// Sound because the Snowball English stemmer keeps a word's first two
    /// characters (words of up to two letters are their own stem; the
    /// special forms "dying", "lying", "tying" are added explicitly).
    lead: Option<Box<[u64]>>,
}

/// The bit of a word's first two bytes in [`Matcher::lead`]; None when
/// either is not ASCII (such words always take the cache).
#[inline]
fn lead_bit(b: &[u8]) -> Option<usize> {
    let b0 = *b.first()?;
    let b1 = b.get(1).copied().unwrap_or(0);
    (b0 < 0x80 && b1 < 0x80).then_some(((b0 as usize) << 7) | b1 as usize)
}

/// Per-worker scratch: the word → symbols cache, the word list and the
/// candidates of the last text.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Words of up to 16 bytes (almost all), packed into an integer key:
    /// hashing and comparing them is a couple of instructions.
    short: FxHashMap<u128, (u32, u32)>,
    /// Longer words.
    long: FxHashMap<Box<str>, (u32, u32)>,
    /// The symbols of cached words: `(start, end)` above index here.
    arena: Vec<u32>,
    syms: Vec<u32>,
    words: Vec<Word>,
    cands: Vec<Candidate>,
    fates: Vec<Fate>,
    covered: Vec<bool>,
    word_tokens: Vec<u32>,
}

impl Scratch {
    /// Token index of each word position of the last text.
    pub fn word_tokens(&self) -> &[u32] {
        &self.word_tokens
    }

    /// All candidates of the last text, before overlap resolution.
    pub fn candidates(&self) -> &[Candidate] {
        &self.cands
    }
}

/// An entry matching words `start..end` (word-token positions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub start: u32,
    pub end: u32,
    pub entry: u32,
}

/// What happened to a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Kept,
    /// Every word is inside longer (or equal, earlier) kept matches.
    Nested,
    /// Overlaps this kept candidate of the same sub-frame.
    SameFrame(usize),
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
            globs: Vec::new(),
            root: Vec::new(),
            nodes: vec![Node::default()],
            entry_rank: Vec::new(),
            entry_subframe: lexicon.entries.iter().map(|e| e.subframe as u32).collect(),
            entry_next: vec![NONE; lexicon.entries.len()],
            lead: None,
        };
        let mut next_sym = 0u32;
        let mut prefix_syms: FxHashMap<String, u32> = FxHashMap::default();
        let mut glob_syms: FxHashMap<String, u32> = FxHashMap::default();
        // The last entry chained at each terminal node.
        let mut chain_end: FxHashMap<usize, u32> = FxHashMap::default();
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
                    Slot::Glob(s) => {
                        if kind == MatchKind::Stem {
                            kind = MatchKind::Wildcard;
                        }
                        (&mut glob_syms, s, 1)
                    }
                };
                rank += weight;
                let sym = *map.entry(key.clone()).or_insert_with(|| {
                    next_sym += 1;
                    next_sym - 1
                });
                node = m.child_or_insert(node, sym);
            }
            // Validation rejects a pattern twice in one sub-frame; in
            // several sub-frames, each entry is a candidate.
            match m.nodes[node].terminal {
                None => m.nodes[node].terminal = Some(ei as u32),
                Some(first) => {
                    let last = chain_end.get(&node).copied().unwrap_or(first);
                    m.entry_next[last as usize] = ei as u32;
                }
            }
            chain_end.insert(node, ei as u32);
            m.entry_rank.push((rank, kind));
        }
        m.prefixes = prefix_syms.into_iter().collect();
        m.prefixes.sort();
        m.globs = glob_syms.into_iter().collect();
        m.globs.sort();
        if lexicon.language == "english" {
            m.lead = Some(m.lead_table());
        }
        m
    }

    fn lead_table(&self) -> Box<[u64]> {
        let mut bits = vec![0u64; (128 * 128) / 64].into_boxed_slice();
        let mut set = |b: &[u8]| {
            if let Some(i) = lead_bit(b) {
                bits[i / 64] |= 1 << (i % 64);
            }
        };
        let all_with = |b0: u8, set: &mut dyn FnMut(&[u8])| {
            for b1 in 0u8..128 {
                set(&[b0, b1]);
            }
        };
        for (key, is_stem) in self
            .stems
            .keys()
            .map(|k| (k, true))
            .chain(self.exacts.keys().map(|k| (k, false)))
        {
            let b = key.as_bytes();
            if is_stem && b.len() <= 2 && !b.is_empty() {
                // A stem this short might come from a longer word
                // ("aed" → "a"): allow any second byte.
                all_with(b[0], &mut set);
            }
            set(b);
            // "dying" → "die", "lying" → "lie", "tying" → "tie".
            match b {
                [b'd', b'i', ..] => set(b"dy"),
                [b'l', b'i', ..] => set(b"ly"),
                [b't', b'i', ..] => set(b"ty"),
                _ => {}
            }
            if !b.is_empty() && !b[0].is_ascii() {
                // Not representable: the table cannot rule anything out.
                return vec![u64::MAX; (128 * 128) / 64].into_boxed_slice();
            }
        }
        for (g, _) in &self.globs {
            // The literal start of a glob, up to its first wildcard.
            let lit = g.split(['*', '?']).next().unwrap_or("");
            match lit.as_bytes() {
                [] => return vec![u64::MAX; (128 * 128) / 64].into_boxed_slice(),
                [b0] => all_with(*b0, &mut set),
                b => set(b),
            }
        }
        for (p, _) in &self.prefixes {
            match p.as_bytes() {
                [] => return vec![u64::MAX; (128 * 128) / 64].into_boxed_slice(),
                [b0] => all_with(*b0, &mut set),
                b => set(b),
            }
        }
        bits
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

    /// The arena range of the symbols `norm` stands for, classifying it
    /// on first sight.
    #[inline]
    /// The symbols of a word: `a.norm_of(t)`.
    fn symbols_of(
        &self,
        analyzer: &Analyzer,
        a: &Analysis,
        t: &Token,
        scratch: &mut Scratch,
    ) -> (u32, u32) {
        let norm = a.norm_of(t);
        let b = norm.as_bytes();
        if let (Some(lead), Some(i)) = (&self.lead, lead_bit(b)) {
            if lead[i / 64] & (1 << (i % 64)) == 0 {
                return (0, 0);
            }
        }
        if let Some(key) = a.short_key(t) {
            if let Some(&r) = scratch.short.get(&key) {
                return r;
            }
            let r = self.classify_into(analyzer, norm, &mut scratch.arena);
            scratch.short.insert(key, r);
            r
        } else {
            if let Some(&r) = scratch.long.get(norm) {
                return r;
            }
            let r = self.classify_into(analyzer, norm, &mut scratch.arena);
            scratch.long.insert(norm.into(), r);
            r
        }
    }

    fn classify_into(&self, analyzer: &Analyzer, norm: &str, arena: &mut Vec<u32>) -> (u32, u32) {
        let s = self.classify(analyzer, norm);
        let start = arena.len() as u32;
        arena.extend_from_slice(&s);
        (start, arena.len() as u32)
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
        for (glob, s) in &self.globs {
            if crate::lexicon::glob_matches(glob, norm) {
                syms.push(*s);
            }
        }
        syms.into_boxed_slice()
    }

    pub fn match_kind(&self, entry: u32) -> MatchKind {
        self.entry_rank[entry as usize].1
    }

    /// Find every hit in an analysed text (see [`Matcher::resolve`] for
    /// which overlapping matches count), never across a sentence boundary
    /// or punctuation other than hyphens and apostrophes. Hits are appended
    /// to `hits` in text order, endorsed and counted until
    /// [`crate::stance`] says otherwise.
    pub fn find(
        &self,
        analyzer: &Analyzer,
        text: &str,
        a: &Analysis,
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
    ) {
        if scratch.short.len() + scratch.long.len() > CACHE_LIMIT {
            scratch.short.clear();
            scratch.long.clear();
            scratch.arena.clear();
        }
        scratch.words.clear();
        scratch.word_tokens.clear();
        let mut syms = std::mem::take(&mut scratch.syms);
        syms.clear();
        let mut prev_word: Option<usize> = None;
        for (ti, t) in a.tokens.iter().enumerate() {
            if t.kind != TokenKind::Word {
                continue;
            }
            // Joined: same sentence, and between the words only whitespace,
            // or one hyphen or apostrophe touching both ("zero-hours"; not
            // "low - pay" or "low -- pay").
            // Only read when a phrase runs on from the previous word, which
            // then stands for a symbol: not worth computing otherwise.
            let prev_syms = scratch
                .words
                .last()
                .is_some_and(|w| w.syms_end > w.syms_start);
            let joined = prev_syms
                && prev_word.is_some_and(|p| {
                    let between = &a.tokens[p + 1..ti];
                    a.tokens[p].sentence == t.sentence
                        && match between {
                            [] => true,
                            [j] => {
                                is_joiner(a.norm_of(j))
                                    && j.start == a.tokens[p].end
                                    && j.end == t.start
                                    && a.norm_of(j).chars().count() == 1
                            }
                            _ => false,
                        }
                });
            prev_word = Some(ti);
            let start = syms.len() as u32;
            let (a0, a1) = self.symbols_of(analyzer, a, t, scratch);
            if a1 > a0 {
                syms.extend_from_slice(&scratch.arena[a0 as usize..a1 as usize]);
            }
            scratch.words.push(Word {
                token: ti as u32,
                syms_start: start,
                syms_end: syms.len() as u32,
                joined,
            });
            scratch.word_tokens.push(ti as u32);
        }

        let words = &scratch.words;
        scratch.cands.clear();
        for i in 0..words.len() {
            self.candidates_at(words, &syms, i, &mut scratch.cands);
        }
        self.resolve(
            &scratch.cands,
            words.len(),
            &mut scratch.covered,
            &mut scratch.fates,
        );
        let first_hit = hits.len();
        for (c, fate) in scratch.cands.iter().zip(&scratch.fates) {
            if *fate != Fate::Kept {
                continue;
            }
            let first = &a.tokens[words[c.start as usize].token as usize];
            let last = &a.tokens[words[c.end as usize - 1].token as usize];
            hits.push(Hit {
                entry: c.entry,
                word_start: c.start,
                word_end: c.end,
                byte_start: first.start,
                byte_end: last.end,
                sentence: first.sentence,
                paragraph: first.paragraph,
                surface: text[first.start as usize..last.end as usize].to_string(),
                stance: Stance::Endorsed,
                stance_rule: String::new(),
                status: HitStatus::Counted,
            });
        }
        hits[first_hit..].sort_by_key(|h| {
            (
                h.word_start,
                h.word_end,
                self.entry_subframe[h.entry as usize],
                h.entry,
            )
        });
        scratch.syms = syms;
    }

    /// Every entry that matches starting at word `i` (all lengths).
    fn candidates_at(&self, words: &[Word], syms: &[u32], i: usize, out: &mut Vec<Candidate>) {
        let w = &words[i];
        if w.syms_start == w.syms_end {
            return;
        }
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for &s in &syms[w.syms_start as usize..w.syms_end as usize] {
            let c = self.child(0, s);
            if c != NONE {
                stack.push((c, i + 1));
            }
        }
        while let Some((node, next)) = stack.pop() {
            let mut entry = self.nodes[node as usize].terminal.unwrap_or(NONE);
            while entry != NONE {
                out.push(Candidate {
                    start: i as u32,
                    end: next as u32,
                    entry,
                });
                entry = self.entry_next[entry as usize];
            }
            if next < words.len()
                && words[next].joined
                && !self.nodes[node as usize].edges.is_empty()
            {
                let nw = &words[next];
                for &s in &syms[nw.syms_start as usize..nw.syms_end as usize] {
                    let c = self.child(node, s);
                    if c != NONE {
                        stack.push((c, next + 1));
                    }
                }
            }
        }
    }

    /// Decide which candidates are kept, with quanteda's
    /// `nested_scope = "dictionary"` rule: longest first, then leftmost; a
    /// candidate whose words are all inside kept matches is dropped
    /// (nested), and so is one that overlaps a kept match of the same
    /// sub-frame. Candidates with the same span are judged together, so
    /// different sub-frames matching the same words all count; within a
    /// sub-frame the more specific entry (exact > stem > wildcard), then
    /// the one written first, is kept.
    pub fn resolve(
        &self,
        cands: &[Candidate],
        n_words: usize,
        covered: &mut Vec<bool>,
        fates: &mut Vec<Fate>,
    ) {
        covered.clear();
        covered.resize(n_words, false);
        fates.clear();
        fates.resize(cands.len(), Fate::Nested);
        let mut order: Vec<usize> = (0..cands.len()).collect();
        order.sort_by_key(|&k| {
            let c = &cands[k];
            let e = c.entry as usize;
            (
                std::cmp::Reverse(c.end - c.start),
                c.start,
                self.entry_subframe[e],
                std::cmp::Reverse(self.entry_rank[e].0),
                c.entry,
            )
        });
        // Kept spans per sub-frame, for the same-sub-frame overlap rule.
        // Spans kept in one sub-frame never overlap each other, so an
        // ordered map by start finds the ones a candidate overlaps in
        // O(log n) (a list scan made a long sentence quadratic).
        let mut kept: FxHashMap<u32, KeptSpans> = FxHashMap::default();
        let mut seq = 0usize;
        let mut g = 0;
        while g < order.len() {
            let (start, end) = (cands[order[g]].start, cands[order[g]].end);
            let mut h = g;
            while h < order.len() && cands[order[h]].start == start && cands[order[h]].end == end {
                h += 1;
            }
            let nested = covered[start as usize..end as usize].iter().all(|&c| c);
            for &k in &order[g..h] {
                if nested {
                    fates[k] = Fate::Nested;
                    continue;
                }
                let sub = self.entry_subframe[cands[k].entry as usize];
                let same = kept.entry(sub).or_default();
                match same.first_overlapping(start, end) {
                    Some(o) => fates[k] = Fate::SameFrame(o),
                    None => {
                        fates[k] = Fate::Kept;
                        same.insert(start, (end, seq, k));
                        seq += 1;
                    }
                }
            }
            for &k in &order[g..h] {
                if fates[k] == Fate::Kept {
                    covered[start as usize..end as usize]
                        .iter_mut()
                        .for_each(|c| *c = true);
                }
            }
            g = h;
        }
    }

    /// The candidates and their fates from the last [`Matcher::find`].
    pub fn last<'s>(&self, scratch: &'s Scratch) -> impl Iterator<Item = (&'s Candidate, Fate)> {
        scratch.cands.iter().zip(scratch.fates.iter().copied())
    }
}

/// The spans kept in one sub-frame, disjoint, by start: (end, order
/// kept, candidate).
type KeptSpans = std::collections::BTreeMap<u32, (u32, usize, usize)>;

trait FirstOverlapping {
    /// The earliest-kept span that overlaps `start..end`, if any.
    fn first_overlapping(&self, start: u32, end: u32) -> Option<usize>;
}

impl FirstOverlapping for KeptSpans {
    fn first_overlapping(&self, start: u32, end: u32) -> Option<usize> {
        // Disjoint spans sorted by start have sorted ends too: walk back
        // from the last span starting before `end` while spans still
        // reach past `start`.
        self.range(..end)
            .rev()
            .take_while(|(_, (e, _, _))| *e > start)
            .min_by_key(|(_, (_, order, _))| *order)
            .map(|(_, (_, _, k))| *k)
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
        out.iter()
            .map(|h| {
                (
                    lex.entries[h.entry as usize].text.clone(),
                    h.surface.clone(),
                )
            })
            .collect()
    }

    fn pair(e: &str, s: &str) -> (String, String) {
        (e.to_string(), s.to_string())
    }

    #[test]
    fn phrase_beats_word_inside_it() {
        assert_eq!(
            hits("Welfare dependency and dependency."),
            [
                pair("welfare dependency", "Welfare dependency"),
                pair("dependency", "dependency"),
            ]
        );
        assert_eq!(hits("benefit cuts"), [pair("benefit cuts", "benefit cuts")]);
    }

    #[test]
    fn stems_wildcards_and_exact_forms() {
        assert_eq!(
            hits("Scroungers, the WORKLESS and worklessness; zero-hours contracts"),
            [
                pair("scroung*", "Scroungers"),
                pair("=workless", "WORKLESS"),
                pair("zero-hours contract", "zero-hours contracts"),
            ]
        );
        assert_eq!(
            hits("work shy and work-shy"),
            [pair("work-shy", "work shy"), pair("work-shy", "work-shy")]
        );
    }

    #[test]
    fn never_across_sentences_or_commas() {
        assert!(hits("It was low. Pay rose.").is_empty());
        assert!(hits("low, pay").is_empty());
        assert!(hits("low\n\npay").is_empty());
        assert!(hits("Wages are low -- pay rises never came.").is_empty());
        assert!(hits("low - pay").is_empty());
        assert_eq!(
            hits("in-work\npoverty"),
            [pair("in-work poverty", "in-work\npoverty")]
        );
    }

    #[test]
    fn fails_over_to_shorter_match() {
        // "welfare" starts a phrase that does not complete: "dependency" alone still counts.
        assert_eq!(
            hits("welfare and dependency"),
            [pair("dependency", "dependency")]
        );
        assert_eq!(hits("the benefit of cuts"), [pair("cuts", "cuts")]);
    }
}

/// quanteda's `tokens_lookup(nested_scope = "dictionary")` on exact and
/// glob entries, worked by hand from its source (`src/tokens_lookup.cpp`):
/// keys are sub-frames here.
#[cfg(test)]
mod quanteda_semantics {
    use super::*;

    fn counts(entries: &[(&str, &[&str])], text: &str) -> Vec<(String, usize)> {
        let mut toml = String::from(
            "[lexicon]\nname = \"q\"\nversion = \"1\"\nlanguage = \"english\"\n[categories.structural.unused]\nentries = [\"=zzzz\"]\n",
        );
        for (key, values) in entries {
            let list: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
            toml.push_str(&format!(
                "[categories.behavioural.{key}]\nentries = [{}]\n",
                list.join(", ")
            ));
        }
        let (lex, analyzer) = Lexicon::parse("q", &toml).unwrap();
        let m = Matcher::new(&lex);
        let mut a = Analysis::default();
        analyzer.analyze(text, &mut a);
        let mut hits = Vec::new();
        m.find(&analyzer, text, &a, &mut Scratch::default(), &mut hits);
        entries
            .iter()
            .map(|(key, _)| {
                let n = hits
                    .iter()
                    .filter(|h| lex.subframes[lex.entries[h.entry as usize].subframe].name == *key)
                    .count();
                (key.to_string(), n)
            })
            .collect()
    }

    fn expect(pairs: &[(&str, usize)]) -> Vec<(String, usize)> {
        pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }

    #[test]
    fn phrase_inside_phrase_of_another_key_is_dropped() {
        assert_eq!(
            counts(
                &[("a", &["=united states"]), ("b", &["=states"])],
                "the united states"
            ),
            expect(&[("a", 1), ("b", 0)])
        );
    }

    #[test]
    fn partial_overlap_across_keys_counts_both() {
        assert_eq!(
            counts(&[("a", &["=low pay"]), ("b", &["=pay gap"])], "low pay gap"),
            expect(&[("a", 1), ("b", 1)])
        );
        // Covered by two kept matches together: dropped.
        assert_eq!(
            counts(
                &[("a", &["=x a b"]), ("b", &["=c d y"]), ("c", &["=b c"])],
                "x a b c d y"
            ),
            expect(&[("a", 1), ("b", 1), ("c", 0)])
        );
    }

    #[test]
    fn overlap_within_a_key_counts_once_longest_first() {
        assert_eq!(
            counts(&[("a", &["=a b", "=b c"]), ("b", &["=b"])], "a b c"),
            expect(&[("a", 1), ("b", 0)])
        );
        assert_eq!(
            counts(&[("a", &["=a b", "=b c d"])], "a b c d"),
            expect(&[("a", 1)])
        );
        assert_eq!(
            counts(&[("a", &["=united", "=united states"])], "united states"),
            expect(&[("a", 1)])
        );
    }

    #[test]
    fn repeated_hits_and_globs() {
        assert_eq!(counts(&[("a", &["=a b"])], "a b a b"), expect(&[("a", 2)]));
        assert_eq!(
            counts(
                &[
                    ("paper", &["=new york times"]),
                    ("city", &["=new york"]),
                    ("law", &["law*"])
                ],
                "The New York Times is a New York paper on Laws and outlaw"
            ),
            expect(&[("paper", 1), ("city", 1), ("law", 1)])
        );
    }

    #[test]
    fn phrases_never_cross_a_sentence_end() {
        // quanteda's tokens have no sentences; framewatch adds this rule.
        assert_eq!(
            counts(&[("a", &["=low pay"])], "It was low. Pay rose."),
            expect(&[("a", 0)])
        );
    }

    #[test]
    fn first_overlapping_is_the_earliest_kept_span_it_overlaps() {
        let mut kept = KeptSpans::new();
        // Kept in this order: 6..9, 0..3, 3..6 (disjoint).
        kept.insert(6, (9, 0, 60));
        kept.insert(0, (3, 1, 0));
        kept.insert(3, (6, 2, 30));
        assert_eq!(kept.first_overlapping(2, 4), Some(0)); // 0..3 and 3..6
        assert_eq!(kept.first_overlapping(5, 7), Some(60)); // 3..6 and 6..9
        assert_eq!(kept.first_overlapping(0, 9), Some(60)); // all three
        assert_eq!(kept.first_overlapping(4, 5), Some(30));
        assert_eq!(kept.first_overlapping(9, 12), None);
        assert_eq!(KeptSpans::new().first_overlapping(0, 1), None);
    }
}
