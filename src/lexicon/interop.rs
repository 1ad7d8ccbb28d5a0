//! Other dictionary formats: import quanteda YAML, LIWC `.dic` and
//! WordStat `.cat` files into framewatch TOML, and export a lexicon as
//! quanteda-style YAML.
//!
//! Imported entries keep the source's semantics: plain words become exact
//! forms (`=word`, no stemming) and `*` / `?` stay globs. A value listed
//! under several keys is written under each and counts under each, as in
//! quanteda and LIWC (`--first-key-wins` keeps it in the first key only).
//! Key names become lexicon names (lower case, digits, `_`), distinct
//! within their parent, and the key as written is kept in `key` so that
//! `lexicon export` writes it back. A value that cannot be an entry is
//! skipped with a note naming `path:line` (an error with `strict`).

use crate::error::{Error, Result};
use crate::lexicon::{Lexicon, MIN_WILDCARD_PREFIX};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// One sub-frame of an imported dictionary.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub category: String,
    pub sub: String,
    /// Entries and the source line of each.
    pub entries: Vec<(String, usize)>,
    /// The top-level key as written in the source.
    pub category_key: String,
    /// The key path below it as written; empty for the key's own list of
    /// values, `[""]` for quanteda's `''` key.
    pub sub_key: Vec<String>,
}

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// A bad value is an error instead of a skipped entry with a note.
    pub strict: bool,
    /// A value listed under several keys stays under the first only.
    pub first_key_wins: bool,
}

/// A dictionary read from another format, in source order, with notes
/// for the user.
#[derive(Debug, Default)]
pub struct Imported {
    pub groups: Vec<Group>,
    pub notes: Vec<String>,
    /// Values skipped because they cannot be entries.
    pub skipped: usize,
    options: ImportOptions,
    /// Patterns taken so far, per group index (or globally with
    /// `first_key_wins`, as group `usize::MAX`): where and as what.
    seen: std::collections::HashMap<(Vec<crate::lexicon::Slot>, usize), (String, usize, String)>,
}

impl Imported {
    fn new(options: ImportOptions) -> Imported {
        Imported {
            options,
            ..Imported::default()
        }
    }

    /// Every entry, counted once per group.
    pub fn entry_count(&self) -> usize {
        self.groups.iter().map(|g| g.entries.len()).sum()
    }

    /// A value that cannot be imported: skipped with a note, or the error.
    fn bad(&mut self, path: &str, line: usize, msg: impl std::fmt::Display) -> Result<()> {
        if self.options.strict {
            return Err(problem(path, line, msg));
        }
        self.skipped += 1;
        self.notes.push(format!(
            "{path}:{line}: skipped: {msg} (--strict makes this an error)"
        ));
        Ok(())
    }
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

/// The lexicon name of a dictionary key: [`sanitize`]d when the key is
/// words joined by spaces, hyphens, underscores or dots (`care.virtue` →
/// `care_virtue`); other punctuation is spelled out so that keys which
/// differ only in it stay apart (`+STATE+` → `plus_state_plus`,
/// `=STATE=` → `equals_state_equals`, `-STATE-` → `minus_state_minus`).
pub fn key_name(key: &str) -> String {
    let t = key.trim();
    let sep = |c: char| matches!(c, ' ' | '-' | '_' | '.');
    let plain = t.chars().all(|c| c.is_alphanumeric() || sep(c))
        && !t.starts_with(sep)
        && !t.ends_with(sep);
    if plain {
        return sanitize(t);
    }
    let mut spelled = String::new();
    for c in t.chars() {
        let word = match c {
            '+' => "plus",
            '=' => "equals",
            '-' => "minus",
            '&' => "and",
            '@' => "at",
            '#' => "hash",
            '%' => "percent",
            '/' => "slash",
            '<' => "lt",
            '>' => "gt",
            '!' => "not",
            _ => {
                spelled.push(c);
                continue;
            }
        };
        spelled.push(' ');
        spelled.push_str(word);
        spelled.push(' ');
    }
    sanitize(&spelled)
}

/// `name`, or `name_2`, `name_3`... : the first not in `taken`.
fn distinct(name: String, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&name) {
        return name;
    }
    (2..)
        .map(|i| format!("{name}_{i}"))
        .find(|n| !taken(n))
        .expect("some suffix is free")
}

/// A quanteda, LIWC or WordStat value as a framewatch entry: exact
/// words; `*` and `?` kept as globs (a run of `*` is one).
fn convert_value(value: &str) -> std::result::Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("empty dictionary value".into());
    }
    // A wildcard word is written as in the dictionary when hyphens or
    // apostrophes join its parts ("self-relian*": a phrase of its parts to
    // the lexicon, matching "self-reliance" and "self reliance"); other
    // punctuation in it separates words ("u.s.*" → "u s*"), as it does in
    // the text.
    let words: Vec<String> = v
        .split_whitespace()
        .map(|w| {
            if !w.contains(['*', '?']) {
                return w.to_string();
            }
            let kept: String = w
                .chars()
                .map(|c| {
                    let keep =
                        c.is_alphanumeric() || matches!(c, '*' | '?' | '-' | '\'' | '\u{2019}');
                    if keep { c } else { ' ' }
                })
                .collect();
            let mut w = kept.split_whitespace().collect::<Vec<_>>().join(" ");
            while w.contains(" *") || w.contains(" ?") {
                w = w.replace(" *", "*").replace(" ?", "?");
            }
            w
        })
        .collect();
    let v = words.join(" ");
    // "=" makes every part without a wildcard an exact form.
    let plain_part = v
        .split([' ', '-', '\'', '\u{2019}'])
        .any(|p| !p.is_empty() && !p.contains(['*', '?']));
    Ok(if plain_part { format!("={v}") } else { v })
}

