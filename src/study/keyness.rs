//! Keyness: which terms a target selection of documents uses more (or
//! less) than a reference selection. Terms are counted through the one
//! read-and-tag path ([`crate::pipeline::Job`]) with the analysis the
//! matcher sees (the same tokens, norms and stems), never a second
//! tokeniser. Returns data; the CLI prints or writes it.
//!
//! The statistics, for a term with frequency `a` in a target of `c`
//! words and `b` in a reference of `d` words:
//!
//! - **G2** (log-likelihood, Rayson & Garside 2000, the form of the
//!   Lancaster log-likelihood calculator, ucrel.lancs.ac.uk/llwizard.html):
//!   `E1 = c(a+b)/(c+d)`, `E2 = d(a+b)/(c+d)`,
//!   `G2 = 2(a ln(a/E1) + b ln(b/E2))`, a cell with 0 adding 0. Signed:
//!   negative when the term is relatively rarer in the target.
//! - **p-value**: of G2 under chi-square with 1 degree of freedom,
//!   multiplied by the number of terms tested (Bonferroni), capped at 1.
//! - **Log Ratio** (Hardie 2014): `log2((a/c) / (b/d))`; a zero frequency
//!   is replaced by 0.5 first (Hardie's adjustment), so a term absent from
//!   one side gets a finite, conservative value. Each point is a doubling.
//! - **%DIFF** (Gabrielatos & Marchi 2012): `100 (a/c - b/d) / (b/d)`,
//!   with the same 0.5 adjustment for `b = 0`.

use crate::aggregate::{GroupField, Period};
use crate::error::{Error, Result};
use crate::ingest::Corpus;
use crate::model::{DocMeta, HitStatus, Skipped, TokenKind};
use crate::pipeline::{Job, Outcome, Source};
use crate::tagger::{Tagger, View};
use std::collections::{BTreeMap, HashMap};

/// Frequency used in place of 0 by Log Ratio and %DIFF (Hardie 2014).
pub const ZERO_ADJUSTMENT: f64 = 0.5;

/// `x ln(x / e)`, 0 for `x = 0` (its limit).
fn xlnx(x: f64, e: f64) -> f64 {
    if x > 0.0 { x * (x / e).ln() } else { 0.0 }
}

/// Signed log-likelihood G2 of frequency `a` in `c` words against `b` in
/// `d` words (Rayson & Garside 2000): positive when `a/c > b/d`.
pub fn g2(a: f64, b: f64, c: f64, d: f64) -> f64 {
    if c <= 0.0 || d <= 0.0 || a + b <= 0.0 {
        return 0.0;
    }
    let e1 = c * (a + b) / (c + d);
    let e2 = d * (a + b) / (c + d);
    let g = 2.0 * (xlnx(a, e1) + xlnx(b, e2));
    let g = g.max(0.0);
    if a / c < b / d { -g } else { g }
}

/// Log Ratio (Hardie 2014): binary log of the ratio of relative
/// frequencies, a zero frequency counted as [`ZERO_ADJUSTMENT`].
pub fn log_ratio(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let adj = |x: f64| if x > 0.0 { x } else { ZERO_ADJUSTMENT };
    ((adj(a) / c) / (adj(b) / d)).log2()
}

/// %DIFF (Gabrielatos & Marchi 2012): the difference of the relative
/// frequencies as a percentage of the reference's; `b = 0` counts as
/// [`ZERO_ADJUSTMENT`].
pub fn pct_diff(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let b = if b > 0.0 { b } else { ZERO_ADJUSTMENT };
    100.0 * (a / c - b / d) / (b / d)
}

/// Upper tail of the chi-square distribution with one degree of freedom:
/// `erfc(sqrt(x / 2))`.
pub fn chi2_1_sf(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    erfc((x / 2.0).sqrt())
}

/// Complementary error function (W. J. Cody's rational approximations as
/// in Numerical Recipes' `erfcc`, relative error under 1.2e-7 everywhere,
/// which is far finer than any reading of a p-value needs).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// logDice (Rychlý 2008): `14 + log2(2 f_xy / (f_x + f_y))`; 14 at most
/// (the two always together), each point down halves the share.
pub fn log_dice(fxy: f64, fx: f64, fy: f64) -> f64 {
    if fxy <= 0.0 || fx + fy <= 0.0 {
        return f64::NEG_INFINITY;
    }
    14.0 + (2.0 * fxy / (fx + fy)).log2()
}

