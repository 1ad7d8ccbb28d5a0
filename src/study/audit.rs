//! One document, audited: counts by category, sub-frame and stance, every
//! hit with its line, column and sentence, optional percentiles against a
//! reference run, and thresholds that decide a verdict. Renders the audit
//! as JSON (schema `framewatch-audit/1`) and a self-contained HTML page;
//! [`super::audit_ci`] renders audits for CI (SARIF, GitHub annotations).
//! Pure: no printing.

use crate::analyze::Analysis;
use crate::matcher::Scratch;
use crate::model::{Hit, HitStatus, Pole, Stance};
use crate::score;
use crate::study::classify::Model;
use crate::study::measure;
use crate::tagger::{Tagger, View};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const JSON_SCHEMA: &str = "framewatch-audit/1";

/// A hit as an audit reports it.
#[derive(Debug, Clone)]
pub struct AuditHit {
    pub category: String,
    pub subframe: String,
    pub entry: String,
    pub entry_line: u32,
    pub surface: String,
    pub stance: Stance,
    pub stance_rule: String,
    pub status: HitStatus,
    pub byte_start: usize,
    pub byte_end: usize,
    /// 1-based; columns count Unicode code points.
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The 1-based page of a paged document (PDF); `None` otherwise.
    pub page: Option<u32>,
    pub sentence_index: u32,
    pub sentence: String,
    /// With a trained model that classifies the hit's category: its label
    /// of the hit's sentence for that framing, and the probability of
    /// endorsed.
    pub model: Option<(&'static str, f64)>,
}

/// How a hit struck out by a context rule is labelled.
pub const NO_CONTEXT_LABEL: &str = "not counted: no poverty context nearby";

impl AuditHit {
    /// Where the hit is, as a reader cites it: `p. 24` in a paged
    /// document, `line 12` otherwise.
    pub fn cite(&self) -> String {
        match self.page {
            Some(p) => format!("p. {p}"),
            None => format!("line {}", self.line),
        }
    }
}

impl Placement {
    /// `89 reference documents with a share (of 100; dated 1945–2005)`.
    pub fn described(&self) -> String {
        let span = self.span.as_ref().map_or(String::new(), |(a, b)| {
            let (a, b) = (&a[..4.min(a.len())], &b[..4.min(b.len())]);
            if a == b {
                format!("; dated {a}")
            } else {
                format!("; dated {a}–{b}")
            }
        });
        format!(
            "{} reference documents with a share (of {}{span})",
            self.with_share, self.documents
        )
    }
}

/// What a trained model makes of the document, sentence by sentence.
#[derive(Debug, Clone)]
pub struct ModelView {
    /// As given (`builtin` for the default model).
    pub origin: String,
    /// Per framing: its name, and the sentences labelled endorsed and
    /// distanced.
    pub framings: Vec<(String, u64, u64)>,
    /// Behavioural share of the sentences labelled endorsed.
    pub share: Option<f64>,
    /// Every sentence labelled other than none for some framing.
    pub sentences: Vec<ModelSentence>,
}

impl ModelSentence {
    /// `behavioural endorsed, p(endorsed) 0.61; ...` for the framings the
    /// lexicon missed here.
    pub fn missed_labels(&self) -> String {
        let labels: Vec<String> = self
            .labels
            .iter()
            .filter(|(f, _, _)| self.lexicon_missed.contains(f))
            .map(|(f, l, p)| format!("{f} {l}, p(endorsed) {p:.2}"))
            .collect();
        labels.join("; ")
    }
}

/// A sentence the model labels endorsed or distanced for some framing.
#[derive(Debug, Clone)]
pub struct ModelSentence {
    pub index: u32,
    pub line: u32,
    pub column: u32,
    /// The 1-based page of a paged document; `None` otherwise.
    pub page: Option<u32>,
    pub text: String,
    /// (framing, label, probability of endorsed), for the framings not
    /// labelled none.
    pub labels: Vec<(String, &'static str, f64)>,
    /// Framings labelled here that no counted lexicon hit of that
    /// category marks in the sentence: what the lexicon missed, or where
    /// the model is wrong.
    pub lexicon_missed: Vec<String>,
}

/// A framing category in the HTML key: its name, its description, and
/// each sub-frame's name and description.
pub type KeyEntry = (String, String, Vec<(String, String)>);

/// Counts of one category or sub-frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub endorsed: u64,
    pub negated: u64,
    pub distanced: u64,
    pub no_context: u64,
}

impl Counts {
    fn add(&mut self, stance: Stance, status: HitStatus) {
        match (status, stance) {
            (HitStatus::NoContext, _) => self.no_context += 1,
            (_, Stance::Endorsed) => self.endorsed += 1,
            (_, Stance::Negated) => self.negated += 1,
            (_, Stance::Distanced) => self.distanced += 1,
        }
    }

    pub fn get(&self, stance: &str) -> Option<u64> {
        Some(match stance {
            "endorsed" => self.endorsed,
            "negated" => self.negated,
            "distanced" => self.distanced,
            "no_context" => self.no_context,
            _ => return None,
        })
    }
}

/// Where the document stands in a reference run: the percentage of
/// reference documents with a lower value.
#[derive(Debug, Clone)]
pub struct Placement {
    pub run: String,
    pub documents: usize,
    /// Reference documents with a share (some have no endorsed hit of
    /// either pole).
    pub with_share: usize,
    /// The earliest and latest date among the reference documents.
    pub span: Option<(String, String)>,
    pub share: Option<f64>,
    pub rates: BTreeMap<String, Option<f64>>,
}

/// The values of a reference run's documents table.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub run: String,
    pub share: Vec<f64>,
    pub rates: BTreeMap<String, Vec<f64>>,
    pub documents: usize,
    /// The earliest and latest document date (ISO), if any has one.
    pub span: Option<(String, String)>,
}

/// A threshold and whether the document crossed it.
#[derive(Debug, Clone)]
pub struct Check {
    pub expr: String,
    pub value: Option<f64>,
    pub crossed: bool,
}

