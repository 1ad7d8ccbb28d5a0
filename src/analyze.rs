//! Normalise, tokenise, split sentences and stem.
//!
//! The definition of a token is `tokenizers`: the normaliser is
//! `Sequence[NFKC, Lowercase]` and the pre-tokeniser is `Whitespace`
//! (`\w+|[^\w\s]+`), with byte offsets into the original text. Text made of
//! ASCII and a handful of common typographic marks (curly quotes, dashes)
//! is normalised to itself by that chain, so it takes a byte-level fast path
//! that produces exactly the same tokens; every other stretch of text goes
//! through `tokenizers` itself. `tests` and the differential test over the
//! shared corpora prove the two paths agree.
//!
//! This is the only module that knows `tokenizers` and `rust-stemmers`.
//! The same [`Analyzer`] compiles lexicon entries and reads documents.

use crate::model::{Token, TokenKind};
use regex::Regex;
use rust_stemmers::{Algorithm, Stemmer};
use std::sync::LazyLock;
use tokenizers::normalizers::{Lowercase, NFKC, Sequence};
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::{
    NormalizedString, Normalizer, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer,
};

/// Languages with a Snowball stemmer, by the name used in lexicon files.
pub const LANGUAGES: &[(&str, Algorithm)] = &[
    ("arabic", Algorithm::Arabic),
    ("danish", Algorithm::Danish),
    ("dutch", Algorithm::Dutch),
    ("english", Algorithm::English),
    ("finnish", Algorithm::Finnish),
    ("french", Algorithm::French),
    ("german", Algorithm::German),
    ("greek", Algorithm::Greek),
    ("hungarian", Algorithm::Hungarian),
    ("italian", Algorithm::Italian),
    ("norwegian", Algorithm::Norwegian),
    ("portuguese", Algorithm::Portuguese),
    ("romanian", Algorithm::Romanian),
    ("russian", Algorithm::Russian),
    ("spanish", Algorithm::Spanish),
    ("swedish", Algorithm::Swedish),
    ("tamil", Algorithm::Tamil),
    ("turkish", Algorithm::Turkish),
];

/// Words after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "rev", "hon", "rt", "gen", "gov", "sen",
    "rep", "col", "capt", "lt", "sgt", "vs", "cf", "vol", "pp", "fig", "art", "ch", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "inc",
    "ltd", "co", "corp", "dept", "est", "approx",
];

/// The result of analysing one text. Reused between documents to avoid
/// allocating per document.
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    pub tokens: Vec<Token>,
    /// Normalised forms of all tokens, concatenated.
    pub norm: String,
    pub sentences: u32,
    pub paragraphs: u32,
}

impl Analysis {
    pub fn clear(&mut self) {
        self.tokens.clear();
        self.norm.clear();
        self.sentences = 0;
        self.paragraphs = 0;
    }

    /// The normalised (NFKC, lower-cased) form of a token.
    pub fn norm_of(&self, t: &Token) -> &str {
        &self.norm[t.norm_start as usize..t.norm_end as usize]
    }

    pub fn words(&self) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(|t| t.kind == TokenKind::Word)
    }

    /// Byte range of each sentence, from its first token to its last.
    pub fn sentence_spans(&self) -> Vec<(u32, u32)> {
        let mut spans: Vec<(u32, u32)> = Vec::new();
        for t in &self.tokens {
            let s = t.sentence as usize;
            if spans.len() <= s {
                spans.resize(s + 1, (t.start, t.end));
            }
            spans[s].1 = t.end;
        }
        spans
    }

    pub fn word_count(&self) -> usize {
        self.words().count()
    }

    /// A token's normal form of up to 16 bytes (almost every word) as a
    /// zero-padded little-endian integer: a hash-map key that is a couple
    /// of instructions to hash and compare. `None` for longer forms. `\w`
    /// never holds NUL, so the padding cannot make two words equal.
    #[inline]
    pub fn short_key(&self, t: &Token) -> Option<u128> {
        let (start, end) = (t.norm_start as usize, t.norm_end as usize);
        let b = self.norm.as_bytes().get(start..end)?;
        if b.len() > 16 {
            return None;
        }
        Some(packed_key(&self.norm, start, end).unwrap_or_else(|| word_key(b)))
    }
}

