//! Stance and context, decided after matching: does the author endorse a
//! framing, negate it ("not lazy") or hold it at a distance (quotation
//! marks, "so-called", "the myth of", "critics argue that")? And does an
//! entry that needs poverty or welfare talk nearby have it?
//!
//! The rules are data, read from the lexicon's `[stance]` table
//! ([`StanceRules`]). Pure: no I/O.

use crate::analyze::{Analysis, Analyzer};
use crate::lexicon::{Lexicon, StanceRules};
use crate::matcher::Candidate;
use crate::model::{Hit, HitStatus, Stance, TokenKind};

/// Byte ranges between matching quotation marks, within paragraphs.
/// Unbalanced marks open no range. Apostrophes inside words ("don't",
/// "workers' rights") and elisions ("'90s") are not quotation marks; a
/// straight single quote must close in its sentence; no range is longer
/// than [`MAX_QUOTE_WORDS`] words.
pub fn quote_regions(text: &str, a: &Analysis) -> Vec<(u32, u32)> {
    let mut regions = Vec::new();
    scan_quotes(text, a, 0, a.tokens.len(), &mut regions);
    trusted(a, regions)
}

/// [`quote_regions`] of the given paragraphs only (in increasing order):
/// regions never cross a paragraph, so the regions that can hold a hit
/// are those of the hits' paragraphs.
pub fn quote_regions_of(
    text: &str,
    a: &Analysis,
    paragraphs: impl IntoIterator<Item = u32>,
) -> Vec<(u32, u32)> {
    let mut regions = Vec::new();
    let mut last = None;
    for p in paragraphs {
        if last == Some(p) {
            continue;
        }
        last = Some(p);
        let lo = a.tokens.partition_point(|t| t.paragraph < p);
        let hi = a.tokens.partition_point(|t| t.paragraph <= p);
        scan_quotes(text, a, lo, hi, &mut regions);
    }
    trusted(a, regions)
}

/// Find the quotation-mark pairs in the tokens `lo..hi` (whole
/// paragraphs). Quotation marks are neither word characters nor
/// whitespace, so every mark lies inside a punctuation token: only their
/// bytes are visited, each once, in order.
fn scan_quotes(
    text: &str,
    a: &Analysis,
    lo: usize,
    hi: usize,
    regions: &mut Vec<(u32, u32, char)>,
) {
    // Open marks: (the opening mark, byte offset after it).
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut paragraph = None;
    let bytes = text.as_bytes();
    let mut cursor = 0usize;
    // Only quotation-mark characters are visited: '"', '\'', and the
    // multi-byte marks, which start with 0xC2 («, »), 0xE2 (‘ ’ “ ” „ ‚ ‹ ›)
    // or 0xE3 (「 」 『 』).
    let punct = a.tokens[lo..hi]
        .iter()
        .filter(|t| t.kind == TokenKind::Punct);
    for i in punct.flat_map(|t| {
        let from = cursor.max(t.start as usize);
        cursor = cursor.max(t.end as usize);
        from..t.end as usize
    }) {
        let byte = bytes[i];
        if !matches!(byte, b'"' | b'\'' | 0xC2 | 0xE2 | 0xE3) {
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            continue;
        };
        if !is_quote(c) {
            continue;
        }
        // A new paragraph drops open marks.
        let t = a.tokens.partition_point(|t| t.end as usize <= i);
        if let Some(tok) = a.tokens.get(t) {
            if paragraph != Some(tok.paragraph) {
                paragraph = Some(tok.paragraph);
                open.clear();
            }
        }
        let prev = text[..i].chars().next_back();
        let after = i + c.len_utf8();
        let next = text[after..].chars().next();
        let space_before = prev.is_none_or(|p| {
            p.is_whitespace() || matches!(p, '(' | '[' | '{' | '-' | '/' | '\u{2013}' | '\u{2014}')
        });
        let space_after = next.is_none_or(|n| {
            n.is_whitespace()
                || matches!(
                    n,
                    '.' | ','
                        | ';'
                        | ':'
                        | '!'
                        | '?'
                        | ')'
                        | ']'
                        | '}'
                        | '-'
                        | '\u{2013}'
                        | '\u{2014}'
                        | '\u{2026}'
                )
                || is_quote(n)
        });
        let letter = |x: Option<char>| x.is_some_and(char::is_alphanumeric);
        let closes = |openers: &[char], open: &[(char, usize)]| {
            open.iter().any(|(o, _)| openers.contains(o))
        };
        match c {
            // “ closes a German „ quote, else opens an English one; ‘ likewise for ‚.
            '\u{201C}' if closes(&['\u{201E}'], &open) => {
                close_mark(&mut open, regions, &['\u{201E}'], i)
            }
            '\u{2018}' if closes(&['\u{201A}'], &open) => {
                close_mark(&mut open, regions, &['\u{201A}'], i)
            }
            '\u{201C}' | '\u{201E}' | '\u{00AB}' | '\u{300C}' | '\u{300E}' | '\u{2039}'
            | '\u{2018}' | '\u{201A}' => push_open(&mut open, (c, after)),
            '\u{201D}' => close_mark(&mut open, regions, &['\u{201C}', '\u{201E}'], i),
            '\u{00BB}' => close_mark(&mut open, regions, &['\u{00AB}'], i),
            '\u{300D}' => close_mark(&mut open, regions, &['\u{300C}'], i),
            '\u{300F}' => close_mark(&mut open, regions, &['\u{300E}'], i),
            '\u{203A}' => close_mark(&mut open, regions, &['\u{2039}'], i),
            // An apostrophe inside a word, or closing a ‘ or ‚ quote.
            '\u{2019}'
                if !(letter(prev) && letter(next))
                    && space_after
                    && closes(&['\u{2018}', '\u{201A}'], &open) =>
            {
                close_mark(&mut open, regions, &['\u{2018}', '\u{201A}'], i);
            }
            '"' | '\'' => {
                let is_open = closes(&[c], &open);
                if is_open && !space_before && space_after {
                    close_mark(&mut open, regions, &[c], i);
                } else if space_before
                    && !space_after
                    && !(c == '\'' && (letter(prev) || next.is_some_and(|n| n.is_ascii_digit())))
                {
                    // ('90s is an elision, not a quotation.)
                    push_open(&mut open, (c, after));
                } else if c == '"' && is_open {
                    close_mark(&mut open, regions, &[c], i);
                }
            }
            _ => {}
        }
    }
}