/// Where an entry goes: the group's index in [`Imported::groups`].
fn group_index(out: &mut Imported, category_key: &str, sub_key: &[String]) -> usize {
    if let Some(i) = out
        .groups
        .iter()
        .position(|g| g.category_key == category_key && g.sub_key == sub_key)
    {
        return i;
    }
    // The category's name: the one its key already has, or a new one.
    let category = match out.groups.iter().find(|g| g.category_key == category_key) {
        Some(g) => g.category.clone(),
        None => distinct(key_name(category_key), |n| {
            out.groups.iter().any(|g| g.category == n)
        }),
    };
    let sub = if sub_key.is_empty() {
        "terms".to_string()
    } else {
        let joined = sub_key
            .iter()
            .map(|k| {
                if k.is_empty() {
                    "unnamed".into()
                } else {
                    key_name(k)
                }
            })
            .collect::<Vec<_>>()
            .join("_");
        if crate::lexicon::CATEGORY_KEYS.contains(&joined.as_str()) {
            // A category table's own key cannot name a sub-frame.
            format!("{joined}_terms")
        } else {
            joined
        }
    };
    let sub = distinct(sub, |n| {
        out.groups
            .iter()
            .any(|g| g.category == category && g.sub == n)
    });
    out.groups.push(Group {
        category,
        sub,
        entries: Vec::new(),
        category_key: category_key.to_string(),
        sub_key: sub_key.to_vec(),
    });
    out.groups.len() - 1
}

/// Add `value` (from `path:line`) under the key path `keys`, checked as
/// loading the lexicon will check it. The same words twice under one
/// key are one entry (quanteda keeps a key's distinct values); under
/// several keys, one entry in each (unless `first_key_wins`).
fn push_value(
    out: &mut Imported,
    (path, line): (&str, usize),
    keys: &[String],
    value: &str,
) -> Result<()> {
    // Imports write English lexicons.
    static ENGLISH: std::sync::OnceLock<crate::analyze::Analyzer> = std::sync::OnceLock::new();
    let analyzer =
        ENGLISH.get_or_init(|| crate::analyze::Analyzer::new("english").expect("english exists"));
    let entry = match convert_value(value) {
        Ok(e) => e,
        Err(why) => return out.bad(path, line, format!("value \"{}\": {why}", value.trim())),
    };
    let pattern = match crate::lexicon::entry_pattern(&entry, analyzer, 0) {
        Ok(p) => p,
        Err(why) => return out.bad(path, line, format!("cannot import: {why}")),
    };
    for (word, slot) in entry
        .trim_start_matches('=')
        .split_whitespace()
        .zip(&pattern)
    {
        if let crate::lexicon::Slot::Prefix(lit) | crate::lexicon::Slot::Glob(lit) = slot {
            let lead = lit.split(['*', '?']).next().unwrap_or("").chars().count();
            if lead < MIN_WILDCARD_PREFIX {
                out.notes.push(format!(
                    "{path}:{line}: wildcard \"{word}\" is broad: it matches every word {}",
                    if lead == 0 {
                        format!("of its shape ({lit})")
                    } else {
                        format!(
                            "starting \"{}\"",
                            &lit[..lit.find(['*', '?']).unwrap_or(lit.len())]
                        )
                    }
                ));
            }
        }
    }
    let global = (pattern.clone(), usize::MAX);
    if out.options.first_key_wins {
        if let Some((prev, prev_line, prev_entry)) = out.seen.get(&global) {
            out.notes.push(format!(
                "{path}:{line}: \"{entry}\" matches the same words as \"{prev_entry}\" (line {prev_line}); kept in \"{prev}\" only (--first-key-wins)"
            ));
            return Ok(());
        }
    }
    let gi = group_index(out, &keys[0], &keys[1..]);
    let here = format!("{}.{}", out.groups[gi].category, out.groups[gi].sub);
    if let Some((prev, prev_line, prev_entry)) = out.seen.get(&(pattern.clone(), gi)) {
        out.notes.push(format!(
            "{path}:{line}: \"{entry}\" matches the same words as \"{prev_entry}\" (line {prev_line}); one entry in \"{prev}\""
        ));
        return Ok(());
    }
    if out.options.first_key_wins {
        out.seen.insert(global, (here.clone(), line, entry.clone()));
    }
    out.seen.insert((pattern, gi), (here, line, entry.clone()));
    out.groups[gi].entries.push((entry, line));
    Ok(())
}

