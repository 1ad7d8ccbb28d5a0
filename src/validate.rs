//! Validation against hand coding: read a gold file of coded units, tag
//! the same units, and measure agreement — between coders first
//! (Krippendorff's alpha, pairwise Cohen's kappa), then between the tool
//! and the coders' (majority) label: precision, recall and F1 with seeded
//! bootstrap intervals, Cohen's kappa, the confusion table, and every
//! false positive and false negative with the entries responsible.
//!
//! A gold file is CSV or JSONL, one row per unit and coder (the coding
//! sheet `framewatch sample` writes). A unit is found by `doc_id` (with an
//! optional `byte_start`/`byte_end` span) in the corpus, or tagged from its
//! own `text`. Label columns are named like a lexicon category
//! (`behavioural`) or sub-frame (`behavioural.dependency`); `stance` codes
//! the stance of one category's framing.

use crate::aggregate::{cell_seed, quantile};
use crate::analyze::Analysis;
use crate::error::{Error, Result};
use crate::ingest::IngestOptions;
use crate::lexicon::Lexicon;
use crate::model::{DocMeta, Hit, HitStatus, Stance};
use crate::pipeline::Tagger;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// What a label column measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Category(usize),
    Subframe(usize),
    /// A category's endorsed hits only (what rates count); derived from the
    /// category column and the stance column.
    Endorsed(usize),
}

#[derive(Debug, Clone)]
pub struct Label {
    pub name: String,
    pub target: Target,
}

/// Who gave a coding: an independent coder, or the third reader who
/// settled the coders' disagreements (`role = adjudicator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Coder,
    Adjudicator,
}

/// One coder's codes for one unit.
#[derive(Debug, Clone)]
pub struct Coding {
    pub coder: String,
    pub role: Role,
    /// Line of the row in the gold file.
    pub line: usize,
    /// Per label column (not the derived endorsed labels): coded or blank.
    pub values: Vec<Option<bool>>,
    /// Per lexicon category: the stance coded for its framing, when the
    /// category column says `endorsed`/`distanced`/`negated` (or, in the
    /// older layout, the `stance` column codes that category).
    pub stances: Vec<Option<Stance>>,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub unit_id: String,
    pub line: usize,
    pub doc_id: Option<String>,
    pub span: Option<(usize, usize)>,
    pub text: Option<String>,
    pub codings: Vec<Coding>,
    /// Design weight, 1 / inclusion probability, when the sample's design
    /// is known (an `inclusion_prob` column or `--design` file).
    pub weight: Option<f64>,
    /// Sampling stratum, when known: bootstrap resamples within strata.
    pub stratum: Option<String>,
}

/// A parsed gold file.
#[derive(Debug, Clone)]
pub struct Gold {
    pub path: String,
    /// Label columns, in file order.
    pub labels: Vec<Label>,
    /// Categories whose framing has stance codes (derived endorsed labels).
    pub stance_cats: Vec<usize>,
    pub units: Vec<Unit>,
    /// Independent coders (not adjudicators), sorted.
    pub coders: Vec<String>,
    /// Units with an adjudicator's coding.
    pub adjudicated: u64,
    /// Rows dropped by `--where` filters.
    pub filtered_out: u64,
}

/// How to read a gold file.
#[derive(Debug, Clone, Default)]
pub struct GoldOptions {
    /// The category an old-style `stance` column codes (default: the first
    /// category that is not the context category).
    pub stance_of: Option<String>,
    /// Keep only rows whose column equals the value (`split=test`).
    pub filters: Vec<(String, String)>,
    /// Inclusion probability and stratum per unit id, from a design file
    /// (`sample`'s key); a gold file's own `inclusion_prob` column wins.
    pub design: HashMap<String, (f64, Option<String>)>,
}

/// A label cell: `1`/`0` and the like, or a stance (`endorsed`,
/// `distanced`, `negated`: the framing is present) or `none`.
pub fn parse_code(s: &str) -> Option<(bool, Option<Stance>)> {
    let v = s.trim().to_ascii_lowercase();
    if v == "none" {
        return Some((false, None));
    }
    if let Some(st) = Stance::parse(&v) {
        return Some((true, Some(st)));
    }
    parse_flag(&v).map(|b| (b, None))
}

/// A cell value as read: CSV fields and JSON scalars alike.
type Record = BTreeMap<String, (usize, Option<String>)>;
/// Column names in file order, and the rows with their line numbers.
type Records = (Vec<String>, Vec<(usize, Record)>);

fn bad(path: &str, line: usize, col: Option<usize>, msg: String) -> Error {
    let at = match col {
        Some(c) => format!("{path}:{line}:{c}"),
        None => format!("{path}:{line}"),
    };
    Error::usage(
        format!("{at}: {msg}"),
        Some(
            "fix the gold file at that place; `framewatch validate --help` describes its columns"
                .to_string(),
        ),
    )
}

/// Parse CSV (or TSV, by extension `ext`) or JSONL rows as (line,
/// column → (column number, value)). Blank cells and JSON nulls are `None`.
fn read_records(shown: &str, bytes: Vec<u8>, ext: &str) -> Result<Records> {
    let shown = shown.to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::usage(
            format!(
                "{shown}: not UTF-8 (invalid byte at {})",
                e.utf8_error().valid_up_to()
            ),
            Some("save the gold file as UTF-8".to_string()),
        )
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut rows = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    if matches!(ext, "jsonl" | "ndjson" | "json") {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
                bad(
                    &shown,
                    i + 1,
                    Some(e.column()),
                    format!("not a JSON object: {e}"),
                )
            })?;
            let obj = v.as_object().ok_or_else(|| {
                bad(
                    &shown,
                    i + 1,
                    None,
                    "each line must be a JSON object".into(),
                )
            })?;
            let mut rec = Record::new();
            for (k, v) in obj {
                let value = match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) if s.trim().is_empty() => None,
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Bool(b) => Some(b.to_string()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => {
                        return Err(bad(
                            &shown,
                            i + 1,
                            None,
                            format!("field `{k}`: expected a string, number, boolean or null"),
                        ));
                    }
                };
                let k = k.trim().to_string();
                if !columns.contains(&k) {
                    columns.push(k.clone());
                }
                rec.insert(k, (0, value));
            }
            rows.push((i + 1, rec));
        }
    } else {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(if ext == "tsv" { b'\t' } else { b',' })
            .from_reader(text.as_bytes());
        columns = r
            .headers()
            .map_err(|e| bad(&shown, 1, None, format!("unreadable header: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        for rec in r.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                bad(&shown, line, None, format!("{e}"))
            })?;
            let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
            let mut m = Record::new();
            for (c, (name, value)) in columns.iter().zip(rec.iter()).enumerate() {
                let v = value.trim();
                m.insert(
                    name.clone(),
                    (c + 1, (!v.is_empty()).then(|| value.to_string())),
                );
            }
            rows.push((line, m));
        }
    }
    Ok((columns, rows))
}

/// `1/yes/y/true/present/x` and `0/no/n/false/absent`.
pub fn parse_flag(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "present" | "x" => Some(true),
        "0" | "no" | "n" | "false" | "absent" => Some(false),
        _ => None,
    }
}