/// Up to 16 bytes zero-padded into a little-endian `u128`: the key
/// [`Analysis::short_key`] gives a word of these bytes.
pub fn word_key(b: &[u8]) -> u128 {
    let mut k = [0u8; 16];
    k[..b.len()].copy_from_slice(b);
    u128::from_le_bytes(k)
}

/// The bytes `start..end` of `buf` zero-padded into a little-endian
/// `u128`, read with one 16-byte load when the buffer has 16 bytes from
/// `start` (norms point into a copy of the whole text, so nearly always).
#[inline]
fn packed_key(buf: &str, start: usize, end: usize) -> Option<u128> {
    let len = end.checked_sub(start)?;
    if len == 0 || len > 16 {
        return None;
    }
    let bytes: &[u8; 16] = buf.as_bytes().get(start..start + 16)?.try_into().ok()?;
    let word = u128::from_le_bytes(*bytes);
    Some(if len == 16 {
        word
    } else {
        word & ((1u128 << (len * 8)) - 1)
    })
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Normaliser, pre-tokeniser and stemmer for one language.
pub struct Analyzer {
    language: &'static str,
    normalizer: Sequence,
    stemmer: Stemmer,
    fast_path: bool,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("language", &self.language)
            .finish()
    }
}

/// Characters the fast path handles besides ASCII: not `\w`, not `\s`,
/// and unchanged by NFKC and lower-casing.
fn is_fast_punct(c: char) -> bool {
    matches!(
        c,
        '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' | '\u{2013}' | '\u{2014}'
    )
}

/// Whitespace as the pre-tokeniser's `\s` sees it, restricted to ASCII.
const fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

const fn is_ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Byte classes of the fast path.
const SPACE: u8 = 0;
const WORD: u8 = 1;
const PUNCT: u8 = 2;
/// A byte of a non-ASCII character.
const HIGH: u8 = 3;

static CLASS: [u8; 256] = {
    let mut t = [PUNCT; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = if b >= 0x80 {
            HIGH
        } else if is_ascii_space(b as u8) {
            SPACE
        } else if is_ascii_word(b as u8) {
            WORD
        } else {
            PUNCT
        };
        b += 1;
    }
    t
};

impl Analyzer {
    /// An analyzer for a language name as written in a lexicon file.
    pub fn new(language: &str) -> Option<Analyzer> {
        let (name, algorithm) = LANGUAGES.iter().find(|(n, _)| *n == language)?;
        Some(Analyzer {
            language: name,
            normalizer: Sequence::new(vec![NFKC.into(), Lowercase.into()]),
            stemmer: Stemmer::create(*algorithm),
            fast_path: true,
        })
    }

    /// The same analyzer with the fast path turned off: the whole text goes
    /// through `tokenizers` in one piece. Used by the differential tests.
    pub fn reference(language: &str) -> Option<Analyzer> {
        let mut a = Analyzer::new(language)?;
        a.fast_path = false;
        Some(a)
    }