/// A dictionary as a tree of keys: each key holds values, sub-keys, or
/// both (quanteda's `''` key holds a key's own values beside sub-keys).
#[derive(Debug, Default)]
struct KeyNode {
    key: String,
    line: usize,
    values: Vec<(String, usize)>,
    children: Vec<KeyNode>,
}

/// Flatten a dictionary tree into groups: a top-level key's own values
/// go to sub-frame `terms`, its sub-keys (joined with `_` below the
/// first level) to sub-frames.
fn flatten(path: &str, top: Vec<KeyNode>, options: ImportOptions) -> Result<Imported> {
    fn walk(path: &str, node: &KeyNode, keys: &mut Vec<String>, out: &mut Imported) -> Result<()> {
        keys.push(node.key.clone());
        if node.values.is_empty() && node.children.is_empty() {
            out.bad(
                path,
                node.line,
                format!("key \"{}\" has no values", node.key),
            )?;
        }
        for (v, line) in &node.values {
            push_value(out, (path, *line), keys, v)?;
        }
        for c in &node.children {
            walk(path, c, keys, out)?;
        }
        keys.pop();
        Ok(())
    }
    let mut out = Imported::new(options);
    for node in &top {
        walk(path, node, &mut Vec::new(), &mut out)?;
    }
    // Say where a key went when its name is not the plain one (punctuation
    // spelled out, a suffix to keep it apart, a lexicon key avoided).
    for g in &out.groups {
        let plain_sub = if g.sub_key.is_empty() {
            "terms".to_string()
        } else {
            g.sub_key
                .iter()
                .map(|k| {
                    if k.is_empty() {
                        "unnamed".into()
                    } else {
                        sanitize(k)
                    }
                })
                .collect::<Vec<_>>()
                .join("_")
        };
        if g.category != sanitize(&g.category_key) || g.sub != plain_sub {
            let written: Vec<&str> = std::iter::once(g.category_key.as_str())
                .chain(g.sub_key.iter().map(String::as_str))
                .collect();
            out.notes.push(format!(
                "{path}: key \"{}\" is \"{}.{}\" (the key as written is kept for export)",
                written.join("\" > \""),
                g.category,
                g.sub
            ));
        }
    }
    if out.groups.is_empty() {
        return Err(problem(path, 1, "the dictionary has no values to import"));
    }
    Ok(out)
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
            Event::Scalar(v, style, ..) => {
                // A plain `~` or `null` is YAML's null: no value. Quoted,
                // it is the word (LSD2015 lists "null").
                let null = style == yaml_rust2::scanner::TScalarStyle::Plain
                    && matches!(v.as_str(), "~" | "null" | "Null" | "NULL");
                self.push_value(Node::Scalar(if null { String::new() } else { v }, line))
            }
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

/// Read a quanteda YAML dictionary: `key: [values]`, `key: value`, or
/// nested keys (a `''` key holds its parent's own values). Top-level keys
/// become categories; the keys below, sub-frames (deeper levels joined
/// with `_`); values directly under a top-level key go to a sub-frame
/// named `terms`.
pub fn import_yaml(path: &str, text: &str, options: ImportOptions) -> Result<Imported> {
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
    fn tree(key: String, line: usize, node: Node) -> std::result::Result<KeyNode, (usize, String)> {
        let mut k = KeyNode {
            key,
            line,
            ..KeyNode::default()
        };
        match node {
            Node::Scalar(v, l) => k.values.push((v, l)),
            Node::Seq(items, _) => {
                for item in items {
                    match item {
                        Node::Scalar(v, l) => k.values.push((v, l)),
                        Node::Seq(_, l) | Node::Map(_, l) => {
                            return Err((l, "values must be text".into()));
                        }
                    }
                }
            }
            Node::Map(entries, _) => {
                for (ck, cl, child) in entries {
                    k.children.push(tree(ck, cl, child)?);
                }
            }
        }
        Ok(k)
    }
    let mut nodes = Vec::new();
    for (key, line, node) in top {
        nodes.push(tree(key, line, node).map_err(|(l, m)| problem(path, l, m))?);
    }
    flatten(path, nodes, options)
}

/// The lines of a text whatever its line ends (LF, CRLF or CR alone),
/// numbered from 1.
fn any_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text;
    let mut n = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        n += 1;
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            usize::from(end < rest.len())
        };
        rest = &rest[end + skip..];
        Some((n, line))
    })
}

