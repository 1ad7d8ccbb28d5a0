//! Periods, and the statistics trends are made of: documents grouped by
//! period × metadata values, their counts summed per cell (rates, share
//! and balance are computed from the sums, never averaged over
//! documents), with document-bootstrap intervals. Pure: the trends table
//! itself is built in `output`.

use crate::model::{DatePrecision, DocDate, DocMeta, DocResult, HIT_KINDS, SCORE_KINDS, Stance};
use crate::score;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// The label of the bucket for documents without a date.
pub const UNDATED: &str = "undated";

/// The time unit trends are bucketed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
            Period::Decade => "decade",
        }
    }

    /// The label and first day of the period holding `date`:
    /// `2019-03-01`, `2019-W09`, `2019-03`, `2019-Q1`, `2019`, `2010s`.
    pub fn bucket(self, date: NaiveDate) -> (String, NaiveDate) {
        let y = date.year();
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid period start");
        match self {
            Period::Day => (date.format("%Y-%m-%d").to_string(), date),
            Period::Week => {
                let w = date.iso_week();
                let start = NaiveDate::from_isoywd_opt(w.year(), w.week(), chrono::Weekday::Mon)
                    .expect("valid iso week");
                (format!("{:04}-W{:02}", w.year(), w.week()), start)
            }
            Period::Month => (
                format!("{y:04}-{:02}", date.month()),
                ymd(y, date.month(), 1),
            ),
            Period::Quarter => {
                let q = (date.month() - 1) / 3 + 1;
                (format!("{y:04}-Q{q}"), ymd(y, (q - 1) * 3 + 1, 1))
            }
            Period::Year => (format!("{y:04}"), ymd(y, 1, 1)),
            Period::Decade => {
                let d = y.div_euclid(10) * 10;
                (format!("{d:04}s"), ymd(d, 1, 1))
            }
        }
    }

    /// Is a date known only to a precision coarser than this period?
    pub fn finer_than(self, precision: DatePrecision) -> bool {
        match precision {
            DatePrecision::Day => false,
            DatePrecision::Month => matches!(self, Period::Day | Period::Week),
            DatePrecision::Year => !matches!(self, Period::Year | Period::Decade),
        }
    }

    pub fn label(self, date: Option<DocDate>) -> String {
        date.map_or_else(|| UNDATED.to_string(), |d| self.bucket(d.date).0)
    }
}

/// Days since 1970-01-01, polars' Date representation.
pub fn epoch_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn period_labels_and_starts() {
        let d = nd(2019, 3, 1);
        assert_eq!(Period::Day.bucket(d), ("2019-03-01".into(), d));
        assert_eq!(Period::Week.bucket(d), ("2019-W09".into(), nd(2019, 2, 25)));
        assert_eq!(Period::Month.bucket(d), ("2019-03".into(), nd(2019, 3, 1)));
        assert_eq!(
            Period::Quarter.bucket(nd(2019, 8, 30)),
            ("2019-Q3".into(), nd(2019, 7, 1))
        );
        assert_eq!(Period::Year.bucket(d), ("2019".into(), nd(2019, 1, 1)));
        assert_eq!(Period::Decade.bucket(d), ("2010s".into(), nd(2010, 1, 1)));
        assert_eq!(Period::Week.bucket(nd(2021, 1, 1)).0, "2020-W53");
        assert_eq!(Period::Year.label(None), UNDATED);
    }

    #[test]
    fn coarse_dates() {
        assert!(Period::Month.finer_than(DatePrecision::Year));
        assert!(!Period::Decade.finer_than(DatePrecision::Year));
        assert!(Period::Week.finer_than(DatePrecision::Month));
        assert!(!Period::Day.finer_than(DatePrecision::Day));
    }
}

/// Document-bootstrap 95% intervals for one trend cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Intervals {
    pub rate_b: (Option<f64>, Option<f64>),
    pub rate_s: (Option<f64>, Option<f64>),
    pub share: (Option<f64>, Option<f64>),
    pub balance: (Option<f64>, Option<f64>),
    /// Of the share of framed sentences.
    pub sentence_share: (Option<f64>, Option<f64>),
    /// Of the share of the sentences the trained model labels endorsed.
    pub model_share: (Option<f64>, Option<f64>),
}

/// Percentile `q` (0–1) of sorted values, linear between ranks.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

