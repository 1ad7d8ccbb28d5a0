//! The tool against the coders: confusion tables, precision, recall and
//! F1 (design-weighted where the sample says so) with bootstrap
//! intervals, kappa, and the cases behind every error.

use super::*;

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
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

pub(super) fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Precision, recall and F1 from (possibly weighted) counts.
pub(super) fn prf(tp: f64, fp: f64, fn_: f64) -> [Option<f64>; 3] {
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
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
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
    /// what the tool made of the label where it says (the model's
    /// probabilities), then what it found in the unit for other labels.
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
    /// The gold column whose values the bootstrap resampled in place of
    /// documents (`--cluster`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
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
    /// In the model's report: the model against the lexicon, unit by unit,
    /// per label the model makes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub against_lexicon: Vec<Comparison>,
}

/// Units by which of two methods flag them.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Split {
    pub both: u64,
    pub model_only: u64,
    pub lexicon_only: u64,
    pub neither: u64,
}

impl Split {
    fn add(&mut self, model: bool, lexicon: bool) {
        *match (model, lexicon) {
            (true, true) => &mut self.both,
            (true, false) => &mut self.model_only,
            (false, true) => &mut self.lexicon_only,
            (false, false) => &mut self.neither,
        } += 1;
    }
}

/// The model against the lexicon on one label, unit by unit: which of the
/// coders' positives each finds, which of their negatives each flags, and
/// the difference of the two F1s with a paired bootstrap interval (both
/// measured on the same resampled documents, so that what they share
/// cancels).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Comparison {
    pub label: String,
    pub n: u64,
    /// The units the coders mark, by which method finds them.
    pub positives: Split,
    /// The units the coders do not mark, by which method flags them.
    pub negatives: Split,
    /// The model's F1 minus the lexicon's.
    pub f1_difference: Option<f64>,
    pub f1_difference_ci: Interval,
    /// The same, weighted by 1 / inclusion probability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighted: Option<WeightedDifference>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WeightedDifference {
    pub f1_difference: Option<f64>,
    pub f1_difference_ci: Interval,
}