/// Read a LIWC `.dic` (LIWC 2001-2015 and LIWC-22 layouts, any line
/// ends): a `%`-delimited header of numbered categories, then one term
/// per line followed by its category numbers, separated by tabs or
/// spaces (runs of them). A term listed under several categories belongs
/// to each. Each LIWC category becomes `[categories.<name>.terms]`.
pub fn import_liwc(path: &str, text: &str, options: ImportOptions) -> Result<Imported> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = any_lines(text);
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
    let mut nodes: Vec<KeyNode> = Vec::new();
    let mut numbers: Vec<String> = Vec::new();
    let mut closed = false;
    let mut last = 1;
    for (n, l) in lines.by_ref() {
        last = n;
        let t = l.trim();
        if t == "%" {
            closed = true;
            break;
        }
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        // "1<TAB>posemo", "01 A category", LIWC-2015's "1<TAB>funct<TAB>(Function Words)".
        let (num, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        let name = match rest
            .trim()
            .split('\t')
            .map(str::trim)
            .find(|f| !f.is_empty())
        {
            Some(name) => name,
            None => {
                return Err(problem(
                    path,
                    n,
                    format!("header line \"{t}\" must be a category number and a name"),
                ));
            }
        };
        if !num.chars().all(|c| c.is_ascii_digit()) {
            return Err(problem(
                path,
                n,
                format!("category number \"{num}\" is not a number"),
            ));
        }
        numbers.push(num.trim_start_matches('0').to_string());
        nodes.push(KeyNode {
            key: name.to_string(),
            line: n,
            ..KeyNode::default()
        });
    }
    if !closed {
        return Err(problem(
            path,
            last,
            "the category header is not closed by a second \"%\" line",
        ));
    }
    let mut out_bad = Imported::new(options);
    for (n, l) in lines {
        let t = l.trim();
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        // Terms may hold spaces; category numbers are the trailing fields.
        let fields: Vec<&str> = t.split_whitespace().collect();
        let mut split = fields.len();
        while split > 1 && fields[split - 1].chars().all(|c| c.is_ascii_digit()) {
            split -= 1;
        }
        if split == fields.len() {
            let why = if t.contains(['(', '/']) {
                format!(
                    "\"{t}\": LIWC2007 special codes such as \"(02 134)125/124\" are not supported"
                )
            } else {
                format!("\"{t}\": expected a term followed by category numbers")
            };
            out_bad.bad(path, n, why)?;
            continue;
        }
        let term = fields[..split].join(" ");
        for f in &fields[split..] {
            match numbers
                .iter()
                .position(|num| num == f.trim_start_matches('0'))
            {
                Some(i) => nodes[i].values.push((term.clone(), n)),
                None => out_bad.bad(
                    path,
                    n,
                    format!("category {f} is not declared in the header"),
                )?,
            }
        }
    }
    // A category no term lists is empty, as in quanteda; left out.
    nodes.retain(|k| !k.values.is_empty());
    if nodes.is_empty() {
        return Err(problem(path, 1, "the dictionary has no terms to import"));
    }
    let mut out = flatten(path, nodes, options)?;
    out.skipped += out_bad.skipped;
    out_bad.notes.append(&mut out.notes);
    out.notes = out_bad.notes;
    Ok(out)
}

/// Read a WordStat `.cat` dictionary: categories nested by indentation
/// (tabs), each value a line ending in its weight, `ART (1)`. As WordStat
/// writes phrases, `_` joins the words of a value (`WAR_IN_IRAQ` is the
/// phrase "war in iraq"); `*` is a wildcard.
pub fn import_wordstat(path: &str, text: &str, options: ImportOptions) -> Result<Imported> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Open keys by depth.
    let mut stack: Vec<(usize, KeyNode)> = Vec::new();
    let mut top: Vec<KeyNode> = Vec::new();
    fn close_to(stack: &mut Vec<(usize, KeyNode)>, top: &mut Vec<KeyNode>, depth: usize) {
        while stack.last().is_some_and(|(d, _)| *d >= depth) {
            let (_, node) = stack.pop().expect("checked");
            match stack.last_mut() {
                Some((_, parent)) => parent.children.push(node),
                None => top.push(node),
            }
        }
    }
    let mut out_bad = Imported::new(options);
    for (n, l) in any_lines(text) {
        if l.trim().is_empty() {
            continue;
        }
        // Tabs nest; four spaces count as a tab.
        let depth = l
            .chars()
            .take_while(|c| *c == '\t' || *c == ' ')
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum::<usize>()
            / 4;
        let t = l.trim();
        let weighted = t
            .strip_suffix(')')
            .and_then(|x| x.rsplit_once('('))
            .filter(|(_, w)| w.trim().parse::<f64>().is_ok());
        match weighted {
            Some((value, _)) => {
                let value = value.trim().replace('_', " ");
                close_to(&mut stack, &mut top, depth);
                match stack.last_mut() {
                    Some((d, node)) if *d < depth => {
                        if node.children.is_empty() {
                            node.values.push((value, n));
                        } else {
                            // Values after sub-keys: the key's own, as quanteda's '' key.
                            own_values(node).values.push((value, n));
                        }
                    }
                    _ => out_bad.bad(path, n, format!("value \"{t}\" is not inside a category"))?,
                }
            }
            None => {
                close_to(&mut stack, &mut top, depth);
                if let Some((_, parent)) = stack.last_mut() {
                    if !parent.values.is_empty() {
                        // The key's own values, beside sub-keys.
                        let own = std::mem::take(&mut parent.values);
                        own_values(parent).values.extend(own);
                    }
                }
                stack.push((
                    depth,
                    KeyNode {
                        key: t.to_string(),
                        line: n,
                        ..KeyNode::default()
                    },
                ));
            }
        }
    }
    close_to(&mut stack, &mut top, 0);
    let mut out = flatten(path, top, options)?;
    out.skipped += out_bad.skipped;
    out_bad.notes.append(&mut out.notes);
    out.notes = out_bad.notes;
    Ok(out)
}

