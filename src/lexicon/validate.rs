//! The lexicon file format and its validation: TOML parsed with spans,
//! every problem collected with its position, entries compiled with the
//! analyzer that reads documents.

use super::{
    CATEGORY_KEYS, Category, Cue, DEFAULT_CONTEXT_WINDOW, DEFAULT_CUE_WINDOW, DEFAULT_CUES,
    DEFAULT_NEGATION_WINDOW, DEFAULT_NEGATORS, DEFAULT_REPORTING_VERBS, DEFAULT_SPEECH_VERBS,
    Entry, Example, ExampleScope, Lexicon, MIN_WILDCARD_PREFIX, Slot, StanceRules, Subframe,
    is_joiner, line_col,
};
use crate::analyze::{Analysis, Analyzer, LANGUAGES};
use crate::model::{Pole, Poles, Stance, TokenKind};
use std::collections::HashMap;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

const LEXICON_KEYS: &[&str] = &[
    "name",
    "version",
    "language",
    "description",
    "authors",
    "license",
    "url",
    "context_category",
    "context_window",
    "poles",
    "min_wildcard_prefix",
];
const SUBFRAME_KEYS: &[&str] = &[
    "description",
    "key",
    "entries",
    "context",
    "must_match",
    "must_not_match",
];
const ENTRY_KEYS: &[&str] = &["term", "id", "source", "note", "weight", "context"];
const STANCE_KEYS: &[&str] = &[
    "negators",
    "negation_window",
    "distancing_cues",
    "cue_window",
    "reporting_verbs",
    "speech_verbs",
    "quotes",
];
const EXAMPLE_KEYS: &[&str] = &["text", "stance"];

pub(super) struct Validator<'a> {
    pub(super) origin: &'a str,
    pub(super) text: &'a str,
    /// Shortest literal start of a wildcard (`[lexicon] min_wildcard_prefix`).
    pub(super) min_prefix: usize,
    /// Byte offset and message of each problem found.
    pub(super) problems: Vec<(usize, String)>,
    /// Where each line of `text` starts, found on first use: an entry's
    /// line by binary search instead of counting from the top each time.
    pub(super) line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl Validator<'_> {
    /// The 1-based line of byte offset `at` of the text.
    pub(super) fn line_of(&self, at: usize) -> u32 {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        starts.partition_point(|&s| s <= at.min(self.text.len())) as u32
    }
}

/// What the `[lexicon]` table says.
struct Header {
    name: String,
    version: String,
    language: String,
    description: String,
    /// `context_category` and where it was written.
    context_name: Option<(String, usize)>,
    context_window: usize,
    /// `poles` and where it was written.
    poles: Option<(Vec<(String, usize)>, usize)>,
    min_wildcard_prefix: usize,
    /// The analyzer of the language, if it is one framewatch has.
    analyzer: Option<Analyzer>,
}

/// The sub-frame an entry is in.
struct SubframeAt {
    index: usize,
    /// `category.subframe`.
    path: String,
    /// Whether its entries require context unless they say otherwise.
    context: bool,
}

/// What the entries seen so far compiled to, and their ids: for
/// duplicate checks across the whole lexicon.
#[derive(Default)]
struct EntryIndex {
    /// Per pattern, per sub-frame it is in.
    seen: HashMap<(Vec<Slot>, usize), Seen>,
    ids: HashMap<String, usize>,
    scratch: Analysis,
}

/// A compiled pattern and where its entry was written, for duplicate checks.
struct Seen {
    at: usize,
    subframe: usize,
    text: String,
}

impl<'a> Validator<'a> {
    fn problem(&mut self, at: usize, msg: impl Into<String>) {
        self.problems.push((at, msg.into()));
    }