/// The coders' label of a unit: the majority of the codes given; `Err(())`
/// on a tie, `Ok(None)` when nobody coded it.
pub(super) fn majority(values: impl Iterator<Item = Option<bool>>) -> Result<Option<bool>, ()> {
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

/// Percentile bootstrap: 95% intervals of precision, recall and F1,
/// unweighted and (with `weights`) design-weighted. `strata` holds, per
/// stratum, its clusters of unit indices (a document's units in that
/// stratum): each resample draws every stratum's clusters with
/// replacement, as many as it has, and takes each drawn cluster's units
/// whole, so errors that come in runs from one document widen the
/// interval as they should. Without strata, all units form one; a unit
/// with no document is a cluster of its own.
pub(super) fn bootstrap(
    pairs: &[(bool, bool)],
    weights: Option<&[f64]>,
    strata: &[Vec<Vec<usize>>],
    resamples: usize,
    seed: u64,
) -> ([Interval; 3], Option<[Interval; 3]>) {
    let none = [(None, None); 3];
    if resamples == 0 || pairs.is_empty() {
        return (none, weights.map(|_| none));
    }
    let mut stats: [Vec<f64>; 3] = Default::default();
    let mut wstats: [Vec<f64>; 3] = Default::default();
    resample(strata, resamples, seed, |drawn| {
        let mut c = Confusion::default();
        let mut wc = WeightedConfusion::default();
        for &k in drawn {
            let (g, t) = pairs[k];
            c.add(g, t);
            if let Some(w) = weights {
                wc.add(g, t, w[k]);
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
    });
    (stats.map(interval), weights.map(|_| wstats.map(interval)))
}

/// The 95% percentile interval of a bootstrap statistic's values.
fn interval(mut v: Vec<f64>) -> Interval {
    v.sort_by(f64::total_cmp);
    (quantile(&v, 0.025), quantile(&v, 0.975))
}

/// Draw `resamples` bootstrap resamples of the units (see [`bootstrap`])
/// and hand each to `each`: the units drawn, with repeats. Two measures
/// taken from one resample are paired.
fn resample(
    strata: &[Vec<Vec<usize>>],
    resamples: usize,
    seed: u64,
    mut each: impl FnMut(&[usize]),
) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut drawn = Vec::new();
    for _ in 0..resamples {
        drawn.clear();
        for clusters in strata {
            for _ in 0..clusters.len() {
                drawn.extend_from_slice(&clusters[rng.random_range(0..clusters.len())]);
            }
        }
        each(&drawn);
    }
}

/// A unit's reference three-way code for one framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// A class of [`crate::study::classify::CLASSES`].
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
pub(super) fn reference(gold: &Gold, u: &Unit, label: usize) -> Result<Option<bool>, ()> {
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

/// The units a label is scored on: per unit with a reference label (in
/// the gold file's order), its index, the reference and its design
/// weight; the bootstrap's strata of them (per stratum, a document's units
/// together, or with `--cluster` a cluster's units of one document, or a
/// unit without a document alone; indices into `units`);
/// and how many units the coders tied on.
struct Scored {
    units: Vec<(usize, bool, f64)>,
    strata: Vec<Vec<Vec<usize>>>,
    ties: u64,
}

fn scored(gold: &Gold, label: usize) -> Scored {
    let mut units = Vec::new();
    // Stratum -> group -> units. A group is (whether the unit has a
    // document, the document or else the unit alone, and with `--cluster`
    // the unit's cluster in it).
    type Group<'a> = (bool, &'a str, &'a str);
    let mut strata: BTreeMap<&str, BTreeMap<Group<'_>, Vec<usize>>> = BTreeMap::new();
    let mut ties = 0;
    for (i, u) in gold.units.iter().enumerate() {
        let g = match reference(gold, u, label) {
            Ok(Some(g)) => g,
            Ok(None) => continue,
            Err(()) => {
                ties += 1;
                continue;
            }
        };
        strata
            .entry(u.stratum.as_deref().unwrap_or(""))
            .or_default()
            .entry(match (&u.doc_id, &u.cluster) {
                (Some(d), c) => (true, d.as_str(), c.as_deref().unwrap_or("")),
                (None, Some(c)) => (false, "", c.as_str()),
                (None, None) => (false, u.unit_id.as_str(), ""),
            })
            .or_default()
            .push(units.len());
        units.push((i, g, u.weight.unwrap_or(1.0)));
    }
    Scored {
        units,
        strata: strata
            .into_values()
            .map(|docs| docs.into_values().collect())
            .collect(),
        ties,
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
        let (mut fps, mut fns) = (Vec::new(), Vec::new());
        let Scored {
            units,
            strata,
            ties,
        } = scored(gold, l);
        for &(i, g, w) in &units {
            let (u, t) = (&gold.units[i], &tool[i]);
            let p = t.present[l];
            c.add(g, p);
            wc.add(g, p, w);
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
                    // The model's verdict on the framing, once (a
                    // distanced sentence is also found for the framing in
                    // any stance).
                    let own = t.missed.get(l).cloned().flatten();
                    other.retain(|e| Some(e) != own.as_ref());
                    fns.push(case(own.into_iter().chain(other).collect()))
                }
                _ => {}
            }
        }
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
        cluster: gold.cluster.clone(),
        resamples,
        seed,
        coder_agreement,
        labels,
        stances,
        model: None,
        against_lexicon: Vec::new(),
    }
}

/// Training examples of coded units tagged with features
/// ([`tag_units_with`]): per framing of `framings` (category indices) the
/// reference class, none where the coders tied or did not code it; and
/// how many codes were ties.
pub fn examples(
    gold: &Gold,
    tool: Vec<ToolUnit>,
    framings: &[usize],
) -> (Vec<crate::study::classify::Example>, usize) {
    let mut ties = 0;
    let examples = gold
        .units
        .iter()
        .zip(tool)
        .map(|(u, t)| {
            let labels = framings
                .iter()
                .map(|&c| match reference_class(gold, u, c) {
                    Reference::Class(k) => Some(k),
                    Reference::Tie => {
                        ties += 1;
                        None
                    }
                    Reference::NotCoded => None,
                })
                .collect();
            crate::study::classify::Example {
                features: t.features.expect("units tagged with features"),
                labels,
                group: t.group,
            }
        })
        .collect();
    (examples, ties)
}

/// The trained classifier's labels for each unit (units need features:
/// [`tag_units_with`]), in the shape `evaluate` reads. A category label is
/// found when the model's class is endorsed or distanced, its endorsed
/// label when the class is endorsed; sub-frames are not the model's.
pub fn model_units(
    gold: &Gold,
    tool: &[ToolUnit],
    lexicon: &Lexicon,
    model: &crate::study::classify::Model,
) -> Vec<ToolUnit> {
    predicted_units(gold, tool, lexicon, |_, cat, f| {
        Some(model.framing(&lexicon.categories[cat].name)?.predict(f))
    })
}

/// [`model_units`] from any predictor: `predict(unit, category,
/// features)` is the unit's prediction for the category's framing, if
/// there is a classifier of it (`validate --cv` predicts each unit with a
/// model trained without its fold).
pub fn predicted_units(
    gold: &Gold,
    tool: &[ToolUnit],
    lexicon: &Lexicon,
    predict: impl Fn(
        usize,
        usize,
        &crate::study::classify::Features,
    ) -> Option<crate::study::classify::Prediction>,
) -> Vec<ToolUnit> {
    tool.iter()
        .enumerate()
        .map(|(u, t)| {
            let mut m = ToolUnit {
                text: t.text.clone(),
                standalone: t.standalone,
                found: vec![Vec::new(); gold.labels.len()],
                present: vec![false; gold.labels.len()],
                missed: vec![None; gold.labels.len()],
                stances: vec![None; lexicon.categories.len()],
                features: None,
                group: t.group.clone(),
            };
            let Some(f) = &t.features else { return m };
            for cat in 0..lexicon.categories.len() {
                let Some(p) = predict(u, cat, f) else {
                    continue;
                };
                m.stances[cat] = p.stance();
                for (l, label) in gold.labels.iter().enumerate() {
                    let yes = match label.target {
                        Target::Category(x) if x == cat => p.class() != 0,
                        Target::Endorsed(x) if x == cat => p.class() == 1,
                        _ => continue,
                    };
                    m.present[l] = yes;
                    // Named: a false negative lists what was found for
                    // the other labels, the other framing's too.
                    let said = format!(
                        "model {}: {} (p endorsed {:.2}, distanced {:.2})",
                        lexicon.categories[cat].name,
                        p.label(),
                        p.p[1],
                        p.p[2]
                    );
                    match yes {
                        true => m.found[l].push(said),
                        false => m.missed[l] = Some(said),
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
    framings: &[String],
    resamples: usize,
    seed: u64,
) -> Report {
    let has = |name: &str| framings.iter().any(|f| f == name);
    let mut r = evaluate(gold, units, lexicon, resamples, seed);
    r.method = "model";
    r.coder_agreement.clear();
    let keep: Vec<bool> = gold
        .labels
        .iter()
        .map(|l| match l.target {
            Target::Category(c) | Target::Endorsed(c) => has(&lexicon.categories[c].name),
            Target::Subframe(_) => false,
        })
        .collect();
    let mut k = keep.iter();
    r.labels.retain(|_| *k.next().expect("a flag per label"));
    r.stances.retain(|s| has(&s.category));
    r
}

/// The model's labels (`model`, units from [`model_units`] or
/// [`predicted_units`]) against the lexicon's (`lexicon`) on the labels
/// `labels` (names of gold labels), unit by unit ([`Comparison`]).
pub fn compare(
    gold: &Gold,
    lexicon: &[ToolUnit],
    model: &[ToolUnit],
    labels: &[String],
    resamples: usize,
    seed: u64,
) -> Vec<Comparison> {
    let weighted = gold.weighted();
    labels
        .iter()
        .filter_map(|name| gold.labels.iter().position(|l| &l.name == name))
        .map(|l| {
            let name = &gold.labels[l].name;
            let Scored { units, strata, .. } = scored(gold, l);
            let flags: Vec<(bool, bool, bool)> = units
                .iter()
                .map(|&(i, g, _)| (g, model[i].present[l], lexicon[i].present[l]))
                .collect();
            let (mut positives, mut negatives) = (Split::default(), Split::default());
            for &(g, m, x) in &flags {
                if g { &mut positives } else { &mut negatives }.add(m, x);
            }
            let difference = |c: &[Confusion; 2]| Some(c[0].f1()? - c[1].f1()?);
            let weighted_difference =
                |c: &[WeightedConfusion; 2]| Some(c[0].prf()[2]? - c[1].prf()[2]?);
            // Both methods' confusion tables (model, lexicon) over `drawn`.
            let tables = |drawn: &mut dyn Iterator<Item = usize>| {
                let mut c = [Confusion::default(); 2];
                let mut wc = [WeightedConfusion::default(); 2];
                for k in drawn {
                    let (g, m, x) = flags[k];
                    let w = units[k].2;
                    c[0].add(g, m);
                    c[1].add(g, x);
                    wc[0].add(g, m, w);
                    wc[1].add(g, x, w);
                }
                (c, wc)
            };
            let (c, wc) = tables(&mut (0..flags.len()));
            let (mut stats, mut wstats) = (Vec::new(), Vec::new());
            if !flags.is_empty() {
                let seed = cell_seed(seed, &[Some(name.clone()), Some("against lexicon".into())]);
                resample(&strata, resamples, seed, |drawn| {
                    let (c, wc) = tables(&mut drawn.iter().copied());
                    stats.extend(difference(&c));
                    wstats.extend(weighted_difference(&wc));
                });
            }
            Comparison {
                label: name.clone(),
                n: flags.len() as u64,
                positives,
                negatives,
                f1_difference: difference(&c),
                f1_difference_ci: interval(stats),
                weighted: weighted.then(|| WeightedDifference {
                    f1_difference: weighted_difference(&wc),
                    f1_difference_ci: interval(wstats),
                }),
            }
        })
        .collect()
}