/// The `''` child of a key holding its own values beside sub-keys.
fn own_values(node: &mut KeyNode) -> &mut KeyNode {
    let i = match node.children.iter().position(|c| c.key.is_empty()) {
        Some(i) => i,
        None => {
            node.children.insert(
                0,
                KeyNode {
                    line: node.line,
                    ..KeyNode::default()
                },
            );
            0
        }
    };
    &mut node.children[i]
}

/// A TOML basic string: JSON's escapes, and DEL (U+007F), which JSON
/// leaves bare and TOML forbids, escaped too.
fn toml_str(s: &str) -> String {
    serde_json::to_string(s)
        .expect("strings serialise")
        .replace('\u{7f}', "\\u007F")
}

/// Render an imported dictionary as a framewatch lexicon file.
pub fn to_toml(imported: &Imported, name: &str, source: &str, format: &str) -> String {
    let mut out = format!(
        "# Imported by framewatch {} from {source} ({format}).\n# Entries keep the source's semantics: \"=\" marks exact (unstemmed) forms, \"*\" and\n# \"?\" are globs. A value under several keys counts under each. \"key\" keeps each\n# dictionary key as written (for `lexicon export`). share and balance compare\n# the two categories named in [lexicon] poles; without poles they are left out.\n\n[lexicon]\nname = {}\nversion = \"0.1.0\"\nlanguage = \"english\"\ndescription = {}\nmin_wildcard_prefix = 0\n",
        env!("CARGO_PKG_VERSION"),
        toml_str(name),
        toml_str(&format!("Imported from {source}"))
    );
    let mut last_category = None;
    for g in &imported.groups {
        if last_category != Some(&g.category) {
            last_category = Some(&g.category);
            if g.category_key != g.category {
                out.push_str(&format!(
                    "\n[categories.{}]\nkey = {}\n",
                    g.category,
                    toml_str(&g.category_key)
                ));
            }
        }
        out.push_str(&format!("\n[categories.{}.{}]\n", g.category, g.sub));
        // Without `key`, a sub-frame named `terms` is its key's own list
        // and any other its own name: say so only when that is not so.
        let implied = if g.sub == "terms" {
            g.sub_key.is_empty()
        } else {
            g.sub_key.len() == 1 && g.sub_key[0] == g.sub
        };
        if !implied {
            let keys: Vec<String> = g.sub_key.iter().map(|k| toml_str(k)).collect();
            out.push_str(&format!("key = [{}]\n", keys.join(", ")));
        }
        out.push_str("entries = [\n");
        for (e, _) in &g.entries {
            out.push_str(&format!("  {},\n", toml_str(e)));
        }
        out.push_str("]\n");
    }
    out
}

/// A lexicon as quanteda-style YAML: category → sub-frame → values, each
/// under the dictionary key it was imported from when it has one (a
/// sub-frame holding a key's own values goes back under that key, or
/// under `''` beside sub-keys). Stemmed entries are written as spelled in
/// the lexicon (quanteda matches them as fixed words unless its tokens
/// are stemmed too); exact forms lose their `=`; globs stay.
pub fn to_yaml(lexicon: &Lexicon) -> String {
    let q = |s: &str| serde_json::to_string(s).expect("strings serialise");
    let mut out = format!(
        "# {} {} exported by framewatch {}; sha256 {}\n# Stemmed entries are written as spelled; quanteda matches them as fixed words.\n",
        lexicon.name,
        lexicon.version,
        env!("CARGO_PKG_VERSION"),
        lexicon.sha256
    );
    let values = |si: usize, pad: &str, out: &mut String| {
        for e in lexicon.entries.iter().filter(|e| e.subframe == si) {
            let text = e.text.trim();
            let text = text.strip_prefix('=').map_or(text, str::trim_start);
            out.push_str(&format!("{pad}- {}\n", q(text)));
        }
    };
    // A YAML key: bare when it is a lexicon name, quoted otherwise.
    let key = |k: &str| {
        if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            k.to_string()
        } else {
            q(k)
        }
    };
    for c in &lexicon.categories {
        out.push_str(&format!("{}:\n", key(c.key.as_deref().unwrap_or(&c.name))));
        // A sub-frame's key path below the category: its `key`, or
        // `terms` for the key's own list, or its name.
        let path_of = |s: &crate::lexicon::Subframe| match &s.key {
            Some(p) => p.clone(),
            None if s.name == "terms" => Vec::new(),
            None => vec![s.name.clone()],
        };
        let subs = c.subframes.clone();
        if subs.len() == 1 && path_of(&lexicon.subframes[subs.start]).is_empty() {
            values(subs.start, "  ", &mut out);
            continue;
        }
        // Key paths below the category, nested as they were.
        let mut open: Vec<String> = Vec::new();
        for si in subs {
            let s = &lexicon.subframes[si];
            let mut path = path_of(s);
            if path.is_empty() {
                // The key's own list beside sub-keys: quanteda's '' key.
                path.push(String::new());
            }
            let common = open.iter().zip(&path).take_while(|(a, b)| a == b).count();
            let common = common.min(path.len() - 1);
            open.truncate(common);
            for (depth, k) in path.iter().enumerate().skip(common) {
                out.push_str(&format!("{}{}:\n", "  ".repeat(depth + 1), key(k)));
                open.push(k.clone());
            }
            values(si, &"  ".repeat(path.len() + 1), &mut out);
        }
    }
    out
}