/// A seed for one cell, from the run's seed and the cell's key, so that a
/// cell's interval does not depend on which other cells exist.
pub fn cell_seed(seed: u64, key: &[Option<String>]) -> u64 {
    let joined: Vec<&str> = key
        .iter()
        .map(|k| k.as_deref().unwrap_or("\u{0}"))
        .collect();
    let digest = crate::lexicon::hex_sha256(joined.join("\u{1f}").as_bytes());
    u64::from_str_radix(&digest[..16], 16).unwrap_or(0) ^ seed
}

/// Resample the cell's documents with replacement `resamples` times and
/// take the 2.5th and 97.5th percentiles of the endorsed behavioural and
/// structural rates, the share and the balance; none (null) for a cell of
/// fewer than 2 documents. `docs` index into the
/// per-document `tokens`, `b` and `s`.
pub fn bootstrap(
    docs: &[usize],
    tokens: &[u64],
    b: &[u64],
    s: &[u64],
    resamples: usize,
    seed: u64,
) -> Intervals {
    bootstrap_of(
        docs.len(),
        |i| {
            let d = docs[i];
            [tokens[d], b[d], s[d], 0, 0, 0, 0]
        },
        resamples,
        seed,
    )
}

/// [`bootstrap`] over `n` documents whose [tokens, behavioural hits,
/// structural hits, behavioural sentences, structural sentences, and the
/// same two as the trained model labels them] `doc` gives: the same
/// draws, without copying them out.
fn bootstrap_of(
    n: usize,
    doc: impl Fn(usize) -> [u64; 7],
    resamples: usize,
    seed: u64,
) -> Intervals {
    use rand::{Rng, SeedableRng};
    // Resampling one document gives that document back every time: a
    // zero-width interval that would claim a certainty it has not.
    if resamples == 0 || n < 2 {
        return Intervals::default();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (mut rb, mut rs, mut sh, mut ba, mut ss, mut ms) = (
        Vec::with_capacity(resamples),
        Vec::with_capacity(resamples),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for _ in 0..resamples {
        let [mut t, mut hb, mut hs, mut sb, mut sn, mut mb, mut mn] = [0u64; 7];
        for _ in 0..n {
            let [dt, db, ds, dsb, dsn, dmb, dmn] = doc(rng.random_range(0..n));
            t += dt;
            hb += db;
            hs += ds;
            sb += dsb;
            sn += dsn;
            mb += dmb;
            mn += dmn;
        }
        if let Some(x) = score::share(sb, sn) {
            ss.push(x);
        }
        if let Some(x) = score::share(mb, mn) {
            ms.push(x);
        }
        if let Some(r) = score::rate(hb, t) {
            rb.push(r);
        }
        if let Some(r) = score::rate(hs, t) {
            rs.push(r);
        }
        if let Some(x) = score::share(hb, hs) {
            sh.push(x);
        }
        if let Some(x) = score::balance(hb, hs) {
            ba.push(x);
        }
    }
    let ci = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (quantile(&v, 0.025), quantile(&v, 0.975))
    };
    Intervals {
        rate_b: ci(rb),
        rate_s: ci(rs),
        share: ci(sh),
        balance: ci(ba),
        sentence_share: ci(ss),
        model_share: ci(ms),
    }
}

#[cfg(test)]
mod bootstrap_tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.5), Some(3.0));
        assert_eq!(quantile(&[0.0, 10.0], 0.25), Some(2.5));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn bootstrap_is_seeded_and_brackets_the_estimate() {
        let tokens = [1000, 1200, 800, 1000, 900, 1100];
        let b = [10, 0, 5, 8, 2, 12];
        let s = [2, 9, 4, 3, 8, 1];
        let docs: Vec<usize> = (0..6).collect();
        let a = bootstrap(&docs, &tokens, &b, &s, 2000, 42);
        assert_eq!(a, bootstrap(&docs, &tokens, &b, &s, 2000, 42));
        assert_ne!(a, bootstrap(&docs, &tokens, &b, &s, 2000, 43));
        let share = 37.0 / (37.0 + 27.0);
        let (lo, hi) = (a.share.0.unwrap(), a.share.1.unwrap());
        assert!(
            lo < share && share < hi && lo > 0.2 && hi < 0.9,
            "{lo} {share} {hi}"
        );
        // One document: no interval (every resample would be that document).
        assert_eq!(
            bootstrap(&[0], &tokens, &b, &s, 100, 1),
            Intervals::default()
        );
        let two = bootstrap(&[0, 1], &tokens, &b, &s, 100, 1);
        assert!(two.rate_b.0.unwrap() < two.rate_b.1.unwrap(), "{two:?}");
        assert_eq!(
            bootstrap(&docs, &tokens, &b, &s, 0, 1),
            Intervals::default()
        );
    }

    #[test]
    fn cell_seeds_depend_only_on_the_key() {
        let k = vec![Some("2001".to_string()), None];
        assert_eq!(cell_seed(7, &k), cell_seed(7, &k.clone()));
        assert_ne!(cell_seed(7, &k), cell_seed(8, &k));
        assert_ne!(
            cell_seed(7, &k),
            cell_seed(7, &[Some("2002".to_string()), None])
        );
    }
}

