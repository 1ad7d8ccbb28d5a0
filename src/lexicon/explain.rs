//! Looking inside a lexicon: run its examples as tests, explain how a text
//! tokenises and matches, and list what each wildcard matched in a corpus.
//! Returns data; the CLI prints it.

use crate::analyze::Analysis;
use crate::error::Result;
use crate::ingest::Corpus;
use crate::lexicon::{Example, ExampleScope, Slot};
use crate::matcher::{Fate, Scratch};
use crate::model::{Hit, HitStatus, Skipped, Stance, TokenKind};
use crate::pipeline::{Job, Source};
use crate::tagger::{Tagger, View};
use std::collections::BTreeMap;

/// One token as the analyzer sees it.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub surface: String,
    pub norm: String,
    /// The Snowball stem, for word tokens.
    pub stem: Option<String>,
    /// Word position, for word tokens.
    pub word: Option<usize>,
    pub sentence: u32,
    pub paragraph: u32,
    pub start: u32,
    pub end: u32,
}

/// A candidate match that did not become a hit, and why.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub entry: u32,
    pub surface: String,
    pub word_start: u32,
    pub word_end: u32,
    pub reason: String,
}

/// Everything about how one text was tagged.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub tokens: Vec<TokenInfo>,
    pub hits: Vec<Hit>,
    pub suppressed: Vec<Suppressed>,
}

/// How `text` tokenises and matches.
pub fn explain(tagger: &Tagger, text: &str) -> Explanation {
    let mut analysis = Analysis::default();
    let mut scratch = Scratch::default();
    tagger.inspect(text, &mut analysis, &mut scratch, |a, scratch, hits| {
        explain_analysed(tagger, text, a, scratch, hits)
    })
}

/// How a document the pipeline read tokenises and matches.
pub fn explain_view(tagger: &Tagger, v: &View<'_>) -> Explanation {
    explain_analysed(tagger, v.text, v.analysis, v.scratch, v.hits.to_vec())
}

fn explain_analysed(
    tagger: &Tagger,
    text: &str,
    a: &Analysis,
    scratch: &Scratch,
    hits: Vec<Hit>,
) -> Explanation {
    {
        let mut word = 0usize;
        let tokens = a
            .tokens
            .iter()
            .map(|t| {
                let norm = a.norm_of(t).to_string();
                let is_word = t.kind == TokenKind::Word;
                let info = TokenInfo {
                    surface: text[t.start as usize..t.end as usize].to_string(),
                    stem: is_word.then(|| tagger.analyzer.stem(&norm).into_owned()),
                    norm,
                    word: is_word.then_some(word),
                    sentence: t.sentence,
                    paragraph: t.paragraph,
                    start: t.start,
                    end: t.end,
                };
                word += is_word as usize;
                info
            })
            .collect();
        let words = scratch.word_tokens();
        let span = |s: u32, e: u32| {
            let first = &a.tokens[words[s as usize] as usize];
            let last = &a.tokens[words[e as usize - 1] as usize];
            text[first.start as usize..last.end as usize].to_string()
        };
        let lex = &tagger.lexicon;
        let cands: Vec<_> = tagger.matcher.last(scratch).collect();
        let suppressed = cands
            .iter()
            .filter(|(_, f)| *f != Fate::Kept)
            .map(|(c, fate)| {
                let reason = match fate {
                    Fate::SameFrame(o) => format!(
                        "overlaps \"{}\" of the same sub-frame",
                        lex.entries[cands[*o].0.entry as usize].text
                    ),
                    _ => {
                        let by: Vec<String> = cands
                            .iter()
                            .filter(|(k, f)| *f == Fate::Kept && k.start < c.end && c.start < k.end)
                            .map(|(k, _)| format!("\"{}\"", lex.entries[k.entry as usize].text))
                            .collect();
                        format!("nested inside {}", by.join(" and "))
                    }
                };
                Suppressed {
                    entry: c.entry,
                    surface: span(c.start, c.end),
                    word_start: c.start,
                    word_end: c.end,
                    reason,
                }
            })
            .collect();
        Explanation {
            tokens,
            hits,
            suppressed,
        }
    }
}