/// Keep the regions that read as quotations, sorted.
fn trusted(a: &Analysis, mut regions: Vec<(u32, u32, char)>) -> Vec<(u32, u32)> {
    // Trust only what reads as a quotation: a straight single quote must
    // close within its sentence, and no region may run past MAX_QUOTE_WORDS
    // words (a stray mark would otherwise swallow a page).
    let sentence_at = |at: u32| {
        a.tokens
            .get(a.tokens.partition_point(|t| t.end <= at))
            .map(|t| t.sentence)
    };
    // Counts at most one word past the limit: a long region costs no more
    // than a short one.
    let words_in = |s: u32, e: u32| {
        let lo = a.tokens.partition_point(|t| t.start < s);
        let hi = a.tokens.partition_point(|t| t.start < e);
        a.tokens[lo..hi]
            .iter()
            .filter(|t| t.kind == TokenKind::Word)
            .take(MAX_QUOTE_WORDS + 1)
            .count()
    };
    regions.retain(|&(s, e, opener)| {
        (opener != '\'' || sentence_at(s) == sentence_at(e.saturating_sub(1)))
            && words_in(s, e) <= MAX_QUOTE_WORDS
    });
    let mut out: Vec<(u32, u32)> = regions.into_iter().map(|(s, e, _)| (s, e)).collect();
    out.sort_unstable();
    out
}

/// The longest stretch of words a pair of quotation marks may enclose.
pub const MAX_QUOTE_WORDS: usize = 60;

/// Most quotation marks left open at once in a paragraph; past it the
/// oldest is forgotten. Real text nests two or three; without a bound, a
/// paragraph of stray marks would make every mark scan all before it.
const MAX_OPEN_QUOTES: usize = 32;

fn push_open(open: &mut Vec<(char, usize)>, mark: (char, usize)) {
    if open.len() == MAX_OPEN_QUOTES {
        open.remove(0);
    }
    open.push(mark);
}