/// Which metadata value a `--group` column takes from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupField {
    Source,
    Kind,
    Title,
    Author,
    Url,
    Format,
    DocId,
    DateSource,
    /// An extra metadata column (a sidecar or table column), by name.
    Extra(String),
}

/// The metadata fields every document has, usable with `--group`.
pub const KNOWN_FIELDS: [&str; 8] = [
    "source",
    "kind",
    "title",
    "author",
    "url",
    "format",
    "doc_id",
    "date_source",
];

impl GroupField {
    pub fn parse(name: &str) -> GroupField {
        match name {
            "source" => GroupField::Source,
            "kind" => GroupField::Kind,
            "title" => GroupField::Title,
            "author" => GroupField::Author,
            "url" => GroupField::Url,
            "format" => GroupField::Format,
            "doc_id" => GroupField::DocId,
            "date_source" => GroupField::DateSource,
            other => GroupField::Extra(other.to_string()),
        }
    }

    /// The document's value; `fields` names its extra values in order.
    pub fn value(&self, d: &DocMeta, fields: &[String]) -> Option<String> {
        let known = |s: &str| (!s.is_empty()).then(|| s.to_string());
        match self {
            GroupField::Source => d.source.clone(),
            GroupField::Kind => d.kind.clone(),
            GroupField::Title => d.title.clone(),
            GroupField::Author => d.author.clone(),
            GroupField::Url => d.url.clone(),
            GroupField::Format => known(d.format),
            GroupField::DocId => Some(d.doc_id.clone()),
            GroupField::DateSource => known(d.date_source),
            GroupField::Extra(name) => fields
                .iter()
                .position(|f| f == name)
                .and_then(|i| d.extra.get(i).cloned().flatten()),
        }
    }
}

/// The shape of the counts a [`Stats`] sums: categories, sub-frames and
/// which categories are the poles of share and balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    pub categories: usize,
    pub subframes: usize,
    /// The categories share and balance compare, if any.
    pub poles: Option<crate::model::Poles>,
    /// Framings of the trained model (0: no model), and which of them are
    /// the poles of its sentence share.
    pub model_framings: usize,
    pub model_poles: Option<[usize; 2]>,
}

impl Shape {
    pub fn of(lexicon: &crate::lexicon::Lexicon) -> Shape {
        Shape {
            categories: lexicon.categories.len(),
            subframes: lexicon.subframes.len(),
            poles: lexicon.poles(),
            model_framings: 0,
            model_poles: None,
        }
    }

    /// With the framings of a trained model (in the model's order): its
    /// share compares the framings named as the lexicon's poles.
    pub fn with_model(mut self, lexicon: &crate::lexicon::Lexicon, framings: &[String]) -> Shape {
        let pole = |c: usize| {
            framings
                .iter()
                .position(|f| *f == lexicon.categories[c].name)
        };
        self.model_framings = framings.len();
        self.model_poles = self
            .poles
            .and_then(|p| pole(p.behavioural).zip(pole(p.structural)))
            .map(|(b, s)| [b, s]);
        self
    }
}