#[derive(Debug, Clone)]
pub struct Audit {
    pub path: String,
    pub bytes: usize,
    pub tokens: u64,
    pub sentences: u64,
    pub categories: Vec<(String, Counts)>,
    pub subframes: Vec<(String, Counts)>,
    pub rates: Vec<(String, Option<f64>)>,
    pub share: Option<f64>,
    pub balance: Option<f64>,
    /// The categories share and balance compare (first, second), or why
    /// they are left out.
    pub poles: std::result::Result<[String; 2], String>,
    pub hits: Vec<AuditHit>,
    pub placement: Option<Placement>,
    pub checks: Vec<Check>,
    pub lexicon: (String, String, String),
    /// Whether the lexicon is the built-in one (whose validation figures
    /// the README gives).
    pub builtin_lexicon: bool,
    /// The lexicon's own words for each framing category and its
    /// sub-frames: (category, description, [(sub-frame, description)]).
    pub key: Vec<KeyEntry>,
    /// With a trained model (`audit --model`, default the built-in one).
    pub model: Option<ModelView>,
    /// Where each page starts (byte offsets; empty for an unpaged
    /// document). A paged document's text is reflowed for display.
    pub page_starts: Vec<u32>,
}

fn line_col(text: &str, at: usize) -> (u32, u32) {
    let (l, c) = crate::analyze::line_col(text, at);
    (l as u32, c as u32)
}

/// Audit one text.
pub fn audit(tagger: &Tagger, path: &str, text: &str) -> Audit {
    let mut analysis = Analysis::default();
    let mut scratch = Scratch::default();
    tagger.inspect(text, &mut analysis, &mut scratch, |a, _, hits| {
        build(tagger, path, text, &[], a, &hits)
    })
}

/// Audit a document as the pipeline's worker holds it.
pub fn of_view(tagger: &Tagger, path: &str, v: &View<'_>) -> Audit {
    build(tagger, path, v.text, v.page_starts, v.analysis, v.hits)
}

fn build(
    tagger: &Tagger,
    path: &str,
    text: &str,
    page_starts: &[u32],
    a: &Analysis,
    hits: &[Hit],
) -> Audit {
    let lex = &tagger.lexicon;
    {
        let sentence_spans = a.sentence_spans();
        let mut categories: Vec<(String, Counts)> = lex
            .categories
            .iter()
            .map(|c| (c.name.clone(), Counts::default()))
            .collect();
        let mut subframes: Vec<(String, Counts)> = (0..lex.subframes.len())
            .map(|i| (lex.subframe_path(i), Counts::default()))
            .collect();
        let mut out = Vec::new();
        for h in hits {
            let e = &lex.entries[h.entry as usize];
            let sub = &lex.subframes[e.subframe];
            categories[sub.category].1.add(h.stance, h.status);
            subframes[e.subframe].1.add(h.stance, h.status);
            if Some(sub.category) == lex.context_category {
                continue;
            }
            let (line, column) = line_col(text, h.byte_start as usize);
            let (end_line, end_column) = line_col(text, h.byte_end as usize);
            let (ss, se) = sentence_spans
                .get(h.sentence as usize)
                .map_or((h.byte_start as usize, h.byte_end as usize), |&(s, e)| {
                    (s as usize, e as usize)
                });
            out.push(AuditHit {
                category: lex.categories[sub.category].name.clone(),
                subframe: sub.name.clone(),
                entry: e.text.clone(),
                entry_line: e.line,
                surface: h.surface.clone(),
                stance: h.stance,
                stance_rule: h.stance_rule.clone(),
                status: h.status,
                byte_start: h.byte_start as usize,
                byte_end: h.byte_end as usize,
                line,
                column,
                end_line,
                end_column,
                page: crate::model::page_of(page_starts, h.byte_start),
                sentence_index: h.sentence,
                sentence: text[ss..se]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                model: None,
            });
        }
        let tokens = a.word_count() as u64;
        let pair = lex.poles().map(|p| {
            (
                categories[p.behavioural].1.endorsed,
                categories[p.structural].1.endorsed,
            )
        });
        let poles = match lex.pole_names() {
            Some(n) => Ok(n.map(String::from)),
            None => Err(lex.no_poles_note().unwrap_or_default()),
        };
        Audit {
            path: path.to_string(),
            bytes: text.len(),
            tokens,
            sentences: a.sentences as u64,
            rates: categories
                .iter()
                .map(|(n, c)| (n.clone(), score::rate(c.endorsed, tokens)))
                .collect(),
            categories,
            subframes,
            share: pair.and_then(|(b, s)| score::share(b, s)),
            balance: pair.and_then(|(b, s)| score::balance(b, s)),
            poles,
            hits: out,
            page_starts: page_starts.to_vec(),
            placement: None,
            checks: Vec::new(),
            lexicon: (lex.name.clone(), lex.version.clone(), lex.sha256.clone()),
            builtin_lexicon: lex.origin == crate::lexicon::DEFAULT_NAME,
            key: lex
                .categories
                .iter()
                .enumerate()
                .filter(|&(i, _)| Some(i) != lex.context_category)
                .map(|(_, c)| {
                    let subs = c
                        .subframes
                        .clone()
                        .map(|i| {
                            let sub = &lex.subframes[i];
                            (sub.name.clone(), sub.description.clone())
                        })
                        .collect();
                    (c.name.clone(), c.description.clone(), subs)
                })
                .collect(),
            model: None,
        }
    }
}

impl Audit {
    /// Add what `model` (shown as `origin`) makes of the document of `v`:
    /// each hit's sentence label, and the sentences it labels framed.
    pub fn add_model(&mut self, tagger: &Tagger, model: &Model, origin: &str, v: &View<'_>) {
        let lex = &tagger.lexicon;
        let predictions = measure::predict_sentences(tagger, model, v);
        let names: Vec<String> = model.framings.iter().map(|f| f.framing.clone()).collect();
        for h in &mut self.hits {
            h.model = measure::label_of(model, &predictions, &h.category, h.sentence_index);
        }
        let mut framings: Vec<(String, u64, u64)> =
            names.iter().map(|n| (n.clone(), 0, 0)).collect();
        let mut sentences = Vec::new();
        for (i, (span, preds)) in predictions.iter().enumerate() {
            let mut labels = Vec::new();
            let mut missed = Vec::new();
            for ((f, p), counts) in names.iter().zip(preds).zip(framings.iter_mut()) {
                match p.class() {
                    0 => continue,
                    1 => counts.1 += 1,
                    _ => counts.2 += 1,
                }
                labels.push((f.clone(), p.label(), measure::p_endorsed(p)));
                let caught = v.hits.iter().any(|h| {
                    h.sentence as usize == i
                        && h.status == HitStatus::Counted
                        && lex.categories
                            [lex.subframes[lex.entries[h.entry as usize].subframe].category]
                            .name
                            == *f
                });
                if !caught {
                    missed.push(f.clone());
                }
            }
            if !labels.is_empty() {
                let (line, column) = line_col(v.text, span.0 as usize);
                sentences.push(ModelSentence {
                    index: i as u32,
                    line,
                    column,
                    page: crate::model::page_of(v.page_starts, span.0),
                    text: measure::sentence_text(v.text, *span),
                    labels,
                    lexicon_missed: missed,
                });
            }
        }
        let poles = crate::aggregate::Shape::of(lex)
            .with_model(lex, &names)
            .model_poles;
        self.model = Some(ModelView {
            origin: origin.to_string(),
            share: poles.and_then(|[b, s]| score::share(framings[b].1, framings[s].1)),
            framings,
            sentences,
        });
    }
}

