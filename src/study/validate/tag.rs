//! The tool's side of each gold unit: cut from its document as the
//! pipeline read and tagged it, or tagged from its own text.

use super::*;

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
    /// Per gold label that does not fire, what the tool made of it where
    /// that says more than nothing (the model's probabilities): listed
    /// first for a false negative. Empty for the lexicon.
    pub missed: Vec<Option<String>>,
    /// Per lexicon category, the stance of its framing in the unit:
    /// endorsed if any counted hit is, else distanced, else negated.
    pub stances: Vec<Option<Stance>>,
    /// The unit's classifier features, when asked for.
    pub features: Option<crate::study::classify::Features>,
    /// The unit's document (its id), or its own id when tagged alone.
    pub group: String,
}

pub(super) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Tag every unit: units with a `doc_id` found among `docs` are cut from
/// their document (hits inside the span), the documents read and tagged by
/// `job`; others are tagged from their text.
pub fn tag_units(gold: &Gold, job: &Job<'_>, docs: &[DocMeta]) -> Result<Vec<ToolUnit>> {
    tag_units_with(gold, job, docs, None)
}

/// [`tag_units`], also extracting each unit's classifier features.
pub fn tag_units_with(
    gold: &Gold,
    job: &Job<'_>,
    docs: &[DocMeta],
    features: Option<&crate::study::classify::FeatureConfig>,
) -> Result<Vec<ToolUnit>> {
    let tagger = job.tagger;
    let mut out = vec![ToolUnit::default(); gold.units.len()];
    let (wanted, alone) = place_units(gold, docs)?;
    let metas: Vec<DocMeta> = docs
        .iter()
        .filter(|d| wanted.contains_key(d.doc_id.as_str()))
        .cloned()
        .collect();
    // Each worker cuts its document's units out, with their hits.
    let inspect = |v: &View<'_>| -> Vec<(usize, Result<ToolUnit>)> {
        wanted[v.meta.doc_id.as_str()]
            .iter()
            .map(|&i| (i, cut_unit(gold, tagger, features, v, i)))
            .collect()
    };
    let mut problem = None;
    let (skipped, _) = job.run_each(Source::Docs(metas), &inspect, |_, units| {
        for (i, unit) in units {
            match unit {
                Ok(t) => out[i] = t,
                Err(e) => {
                    problem.get_or_insert(e);
                }
            }
        }
    })?;
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
        tagger.inspect(text, &mut a, &mut scratch, |a, _, all| {
            let hits: Vec<&Hit> = all.iter().collect();
            out[i].text = collapse(text);
            out[i].standalone = true;
            out[i].group = u.unit_id.clone();
            fill(gold, &tagger.lexicon, &mut out[i], &hits);
            featurise(
                features,
                tagger,
                &mut out[i],
                a,
                (0, text.len()),
                (&hits, &all),
            );
        });
    }
    Ok(out)
}

/// The gold units (indices) of each document, by its id.
type UnitsByDoc<'d> = BTreeMap<&'d str, Vec<usize>>;

/// Where each unit is: the units of each document of `docs` (by its id),
/// and the units to tag from their own text.
fn place_units<'d>(gold: &Gold, docs: &'d [DocMeta]) -> Result<(UnitsByDoc<'d>, Vec<usize>)> {
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
        match u.doc_id.as_deref().and_then(|d| by_id.get(d)) {
            Some(d) => wanted.entry(d.doc_id.as_str()).or_default().push(i),
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
    Ok((wanted, alone))
}

/// Unit `i` cut from the document the worker holds: its text, the hits
/// inside its span, and (if asked) its features.
fn cut_unit(
    gold: &Gold,
    tagger: &Tagger,
    features: Option<&crate::study::classify::FeatureConfig>,
    v: &View<'_>,
    i: usize,
) -> Result<ToolUnit> {
    let (text, meta) = (v.text, v.meta);
    let u = &gold.units[i];
    let (s, e) = u.span.unwrap_or((0, text.len()));
    let Some(slice) = text.get(s..e) else {
        return Err(bad(
            &gold.path,
            u.line,
            None,
            format!(
                "unit {:?}: bytes {s}..{e} are not a span of {} ({} bytes)",
                u.unit_id,
                meta.path,
                text.len()
            ),
        ));
    };
    if let Some(t) = &u.text
        && collapse(t) != collapse(slice)
    {
        return Err(bad(
            &gold.path,
            u.line,
            None,
            format!(
                "unit {:?}: the text in the sheet differs from bytes {s}..{e} of {}: the corpus or the sheet has changed",
                u.unit_id, meta.path
            ),
        ));
    }
    let inside: Vec<&Hit> = v
        .hits
        .iter()
        .filter(|h| h.byte_start as usize >= s && h.byte_end as usize <= e)
        .collect();
    let mut t = ToolUnit {
        text: collapse(slice),
        // The gold file's document id, not the corpus's: a document read
        // without metadata is named by its path, which depends on how the
        // input was spelled (`../shared/seed` or `/work/shared/seed`), and
        // the group seeds the folds.
        group: u.doc_id.clone().unwrap_or_else(|| meta.doc_id.clone()),
        ..ToolUnit::default()
    };
    fill(gold, &tagger.lexicon, &mut t, &inside);
    featurise(
        features,
        tagger,
        &mut t,
        v.analysis,
        (s, e),
        (&inside, v.hits),
    );
    Ok(t)
}

/// The tool's labels and stances of a unit, from the hits inside it.
fn fill(gold: &Gold, lex: &Lexicon, t: &mut ToolUnit, hits: &[&Hit]) {
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
}

/// The unit's classifier features (bytes `span` of the analysed text), if
/// asked for.
fn featurise(
    features: Option<&crate::study::classify::FeatureConfig>,
    tagger: &Tagger,
    t: &mut ToolUnit,
    a: &Analysis,
    (start, end): (usize, usize),
    (hits, all): (&[&Hit], &[Hit]),
) {
    use crate::study::classify::{self, Neighbours};
    if let Some(cfg) = features {
        let range = classify::token_range(a, start as u32, end as u32);
        let input = classify::SentenceRef {
            a,
            neighbours: Neighbours::of(&tagger.lexicon, a, range.clone(), all),
            tokens: range,
            hits,
        };
        t.features = Some(classify::features(
            cfg,
            &tagger.lexicon,
            &tagger.analyzer,
            &input,
        ));
    }
}