/// One document as statistics see it, from a tagged document or from a
/// row of a documents table.
#[derive(Debug, Clone, Copy)]
pub struct DocStats<'a> {
    /// Position in the whole corpus's input order.
    pub ordinal: u64,
    /// `[period, group values...]`.
    pub key: &'a [Option<String>],
    pub period_start: Option<i32>,
    pub dated: bool,
    /// Dated more coarsely than the period unit.
    pub coarse: bool,
    pub warned: bool,
    pub tokens: u64,
    /// Every hit of the document (counted or not, any category).
    pub hits: u64,
    /// Per category, each kind of [`SCORE_KINDS`] in turn (endorsed,
    /// negated, distanced and no-context hits, framed sentences: 5 ×
    /// categories).
    pub counts: &'a [u64],
    /// Endorsed hits per sub-frame.
    pub subframes: &'a [u64],
    /// Per framing of the trained model, sentences it labels endorsed,
    /// then per framing those it labels distanced (2 × framings; empty
    /// without a model).
    pub model: &'a [u64],
}

/// Running totals over the documents read.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Totals {
    pub documents: usize,
    /// Documents read with a warning.
    pub warned: usize,
    pub undated: usize,
    pub coarse_dates: usize,
    pub tokens: u64,
    pub hits: u64,
    /// Endorsed, counted hits per category, in lexicon order.
    pub categories: Vec<u64>,
    pub negated: u64,
    pub distanced: u64,
    pub no_context: u64,
    /// Per framing of the trained model: sentences it labels endorsed.
    pub model: Vec<u64>,
}

/// Counts of some documents, summed per trend cell (period × group
/// values) and in all, with the three numbers per document the bootstrap
/// resamples. Built per batch, per thread or per shard, and combined with
/// [`Stats::merge`] in any order: [`Stats::finish`] puts each cell's
/// documents back in input order, so the intervals are the same however
/// the documents were split.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    shape: Shape,
    cells: BTreeMap<Vec<Option<String>>, Cell>,
    pub totals: Totals,
}

#[derive(Debug, Clone)]
struct Cell {
    period_start: Option<i32>,
    documents: u32,
    coarse: u32,
    tokens: u64,
    /// Per category and stance kind, as [`DocStats::counts`].
    counts: Vec<u64>,
    subframes: Vec<u64>,
    /// As [`DocStats::model`].
    model: Vec<u64>,
    boot: Vec<Boot>,
}

/// What the bootstrap draws of one document (32 bytes).
#[derive(Debug, Clone, Copy)]
struct Boot {
    ordinal: u64,
    tokens: u32,
    behavioural: u32,
    structural: u32,
    /// Sentences with endorsed behavioural and structural framing.
    sentences: [u32; 2],
    /// The same as the trained model labels them.
    model: [u32; 2],
}

/// One trend cell, summed, with its bootstrap intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct CellRow {
    /// `[period, group values...]`.
    pub key: Vec<Option<String>>,
    pub period_start: Option<i32>,
    pub documents: u32,
    pub coarse: u32,
    pub tokens: u64,
    /// As [`DocStats::counts`].
    pub counts: Vec<u64>,
    pub subframes: Vec<u64>,
    /// As [`DocStats::model`].
    pub model: Vec<u64>,
    pub intervals: Intervals,
}

/// Bootstrap intervals by cell key (`[period, group values...]`).
pub type CellIntervals = BTreeMap<Vec<Option<String>>, Intervals>;

