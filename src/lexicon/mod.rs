//! Lexicons: the TOML file as written → a validated [`Lexicon`].
//!
//! - [`validate`]: the file format, parsed keeping every key's and value's
//!   span so that each problem is reported as `path:line:col: message`,
//!   all of them at once. Validation runs each entry through the same
//!   [`Analyzer`] that reads documents, so an entry and the text it should
//!   match always tokenise alike.
//! - [`interop`]: other dictionary formats (quanteda YAML, LIWC `.dic`)
//!   imported and exported.
//! - [`explain`]: how a text tokenises and matches, a lexicon's examples
//!   run as tests, what a wildcard matched in a corpus. It looks through
//!   the tagger (matcher and stance), so it sits above them; nothing in
//!   this folder or below imports it.
//!
//! The rest of this folder knows nothing of matching or output.

pub mod explain;
pub mod interop;
#[cfg(test)]
mod tests;
mod validate;

pub use validate::entry_pattern;

use crate::analyze::Analyzer;
use crate::error::{Error, Result};
use crate::model::{Poles, Stance};
use sha2::{Digest, Sha256};
use std::ops::Range;
use validate::Validator;

/// The default lexicon, compiled into the binary.
pub const DEFAULT_NAME: &str = "builtin:poverty-framing";
pub const DEFAULT_TOML: &str = include_str!("../../lexicons/poverty-framing.toml");

/// Shortest prefix a wildcard may have, unless the lexicon's
/// `[lexicon] min_wildcard_prefix` says otherwise (imported dictionaries
/// set 0: quanteda reads `up*` and `*ic`).
pub const MIN_WILDCARD_PREFIX: usize = 3;

/// Keys of a category table: no sub-frame may take these names.
pub const CATEGORY_KEYS: &[&str] = &["description", "key", "must_match", "must_not_match"];

/// Default context window, in word tokens either side of a hit.
pub const DEFAULT_CONTEXT_WINDOW: usize = 20;

/// The stance rules used when a lexicon has no `[stance]` table.
pub const DEFAULT_NEGATORS: &[&str] = &[
    "not", "no", "never", "n't", "nor", "without", "hardly", "cannot", "neither",
];
pub const DEFAULT_NEGATION_WINDOW: usize = 3;
pub const DEFAULT_CUES: &[&str] = &[
    "so-called",
    "so called",
    "myth of",
    "myths of",
    "rhetoric of",
    "rhetoric about",
    "language of",
    "narrative of",
    "narratives of",
    "narratives about",
    "discourse of",
    "discourses of",
    "trope of",
    "stereotype of",
    "stereotypes of",
    "what _ call",
    "what _ _ call",
    "dubbed",
    "labelled",
    "labeled",
    "branded",
    "framed as",
    "portrayed as",
    "depicted as",
    "cast as",
    "constructed as",
    "talk of",
    "notion of",
    "idea of",
    "concept of",
];
pub const DEFAULT_CUE_WINDOW: usize = 3;
pub const DEFAULT_REPORTING_VERBS: &[&str] =
    &["claim", "argue", "insist", "allege", "contend", "assert"];
/// Verbs of saying that report speech without "that" ("the minister said
/// the scheme was about personal responsibility"; "..., he said.").
pub const DEFAULT_SPEECH_VERBS: &[&str] =
    &["say", "said", "tell", "told", "add", "warn", "explain"];

/// A distancing cue: words matched by stem, `None` standing for any one word.
#[derive(Debug, Clone)]
pub struct Cue {
    pub text: String,
    pub pattern: Vec<Option<String>>,
}

