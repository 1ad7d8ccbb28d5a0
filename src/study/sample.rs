//! Coding sheets for validation: a stratified random sample of sentences
//! (by period, source and whether the lexicon fired), or the sentences a
//! trained model is least sure of plus a random share, reproducible from a
//! seed, with the tool's labels kept in a separate key so coders work blind.

use crate::aggregate::Period;
use crate::error::Result;
use crate::ingest::Corpus;
use crate::model::{HitStatus, Skipped};
use crate::pipeline::{Job, Source};
use crate::tagger::{Tagger, View};
use rand::SeedableRng;
use std::collections::BTreeMap;

/// One sentence that may be drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub unit_id: String,
    pub doc_id: String,
    pub period: String,
    pub source: String,
    pub sentence: u32,
    /// The 1-based page where the sentence starts, in a paged document
    /// (PDF): what a coder cites, and a `validate --cluster page` cluster.
    pub page: Option<u32>,
    pub byte_start: u32,
    pub byte_end: u32,
    pub text: String,
    /// Whether a counted behavioural or structural hit (any stance) is in it.
    pub fired: bool,
    /// The tool's labels, for the key file: `category.subframe:stance` per hit.
    pub labels: Vec<String>,
    /// Set by [`draw`]: the unit's stratum (`period|source|fired`) and its
    /// probability of being drawn, n_h / N_h for its stratum, so that
    /// `validate --design` can weight it by the sampling design.
    pub stratum: String,
    pub inclusion_prob: f64,
    /// With a model: how unsure it is of the sentence, the largest over its
    /// framings of 1 - (p of the likeliest class - p of the next); and its
    /// labels for the key (`framing:class p`).
    pub uncertainty: f64,
    pub model_labels: Vec<String>,
}

/// Every sentence of the documents of `source`, read and tagged by `job`,
/// as a unit, with the model's uncertainty when a model is given. Returns
/// the units in input order, the documents that could not be read, and
/// what discovery found.
pub fn units(
    job: &Job<'_>,
    source: Source,
    by: Period,
    model: Option<&crate::study::classify::Model>,
) -> Result<(Vec<Unit>, Vec<Skipped>, Corpus)> {
    let tagger = job.tagger;
    let mut out = Vec::new();
    let inspect = |v: &View<'_>| doc_units(tagger, v, by, model);
    let (skipped, found) = job.run_each(source, &inspect, |_, units| out.extend(units))?;
    Ok((out, skipped, found))
}

/// The sentences of one document (in the worker that tagged it) as units.
fn doc_units(
    tagger: &Tagger,
    v: &View<'_>,
    by: Period,
    model: Option<&crate::study::classify::Model>,
) -> Vec<Unit> {
    let lex = &tagger.lexicon;
    let (meta, text, a, hits) = (v.meta, v.text, v.analysis, v.hits);
    let mut out = Vec::new();
    let spans = a.sentence_spans();
    let mut labels: Vec<Vec<String>> = vec![Vec::new(); spans.len()];
    for h in hits {
        let e = &lex.entries[h.entry as usize];
        let cat = lex.subframes[e.subframe].category;
        if Some(cat) == lex.context_category || h.status != HitStatus::Counted {
            continue;
        }
        if let Some(l) = labels.get_mut(h.sentence as usize) {
            l.push(format!(
                "{}:{}",
                lex.subframe_path(e.subframe),
                h.stance.as_str()
            ));
        }
    }
    let predictions = model.map(|m| crate::study::measure::predict_sentences(tagger, m, v));
    for (i, (s, e)) in spans.iter().enumerate() {
        let sentence_text = crate::study::measure::sentence_text(text, (*s, *e));
        if !sentence_text.chars().any(char::is_alphanumeric) {
            continue;
        }
        let (mut uncertainty, mut model_labels) = (0.0, Vec::new());
        if let (Some(m), Some(predictions)) = (model, &predictions) {
            for (fm, p) in m.framings.iter().zip(&predictions[i].1) {
                uncertainty = f64::max(uncertainty, p.uncertainty());
                model_labels.push(format!(
                    "{}:{} {:.2}",
                    fm.framing,
                    p.label(),
                    p.p[p.class()]
                ));
            }
        }
        out.push(Unit {
            unit_id: format!("{}#{}", meta.doc_id, i),
            doc_id: meta.doc_id.clone(),
            period: by.label(meta.date),
            source: meta.source.clone().unwrap_or_default(),
            sentence: i as u32,
            page: crate::model::page_of(v.page_starts, *s),
            byte_start: *s,
            byte_end: *e,
            text: sentence_text,
            fired: !labels[i].is_empty(),
            labels: std::mem::take(&mut labels[i]),
            stratum: String::new(),
            inclusion_prob: 0.0,
            uncertainty,
            model_labels,
        });
    }
    out
}