impl Gold {
    /// Read and check a gold file against the lexicon's categories.
    pub fn read(path: &Path, lexicon: &Lexicon, opts: &GoldOptions) -> Result<Gold> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            Error::usage(
                format!("{shown}: cannot read gold file: {e}"),
                Some("give a CSV or JSONL file of hand-coded units".to_string()),
            )
        })?;
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        Gold::parse(&shown, bytes, &ext, lexicon, opts)
    }

    /// [`Gold::read`] on bytes already read; `ext` (`csv`, `tsv`, `jsonl`,
    /// ...) chooses the format, `shown` names the file in errors.
    pub fn parse(
        shown: &str,
        bytes: Vec<u8>,
        ext: &str,
        lexicon: &Lexicon,
        opts: &GoldOptions,
    ) -> Result<Gold> {
        let shown = shown.to_string();
        let (columns, rows) = read_records(&shown, bytes, ext)?;
        let col = |names: &[&str]| {
            names
                .iter()
                .find(|n| columns.iter().any(|c| c == *n))
                .map(|s| s.to_string())
        };
        let id_col = col(&["unit_id", "id"]).ok_or_else(|| {
            Error::usage(
                format!("{shown}: no `unit_id` (or `id`) column"),
                Some("name each coded unit in a `unit_id` column".to_string()),
            )
        })?;
        if col(&["text"]).is_none() && col(&["doc_id"]).is_none() {
            return Err(Error::usage(
                format!("{shown}: no `text` or `doc_id` column: the units cannot be found"),
                Some("give each unit its text, or the `doc_id` (and `byte_start`, `byte_end`) of a corpus document".to_string()),
            ));
        }
        for (name, _) in &opts.filters {
            if !columns.iter().any(|c| c == name) {
                return Err(Error::usage(
                    format!(
                        "--where {name}=...: {shown} has no `{name}` column (it has {})",
                        columns.join(", ")
                    ),
                    None,
                ));
            }
        }
        let (labels, label_cols) = label_columns(&shown, &columns, lexicon)?;
        let legacy_stance = if columns.iter().any(|c| c == "stance") {
            Some(match &opts.stance_of {
                Some(name) => lexicon.category_index(name).ok_or_else(|| {
                    Error::usage(
                        format!(
                            "--stance-of: no category `{name}` in lexicon {}",
                            lexicon.name
                        ),
                        None,
                    )
                })?,
                None => (0..lexicon.categories.len())
                    .find(|i| Some(*i) != lexicon.context_category)
                    .ok_or_else(|| Error::Other("the lexicon has no categories".into()))?,
            })
        } else {
            None
        };
        let coder_col = columns.iter().any(|c| c == "coder");
        let mut units: Vec<Unit> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut coders = BTreeSet::new();
        let mut stance_cats = BTreeSet::new();
        let mut filtered_out = 0;
        for (line, rec) in rows {
            let get = |name: &str| rec.get(name).and_then(|(_, v)| v.clone());
            let colno = |name: &str| rec.get(name).map(|(c, _)| *c).filter(|c| *c > 0);
            if !opts
                .filters
                .iter()
                .all(|(k, v)| get(k).is_some_and(|x| x.trim() == v))
            {
                filtered_out += 1;
                continue;
            }
            let unit_id = get(&id_col)
                .ok_or_else(|| bad(&shown, line, colno(&id_col), format!("empty `{id_col}`")))?;
            let num = |name: &str| -> Result<Option<usize>> {
                match get(name) {
                    None => Ok(None),
                    Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
                        bad(
                            &shown,
                            line,
                            colno(name),
                            format!("`{name}` must be a byte offset, not {v:?}"),
                        )
                    }),
                }
            };
            let span = match (num("byte_start")?, num("byte_end")?) {
                (Some(s), Some(e)) if s <= e => Some((s, e)),
                (Some(s), Some(e)) => {
                    return Err(bad(
                        &shown,
                        line,
                        colno("byte_end"),
                        format!("byte_end {e} is before byte_start {s}"),
                    ));
                }
                (None, None) => None,
                _ => {
                    return Err(bad(
                        &shown,
                        line,
                        None,
                        "give both byte_start and byte_end, or neither".into(),
                    ));
                }
            };
            let doc_id = get("doc_id");
            let text = get("text");
            if doc_id.is_none() && text.is_none() {
                return Err(bad(
                    &shown,
                    line,
                    None,
                    format!("unit {unit_id:?} has neither text nor doc_id"),
                ));
            }
            let mut values = Vec::with_capacity(label_cols.len());
            let mut stances = vec![None; lexicon.categories.len()];
            for (c, label) in label_cols.iter().zip(&labels) {
                let Some(v) = get(c) else {
                    values.push(None);
                    continue;
                };
                let (present, stance) = parse_code(&v).ok_or_else(|| {
                    bad(
                        &shown,
                        line,
                        colno(c),
                        format!("`{c}` must be 1 or 0 (yes/no, true/false, present/absent), a stance (endorsed, distanced, negated) or none, or blank; not {v:?}"),
                    )
                })?;
                if let (Target::Category(cat), Some(st)) = (label.target, stance) {
                    stances[cat] = Some(st);
                    stance_cats.insert(cat);
                }
                values.push(Some(present));
            }
            if let Some(cat) = legacy_stance {
                stance_cats.insert(cat);
                if let Some(v) = get("stance") {
                    let st = Stance::parse(&v.trim().to_ascii_lowercase()).ok_or_else(|| {
                        bad(
                            &shown,
                            line,
                            colno("stance"),
                            format!("`stance` must be endorsed, distanced or negated, or blank; not {v:?}"),
                        )
                    })?;
                    stances[cat].get_or_insert(st);
                }
            }
            let role = match get("role").map(|r| r.trim().to_ascii_lowercase()) {
                None => Role::Coder,
                Some(r) if r == "coder" => Role::Coder,
                Some(r) if r == "adjudicator" => Role::Adjudicator,
                Some(r) => {
                    return Err(bad(
                        &shown,
                        line,
                        colno("role"),
                        format!("`role` must be coder or adjudicator, or blank; not {r:?}"),
                    ));
                }
            };
            let coder = if coder_col {
                get("coder").unwrap_or_default().trim().to_string()
            } else {
                String::new()
            };
            if role == Role::Coder {
                coders.insert(coder.clone());
            }
            let prob = match get("inclusion_prob") {
                Some(v) => Some(probability(&v).ok_or_else(|| {
                    bad(&shown, line, colno("inclusion_prob"), bad_probability(&v))
                })?),
                None => opts.design.get(&unit_id).map(|(p, _)| *p),
            };
            let stratum =
                get("stratum").or_else(|| opts.design.get(&unit_id).and_then(|(_, s)| s.clone()));
            let coding = Coding {
                coder: coder.clone(),
                role,
                line,
                values,
                stances,
            };
            match index.get(&unit_id) {
                Some(&u) => {
                    let unit = &mut units[u];
                    if unit
                        .codings
                        .iter()
                        .any(|c| c.coder == coder && c.role == role)
                    {
                        let who = if coder.is_empty() {
                            "with no coder named; add a `coder` column when several people code"
                                .to_string()
                        } else {
                            format!("by coder {coder:?}")
                        };
                        return Err(bad(
                            &shown,
                            line,
                            None,
                            format!(
                                "unit {unit_id:?} is coded twice {who} (first at line {})",
                                unit.line
                            ),
                        ));
                    }
                    if unit.doc_id != doc_id || unit.span != span {
                        return Err(bad(
                            &shown,
                            line,
                            None,
                            format!(
                                "unit {unit_id:?} points at a different document or span than at line {}",
                                unit.line
                            ),
                        ));
                    }
                    if prob.is_some()
                        && unit.weight.is_some()
                        && unit.weight != prob.map(|p| 1.0 / p)
                    {
                        return Err(bad(
                            &shown,
                            line,
                            colno("inclusion_prob"),
                            format!(
                                "unit {unit_id:?} has another inclusion probability than at line {}",
                                unit.line
                            ),
                        ));
                    }
                    unit.codings.push(coding);
                }
                None => {
                    index.insert(unit_id.clone(), units.len());
                    units.push(Unit {
                        unit_id,
                        line,
                        doc_id,
                        span,
                        text,
                        codings: vec![coding],
                        weight: prob.map(|p| 1.0 / p),
                        stratum,
                    });
                }
            }
        }
        if units.is_empty() {
            let why = if filtered_out > 0 {
                format!("{shown}: no coded units ({filtered_out} rows left out by --where)")
            } else {
                format!("{shown}: no coded units")
            };
            return Err(Error::usage(
                why,
                Some("code at least one unit".to_string()),
            ));
        }
        if !units
            .iter()
            .flat_map(|u| &u.codings)
            .any(|c| c.values.iter().any(Option::is_some))
        {
            return Err(Error::usage(
                format!(
                    "{shown}: no unit has a code in any label column ({})",
                    label_cols.join(", ")
                ),
                Some("fill in the label columns with 1 or 0 before validating".to_string()),
            ));
        }
        let weighted = units.iter().filter(|u| u.weight.is_some()).count();
        if weighted > 0 && weighted < units.len() {
            let u = units
                .iter()
                .find(|u| u.weight.is_none())
                .expect("one is unweighted");
            return Err(bad(
                &shown,
                u.line,
                None,
                format!(
                    "unit {:?} has no inclusion probability, but {weighted} other units have one",
                    u.unit_id
                ),
            ));
        }
        let mut labels = labels;
        for &cat in &stance_cats {
            labels.push(Label {
                name: format!("{} (endorsed)", lexicon.categories[cat].name),
                target: Target::Endorsed(cat),
            });
        }
        let adjudicated = units
            .iter()
            .filter(|u| u.codings.iter().any(|c| c.role == Role::Adjudicator))
            .count() as u64;
        Ok(Gold {
            path: shown,
            labels,
            stance_cats: stance_cats.into_iter().collect(),
            units,
            coders: coders.into_iter().collect(),
            adjudicated,
            filtered_out,
        })
    }

    /// Index of the file column of a category label, if the gold has one.
    fn column_of(&self, cat: usize) -> Option<usize> {
        self.labels
            .iter()
            .position(|l| l.target == Target::Category(cat))
    }

    /// One coding's value for a label; derived endorsed labels need the
    /// category code and, when it is present, the stance.
    fn value(&self, c: &Coding, label: usize) -> Option<bool> {
        match self.labels[label].target {
            Target::Endorsed(cat) => match c.values[self.column_of(cat)?]? {
                false => Some(false),
                true => c.stances[cat].map(|s| s == Stance::Endorsed),
            },
            _ => c.values.get(label).copied().flatten(),
        }
    }

    /// One coding's three-way code of a category's framing: `endorsed`,
    /// `distanced`/`negated`, or `none`; `None` when not coded.
    fn stance_code(&self, c: &Coding, cat: usize) -> Option<&'static str> {
        match c.values[self.column_of(cat)?]? {
            false => Some("none"),
            true => c.stances[cat].map(Stance::as_str),
        }
    }

    /// Whether any unit carries a design weight.
    pub fn weighted(&self) -> bool {
        self.units.iter().any(|u| u.weight.is_some())
    }
}