/// How the stance of a hit is decided; editable in a lexicon's `[stance]`.
#[derive(Debug, Clone)]
pub struct StanceRules {
    /// Normalised negator words; `n't` matches the contraction.
    pub negators: Vec<String>,
    /// Words allowed between a negator and the hit.
    pub negation_window: usize,
    pub cues: Vec<Cue>,
    /// Words allowed between the end of a cue and the hit.
    pub cue_window: usize,
    /// Stems of reporting verbs: "X argues that <hit>" is distanced unless X is I/we.
    pub reporting_verbs: Vec<String>,
    /// Stems of verbs of saying: "X said <hit>...", "<hit>..., X said." are
    /// distanced unless X is I/we or the citation is adopted ("As X said,").
    pub speech_verbs: Vec<String>,
    /// Hits inside quotation marks are distanced.
    pub quotes: bool,
}

/// An example sentence a lexicon carries as a test.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    /// `Some(stance)`: must produce a counted hit with that stance;
    /// `None`: must produce no counted endorsed hit.
    pub expect: Option<Stance>,
    pub scope: ExampleScope,
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleScope {
    Category(usize),
    Subframe(usize),
}

/// One position of an entry's pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// Matches a word whose Snowball stem is this.
    Stem(String),
    /// Matches a word whose normalised (NFKC, lower-cased) form is this.
    Exact(String),
    /// Matches a word whose normalised form starts with this.
    Prefix(String),
    /// Matches a word whose normalised form matches this glob: `*` any
    /// run of characters (none included), `?` exactly one (quanteda's
    /// `valuetype = "glob"`).
    Glob(String),
}

