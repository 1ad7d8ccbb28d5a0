//! Other dictionary formats: import quanteda YAML and LIWC `.dic` files
//! into framewatch TOML, and export a lexicon as quanteda-style YAML.
//!
//! Imported entries keep the source's semantics: plain words become exact
//! forms (`=word`, no stemming) and trailing `*` stays a wildcard. Errors
//! in the source name `path:line: message`.

use crate::error::{Error, Result};
use crate::lexicon::Lexicon;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A dictionary read from another format: (category, sub-frame, entries)
/// in source order, with notes for the user.
#[derive(Debug, Default)]
pub struct Imported {
    pub groups: Vec<(String, String, Vec<String>)>,
    pub notes: Vec<String>,
    /// Patterns taken so far: where (`category.sub-frame`, line) and as what.
    seen: std::collections::HashMap<Vec<crate::lexicon::Slot>, (String, usize, String)>,
}

fn problem(path: &str, line: usize, msg: impl std::fmt::Display) -> Error {
    Error::Import {
        message: format!("{path}:{line}: {msg}"),
    }
}

/// Lower-case letters, digits and single underscores, as lexicon names need.
pub fn sanitize(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        "unnamed".to_string()
    } else {
        out
    }
}

/// A quanteda or LIWC value as a framewatch entry: exact words, trailing
/// wildcards kept; other glob characters are an error.
fn convert_value(path: &str, line: usize, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v == "~" || v == "null" {
        return Err(problem(path, line, "empty dictionary value"));
    }
    for word in v.split_whitespace() {
        let body = word.strip_suffix('*').unwrap_or(word);
        if body.contains('*') || body.contains('?') {
            return Err(problem(
                path,
                line,
                format!(
                    "value \"{v}\": only a trailing \"*\" wildcard can be imported (\"?\" and inner \"*\" have no framewatch equivalent)"
                ),
            ));
        }
    }
    // A wildcard word with inner punctuation ("self-relian*") is a phrase
    // to framewatch: punctuation is not a word token, so it becomes
    // "self relian*", which matches "self-reliance" and "self reliance".
    let words: Vec<String> = v
        .split_whitespace()
        .flat_map(|w| match w.strip_suffix('*') {
            Some(body) if body.contains(|c: char| !c.is_alphanumeric()) => {
                let parts: Vec<&str> = body
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|p| !p.is_empty())
                    .collect();
                let n = parts.len();
                parts
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| {
                        if i + 1 == n {
                            format!("{p}*")
                        } else {
                            p.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
            }
            _ => vec![w.to_string()],
        })
        .collect();
    let v = words.join(" ");
    let entry = if words.iter().all(|w| w.ends_with('*')) {
        v
    } else {
        format!("={v}")
    };
    Ok(entry)
}

/// Add `entry` (from `path:line`) to `category.sub`, checked as loading the
/// lexicon will check it. An entry matching the same words as an earlier
/// one (a lexicon counts each entry in one place) stays where it was
/// first, with a note.
fn push_entry(
    out: &mut Imported,
    (path, line): (&str, usize),
    category: &str,
    sub: &str,
    entry: String,
) -> Result<()> {
    // Imports write English lexicons.
    static ENGLISH: std::sync::OnceLock<crate::analyze::Analyzer> = std::sync::OnceLock::new();
    let analyzer =
        ENGLISH.get_or_init(|| crate::analyze::Analyzer::new("english").expect("english exists"));
    let pattern = crate::lexicon::entry_pattern(&entry, analyzer)
        .map_err(|why| problem(path, line, format!("cannot import: {why}")))?;
    let here = format!("{category}.{sub}");
    if let Some((prev, prev_line, prev_entry)) = out.seen.get(&pattern) {
        out.notes.push(format!(
            "{path}:{line}: \"{entry}\" matches the same words as \"{prev_entry}\" (line {prev_line}); kept in \"{prev}\" only"
        ));
        return Ok(());
    }
    out.seen.insert(pattern, (here, line, entry.clone()));
    match out
        .groups
        .iter_mut()
        .find(|(c, s, _)| c == category && s == sub)
    {
        Some(g) => g.2.push(entry),
        None => out
            .groups
            .push((category.to_string(), sub.to_string(), vec![entry])),
    }
    Ok(())
}

#[derive(Debug)]
enum Node {
    Scalar(String, usize),
    Seq(Vec<Node>, usize),
    Map(Vec<(String, usize, Node)>, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<(Node, Option<(String, usize)>)>,
    root: Option<Node>,
    error: Option<(usize, String)>,
}

impl Builder {
    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some((Node::Seq(items, _), _)) => items.push(node),
            Some((Node::Map(entries, _), key)) => match key.take() {
                None => match node {
                    Node::Scalar(k, line) => *key = Some((k, line)),
                    other => {
                        let line = match &other {
                            Node::Seq(_, l) | Node::Map(_, l) | Node::Scalar(_, l) => *l,
                        };
                        self.error
                            .get_or_insert((line, "a mapping key must be plain text".into()));
                    }
                },
                Some((k, line)) => entries.push((k, line, node)),
            },
            Some((Node::Scalar(..), _)) => {}
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::Scalar(v, ..) => self.push_value(Node::Scalar(v, line)),
            Event::SequenceStart(..) => self.stack.push((Node::Seq(Vec::new(), line), None)),
            Event::MappingStart(..) => self.stack.push((Node::Map(Vec::new(), line), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            Event::Alias(_) => {
                self.error.get_or_insert((
                    line,
                    "YAML aliases are not supported in dictionaries".into(),
                ));
            }
            _ => {}
        }
    }
}

/// Read a quanteda YAML dictionary: `key: [values]`, or nested keys.
/// Top-level keys become categories; the next level, sub-frames (deeper
/// levels are joined with `_`); values directly under a top-level key go
/// to a sub-frame named `terms`.
pub fn import_yaml(path: &str, text: &str) -> Result<Imported> {
    let mut b = Builder::default();
    Parser::new_from_str(text)
        .load(&mut b, false)
        .map_err(|e| {
            problem(
                path,
                e.marker().line(),
                format!("YAML syntax error: {}", e.info()),
            )
        })?;
    if let Some((line, msg)) = b.error {
        return Err(problem(path, line, msg));
    }
    let Some(Node::Map(top, _)) = b.root else {
        return Err(problem(
            path,
            1,
            "a quanteda dictionary is a mapping of keys to lists of values",
        ));
    };
    let mut out = Imported::default();
    for (key, line, node) in top {
        let category = sanitize(&key);
        if category != key {
            out.notes.push(format!(
                "{path}:{line}: key \"{key}\" renamed \"{category}\""
            ));
        }
        collect(path, &category, "", node, line, &mut out)?;
    }
    if out.groups.is_empty() {
        return Err(problem(path, 1, "the dictionary has no values to import"));
    }
    Ok(out)
}

fn collect(
    path: &str,
    category: &str,
    prefix: &str,
    node: Node,
    line: usize,
    out: &mut Imported,
) -> Result<()> {
    match node {
        Node::Scalar(v, l) => push_entry(
            out,
            (path, l),
            category,
            if prefix.is_empty() { "terms" } else { prefix },
            convert_value(path, l, &v)?,
        )?,
        Node::Seq(items, _) => {
            for item in items {
                match item {
                    Node::Scalar(v, l) => {
                        let entry = convert_value(path, l, &v)?;
                        push_entry(
                            out,
                            (path, l),
                            category,
                            if prefix.is_empty() { "terms" } else { prefix },
                            entry,
                        )?;
                    }
                    Node::Seq(_, l) | Node::Map(_, l) => {
                        return Err(problem(path, l, "values must be text"));
                    }
                }
            }
        }
        Node::Map(entries, _) => {
            if entries.is_empty() {
                return Err(problem(
                    path,
                    line,
                    format!("key under \"{category}\" has no values"),
                ));
            }
            for (k, l, child) in entries {
                let name = sanitize(&k);
                if name != k {
                    out.notes
                        .push(format!("{path}:{l}: key \"{k}\" renamed \"{name}\""));
                }
                let mut sub = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}_{name}")
                };
                if crate::lexicon::CATEGORY_KEYS.contains(&sub.as_str()) {
                    // A category table's own key cannot name a sub-frame.
                    out.notes.push(format!(
                        "{path}:{l}: key \"{k}\" renamed \"{sub}_terms\" (\"{sub}\" is a lexicon key)"
                    ));
                    sub = format!("{sub}_terms");
                }
                if out
                    .groups
                    .iter()
                    .any(|(c, s, _)| c == category && *s == sub)
                {
                    out.notes.push(format!("{path}:{l}: \"{k}\" merges into sub-frame \"{category}.{sub}\", which an earlier key already fills"));
                }
                collect(path, category, &sub, child, l, out)?;
            }
        }
    }
    Ok(())
}