/// The label columns of a gold file: those named like a category (not the
/// context category) or a sub-frame of the lexicon.
fn label_columns(
    shown: &str,
    columns: &[String],
    lexicon: &Lexicon,
) -> Result<(Vec<Label>, Vec<String>)> {
    let mut labels = Vec::new();
    let mut label_cols = Vec::new();
    for c in columns {
        let target = if let Some(i) = lexicon
            .category_index(c)
            .filter(|i| Some(*i) != lexicon.context_category)
        {
            Target::Category(i)
        } else if let Some(i) =
            (0..lexicon.subframes.len()).find(|&i| lexicon.subframe_path(i) == *c)
        {
            Target::Subframe(i)
        } else {
            continue;
        };
        labels.push(Label {
            name: c.clone(),
            target,
        });
        label_cols.push(c.clone());
    }
    if labels.is_empty() {
        let names: Vec<String> = lexicon
            .categories
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != lexicon.context_category)
            .map(|(_, c)| c.name.clone())
            .collect();
        return Err(Error::usage(
            format!(
                "{shown}: no label column: none of the columns ({}) names a category or sub-frame of lexicon {}",
                columns.join(", "),
                lexicon.name
            ),
            Some(format!(
                "add columns named like the categories ({}) or sub-frames (e.g. `{}`), coded 1/0",
                names.join(", "),
                lexicon.subframe_path(0)
            )),
        ));
    }
    Ok((labels, label_cols))
}

/// An inclusion probability: above 0, at most 1.
fn probability(raw: &str) -> Option<f64> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|p| *p > 0.0 && *p <= 1.0)
}

fn bad_probability(raw: &str) -> String {
    format!("`inclusion_prob` must be a probability above 0 and at most 1, not {raw:?}")
}

/// Read a design file (`sample`'s key, or any CSV with `unit_id` and
/// `inclusion_prob`, optionally `stratum`).
pub fn read_design(path: &Path) -> Result<HashMap<String, (f64, Option<String>)>> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::usage(format!("{shown}: cannot read design file: {e}"), None))?;
    let (columns, rows) = read_records(&shown, bytes, "csv")?;
    for need in ["unit_id", "inclusion_prob"] {
        if !columns.iter().any(|c| c == need) {
            return Err(Error::usage(
                format!("{shown}: no `{need}` column"),
                Some("give the key file `framewatch sample` wrote (it has unit_id, stratum and inclusion_prob)".into()),
            ));
        }
    }
    let mut out = HashMap::new();
    for (line, rec) in rows {
        let get = |name: &str| rec.get(name).and_then(|(_, v)| v.clone());
        let Some(id) = get("unit_id") else { continue };
        let raw = get("inclusion_prob").unwrap_or_default();
        let p = probability(&raw).ok_or_else(|| {
            bad(
                &shown,
                line,
                rec.get("inclusion_prob").map(|(c, _)| *c),
                bad_probability(&raw),
            )
        })?;
        out.insert(id, (p, get("stratum")));
    }
    Ok(out)
}