/// Quotation regions (sorted by start, nested or disjoint) with the
/// running maximum of their ends, so "is this span inside a quotation" is
/// one binary search.
struct Quotes {
    regions: Vec<(u32, u32)>,
    max_end: Vec<u32>,
}

impl Quotes {
    fn new(regions: Vec<(u32, u32)>) -> Quotes {
        let max_end = regions
            .iter()
            .scan(0u32, |m, &(_, e)| {
                *m = (*m).max(e);
                Some(*m)
            })
            .collect();
        Quotes { regions, max_end }
    }

    /// Whether some region holds all of `start..end`.
    fn contains(&self, start: u32, end: u32) -> bool {
        let n = self.regions.partition_point(|&(s, _)| s <= start);
        n > 0 && self.max_end[n - 1] >= end
    }

    /// The starts of the regions that hold all of `start..end`, innermost
    /// first.
    fn holding(&self, start: u32, end: u32) -> impl Iterator<Item = u32> + '_ {
        let n = self.regions.partition_point(|&(s, _)| s <= start);
        (0..n)
            .rev()
            .take_while(move |&k| self.max_end[k] >= end)
            .filter(move |&k| self.regions[k].1 >= end)
            .map(move |k| self.regions[k].0)
    }
}

/// Where reported speech is in one sentence, found once per sentence that
/// holds a hit: each reporting verb followed by "that" one or two words
/// on ("critics claim that ..."), and each verb of saying with a bare
/// clause after it ("the minister said the scheme ..."), not after "I" or
/// "we" and not in an adopted citation ("As Lincoln said, ..."); and a
/// trailing attribution ("..., the minister said."), which reports what
/// comes before it.
#[derive(Default)]
struct Reported {
    sentence: Option<u32>,
    /// (verb position, first word of the reported clause).
    verbs: Vec<(usize, usize)>,
    /// A trailing attribution: (first word of the attribution, verb);
    /// hits ending at or before that word are reported.
    trailing: Option<(usize, usize)>,
}
fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201A}'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{00AB}'
            | '\u{00BB}'
            | '\u{2039}'
            | '\u{203A}'
            | '\u{300C}'
            | '\u{300D}'
            | '\u{300E}'
            | '\u{300F}'
    )
}

fn close_mark(
    open: &mut Vec<(char, usize)>,
    regions: &mut Vec<(u32, u32, char)>,
    openers: &[char],
    at: usize,
) {
    if let Some(pos) = open.iter().rposition(|(o, _)| openers.contains(o)) {
        let (opener, start) = open[pos];
        open.truncate(pos);
        regions.push((start as u32, at as u32, opener));
    }
}

/// Decides stance and context for the hits of one text.
pub struct Annotator<'a> {
    pub lexicon: &'a Lexicon,
    pub analyzer: &'a Analyzer,
}