impl Stats {
    pub fn new(shape: Shape) -> Stats {
        Stats {
            shape,
            cells: BTreeMap::new(),
            totals: Totals {
                categories: vec![0; shape.categories],
                model: vec![0; shape.model_framings],
                ..Totals::default()
            },
        }
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn add(&mut self, d: &DocStats<'_>) {
        let shape = self.shape;
        let ncat = shape.categories;
        if !self.cells.contains_key(d.key) {
            self.cells.insert(
                d.key.to_vec(),
                Cell {
                    period_start: d.period_start,
                    documents: 0,
                    coarse: 0,
                    tokens: 0,
                    counts: vec![0; SCORE_KINDS.len() * ncat],
                    subframes: vec![0; shape.subframes],
                    model: vec![0; 2 * shape.model_framings],
                    boot: Vec::new(),
                },
            );
        }
        let c = self.cells.get_mut(d.key).expect("inserted above");
        c.documents += 1;
        c.coarse += d.coarse as u32;
        c.tokens += d.tokens;
        for (a, b) in c.counts.iter_mut().zip(d.counts) {
            *a += b;
        }
        for (a, b) in c.subframes.iter_mut().zip(d.subframes) {
            *a += b;
        }
        for (a, b) in c.model.iter_mut().zip(d.model) {
            *a += b;
        }
        let small = |x: u64| u32::try_from(x).unwrap_or(u32::MAX);
        // Without poles the pole counts stay 0: their intervals are not written.
        let pole = |i: Option<usize>| i.map_or(0, |i| small(d.counts[i]));
        let (b, s) = match shape.poles {
            Some(p) => (Some(p.behavioural), Some(p.structural)),
            None => (None, None),
        };
        c.boot.push(Boot {
            ordinal: d.ordinal,
            tokens: small(d.tokens),
            behavioural: pole(b),
            structural: pole(s),
            sentences: [b, s].map(|c| pole(c.map(|c| HIT_KINDS * ncat + c))),
            model: shape.model_poles.map_or([0; 2], |p| {
                p.map(|f| small(d.model.get(f).copied().unwrap_or(0)))
            }),
        });
        let t = &mut self.totals;
        t.documents += 1;
        t.warned += d.warned as usize;
        t.undated += !d.dated as usize;
        t.coarse_dates += d.coarse as usize;
        t.tokens += d.tokens;
        t.hits += d.hits;
        for (t, c) in t.categories.iter_mut().zip(&d.counts[..ncat]) {
            *t += c;
        }
        t.negated += d.counts[ncat..2 * ncat].iter().sum::<u64>();
        t.distanced += d.counts[2 * ncat..3 * ncat].iter().sum::<u64>();
        t.no_context += d.counts[3 * ncat..4 * ncat].iter().sum::<u64>();
        for (t, m) in t.model.iter_mut().zip(d.model) {
            *t += m;
        }
    }

    /// Add another set of documents' statistics to these.
    pub fn merge(&mut self, other: Stats) {
        for (key, cell) in other.cells {
            match self.cells.get_mut(&key) {
                None => {
                    self.cells.insert(key, cell);
                }
                Some(c) => {
                    c.documents += cell.documents;
                    c.coarse += cell.coarse;
                    c.tokens += cell.tokens;
                    for (a, b) in c.counts.iter_mut().zip(&cell.counts) {
                        *a += b;
                    }
                    for (a, b) in c.subframes.iter_mut().zip(&cell.subframes) {
                        *a += b;
                    }
                    for (a, b) in c.model.iter_mut().zip(&cell.model) {
                        *a += b;
                    }
                    c.boot.extend(cell.boot);
                }
            }
        }
        let (t, o) = (&mut self.totals, other.totals);
        t.documents += o.documents;
        t.warned += o.warned;
        t.undated += o.undated;
        t.coarse_dates += o.coarse_dates;
        t.tokens += o.tokens;
        t.hits += o.hits;
        if t.categories.len() < o.categories.len() {
            t.categories.resize(o.categories.len(), 0);
        }
        for (a, b) in t.categories.iter_mut().zip(o.categories) {
            *a += b;
        }
        t.negated += o.negated;
        t.distanced += o.distanced;
        t.no_context += o.no_context;
        if t.model.len() < o.model.len() {
            t.model.resize(o.model.len(), 0);
        }
        for (a, b) in t.model.iter_mut().zip(o.model) {
            *a += b;
        }
    }

    /// Every cell in key order, with document-bootstrap intervals
    /// (`resamples` draws, seeded per cell from `seed`).
    pub fn finish(self, resamples: usize, seed: u64) -> Vec<CellRow> {
        self.cells
            .into_iter()
            .map(|(key, mut cell)| {
                cell.boot.sort_by_key(|b| b.ordinal);
                let boot = &cell.boot;
                let doc = |i: usize| {
                    let b = boot[i];
                    [
                        u64::from(b.tokens),
                        u64::from(b.behavioural),
                        u64::from(b.structural),
                        u64::from(b.sentences[0]),
                        u64::from(b.sentences[1]),
                        u64::from(b.model[0]),
                        u64::from(b.model[1]),
                    ]
                };
                let intervals = bootstrap_of(boot.len(), doc, resamples, cell_seed(seed, &key));
                CellRow {
                    key,
                    period_start: cell.period_start,
                    documents: cell.documents,
                    coarse: cell.coarse,
                    tokens: cell.tokens,
                    counts: cell.counts,
                    subframes: cell.subframes,
                    model: cell.model,
                    intervals,
                }
            })
            .collect()
    }
}

/// Statistics of tagged documents: their period and `--group` values
/// make the cell key.
#[derive(Debug, Clone)]
pub struct Aggregator {
    pub by: Period,
    pub groups: Vec<GroupField>,
    pub shape: Shape,
}

impl Aggregator {
    /// The statistics of `docs`; `fields` names the extra metadata values
    /// (the columns discovery had found by the time it handed them on).
    pub fn stats(&self, docs: &[DocResult], fields: &[String]) -> Stats {
        let mut stats = Stats::new(self.shape);
        let mut key: Vec<Option<String>> = Vec::with_capacity(1 + self.groups.len());
        let mut counts: Vec<u64> = Vec::with_capacity(SCORE_KINDS.len() * self.shape.categories);
        for d in docs {
            let date = d.meta.date;
            key.clear();
            key.push(Some(self.by.label(date)));
            key.extend(self.groups.iter().map(|g| g.value(&d.meta, fields)));
            counts.clear();
            for k in 0..SCORE_KINDS.len() {
                counts.extend(d.score.categories.iter().map(|c| c[k]));
            }
            let subframes: Vec<u64> = d
                .subframe_hits
                .iter()
                .map(|s| s[Stance::Endorsed as usize])
                .collect();
            let model: Vec<u64> = (0..2)
                .flat_map(|k| d.model.iter().map(move |m| m[k]))
                .collect();
            stats.add(&DocStats {
                ordinal: d.meta.ordinal as u64,
                key: &key,
                period_start: date.map(|x| epoch_days(self.by.bucket(x.date).1)),
                dated: date.is_some(),
                coarse: date.is_some_and(|x| self.by.finer_than(x.precision)),
                warned: !d.warnings.is_empty(),
                tokens: d.words,
                hits: d.hits.len() as u64,
                counts: &counts,
                subframes: &subframes,
                model: &model,
            });
        }
        stats
    }
}

#[cfg(test)]
mod stats_tests {
    use super::*;

