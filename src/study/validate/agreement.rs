//! Agreement between coders: Cohen's kappa, Krippendorff's alpha, per
//! label and for stance.

use super::*;

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

/// Agreement between the independent coders (adjudicators left out): per
/// label, Krippendorff's alpha and pairwise kappa; per category with stance
/// codes, the same on the three-way code (endorsed / distanced / none).
pub(super) fn agreement(gold: &Gold, lexicon: &Lexicon) -> Vec<CoderAgreement> {
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

pub(super) fn agreement_of<T: Ord + Clone>(
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
pub(super) fn stance_agreement(
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