impl Annotator<'_> {
    /// Set `stance`, `stance_rule` and `status` on every hit. `words` maps
    /// word positions to token indices; `candidates` are all matches before
    /// overlap resolution (context terms count even inside other matches).
    pub fn annotate(
        &self,
        text: &str,
        a: &Analysis,
        words: &[u32],
        candidates: &[Candidate],
        hits: &mut [Hit],
    ) {
        if hits.is_empty() {
            return;
        }
        let rules = &self.lexicon.stance;
        let quotes = Quotes::new(if rules.quotes {
            quote_regions_of(text, a, hits.iter().map(|h| h.paragraph))
        } else {
            Vec::new()
        });
        let context: Vec<(u32, u32)> = match self.lexicon.context_category {
            Some(cat) => {
                let mut v: Vec<(u32, u32)> = candidates
                    .iter()
                    .filter(|c| {
                        self.lexicon.subframes[self.lexicon.entries[c.entry as usize].subframe]
                            .category
                            == cat
                    })
                    .map(|c| (c.start, c.end))
                    .collect();
                v.sort_unstable();
                v
            }
            None => Vec::new(),
        };
        let longest_context = context.iter().map(|&(s, e)| e - s).max().unwrap_or(0);
        // Hits come sorted by start, so the hits of a sentence are
        // consecutive; remember where the sentence's earlier hits ended.
        let mut ends: std::collections::BTreeSet<u32> = Default::default();
        let mut ends_sentence = None;
        let mut reported = Reported::default();
        for h in hits.iter_mut() {
            if ends_sentence != Some(h.sentence) {
                ends_sentence = Some(h.sentence);
                ends.clear();
            }
            let end = h.word_end;
            let entry = &self.lexicon.entries[h.entry as usize];
            if Some(self.lexicon.subframes[entry.subframe].category)
                == self.lexicon.context_category
            {
                ends.insert(end);
                continue; // context terms mark a topic, not a framing: no stance
            }
            // A cue before an earlier hit in the sentence belongs to that hit;
            // hits on the same words (other sub-frames) share their cue.
            let floor = ends
                .range(..=h.word_start)
                .next_back()
                .map_or(0, |&e| e as usize);
            ends.insert(end);
            let (stance, rule) =
                self.stance_of(text, a, words, rules, &quotes, &mut reported, floor, h);
            h.stance = stance;
            h.stance_rule = rule;
            if entry.context_required && !self.has_context(a, words, &context, longest_context, h) {
                h.status = HitStatus::NoContext;
            }
        }
    }

    /// `context`: the context terms' word spans, sorted; none is longer
    /// than `longest` words.
    fn has_context(
        &self,
        a: &Analysis,
        words: &[u32],
        context: &[(u32, u32)],
        longest: u32,
        h: &Hit,
    ) -> bool {
        let w = self.lexicon.context_window as u32;
        let lo = h.word_start.saturating_sub(w);
        let hi = h.word_end + w;
        // Only spans starting within `longest` words before `lo` can reach it.
        let from = context.partition_point(|&(s, _)| s + longest <= lo);
        let to = context.partition_point(|&(s, _)| s < hi);
        context[from..to.max(from)]
            .iter()
            .any(|&(s, e)| e > lo && a.tokens[words[s as usize] as usize].paragraph == h.paragraph)
    }

    /// The reported speech of the sentence of `h` (see [`Reported`]),
    /// computed on the sentence's first hit.
    fn reported<'r>(
        &self,
        a: &Analysis,
        words: &[u32],
        rules: &StanceRules,
        reported: &'r mut Reported,
        h: &Hit,
    ) -> &'r Reported {
        if reported.sentence == Some(h.sentence) {
            return reported;
        }
        reported.sentence = Some(h.sentence);
        reported.verbs.clear();
        reported.trailing = None;
        let tok = |w: usize| &a.tokens[words[w] as usize];
        let same_sentence = |w: usize| tok(w).sentence == h.sentence;
        let norm = |w: usize| a.norm_of(tok(w));
        let mut first = h.word_start as usize;
        while first > 0 && same_sentence(first - 1) {
            first -= 1;
        }
        let mut last = h.word_start as usize;
        while last + 1 < words.len() && same_sentence(last + 1) {
            last += 1;
        }
        // Punctuation between word w-1 and word w breaks the clause.
        // An apostrophe inside a word ("we'll") is not a quotation mark.
        let break_before = |w: usize| {
            let (prev, next) = (words[w - 1] as usize, words[w] as usize);
            w == first
                || a.tokens[prev + 1..next].iter().any(|t| {
                    let joined = next == prev + 2
                        && a.tokens[prev].end == t.start
                        && t.end == a.tokens[next].start;
                    t.kind == TokenKind::Punct
                        && (is_clause_break(a.norm_of(t))
                            || (!joined && a.norm_of(t).chars().any(is_quote)))
                })
        };
        let first_person =
            |from: usize, to: usize| (from..to).any(|k| matches!(norm(k), "i" | "we"));
        let stem_in = |v: usize, list: &[String]| {
            // A stem is a prefix of its word but for its last letter ("deny"
            // → "deni"): test that cheaply before stemming.
            let n = norm(v);
            let could_be = |r: &String| {
                r.char_indices()
                    .last()
                    .is_none_or(|(i, _)| n.starts_with(&r[..i]))
            };
            list.iter().any(could_be) && list.contains(&self.analyzer.stem(n).into_owned())
        };
        for v in first..=last {
            let reporting = stem_in(v, &rules.reporting_verbs);
            let speech = !reporting && stem_in(v, &rules.speech_verbs);
            if !(reporting || speech) {
                continue;
            }
            // The verb's clause: back to the last clause break.
            let mut clause = v;
            while clause > first && !break_before(clause) {
                clause -= 1;
            }
            // "we argue", "we will continue to argue", "I would insist".
            let subject_is_us = first_person(v.saturating_sub(4).max(clause), v);
            // "As Lincoln said, ...": a citation the speaker adopts.
            let adopted = norm(clause) == "as";
            if subject_is_us || adopted {
                continue;
            }
            let that = (v + 1..(v + 3).min(last + 1)).find(|&k| norm(k) == "that");
            match that {
                Some(that) => reported.verbs.push((v, that + 1)),
                // A verb of saying reports the clause right after it; a
                // reporting verb ("claims") needs "that".
                None if speech && v < last && !break_before(v + 1) => {
                    reported.verbs.push((v, v + 1))
                }
                None => {}
            }
        }
        // "..., the minister said." / "..., said Mr Smith." / "..., he added":
        // at most 6 words after the sentence's last clause break, holding a
        // verb of saying or reporting and no "I"/"we".
        let mut tail = last;
        while tail > first && !break_before(tail) {
            tail -= 1;
        }
        if tail > first && last - tail < 6 && !first_person(tail, last + 1) {
            reported.trailing = (tail..=last)
                .find(|&v| stem_in(v, &rules.speech_verbs) || stem_in(v, &rules.reporting_verbs))
                .map(|v| (tail, v));
        }
        reported
    }

    /// `floor`: the word where the previous hit in the sentence ended; a
    /// cue before it belongs to that hit ("so-called scroungers or
    /// welfare dependency" distances only "scroungers").
    #[allow(clippy::too_many_arguments)]
    fn stance_of(
        &self,
        text: &str,
        a: &Analysis,
        words: &[u32],
        rules: &StanceRules,
        quotes: &Quotes,
        reported: &mut Reported,
        floor: usize,
        h: &Hit,
    ) -> (Stance, String) {
        let ws = h.word_start as usize;
        let tok = |w: usize| &a.tokens[words[w] as usize];
        let same_sentence = |w: usize| tok(w).sentence == h.sentence;
        let norm = |w: usize| a.norm_of(tok(w));
        if quotes.contains(h.byte_start, h.byte_end)
            && !quotes
                .holding(h.byte_start, h.byte_end)
                .any(|start| self.own_words(a, words, rules, start))
        {
            return (Stance::Distanced, "quote".into());
        }
        let stem = |w: usize| self.analyzer.stem(norm(w)).into_owned();
        // Stems of the words a cue may cover, computed once.
        let max_cue = rules
            .cues
            .iter()
            .map(|c| c.pattern.len())
            .max()
            .unwrap_or(0);
        let lo = ws.saturating_sub(rules.cue_window + max_cue).max(floor);
        let stems: Vec<String> = (lo..ws).map(stem).collect();
        let stem_at = |w: usize| stems[w - lo].as_str();
        // Distancing cues ending at most cue_window words before the hit.
        for gap in 0..=rules.cue_window {
            let Some(end) = ws.checked_sub(gap) else {
                break;
            };
            for cue in &rules.cues {
                let len = cue.pattern.len();
                let Some(start) = end.checked_sub(len) else {
                    continue;
                };
                if start < lo || !(start..end).all(same_sentence) {
                    continue;
                }
                let matched = cue
                    .pattern
                    .iter()
                    .enumerate()
                    .all(|(k, p)| p.as_ref().is_none_or(|s| s == stem_at(start + k)));
                if matched {
                    return (Stance::Distanced, format!("cue:{}", cue.text));
                }
            }
        }
        // Reported speech: "<not I/we> <verb> that ... <hit>" in the sentence.
        // Verbs are in order; a verb whose "that" is not before the hit is
        // one of the last two words before it, so the search ends there.
        let speech = self.reported(a, words, rules, reported, h);
        if let Some(&(v, _)) = speech
            .verbs
            .iter()
            .take_while(|&&(v, _)| v < ws)
            .find(|&&(_, clause)| clause <= ws)
        {
            return (Stance::Distanced, format!("reported:{}", norm(v)));
        }
        if let Some((tail, v)) = speech.trailing
            && (h.word_end as usize) <= tail
        {
            return (Stance::Distanced, format!("reported:{}", norm(v)));
        }
        // Negators up to negation_window words before the hit, not across
        // clause punctuation.
        let first_token = words[ws] as usize;
        for gap in 0..=rules.negation_window {
            let Some(k) = ws.checked_sub(gap + 1) else {
                break;
            };
            if !same_sentence(k) {
                break;
            }
            let kt = words[k] as usize;
            if a.tokens[kt + 1..first_token]
                .iter()
                .any(|t| t.kind == TokenKind::Punct && is_clause_break(a.norm_of(t)))
            {
                break;
            }
            let word = norm(k);
            // "not lazy but unlucky", "not X, rather Y": the negator's scope
            // ends at the contrast.
            if matches!(word, "but" | "rather" | "instead") {
                break;
            }
            if k + 1 < words.len() && word == "not" && norm(k + 1) == "only" {
                continue;
            }
            if rules.negators.iter().any(|n| n == word) {
                return (Stance::Negated, format!("negator:{word}"));
            }
            if word == "t" && rules.negators.iter().any(|n| n == "n't") && kt >= 2 {
                let apostrophe = &a.tokens[kt - 1];
                let before = &a.tokens[kt - 2];
                let joined = apostrophe.end == a.tokens[kt].start && before.end == apostrophe.start;
                if joined
                    && matches!(a.norm_of(apostrophe), "'" | "\u{2019}")
                    && a.norm_of(before).ends_with('n')
                {
                    return (
                        Stance::Negated,
                        format!(
                            "negator:{}n't",
                            &text[before.start as usize..before.end as usize]
                                .to_lowercase()
                                .trim_end_matches('n')
                        ),
                    );
                }
            }
        }
        (Stance::Endorsed, String::new())
    }
}