/// MI3 (Daille 1994; Oakes 1998): `log2(f_xy^3 N / (f_x f_y))`, the
/// cube favouring frequent pairs over MI's rare ones.
pub fn mi3(fxy: f64, fx: f64, fy: f64, n: f64) -> f64 {
    if fxy <= 0.0 || fx <= 0.0 || fy <= 0.0 {
        return f64::NEG_INFINITY;
    }
    (fxy.powi(3) * n / (fx * fy)).log2()
}

/// What is counted as a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Word tokens, normalised (NFKC, lower case).
    Word,
    /// Their Snowball stems.
    Stem,
    /// Counted hits of lexicon entries, by the entry as written.
    Entry,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Word => "word",
            Unit::Stem => "stem",
            Unit::Entry => "entry",
        }
    }
}

/// The terms of one document: (term, frequency), sorted by term.
pub type DocTerms = Vec<(String, u64)>;

/// Count the terms of one document as `unit` says, in the worker that
/// analysed it.
pub fn doc_terms(tagger: &Tagger, v: &View<'_>, unit: Unit) -> DocTerms {
    let a = v.analysis;
    let mut counts: HashMap<String, u64> = HashMap::new();
    match unit {
        Unit::Word | Unit::Stem => {
            for t in a.tokens.iter().filter(|t| t.kind == TokenKind::Word) {
                let norm = a.norm_of(t);
                let term = match unit {
                    Unit::Stem => tagger.analyzer.stem(norm).into_owned(),
                    _ => norm.to_string(),
                };
                *counts.entry(term).or_default() += 1;
            }
        }
        Unit::Entry => {
            for h in v.hits.iter().filter(|h| h.status == HitStatus::Counted) {
                let e = &tagger.lexicon.entries[h.entry as usize];
                if Some(tagger.lexicon.subframes[e.subframe].category)
                    == tagger.lexicon.context_category
                {
                    continue;
                }
                *counts.entry(e.text.clone()).or_default() += 1;
            }
        }
    }
    let mut out: DocTerms = counts.into_iter().collect();
    out.sort_unstable();
    out
}

/// Which documents a side of the comparison takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// A period label (`1990s`, `2010`, `2012-Q3`, `2012-03`), its unit
    /// read from its shape.
    Period(Period, String),
    /// Documents whose metadata field has this value.
    Field(String, String),
    /// Every document the other side does not take.
    Rest,
}

impl Selection {
    /// `1990s`, `2010`, `2012-Q3`, `2012-W09`, `2012-03`, `2012-03-01`, or
    /// `FIELD=VALUE`.
    pub fn parse(s: &str) -> Result<Selection> {
        if let Some((k, v)) = s.split_once('=') {
            if k.is_empty() {
                return Err(Error::usage(
                    format!("selection \"{s}\": no field name before `=`"),
                    Some("write FIELD=VALUE, e.g. party=Lab".into()),
                ));
            }
            return Ok(Selection::Field(k.to_string(), v.to_string()));
        }
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        let period = match s.as_bytes() {
            [.., b's'] if s.len() == 5 && digits(&s[..4]) && s.as_bytes()[3] == b'0' => {
                Some(Period::Decade)
            }
            _ if s.len() == 4 && digits(s) => Some(Period::Year),
            _ if s.len() == 7 && digits(&s[..4]) && &s[4..6] == "-Q" && digits(&s[6..]) => {
                Some(Period::Quarter)
            }
            _ if s.len() == 8 && digits(&s[..4]) && &s[4..6] == "-W" && digits(&s[6..]) => {
                Some(Period::Week)
            }
            _ if s.len() == 7 && digits(&s[..4]) && &s[4..5] == "-" && digits(&s[5..]) => {
                Some(Period::Month)
            }
            _ if s.len() == 10
                && digits(&s[..4])
                && digits(&s[5..7])
                && digits(&s[8..])
                && &s[4..5] == "-"
                && &s[7..8] == "-" =>
            {
                Some(Period::Day)
            }
            _ => None,
        };
        match period {
            Some(p) => Ok(Selection::Period(p, s.to_string())),
            None => Err(Error::usage(
                format!("selection \"{s}\": not a period or FIELD=VALUE"),
                Some(
                    "periods look like 1990s, 2010, 2012-Q3, 2012-W09, 2012-03 or 2012-03-01; metadata like party=Lab"
                        .into(),
                ),
            )),
        }
    }

