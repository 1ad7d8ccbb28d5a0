//! Gold files: coded units read (CSV or JSON Lines, one row per unit and
//! coder), label columns matched to the lexicon, codes parsed, design
//! weights attached.

use super::*;

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
    /// The unit's cluster for the bootstrap, with [`GoldOptions::cluster`]
    /// (its value in that column); else the bootstrap resamples documents.
    pub cluster: Option<String>,
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
    /// The column whose values group units for the bootstrap
    /// ([`GoldOptions::cluster`]).
    pub cluster: Option<String>,
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
    /// A column whose values group units into the bootstrap's clusters
    /// (passages, pages) in place of their documents: for a sample from
    /// one or a few documents, where resampling documents cannot show
    /// how much the figures would vary.
    pub cluster: Option<String>,
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
pub(super) type Record = BTreeMap<String, (usize, Option<String>)>;
/// Column names in file order, and the rows with their line numbers.
pub(super) type Records = (Vec<String>, Vec<(usize, Record)>);

pub(super) fn bad(path: &str, line: usize, col: Option<usize>, msg: String) -> Error {
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
pub(super) fn read_records(shown: &str, bytes: Vec<u8>, ext: &str) -> Result<Records> {
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
        if let Some(name) = &opts.cluster
            && !columns.iter().any(|c| c == name)
        {
            return Err(Error::usage(
                format!(
                    "--cluster {name}: {shown} has no `{name}` column (it has {})",
                    columns.join(", ")
                ),
                Some("name the gold column that groups units into passages or pages".into()),
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
                .all(|(k, v)| get(k).is_some_and(|x| where_matches(&x, v)))
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
            let cluster = match &opts.cluster {
                Some(name) => Some(get(name).ok_or_else(|| {
                    bad(
                        &shown,
                        line,
                        colno(name),
                        format!("no `{name}` value: with --cluster {name} every row needs one"),
                    )
                })?),
                None => None,
            };
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
                    if unit.cluster != cluster {
                        return Err(bad(
                            &shown,
                            line,
                            opts.cluster.as_deref().and_then(colno),
                            format!(
                                "unit {unit_id:?} is in another cluster than at line {}",
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
                        cluster,
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
            cluster: opts.cluster.clone(),
        })
    }

    /// Index of the file column of a category label, if the gold has one.
    pub(super) fn column_of(&self, cat: usize) -> Option<usize> {
        self.labels
            .iter()
            .position(|l| l.target == Target::Category(cat))
    }

    /// One coding's value for a label; derived endorsed labels need the
    /// category code and, when it is present, the stance.
    pub(super) fn value(&self, c: &Coding, label: usize) -> Option<bool> {
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
    pub(super) fn stance_code(&self, c: &Coding, cat: usize) -> Option<&'static str> {
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
pub(super) fn label_columns(
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
pub(super) fn probability(raw: &str) -> Option<f64> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|p| *p > 0.0 && *p <= 1.0)
}

pub(super) fn bad_probability(raw: &str) -> String {
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

/// Whether a cell passes `--where COLUMN=VALUE`: VALUE is one value or
/// several separated by commas (`split=train,dev`), any of which may match.
pub(crate) fn where_matches(cell: &str, value: &str) -> bool {
    let cell = cell.trim();
    value.split(',').any(|alt| alt.trim() == cell)
}