impl Annotator<'_> {
    /// Whether the quotation opening at byte `start` is the speaker's own
    /// line: "We'll say to teenagers, '...'", "I tell you: '...'" (a verb of
    /// saying and "I"/"we" among the five words before the mark).
    fn own_words(&self, a: &Analysis, words: &[u32], rules: &StanceRules, start: u32) -> bool {
        let before = words.partition_point(|&t| a.tokens[t as usize].end < start);
        let from = before.saturating_sub(5);
        let norm = |w: usize| a.norm_of(&a.tokens[words[w] as usize]);
        (from..before).any(|w| matches!(norm(w), "i" | "we"))
            && (from..before).any(|w| {
                rules
                    .speech_verbs
                    .contains(&self.analyzer.stem(norm(w)).into_owned())
            })
    }
}

fn is_clause_break(norm: &str) -> bool {
    norm.chars().any(|c| {
        matches!(
            c,
            ',' | ';' | ':' | '(' | ')' | '.' | '!' | '?' | '\u{2013}' | '\u{2014}'
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::analyze::Analysis;
    use crate::lexicon::Lexicon;
    use crate::matcher::Scratch;
    use crate::model::HitStatus;
    use crate::tagger::Tagger;

    const LEX: &str = r#"
[lexicon]
name = "t"
version = "1"
language = "english"
[categories.behavioural.blame]
entries = ["lazy", "scroung*", "welfare dependency", "personal responsibility", "feckless"]
[categories.structural.costs]
entries = ["low pay", { term = "cuts", context = "required" }]
[categories.context.talk]
entries = ["poverty", "benefits"]
"#;

    /// (surface, stance, rule, counted) for every hit in `text`.
    fn stances(text: &str) -> Vec<(String, &'static str, String, bool)> {
        let (lex, analyzer) = Lexicon::parse("t", LEX).unwrap();
        let tagger = Tagger::new(lex, analyzer);
        let (mut a, mut s) = (Analysis::default(), Scratch::default());
        tagger.inspect(text, &mut a, &mut s, |_, _, hits| {
            hits.into_iter()
                .filter(|h| tagger.lexicon.entries[h.entry as usize].subframe != 2)
                .map(|h| {
                    (
                        h.surface,
                        h.stance.as_str(),
                        h.stance_rule,
                        h.status == HitStatus::Counted,
                    )
                })
                .collect()
        })
    }

    fn one(text: &str) -> (&'static str, String) {
        let v = stances(text);
        assert_eq!(v.len(), 1, "{text}: {v:?}");
        (v[0].1, v[0].2.clone())
    }

    #[test]
    fn negation_window_and_clause_breaks() {
        assert_eq!(one("They are not lazy."), ("negated", "negator:not".into()));
        assert_eq!(
            one("This isn't about personal responsibility."),
            ("negated", "negator:isn't".into())
        );
        assert_eq!(
            one("We don’t think they are lazy."),
            ("negated", "negator:don't".into())
        );
        assert_eq!(
            one("Never were they lazy."),
            ("negated", "negator:never".into())
        );
        // Too far: four words between the negator and the hit.
        assert_eq!(
            one("Not one of the many lazy ideas."),
            ("endorsed", String::new())
        );
        // A comma ends the negator's scope; "not only" does not negate.
        assert_eq!(one("No, they are lazy."), ("endorsed", String::new()));
        assert_eq!(one("Not only lazy but rude."), ("endorsed", String::new()));
        // A negator in the previous sentence does not count.
        assert_eq!(one("It was not. Lazy people."), ("endorsed", String::new()));
        assert_eq!(
            one("Is poverty a choice? No. Welfare dependency is a myth."),
            ("endorsed", String::new())
        );
    }

    #[test]
    fn quotation_marks_of_every_style() {
        for text in [
            "The \"scroungers\" story ran again.",
            "The 'scroungers' story ran again.",
            "The “scroungers” story ran again.",
            "The ‘scroungers’ story ran again.",
            "The «scroungers» story ran again.",
            "The „scroungers“ story ran again.",
        ] {
            assert_eq!(one(text), ("distanced", "quote".into()), "{text}");
        }
        // Apostrophes are not quotation marks.
        assert_eq!(
            one("The workers' view: they're lazy."),
            ("endorsed", String::new())
        );
        assert_eq!(
            one("Don’t call it low pay."),
            ("negated", "negator:don't".into())
        );
        // An unbalanced mark opens nothing.
        assert_eq!(one("He said “they are lazy"), ("endorsed", String::new()));
        // Quotes do not run across paragraphs.
        assert_eq!(
            one("“Unclosed\n\nThey are lazy."),
            ("endorsed", String::new())
        );
        // Elisions and possessives do not pair up into a quotation.
        assert_eq!(
            one("In the '90s welfare dependency rose while workers' pay fell."),
            ("endorsed", String::new())
        );
        // A straight single quote closes in its sentence or not at all.
        assert_eq!(
            one("The 'new deal. They are lazy' was the line."),
            ("endorsed", String::new())
        );
    }

    #[test]
    fn distancing_cues_and_reported_speech() {
        assert_eq!(
            one("The so-called scroungers are in work."),
            ("distanced", "cue:so-called".into())
        );
        assert_eq!(
            one("The myth of welfare dependency persists."),
            ("distanced", "cue:myth of".into())
        );
        assert_eq!(
            one("What critics call welfare dependency is need."),
            ("distanced", "cue:what _ call".into())
        );
        assert_eq!(
            one("Critics argue that low pay is a choice."),
            ("distanced", "reported:argue".into())
        );
        assert_eq!(
            one("The minister claims that they are feckless."),
            ("distanced", "reported:claims".into())
        );
        // First person is the author's own voice; "claims" as a noun is not speech.
        assert_eq!(
            one("We argue that low pay causes poverty."),
            ("endorsed", String::new())
        );
        assert_eq!(
            one("We will continue to argue that low pay causes poverty."),
            ("endorsed", String::new())
        );
        assert_eq!(
            one("Benefit claims rose as low pay spread."),
            ("endorsed", String::new())
        );
        // A cue belongs to the hit right after it, not to the next one.
        let v = stances("The so-called scroungers and welfare dependency.");
        assert_eq!((v[0].1, v[1].1), ("distanced", "endorsed"));
    }

    #[test]
    fn speech_without_that_adopted_citations_and_own_quotes() {
        // A verb of saying reports the clause after it, "that" or not.
        assert_eq!(
            one("The minister said the project was about personal responsibility."),
            ("distanced", "reported:said".into())
        );
        // A trailing attribution reports what comes before it.
        assert_eq!(
            one("The project was about personal responsibility, the minister said."),
            ("distanced", "reported:said".into())
        );
        assert_eq!(
            one("Low pay is the cause, said Mr Smith."),
            ("distanced", "reported:said".into())
        );
        // A citation the speaker adopts, and the speaker's own saying.
        assert_eq!(
            one("As Lincoln said, we must end welfare dependency."),
            ("endorsed", String::new())
        );
        assert_eq!(
            one("We'll say it plainly: welfare dependency must end."),
            ("endorsed", String::new())
        );
        assert_eq!(
            one("I said that welfare dependency must end."),
            ("endorsed", String::new())
        );
        // A long last clause is not an attribution.
        assert_eq!(
            one("Low pay rose, and families said they could not pay the rent this winter."),
            ("endorsed", String::new())
        );
        // A quotation the speaker introduces as their own line is not distanced.
        assert_eq!(
            one(
                "We'll say to teenagers, 'If you are feckless, we will no longer give you a check.'"
            ),
            ("endorsed", String::new())
        );
        assert_eq!(
            one("Critics wrote, 'They are feckless.'"),
            ("distanced", "quote".into())
        );
    }

    #[test]
    fn contrast_ends_the_scope_of_a_negator() {
        assert_eq!(one("They are not lazy."), ("negated", "negator:not".into()));
        let v = stances("It is not poverty but low pay that hurts.");
        assert_eq!(v[0].1, "endorsed", "{v:?}");
        let v = stances("The cause is never scroungers, rather low pay.");
        assert_eq!((v[0].1, v[1].1), ("negated", "endorsed"), "{v:?}");
    }

    #[test]
    fn context_rules_keep_rejected_hits() {
        let v = stances("Budget cuts delayed the bypass.");
        assert_eq!(
            v,
            vec![("cuts".to_string(), "endorsed", String::new(), false)]
        );
        let v = stances("Cuts to benefits deepened poverty.");
        assert!(v[0].3, "{v:?}");
        // Context must be in the same paragraph.
        let v = stances("Poverty rose.\n\nThe cuts came later.");
        assert!(!v[0].3, "{v:?}");
    }

    #[test]
    fn quotes_contains_finds_an_outer_region_behind_a_later_inner_one() {
        // Nested: 0..50 holds 10..20; then a disjoint 60..70.
        let q = super::Quotes::new(vec![(0, 50), (10, 20), (60, 70)]);
        assert!(q.contains(30, 40)); // in the outer region, after the inner one
        assert!(q.contains(12, 18));
        assert!(q.contains(60, 70));
        assert!(!q.contains(45, 55)); // runs past the outer region
        assert!(!q.contains(55, 58));
        assert!(!super::Quotes::new(Vec::new()).contains(0, 1));
    }
}

#[cfg(test)]
mod paragraph_quote_tests {
    use super::{quote_regions, quote_regions_of};
    use crate::analyze::{Analysis, Analyzer};

    #[test]
    fn regions_of_some_paragraphs_are_the_full_regions_in_them() {
        let texts = [
            "He said \"they are lazy\" and left.\n\n\"Unclosed quote here.\n\nShe wrote 'fine' and \u{201C}so on\u{201D}.",
            "\u{201E}German\u{201C} and \u{00AB}French\u{00BB}\n\nnothing\n\n'90s don't \"x\"",
            "\"open\n\nclose\" \"a\"\r\n\r\n\u{2018}b\u{2019} end",
            "no marks at all\n\nstill none",
            "",
            "\"",
        ];
        let an = Analyzer::new("english").unwrap();
        let mut a = Analysis::default();
        for text in texts {
            an.analyze(text, &mut a);
            let full = quote_regions(text, &a);
            let para_of = |at: u32| {
                a.tokens
                    .get(a.tokens.partition_point(|t| t.end <= at))
                    .map(|t| t.paragraph)
            };
            let all: Vec<u32> = (0..a.paragraphs).collect();
            assert_eq!(quote_regions_of(text, &a, all.clone()), full, "{text:?}");
            for p in &all {
                let want: Vec<(u32, u32)> = full
                    .iter()
                    .copied()
                    .filter(|&(s, _)| para_of(s.saturating_sub(1)) == Some(*p))
                    .collect();
                assert_eq!(
                    quote_regions_of(text, &a, [*p, *p]),
                    want,
                    "{text:?} paragraph {p}"
                );
            }
        }
    }
}
