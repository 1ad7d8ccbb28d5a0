//! The reference corpora bundled with `framewatch serve`: per-document
//! behavioural shares and rates of UK party manifestos and US State of
//! the Union addresses (numbers and dates only, no text), as the built-in
//! lexicon reads them, so the page can say where a document stands.
//!
//! The table is made by `framewatch serve --make-reference-table UK_RUN
//! US_RUN` from two `framewatch run` folders (README, "For campaigners");
//! tests/serve.rs remakes it from ../shared when present and checks it is
//! the bundled one.

use crate::error::{Error, Result};
use crate::lexicon::{DEFAULT_NAME, Lexicon};
use crate::study::audit::{Audit, Reference};
use serde_json::{Value, json};
use std::path::Path;

const TABLE: &str = include_str!("serve_page/reference-shares.csv");
const COLUMNS: [&str; 5] = [
    "corpus",
    "date",
    "share",
    "rate_behavioural",
    "rate_structural",
];

/// What the page says about the percentiles when it shows them.
pub const TIED_NOTE: &str = "Placed with the built-in lexicon, which read the reference corpora too: \
    the percentage of their documents with a lower behavioural share (ties count half).";

/// One bundled reference corpus.
pub struct Bundled {
    pub corpus: &'static str,
    /// How a reader names it: `UK party manifestos`.
    pub label: &'static str,
    /// The singular: `manifesto`.
    pub one: &'static str,
    pub reference: Reference,
}

fn label_of(corpus: &str) -> (&'static str, &'static str, &'static str) {
    match corpus {
        "uk_manifestos" => ("uk_manifestos", "UK party manifestos", "manifesto"),
        _ => (
            "us_sotu",
            "US State of the Union addresses",
            "State of the Union address",
        ),
    }
}

/// The bundled corpora, when `lex` is the built-in lexicon comparing
/// behavioural with structural; else why they are left out.
pub fn bundled_for(lex: &Lexicon) -> std::result::Result<Vec<Bundled>, String> {
    if lex.origin != DEFAULT_NAME {
        return Err(format!(
            "No comparison with the bundled reference corpora: their figures were computed with \
             the built-in lexicon, and this server reads with {} ({}), which finds other things.",
            lex.name, lex.origin
        ));
    }
    if lex.pole_names() != Some(["behavioural", "structural"]) {
        return Err(
            "No comparison with the bundled reference corpora: their shares compare behavioural \
             with structural framing, and this server compares other categories (--poles)."
                .into(),
        );
    }
    Ok(parse(TABLE))
}

fn parse(table: &str) -> Vec<Bundled> {
    let mut out: Vec<Bundled> = Vec::new();
    let mut r = csv::Reader::from_reader(table.as_bytes());
    for row in r.records().flatten() {
        let (corpus, label, one) = label_of(&row[0]);
        if out.last().is_none_or(|b| b.corpus != corpus) {
            out.push(Bundled {
                corpus,
                label,
                one,
                reference: Reference {
                    run: label.to_string(),
                    ..Default::default()
                },
            });
        }
        let r = &mut out.last_mut().expect("pushed above").reference;
        r.documents += 1;
        let date = row[1].to_string();
        r.span = Some(match r.span.take() {
            None => (date.clone(), date),
            Some((a, b)) => (a.min(date.clone()), b.max(date)),
        });
        if let Ok(x) = row[2].parse() {
            r.share.push(x);
        }
        for (i, cat) in [(3, "behavioural"), (4, "structural")] {
            if let Ok(x) = row[i].parse() {
                r.rates.entry(cat.to_string()).or_default().push(x);
            }
        }
    }
    out
}

impl Bundled {
    /// Where `a` stands among this corpus's documents, as JSON, with a
    /// sentence a campaigner can quote.
    pub fn place(&self, a: &Audit) -> Value {
        let p = a.placement(&self.reference);
        let years = p.span.as_ref().map_or(String::new(), |(a, b)| {
            format!(" {}–{}", &a[..4.min(a.len())], &b[..4.min(b.len())])
        });
        let shares = &self.reference.share;
        let reading = match a.share {
            None => format!(
                "No endorsed behavioural or structural framing here, so no share to place among {}{years}.",
                self.label
            ),
            Some(s) => {
                let n = shares.len().max(1) as f64;
                let below = shares.iter().filter(|&&x| x < s).count() as f64;
                let above = shares.iter().filter(|&&x| x > s).count() as f64;
                let mut sorted = shares.clone();
                sorted.sort_by(f64::total_cmp);
                let middle = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
                let (more, pct) = if below >= above {
                    ("More", below / n)
                } else {
                    ("Less", above / n)
                };
                format!(
                    "{more} behavioural framing than {:.0}% of {}{years} (its behavioural share {s:.2}; the middle {}'s {middle:.2}).",
                    100.0 * pct,
                    self.label,
                    self.one
                )
            }
        };
        json!({
            "corpus": self.corpus,
            "label": self.label,
            "documents": p.documents,
            "documents_with_share": p.with_share,
            "date_span": p.span.as_ref().map(|(a, b)| [a, b]),
            "described": p.described(),
            "share_percentile": p.share,
            "rate_percentiles": p.rates,
            "reading": reading,
        })
    }
}