/// Read a LIWC `.dic`: a `%`-delimited header of numbered categories, then
/// one term per line followed by its category numbers. Each LIWC category
/// becomes `[categories.<name>.terms]`. A term in several categories is
/// kept in the first (framewatch counts a word in one category only) and
/// the others are listed in the notes.
pub fn import_liwc(path: &str, text: &str) -> Result<Imported> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let first = lines.by_ref().find(|(_, l)| !l.trim().is_empty());
    match first {
        Some((_, l)) if l.trim() == "%" => {}
        Some((n, _)) => {
            return Err(problem(
                path,
                n,
                "a LIWC dictionary starts with a line holding only \"%\"",
            ));
        }
        None => return Err(problem(path, 1, "empty file")),
    }
    let mut names: Vec<(String, String)> = Vec::new(); // (number, name)
    let mut closed = false;
    for (n, l) in lines.by_ref() {
        let t = l.trim();
        if t == "%" {
            closed = true;
            break;
        }
        if t.is_empty() {
            continue;
        }
        let mut parts = t.split_whitespace();
        let (Some(num), Some(name)) = (parts.next(), parts.next()) else {
            return Err(problem(
                path,
                n,
                format!("header line \"{t}\" must be a category number and a name"),
            ));
        };
        if !num.chars().all(|c| c.is_ascii_digit()) {
            return Err(problem(
                path,
                n,
                format!("category number \"{num}\" is not a number"),
            ));
        }
        names.push((num.to_string(), sanitize(name)));
    }
    if !closed {
        return Err(problem(
            path,
            text.lines().count().max(1),
            "the category header is not closed by a second \"%\" line",
        ));
    }
    let mut out = Imported::default();
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (n, l) in lines {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        // Terms may hold spaces; category numbers are the trailing fields.
        let fields: Vec<&str> = if t.contains('\t') {
            t.split('\t')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect()
        } else {
            t.split_whitespace().collect()
        };
        let split = fields
            .iter()
            .position(|f| f.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or(fields.len());
        if split == 0 || split == fields.len() {
            return Err(problem(
                path,
                n,
                format!("\"{t}\": expected a term followed by category numbers"),
            ));
        }
        let term = fields[..split].join(" ");
        let mut cats = Vec::new();
        for f in &fields[split..] {
            if !f.chars().all(|c| c.is_ascii_digit()) {
                return Err(problem(
                    path,
                    n,
                    format!(
                        "\"{f}\" is not a category number (LIWC2007 special codes such as \"(02 134)125/124\" are not supported)"
                    ),
                ));
            }
            match names
                .iter()
                .find(|(num, _)| num.trim_start_matches('0') == f.trim_start_matches('0'))
            {
                Some((_, name)) => cats.push(name.clone()),
                None => {
                    return Err(problem(
                        path,
                        n,
                        format!("category {f} is not declared in the header"),
                    ));
                }
            }
        }
        let entry = convert_value(path, n, &term)?;
        if let Some(prev) = seen.get(&entry) {
            out.notes.push(format!(
                "{path}:{n}: \"{term}\" is listed again; kept in \"{prev}\" only"
            ));
            continue;
        }
        if cats.len() > 1 {
            out.notes.push(format!(
                "{path}:{n}: \"{term}\" is in {}; kept in \"{}\" only",
                cats.join(", "),
                cats[0]
            ));
        }
        seen.insert(entry.clone(), cats[0].clone());
        push_entry(&mut out, (path, n), &cats[0], "terms", entry)?;
    }
    if out.groups.is_empty() {
        return Err(problem(path, 1, "the dictionary has no terms to import"));
    }
    Ok(out)
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// Render an imported dictionary as a framewatch lexicon file.
pub fn to_toml(imported: &Imported, name: &str, source: &str, format: &str) -> String {
    let mut out = format!(
        "# Imported by framewatch {} from {source} ({format}).\n# Entries keep the source's semantics: \"=\" marks exact (unstemmed) forms and a\n# trailing \"*\" is a wildcard. share and balance need categories named\n# \"behavioural\" and \"structural\": rename or regroup the tables below.\n\n[lexicon]\nname = {}\nversion = \"0.1.0\"\nlanguage = \"english\"\ndescription = {}\n",
        env!("CARGO_PKG_VERSION"),
        toml_str(name),
        toml_str(&format!("Imported from {source}"))
    );
    for (cat, sub, entries) in &imported.groups {
        out.push_str(&format!("\n[categories.{cat}.{sub}]\nentries = [\n"));
        for e in entries {
            out.push_str(&format!("  {},\n", toml_str(e)));
        }
        out.push_str("]\n");
    }
    out
}

/// A lexicon as quanteda-style YAML: category → sub-frame → values.
/// Stemmed entries are written as spelled in the lexicon (quanteda
/// matches them as fixed words unless its tokens are stemmed too); exact
/// forms lose their `=`; wildcards stay.
pub fn to_yaml(lexicon: &Lexicon) -> String {
    let q = |s: &str| serde_json::to_string(s).expect("strings serialise");
    let mut out = format!(
        "# {} {} exported by framewatch {}; sha256 {}\n# Stemmed entries are written as spelled; quanteda matches them as fixed words.\n",
        lexicon.name,
        lexicon.version,
        env!("CARGO_PKG_VERSION"),
        lexicon.sha256
    );
    for c in &lexicon.categories {
        out.push_str(&format!("{}:\n", c.name));
        for si in c.subframes.clone() {
            out.push_str(&format!("  {}:\n", lexicon.subframes[si].name));
            for e in lexicon.entries.iter().filter(|e| e.subframe == si) {
                let text = e.text.trim();
                let text = text.strip_prefix('=').map_or(text, str::trim_start);
                out.push_str(&format!("    - {}\n", q(text)));
            }
        }
    }
    out
}

/// Load a lexicon from any file framewatch reads: TOML as is, or a
/// quanteda YAML / LIWC `.dic` dictionary imported on the fly. `stem`
/// makes an imported dictionary's plain words stemmed entries (the
/// Snowball stem of the word matches any word with the same stem), as
/// quanteda's `tokens_wordstem()` would on both sides; without it they
/// stay exact forms, the dictionary's own semantics. The sha256 recorded
/// is that of the file as given. Returns notes for the user (renamed
/// keys, duplicates left out).
pub fn load_any(
    path: Option<&std::path::Path>,
    stem: bool,
) -> Result<(Lexicon, crate::analyze::Analyzer, Vec<String>)> {
    let Some(p) = path else {
        let (l, a) = Lexicon::load(None)?;
        return Ok((l, a, Vec::new()));
    };
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !matches!(ext.as_str(), "yml" | "yaml" | "dic") {
        let (l, a) = Lexicon::load(Some(p))?;
        return Ok((l, a, Vec::new()));
    }
    let shown = p.display().to_string();
    let text = std::fs::read_to_string(p)
        .map_err(|e| Error::usage(format!("{shown}: cannot read lexicon: {e}"), None))?;
    let mut imported = if ext == "dic" {
        import_liwc(&shown, &text)?
    } else {
        import_yaml(&shown, &text)?
    };
    if stem {
        for (_, _, entries) in &mut imported.groups {
            for e in entries.iter_mut() {
                if let Some(rest) = e.strip_prefix('=') {
                    *e = rest.to_string();
                }
            }
        }
    }
    let name = sanitize(
        &p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let format = if ext == "dic" {
        "LIWC .dic"
    } else {
        "quanteda YAML"
    };
    let mut toml = to_toml(&imported, &name, &shown, format);
    let mut notes = imported.notes;
    // Values that match the same words as an earlier one (with stemming,
    // "workless" and "worklessness") are one entry to framewatch: keep
    // the first, as a dictionary lookup would, and say so.
    loop {
        match Lexicon::parse(&shown, &toml) {
            Ok((mut lexicon, analyzer)) => {
                lexicon.sha256 = crate::lexicon::hex_sha256(text.as_bytes());
                return Ok((lexicon, analyzer, notes));
            }
            Err(Error::Lexicon { problems }) => {
                let dup_lines: Vec<usize> = problems
                    .iter()
                    .filter(|p| p.contains(": duplicate entry \""))
                    .filter_map(|p| {
                        p.strip_prefix(&format!("{shown}:"))?
                            .split(':')
                            .next()?
                            .parse()
                            .ok()
                    })
                    .collect();
                if dup_lines.is_empty() || dup_lines.len() != problems.len() {
                    return Err(Error::Lexicon { problems });
                }
                for p in &problems {
                    let what = p
                        .split_once(": duplicate entry ")
                        .map_or(p.as_str(), |x| x.1);
                    notes.push(format!("{shown}: left out duplicate entry {what}"));
                }
                toml = toml
                    .lines()
                    .enumerate()
                    .filter(|(i, _)| !dup_lines.contains(&(i + 1)))
                    .map(|(_, l)| format!("{l}\n"))
                    .collect();
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fuzz crash fc33b8dc (dictionary_import): a value the lexicon cannot
    /// hold was imported, and the written lexicon then failed to load.
    #[test]
    fn fuzz_fc33b8dc_import_rejects_values_the_lexicon_cannot_hold() {
        let e = import_yaml(
            "d.yml",
            "dependency:\n  - ok words\n  - en for the tests.\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "d.yml:3: cannot import: entry \"=en for the tests.\" contains \".\": only hyphens and apostrophes may join words in an entry"
        );
        let e = import_yaml("d.yml", "a:\n  - ab*\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("d.yml:2: cannot import:") && e.contains("too short"),
            "{e}"
        );
        let e = import_liwc("d.dic", "%\n1\tneg\n%\nu.s.\t1\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("d.dic:4: cannot import: entry \"=u.s.\""),
            "{e}"
        );
        // A second fuzz crash: "work shy" under two keys loaded as a
        // duplicate; it now stays under the first key, with a note.
        let imp =
            import_yaml("d.yml", "blame:\n  - work-shy\ndependency:\n  - work shy\n").unwrap();
        assert_eq!(imp.groups.len(), 1, "{:?}", imp.groups);
        assert_eq!(
            imp.notes,
            [
                "d.yml:4: \"=work shy\" matches the same words as \"=work-shy\" (line 2); kept in \"blame.terms\" only"
            ]
        );
    }

    /// Fuzz crash 114d95df (dictionary_import): a YAML file that parsed to
    /// an empty mapping imported "successfully" as a lexicon with no entries.
    #[test]
    fn fuzz_114d95df_an_empty_import_is_an_error() {
        for y in ["{}\n", "{ }}\njunk\n", "a: []\n"] {
            let e = import_yaml("d.yml", y)
                .map(|i| i.groups)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("d.yml:"), "{y:?}: {e}");
        }
        let e = import_liwc("d.dic", "%\n1\tneg\n%\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "d.dic:1: the dictionary has no terms to import");
    }

    /// Fuzz crash fe5a0f9d (dictionary_import): a key named `must_match`
    /// became a sub-frame table the lexicon reads as the category's examples.
    #[test]
    fn fuzz_fe5a0f9d_lexicon_keys_are_renamed() {
        let imp = import_yaml("d.yml", "behavioural:\n  must_match:\n    - lazy\n").unwrap();
        assert_eq!(imp.groups[0].1, "must_match_terms");
        assert!(
            imp.notes[0].starts_with("d.yml:2: key \"must_match\" renamed"),
            "{:?}",
            imp.notes
        );
        let toml = to_toml(&imp, "t", "d.yml", "yaml");
        let e = crate::lexicon::Lexicon::parse("t.toml", &toml)
            .unwrap_err()
            .to_string();
        assert!(e.lines().all(|l| l.contains("missing category")), "{e}");
    }

    #[test]
    fn yaml_nested_and_flat() {
        let y =
            "behavioural:\n  blame:\n    - lazy\n    - scroung*\nStructural Frames:\n  - low pay\n";
        let imp = import_yaml("d.yml", y).unwrap();
        assert_eq!(
            imp.groups[0],
            (
                "behavioural".into(),
                "blame".into(),
                vec!["=lazy".into(), "scroung*".into()]
            )
        );
        assert_eq!(
            imp.groups[1],
            (
                "structural_frames".into(),
                "terms".into(),
                vec!["=low pay".into()]
            )
        );
        assert!(imp.notes[0].contains("renamed \"structural_frames\""));
    }

    #[test]
    fn yaml_errors_name_lines() {
        let e = import_yaml("d.yml", "a:\n  - ok\n  - b?d\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("d.yml:3: value \"b?d\""), "{e}");
        let e = import_yaml("d.yml", "a: [x,\n").unwrap_err().to_string();
        assert!(
            e.contains("d.yml:") && e.contains("YAML syntax error"),
            "{e}"
        );
    }

    #[test]
    fn liwc_header_and_multi_category() {
        let dic = "%\n1\tposemo\n2\taffect\n%\nhappy\t1\t2\nabandon*\t2\ngood bye\t1\n";
        let imp = import_liwc("x.dic", dic).unwrap();
        assert_eq!(
            imp.groups[0],
            (
                "posemo".into(),
                "terms".into(),
                vec!["=happy".into(), "=good bye".into()]
            )
        );
        assert_eq!(
            imp.groups[1],
            ("affect".into(), "terms".into(), vec!["abandon*".into()])
        );
        assert!(imp.notes[0].starts_with("x.dic:5: \"happy\" is in posemo, affect"));
        let e = import_liwc("x.dic", "%\n1\tposemo\n%\nhappy\t7\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "x.dic:4: category 7 is not declared in the header");
        let e = import_liwc("x.dic", "1 posemo\n").unwrap_err().to_string();
        assert!(e.starts_with("x.dic:1: a LIWC dictionary starts"), "{e}");
    }
}