/// ` — model: endorsed, p(endorsed) 0.74` for a hit the model labelled.
fn model_note(h: &AuditHit) -> String {
    h.model.map_or(String::new(), |(label, p)| {
        format!(" — model: {label}, p(endorsed) {p:.2}")
    })
}

/// Percentage of `values` strictly below `x`, with ties counted half.
pub fn percentile(values: &[f64], x: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let below = values.iter().filter(|&&v| v < x).count() as f64;
    let ties = values.iter().filter(|&&v| v == x).count() as f64;
    100.0 * (below + ties / 2.0) / values.len() as f64
}

impl Audit {
    pub fn place(&mut self, reference: &Reference) {
        self.placement = Some(self.placement(reference));
    }

    /// Where the document stands in `reference`, without keeping it.
    pub fn placement(&self, reference: &Reference) -> Placement {
        let rates = self
            .rates
            .iter()
            .map(|(c, r)| {
                (
                    c.clone(),
                    r.and_then(|x| reference.rates.get(c).map(|v| percentile(v, x))),
                )
            })
            .collect();
        Placement {
            run: reference.run.clone(),
            documents: reference.documents,
            with_share: reference.share.len(),
            span: reference.span.clone(),
            share: self.share.map(|s| percentile(&reference.share, s)),
            rates,
        }
    }

    /// The value of a threshold metric: `share`, `balance`,
    /// `rate.<category>`, `<category>[.<stance>]`, or
    /// `<category>.<subframe>[.<stance>]` (stance default: endorsed).
    pub fn metric(&self, name: &str) -> Result<Option<f64>, String> {
        match name {
            "share" => return Ok(self.share),
            "balance" => return Ok(self.balance),
            _ => {}
        }
        if let Some(cat) = name.strip_prefix("rate.") {
            return self
                .rates
                .iter()
                .find(|(c, _)| c == cat)
                .map(|(_, r)| *r)
                .ok_or_else(|| format!("no category \"{cat}\""));
        }
        const STANCES: [&str; 4] = ["endorsed", "negated", "distanced", "no_context"];
        let parts: Vec<&str> = name.split('.').collect();
        let find = |list: &[(String, Counts)], key: &str| {
            list.iter().find(|(n, _)| n == key).map(|(_, c)| c.clone())
        };
        let found = match parts.as_slice() {
            [cat] => find(&self.categories, cat).map(|c| (c, "endorsed")),
            [cat, st] if STANCES.contains(st) => find(&self.categories, cat).map(|c| (c, *st)),
            [cat, sub] => find(&self.subframes, &format!("{cat}.{sub}")).map(|c| (c, "endorsed")),
            [cat, sub, st] if STANCES.contains(st) => {
                find(&self.subframes, &format!("{cat}.{sub}")).map(|c| (c, *st))
            }
            _ => None,
        };
        match found {
            Some((c, st)) => Ok(c.get(st).map(|v| v as f64)),
            None => {
                let cats: Vec<&str> = self.categories.iter().map(|(n, _)| n.as_str()).collect();
                Err(format!(
                    "unknown metric \"{name}\": use share, balance, rate.CATEGORY, CATEGORY[.STANCE] or CATEGORY.SUBFRAME[.STANCE] (stances: {}); categories: {}",
                    STANCES.join(", "),
                    cats.join(", ")
                ))
            }
        }
    }