/// The bundled table made from `framewatch run` folders over the
/// reference corpora, each named as the table names it. The runs must
/// have used the built-in lexicon.
pub fn table_of_runs(runs: &[(&str, &Path)]) -> Result<String> {
    let (builtin, _) = Lexicon::load(None)?;
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for (corpus, run) in runs {
        let t = crate::output::read_run(run)?;
        if t.manifest.lexicon.sha256 != builtin.sha256 {
            return Err(Error::usage(
                format!(
                    "{}: this run used lexicon {} {}, not the built-in one",
                    run.display(),
                    t.manifest.lexicon.name,
                    t.manifest.lexicon.version
                ),
                Some("run `framewatch run` without --lexicon".into()),
            ));
        }
        let d = &t.documents;
        let dates = d.strs("date");
        let nums = |c: &str| d.nums(c);
        let (share, rb, rs) = (
            nums("share"),
            nums("rate_behavioural"),
            nums("rate_structural"),
        );
        let cell = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
        for i in 0..d.height() {
            let date = dates[i].clone().unwrap_or_default();
            out.push_str(&format!(
                "{corpus},{},{},{},{}\n",
                &date[..10.min(date.len())],
                cell(share[i]),
                cell(rb[i]),
                cell(rs[i])
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_reads_as_two_dated_corpora() {
        let list = parse(TABLE);
        assert_eq!(
            list.iter().map(|b| b.corpus).collect::<Vec<_>>(),
            ["uk_manifestos", "us_sotu"]
        );
        for b in &list {
            assert!(b.reference.documents > 50, "{}", b.corpus);
            assert!(b.reference.share.len() <= b.reference.documents);
            assert!(b.reference.span.is_some());
        }
        let uk = &list[0].reference;
        assert_eq!(
            uk.span.as_ref().map(|(a, b)| (&a[..4], &b[..4])),
            Some(("1945", "2005"))
        );
    }

    #[test]
    fn the_reading_says_more_or_less_with_strict_counts() {
        let (lex, analyzer) = Lexicon::load(None).unwrap();
        let tagger = crate::tagger::Tagger::new(lex, analyzer);
        let a = crate::study::audit::audit(
            &tagger,
            "x.txt",
            "Poverty is caused by welfare dependency. Low pay and benefit cuts cause poverty.",
        );
        let share = a.share.unwrap();
        let corpus = |shares: Vec<f64>| Bundled {
            corpus: "uk_manifestos",
            label: "UK party manifestos",
            one: "manifesto",
            reference: Reference {
                run: "UK party manifestos".into(),
                documents: shares.len() + 1,
                share: shares,
                span: Some(("1945-01-01".into(), "2005-05-05".into())),
                ..Default::default()
            },
        };
        let low = corpus(vec![0.0, 0.0, 0.0, share, 1.0]).place(&a);
        assert_eq!(
            low["reading"],
            format!(
                "More behavioural framing than 60% of UK party manifestos 1945–2005 (its behavioural share {share:.2}; the middle manifesto's 0.00)."
            )
        );
        assert_eq!(low["share_percentile"], 70.0);
        assert_eq!(low["documents"], 6);
        let high = corpus(vec![share, 0.9, 1.0, 1.0]).place(&a);
        assert!(
            high["reading"]
                .as_str()
                .unwrap()
                .starts_with("Less behavioural framing than 75% of UK party manifestos"),
            "{high}"
        );
    }

    #[test]
    fn only_the_builtin_lexicon_is_placed() {
        let (lex, _) = Lexicon::load(None).unwrap();
        assert!(bundled_for(&lex).is_ok());
        let (other, _) = Lexicon::parse(
            "mini.toml",
            include_str!("../../tests/fixtures/lexicons/mini.toml"),
        )
        .unwrap();
        let why = bundled_for(&other).err().unwrap();
        assert!(why.contains("built-in lexicon"), "{why}");
    }
}