/// What the tool found in one unit.
#[derive(Debug, Clone, Default)]
pub struct ToolUnit {
    /// The unit's text, whitespace collapsed.
    pub text: String,
    /// Whether the unit was tagged alone (its document was not found).
    pub standalone: bool,
    /// Per gold label: the counted hits (any stance), as `entry (surface, stance)`.
    pub found: Vec<Vec<String>>,
    /// Per gold label: whether the label fires.
    pub present: Vec<bool>,
    /// Per lexicon category, the stance of its framing in the unit:
    /// endorsed if any counted hit is, else distanced, else negated.
    pub stances: Vec<Option<Stance>>,
    /// The unit's classifier features, when asked for.
    pub features: Option<crate::classify::Features>,
    /// The unit's document (its id), or its own id when tagged alone.
    pub group: String,
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Tag every unit: units with a `doc_id` found among `docs` are cut from
/// their document (hits inside the span); others are tagged from their text.
pub fn tag_units(gold: &Gold, tagger: &Tagger, docs: &[DocMeta]) -> Result<Vec<ToolUnit>> {
    tag_units_with(gold, tagger, docs, None)
}

/// [`tag_units`], also extracting each unit's classifier features.
pub fn tag_units_with(
    gold: &Gold,
    tagger: &Tagger,
    docs: &[DocMeta],
    features: Option<&crate::classify::FeatureConfig>,
) -> Result<Vec<ToolUnit>> {
    let lex = &tagger.lexicon;
    let mut out = vec![ToolUnit::default(); gold.units.len()];
    let mut by_id: HashMap<&str, &DocMeta> = docs.iter().map(|d| (d.doc_id.as_str(), d)).collect();
    // With several inputs a loose file's id is its path as given; a gold
    // file names it by its file name without extension, so that the same
    // gold works whatever the paths typed. Only unambiguous names are added.
    let mut by_name: HashMap<&str, Vec<&DocMeta>> = HashMap::new();
    for d in docs {
        let name = d.path.rsplit('/').next().unwrap_or(&d.path);
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        by_name.entry(stem).or_default().push(d);
    }
    for (stem, found) in by_name {
        if let [d] = found.as_slice() {
            by_id.entry(stem).or_insert(d);
        }
    }
    let mut wanted: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut alone = Vec::new();
    for (i, u) in gold.units.iter().enumerate() {
        match u.doc_id.as_deref().filter(|d| by_id.contains_key(d)) {
            Some(d) => wanted.entry(by_id[d].doc_id.as_str()).or_default().push(i),
            None if u.text.is_some() => alone.push(i),
            None => {
                return Err(bad(
                    &gold.path,
                    u.line,
                    None,
                    format!(
                        "unit {:?}: document {:?} is not in the corpus, and the unit has no text",
                        u.unit_id,
                        u.doc_id.as_deref().unwrap_or("")
                    ),
                ));
            }
        }
    }
    let fill = |t: &mut ToolUnit, hits: &[&Hit]| {
        t.found = vec![Vec::new(); gold.labels.len()];
        t.present = vec![false; gold.labels.len()];
        let mut stances: Vec<Vec<Stance>> = vec![Vec::new(); lex.categories.len()];
        for h in hits {
            if h.status != HitStatus::Counted {
                continue;
            }
            let e = &lex.entries[h.entry as usize];
            let cat = lex.subframes[e.subframe].category;
            stances[cat].push(h.stance);
            for (l, label) in gold.labels.iter().enumerate() {
                let hit_counts = match label.target {
                    Target::Category(c) => c == cat,
                    Target::Subframe(s) => s == e.subframe,
                    Target::Endorsed(c) => c == cat && h.stance == Stance::Endorsed,
                };
                if hit_counts {
                    t.present[l] = true;
                    t.found[l].push(format!(
                        "{} ({:?}, {})",
                        e.text,
                        h.surface,
                        h.stance.as_str()
                    ));
                }
            }
        }
        t.stances = stances
            .iter()
            .map(|found| {
                [Stance::Endorsed, Stance::Distanced, Stance::Negated]
                    .into_iter()
                    .find(|s| found.contains(s))
            })
            .collect();
    };
    let metas: Vec<&DocMeta> = docs
        .iter()
        .filter(|d| wanted.contains_key(d.doc_id.as_str()))
        .collect();
    let mut problem = None;
    let featurise = |t: &mut ToolUnit, a: &Analysis, start: usize, end: usize, hits: &[&Hit]| {
        if let Some(cfg) = features {
            let range = crate::classify::token_range(a, start as u32, end as u32);
            t.features = Some(crate::classify::features(
                cfg,
                lex,
                &tagger.analyzer,
                a,
                range,
                hits,
            ));
        }
    };
    let skipped = tagger.inspect_docs(metas, &IngestOptions::default(), |meta, doc, a, _, hits| {
        let text = doc.text.as_str();
        for &i in &wanted[meta.doc_id.as_str()] {
            let u = &gold.units[i];
            let (s, e) = u.span.unwrap_or((0, text.len()));
            let Some(slice) = text.get(s..e) else {
                problem.get_or_insert_with(|| {
                    bad(
                        &gold.path,
                        u.line,
                        None,
                        format!(
                            "unit {:?}: bytes {s}..{e} are not a span of {} ({} bytes)",
                            u.unit_id,
                            meta.path,
                            text.len()
                        ),
                    )
                });
                continue;
            };
            if let Some(t) = &u.text
                && collapse(t) != collapse(slice)
            {
                problem.get_or_insert_with(|| {
                    bad(
                        &gold.path,
                        u.line,
                        None,
                        format!(
                            "unit {:?}: the text in the sheet differs from bytes {s}..{e} of {}: the corpus or the sheet has changed",
                            u.unit_id, meta.path
                        ),
                    )
                });
                continue;
            }
            let inside: Vec<&Hit> = hits
                .iter()
                .filter(|h| h.byte_start as usize >= s && h.byte_end as usize <= e)
                .collect();
            out[i].text = collapse(slice);
            out[i].group = meta.doc_id.clone();
            fill(&mut out[i], &inside);
            featurise(&mut out[i], a, s, e, &inside);
        }
    });
    if let Some(p) = problem {
        return Err(p);
    }
    if let Some(s) = skipped.first() {
        return Err(Error::usage(
            format!(
                "{}: cannot read document {:?} for the gold units: {}: {}",
                s.path,
                s.doc_id.as_deref().unwrap_or(""),
                s.reason,
                s.detail
            ),
            None,
        ));
    }
    let (mut a, mut scratch) = (Analysis::default(), crate::matcher::Scratch::default());
    for i in alone {
        let u = &gold.units[i];
        let text = u.text.as_deref().unwrap_or_default();
        tagger.inspect(text, &mut a, &mut scratch, |a, _, hits| {
            let hits: Vec<&Hit> = hits.iter().collect();
            out[i].text = collapse(text);
            out[i].standalone = true;
            out[i].group = u.unit_id.clone();
            fill(&mut out[i], &hits);
            featurise(&mut out[i], a, 0, text.len(), &hits);
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Agreement statistics.

/// Cohen's kappa for two raters' labels on the same units; `None` when
/// chance agreement is 1 (both raters used one and the same label).
pub fn cohen_kappa<T: Ord + Clone>(pairs: &[(T, T)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let mut a: BTreeMap<T, f64> = BTreeMap::new();
    let mut b: BTreeMap<T, f64> = BTreeMap::new();
    let mut agree = 0.0;
    for (x, y) in pairs {
        *a.entry(x.clone()).or_default() += 1.0;
        *b.entry(y.clone()).or_default() += 1.0;
        if x == y {
            agree += 1.0;
        }
    }
    let po = agree / n;
    let pe: f64 = a
        .iter()
        .map(|(k, ca)| ca * b.get(k).copied().unwrap_or(0.0))
        .sum::<f64>()
        / (n * n);
    (pe < 1.0).then(|| (po - pe) / (1.0 - pe))
}

/// Krippendorff's alpha for nominal data. Each unit lists the values its
/// coders gave (missing codes left out); units with fewer than two values
/// are not pairable and are ignored. `None` when there is no variation.
pub fn krippendorff_alpha<T: Ord + Clone>(units: &[Vec<T>]) -> Option<f64> {
    let mut o: BTreeMap<(T, T), f64> = BTreeMap::new();
    for values in units.iter().filter(|v| v.len() >= 2) {
        let m = values.len() as f64;
        for (i, x) in values.iter().enumerate() {
            for (j, y) in values.iter().enumerate() {
                if i != j {
                    *o.entry((x.clone(), y.clone())).or_default() += 1.0 / (m - 1.0);
                }
            }
        }
    }
    let mut nc: BTreeMap<T, f64> = BTreeMap::new();
    for ((c, _), v) in &o {
        *nc.entry(c.clone()).or_default() += v;
    }
    let n: f64 = nc.values().sum();
    let disagree: f64 = o.iter().filter(|((c, k), _)| c != k).map(|(_, v)| v).sum();
    let total: f64 = nc.values().sum::<f64>().powi(2) - nc.values().map(|v| v * v).sum::<f64>();
    if n <= 1.0 || total == 0.0 {
        return None;
    }
    Some(1.0 - (n - 1.0) * disagree / total)
}

// ---------------------------------------------------------------------------
// The report.

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
    pub tn: u64,
}

impl Confusion {
    fn add(&mut self, gold: bool, tool: bool) {
        match (gold, tool) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// F1 = 2TP / (2TP + FP + FN); `None` when there is nothing to find and
    /// nothing was found.
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Precision, recall and F1 from (possibly weighted) counts.
fn prf(tp: f64, fp: f64, fn_: f64) -> [Option<f64>; 3] {
    let r = |a: f64, b: f64| (b > 0.0).then(|| a / b);
    [
        r(tp, tp + fp),
        r(tp, tp + fn_),
        r(2.0 * tp, 2.0 * tp + fp + fn_),
    ]
}

/// A confusion table of design weights (each unit counts 1 / its
/// inclusion probability), estimating the table over the whole population
/// the sample was drawn from.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct WeightedConfusion {
    pub tp: f64,
    pub fp: f64,
    #[serde(rename = "fn")]
    pub fn_: f64,
    pub tn: f64,
}

impl WeightedConfusion {
    fn add(&mut self, gold: bool, tool: bool, w: f64) {
        match (gold, tool) {
            (true, true) => self.tp += w,
            (false, true) => self.fp += w,
            (true, false) => self.fn_ += w,
            (false, false) => self.tn += w,
        }
    }

    fn prf(&self) -> [Option<f64>; 3] {
        prf(self.tp, self.fp, self.fn_)
    }
}

/// Design-weighted precision, recall and F1 with bootstrap intervals
/// (resampling within strata when the strata are known).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WeightedMetrics {
    pub confusion: WeightedConfusion,
    pub precision: Option<f64>,
    pub precision_ci: Interval,
    pub recall: Option<f64>,
    pub recall_ci: Interval,
    pub f1: Option<f64>,
    pub f1_ci: Interval,
}

/// One false positive or false negative.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Case {
    pub unit_id: String,
    pub text: String,
    /// For false positives: the entries that fired. For false negatives:
    /// what the tool found in the unit for other labels, if anything.
    pub entries: Vec<String>,
}

pub type Interval = (Option<f64>, Option<f64>);

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelMetrics {
    pub label: String,
    /// Units with a gold value for this label.
    pub n: u64,
    /// Units left out because coders tied.
    pub ties: u64,
    pub confusion: Confusion,
    pub precision: Option<f64>,
    pub precision_ci: Interval,
    pub recall: Option<f64>,
    pub recall_ci: Interval,
    pub f1: Option<f64>,
    pub f1_ci: Interval,
    pub kappa: Option<f64>,
    /// With design weights: the same measures weighted by 1 / inclusion
    /// probability (what the figures would be on the population sampled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighted: Option<WeightedMetrics>,
    pub false_positives: Vec<Case>,
    pub false_negatives: Vec<Case>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PairAgreement {
    pub a: String,
    pub b: String,
    pub n: u64,
    pub agreement: Option<f64>,
    pub kappa: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoderAgreement {
    pub label: String,
    /// Units coded by at least two coders.
    pub units: u64,
    pub alpha: Option<f64>,
    pub pairs: Vec<PairAgreement>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StanceAgreement {
    pub category: String,
    /// Units where coders and tool both find the framing and the coders
    /// gave a stance.
    pub n: u64,
    /// (coder stance, tool stance, units).
    pub table: Vec<(String, String, u64)>,
    pub accuracy: Option<f64>,
    pub kappa: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub schema: &'static str,
    /// What was measured: `lexicon`, or `model` (a trained classifier).
    pub method: &'static str,
    pub gold: String,
    pub lexicon: String,
    pub lexicon_version: String,
    pub lexicon_sha256: String,
    pub units: u64,
    /// Units tagged from their own text (no document in the corpus).
    pub standalone_units: u64,
    pub coders: Vec<String>,
    /// Units whose label an adjudicator settled.
    pub adjudicated_units: u64,
    /// Gold rows left out by `--where` filters.
    pub filtered_out_rows: u64,
    /// Whether units carry design weights (`weighted` metrics per label).
    pub design_weighted: bool,
    /// Sampling strata seen (bootstrap resamples within each).
    pub strata: u64,
    pub resamples: usize,
    pub seed: u64,
    /// Between coders, when more than one coded.
    pub coder_agreement: Vec<CoderAgreement>,
    /// The tool against the coders' label (the adjudicator's where one
    /// settled a disagreement, else the majority of the coders).
    pub labels: Vec<LabelMetrics>,
    /// Per category with stance codes.
    pub stances: Vec<StanceAgreement>,
    /// With `--model`: the same measures for the trained classifier on the
    /// same units, beside the lexicon's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<Box<Report>>,
}

/// The coders' label of a unit: the majority of the codes given; `Err(())`
/// on a tie, `Ok(None)` when nobody coded it.
fn majority(values: impl Iterator<Item = Option<bool>>) -> Result<Option<bool>, ()> {
    let (mut yes, mut no) = (0, 0);
    for v in values.flatten() {
        if v { yes += 1 } else { no += 1 }
    }
    match (yes, no) {
        (0, 0) => Ok(None),
        (y, n) if y > n => Ok(Some(true)),
        (y, n) if n > y => Ok(Some(false)),
        _ => Err(()),
    }
}

/// Percentile bootstrap over units: 95% intervals of precision, recall and
/// F1, unweighted and (with `weights`) design-weighted. Each resample draws
/// every stratum's units with replacement, as many as it has; without
/// strata, all units form one.
fn bootstrap(
    pairs: &[(bool, bool)],
    weights: Option<&[f64]>,
    strata: &[Vec<usize>],
    resamples: usize,
    seed: u64,
) -> ([Interval; 3], Option<[Interval; 3]>) {
    use rand::{Rng, SeedableRng};
    let none = [(None, None); 3];
    if resamples == 0 || pairs.is_empty() {
        return (none, weights.map(|_| none));
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut stats: [Vec<f64>; 3] = Default::default();
    let mut wstats: [Vec<f64>; 3] = Default::default();
    for _ in 0..resamples {
        let mut c = Confusion::default();
        let mut wc = WeightedConfusion::default();
        for group in strata {
            for _ in 0..group.len() {
                let k = group[rng.random_range(0..group.len())];
                let (g, t) = pairs[k];
                c.add(g, t);
                if let Some(w) = weights {
                    wc.add(g, t, w[k]);
                }
            }
        }
        for (k, v) in [c.precision(), c.recall(), c.f1()].into_iter().enumerate() {
            if let Some(v) = v {
                stats[k].push(v);
            }
        }
        for (k, v) in wc.prf().into_iter().enumerate() {
            if let Some(v) = v {
                wstats[k].push(v);
            }
        }
    }
    let interval = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (quantile(&v, 0.025), quantile(&v, 0.975))
    };
    (stats.map(interval), weights.map(|_| wstats.map(interval)))
}

/// A unit's reference three-way code for one framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// A class of [`crate::classify::CLASSES`].
    Class(usize),
    /// The coders (or adjudicators) tied.
    Tie,
    NotCoded,
}

/// The reference three-way code of a unit for a category's framing
/// (negated counts as distanced): the adjudicators' when one coded it, else
/// the coders' majority.
pub fn reference_class(gold: &Gold, u: &Unit, cat: usize) -> Reference {
    let class = |code: &str| match code {
        "none" => 0,
        "endorsed" => 1,
        _ => 2,
    };
    for role in [Role::Adjudicator, Role::Coder] {
        let mut counts = [0usize; 3];
        for c in u.codings.iter().filter(|c| c.role == role) {
            if let Some(code) = gold.stance_code(c, cat) {
                counts[class(code)] += 1;
            }
        }
        let top = *counts.iter().max().expect("three classes");
        if top == 0 {
            continue;
        }
        let leaders: Vec<usize> = (0..3).filter(|&k| counts[k] == top).collect();
        return match leaders.as_slice() {
            [k] => Reference::Class(*k),
            _ => Reference::Tie,
        };
    }
    Reference::NotCoded
}

/// The reference label of a unit: the adjudicators' (their majority) when
/// an adjudicator coded it, else the majority of the coders. `Err(())` on
/// a tie, `Ok(None)` when nobody coded it.
fn reference(gold: &Gold, u: &Unit, label: usize) -> Result<Option<bool>, ()> {
    let by = |role: Role| {
        u.codings
            .iter()
            .filter(move |c| c.role == role)
            .map(move |c| gold.value(c, label))
    };
    match majority(by(Role::Adjudicator)) {
        Ok(None) => majority(by(Role::Coder)),
        settled => settled,
    }
}

/// Compare the tool with the coders.
pub fn evaluate(
    gold: &Gold,
    tool: &[ToolUnit],
    lexicon: &Lexicon,
    resamples: usize,
    seed: u64,
) -> Report {
    let coder_agreement = if gold.coders.len() > 1 {
        agreement(gold, lexicon)
    } else {
        Vec::new()
    };
    let weighted = gold.weighted();
    let mut strata_names: BTreeSet<&str> = BTreeSet::new();
    for u in &gold.units {
        strata_names.insert(u.stratum.as_deref().unwrap_or(""));
    }
    let mut labels = Vec::new();
    for (l, label) in gold.labels.iter().enumerate() {
        let mut c = Confusion::default();
        let mut wc = WeightedConfusion::default();
        let mut pairs = Vec::new();
        let mut weights = Vec::new();
        let mut strata: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let (mut fps, mut fns) = (Vec::new(), Vec::new());
        let mut ties = 0;
        for (u, t) in gold.units.iter().zip(tool) {
            let g = match reference(gold, u, l) {
                Ok(Some(g)) => g,
                Ok(None) => continue,
                Err(()) => {
                    ties += 1;
                    continue;
                }
            };
            let p = t.present[l];
            let w = u.weight.unwrap_or(1.0);
            c.add(g, p);
            wc.add(g, p, w);
            strata
                .entry(u.stratum.as_deref().unwrap_or(""))
                .or_default()
                .push(pairs.len());
            pairs.push((g, p));
            weights.push(w);
            let case = |entries: Vec<String>| Case {
                unit_id: u.unit_id.clone(),
                text: t.text.clone(),
                entries,
            };
            match (g, p) {
                (false, true) => fps.push(case(t.found[l].clone())),
                (true, false) => {
                    let mut other: Vec<String> = t.found.iter().flatten().cloned().collect();
                    other.sort();
                    other.dedup();
                    fns.push(case(other))
                }
                _ => {}
            }
        }
        let strata: Vec<Vec<usize>> = strata.into_values().collect();
        let ([pci, rci, fci], wci) = bootstrap(
            &pairs,
            weighted.then_some(weights.as_slice()),
            &strata,
            resamples,
            cell_seed(seed, &[Some(label.name.clone())]),
        );
        let weighted = wci.map(|[pci, rci, fci]| {
            let [p, r, f] = wc.prf();
            WeightedMetrics {
                confusion: wc,
                precision: p,
                precision_ci: pci,
                recall: r,
                recall_ci: rci,
                f1: f,
                f1_ci: fci,
            }
        });
        labels.push(LabelMetrics {
            label: label.name.clone(),
            n: pairs.len() as u64,
            ties,
            precision: c.precision(),
            precision_ci: pci,
            recall: c.recall(),
            recall_ci: rci,
            f1: c.f1(),
            f1_ci: fci,
            kappa: cohen_kappa(&pairs),
            weighted,
            confusion: c,
            false_positives: fps,
            false_negatives: fns,
        });
    }
    let stances = gold
        .stance_cats
        .iter()
        .map(|&cat| stance_agreement(gold, tool, lexicon, cat))
        .collect();
    Report {
        schema: "framewatch-validate/2",
        method: "lexicon",
        gold: gold.path.clone(),
        lexicon: lexicon.name.clone(),
        lexicon_version: lexicon.version.clone(),
        lexicon_sha256: lexicon.sha256.clone(),
        units: gold.units.len() as u64,
        standalone_units: tool.iter().filter(|t| t.standalone).count() as u64,
        coders: gold.coders.clone(),
        adjudicated_units: gold.adjudicated,
        filtered_out_rows: gold.filtered_out,
        design_weighted: weighted,
        strata: if strata_names.len() > 1 || !strata_names.contains("") {
            strata_names.len() as u64
        } else {
            0
        },
        resamples,
        seed,
        coder_agreement,
        labels,
        stances,
        model: None,
    }
}

/// The trained classifier's labels for each unit (units need features:
/// [`tag_units_with`]), in the shape `evaluate` reads. A category label is
/// found when the model's class is endorsed or distanced, its endorsed
/// label when the class is endorsed; sub-frames are not the model's.
pub fn model_units(
    gold: &Gold,
    tool: &[ToolUnit],
    lexicon: &Lexicon,
    model: &crate::classify::Model,
) -> Vec<ToolUnit> {
    tool.iter()
        .map(|t| {
            let mut m = ToolUnit {
                text: t.text.clone(),
                standalone: t.standalone,
                found: vec![Vec::new(); gold.labels.len()],
                present: vec![false; gold.labels.len()],
                stances: vec![None; lexicon.categories.len()],
                features: None,
                group: t.group.clone(),
            };
            let Some(f) = &t.features else { return m };
            for (cat, c) in lexicon.categories.iter().enumerate() {
                let Some(fm) = model.framing(&c.name) else {
                    continue;
                };
                let p = fm.predict(f);
                m.stances[cat] = p.stance();
                for (l, label) in gold.labels.iter().enumerate() {
                    let yes = match label.target {
                        Target::Category(x) if x == cat => p.class() != 0,
                        Target::Endorsed(x) if x == cat => p.class() == 1,
                        _ => continue,
                    };
                    m.present[l] = yes;
                    if yes {
                        m.found[l].push(format!(
                            "model: {} (p endorsed {:.2}, distanced {:.2})",
                            p.label(),
                            p.p[1],
                            p.p[2]
                        ));
                    }
                }
            }
            m
        })
        .collect()
}

/// [`evaluate`] for the model's labels: only the labels it makes (categories
/// and their endorsed labels), and no coder agreement (the lexicon's report
/// has it).
pub fn evaluate_model(
    gold: &Gold,
    units: &[ToolUnit],
    lexicon: &Lexicon,
    model: &crate::classify::Model,
    resamples: usize,
    seed: u64,
) -> Report {
    let mut r = evaluate(gold, units, lexicon, resamples, seed);
    r.method = "model";
    r.coder_agreement.clear();
    let keep: Vec<bool> = gold
        .labels
        .iter()
        .map(|l| match l.target {
            Target::Category(c) | Target::Endorsed(c) => {
                model.framing(&lexicon.categories[c].name).is_some()
            }
            Target::Subframe(_) => false,
        })
        .collect();
    let mut k = keep.iter();
    r.labels.retain(|_| *k.next().expect("a flag per label"));
    r.stances.retain(|s| model.framing(&s.category).is_some());
    r
}

/// Agreement between the independent coders (adjudicators left out): per
/// label, Krippendorff's alpha and pairwise kappa; per category with stance
/// codes, the same on the three-way code (endorsed / distanced / none).
fn agreement(gold: &Gold, lexicon: &Lexicon) -> Vec<CoderAgreement> {
    let mut out = Vec::new();
    let coders = || {
        gold.units.iter().map(|u| {
            u.codings
                .iter()
                .filter(|c| c.role == Role::Coder)
                .collect::<Vec<_>>()
        })
    };
    for l in 0..gold.labels.len() {
        let coded: Vec<Vec<(&str, bool)>> = coders()
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| gold.value(c, l).map(|v| (c.coder.as_str(), v)))
                    .collect()
            })
            .collect();
        out.push(agreement_of(gold, gold.labels[l].name.clone(), &coded));
    }
    for &cat in &gold.stance_cats {
        let coded: Vec<Vec<(&str, &'static str)>> = coders()
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| gold.stance_code(c, cat).map(|v| (c.coder.as_str(), v)))
                    .collect()
            })
            .collect();
        let name = format!("{}: endorsed/distanced/none", lexicon.categories[cat].name);
        out.push(agreement_of(gold, name, &coded));
    }
    out
}

fn agreement_of<T: Ord + Clone>(
    gold: &Gold,
    label: String,
    coded: &[Vec<(&str, T)>],
) -> CoderAgreement {
    let values: Vec<Vec<T>> = coded
        .iter()
        .map(|v| v.iter().map(|(_, x)| x.clone()).collect())
        .collect();
    let mut pairs = Vec::new();
    for (i, a) in gold.coders.iter().enumerate() {
        for b in &gold.coders[i + 1..] {
            let both: Vec<(T, T)> = coded
                .iter()
                .filter_map(|v| {
                    let x = v.iter().find(|(c, _)| c == a)?.1.clone();
                    let y = v.iter().find(|(c, _)| c == b)?.1.clone();
                    Some((x, y))
                })
                .collect();
            if both.is_empty() {
                continue;
            }
            let agree = both.iter().filter(|(x, y)| x == y).count() as u64;
            pairs.push(PairAgreement {
                a: a.clone(),
                b: b.clone(),
                n: both.len() as u64,
                agreement: ratio(agree, both.len() as u64),
                kappa: cohen_kappa(&both),
            });
        }
    }
    CoderAgreement {
        label,
        units: values.iter().filter(|v| v.len() >= 2).count() as u64,
        alpha: krippendorff_alpha(&values),
        pairs,
    }
}

/// The tool's stance against the coders' on units where both find the
/// category's framing. The coders' stance is the adjudicator's when one
/// gave it, else the most frequent among coders who found the framing (a
/// tie leaves the unit out).
fn stance_agreement(
    gold: &Gold,
    tool: &[ToolUnit],
    lexicon: &Lexicon,
    cat: usize,
) -> StanceAgreement {
    let col = gold.column_of(cat);
    let mut pairs = Vec::new();
    for (u, t) in gold.units.iter().zip(tool) {
        let stance_counts = |role: Role| {
            let mut counts: BTreeMap<Stance, usize> = BTreeMap::new();
            for c in u.codings.iter().filter(|c| c.role == role) {
                let found = col.and_then(|k| c.values[k]).unwrap_or(true);
                if let (true, Some(s)) = (found, c.stances[cat]) {
                    *counts.entry(s).or_default() += 1;
                }
            }
            counts
        };
        let mut counts = stance_counts(Role::Adjudicator);
        if counts.is_empty() {
            counts = stance_counts(Role::Coder);
        }
        let top = counts.values().max().copied().unwrap_or(0);
        let leaders: Vec<Stance> = counts
            .iter()
            .filter(|(_, n)| **n == top)
            .map(|(s, _)| *s)
            .collect();
        if let ([g], Some(ts)) = (leaders.as_slice(), t.stances.get(cat).copied().flatten()) {
            pairs.push((g.as_str(), ts.as_str()));
        }
    }
    let mut table: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (g, t) in &pairs {
        *table.entry((g.to_string(), t.to_string())).or_default() += 1;
    }
    let agree = pairs.iter().filter(|(g, t)| g == t).count() as u64;
    StanceAgreement {
        category: lexicon.categories[cat].name.clone(),
        n: pairs.len() as u64,
        table: table.into_iter().map(|((g, t), n)| (g, t, n)).collect(),
        accuracy: ratio(agree, pairs.len() as u64),
        kappa: cohen_kappa(&pairs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-3)
    }

    #[test]
    fn kappa_matches_a_hand_computed_table() {
        // 50 units: both yes 20, A yes B no 5, A no B yes 10, both no 15.
        // po = 35/50 = 0.7; pe = (25*30 + 25*20)/2500 = 0.5; kappa = 0.4.
        let mut pairs = Vec::new();
        pairs.extend(std::iter::repeat_n((true, true), 20));
        pairs.extend(std::iter::repeat_n((true, false), 5));
        pairs.extend(std::iter::repeat_n((false, true), 10));
        pairs.extend(std::iter::repeat_n((false, false), 15));
        assert!(close(cohen_kappa(&pairs), 0.4), "{:?}", cohen_kappa(&pairs));
        // Perfect agreement with variation is 1; no variation is undefined.
        assert_eq!(cohen_kappa(&[(1, 1), (0, 0)]), Some(1.0));
        assert_eq!(cohen_kappa(&[(1, 1), (1, 1)]), None);
        // Three classes, 10 units: 6 agree, po = 0.6; marginals e 4/4,
        // d 3/3, n 3/3, pe = (16 + 9 + 9)/100 = 0.34.
        let three = [
            ("e", "e"),
            ("e", "e"),
            ("e", "d"),
            ("e", "n"),
            ("d", "d"),
            ("d", "d"),
            ("d", "e"),
            ("n", "n"),
            ("n", "n"),
            ("n", "e"),
        ];
        assert!(close(cohen_kappa(&three), 0.26 / 0.66));
    }

    #[test]
    fn alpha_matches_krippendorffs_worked_example() {
        // Krippendorff (2011), "Computing Krippendorff's alpha-reliability",
        // the 4 coders x 12 units example with missing data: nominal
        // alpha = 0.743.
        let rows: [[u8; 12]; 4] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
            [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
        ];
        let units: Vec<Vec<u8>> = (0..12)
            .map(|u| rows.iter().map(|r| r[u]).filter(|v| *v != 0).collect())
            .collect();
        assert!(
            close(krippendorff_alpha(&units), 0.743),
            "{:?}",
            krippendorff_alpha(&units)
        );
        // Perfect agreement is 1; no variation at all is undefined.
        assert_eq!(krippendorff_alpha(&[vec![1, 1], vec![0, 0]]), Some(1.0));
        assert_eq!(krippendorff_alpha(&[vec![1, 1], vec![1, 1]]), None);
        // Binary, hand-computed: units (1,1) (0,0) (1,0): o11=2, o00=2,
        // o10=o01=1, n=6; alpha = 1 - 5*2/(2*3*3) = 1 - 10/18 = 0.444.
        assert!(close(
            krippendorff_alpha(&[vec![1, 1], vec![0, 0], vec![1, 0]]),
            1.0 - 10.0 / 18.0
        ));
    }

    #[test]
    fn precision_recall_f1_and_majority() {
        let c = Confusion {
            tp: 6,
            fp: 2,
            fn_: 3,
            tn: 9,
        };
        assert!(close(c.precision(), 0.75));
        assert!(close(c.recall(), 6.0 / 9.0));
        assert!(close(c.f1(), 12.0 / 17.0));
        assert_eq!(Confusion::default().f1(), None);
        assert_eq!(
            majority([Some(true), Some(true), Some(false)].into_iter()),
            Ok(Some(true))
        );
        assert_eq!(
            majority([Some(true), None, Some(false)].into_iter()),
            Err(())
        );
        assert_eq!(majority([None, None].into_iter()), Ok(None));
    }

    #[test]
    fn bootstrap_brackets_and_is_seeded() {
        let mut pairs = vec![(true, true); 30];
        pairs.extend(vec![(false, true); 10]);
        pairs.extend(vec![(true, false); 10]);
        pairs.extend(vec![(false, false); 50]);
        let all = vec![(0..pairs.len()).collect::<Vec<_>>()];
        let (a, w) = bootstrap(&pairs, None, &all, 1000, 5);
        assert_eq!(w, None);
        assert_eq!(a, bootstrap(&pairs, None, &all, 1000, 5).0);
        let (lo, hi) = (a[0].0.unwrap(), a[0].1.unwrap());
        assert!(lo < 0.75 && 0.75 < hi && lo > 0.5 && hi < 0.95, "{lo} {hi}");
        // Equal weights give the unweighted intervals.
        let ones = vec![1.0; pairs.len()];
        let (b, w) = bootstrap(&pairs, Some(&ones), &all, 1000, 5);
        assert_eq!((a, Some(a)), (b, w));
    }

    #[test]
    fn stratified_bootstrap_keeps_stratum_sizes() {
        // Stratum 0 is all true positives, stratum 1 all true negatives and
        // false positives: resampling within strata can never lose the
        // positives, so recall is 1 in every resample.
        let mut pairs = vec![(true, true); 5];
        pairs.extend(vec![(false, true); 5]);
        pairs.extend(vec![(false, false); 5]);
        let strata = vec![(0..5).collect(), (5..15).collect()];
        let (ci, _) = bootstrap(&pairs, None, &strata, 500, 9);
        assert_eq!(ci[1], (Some(1.0), Some(1.0)));
    }

    /// Design weights, worked by hand. Stratum "fired" (inclusion 1/2):
    /// tp 6, fp 2. Stratum "rest" (inclusion 1/10): fn 2, tn 10.
    /// Unweighted: P = 6/8 = 0.75, R = 6/8 = 0.75.
    /// Weighted (x2 and x10): tp 12, fp 4, fn 20: P = 12/16 = 0.75,
    /// R = 12/32 = 0.375, F1 = 24/(24+4+20) = 0.5.
    #[test]
    fn design_weights_estimate_population_recall() {
        let (lex, _) = Lexicon::load(None).unwrap();
        let mut csv = String::from("unit_id,text,behavioural,inclusion_prob,stratum\n");
        let mut tool = Vec::new();
        let mut add = |n: usize, gold: bool, found: bool, p: f64, st: &str| {
            for _ in 0..n {
                let i = tool.len();
                csv.push_str(&format!("u{i},t,{},{p},{st}\n", u8::from(gold)));
                tool.push(ToolUnit {
                    present: vec![found],
                    found: vec![Vec::new()],
                    ..Default::default()
                });
            }
        };
        add(6, true, true, 0.5, "fired");
        add(2, false, true, 0.5, "fired");
        add(2, true, false, 0.1, "rest");
        add(10, false, false, 0.1, "rest");
        let gold = Gold::parse(
            "g.csv",
            csv.into_bytes(),
            "csv",
            &lex,
            &GoldOptions::default(),
        )
        .unwrap();
        let r = evaluate(&gold, &tool, &lex, 200, 1);
        let m = &r.labels[0];
        assert!(close(m.precision, 0.75) && close(m.recall, 0.75));
        let w = m.weighted.as_ref().expect("weighted metrics");
        assert!(close(w.precision, 0.75), "{:?}", w.precision);
        assert!(close(w.recall, 0.375), "{:?}", w.recall);
        assert!(close(w.f1, 0.5), "{:?}", w.f1);
        assert_eq!(r.strata, 2);
        assert!(r.design_weighted);
    }

    /// Three-way codes per framing, an adjudicator settling a split, and
    /// `--where` filters.
    #[test]
    fn stance_codes_adjudication_and_filters() {
        let (lex, _) = Lexicon::load(None).unwrap();
        let csv = "unit_id,text,split,coder,role,behavioural,structural\n\
                   a,x,test,c1,,endorsed,none\n\
                   a,x,test,c2,,distanced,none\n\
                   a,x,test,c3,adjudicator,endorsed,none\n\
                   b,y,test,c1,,none,endorsed\n\
                   b,y,test,c2,,none,endorsed\n\
                   c,z,train,c1,,none,none\n";
        let opts = GoldOptions {
            filters: vec![("split".into(), "test".into())],
            ..Default::default()
        };
        let gold = Gold::parse("g.csv", csv.as_bytes().to_vec(), "csv", &lex, &opts).unwrap();
        assert_eq!(gold.units.len(), 2);
        assert_eq!(gold.filtered_out, 1);
        assert_eq!(gold.coders, vec!["c1".to_string(), "c2".to_string()]);
        assert_eq!(gold.adjudicated, 1);
        let names: Vec<&str> = gold.labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "behavioural",
                "structural",
                "behavioural (endorsed)",
                "structural (endorsed)"
            ]
        );
        // Unit a: the coders split endorsed/distanced on behavioural; the
        // adjudicator's endorsed is the reference.
        let be = 2;
        assert_eq!(reference(&gold, &gold.units[0], be), Ok(Some(true)));
        assert_eq!(reference(&gold, &gold.units[1], be), Ok(Some(false)));
        let r = evaluate(
            &gold,
            &[
                ToolUnit {
                    present: vec![true, false, true, false],
                    found: vec![Vec::new(); 4],
                    ..Default::default()
                },
                ToolUnit {
                    present: vec![false, true, false, true],
                    found: vec![Vec::new(); 4],
                    ..Default::default()
                },
            ],
            &lex,
            0,
            1,
        );
        let three = r
            .coder_agreement
            .iter()
            .find(|a| a.label == "behavioural: endorsed/distanced/none")
            .expect("three-way agreement");
        assert_eq!(three.pairs[0].agreement, Some(0.5));
        assert_eq!(r.labels[be].f1, Some(1.0));
        // A bad code names the file, line and column.
        let err = Gold::parse(
            "g.csv",
            b"unit_id,text,behavioural\nq,t,maybe\n".to_vec(),
            "csv",
            &lex,
            &GoldOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("g.csv:2:3"), "{err}");
    }

    #[test]
    fn flags() {
        for s in ["1", "yes", "Y", "TRUE", "present", "x"] {
            assert_eq!(parse_flag(s), Some(true), "{s}");
        }
        for s in ["0", "no", "n", "False", "absent"] {
            assert_eq!(parse_flag(s), Some(false), "{s}");
        }
        assert_eq!(parse_flag("maybe"), None);
    }
}