    /// Evaluate `METRIC OP NUMBER` (op: > >= < <= == !=); a null metric
    /// (e.g. share without hits) never crosses.
    pub fn check(&mut self, expr: &str) -> Result<bool, String> {
        let ops = [">=", "<=", "==", "!=", ">", "<"];
        let (pos, op) = ops
            .iter()
            .filter_map(|op| expr.find(op).map(|p| (p, *op)))
            .min_by_key(|(p, op)| (*p, std::cmp::Reverse(op.len())))
            .ok_or_else(|| format!("threshold \"{expr}\": expected METRIC OP NUMBER, e.g. \"behavioural.endorsed > 5\""))?;
        let metric = expr[..pos].trim();
        let limit: f64 = expr[pos + op.len()..].trim().parse().map_err(|_| {
            format!(
                "threshold \"{expr}\": \"{}\" is not a number",
                expr[pos + op.len()..].trim()
            )
        })?;
        let value = self
            .metric(metric)
            .map_err(|e| format!("threshold \"{expr}\": {e}"))?;
        let crossed = value.is_some_and(|v| match op {
            ">" => v > limit,
            ">=" => v >= limit,
            "<" => v < limit,
            "<=" => v <= limit,
            "==" => v == limit,
            _ => v != limit,
        });
        self.checks.push(Check {
            expr: expr.trim().to_string(),
            value,
            crossed,
        });
        Ok(crossed)
    }

    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.crossed)
    }

    fn counts_json(list: &[(String, Counts)], rates: Option<&[(String, Option<f64>)]>) -> Value {
        let mut m = serde_json::Map::new();
        for (name, c) in list {
            let mut o = json!({"endorsed": c.endorsed, "negated": c.negated, "distanced": c.distanced, "no_context": c.no_context});
            if let Some(r) = rates.and_then(|r| r.iter().find(|(n, _)| n == name)) {
                o["rate_per_10k"] = json!(r.1);
            }
            m.insert(name.clone(), o);
        }
        Value::Object(m)
    }

    /// The stable JSON form (schema `framewatch-audit/1`, see README).
    pub fn to_json(&self) -> Value {
        json!({
            "schema": JSON_SCHEMA,
            "framewatch_version": env!("CARGO_PKG_VERSION"),
            "lexicon": {"name": self.lexicon.0, "version": self.lexicon.1, "sha256": self.lexicon.2},
            "document": {"path": self.path, "bytes": self.bytes, "tokens": self.tokens, "sentences": self.sentences},
            "summary": {
                "categories": Self::counts_json(&self.categories, Some(&self.rates)),
                "subframes": Self::counts_json(&self.subframes, None),
                "share": self.share,
                "balance": self.balance,
            },
            "hits": self.hits.iter().map(|h| json!({
                "category": h.category, "subframe": h.subframe, "entry": h.entry, "entry_line": h.entry_line,
                "surface": h.surface, "stance": h.stance.as_str(),
                "stance_rule": (!h.stance_rule.is_empty()).then_some(&h.stance_rule),
                "status": h.status.as_str(), "line": h.line, "column": h.column,
                "end_line": h.end_line, "end_column": h.end_column, "page": h.page,
                "byte_start": h.byte_start, "byte_end": h.byte_end,
                "sentence_index": h.sentence_index, "sentence": h.sentence,
                "model": h.model.map(|(label, p)| json!({"label": label, "p_endorsed": p})),
            })).collect::<Vec<_>>(),
            "model": self.model.as_ref().map(|m| json!({
                "origin": m.origin,
                "framings": m.framings.iter().map(|(f, e, d)| json!({"framing": f, "endorsed_sentences": e, "distanced_sentences": d})).collect::<Vec<_>>(),
                "share": m.share,
                "sentences": m.sentences.iter().map(|s| json!({
                    "index": s.index, "line": s.line, "column": s.column, "page": s.page, "sentence": s.text,
                    "labels": s.labels.iter().map(|(f, l, p)| json!({"framing": f, "label": l, "p_endorsed": p})).collect::<Vec<_>>(),
                    "lexicon_missed": s.lexicon_missed,
                })).collect::<Vec<_>>(),
            })),
            "reference": self.placement.as_ref().map(|p| json!({
                "run": p.run, "documents": p.documents, "documents_with_share": p.with_share,
                "date_span": p.span.as_ref().map(|(a, b)| [a, b]),
                "share_percentile": p.share, "rate_percentiles": p.rates,
            })),
            "thresholds": self.checks.iter().map(|c| json!({"expr": c.expr, "value": c.value, "crossed": c.crossed})).collect::<Vec<_>>(),
            "verdict": if self.failed() { "fail" } else { "pass" },
        })
    }
}

