//! Drivers of change: which lexicon entries account for the change in a
//! category's rate between two periods (or two values of any document
//! field), and warnings where one entry carries most of a category.
//! Works from a run folder's tables.

use super::composition;
use crate::output::RunTables;
use std::collections::{BTreeMap, HashMap};

/// One entry's contribution to the change in its category's rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub category: String,
    pub entry: String,
    pub hits_a: u64,
    pub hits_b: u64,
    /// Endorsed hits per 10,000 words in each side.
    pub rate_a: f64,
    pub rate_b: f64,
    pub change: f64,
}

/// A category whose hits in one side rest mostly on one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Fragile {
    pub side: String,
    pub category: String,
    pub entry: String,
    pub share: f64,
    pub hits: u64,
}

#[derive(Debug, Clone)]
pub struct Drivers {
    pub field: String,
    pub a: String,
    pub b: String,
    pub tokens: (f64, f64),
    pub documents: (usize, usize),
    /// Category totals: (category, rate a, rate b).
    pub categories: Vec<(String, f64, f64)>,
    pub contributions: Vec<Contribution>,
    pub fragile: Vec<Fragile>,
    /// The column the sides' composition is broken down by (the run's
    /// first group column for periods, the period for a group column).
    pub composition_by: Option<String>,
    /// Each side's documents per value of `composition_by` (one
    /// [`composition::ALL`] key without it).
    pub composition: [BTreeMap<String, u64>; 2],
    /// Why the two sides differ sharply in composition
    /// ([`super::composition::shifts`]); empty when they do not.
    pub shifts: Vec<String>,
}

/// Compare side `a` with side `b` of `field` (`period`, or any documents
/// column such as `source`). Only endorsed, counted hits of categories
/// other than the context category are used. Errors name what is missing.
pub fn compare(run: &RunTables, field: &str, a: &str, b: &str) -> Result<Drivers, String> {
    let d = &run.documents;
    if !d.has(field) {
        let names = d.names();
        return Err(format!(
            "the documents table has no column \"{field}\"; columns: {}",
            names.join(", ")
        ));
    }
    let ids = d.strs("doc_id");
    let values = d.strs(field);
    let tokens = d.nums("tokens");
    let mut side: HashMap<String, usize> = HashMap::new();
    let (mut tok, mut docs) = ([0.0f64; 2], [0usize; 2]);
    for i in 0..d.height() {
        let k = match values[i].as_deref() {
            Some(v) if v == a => 0,
            Some(v) if v == b => 1,
            _ => continue,
        };
        if let Some(id) = &ids[i] {
            side.insert(id.clone(), k);
        }
        tok[k] += tokens[i].unwrap_or(0.0);
        docs[k] += 1;
    }
    for (k, v) in [(0, a), (1, b)] {
        if docs[k] == 0 {
            let mut seen: Vec<String> = values.iter().flatten().cloned().collect();
            seen.sort();
            seen.dedup();
            let shown: Vec<&str> = seen.iter().take(30).map(String::as_str).collect();
            return Err(format!(
                "no documents with {field} = \"{v}\"; values: {}{}",
                shown.join(", "),
                if seen.len() > 30 { ", ..." } else { "" }
            ));
        }
    }
    let context = "context";
    let h = &run.hits;
    let (hdoc, hcat, hentry, hstance, hstatus) = (
        h.strs("doc_id"),
        h.strs("category"),
        h.strs("entry"),
        h.strs("stance"),
        h.strs("status"),
    );
    let mut counts: BTreeMap<(String, String), [u64; 2]> = BTreeMap::new();
    for i in 0..h.height() {
        let (Some(doc), Some(cat), Some(entry)) = (&hdoc[i], &hcat[i], &hentry[i]) else {
            continue;
        };
        if cat == context
            || hstance[i].as_deref() != Some("endorsed")
            || hstatus[i].as_deref() != Some("counted")
        {
            continue;
        }
        let Some(&k) = side.get(doc) else { continue };
        counts.entry((cat.clone(), entry.clone())).or_default()[k] += 1;
    }
    let rate = |n: u64, k: usize| {
        if tok[k] > 0.0 {
            n as f64 * 10_000.0 / tok[k]
        } else {
            0.0
        }
    };
    let mut by_cat: BTreeMap<String, [u64; 2]> = BTreeMap::new();
    let mut contributions = Vec::new();
    for ((cat, entry), n) in &counts {
        let c = by_cat.entry(cat.clone()).or_default();
        c[0] += n[0];
        c[1] += n[1];
        contributions.push(Contribution {
            category: cat.clone(),
            entry: entry.clone(),
            hits_a: n[0],
            hits_b: n[1],
            rate_a: rate(n[0], 0),
            rate_b: rate(n[1], 1),
            change: rate(n[1], 1) - rate(n[0], 0),
        });
    }
    contributions.sort_by(|x, y| {
        y.change
            .abs()
            .total_cmp(&x.change.abs())
            .then(x.category.cmp(&y.category))
            .then(x.entry.cmp(&y.entry))
    });
    let mut fragile = Vec::new();
    for (k, label) in [(0, a), (1, b)] {
        for (cat, total) in &by_cat {
            if total[k] < 2 {
                continue;
            }
            if let Some(top) = contributions
                .iter()
                .filter(|c| &c.category == cat)
                .max_by_key(|c| {
                    (
                        if k == 0 { c.hits_a } else { c.hits_b },
                        std::cmp::Reverse(c.entry.clone()),
                    )
                })
            {
                let n = if k == 0 { top.hits_a } else { top.hits_b };
                let share = n as f64 / total[k] as f64;
                if share > 0.5 {
                    fragile.push(Fragile {
                        side: label.to_string(),
                        category: cat.clone(),
                        entry: top.entry.clone(),
                        share,
                        hits: n,
                    });
                }
            }
        }
    }
    let composition_by = composition::breakdown(run, field);
    let mut by_side = composition::counts(run, field, composition_by.as_deref());
    let composition = [a, b].map(|v| by_side.remove(v).unwrap_or_default());
    let shifts = composition::shifts(a, &composition[0], b, &composition[1]);
    Ok(Drivers {
        composition_by,
        composition,
        shifts,
        field: field.to_string(),
        a: a.to_string(),
        b: b.to_string(),
        tokens: (tok[0], tok[1]),
        documents: (docs[0], docs[1]),
        categories: by_cat
            .iter()
            .map(|(c, n)| (c.clone(), rate(n[0], 0), rate(n[1], 1)))
            .collect(),
        contributions,
        fragile,
    })
}
