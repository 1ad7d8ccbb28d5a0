//! Lexicon files as users write them, valid and not: every problem
//! reported with its position, entries compiled as documents are read.

use super::*;
use crate::error::Error;
use crate::lexicon::{DEFAULT_NAME, DEFAULT_TOML};

fn problems(text: &str) -> Vec<String> {
    match Lexicon::parse("t.toml", text) {
        Ok(_) => vec![],
        Err(Error::Lexicon { problems }) => problems,
        Err(e) => panic!("unexpected error {e}"),
    }
}

const HEAD: &str = "[lexicon]\nname = \"t\"\nversion = \"1\"\nlanguage = \"english\"\n";

#[test]
fn default_lexicon_is_valid() {
    let (lex, _) = Lexicon::parse(DEFAULT_NAME, DEFAULT_TOML).unwrap();
    assert!(lex.entries.len() > 100);
    assert!(lex.category_index(Pole::Behavioural.name()).is_some());
    assert_eq!(lex.sha256.len(), 64);
}

#[test]
fn entries_compile_to_slots() {
    let text = format!(
        "{HEAD}[categories.behavioural.a]\nentries = [\"Welfare Dependency\", \"scroung*\", \"=workless\", \"zero-hours contracts\"]\n[categories.structural.b]\nentries = [\"low pay\"]\n"
    );
    let (lex, _) = Lexicon::parse("t", &text).unwrap();
    let p: Vec<&Vec<Slot>> = lex.entries.iter().map(|e| &e.pattern).collect();
    assert_eq!(
        p[0],
        &vec![Slot::Stem("welfar".into()), Slot::Stem("depend".into())]
    );
    assert_eq!(p[1], &vec![Slot::Prefix("scroung".into())]);
    assert_eq!(p[2], &vec![Slot::Exact("workless".into())]);
    assert_eq!(
        p[3],
        &vec![
            Slot::Stem("zero".into()),
            Slot::Stem("hour".into()),
            Slot::Stem("contract".into())
        ]
    );
    assert_eq!(lex.entries[3].line, 6);
}

#[test]
fn every_problem_is_reported_with_position() {
    let text = format!(
        "{HEAD}colour = 1\n[categories.behavioural.a]\nentries = [\"lazy\", \"laziness\", \"sc*\", \"--\", \"low, pay\"]\nnotes = \"x\"\n[categories.behavioural.b]\nentries = []\n[categories.structural.c]\nentries = [\"lazy\"]\n[categories.empty]\ndescription = \"nothing\"\n"
    );
    let p = problems(&text);
    let joined = p.join("\n");
    assert!(
        joined.contains("t.toml:5:1: unknown key \"colour\""),
        "{joined}"
    );
    assert!(
        joined.contains(
            "t.toml:7:20: duplicate entry \"laziness\": it matches the same words as \"lazy\""
        ),
        "{joined}"
    );
    assert!(joined.contains("wildcard \"sc*\" is too short"), "{joined}");
    assert!(joined.contains("entry \"--\" stems to nothing"), "{joined}");
    assert!(joined.contains("only hyphens and apostrophes"), "{joined}");
    assert!(joined.contains("unknown key \"notes\""), "{joined}");
    assert!(
        joined.contains("sub-frame \"behavioural.b\" is empty"),
        "{joined}"
    );
    assert!(
        joined.contains("t.toml:12:12: entry \"lazy\" appears in two categories"),
        "{joined}"
    );
    assert!(joined.contains("category \"empty\" is empty"), "{joined}");
    assert_eq!(p.len(), 9, "{joined}");
}

#[test]
fn syntax_errors_and_missing_header() {
    let p = problems("[lexicon\nname = 1");
    assert!(p[0].starts_with("t.toml:1:"), "{p:?}");
    assert!(p[0].contains("TOML syntax error"));
    let p = problems("[categories.behavioural.a]\nentries=[\"x\"]\n");
    assert!(p.iter().any(|m| m.contains("missing [lexicon]")), "{p:?}");
    assert!(
        p.iter()
            .any(|m| m.contains("missing category \"structural\"")),
        "{p:?}"
    );
    let p = problems(&HEAD.replace("english", "klingon"));
    assert!(
        p.iter()
            .any(|m| m.contains("unsupported language \"klingon\"")),
        "{p:?}"
    );
}

#[test]
fn line_col_counts_characters() {
    assert_eq!(line_col("ab\ncdé f", 8), (2, 5));
    assert_eq!(line_col("x", 0), (1, 1));
}