/// Escape text for HTML, and make invisible direction and control
/// characters visible so a document cannot reorder or hide what is shown.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
                out.push_str(&format!("⟨U+{:04X}⟩", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("⟨U+{:04X}⟩", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Text for display only: a run of four or more dot leaders (`.`, `·`,
/// `…`) or of replacement characters (U+FFFD, what a PDF's contents page
/// often holds), spaces between them included, shows as one ` … `.
/// Offsets are never taken from the result.
pub fn display_clean(s: &str) -> String {
    fn leader(c: char) -> bool {
        matches!(c, '\u{FFFD}' | '.' | '·' | '…' | '\u{2024}')
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(leader) {
        out.push_str(&rest[..at]);
        let run = &rest[at..];
        // The run: leader characters and the spaces between them.
        let mut end = 0;
        let mut leaders = 0;
        for (i, c) in run.char_indices() {
            if leader(c) {
                leaders += 1;
                end = i + c.len_utf8();
            } else if c != ' ' {
                break;
            }
        }
        if leaders >= 4 {
            out.push_str(" … ");
        } else {
            out.push_str(&run[..end]);
        }
        rest = &run[end..];
    }
    out.push_str(rest);
    out
}

/// A PDF's line breaks as a reader would have them: the display edits
/// of a text, each a byte range of the original and what shows in its
/// place. Offsets, lines and pages are always of the original text; only
/// what is shown between them changes.
///
/// - a blank line (a paragraph break) stays;
/// - a single line break inside a paragraph shows as a space (nothing
///   when the line already ends in a space);
/// - a line ending in a hyphen joined to a lower-case word: the two
///   halves are joined, without the hyphen when the document spells the
///   joined word elsewhere ("unem-" + "ployment"), with it otherwise
///   ("poor-" + "quality"); a soft hyphen (U+00AD) always goes;
/// - a line break before a list item (•, ❱, –, "-", "*", "1.", "(a)") or
///   at a page boundary stays;
/// - a run of blank lines shows as one, and a bullet glyph alone on its
///   line before a blank line (a contents page whose entries the PDF
///   placed elsewhere) shows as nothing.
#[derive(Debug, Clone, Default)]
pub struct Reflow {
    edits: Vec<(usize, usize, &'static str)>,
}

impl Reflow {
    /// The edits for `text`; `page_starts` are the byte offsets where
    /// pages start (a break there is kept).
    pub fn of(text: &str, page_starts: &[u32]) -> Reflow {
        let b = text.as_bytes();
        let mut words: Option<std::collections::HashSet<String>> = None;
        let mut edits = Vec::new();
        // Newlines inside a range already edited away are skipped.
        let mut removed_to = 0;
        for (i, _) in text.match_indices('\n') {
            if i < removed_to {
                continue;
            }
            let after = &text[i + 1..];
            let next = after.trim_start_matches([' ', '\t']);
            let before = &text[..i];
            let line_start = before.rfind('\n').map_or(0, |k| k + 1);
            let line = &text[line_start..i];
            let paged = |at: usize| page_starts.binary_search(&(at as u32)).is_ok();
            // A bullet glyph alone on its line, its text elsewhere (a
            // PDF's contents page): shown as nothing, with the blank
            // lines after it.
            if lone_marker(line.trim()) && next.starts_with('\n') {
                let mut end = i + 1;
                while let Some(k) = text[end..].find('\n') {
                    if !text[end..end + k].trim().is_empty() || paged(end) {
                        break;
                    }
                    end += k + 1;
                }
                edits.push((line_start, end, ""));
                removed_to = end;
                continue;
            }
            // A run of blank lines shows as one.
            if line.trim().is_empty() && line_start > 0 && !paged(line_start) {
                let prev = text[..line_start - 1].rsplit('\n').next().unwrap_or("");
                if prev.trim().is_empty() && line_start > 1 {
                    edits.push((line_start, i + 1, ""));
                    continue;
                }
            }
            if next.is_empty()
                || next.starts_with('\n')
                || line.trim().is_empty()
                || paged(i + 1)
                || list_item(next)
            {
                continue;
            }
            // A hyphenated line end: "unem-\nployment".
            let ends = |c: char| before.ends_with(c);
            let tail: String = after.chars().take_while(|c| c.is_alphabetic()).collect();
            let lower_next = after.chars().next().is_some_and(char::is_lowercase);
            if ends('\u{AD}') {
                edits.push((i - '\u{AD}'.len_utf8(), i + 1, ""));
                continue;
            }
            if ends('-') && lower_next && !before[..i - 1].ends_with(['-', ' ']) {
                let first = before[..i - 1]
                    .rsplit(|c: char| !c.is_alphabetic())
                    .next()
                    .unwrap_or("");
                if !first.is_empty() {
                    let words = words.get_or_insert_with(|| {
                        text.split(|c: char| !c.is_alphabetic())
                            .filter(|w| w.len() > 1)
                            .map(str::to_lowercase)
                            .collect()
                    });
                    let joined = format!("{first}{tail}").to_lowercase();
                    if words.contains(&joined) {
                        edits.push((i - 1, i + 1, ""));
                    } else {
                        edits.push((i, i + 1, ""));
                    }
                    continue;
                }
            }
            let spaced = i > 0 && matches!(b[i - 1], b' ' | b'\t');
            edits.push((i, i + 1, if spaced { "" } else { " " }));
        }
        Reflow { edits }
    }

    /// `text[a..z]` as shown: the edits wholly inside the range applied.
    pub fn show(&self, text: &str, a: usize, z: usize) -> String {
        let mut out = String::with_capacity(z - a);
        let mut at = a;
        let first = self.edits.partition_point(|e| e.0 < a);
        for &(s, e, with) in &self.edits[first..] {
            if e > z {
                break;
            }
            out.push_str(&text[at..s]);
            out.push_str(with);
            at = e;
        }
        out.push_str(&text[at..z]);
        out
    }
}

/// Whether a line is a bullet glyph and nothing else.
fn lone_marker(line: &str) -> bool {
    let mut c = line.chars();
    matches!(
        (c.next(), c.next()),
        (Some('•' | '●' | '▪' | '■' | '◦' | '❱' | '➢' | '►'), None)
    )
}

/// Whether a line starts a list item: a bullet, a dash, "1." or "(a)".
fn list_item(line: &str) -> bool {
    let mut c = line.chars();
    match c.next() {
        Some('•' | '●' | '▪' | '■' | '◦' | '❱' | '➢' | '►' | '–' | '—' | '*') => {
            true
        }
        Some('-') => c.next() == Some(' '),
        Some('(') => {
            let inner: String = c.by_ref().take_while(|x| *x != ')').collect();
            (1..=3).contains(&inner.chars().count()) && inner.chars().all(char::is_alphanumeric)
        }
        Some(d) if d.is_ascii_digit() => {
            let rest = line.trim_start_matches(|x: char| x.is_ascii_digit());
            line.len() - rest.len() <= 3 && (rest.starts_with(". ") || rest.starts_with(") "))
        }
        _ => false,
    }
}

/// What the built-in lexicon scored on the README's blind-coded test split
/// ("Validity on real text"): sentences, and precision and recall of
/// endorsed behavioural and structural framing. A unit test checks them
/// against the README.
const BUILTIN_VALIDITY: (u32, [(f64, f64); 2]) = (1693, [(0.50, 0.33), (0.67, 0.35)]);

/// What each stance means, in plain words.
const STANCE_KEY: [(&str, &str); 4] = [
    (
        "endorsed",
        "the text puts the framing forward as its own view; only these count towards share and balance",
    ),
    (
        "negated",
        "the text denies or rejects it (\"poverty is not a lifestyle choice\")",
    ),
    (
        "distanced",
        "the text quotes it or attributes it to someone else (\"critics call them scroungers\")",
    ),
    (
        NO_CONTEXT_LABEL,
        "a word that counts only near talk of poverty or welfare, and none was near",
    ),
];

const HTML_STYLE: &str = r#"
:root { --b: #E69F00; --s: #0072B2; --o: #999999; --ink: #1b1b1b; --muted: #555; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fafafa; }
header { padding: 16px 24px; background: #fff; border-bottom: 1px solid #ddd; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: var(--muted); font-size: 13px; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 450px; gap: 24px; padding: 24px; }
article { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 20px 24px; }
article pre { white-space: pre-wrap; word-wrap: break-word; overflow-wrap: anywhere; font: 15px/1.7 Georgia, "Times New Roman", serif; margin: 0; }
aside { position: sticky; top: 12px; align-self: start; max-height: calc(100vh - 24px); overflow: auto; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 16px; font-size: 13px; }
aside h2 { font-size: 14px; margin: 16px 0 6px; }
aside h2:first-child { margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: right; padding: 2px 4px; border-bottom: 1px solid #eee; }
th:first-child, td:first-child { text-align: left; }
mark { padding: 0 2px; border-radius: 3px; color: inherit; }
mark.behavioural { background: rgba(230, 159, 0, 0.35); box-shadow: inset 0 -2px 0 var(--b); }
mark.structural { background: rgba(0, 114, 178, 0.22); box-shadow: inset 0 -2px 0 var(--s); }
mark.other { background: rgba(153, 153, 153, 0.25); }
mark.negated { background: none; box-shadow: none; border: 2px dashed currentColor; }
mark.distanced { background: none; box-shadow: none; border: 2px dotted currentColor; font-style: italic; }
mark.behavioural.negated, mark.behavioural.distanced { border-color: var(--b); }
mark.structural.negated, mark.structural.distanced { border-color: var(--s); }
mark.no-context { opacity: 0.5; text-decoration: line-through; }
mark:target { outline: 3px solid #000; }
article .page { display: block; margin: 10px 0 2px; border-top: 1px dashed #ccc; text-align: right; font: 11px system-ui, sans-serif; color: #777; }
.legend span { display: inline-block; margin: 2px 8px 2px 0; }
ol.hits { padding-left: 20px; margin: 0; }
ol.hits li { margin: 3px 0; }
ol.hits a { color: inherit; }
.tag { font-size: 11px; color: var(--muted); }
dl.key dt { font-weight: 600; margin-top: 6px; }
dl.key dd { margin: 0 0 2px 12px; }
.caveat { background: #fff8e1; border-left: 3px solid var(--b); padding: 6px 8px; }
.verdict-fail { color: #b00020; font-weight: 600; }
.verdict-pass { color: #1b7f3b; font-weight: 600; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } aside { position: static; max-height: none; } }
"#;

impl Audit {
    /// A self-contained HTML page: the document with every hit highlighted
    /// by category and stance, a legend, and a summary linking to the hits.
    pub fn to_html(&self, text: &str) -> String {
        let fmt = |x: Option<f64>, digits: usize| {
            x.map_or("–".to_string(), |v| format!("{v:.digits$}"))
        };
        let (body, marked) = self.marked_text(text);
        let (summary, frames) = self.count_tables();
        let placement = self.placement.as_ref().map_or(String::new(), |p| {
            format!(
                "<h2>Against the reference</h2><p>Behavioural share higher than {}% of the {} in <code>{}</code>.</p>",
                fmt(p.share, 0),
                html_escape(&p.described()),
                html_escape(&p.run)
            )
        });
        let checks = self.checks_html();
        let list = self.hit_list(&marked);
        let model = self.model_html();
        let key = self.key_html();
        let caveat = self.caveat_html();
        format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>framewatch audit: {title}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n<header><h1>framewatch audit: {title}</h1><p>{tokens} words, {sentences} sentences · lexicon {lname} {lver} (sha256 {lsha}) · framewatch {ver}</p></header>\n<div class=\"layout\">\n<article><pre>{body}</pre></article>\n<aside>\n<h2>Summary</h2>\n<p>Behavioural share <b>{share}</b> · balance <b>{balance}</b> (endorsed hits only; −1 all structural, +1 all behavioural)</p>\n{summary}\n{placement}{checks}\n<h2>Legend</h2>\n<div class=\"legend\"><span><mark class=\"behavioural endorsed\">behavioural</mark></span><span><mark class=\"structural endorsed\">structural</mark></span><span><mark class=\"behavioural negated\">negated</mark></span><span><mark class=\"behavioural distanced\">distanced</mark> (quoted or attributed)</span><span><mark class=\"structural endorsed no-context\">not counted</mark> (no poverty context nearby)</span></div>\n<p class=\"tag\">Only endorsed hits count towards share and balance. Hover a highlight for its entry and rule.</p>\n{key}\n{caveat}\n{model}<h2>Sub-frames</h2>\n{frames}\n<h2>Hits ({n})</h2>\n<ol class=\"hits\">{list}</ol>\n</aside>\n</div>\n</body>\n</html>\n",
            title = html_escape(&self.path),
            tokens = super::thousands(self.tokens as f64),
            sentences = super::thousands(self.sentences as f64),
            lname = html_escape(&self.lexicon.0),
            lver = html_escape(&self.lexicon.1),
            lsha = &self.lexicon.2[..12.min(self.lexicon.2.len())],
            ver = env!("CARGO_PKG_VERSION"),
            share = fmt(self.share, 2),
            balance = fmt(self.balance, 2),
            n = self.hits.len(),
        )
    }

    /// How the text is shown: a paged document (a PDF) is reflowed into
    /// paragraphs ([`Reflow`]); any other text as it is.
    fn reflow(&self, text: &str) -> Reflow {
        if self.page_starts.is_empty() {
            Reflow::default()
        } else {
            Reflow::of(text, &self.page_starts)
        }
    }

    /// A sentence as shown: reflowed as the text is.
    fn reflow_sentence(&self, sentence: &str) -> String {
        if self.page_starts.is_empty() {
            sentence.to_string()
        } else {
            Reflow::of(sentence, &[]).show(sentence, 0, sentence.len())
        }
    }

    /// The text with its hits marked, and which hits were (a hit
    /// overlapping an earlier one is listed but not marked).
    fn marked_text(&self, text: &str) -> (String, Vec<bool>) {
        let class = |h: &AuditHit| {
            let cat = if Pole::of(&h.category).is_some() {
                h.category.as_str()
            } else {
                "other"
            };
            let status = if h.status == HitStatus::NoContext {
                " no-context"
            } else {
                ""
            };
            format!("{cat} {}{status}", h.stance.as_str())
        };
        let reflow = self.reflow(text);
        // Text between hits: reflowed, cleaned, escaped, with a page
        // marker where each page starts.
        let pages: Vec<usize> = self.page_starts.iter().map(|&p| p as usize).collect();
        let plain = |body: &mut String, a: usize, z: usize| {
            let mut at = a;
            let first = pages.partition_point(|&p| p < a);
            for (k, &p) in pages.iter().enumerate().skip(first) {
                if p > z {
                    break;
                }
                body.push_str(&html_escape(&display_clean(&reflow.show(text, at, p))));
                body.push_str(&format!(
                    "<span class=\"page\" id=\"page-{0}\">p. {0}</span>",
                    k + 1
                ));
                at = p;
            }
            body.push_str(&html_escape(&display_clean(&reflow.show(text, at, z))));
        };
        let mut body = String::new();
        let mut at = 0usize;
        let mut marked = vec![false; self.hits.len()];
        for (i, h) in self.hits.iter().enumerate() {
            if h.byte_start < at {
                continue;
            }
            plain(&mut body, at, h.byte_start);
            let rule = if h.stance_rule.is_empty() {
                String::new()
            } else {
                format!(" by {}", h.stance_rule)
            };
            body.push_str(&format!(
                "<mark id=\"hit-{i}\" class=\"{}\" title=\"{}\">{}</mark>",
                class(h),
                html_escape(&format!(
                    "{}.{} — \"{}\" — {} — {}{rule}{}{}",
                    h.category,
                    h.subframe,
                    h.entry,
                    h.cite(),
                    h.stance.as_str(),
                    if h.status == HitStatus::NoContext {
                        format!(", {NO_CONTEXT_LABEL}")
                    } else {
                        String::new()
                    },
                    model_note(h)
                )),
                html_escape(&reflow.show(text, h.byte_start, h.byte_end))
            ));
            at = h.byte_end;
            marked[i] = true;
        }
        plain(&mut body, at, text.len());

        (body, marked)
    }

    /// The counts by category and by sub-frame, as two HTML tables.
    fn count_tables(&self) -> (String, String) {
        let fmt = |x: Option<f64>, digits: usize| {
            x.map_or("–".to_string(), |v| format!("{v:.digits$}"))
        };
        let mut summary = String::from(
            "<table><tr><th>category</th><th>endorsed</th><th>negated</th><th>distanced</th><th>no context</th><th>per 10k</th></tr>",
        );
        for (name, c) in &self.categories {
            let rate = self.rates.iter().find(|(n, _)| n == name).and_then(|r| r.1);
            summary.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html_escape(name),
                c.endorsed,
                c.negated,
                c.distanced,
                c.no_context,
                fmt(rate, 1)
            ));
        }
        summary.push_str("</table>");
        let mut frames = String::from(
            "<table><tr><th>sub-frame</th><th>endorsed</th><th>negated</th><th>distanced</th></tr>",
        );
        for (name, c) in self
            .subframes
            .iter()
            .filter(|(_, c)| c.endorsed + c.negated + c.distanced > 0)
        {
            frames.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html_escape(name),
                c.endorsed,
                c.negated,
                c.distanced
            ));
        }
        frames.push_str("</table>");
        (summary, frames)
    }

    /// The trained model's sentence counts and share, and the sentences it
    /// reads as framed where the lexicon found nothing of that framing.
    fn model_html(&self) -> String {
        let Some(m) = &self.model else {
            return String::new();
        };
        let rows: String = m
            .framings
            .iter()
            .map(|(f, e, d)| {
                format!(
                    "<tr><td>{}</td><td>{e}</td><td>{d}</td></tr>",
                    html_escape(f)
                )
            })
            .collect();
        let share = m.share.map_or("–".to_string(), |x| format!("{x:.2}"));
        let missed: String = m
            .sentences
            .iter()
            .filter(|s| !s.lexicon_missed.is_empty())
            .map(|s| {
                format!(
                    "<li>{} “{}” <span class=\"tag\">{}</span></li>",
                    s.page
                        .map_or(format!("line {}", s.line), |p| format!("p. {p}")),
                    html_escape(&display_clean(&self.reflow_sentence(&s.text))),
                    html_escape(&s.missed_labels())
                )
            })
            .collect();
        let missed = if missed.is_empty() {
            String::new()
        } else {
            format!(
                "<h2>Framing the model reads where the lexicon found none</h2><p class=\"tag\">Check these by reading them: each is framing the lexicon missed, or a mistake of the model.</p><ol class=\"hits\">{missed}</ol>"
            )
        };
        format!(
            "<h2>Trained model (<code>{}</code>)</h2><p>Sentences it labels per framing; behavioural share of the endorsed ones <b>{share}</b>. It classifies whole sentences, so it can catch framing no lexicon entry names, and it errs too (see the README's validity figures).</p><table><tr><th>framing</th><th>endorsed</th><th>distanced</th></tr>{rows}</table>\n{missed}",
            html_escape(&m.origin)
        )
    }

    /// What the categories, the sub-frames found here and the stances
    /// mean, in the lexicon's words and plain ones.
    fn key_html(&self) -> String {
        let mut out = String::from("<h2>What the colours and words mean</h2><dl class=\"key\">");
        for (cat, description, subs) in &self.key {
            out.push_str(&format!(
                "<dt>{}</dt><dd>{}</dd>",
                html_escape(cat),
                html_escape(description)
            ));
            for (sub, description) in subs {
                let path = format!("{cat}.{sub}");
                let found = self
                    .subframes
                    .iter()
                    .any(|(n, c)| *n == path && *c != Counts::default());
                if found && !description.is_empty() {
                    out.push_str(&format!(
                        "<dd><i>{}</i>: {}</dd>",
                        html_escape(sub),
                        html_escape(description)
                    ));
                }
            }
        }
        out.push_str("</dl><p class=\"tag\">Sub-frames are listed where this document has a hit.</p><dl class=\"key\">");
        for (stance, meaning) in STANCE_KEY {
            out.push_str(&format!("<dt>{stance}</dt><dd>{meaning}</dd>"));
        }
        out.push_str("</dl>");
        out
    }

    /// How far the method can be trusted: the built-in lexicon's
    /// validation figures, or a pointer to `framewatch validate`.
    fn caveat_html(&self) -> String {
        let body = if self.builtin_lexicon {
            let (n, [(bp, br), (sp, sr)]) = BUILTIN_VALIDITY;
            let n = super::thousands(f64::from(n));
            format!(
                "framewatch matches words and phrases from a lexicon; it does not understand the text. On {n} real sentences coded blind by two coders (README, “Validity on real text”), {bp:.2} of the built-in lexicon's behavioural flags were right and it found {br:.2} of the behavioural framing the coders saw; for structural framing, {sp:.2} and {sr:.2}. Read each highlight in its sentence before you cite it."
            )
        } else {
            format!(
                "framewatch matches words and phrases from the lexicon <code>{}</code>; it does not understand the text, and how often this lexicon is right has not been measured here. Code a sample of sentences and check it with <code>framewatch validate</code> before you cite these counts.",
                html_escape(&self.lexicon.0)
            )
        };
        format!("<h2>How far to trust this</h2><p class=\"caveat\">{body}</p>")
    }

    /// The thresholds and the verdict, if any were given.
    fn checks_html(&self) -> String {
        let fmt = |x: Option<f64>, digits: usize| {
            x.map_or("–".to_string(), |v| format!("{v:.digits$}"))
        };
        if self.checks.is_empty() {
            String::new()
        } else {
            let rows: String = self
                .checks
                .iter()
                .map(|c| {
                    format!(
                        "<li>{} — value {}: {}</li>",
                        html_escape(&c.expr),
                        fmt(c.value, 3),
                        if c.crossed {
                            "<span class=\"verdict-fail\">crossed</span>"
                        } else {
                            "ok"
                        }
                    )
                })
                .collect();
            format!(
                "<h2>Thresholds: <span class=\"verdict-{}\">{}</span></h2><ul>{rows}</ul>",
                if self.failed() { "fail" } else { "pass" },
                if self.failed() { "fail" } else { "pass" }
            )
        }
    }

    /// Every hit as a list item, linked to its mark.
    fn hit_list(&self, marked: &[bool]) -> String {
        self.hits
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let target = if marked[i] {
                    format!("<a href=\"#hit-{i}\">")
                } else {
                    String::new()
                };
                let close = if marked[i] {
                    "</a>"
                } else {
                    " (overlaps another hit)"
                };
                format!(
                    "<li>{target}{} “{}”{close} <span class=\"tag\">{}.{} · {}{}</span></li>",
                    h.cite(),
                    html_escape(&h.surface),
                    html_escape(&h.category),
                    html_escape(&h.subframe),
                    if h.status == HitStatus::NoContext {
                        NO_CONTEXT_LABEL
                    } else {
                        h.stance.as_str()
                    },
                    html_escape(&model_note(h).replace(" — ", " · "))
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_clean_folds_leaders_and_replacement_runs_only() {
        assert_eq!(
            display_clean("Foreword \u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}4\nNext"),
            "Foreword  … 4\nNext"
        );
        assert_eq!(display_clean("Contents . . . . . 12"), "Contents  …  12");
        assert_eq!(
            display_clean("Wait... and see. U.K."),
            "Wait... and see. U.K."
        );
        assert_eq!(display_clean("a\u{FFFD}b"), "a\u{FFFD}b");
        assert_eq!(display_clean("end....."), "end … ");
    }

    fn shown(text: &str) -> String {
        Reflow::of(text, &[]).show(text, 0, text.len())
    }

    #[test]
    fn reflow_joins_lines_of_a_paragraph_and_keeps_paragraphs() {
        assert_eq!(
            shown("Cut tax for pensioners\nwith the new\ntriple lock.\n\nGive parents\nchildcare."),
            "Cut tax for pensioners with the new triple lock.\n\nGive parents childcare."
        );
        // A line ending in a space needs none added; blank runs show as one.
        assert_eq!(shown("low \npay\n\n\n\nnext"), "low pay\n\nnext");
        // List items keep their line.
        assert_eq!(
            shown("We will:\n• cut tax\n- build homes\n2. fund\n(a) train"),
            "We will:\n• cut tax\n- build homes\n2. fund\n(a) train"
        );
    }

    #[test]
    fn reflow_joins_hyphenated_line_ends_by_the_documents_own_spelling() {
        // "unemployment" is spelt whole elsewhere: the hyphen goes.
        assert_eq!(
            shown("mass unem-\nployment and unemployment"),
            "mass unemployment and unemployment"
        );
        // Not spelt whole anywhere: a compound, the hyphen stays.
        assert_eq!(shown("poor-\nquality degrees"), "poor-quality degrees");
        // A dash before a capital, a soft hyphen.
        assert_eq!(shown("pay -\nNext"), "pay - Next");
        assert_eq!(shown("wel\u{AD}\nfare"), "welfare");
    }

    #[test]
    fn reflow_drops_lone_bullets_and_keeps_page_breaks() {
        let text = "Contents\n\n❱ Foreword … 3\n\n❱\n\n❱\n\n❱ Our plan … 4\n❱\nGive young people";
        assert_eq!(
            shown(text),
            "Contents\n\n❱ Foreword … 3\n\n❱ Our plan … 4\n❱ Give young people"
        );
        let text = "end of page one\nstart of two";
        let starts = [0, text.find("start").unwrap() as u32];
        let r = Reflow::of(text, &starts);
        assert_eq!(r.show(text, 0, text.len()), text);
    }

    #[test]
    fn reflow_show_maps_any_range_of_the_original() {
        let text = "the work-\nshy and\nthe workshy";
        let r = Reflow::of(text, &[]);
        // Pieces either side of an offset, as the HTML writes them around
        // a hit, add up to the whole.
        let at = text.find("and").unwrap();
        let whole = r.show(text, 0, text.len());
        assert_eq!(
            format!("{}{}", r.show(text, 0, at), r.show(text, at, text.len())),
            whole
        );
        assert_eq!(whole, "the workshy and the workshy");
        // A range that cuts an edit shows the original there.
        assert_eq!(r.show(text, 0, text.find('\n').unwrap()), "the work-");
    }

    #[test]
    fn html_of_a_paged_document_is_reflowed_with_page_markers_and_cites_pages() {
        let (l, a) = crate::lexicon::Lexicon::parse(
            "t",
            "[lexicon]\nname=\"t\"\nversion=\"1\"\nlanguage=\"english\"\n[categories.behavioural.b]\nentries=[\"workshy\"]\n[categories.structural.s]\nentries=[\"low pay\"]\n",
        )
        .unwrap();
        let tagger = Tagger::new(l, a);
        let text = "Poverty follows\nlow pay in many\ntowns.\n\nIt is not\nabout being workshy.\n";
        let mut audit = audit(&tagger, "doc.pdf", text);
        assert_eq!(audit.hits.len(), 2);
        let page_two = text.find("It is").unwrap() as u32;
        audit.page_starts = vec![0, page_two];
        let html = audit.to_html(text);
        assert!(
            html.contains("<span class=\"page\" id=\"page-1\">p. 1</span>Poverty follows <mark"),
            "{html}"
        );
        assert!(html.contains(">low pay</mark> in many towns.\n\n<span class=\"page\" id=\"page-2\">p. 2</span>It is not about being <mark"), "{html}");
        // Offsets are the original text's: the hit's surface and line.
        let h = &audit.hits[1];
        assert_eq!(&text[h.byte_start..h.byte_end], "workshy");
        assert_eq!(h.line, 6);
        // An unpaged text is shown as it is.
        audit.page_starts.clear();
        assert!(audit.to_html(text).contains("Poverty follows\n<mark"));
    }

    #[test]
    fn builtin_validity_figures_are_the_readmes() {
        let readme = include_str!("../../README.md");
        let (n, [(bp, br), (sp, sr)]) = BUILTIN_VALIDITY;
        let n = super::super::thousands(f64::from(n));
        assert!(readme.contains(&format!("| test split ({n} sentences) |")));
        let row = |p: f64, r: f64| format!("**{p:.2} / {r:.2} / ");
        // The first table (the current test split): earlier lexicons and
        // models, then the current lexicon and model in bold.
        let lexicon_column = |line: &str| {
            line.split(" | ")
                .find(|c| c.starts_with("**"))
                .map(str::to_string)
        };
        let rows: Vec<String> = readme
            .lines()
            .filter(|l| l.contains(", endorsed: P / R / F1 |"))
            .take(2)
            .filter_map(lexicon_column)
            .collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows[0].starts_with(&row(bp, br)), "{rows:?}");
        assert!(rows[1].starts_with(&row(sp, sr)), "{rows:?}");
    }
}