    fn unknown_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], what: &str, nested: bool) {
        for (k, v) in table.iter() {
            let is_table = matches!(v.get_ref(), DeValue::Table(_));
            if !(allowed.contains(&k.get_ref().as_ref()) || nested && is_table) {
                self.problem(
                    k.span().start,
                    format!(
                        "unknown key \"{}\" in {what}; expected one of: {}",
                        k.get_ref(),
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn int_field(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        range: std::ops::RangeInclusive<usize>,
    ) -> Option<usize> {
        let v = table.get(key)?;
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => i.as_str().replace('_', "").parse::<usize>().ok(),
            _ => None,
        };
        match parsed {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                self.problem(
                    v.span().start,
                    format!(
                        "\"{key}\" must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }

    fn string_list(&mut self, table: &DeTable<'_>, key: &str) -> Option<Vec<(String, usize)>> {
        let v = table.get(key)?;
        let DeValue::Array(a) = v.get_ref() else {
            self.problem(
                v.span().start,
                format!("\"{key}\" must be an array of strings"),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in a.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span().start)),
                _ => self.problem(
                    item.span().start,
                    format!("\"{key}\" must hold only strings"),
                ),
            }
        }
        Some(out)
    }

    fn string_field(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        at: usize,
        required: bool,
    ) -> Option<String> {
        match table.get(key) {
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Some(s.to_string()),
                _ => {
                    self.problem(v.span().start, format!("\"{key}\" must be a string"));
                    None
                }
            },
            None => {
                if required {
                    self.problem(at, format!("missing \"{key}\" in [lexicon]"));
                }
                None
            }
        }
    }

    pub(super) fn run(&mut self) -> Option<(Lexicon, Analyzer)> {
        let (doc, errors) = DeTable::parse_recoverable(self.text);
        for e in &errors {
            let at = e.span().map_or(0, |s| s.start);
            self.problem(at, format!("TOML syntax error: {}", e.message().trim()));
        }
        if !errors.is_empty() {
            return None;
        }
        let doc = doc.into_inner();
        self.unknown_keys(
            &doc,
            &["lexicon", "categories", "stance"],
            "the top level",
            false,
        );

        let header = match doc.get("lexicon").map(|v| (v.span(), v.get_ref())) {
            Some((_, DeValue::Table(t))) => Some(t),
            Some((span, _)) => {
                self.problem(span.start, "\"lexicon\" must be a table: [lexicon]");
                None
            }
            None => {
                self.problem(0, "missing [lexicon] table with name, version and language");
                None
            }
        };
        let header_at = doc
            .iter()
            .find(|(k, _)| k.get_ref() == "lexicon")
            .map_or(0, |(k, _)| k.span().start);
        let h = self.header(header, header_at);
        self.min_prefix = h.min_wildcard_prefix;
        // Validate the categories with an English analyzer if the language
        // was bad, so that every other problem is still reported.
        let checker = h
            .analyzer
            .unwrap_or_else(|| Analyzer::new("english").expect("english exists"));

        let mut lex = Lexicon {
            name: h.name,
            version: h.version,
            language: h.language,
            description: h.description,
            origin: self.origin.to_string(),
            sha256: String::new(),
            categories: Vec::new(),
            subframes: Vec::new(),
            entries: Vec::new(),
            stance: StanceRules {
                negators: Vec::new(),
                negation_window: DEFAULT_NEGATION_WINDOW,
                cues: Vec::new(),
                cue_window: DEFAULT_CUE_WINDOW,
                reporting_verbs: Vec::new(),
                speech_verbs: Vec::new(),
                quotes: true,
            },
            context_category: None,
            context_window: h.context_window,
            examples: Vec::new(),
            poles: None,
            min_wildcard_prefix: h.min_wildcard_prefix,
        };
        self.stance(doc.get("stance"), &checker, &mut lex);
        match doc.get("categories").map(|v| (v.span(), v.get_ref())) {
            Some((_, DeValue::Table(cats))) => self.categories(cats, &checker, &mut lex),
            Some((span, _)) => self.problem(span.start, "\"categories\" must be a table: [categories.NAME.SUBFRAME]"),
            None => self.problem(0, "no [categories.NAME.SUBFRAME] tables: a lexicon needs at least \"behavioural\" and \"structural\""),
        }
        self.context_rules(&mut lex, h.context_name);
        self.poles(&mut lex, h.poles, header_at);
        Some((lex, checker))
    }

    /// Which categories share and balance compare: the declared pair, or
    /// `behavioural` and `structural` when both exist; none otherwise.
    fn poles(
        &mut self,
        lex: &mut Lexicon,
        declared: Option<(Vec<(String, usize)>, usize)>,
        at_header: usize,
    ) {
        let Some((names, at)) = declared else {
            let [b, s] = Pole::BOTH.map(|p| lex.category_index(p.name()));
            if let (Some(b), Some(s)) = (b, s) {
                if lex.context_category.is_some_and(|c| c == b || c == s) {
                    self.problem(
                        at_header,
                        "the context category cannot be \"behavioural\" or \"structural\"",
                    );
                    return;
                }
                lex.poles = Some(Poles {
                    behavioural: b,
                    structural: s,
                });
            }
            return;
        };
        if names.len() != 2 {
            self.problem(
                at,
                "\"poles\" must name two categories: poles = [\"A\", \"B\"]",
            );
            return;
        }
        let mut idx = Vec::new();
        for (n, at) in &names {
            match lex.category_index(n) {
                Some(i) if Some(i) == lex.context_category => self.problem(
                    *at,
                    format!(
                        "pole \"{n}\" is the context category: poles are two framing categories"
                    ),
                ),
                Some(i) => idx.push(i),
                None => self.problem(
                    *at,
                    format!("pole \"{n}\" is not a category of this lexicon"),
                ),
            }
        }
        if let [a, b] = idx[..] {
            if a == b {
                self.problem(at, "\"poles\" must name two different categories");
            } else {
                lex.poles = Some(Poles {
                    behavioural: a,
                    structural: b,
                });
            }
        }
    }

    /// The `[lexicon]` table: name, version, language (and its
    /// analyzer), description, context settings.
    fn header(&mut self, header: Option<&DeTable<'_>>, header_at: usize) -> Header {
        let mut name = String::new();
        let mut version = String::new();
        let mut language = String::from("english");
        let mut description = String::new();
        let mut context_name: Option<(String, usize)> = None;
        let mut context_window = DEFAULT_CONTEXT_WINDOW;
        let mut poles = None;
        let mut min_wildcard_prefix = MIN_WILDCARD_PREFIX;
        let mut analyzer = None;
        if let Some(h) = header {
            self.unknown_keys(h, LEXICON_KEYS, "[lexicon]", false);
            name = self
                .string_field(h, "name", header_at, true)
                .unwrap_or_default();
            version = self
                .string_field(h, "version", header_at, true)
                .unwrap_or_default();
            description = self
                .string_field(h, "description", header_at, false)
                .unwrap_or_default();
            context_name = self
                .string_field(h, "context_category", header_at, false)
                .map(|n| {
                    (
                        n,
                        h.get("context_category")
                            .map_or(header_at, |v| v.span().start),
                    )
                });
            context_window = self
                .int_field(h, "context_window", 1..=500)
                .unwrap_or(DEFAULT_CONTEXT_WINDOW);
            min_wildcard_prefix = self
                .int_field(h, "min_wildcard_prefix", 0..=10)
                .unwrap_or(MIN_WILDCARD_PREFIX);
            poles = self
                .string_list(h, "poles")
                .map(|p| (p, h.get("poles").map_or(header_at, |v| v.span().start)));
            if let Some(l) = self.string_field(h, "language", header_at, true) {
                language = l;
                analyzer = Analyzer::new(&language);
                if analyzer.is_none() {
                    let at = h.get("language").map_or(header_at, |v| v.span().start);
                    let names: Vec<&str> = LANGUAGES.iter().map(|(n, _)| *n).collect();
                    self.problem(
                        at,
                        format!(
                            "unsupported language \"{language}\"; supported: {}",
                            names.join(", ")
                        ),
                    );
                }
            }
        }
        Header {
            name,
            version,
            language,
            description,
            context_name,
            context_window,
            poles,
            min_wildcard_prefix,
            analyzer,
        }
    }

    /// Which category holds context terms, and the rules entries that
    /// require context must follow.
    fn context_rules(&mut self, lex: &mut Lexicon, context_name: Option<(String, usize)>) {
        match context_name {
            Some((name, at)) => match lex.category_index(&name) {
                Some(i) => lex.context_category = Some(i),
                None => self.problem(
                    at,
                    format!("context_category \"{name}\" is not a category of this lexicon"),
                ),
            },
            None => lex.context_category = lex.category_index("context"),
        }
        let needs_context: Vec<&Entry> =
            lex.entries.iter().filter(|e| e.context_required).collect();
        if lex.context_category.is_none() && !needs_context.is_empty() {
            let at = self.offset_of_line(needs_context[0].line);
            self.problem(at, "entries require context but the lexicon has no context category: add [categories.context.NAME] or set context_category in [lexicon]");
        }
        if let Some(c) = lex.context_category {
            for e in needs_context
                .iter()
                .filter(|e| lex.subframes[e.subframe].category == c)
            {
                let at = self.offset_of_line(e.line);
                self.problem(
                    at,
                    format!(
                        "entry \"{}\" is itself a context term: it cannot require context",
                        e.text
                    ),
                );
            }
        }
    }

    fn offset_of_line(&self, line: u32) -> usize {
        self.text
            .split_inclusive('\n')
            .take(line.saturating_sub(1) as usize)
            .map(str::len)
            .sum()
    }

    fn stance(
        &mut self,
        value: Option<&Spanned<DeValue<'_>>>,
        analyzer: &Analyzer,
        lex: &mut Lexicon,
    ) {
        let empty = DeTable::default();
        let table = match value.map(|v| (v.span(), v.get_ref())) {
            None => &empty,
            Some((_, DeValue::Table(t))) => t,
            Some((span, _)) => {
                self.problem(span.start, "\"stance\" must be a table: [stance]");
                &empty
            }
        };
        self.unknown_keys(table, STANCE_KEYS, "[stance]", false);
        let defaults = |list: &[&str]| {
            list.iter()
                .map(|s| (s.to_string(), 0usize))
                .collect::<Vec<_>>()
        };
        let negators = self
            .string_list(table, "negators")
            .unwrap_or_else(|| defaults(DEFAULT_NEGATORS));
        let cues = self
            .string_list(table, "distancing_cues")
            .unwrap_or_else(|| defaults(DEFAULT_CUES));
        let verbs = self
            .string_list(table, "reporting_verbs")
            .unwrap_or_else(|| defaults(DEFAULT_REPORTING_VERBS));
        let speech = self
            .string_list(table, "speech_verbs")
            .unwrap_or_else(|| defaults(DEFAULT_SPEECH_VERBS));
        lex.stance.negation_window = self
            .int_field(table, "negation_window", 0..=10)
            .unwrap_or(DEFAULT_NEGATION_WINDOW);
        lex.stance.cue_window = self
            .int_field(table, "cue_window", 0..=10)
            .unwrap_or(DEFAULT_CUE_WINDOW);
        if let Some(v) = table.get("quotes") {
            match v.get_ref() {
                DeValue::Boolean(b) => lex.stance.quotes = *b,
                _ => self.problem(v.span().start, "\"quotes\" must be true or false"),
            }
        }
        let mut scratch = Analysis::default();
        for (n, at) in negators {
            let n = n.trim().to_lowercase();
            if n == "n't" || n == "n\u{2019}t" {
                lex.stance.negators.push("n't".into());
                continue;
            }
            analyzer.analyze(&n, &mut scratch);
            if scratch.tokens.len() != 1 || scratch.tokens[0].kind != TokenKind::Word {
                self.problem(at, format!("negator \"{n}\" must be one word (or \"n't\")"));
                continue;
            }
            lex.stance
                .negators
                .push(scratch.norm_of(&scratch.tokens[0]).to_string());
        }
        for (c, at) in cues {
            let mut pattern = Vec::new();
            let mut ok = true;
            for word in c.split_whitespace() {
                if word == "_" {
                    pattern.push(None);
                    continue;
                }
                analyzer.analyze(word, &mut scratch);
                for t in &scratch.tokens {
                    match t.kind {
                        TokenKind::Word => {
                            pattern.push(Some(analyzer.stem(scratch.norm_of(t)).into_owned()))
                        }
                        TokenKind::Punct if is_joiner(scratch.norm_of(t)) => {}
                        TokenKind::Punct => ok = false,
                    }
                }
            }
            if !ok {
                self.problem(at, format!("distancing cue \"{c}\": only words, hyphens, apostrophes and \"_\" (any one word) are allowed"));
                continue;
            }
            if pattern.iter().all(Option::is_none) {
                self.problem(at, format!("distancing cue \"{c}\" has no words"));
                continue;
            }
            lex.stance.cues.push(Cue { text: c, pattern });
        }
        for (list, what, out) in [
            (verbs, "reporting verb", &mut lex.stance.reporting_verbs),
            (speech, "speech verb", &mut lex.stance.speech_verbs),
        ] {
            for (v, at) in list {
                analyzer.analyze(&v, &mut scratch);
                if scratch.tokens.len() != 1 || scratch.tokens[0].kind != TokenKind::Word {
                    self.problem(at, format!("{what} \"{v}\" must be one word"));
                    continue;
                }
                out.push(
                    analyzer
                        .stem(scratch.norm_of(&scratch.tokens[0]))
                        .into_owned(),
                );
            }
        }
    }

    /// `must_match` / `must_not_match` examples of a category or sub-frame.
    fn examples(&mut self, table: &DeTable<'_>, scope: ExampleScope, lex: &mut Lexicon) {
        for (key, must) in [("must_match", true), ("must_not_match", false)] {
            let Some(v) = table.get(key) else { continue };
            let DeValue::Array(items) = v.get_ref() else {
                self.problem(
                    v.span().start,
                    format!("\"{key}\" must be an array of sentences"),
                );
                continue;
            };
            for item in items.iter() {
                let at = item.span().start;
                let (text, stance) = match item.get_ref() {
                    DeValue::String(s) => (s.to_string(), Stance::Endorsed),
                    DeValue::Table(t) => {
                        self.unknown_keys(t, EXAMPLE_KEYS, "an example", false);
                        let Some(text) = self.string_field(t, "text", at, false) else {
                            self.problem(at, "an example table needs \"text\"");
                            continue;
                        };
                        let stance = match self.string_field(t, "stance", at, false) {
                            None => Stance::Endorsed,
                            Some(s) => match Stance::parse(&s) {
                                Some(st) => st,
                                None => {
                                    self.problem(at, format!("unknown stance \"{s}\": use endorsed, negated or distanced"));
                                    continue;
                                }
                            },
                        };
                        if !must && stance != Stance::Endorsed {
                            self.problem(at, "a must_not_match example takes no stance: it asserts that no endorsed hit is counted");
                        }
                        (text, stance)
                    }
                    _ => {
                        self.problem(at, format!("\"{key}\" must hold strings or {{ text = \"...\", stance = \"...\" }} tables"));
                        continue;
                    }
                };
                let line = self.line_of(at);
                lex.examples.push(Example {
                    text,
                    expect: must.then_some(stance),
                    scope,
                    line,
                });
            }
        }
    }

    /// A sub-frame's `key`: the dictionary key path it came from, one
    /// string or an array of strings.
    fn key_path(&mut self, table: &DeTable<'_>) -> Option<Vec<String>> {
        let v = table.get("key")?;
        match v.get_ref() {
            DeValue::String(s) => Some(vec![s.to_string()]),
            DeValue::Array(_) => self
                .string_list(table, "key")
                .map(|l| l.into_iter().map(|(s, _)| s).collect()),
            _ => {
                self.problem(
                    v.span().start,
                    "\"key\" must be a string or an array of strings",
                );
                None
            }
        }
    }

    fn context_flag(&mut self, table: &DeTable<'_>, default: bool) -> bool {
        match table.get("context") {
            None => default,
            Some(v) => match v.get_ref() {
                DeValue::String(s) if s.as_ref() == "required" => true,
                DeValue::String(s) if s.as_ref() == "none" => false,
                _ => {
                    self.problem(
                        v.span().start,
                        "\"context\" must be \"required\" or \"none\"",
                    );
                    default
                }
            },
        }
    }

    fn weight(&mut self, table: &DeTable<'_>) -> Option<f64> {
        let w = table.get("weight")?;
        let parsed = match w.get_ref() {
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Integer(i) => i.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        match parsed {
            Some(x) if x.is_finite() && x > 0.0 => Some(x),
            _ => {
                self.problem(w.span().start, "\"weight\" must be a number greater than 0");
                None
            }
        }
    }

    fn categories(&mut self, cats: &DeTable<'_>, analyzer: &Analyzer, lex: &mut Lexicon) {
        let mut index = EntryIndex::default();
        for (cname, cval) in cats.iter() {
            let cat_name = cname.get_ref().to_string();
            let DeValue::Table(ctable) = cval.get_ref() else {
                self.problem(
                    cval.span().start,
                    format!("category \"{cat_name}\" must be a table of sub-frames"),
                );
                continue;
            };
            self.check_name(cname, "category");
            self.unknown_keys(
                ctable,
                CATEGORY_KEYS,
                &format!("category \"{cat_name}\""),
                true,
            );
            let description = self
                .string_field(ctable, "description", 0, false)
                .unwrap_or_default();
            let key = self.string_field(ctable, "key", 0, false);
            let cat_index = lex.categories.len();
            let first_sub = lex.subframes.len();
            lex.categories.push(Category {
                name: cat_name.clone(),
                key,
                description,
                subframes: first_sub..first_sub,
            });
            self.examples(ctable, ExampleScope::Category(cat_index), lex);
            for (sname, sval) in ctable.iter() {
                let DeValue::Table(stable) = sval.get_ref() else {
                    continue;
                };
                let sub_name = sname.get_ref().to_string();
                self.check_name(sname, "sub-frame");
                let where_ = format!("sub-frame \"{cat_name}.{sub_name}\"");
                self.unknown_keys(stable, SUBFRAME_KEYS, &where_, false);
                let sub_index = lex.subframes.len();
                let key = self.key_path(stable);
                lex.subframes.push(Subframe {
                    category: cat_index,
                    name: sub_name.clone(),
                    key,
                    description: self
                        .string_field(stable, "description", 0, false)
                        .unwrap_or_default(),
                });
                let sub_context = self.context_flag(stable, false);
                self.examples(stable, ExampleScope::Subframe(sub_index), lex);
                let entries = match stable.get("entries").map(|v| (v.span(), v.get_ref())) {
                    Some((_, DeValue::Array(a))) => a,
                    Some((span, _)) => {
                        self.problem(
                            span.start,
                            format!("\"entries\" in {where_} must be an array"),
                        );
                        continue;
                    }
                    None => {
                        self.problem(sname.span().start, format!("{where_} has no \"entries\""));
                        continue;
                    }
                };
                if entries.iter().next().is_none() {
                    self.problem(
                        sname.span().start,
                        format!("{where_} is empty: add entries or remove it"),
                    );
                }
                let sub = SubframeAt {
                    index: sub_index,
                    path: format!("{cat_name}.{sub_name}"),
                    context: sub_context,
                };
                for e in entries.iter() {
                    if let Some(entry) = self.entry(e, &sub, &mut index, analyzer, lex) {
                        lex.entries.push(entry);
                    }
                }
            }
            if lex.subframes.len() == first_sub {
                self.problem(cname.span().start, format!("category \"{cat_name}\" is empty: add [categories.{cat_name}.SUBFRAME] tables with entries"));
            }
            lex.categories[cat_index].subframes = first_sub..lex.subframes.len();
        }
    }

    /// One entry of a sub-frame, compiled; `None` (with the problem
    /// reported) if it cannot be one.
    fn entry(
        &mut self,
        e: &Spanned<DeValue<'_>>,
        sub: &SubframeAt,
        index: &mut EntryIndex,
        analyzer: &Analyzer,
        lex: &Lexicon,
    ) -> Option<Entry> {
        let at = e.span().start;
        let where_ = format!("sub-frame \"{}\"", sub.path);
        let mut entry = Entry {
            subframe: sub.index,
            text: String::new(),
            pattern: Vec::new(),
            line: self.line_of(at),
            id: None,
            source: None,
            note: None,
            weight: 1.0,
            context_required: sub.context,
        };
        match e.get_ref() {
            DeValue::String(s) => entry.text = s.to_string(),
            DeValue::Table(t) => {
                self.unknown_keys(t, ENTRY_KEYS, "an entry", false);
                let Some(term) = self.string_field(t, "term", at, false) else {
                    self.problem(at, format!("an entry table in {where_} needs \"term\""));
                    return None;
                };
                entry.text = term;
                entry.id = self.string_field(t, "id", at, false);
                entry.source = self.string_field(t, "source", at, false);
                entry.note = self.string_field(t, "note", at, false);
                entry.context_required = self.context_flag(t, sub.context);
                entry.weight = self.weight(t).unwrap_or(1.0);
            }
            _ => {
                self.problem(
                    at,
                    format!(
                        "entries in {where_} must be strings or {{ term = \"...\", ... }} tables"
                    ),
                );
                return None;
            }
        }
        if let Some(id) = &entry.id {
            if let Some(prev) = index.ids.get(id) {
                let (pl, pc) = line_col(self.text, *prev);
                self.problem(
                    at,
                    format!("entry id \"{id}\" is already used at {pl}:{pc}"),
                );
            } else {
                index.ids.insert(id.clone(), at);
            }
        }
        let s = entry.text.clone();
        let pattern = self.compile_entry(&s, at, analyzer, &mut index.scratch)?;
        // The same words under two sub-frames count under each (quanteda's
        // and LIWC's rule for a value listed under several keys); within
        // one sub-frame they are a duplicate.
        let seen_key = (pattern, sub.index);
        if let Some(prev) = index.seen.get(&seen_key) {
            let (pl, pc) = line_col(self.text, prev.at);
            let prev_path = lex.subframe_path(prev.subframe);
            let msg = if prev.text == s {
                format!("duplicate entry \"{s}\" (also in \"{prev_path}\" at {pl}:{pc})")
            } else {
                format!(
                    "duplicate entry \"{s}\": it matches the same words as \"{}\" in \"{prev_path}\" at {pl}:{pc}",
                    prev.text
                )
            };
            self.problem(at, msg);
            return None;
        }
        let pattern = seen_key.0.clone();
        index.seen.insert(
            seen_key,
            Seen {
                at,
                subframe: sub.index,
                text: s,
            },
        );
        entry.pattern = pattern;
        Some(entry)
    }

    fn check_name(&mut self, key: &Spanned<toml::de::DeString<'_>>, what: &str) {
        let name = key.get_ref();
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !name.contains("__");
        if !ok {
            self.problem(
                key.span().start,
                format!("{what} name \"{name}\" must be lower-case letters, digits and single underscores (it becomes a column name)"),
            );
        }
    }

    /// One word of an entry holding `*` (any run of characters) or `?`
    /// (one character): a prefix when its only wildcard is a trailing
    /// `*`, a glob otherwise. Its literal start must be at least
    /// `min_wildcard_prefix` characters long.
    fn wildcard(
        &mut self,
        raw: &str,
        word: &str,
        at: usize,
        analyzer: &Analyzer,
        scratch: &mut Analysis,
    ) -> Option<Slot> {
        // quanteda reads "heckl**" as "heckl*": a run of stars is one.
        let mut glob = String::new();
        for c in word.chars() {
            if !(c == '*' && glob.ends_with('*')) {
                glob.push(c);
            }
        }
        let mut norm = String::new();
        let mut literal = String::new();
        let mut lead = None;
        for c in glob.chars().chain(std::iter::once('\0')) {
            if c != '*' && c != '?' && c != '\0' {
                literal.push(c);
                continue;
            }
            if !literal.is_empty() {
                analyzer.analyze(&literal, scratch);
                let toks: Vec<_> = scratch.tokens.iter().collect();
                if toks.len() != 1 || toks[0].kind != TokenKind::Word {
                    self.problem(at, format!("wildcard \"{word}\" in \"{raw}\" must be letters or digits besides \"*\" and \"?\""));
                    return None;
                }
                norm.push_str(scratch.norm_of(toks[0]));
                literal.clear();
            }
            lead.get_or_insert(norm.chars().count());
            if c != '\0' {
                norm.push(c);
            }
        }
        if lead.unwrap_or(0) < self.min_prefix {
            self.problem(at, format!("wildcard \"{word}\" is too short to be meaningful: give at least {} characters before \"*\"", self.min_prefix));
            return None;
        }
        match norm.strip_suffix('*') {
            Some(prefix) if !prefix.contains(['*', '?']) => Some(Slot::Prefix(prefix.to_string())),
            _ => Some(Slot::Glob(norm)),
        }
    }

    /// Turn one entry into its pattern, or report why it cannot be one.
    fn compile_entry(
        &mut self,
        raw: &str,
        at: usize,
        analyzer: &Analyzer,
        scratch: &mut Analysis,
    ) -> Option<Vec<Slot>> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            self.problem(at, "empty entry");
            return None;
        }
        let (exact, body) = match trimmed.strip_prefix('=') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, trimmed),
        };
        let mut pattern = Vec::new();
        // A wildcard word joined by hyphens or apostrophes ("co-operative*")
        // is a phrase of its parts, as any joined words are.
        let pieces = body.split_whitespace().flat_map(|w| {
            if w.contains(['*', '?']) {
                w.split(['-', '\'', '\u{2019}'])
                    .filter(|p| !p.is_empty())
                    .collect()
            } else {
                vec![w]
            }
        });
        for word in pieces {
            if word.contains(['*', '?']) {
                pattern.push(self.wildcard(raw, word, at, analyzer, scratch)?);
                continue;
            }
            analyzer.analyze(word, scratch);
            for t in &scratch.tokens {
                let norm = scratch.norm_of(t);
                match t.kind {
                    TokenKind::Word if exact => pattern.push(Slot::Exact(norm.to_string())),
                    TokenKind::Word => pattern.push(Slot::Stem(analyzer.stem(norm).into_owned())),
                    TokenKind::Punct if is_joiner(norm) => {}
                    TokenKind::Punct => {
                        self.problem(at, format!("entry \"{raw}\" contains \"{norm}\": only hyphens and apostrophes may join words in an entry"));
                        return None;
                    }
                }
            }
        }
        if pattern.is_empty()
            || pattern
                .iter()
                .all(|s| matches!(s, Slot::Stem(x) | Slot::Exact(x) if x.is_empty()))
        {
            self.problem(
                at,
                format!("entry \"{raw}\" stems to nothing: it has no letters or digits"),
            );
            return None;
        }
        Some(pattern)
    }
}

/// The pattern `raw` compiles to in a lexicon analysed by `analyzer`, or
/// why it cannot be an entry: the checks `Lexicon::parse` makes of each
/// entry, for importers.
/// `min_prefix`: the shortest literal start of a wildcard.
pub fn entry_pattern(
    raw: &str,
    analyzer: &Analyzer,
    min_prefix: usize,
) -> std::result::Result<Vec<Slot>, String> {
    let mut v = Validator {
        origin: "",
        text: "",
        min_prefix,
        problems: Vec::new(),
        line_starts: Default::default(),
    };
    match v.compile_entry(raw, 0, analyzer, &mut Analysis::default()) {
        Some(p) => Ok(p),
        None => Err(v
            .problems
            .into_iter()
            .next()
            .map(|(_, m)| m)
            .unwrap_or_else(|| format!("entry \"{raw}\" is not valid"))),
    }
}