    pub fn language(&self) -> &'static str {
        self.language
    }

    /// The Snowball stem of a normalised word.
    pub fn stem<'a>(&self, norm: &'a str) -> std::borrow::Cow<'a, str> {
        self.stemmer.stem(norm)
    }

    /// Tokenise `text` into `out`, then mark sentences and paragraphs.
    pub fn analyze(&self, text: &str, out: &mut Analysis) {
        out.clear();
        self.tokenize(text, out);
        mark_sentences(text, out);
    }

    /// The fast path, one pass over the bytes: runs of word bytes are
    /// words, runs of other non-space bytes punctuation. A whitespace-
    /// delimited chunk holding any non-ASCII character other than the fast
    /// punctuation goes, whole, through `tokenizers` (its tokens so far are
    /// taken back). Every fast-path token's normal form is its own bytes
    /// lower-cased, so the norm buffer starts with a lower-cased copy of the
    /// whole text and those tokens point into it by their own offsets; the
    /// slow path appends its normal forms after it.
    fn tokenize(&self, text: &str, out: &mut Analysis) {
        if !self.fast_path {
            // The definition: `tokenizers` over the whole text at once.
            self.slow_chunk(text, 0, out);
            return;
        }
        let bytes = text.as_bytes();
        let n = bytes.len();
        out.norm.push_str(text);
        out.norm.make_ascii_lowercase();
        // Typical English: a token every ~5 bytes.
        out.tokens.reserve(n / 5);
        let class = |k: usize| CLASS[bytes[k] as usize];
        let mut i = 0;
        'chunks: while i < n {
            while i < n && class(i) == SPACE {
                i += 1;
            }
            if i == n {
                break;
            }
            let chunk_start = i;
            let mark = out.tokens.len();
            loop {
                let c = class(i);
                let mut j = i + 1;
                let kind = if c == WORD {
                    while j < n && class(j) == WORD {
                        j += 1;
                    }
                    TokenKind::Word
                } else {
                    let mut high = c == HIGH;
                    while j < n {
                        match class(j) {
                            PUNCT => {}
                            HIGH => high = true,
                            _ => break,
                        }
                        j += 1;
                    }
                    // i and j are character boundaries: each follows or
                    // precedes an ASCII byte, or an end of the text.
                    if high && !text[i..j].chars().all(|c| c.is_ascii() || is_fast_punct(c)) {
                        out.tokens.truncate(mark);
                        let mut end = j;
                        while end < n && class(end) != SPACE {
                            end += 1;
                        }
                        self.slow_chunk(&text[chunk_start..end], chunk_start, out);
                        i = end;
                        continue 'chunks;
                    }
                    TokenKind::Punct
                };
                out.tokens.push(Token {
                    start: i as u32,
                    end: j as u32,
                    norm_start: i as u32,
                    norm_end: j as u32,
                    kind,
                    sentence: 0,
                    paragraph: 0,
                });
                i = j;
                if i == n || class(i) == SPACE {
                    break;
                }
            }
        }
    }

    /// Tokenise a chunk (or, for the reference analyzer, a whole text) with
    /// `tokenizers`.
    fn slow_chunk(&self, chunk: &str, offset: usize, out: &mut Analysis) {
        static WORD: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"^\w").expect("static regex is valid"));
        let mut normalized = NormalizedString::from(chunk);
        let mut pre = if self.normalizer.normalize(&mut normalized).is_ok() {
            PreTokenizedString::from(normalized)
        } else {
            PreTokenizedString::from(chunk)
        };
        if Whitespace.pre_tokenize(&mut pre).is_err() {
            return;
        }
        for (s, (a, b), _) in pre.get_splits(OffsetReferential::Original, OffsetType::Byte) {
            let kind = if WORD.is_match(s) {
                TokenKind::Word
            } else {
                TokenKind::Punct
            };
            push(out, offset + a, offset + b, s, kind);
        }
    }
}

fn push(out: &mut Analysis, start: usize, end: usize, norm: &str, kind: TokenKind) {
    let norm_start = out.norm.len() as u32;
    out.norm.push_str(norm);
    out.tokens.push(Token {
        start: start as u32,
        end: end as u32,
        norm_start,
        norm_end: out.norm.len() as u32,
        kind,
        sentence: 0,
        paragraph: 0,
    });
}

/// Does the gap between two tokens hold a blank line?
fn is_paragraph_break(gap: &str) -> bool {
    // The gap between two tokens is whitespace only. Line ends are \n, \r\n,
    // a lone \r and U+2028; U+2029 is a paragraph separator by itself.
    if gap.len() < 2 {
        // A blank line takes two line ends; U+2029 is three bytes.
        return false;
    }
    let mut newlines = 0;
    let mut chars = gap.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{2029}' => return true,
            '\n' | '\u{2028}' => newlines += 1,
            '\r' if chars.peek() != Some(&'\n') => newlines += 1,
            _ => {}
        }
        if newlines >= 2 {
            return true;
        }
    }
    false
}

