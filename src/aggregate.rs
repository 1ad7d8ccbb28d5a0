//! Periods, and trends: documents grouped by period × metadata columns
//! with polars, then rates, share and balance from the summed counts
//! (never averaged from documents).

#[cfg(feature = "tables")]
use crate::error::{Error, Result};
use crate::model::{DatePrecision, DocDate};
use crate::score;
use chrono::{Datelike, NaiveDate};
#[cfg(feature = "tables")]
use polars::prelude::*;

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

#[cfg(feature = "tables")]
fn pe(e: PolarsError) -> Error {
    Error::Other(format!("aggregation failed: {e}"))
}

#[cfg(feature = "tables")]
fn u64_col(df: &DataFrame, name: &str) -> Result<Vec<u64>> {
    let c = df
        .column(name)
        .map_err(pe)?
        .cast(&DataType::UInt64)
        .map_err(pe)?;
    Ok(c.u64()
        .map_err(pe)?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

/// Names of the count columns in a documents table that trends sum.
#[cfg(feature = "tables")]
pub struct TrendSpec<'a> {
    /// Group-by keys beyond `period` (metadata column names).
    pub groups: &'a [String],
    /// Category names, in lexicon order: `hits_<name>` columns.
    pub categories: &'a [String],
    /// Hits set aside from rates (`negated_<cat>`, `distanced_<cat>`, ...).
    pub stance_columns: &'a [String],
    /// Sub-frame column names (`hits_<cat>__<sub>`).
    pub subframe_columns: &'a [String],
    pub behavioural: usize,
    pub structural: usize,
}

/// Group a documents table (with `period`, `period_start`, `documents`,
/// `coarse_date`, `tokens` and the hits columns) into trends.
#[cfg(feature = "tables")]
#[allow(deprecated)] // eager GroupBy::sum: the lazy engine is not compiled in (build time)
pub fn trends(docs: &DataFrame, spec: &TrendSpec<'_>) -> Result<DataFrame> {
    let mut keys: Vec<String> = vec!["period".into(), "period_start".into()];
    keys.extend(spec.groups.iter().cloned());
    let mut sums: Vec<String> = vec!["documents".into(), "coarse_dates".into(), "tokens".into()];
    sums.extend(spec.categories.iter().map(|c| format!("hits_{c}")));
    sums.extend(spec.stance_columns.iter().cloned());
    sums.extend(spec.subframe_columns.iter().cloned());

    let grouped = docs
        .group_by(keys.iter().map(String::as_str))
        .map_err(pe)?
        .select(sums.iter().map(String::as_str))
        .sum()
        .map_err(pe)?;
    // Undo polars' "_sum" suffix.
    let mut out = grouped;
    for s in &sums {
        out.rename(&format!("{s}_sum"), s.as_str().into())
            .map_err(pe)?;
    }
    let tokens = u64_col(&out, "tokens")?;
    let cat_hits: Vec<Vec<u64>> = spec
        .categories
        .iter()
        .map(|c| u64_col(&out, &format!("hits_{c}")))
        .collect::<Result<_>>()?;
    let mut extra: Vec<Column> = Vec::new();
    for (c, hits) in spec.categories.iter().zip(&cat_hits) {
        let r: Vec<Option<f64>> = hits
            .iter()
            .zip(&tokens)
            .map(|(&h, &t)| score::rate(h, t))
            .collect();
        extra.push(Column::new(format!("rate_{c}").into(), r));
    }
    let (b, s) = (&cat_hits[spec.behavioural], &cat_hits[spec.structural]);
    extra.push(Column::new(
        "share".into(),
        b.iter()
            .zip(s)
            .map(|(&b, &s)| score::share(b, s))
            .collect::<Vec<_>>(),
    ));
    extra.push(Column::new(
        "balance".into(),
        b.iter()
            .zip(s)
            .map(|(&b, &s)| score::balance(b, s))
            .collect::<Vec<_>>(),
    ));
    let out = out.hstack(&extra).map_err(pe)?;

    // Column order: keys, counts, category hits and rates, share, balance, sub-frames.
    let mut order: Vec<String> = keys.clone();
    order.extend(["documents", "coarse_dates", "tokens"].map(String::from));
    for c in spec.categories {
        order.push(format!("hits_{c}"));
    }
    for c in spec.categories {
        order.push(format!("rate_{c}"));
    }
    order.extend(["share", "balance"].map(String::from));
    order.extend(spec.stance_columns.iter().cloned());
    order.extend(spec.subframe_columns.iter().cloned());
    let out = out.select(order.iter().map(String::as_str)).map_err(pe)?;

    let n = keys.len();
    let opts = SortMultipleOptions::default()
        .with_order_descending_multi(vec![false; n])
        .with_nulls_last_multi(vec![true; n])
        .with_maintain_order(true);
    out.sort(keys.iter().map(String::as_str), opts).map_err(pe)
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

    #[test]
    fn trends_sum_counts_then_divide() {
        let docs = df! {
            "period" => ["2000", "2000", "2001"],
            "period_start" => [Some(10957i32), Some(10957), Some(11323)],
            "source" => ["a", "a", "b"],
            "documents" => [1u32, 1, 1],
            "coarse_dates" => [0u32, 0, 0],
            "tokens" => [10_000u64, 30_000, 5_000],
            "hits_behavioural" => [3u64, 1, 0],
            "hits_structural" => [1u64, 3, 0],
            "hits_behavioural__x" => [3u64, 1, 0],
        }
        .unwrap();
        let spec = TrendSpec {
            groups: &["source".to_string()],
            categories: &["behavioural".to_string(), "structural".to_string()],
            stance_columns: &[],
            subframe_columns: &["hits_behavioural__x".to_string()],
            behavioural: 0,
            structural: 1,
        };
        let t = trends(&docs, &spec).unwrap();
        assert_eq!(t.height(), 2);
        assert_eq!(u64_col(&t, "tokens").unwrap(), [40_000, 5_000]);
        let rate: Vec<Option<f64>> = t
            .column("rate_behavioural")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(rate, [Some(1.0), Some(0.0)]);
        let share: Vec<Option<f64>> = t.column("share").unwrap().f64().unwrap().iter().collect();
        assert_eq!(share, [Some(0.5), None]);
    }
}

/// Document-bootstrap 95% intervals for one trend cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Intervals {
    pub rate_b: (Option<f64>, Option<f64>),
    pub rate_s: (Option<f64>, Option<f64>),
    pub share: (Option<f64>, Option<f64>),
    pub balance: (Option<f64>, Option<f64>),
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
/// structural rates, the share and the balance. `docs` index into the
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
            (tokens[d], b[d], s[d])
        },
        resamples,
        seed,
    )
}