/// A dictionary file's text: UTF-8 (a byte-order mark dropped), or
/// Latin-1 when it is not UTF-8 (older LIWC and WordStat files).
pub fn read_dictionary(p: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(p)
        .map_err(|e| Error::usage(format!("{}: cannot read lexicon: {e}", p.display()), None))?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    })
}

/// Import `text` read from `path` by its format: `ext` is `dic` (LIWC),
/// `cat` (WordStat) or anything else (quanteda YAML). Returns the
/// dictionary and the format's name.
pub fn import_any(
    path: &str,
    text: &str,
    ext: &str,
    options: ImportOptions,
) -> Result<(Imported, &'static str)> {
    Ok(match ext {
        "dic" | "liwc" => (import_liwc(path, text, options)?, "LIWC .dic"),
        "cat" | "wordstat" => (import_wordstat(path, text, options)?, "WordStat .cat"),
        _ => (import_yaml(path, text, options)?, "quanteda YAML"),
    })
}

/// Load a lexicon from any file framewatch reads: TOML as is, or a
/// quanteda YAML / LIWC `.dic` / WordStat `.cat` dictionary imported on
/// the fly. `stem`
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
    if !matches!(ext.as_str(), "yml" | "yaml" | "dic" | "cat") {
        let (l, a) = Lexicon::load(Some(p))?;
        return Ok((l, a, Vec::new()));
    }
    let shown = p.display().to_string();
    let text = read_dictionary(p)?;
    let (mut imported, format) = import_any(&shown, &text, &ext, ImportOptions::default())?;
    if stem {
        for g in &mut imported.groups {
            for (e, _) in g.entries.iter_mut() {
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

    const OPTS: ImportOptions = ImportOptions {
        strict: false,
        first_key_wins: false,
    };
    const STRICT: ImportOptions = ImportOptions {
        strict: true,
        first_key_wins: false,
    };

    fn entries(imp: &Imported, i: usize) -> Vec<&str> {
        imp.groups[i]
            .entries
            .iter()
            .map(|(e, _)| e.as_str())
            .collect()
    }

    /// Fuzz crash fc33b8dc (dictionary_import): a value the lexicon cannot
    /// hold was imported, and the written lexicon then failed to load. It
    /// is now skipped with a note naming its line (an error with --strict).
    #[test]
    fn fuzz_fc33b8dc_values_the_lexicon_cannot_hold_are_skipped() {
        let y = "dependency:\n  - ok words\n  - en for the tests.\n";
        let e = import_yaml("d.yml", y, STRICT).unwrap_err().to_string();
        assert_eq!(
            e,
            "d.yml:3: cannot import: entry \"=en for the tests.\" contains \".\": only hyphens and apostrophes may join words in an entry"
        );
        let imp = import_yaml("d.yml", y, OPTS).unwrap();
        assert_eq!(entries(&imp, 0), ["=ok words"]);
        assert_eq!(imp.skipped, 1);
        assert!(
            imp.notes[0].starts_with("d.yml:3: skipped: cannot import:"),
            "{:?}",
            imp.notes
        );
        let e = import_liwc("d.dic", "%\n1\tneg\n%\nu.s.\t1\nok\t1\n", STRICT)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("d.dic:4: cannot import: entry \"=u.s.\""),
            "{e}"
        );
        // A second fuzz crash: "work shy" under two keys loaded as a
        // duplicate; it now counts under each key, as in quanteda.
        let y = "blame:\n  - work-shy\ndependency:\n  - work shy\n";
        let imp = import_yaml("d.yml", y, OPTS).unwrap();
        assert_eq!(imp.groups.len(), 2, "{:?}", imp.groups);
        let toml = to_toml(&imp, "t", "d.yml", "yaml");
        let (lex, _) = crate::lexicon::Lexicon::parse("t.toml", &toml).unwrap();
        assert_eq!(lex.entries.len(), 2);
        // ... or under the first only, when asked.
        let first = ImportOptions {
            first_key_wins: true,
            ..OPTS
        };
        let imp = import_yaml("d.yml", y, first).unwrap();
        assert_eq!(imp.groups.len(), 1, "{:?}", imp.groups);
        assert!(
            imp.notes[0].ends_with("kept in \"blame.terms\" only (--first-key-wins)"),
            "{:?}",
            imp.notes
        );
    }

    /// Fuzz crash 114d95df (dictionary_import): a YAML file that parsed to
    /// an empty mapping imported "successfully" as a lexicon with no entries.
    #[test]
    fn fuzz_114d95df_an_empty_import_is_an_error() {
        for y in ["{}\n", "{ }}\njunk\n", "a: []\n"] {
            let e = import_yaml("d.yml", y, OPTS)
                .map(|i| i.groups)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("d.yml:"), "{y:?}: {e}");
        }
        let e = import_liwc("d.dic", "%\n1\tneg\n%\n", OPTS)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "d.dic:1: the dictionary has no terms to import");
    }

    /// Fuzz crash de68edd0 (dictionary_import): a key holding DEL (U+007F)
    /// was written into the lexicon's TOML unescaped, which TOML refuses.
    #[test]
    fn fuzz_de68edd0_control_characters_in_keys_are_escaped() {
        let imp = import_yaml("d.yml", "l:\n  dependenc\u{7f}:\n    - welfare\n", OPTS).unwrap();
        let toml = to_toml(&imp, "d", "d.yml", "yaml");
        assert!(toml.contains("\\u007F"), "{toml}");
        let (lex, _) = crate::lexicon::Lexicon::parse("d.toml", &toml).unwrap();
        assert_eq!(lex.entries.len(), 1);
    }

    /// Fuzz crash fe5a0f9d (dictionary_import): a key named `must_match`
    /// became a sub-frame table the lexicon reads as the category's examples.
    #[test]
    fn fuzz_fe5a0f9d_lexicon_keys_are_renamed() {
        let imp = import_yaml(
            "d.yml",
            "behavioural:\n  must_match:\n    - lazy\n  key:\n    - idle\n",
            OPTS,
        )
        .unwrap();
        assert_eq!(imp.groups[0].sub, "must_match_terms");
        assert_eq!(imp.groups[1].sub, "key_terms");
        let toml = to_toml(&imp, "t", "d.yml", "yaml");
        let (lex, _) = crate::lexicon::Lexicon::parse("t.toml", &toml).unwrap();
        assert!(lex.poles().is_none());
        assert_eq!(
            lex.subframes[0].key.as_deref(),
            Some(&["must_match".to_string()][..])
        );
    }

    #[test]
    fn yaml_nested_and_flat() {
        let y =
            "behavioural:\n  blame:\n    - lazy\n    - scroung*\nStructural Frames:\n  - low pay\n";
        let imp = import_yaml("d.yml", y, OPTS).unwrap();
        assert_eq!(
            (imp.groups[0].category.as_str(), imp.groups[0].sub.as_str()),
            ("behavioural", "blame")
        );
        assert_eq!(entries(&imp, 0), ["=lazy", "scroung*"]);
        assert_eq!(
            (imp.groups[1].category.as_str(), imp.groups[1].sub.as_str()),
            ("structural_frames", "terms")
        );
        assert_eq!(imp.groups[1].category_key, "Structural Frames");
        assert!(imp.groups[1].sub_key.is_empty());
        assert_eq!(entries(&imp, 1), ["=low pay"]);
    }

    #[test]
    fn yaml_errors_name_lines() {
        let e = import_yaml("d.yml", "a: [x,\n", OPTS)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("d.yml:") && e.contains("YAML syntax error"),
            "{e}"
        );
        let e = import_yaml("d.yml", "a:\n  - [x]\n", OPTS)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "d.yml:2: values must be text");
    }

    /// quanteda's globs: `?`, leading and inner `*`, short prefixes and
    /// `**` are read (short ones with a note on their breadth).
    #[test]
    fn every_quanteda_glob_is_read() {
        let y = "a:\n  - \"?box\"\n  - \"*ic\"\n  - up*\n  - heckl**\n  - colo*r\n  - \"null\"\n  - null\n  - co-operative*\n";
        let imp = import_yaml("d.yml", y, OPTS).unwrap();
        assert_eq!(
            entries(&imp, 0),
            [
                "?box",
                "*ic",
                "up*",
                "heckl**",
                "colo*r",
                "=null",
                "=co-operative*"
            ]
        );
        let broad: Vec<&String> = imp
            .notes
            .iter()
            .filter(|n| n.contains("is broad"))
            .collect();
        assert_eq!(broad.len(), 3, "{:?}", imp.notes);
        assert!(
            imp.notes
                .iter()
                .any(|n| n.starts_with("d.yml:8: skipped: value \"\": empty")),
            "{:?}",
            imp.notes
        );
        let toml = to_toml(&imp, "t", "d.yml", "yaml");
        let (lex, _) = crate::lexicon::Lexicon::parse("t.toml", &toml).unwrap();
        use crate::lexicon::Slot;
        assert_eq!(lex.entries[0].pattern, [Slot::Glob("?box".into())]);
        assert_eq!(lex.entries[2].pattern, [Slot::Prefix("up".into())]);
        assert_eq!(lex.entries[3].pattern, [Slot::Prefix("heckl".into())]);
        // A hyphenated wildcard word is a phrase of its parts, written as it was.
        assert_eq!(
            lex.entries[6].pattern,
            [Slot::Exact("co".into()), Slot::Prefix("operative".into())]
        );
        assert!(to_yaml(&lex).contains("- \"co-operative*\"\n"));
    }

    #[test]
    fn liwc_layouts_quanteda_reads() {
        let dic = "%\n1\tposemo\n2\taffect\n%\nhappy\t1\t2\nabandon*\t2\ngood bye\t1\n";
        let imp = import_liwc("x.dic", dic, OPTS).unwrap();
        assert_eq!(imp.groups[0].category, "posemo");
        assert_eq!(entries(&imp, 0), ["=happy", "=good bye"]);
        // A term in two categories is in each.
        assert_eq!(entries(&imp, 1), ["=happy", "abandon*"]);
        // CR-only and CRLF line ends; runs of tabs and spaces; a header
        // name with spaces; MFD 1.0's "term<TAB><TAB>01 07 09".
        for dic in [
            "%\r01\tA category\r02 Another\r%\rpreserve\t\t01 02\rlamb  01\r",
            "%\r\n01\tA category\r\n02 Another\r\n%\r\npreserve\t\t01 02\r\nlamb \t 01\r\n",
        ] {
            let imp = import_liwc("x.dic", dic, OPTS).unwrap();
            assert_eq!(imp.groups[0].category, "a_category");
            assert_eq!(imp.groups[0].category_key, "A category");
            assert_eq!(entries(&imp, 0), ["=preserve", "=lamb"]);
            assert_eq!(entries(&imp, 1), ["=preserve"]);
        }
        let e = import_liwc("x.dic", "%\n1\tposemo\n%\nhappy\t7\n", STRICT)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "x.dic:4: category 7 is not declared in the header");
        let imp = import_liwc("x.dic", "%\n1\tposemo\n%\nhappy\t7\nglad\t1\n", OPTS).unwrap();
        assert_eq!((imp.entry_count(), imp.skipped), (1, 1));
        let e = import_liwc("x.dic", "1 posemo\n", OPTS)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.dic:1: a LIWC dictionary starts"), "{e}");
    }

    #[test]
    fn wordstat_cat_nests_by_indentation() {
        let cat = "CULTURE\r\n\tCULTURE-HIGH\r\n\t\tART (1)\r\n\t\tMUSIC* (1)\r\n\tPEOPLE (1)\r\n\tWAR_IN_IRAQ (1)\r\nECONOMY\r\n\t+STATE+\r\n\t\tCARE (1)\r\n\t-STATE-\r\n\t\tCARE (1)\r\nRURAL\r\n\tFARM* (1)\r\n";
        let imp = import_wordstat("l.cat", cat, OPTS).unwrap();
        let got: Vec<(String, String, Vec<&str>)> = (0..imp.groups.len())
            .map(|i| {
                (
                    imp.groups[i].category.clone(),
                    imp.groups[i].sub.clone(),
                    entries(&imp, i),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "culture".into(),
                    "unnamed".into(),
                    vec!["=PEOPLE", "=WAR IN IRAQ"]
                ),
                (
                    "culture".into(),
                    "culture_high".into(),
                    vec!["=ART", "MUSIC*"]
                ),
                ("economy".into(), "plus_state_plus".into(), vec!["=CARE"]),
                ("economy".into(), "minus_state_minus".into(), vec!["=CARE"]),
                ("rural".into(), "terms".into(), vec!["FARM*"]),
            ]
        );
    }

    /// Keys with punctuation stay apart and go back out as they were.
    #[test]
    fn key_identity_survives_export() {
        let y = "\"ECONOMY\":\n  \"+STATE+\":\n    - \"care\"\n  \"=STATE=\":\n    - \"age\"\n\"care.virtue\":\n  - \"kind\"\n\"US\":\n  \"MA\": \"boston\"\n  '': \"washington\"\n";
        let imp = import_yaml("d.yml", y, OPTS).unwrap();
        let names: Vec<String> = imp
            .groups
            .iter()
            .map(|g| format!("{}.{}", g.category, g.sub))
            .collect();
        assert_eq!(
            names,
            [
                "economy.plus_state_plus",
                "economy.equals_state_equals",
                "care_virtue.terms",
                "us.ma",
                "us.unnamed"
            ]
        );
        let toml = to_toml(&imp, "t", "d.yml", "yaml");
        let (lex, _) = crate::lexicon::Lexicon::parse("t.toml", &toml).unwrap();
        let yaml = to_yaml(&lex);
        let body: String = yaml
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(
            body,
            "ECONOMY:\n  \"+STATE+\":\n    - \"care\"\n  \"=STATE=\":\n    - \"age\"\n\"care.virtue\":\n  - \"kind\"\nUS:\n  MA:\n    - \"boston\"\n  \"\":\n    - \"washington\"\n"
        );
        // And reads back to the same groups.
        let shape = |i: &Imported| -> Vec<(String, Vec<String>, Vec<String>)> {
            i.groups
                .iter()
                .map(|g| {
                    (
                        g.category_key.clone(),
                        g.sub_key.clone(),
                        g.entries.iter().map(|e| e.0.clone()).collect(),
                    )
                })
                .collect()
        };
        let again = import_yaml("e.yml", &yaml, OPTS).unwrap();
        assert_eq!(shape(&again), shape(&imp));
    }
}