/// Assign sentence and paragraph numbers to every token.
///
/// A sentence ends at a blank line, or at punctuation holding `.`, `!` or
/// `?` that is followed by whitespace (or the end) and then not by a
/// lower-case word, unless the full stop closes an abbreviation (`Mr.`,
/// `U.S.`, `Jan.`) or a single letter.
fn mark_sentences(text: &str, out: &mut Analysis) {
    let n = out.tokens.len();
    let mut sentence = 0u32;
    let mut paragraph = 0u32;
    for k in 0..n {
        if k > 0 {
            let prev = &out.tokens[k - 1];
            let prev_end = prev.end as usize;
            let start = out.tokens[k].start as usize;
            // NFKC can expand one character into several tokens that all
            // point at that character: their gap is empty. A blank line
            // takes at least two bytes.
            if start >= prev_end + 2 && is_paragraph_break(&text[prev_end..start]) {
                paragraph += 1;
                sentence += 1;
            } else if prev.kind == TokenKind::Punct && ends_sentence(text, out, k - 1) {
                sentence += 1;
            }
        }
        out.tokens[k].sentence = sentence;
        out.tokens[k].paragraph = paragraph;
    }
    out.sentences = if n == 0 { 0 } else { sentence + 1 };
    out.paragraphs = if n == 0 { 0 } else { paragraph + 1 };
}