    fn doc<'a>(ordinal: u64, key: &'a [Option<String>], counts: &'a [u64]) -> DocStats<'a> {
        // The model's counts: endorsed behavioural and structural
        // sentences, then distanced ones.
        const MODEL: [[u64; 4]; 3] = [[1, 2, 0, 1], [0, 3, 0, 0], [2, 0, 1, 0]];
        DocStats {
            ordinal,
            key,
            period_start: Some(0),
            dated: true,
            coarse: false,
            warned: false,
            tokens: 100 + ordinal,
            hits: counts.iter().sum(),
            counts,
            subframes: &[],
            model: &MODEL[ordinal as usize % 3],
        }
    }

    #[test]
    fn merge_in_any_split_gives_the_same_cells() {
        let shape = Shape {
            categories: 2,
            subframes: 0,
            poles: Some(crate::model::Poles {
                behavioural: 0,
                structural: 1,
            }),
            model_framings: 2,
            model_poles: Some([0, 1]),
        };
        let a = vec![Some("2001".to_string())];
        let b = vec![Some("2002".to_string())];
        let docs: Vec<(Vec<Option<String>>, Vec<u64>)> = (0..9)
            .map(|i| {
                let key = if i % 3 == 0 { b.clone() } else { a.clone() };
                (key, vec![i, 9 - i, 0, 0, 1, 0, 0, 0, i % 2, 1])
            })
            .collect();
        let mut whole = Stats::new(shape);
        for (i, (k, c)) in docs.iter().enumerate() {
            whole.add(&doc(i as u64, k, c));
        }
        // Split in two interleaved parts (as shards are), merged backwards.
        let mut parts = [Stats::new(shape), Stats::new(shape)];
        for (i, (k, c)) in docs.iter().enumerate() {
            parts[i % 2].add(&doc(i as u64, k, c));
        }
        let [p0, p1] = parts;
        let mut merged = p1;
        merged.merge(p0);
        assert_eq!(merged.totals, whole.totals);
        assert_eq!(merged.totals.negated, 0);
        assert_eq!(merged.totals.distanced, 9);
        assert_eq!(merged.totals.model, [9, 15]);
        let cells = whole.finish(200, 3);
        assert_eq!(merged.finish(200, 3), cells);
        // Cell 2002 holds documents 0, 3 and 6 (model counts of row 0).
        assert_eq!(cells[1].model, [3, 6, 0, 3]);
        let (lo, hi) = cells[1].intervals.model_share;
        assert!(lo.unwrap() <= 1.0 / 3.0 && 1.0 / 3.0 <= hi.unwrap());
    }
}