/// Draw `n` units spread as evenly as the strata allow over (period,
/// source, fired): round-robin over strata in sorted order, each stratum
/// shuffled with ChaCha8 from `seed`. Returned in unit order, each with its
/// stratum and inclusion probability (drawn / size of its stratum: within a
/// stratum the draw is a simple random sample).
pub fn draw(units: Vec<Unit>, n: usize, seed: u64) -> Vec<Unit> {
    use rand::seq::SliceRandom;
    let mut strata: BTreeMap<(String, String, bool), Vec<Unit>> = BTreeMap::new();
    for u in units {
        strata
            .entry((u.period.clone(), u.source.clone(), u.fired))
            .or_default()
            .push(u);
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut queues: Vec<(String, usize, std::collections::VecDeque<Unit>)> = strata
        .into_iter()
        .map(|((period, source, fired), mut v)| {
            v.shuffle(&mut rng);
            let name = format!(
                "{period}|{source}|{}",
                if fired { "fired" } else { "not-fired" }
            );
            (name, v.len(), v.into())
        })
        .collect();
    let mut picked = Vec::new();
    let mut taken = vec![0usize; queues.len()];
    while picked.len() < n && queues.iter().any(|q| !q.2.is_empty()) {
        for (k, q) in queues.iter_mut().enumerate() {
            if picked.len() == n {
                break;
            }
            if let Some(u) = q.2.pop_front() {
                picked.push((k, u));
                taken[k] += 1;
            }
        }
    }
    let mut picked: Vec<Unit> = picked
        .into_iter()
        .map(|(k, mut u)| {
            u.stratum = queues[k].0.clone();
            u.inclusion_prob = taken[k] as f64 / queues[k].1 as f64;
            u
        })
        .collect();
    picked.sort_by(|a, b| (&a.doc_id, a.sentence).cmp(&(&b.doc_id, b.sentence)));
    picked
}

/// Draw `n` units for active learning: the `n - r` the model is least sure
/// of (ties broken by a seeded hash of the unit id), where `r` is
/// `random_share` of `n`, plus `r` drawn at random from the rest, for
/// calibration. As a design this is two strata: the uncertain ones taken
/// whole (inclusion probability 1: every sentence at least as uncertain as
/// the last one taken), and a simple random sample of the rest.
pub fn draw_uncertain(units: Vec<Unit>, n: usize, seed: u64, random_share: f64) -> Vec<Unit> {
    use rand::seq::SliceRandom;
    use std::hash::Hasher;
    let n = n.min(units.len());
    let r = ((n as f64) * random_share.clamp(0.0, 1.0)).round() as usize;
    let key = |u: &Unit| {
        let mut h = siphasher::sip::SipHasher13::new_with_keys(seed, 0x756e_6365_7274);
        h.write(u.unit_id.as_bytes());
        h.finish()
    };
    let mut units = units;
    units.sort_by(|a, b| {
        b.uncertainty
            .total_cmp(&a.uncertainty)
            .then_with(|| key(a).cmp(&key(b)))
    });
    let mut rest = units.split_off(n - r);
    let mut picked = units;
    for u in &mut picked {
        u.stratum = "uncertain".into();
        u.inclusion_prob = 1.0;
    }
    let total_rest = rest.len();
    rest.sort_by(|a, b| (&a.doc_id, a.sentence).cmp(&(&b.doc_id, b.sentence)));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    rest.shuffle(&mut rng);
    for mut u in rest.into_iter().take(r) {
        u.stratum = "random".into();
        u.inclusion_prob = r as f64 / total_rest as f64;
        picked.push(u);
    }
    picked.sort_by(|a, b| (&a.doc_id, a.sentence).cmp(&(&b.doc_id, b.sentence)));
    picked
}