/// Does token `k` (punctuation) end its sentence, given what follows?
fn ends_sentence(text: &str, out: &Analysis, k: usize) -> bool {
    let t = &out.tokens[k];
    if t.kind != TokenKind::Punct {
        return false;
    }
    let norm = out.norm_of(t);
    if !norm.bytes().any(|b| matches!(b, b'.' | b'!' | b'?')) {
        return false;
    }
    let next = &out.tokens[k + 1];
    if next.start <= t.end {
        // "3.5", "U.S", "e.g": no space after the stop.
        return false;
    }
    if norm == "." && k > 0 {
        let prev = &out.tokens[k - 1];
        if prev.kind == TokenKind::Word && prev.end >= t.start {
            let w = out.norm_of(prev);
            // "U.S.", "J. Smith", "Mr.", and "No. 10" (but not the answer "No."
            // or the pronoun "I.").
            let single_letter =
                w.chars().count() == 1 && w.chars().all(char::is_alphabetic) && w != "i";
            let number_follows =
                text[next.start as usize..].starts_with(|c: char| c.is_ascii_digit());
            if single_letter
                || ABBREVIATIONS.contains(&w)
                || (matches!(w, "no" | "nos") && number_follows)
            {
                return false;
            }
        }
    }
    // A lower-case word after the stop continues the sentence ("approx. three").
    let first = text[next.start as usize..].chars().next();
    !(next.kind == TokenKind::Word && first.is_some_and(char::is_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_keys_equal_zero_padded_words() {
        let buf = "a zero-hours contract_1234567890abcdefXYZ padding padding padding";
        for start in 0..buf.len() {
            for end in start..=buf.len() {
                let want = (end > start && end - start <= 16).then(|| {
                    let mut k = [0u8; 16];
                    k[..end - start].copy_from_slice(&buf.as_bytes()[start..end]);
                    u128::from_le_bytes(k)
                });
                match packed_key(buf, start, end) {
                    Some(k) => assert_eq!(Some(k), want, "{start}..{end}"),
                    // Too near the end of the buffer for one load.
                    None => assert!(want.is_none() || start + 16 > buf.len()),
                }
            }
        }
    }

    fn tokens(text: &str) -> Vec<(String, u32, u32, TokenKind)> {
        let a = Analyzer::new("english").unwrap();
        let mut out = Analysis::default();
        a.analyze(text, &mut out);
        out.tokens
            .iter()
            .map(|t| (out.norm_of(t).to_string(), t.start, t.end, t.kind))
            .collect()
    }

    fn reference_tokens(text: &str) -> Vec<(String, u32, u32, TokenKind)> {
        let a = Analyzer::reference("english").unwrap();
        let mut out = Analysis::default();
        a.analyze(text, &mut out);
        out.tokens
            .iter()
            .map(|t| (out.norm_of(t).to_string(), t.start, t.end, t.kind))
            .collect()
    }

    fn sentences(text: &str) -> Vec<u32> {
        let a = Analyzer::new("english").unwrap();
        let mut out = Analysis::default();
        a.analyze(text, &mut out);
        out.words().map(|t| t.sentence).collect()
    }

    #[test]
    fn tokens_keep_offsets_and_lowercase() {
        let t = tokens("Zero-hours CONTRACTS, isn't it?");
        let norms: Vec<&str> = t.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            norms,
            [
                "zero",
                "-",
                "hours",
                "contracts",
                ",",
                "isn",
                "'",
                "t",
                "it",
                "?"
            ]
        );
        assert_eq!((t[3].1, t[3].2), (11, 20));
        assert_eq!(t[0].3, TokenKind::Word);
        assert_eq!(t[1].3, TokenKind::Punct);
    }

    #[test]
    fn fast_path_equals_tokenizers() {
        for text in [
            "The “so-called” scroungers — and ‘skivers’ – said: \"no!\" 3.5% of U.S. tax.",
            "Mixed café Ünïcode ﬁnance… and NBSP\u{a0}here; ΟΔΟΣ tabs\tand\r\nlines",
            "under_score and 42nd  ...?! end",
            "",
            "   ",
        ] {
            assert_eq!(tokens(text), reference_tokens(text), "{text}");
        }
    }

    #[test]
    fn slow_path_offsets_point_into_original() {
        let text = "The ﬁnance CAFÉ";
        let t = tokens(text);
        assert_eq!(t[1].0, "finance");
        assert_eq!(&text[t[1].1 as usize..t[1].2 as usize], "ﬁnance");
        assert_eq!(t[2].0, "café");
        assert_eq!(&text[t[2].1 as usize..t[2].2 as usize], "CAFÉ");
    }

    #[test]
    fn nfkc_expansion_shares_offsets() {
        // "½" normalises to "1⁄2": three tokens, each pointing at "½".
        let t = tokens("a ½. B");
        let norms: Vec<&str> = t.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(norms, ["a", "1", "⁄", "2", ".", "b"]);
        assert!(t[1..4].iter().all(|x| (x.1, x.2) == (2, 4)));
        assert_eq!(sentences("a ½. B"), [0, 0, 0, 1]);
    }

    #[test]
    fn sentence_boundaries() {
        assert_eq!(
            sentences("Low pay. Rents rise! Why? Yes"),
            [0, 0, 1, 1, 2, 3]
        );
        assert_eq!(
            sentences("Mr. Smith met Dr. Jones in the U.S. today."),
            [0; 10]
        );
        assert_eq!(
            sentences("It grew 3.5 per cent. Then fell"),
            [0, 0, 0, 0, 0, 0, 1, 1]
        );
        assert_eq!(sentences("approx. three people"), [0, 0, 0]);
        assert_eq!(sentences("Is it? No. It is not."), [0, 0, 1, 2, 2, 2]);
        assert_eq!(sentences("See No. 10 now."), [0, 0, 0, 0]);
        assert_eq!(sentences("Neither do I. Next one."), [0, 0, 0, 1, 1]);
        assert_eq!(sentences("a heading\n\nnext paragraph"), [0, 0, 1, 1]);
        assert_eq!(sentences("He said \"stop.\" She left."), [0, 0, 0, 1, 1]);
    }

    #[test]
    fn paragraphs_count_blank_lines() {
        let a = Analyzer::new("english").unwrap();
        let mut out = Analysis::default();
        a.analyze(
            "one\ntwo\n\n  \nthree\r\n\r\nfour\n\u{a0}\nfive\r\rsix\u{2029}seven",
            &mut out,
        );
        let p: Vec<u32> = out.words().map(|t| t.paragraph).collect();
        assert_eq!(p, [0, 0, 1, 2, 3, 4, 5]);
        assert_eq!(out.paragraphs, 6);
    }

    #[test]
    fn stems_are_snowball() {
        let a = Analyzer::new("english").unwrap();
        assert_eq!(a.stem("scroungers"), "scrounger");
        assert_eq!(a.stem("contracts"), "contract");
        assert_eq!(a.stem("dependency"), "depend");
        assert!(Analyzer::new("klingon").is_none());
    }
}