/// The result of one lexicon example.
#[derive(Debug, Clone)]
pub struct ExampleResult {
    pub example: Example,
    pub passed: bool,
    /// What was expected, in words.
    pub expected: String,
    pub explanation: Explanation,
}

/// Where an example applies, as `category` or `category.subframe`.
pub fn scope_name(tagger: &Tagger, scope: ExampleScope) -> String {
    match scope {
        ExampleScope::Category(c) => tagger.lexicon.categories[c].name.clone(),
        ExampleScope::Subframe(s) => tagger.lexicon.subframe_path(s),
    }
}

fn in_scope(tagger: &Tagger, scope: ExampleScope, h: &Hit) -> bool {
    let sub = tagger.lexicon.entries[h.entry as usize].subframe;
    match scope {
        ExampleScope::Category(c) => tagger.lexicon.subframes[sub].category == c,
        ExampleScope::Subframe(s) => sub == s,
    }
}

/// Run every `must_match` / `must_not_match` example of the lexicon.
pub fn run_examples(tagger: &Tagger) -> Vec<ExampleResult> {
    tagger
        .lexicon
        .examples
        .iter()
        .map(|ex| {
            let explanation = explain(tagger, &ex.text);
            let scoped = explanation
                .hits
                .iter()
                .filter(|h| in_scope(tagger, ex.scope, h) && h.status == HitStatus::Counted);
            let scope = scope_name(tagger, ex.scope);
            let (passed, expected) = match ex.expect {
                Some(stance) => (
                    scoped.clone().any(|h| h.stance == stance),
                    format!("a counted {} hit in {scope}", stance.as_str()),
                ),
                None => (
                    !scoped.clone().any(|h| h.stance == Stance::Endorsed),
                    format!("no counted endorsed hit in {scope}"),
                ),
            };
            ExampleResult {
                example: ex.clone(),
                passed,
                expected,
                explanation,
            }
        })
        .collect()
}

/// Per wildcard entry: the distinct forms it matched, most frequent first.
pub type Expansion = Vec<(u32, Vec<(String, u64)>)>;

/// For each wildcard entry, the distinct words its wildcard matched in
/// the documents of `source` (read and tagged by `job`), with counts
/// (most frequent first); the documents that could not be read; and what
/// discovery found.
pub fn expand(job: &Job<'_>, source: Source) -> Result<(Expansion, Vec<Skipped>, Corpus)> {
    let lex = &job.tagger.lexicon;
    let wild: Vec<bool> = lex
        .entries
        .iter()
        .map(|e| e.pattern.iter().any(|s| matches!(s, Slot::Prefix(_))))
        .collect();
    let mut forms: BTreeMap<u32, BTreeMap<String, u64>> = (0..lex.entries.len())
        .filter(|&i| wild[i])
        .map(|i| (i as u32, BTreeMap::new()))
        .collect();
    // Each worker lists the wildcard forms of its document's hits.
    let inspect = |v: &View<'_>| -> Vec<(u32, String)> {
        let words = v.scratch.word_tokens();
        let a = v.analysis;
        v.hits
            .iter()
            .filter(|h| wild[h.entry as usize])
            .map(|h| {
                let form: Vec<&str> = words[h.word_start as usize..h.word_end as usize]
                    .iter()
                    .map(|&t| a.norm_of(&a.tokens[t as usize]))
                    .collect();
                (h.entry, form.join(" "))
            })
            .collect()
    };
    let (skipped, found) = job.run_each(source, &inspect, |_, seen| {
        for (entry, form) in seen {
            if let Some(counts) = forms.get_mut(&entry) {
                *counts.entry(form).or_insert(0) += 1;
            }
        }
    })?;
    let out = forms
        .into_iter()
        .map(|(e, m)| {
            let mut v: Vec<(String, u64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            (e, v)
        })
        .collect();
    Ok((out, skipped, found))
}