    /// How the selection reads in a header.
    pub fn label(&self) -> String {
        match self {
            Selection::Period(_, l) => l.clone(),
            Selection::Field(k, v) => format!("{k}={v}"),
            Selection::Rest => "rest of the run".into(),
        }
    }

    /// Whether the document takes part; `fields` names its extra values.
    /// [`Selection::Rest`] takes everything (the caller decides).
    pub fn takes(&self, meta: &DocMeta, fields: &[String]) -> bool {
        match self {
            Selection::Period(p, l) => p.label(meta.date) == *l,
            Selection::Field(k, v) => {
                GroupField::parse(k).value(meta, fields).as_deref() == Some(v.as_str())
            }
            Selection::Rest => true,
        }
    }

    /// The metadata field it names, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Selection::Field(k, _) => Some(k),
            _ => None,
        }
    }
}

/// The counts of one side: per term its frequency and the number of
/// documents that hold it, the side's total words and documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Side {
    pub terms: BTreeMap<String, (u64, u64)>,
    /// Words (all word tokens, whatever the unit).
    pub words: u64,
    pub docs: u64,
}

impl Side {
    /// Add one document's terms.
    pub fn add(&mut self, words: u64, terms: &DocTerms) {
        self.words += words;
        self.docs += 1;
        for (t, n) in terms {
            let e = self.terms.entry(t.clone()).or_default();
            e.0 += n;
            e.1 += 1;
        }
    }
}

/// Target and reference counts of a run's documents, read through `job`.
pub struct Counted {
    pub target: Side,
    pub reference: Side,
    pub skipped: Vec<Skipped>,
    pub found: Corpus,
}