/// Whether `word` matches `glob` (`*` any run, `?` one character).
pub fn glob_matches(glob: &str, word: &str) -> bool {
    let g: Vec<char> = glob.chars().collect();
    let w: Vec<char> = word.chars().collect();
    let (mut gi, mut wi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while wi < w.len() {
        if gi < g.len() && (g[gi] == '?' || g[gi] == w[wi]) {
            gi += 1;
            wi += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some((gi, wi));
            gi += 1;
        } else if let Some((sg, sw)) = star {
            gi = sg + 1;
            wi = sw + 1;
            star = Some((sg, sw + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|&c| c == '*')
}

#[derive(Debug, Clone)]
pub struct Category {
    pub name: String,
    /// The dictionary key it was imported from, as written there
    /// (`+STATE+`, `care.virtue`), when that is not `name`.
    pub key: Option<String>,
    pub description: String,
    /// Indices into [`Lexicon::subframes`].
    pub subframes: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Subframe {
    pub category: usize,
    pub name: String,
    /// The dictionary key path below the category it was imported from,
    /// as written there; `[""]` for the category key's own values.
    pub key: Option<Vec<String>>,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub subframe: usize,
    /// The entry as written in the file.
    pub text: String,
    pub pattern: Vec<Slot>,
    /// 1-based line in the lexicon file.
    pub line: u32,
    /// Optional provenance: a stable id, a citation and a note.
    pub id: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub weight: f64,
    /// Counts only with a context-category term nearby in the paragraph.
    pub context_required: bool,
}

/// A validated lexicon, ready to compile into a matcher.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub name: String,
    pub version: String,
    pub language: String,
    pub description: String,
    /// Where it was read from: a path, or [`DEFAULT_NAME`].
    pub origin: String,
    /// sha256 of the file's bytes, lower-case hex.
    pub sha256: String,
    pub categories: Vec<Category>,
    pub subframes: Vec<Subframe>,
    pub entries: Vec<Entry>,
    pub stance: StanceRules,
    /// The category whose terms satisfy context rules.
    pub context_category: Option<usize>,
    pub context_window: usize,
    pub examples: Vec<Example>,
    /// The two categories share and balance compare, if any:
    /// `[lexicon] poles`, or `behavioural` and `structural` when both exist.
    pub poles: Option<Poles>,
    /// Shortest literal start a wildcard may have.
    pub min_wildcard_prefix: usize,
}

impl Lexicon {
    /// Read and validate the lexicon at `path`, or the built-in one.
    pub fn load(path: Option<&std::path::Path>) -> Result<(Lexicon, Analyzer)> {
        match path {
            None => Lexicon::parse(DEFAULT_NAME, DEFAULT_TOML),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    Error::usage(
                        format!("{}: cannot read lexicon: {e}", p.display()),
                        Some("check the lexicon path; without one, framewatch uses its built-in lexicon".to_string()),
                    )
                })?;
                Lexicon::parse(&p.display().to_string(), &text)
            }
        }
    }

    /// Parse and validate lexicon source text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<(Lexicon, Analyzer)> {
        let mut v = Validator {
            origin,
            text,
            min_prefix: MIN_WILDCARD_PREFIX,
            problems: Vec::new(),
            line_starts: Default::default(),
        };
        let result = v.run();
        if !v.problems.is_empty() {
            v.problems.sort_by_key(|p| p.0);
            let problems = v
                .problems
                .into_iter()
                .map(|(at, msg)| {
                    let (line, col) = line_col(text, at);
                    format!("{origin}:{line}:{col}: {msg}")
                })
                .collect();
            return Err(Error::Lexicon { problems });
        }
        let (mut lexicon, analyzer) = result.expect("no problems means a lexicon");
        lexicon.sha256 = hex_sha256(text.as_bytes());
        Ok((lexicon, analyzer))
    }

    pub fn category_of(&self, entry: &Entry) -> &Category {
        &self.categories[self.subframes[entry.subframe].category]
    }

    pub fn category_index(&self, name: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.name == name)
    }

    /// The categories share and balance compare (`Poles::behavioural`
    /// is the first pole, `Poles::structural` the second), if the lexicon
    /// declares a pair or has both `behavioural` and `structural`.
    pub fn poles(&self) -> Option<Poles> {
        self.poles
    }

    /// Compare categories `a` and `b` in share and balance (`--poles A,B`).
    pub fn set_poles(&mut self, a: &str, b: &str) -> Result<()> {
        let find = |n: &str| {
            self.category_index(n).ok_or_else(|| {
                let names: Vec<&str> = self.categories.iter().map(|c| c.name.as_str()).collect();
                Error::usage(
                    format!("--poles: \"{n}\" is not a category of {}", self.origin),
                    Some(format!("its categories are: {}", names.join(", "))),
                )
            })
        };
        let (a, b) = (find(a)?, find(b)?);
        if a == b || Some(a) == self.context_category || Some(b) == self.context_category {
            return Err(Error::usage(
                "--poles needs two different categories, neither of them the context category",
                None,
            ));
        }
        self.poles = Some(Poles {
            behavioural: a,
            structural: b,
        });
        Ok(())
    }

    /// Why share and balance are left out, when they are: one line for
    /// tables, the report and the audit.
    pub fn no_poles_note(&self) -> Option<String> {
        self.poles.is_none().then(|| {
            format!(
                "share and balance left out: lexicon \"{}\" declares no poles (set [lexicon] poles = [\"A\", \"B\"] or give --poles A,B)",
                self.name
            )
        })
    }

    /// The names of the pole categories, first then second.
    pub fn pole_names(&self) -> Option<[&str; 2]> {
        self.poles.map(|p| {
            [
                self.categories[p.behavioural].name.as_str(),
                self.categories[p.structural].name.as_str(),
            ]
        })
    }

    /// `category.subframe`, the name used in outputs.
    pub fn subframe_path(&self, subframe: usize) -> String {
        let s = &self.subframes[subframe];
        format!("{}.{}", self.categories[s.category].name, s.name)
    }
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub use crate::analyze::line_col;

/// Punctuation that joins the words of a phrase: hyphens and apostrophes.
/// Text matches a phrase across these (and whitespace), never across others.
pub fn is_joiner(norm: &str) -> bool {
    !norm.is_empty()
        && norm
            .chars()
            .all(|c| matches!(c, '-' | '\'' | '\u{2019}' | '\u{2010}' | '\u{2011}'))
}