/// [`bootstrap`] over `n` documents whose (tokens, behavioural,
/// structural) `doc` gives: the same draws, without copying them out.
fn bootstrap_of(
    n: usize,
    doc: impl Fn(usize) -> (u64, u64, u64),
    resamples: usize,
    seed: u64,
) -> Intervals {
    use rand::{Rng, SeedableRng};
    if resamples == 0 || n == 0 {
        return Intervals::default();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (mut rb, mut rs, mut sh, mut ba) = (
        Vec::with_capacity(resamples),
        Vec::with_capacity(resamples),
        Vec::new(),
        Vec::new(),
    );
    for _ in 0..resamples {
        let (mut t, mut hb, mut hs) = (0u64, 0u64, 0u64);
        for _ in 0..n {
            let (dt, db, ds) = doc(rng.random_range(0..n));
            t += dt;
            hb += db;
            hs += ds;
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
        // One document: every resample is that document, the interval is a point.
        let one = bootstrap(&[0], &tokens, &b, &s, 100, 1);
        assert_eq!(one.rate_b, (Some(100.0), Some(100.0)));
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

#[cfg(feature = "tables")]
/// Trends accumulated document by document in bounded memory: per cell
/// (period × group values) the summed counts, plus the three numbers per
/// document the bootstrap resamples (tokens, endorsed behavioural and
/// structural hits, 12 bytes). Fed in input order, by a run as it tags
/// and by `merge` from the documents tables, so both give the same trends.
#[derive(Debug, Default)]
pub struct TrendCells {
    cells: std::collections::BTreeMap<Vec<Option<String>>, Cell>,
    counts_len: usize,
    subframes_len: usize,
}

#[cfg(feature = "tables")]
#[derive(Debug)]
struct Cell {
    period_start: Option<i32>,
    documents: u32,
    coarse: u32,
    tokens: u64,
    /// Per category and stance kind, as [`TrendCells::add`] takes them.
    counts: Vec<u64>,
    subframes: Vec<u64>,
    boot: Vec<[u32; 3]>,
}

/// Bootstrap intervals by cell key (`[period, group values...]`).
pub type CellIntervals = std::collections::BTreeMap<Vec<Option<String>>, Intervals>;

#[cfg(feature = "tables")]
/// One document as trends see it.
pub struct TrendDoc<'a> {
    /// `[period, group values...]`.
    pub key: &'a [Option<String>],
    pub period_start: Option<i32>,
    pub coarse: bool,
    pub tokens: u64,
    /// Endorsed, negated, distanced and no-context hits per category, in
    /// that order (4 × categories).
    pub counts: &'a [u64],
    /// Endorsed hits per sub-frame.
    pub subframes: &'a [u64],
}

#[cfg(feature = "tables")]
impl TrendCells {
    pub fn new(categories: usize, subframes: usize) -> TrendCells {
        TrendCells {
            cells: Default::default(),
            counts_len: 4 * categories,
            subframes_len: subframes,
        }
    }

    pub fn add(&mut self, d: &TrendDoc<'_>, behavioural: usize, structural: usize) {
        if !self.cells.contains_key(d.key) {
            self.cells.insert(
                d.key.to_vec(),
                Cell {
                    period_start: d.period_start,
                    documents: 0,
                    coarse: 0,
                    tokens: 0,
                    counts: vec![0; self.counts_len],
                    subframes: vec![0; self.subframes_len],
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
        let small = |x: u64| u32::try_from(x).unwrap_or(u32::MAX);
        c.boot.push([
            small(d.tokens),
            small(d.counts[behavioural]),
            small(d.counts[structural]),
        ]);
    }

    /// One row per cell with the columns [`trends`] sums, and each cell's
    /// bootstrap intervals.
    pub fn finish(
        self,
        spec: &TrendSpec<'_>,
        resamples: usize,
        seed: u64,
    ) -> Result<(DataFrame, CellIntervals)> {
        let n = self.cells.len();
        let ncat = spec.categories.len();
        let mut intervals = std::collections::BTreeMap::new();
        let mut period = Vec::with_capacity(n);
        let mut starts = Vec::with_capacity(n);
        let mut groups: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(n); spec.groups.len()];
        let (mut documents, mut coarse, mut tokens) = (Vec::new(), Vec::new(), Vec::new());
        let mut counts: Vec<Vec<u64>> = vec![Vec::with_capacity(n); self.counts_len];
        let mut subs: Vec<Vec<u64>> = vec![Vec::with_capacity(n); self.subframes_len];
        for (key, cell) in self.cells {
            let boot = &cell.boot;
            let doc = |i: usize| {
                let [t, b, s] = boot[i];
                (u64::from(t), u64::from(b), u64::from(s))
            };
            intervals.insert(
                key.clone(),
                bootstrap_of(boot.len(), doc, resamples, cell_seed(seed, &key)),
            );
            let mut k = key.into_iter();
            period.push(k.next().flatten());
            for (g, v) in groups.iter_mut().zip(k) {
                g.push(v);
            }
            starts.push(cell.period_start);
            documents.push(cell.documents);
            coarse.push(cell.coarse);
            tokens.push(cell.tokens);
            for (col, v) in counts.iter_mut().zip(cell.counts) {
                col.push(v);
            }
            for (col, v) in subs.iter_mut().zip(cell.subframes) {
                col.push(v);
            }
        }
        let mut cols = vec![
            Column::new("period".into(), period),
            Column::new("period_start".into(), starts)
                .cast(&DataType::Date)
                .map_err(pe)?,
        ];
        for (g, values) in spec.groups.iter().zip(groups) {
            cols.push(Column::new(g.as_str().into(), values));
        }
        cols.push(Column::new("documents".into(), documents));
        cols.push(Column::new("coarse_dates".into(), coarse));
        cols.push(Column::new("tokens".into(), tokens));
        let prefixes = ["hits", "negated", "distanced", "no_context"];
        for (i, values) in counts.into_iter().enumerate() {
            let (k, c) = (i / ncat, i % ncat);
            cols.push(Column::new(
                format!("{}_{}", prefixes[k], spec.categories[c]).into(),
                values,
            ));
        }
        for (name, values) in spec.subframe_columns.iter().zip(subs) {
            cols.push(Column::new(name.as_str().into(), values));
        }
        let per_cell = DataFrame::new(n, cols).map_err(pe)?;
        Ok((per_cell, intervals))
    }
}