/// Read the documents of `source` that `keep` accepts and count the terms
/// of those each selection takes. A document both take counts on both
/// sides; with a [`Selection::Rest`] reference, the reference is every
/// document the target does not take.
pub fn count(
    job: &Job<'_>,
    source: Source,
    keep: impl Fn(&DocMeta) -> bool + Send,
    target: &Selection,
    reference: &Selection,
    unit: Unit,
) -> Result<Counted> {
    let tagger = job.tagger;
    let (mut t, mut r) = (Side::default(), Side::default());
    let mut skipped = Vec::new();
    let fields = job.fields.clone();
    let inspect = |v: &View<'_>| doc_terms(tagger, v, unit);
    let found = job.run(source, keep, &inspect, |outcomes| {
        let fields = fields.get();
        for o in outcomes {
            match o {
                Outcome::Skipped(s) => skipped.push(s),
                Outcome::Tagged(d, terms) => {
                    let in_t = target.takes(&d.meta, &fields);
                    let in_r = match reference {
                        Selection::Rest => !in_t,
                        other => other.takes(&d.meta, &fields),
                    };
                    if in_t {
                        t.add(d.words, &terms);
                    }
                    if in_r {
                        r.add(d.words, &terms);
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(Counted {
        target: t,
        reference: r,
        skipped,
        found,
    })
}

/// One term's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub term: String,
    pub target_freq: u64,
    pub reference_freq: u64,
    pub target_docs: u64,
    pub reference_docs: u64,
    pub target_total: u64,
    pub reference_total: u64,
    pub g2: f64,
    pub log_ratio: f64,
    pub pct_diff: f64,
    /// Bonferroni-corrected for the number of terms tested.
    pub p_value: f64,
}

/// Which terms are tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Frequency on both sides together.
    pub min_freq: u64,
    /// Documents on both sides together.
    pub min_docs: u64,
}

/// Compare every term of either side that passes `th`: rows sorted by
/// signed G2, largest first (terms key to the target first, those key
/// to the reference last), ties by term.
pub fn compare(target: &Side, reference: &Side, th: Thresholds) -> Vec<Row> {
    let (c, d) = (target.words, reference.words);
    let mut terms: BTreeMap<&str, [(u64, u64); 2]> = BTreeMap::new();
    for (t, &v) in &target.terms {
        terms.entry(t).or_default()[0] = v;
    }
    for (t, &v) in &reference.terms {
        terms.entry(t).or_default()[1] = v;
    }
    let tested: Vec<(&str, [(u64, u64); 2])> = terms
        .into_iter()
        .filter(|(_, [x, y])| x.0 + y.0 >= th.min_freq && x.1 + y.1 >= th.min_docs)
        .collect();
    let m = tested.len() as f64;
    let mut rows: Vec<Row> = tested
        .into_iter()
        .map(|(term, [(a, ad), (b, bd)])| {
            let (af, bf, cf, df) = (a as f64, b as f64, c as f64, d as f64);
            let g = g2(af, bf, cf, df);
            Row {
                term: term.to_string(),
                target_freq: a,
                reference_freq: b,
                target_docs: ad,
                reference_docs: bd,
                target_total: c,
                reference_total: d,
                g2: g,
                log_ratio: log_ratio(af, bf, cf, df),
                pct_diff: pct_diff(af, bf, cf, df),
                p_value: (chi2_1_sf(g.abs()) * m).min(1.0),
            }
        })
        .collect();
    rows.sort_by(|x, y| y.g2.total_cmp(&x.g2).then_with(|| x.term.cmp(&y.term)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, tol: f64) {
        assert!((x - y).abs() <= tol, "{x} vs {y}");
    }

    #[test]
    fn g2_by_hand_from_a_small_table() {
        // a=10 of c=100, b=5 of d=200: E1 = 100*15/300 = 5, E2 = 10,
        // G2 = 2(10 ln 2 + 5 ln 0.5) = 10 ln 2 = 6.931472.
        close(g2(10.0, 5.0, 100.0, 200.0), 10.0 * 2f64.ln(), 1e-12);
        // Swapped sides: the same size, the other sign.
        close(g2(5.0, 10.0, 200.0, 100.0), -10.0 * 2f64.ln(), 1e-12);
        // Equal relative frequencies: nothing to see.
        close(g2(10.0, 20.0, 100.0, 200.0), 0.0, 1e-12);
        // A zero cell adds nothing: a=4, b=0, c=d=100: E1 = 2,
        // G2 = 2 * 4 ln 2 = 5.545177.
        close(g2(4.0, 0.0, 100.0, 100.0), 8.0 * 2f64.ln(), 1e-12);
        close(g2(0.0, 4.0, 100.0, 100.0), -8.0 * 2f64.ln(), 1e-12);
        assert_eq!(g2(0.0, 0.0, 100.0, 100.0), 0.0);
    }

    #[test]
    fn g2_matches_the_lancaster_calculator_worked_by_its_formula() {
        // The Lancaster log-likelihood wizard (Rayson & Garside 2000;
        // ucrel.lancs.ac.uk/llwizard.html) for a word seen 50 times in a
        // corpus of 100,000 words and 20 times in one of 200,000: E1 =
        // 23.3333, E2 = 46.6667; G2 = 2(50 ln(50/23.3333) + 20
        // ln(20/46.6667)) = +42.3221 (overuse in corpus 1), Log Ratio
        // log2(5e-4 / 1e-4) = 2.32.
        close(g2(50.0, 20.0, 1e5, 2e5), 42.3221, 5e-4);
        close(log_ratio(50.0, 20.0, 1e5, 2e5), 5f64.log2(), 1e-12);
        close(pct_diff(50.0, 20.0, 1e5, 2e5), 400.0, 1e-9);
    }

    #[test]
    fn p_values_match_the_published_critical_values() {
        // The critical values the Lancaster wizard page lists for one
        // degree of freedom: 3.84 (p < 0.05), 6.63 (0.01), 10.83
        // (0.001), 15.13 (0.0001).
        close(chi2_1_sf(3.841459), 0.05, 1e-6);
        close(chi2_1_sf(6.634897), 0.01, 1e-7);
        close(chi2_1_sf(10.827566), 0.001, 1e-8);
        close(chi2_1_sf(15.136705), 0.0001, 1e-9);
        assert_eq!(chi2_1_sf(0.0), 1.0);
    }

    #[test]
    fn log_ratio_doubles_per_point_and_adjusts_zeros() {
        // Hardie (2014): Log Ratio 1 = twice as frequent, 0 = the same.
        close(log_ratio(20.0, 10.0, 1000.0, 1000.0), 1.0, 1e-12);
        close(log_ratio(10.0, 20.0, 1000.0, 2000.0), 0.0, 1e-12);
        close(log_ratio(5.0, 40.0, 1000.0, 1000.0), -3.0, 1e-12);
        // Zero in the reference: 0.5 instead, log2((8/1000)/(0.5/1000)) = 4.
        close(log_ratio(8.0, 0.0, 1000.0, 1000.0), 4.0, 1e-12);
        close(log_ratio(0.0, 8.0, 1000.0, 1000.0), -4.0, 1e-12);
        close(pct_diff(8.0, 0.0, 1000.0, 1000.0), 1500.0, 1e-9);
        close(pct_diff(0.0, 8.0, 1000.0, 1000.0), -100.0, 1e-9);
    }

    #[test]
    fn log_dice_and_mi3_by_hand() {
        // Rychlý (2008): 14 when the two always occur together; each
        // halving of 2 f_xy / (f_x + f_y) costs one point.
        close(log_dice(10.0, 10.0, 10.0), 14.0, 1e-12);
        close(log_dice(5.0, 10.0, 10.0), 13.0, 1e-12);
        // f_xy = 8, f_x = 100, f_y = 28: 14 + log2(16/128) = 11.
        close(log_dice(8.0, 100.0, 28.0), 11.0, 1e-12);
        assert_eq!(log_dice(0.0, 10.0, 10.0), f64::NEG_INFINITY);
        // MI3: log2(4^3 * 1024 / (16 * 32)) = log2(128) = 7.
        close(mi3(4.0, 16.0, 32.0, 1024.0), 7.0, 1e-12);
        assert_eq!(mi3(0.0, 16.0, 32.0, 1024.0), f64::NEG_INFINITY);
    }

    #[test]
    fn selections_parse_by_shape() {
        let p = |s: &str| Selection::parse(s).unwrap();
        assert_eq!(
            p("1990s"),
            Selection::Period(Period::Decade, "1990s".into())
        );
        assert_eq!(p("2010"), Selection::Period(Period::Year, "2010".into()));
        assert_eq!(
            p("2012-Q3"),
            Selection::Period(Period::Quarter, "2012-Q3".into())
        );
        assert_eq!(
            p("2012-03"),
            Selection::Period(Period::Month, "2012-03".into())
        );
        assert_eq!(
            p("2012-03-01"),
            Selection::Period(Period::Day, "2012-03-01".into())
        );
        assert_eq!(
            p("party=Lab"),
            Selection::Field("party".into(), "Lab".into())
        );
        assert!(Selection::parse("1995s").is_err());
        assert!(Selection::parse("nineties").is_err());
        assert!(Selection::parse("=x").is_err());
    }

    #[test]
    fn compare_sorts_by_signed_g2_and_corrects_p() {
        let mut t = Side::default();
        t.add(100, &vec![("reform".into(), 10), ("the".into(), 10)]);
        let mut r = Side::default();
        r.add(200, &vec![("reform".into(), 5), ("the".into(), 20)]);
        r.add(100, &vec![("war".into(), 6)]);
        let rows = compare(
            &t,
            &r,
            Thresholds {
                min_freq: 1,
                min_docs: 1,
            },
        );
        let terms: Vec<&str> = rows.iter().map(|r| r.term.as_str()).collect();
        assert_eq!(terms, ["reform", "the", "war"]);
        assert_eq!((rows[0].target_docs, rows[0].reference_docs), (1, 1));
        assert_eq!((rows[0].target_total, rows[0].reference_total), (100, 300));
        // Bonferroni: three terms tested.
        close(
            rows[0].p_value,
            (chi2_1_sf(rows[0].g2) * 3.0).min(1.0),
            1e-15,
        );
        assert!(rows[2].g2 < 0.0 && rows[2].log_ratio < 0.0);
        let rows = compare(
            &t,
            &r,
            Thresholds {
                min_freq: 7,
                min_docs: 2,
            },
        );
        let terms: Vec<&str> = rows.iter().map(|r| r.term.as_str()).collect();
        assert_eq!(terms, ["reform", "the"]);
    }
}
