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
    assert!(
        lex.category_index(crate::model::Pole::Behavioural.name())
            .is_some()
    );
    let poles = lex
        .poles()
        .expect("behavioural and structural are the default poles");
    assert_eq!(lex.pole_names(), Some(["behavioural", "structural"]));
    assert_eq!(
        poles.behavioural,
        lex.category_index("behavioural").unwrap()
    );
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
    // "lazy" in two categories counts in each: not a problem.
    assert!(!joined.contains("t.toml:12:"), "{joined}");
    assert!(joined.contains("category \"empty\" is empty"), "{joined}");
    assert_eq!(p.len(), 8, "{joined}");
}

#[test]
fn syntax_errors_and_missing_header() {
    let p = problems("[lexicon\nname = 1");
    assert!(p[0].starts_with("t.toml:1:"), "{p:?}");
    assert!(p[0].contains("TOML syntax error"));
    let p = problems("[categories.behavioural.a]\nentries=[\"x\"]\n");
    assert!(p.iter().any(|m| m.contains("missing [lexicon]")), "{p:?}");
    // Categories are the user's: no pole is required.
    assert!(!p.iter().any(|m| m.contains("structural")), "{p:?}");
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

/// Entries' lines come from an index of line starts: the lines
/// `line_col` counts, at every offset and past the end.
#[test]
fn line_starts_give_line_col_lines() {
    for text in ["", "x", "ab\ncdé f\n\nlast", "\n\n", "a\r\nb\n"] {
        let v = validate::Validator {
            origin: "t.toml",
            text,
            min_prefix: MIN_WILDCARD_PREFIX,
            problems: Vec::new(),
            line_starts: Default::default(),
        };
        // Offsets the validator gives: character boundaries (and past
        // the end, clamped).
        for at in (0..=text.len() + 2).filter(|&at| at >= text.len() || text.is_char_boundary(at)) {
            assert_eq!(
                v.line_of(at) as usize,
                line_col(text, at).0,
                "{text:?} at {at}"
            );
        }
    }
}

/// Share and balance compare the declared poles, the default pair when
/// both exist, or nothing.
#[test]
fn poles_are_declared_defaulted_or_absent() {
    let cats =
        "[categories.pos.a]\nentries = [\"good\"]\n[categories.neg.a]\nentries = [\"bad\"]\n";
    let (lex, _) = Lexicon::parse("t", &format!("{HEAD}{cats}")).unwrap();
    assert!(lex.poles().is_none());
    assert!(lex.no_poles_note().unwrap().contains("--poles"));
    let declared = HEAD.to_string() + "poles = [\"neg\", \"pos\"]\n" + cats;
    let (mut lex, _) = Lexicon::parse("t", &declared).unwrap();
    assert_eq!(lex.pole_names(), Some(["neg", "pos"]));
    lex.set_poles("pos", "neg").unwrap();
    assert_eq!(lex.pole_names(), Some(["pos", "neg"]));
    assert!(lex.set_poles("pos", "pos").is_err());
    assert!(
        lex.set_poles("pos", "nope")
            .unwrap_err()
            .to_string()
            .contains("\"nope\" is not a category")
    );
    let p = problems(&(HEAD.to_string() + "poles = [\"neg\", \"zero\"]\n" + cats));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("pole \"zero\" is not a category"), "{p:?}");
    let p = problems(&(HEAD.to_string() + "poles = [\"neg\"]\n" + cats));
    assert!(p[0].contains("must name two categories"), "{p:?}");
}

/// The same words under two sub-frames are an entry in each; twice in
/// one sub-frame, a duplicate.
#[test]
fn one_value_under_two_keys_is_in_each() {
    let text = format!(
        "{HEAD}[categories.a.x]\nentries = [\"okay\"]\n[categories.b.y]\nentries = [\"okay\", \"fine\"]\n[categories.b.z]\nentries = [\"okay\"]\n"
    );
    let (lex, _) = Lexicon::parse("t", &text).unwrap();
    assert_eq!(lex.entries.len(), 4);
    let p = problems(&format!(
        "{HEAD}[categories.a.x]\nentries = [\"okay\", \"okay\"]\n"
    ));
    assert!(p[0].contains("duplicate entry \"okay\""), "{p:?}");
}

/// Globs: `?` and inner or leading `*` need `min_wildcard_prefix` to
/// allow their short literal start; trailing `*` stays a prefix.
#[test]
fn globs_and_the_wildcard_prefix_rule() {
    let cats = "[categories.a.x]\nentries = [\"?box\", \"*ic\", \"colo*r\", \"heckl**\"]\n";
    let p = problems(&format!("{HEAD}{cats}"));
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].contains("wildcard \"?box\" is too short"), "{p:?}");
    let (lex, _) = Lexicon::parse("t", &format!("{HEAD}min_wildcard_prefix = 0\n{cats}")).unwrap();
    let pats: Vec<&Slot> = lex.entries.iter().map(|e| &e.pattern[0]).collect();
    assert_eq!(
        pats,
        [
            &Slot::Glob("?box".into()),
            &Slot::Glob("*ic".into()),
            &Slot::Glob("colo*r".into()),
            &Slot::Prefix("heckl".into())
        ]
    );
    assert!(glob_matches("?box", "xbox") && !glob_matches("?box", "box"));
    assert!(glob_matches("*ic", "atlantic") && glob_matches("*ic", "ic"));
    assert!(glob_matches("colo*r", "colour") && !glob_matches("colo*r", "colours"));
    assert!(glob_matches("a*b*c", "aXbYbc") && !glob_matches("a*b*c", "aXbYb"));
}
