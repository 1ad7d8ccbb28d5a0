//! The trends table: one row per trend cell (period × group values) with
//! the summed counts, rates, share, balance, bootstrap intervals and the
//! `low_n` flag. Built from [`crate::aggregate::Stats`], the same way for
//! a run and for a merge of shards.

use super::frames::{ModelColumns, TableNames};
use super::{Format, RunOptions, write_table};
use crate::aggregate::{CellRow, Intervals};
use crate::error::{Error, Result};
use crate::model::SCORE_KINDS;
use crate::score;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

fn pe(e: PolarsError) -> Error {
    Error::Other(format!("aggregation failed: {e}"))
}

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
pub struct TrendSpec<'a> {
    /// Group-by keys beyond `period` (metadata column names).
    pub groups: &'a [String],
    /// Category names, in lexicon order: `hits_<name>` columns.
    pub categories: &'a [String],
    /// Hits set aside from rates (`negated_<cat>`, `distanced_<cat>`, ...).
    pub stance_columns: &'a [String],
    /// Sub-frame column names (`hits_<cat>__<sub>`).
    pub subframe_columns: &'a [String],
    /// The categories share and balance compare, if any.
    pub poles: Option<crate::model::Poles>,
    /// The trained model's framings (none without a model).
    pub model: &'a ModelColumns,
}

/// Group a documents table (with `period`, `period_start`, `documents`,
/// `coarse_date`, `tokens` and the hits columns) into trends.
#[allow(deprecated)] // eager GroupBy::sum: the lazy engine is not compiled in (build time)
pub fn trends(docs: &DataFrame, spec: &TrendSpec<'_>) -> Result<DataFrame> {
    let mut keys: Vec<String> = vec!["period".into(), "period_start".into()];
    keys.extend(spec.groups.iter().cloned());
    let mut sums: Vec<String> = vec!["documents".into(), "coarse_dates".into(), "tokens".into()];
    sums.extend(spec.categories.iter().map(|c| format!("hits_{c}")));
    sums.extend(spec.stance_columns.iter().cloned());
    sums.extend(spec.subframe_columns.iter().cloned());
    let model_columns = spec.model.count_columns();
    sums.extend(model_columns.iter().cloned());

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
    if let Some(p) = spec.poles {
        let (b, s) = (&cat_hits[p.behavioural], &cat_hits[p.structural]);
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
        let sentences = |c: usize| u64_col(&out, &format!("sentences_{}", spec.categories[c]));
        let (sb, ss) = (sentences(p.behavioural)?, sentences(p.structural)?);
        extra.push(Column::new(
            "sentence_share".into(),
            sb.iter()
                .zip(&ss)
                .map(|(&b, &s)| score::share(b, s))
                .collect::<Vec<_>>(),
        ));
    }
    if let Some([b, s]) = spec.model.poles {
        let endorsed = |f: usize| u64_col(&out, &model_columns[f]);
        let (mb, ms) = (endorsed(b)?, endorsed(s)?);
        extra.push(Column::new(
            "model_share".into(),
            mb.iter()
                .zip(&ms)
                .map(|(&b, &s)| score::share(b, s))
                .collect::<Vec<_>>(),
        ));
    }
    let out = out.hstack(&extra).map_err(pe)?;

    // Column order: keys, counts, category hits and rates, share, balance,
    // sentence share, the counts set aside and framed sentences, sub-frames.
    let mut order: Vec<String> = keys.clone();
    order.extend(["documents", "coarse_dates", "tokens"].map(String::from));
    for c in spec.categories {
        order.push(format!("hits_{c}"));
    }
    for c in spec.categories {
        order.push(format!("rate_{c}"));
    }
    if spec.poles.is_some() {
        order.extend(["share", "balance", "sentence_share"].map(String::from));
    }
    order.extend(spec.stance_columns.iter().cloned());
    order.extend(spec.subframe_columns.iter().cloned());
    order.extend(model_columns);
    if spec.model.poles.is_some() {
        order.push("model_share".into());
    }
    let out = out.select(order.iter().map(String::as_str)).map_err(pe)?;

    let n = keys.len();
    let opts = SortMultipleOptions::default()
        .with_order_descending_multi(vec![false; n])
        .with_nulls_last_multi(vec![true; n])
        .with_maintain_order(true);
    out.sort(keys.iter().map(String::as_str), opts).map_err(pe)
}

/// One row per cell with the columns [`trends`] sums.
fn cells_frame(rows: &[CellRow], spec: &TrendSpec<'_>) -> Result<DataFrame> {
    let n = rows.len();
    let ncat = spec.categories.len();
    let nums = |i: usize| rows.iter().map(|r| r.counts[i]).collect::<Vec<u64>>();
    let mut cols = vec![
        Column::new(
            "period".into(),
            rows.iter().map(|r| r.key[0].clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "period_start".into(),
            rows.iter().map(|r| r.period_start).collect::<Vec<_>>(),
        )
        .cast(&DataType::Date)
        .map_err(pe)?,
    ];
    for (g, name) in spec.groups.iter().enumerate() {
        cols.push(Column::new(
            name.as_str().into(),
            rows.iter()
                .map(|r| r.key.get(g + 1).cloned().flatten())
                .collect::<Vec<_>>(),
        ));
    }
    cols.push(Column::new(
        "documents".into(),
        rows.iter().map(|r| r.documents).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "coarse_dates".into(),
        rows.iter().map(|r| r.coarse).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "tokens".into(),
        rows.iter().map(|r| r.tokens).collect::<Vec<_>>(),
    ));
    for i in 0..SCORE_KINDS.len() * ncat {
        let (k, c) = (i / ncat, i % ncat);
        cols.push(Column::new(
            format!("{}_{}", SCORE_KINDS[k], spec.categories[c]).into(),
            nums(i),
        ));
    }
    for (i, name) in spec.subframe_columns.iter().enumerate() {
        cols.push(Column::new(
            name.as_str().into(),
            rows.iter().map(|r| r.subframes[i]).collect::<Vec<_>>(),
        ));
    }
    for (i, name) in spec.model.count_columns().into_iter().enumerate() {
        cols.push(Column::new(
            name.into(),
            rows.iter()
                .map(|r| r.model.get(i).copied().unwrap_or(0))
                .collect::<Vec<_>>(),
        ));
    }
    DataFrame::new(n, cols).map_err(pe)
}

/// Turn the cells into the trends table and write it; returns its rows.
pub fn write_trends(
    dir: &Path,
    format: Format,
    cells: Vec<CellRow>,
    group_columns: &[String],
    names: &TableNames,
    options: &RunOptions,
) -> Result<usize> {
    let stance_cols = names.set_aside_columns();
    let spec = TrendSpec {
        groups: group_columns,
        categories: &names.categories,
        stance_columns: &stance_cols,
        subframe_columns: &names.subframe_columns,
        poles: names.poles,
        model: &names.model,
    };
    let per_cell = cells_frame(&cells, &spec)?;
    let intervals: BTreeMap<Vec<Option<String>>, Intervals> =
        cells.into_iter().map(|c| (c.key, c.intervals)).collect();
    let trends = trends(&per_cell, &spec)?;
    drop(per_cell);
    let poles = names
        .poles
        .map(|p| [p.behavioural, p.structural].map(|i| names.categories[i].as_str()));
    let trends = add_intervals(
        trends,
        group_columns,
        &intervals,
        options,
        poles,
        names.model.poles.is_some(),
    )
    .map_err(pe)?;
    let mut trends = super::frames::keep_measures(trends, options.measure);
    write_table(dir, "trends", &mut trends, format)?;
    Ok(trends.height())
}

/// Append interval and `low_n` columns to a trends table, looking each
/// row's cell up by its period and group values.
fn add_intervals(
    trends: DataFrame,
    groups: &[String],
    intervals: &BTreeMap<Vec<Option<String>>, Intervals>,
    options: &RunOptions,
    poles: Option<[&str; 2]>,
    model_share: bool,
) -> PolarsResult<DataFrame> {
    let strs = |name: &str| super::reader::strs(&trends, name);
    let nums = |name: &str| super::reader::nums(&trends, name);
    let mut keys: Vec<Vec<Option<String>>> = strs("period").into_iter().map(|p| vec![p]).collect();
    for g in groups {
        for (k, v) in keys.iter_mut().zip(strs(g)) {
            k.push(v);
        }
    }
    let cell: Vec<Intervals> = keys
        .iter()
        .map(|k| intervals.get(k).cloned().unwrap_or_default())
        .collect();
    let col = |name: String, f: &dyn Fn(&Intervals) -> Option<f64>| {
        Column::new(name.into(), cell.iter().map(f).collect::<Vec<_>>())
    };
    let docs = nums("documents");
    let tokens = nums("tokens");
    let low_n: Vec<bool> = docs
        .iter()
        .zip(&tokens)
        .map(|(d, t)| {
            d.unwrap_or(0.0) < options.min_docs as f64
                || t.unwrap_or(0.0) < options.min_tokens as f64
        })
        .collect();
    // Intervals are of the poles' rates, share and balance: none without poles.
    let mut cols = Vec::new();
    if let Some([behavioural, structural]) = poles {
        cols.extend([
            col(format!("rate_{behavioural}_lo"), &|i| i.rate_b.0),
            col(format!("rate_{behavioural}_hi"), &|i| i.rate_b.1),
            col(format!("rate_{structural}_lo"), &|i| i.rate_s.0),
            col(format!("rate_{structural}_hi"), &|i| i.rate_s.1),
            col("share_lo".into(), &|i| i.share.0),
            col("share_hi".into(), &|i| i.share.1),
            col("balance_lo".into(), &|i| i.balance.0),
            col("balance_hi".into(), &|i| i.balance.1),
            col("sentence_share_lo".into(), &|i| i.sentence_share.0),
            col("sentence_share_hi".into(), &|i| i.sentence_share.1),
        ]);
    }
    if model_share {
        cols.push(col("model_share_lo".into(), &|i| i.model_share.0));
        cols.push(col("model_share_hi".into(), &|i| i.model_share.1));
    }
    cols.push(Column::new("low_n".into(), low_n));
    trends.hstack(&cols)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "sentences_behavioural" => [2u64, 1, 0],
            "sentences_structural" => [1u64, 2, 1],
            "hits_behavioural__x" => [3u64, 1, 0],
            "model_sentences_behavioural" => [1u64, 0, 0],
            "model_sentences_structural" => [0u64, 3, 0],
            "model_distanced_behavioural" => [2u64, 0, 0],
            "model_distanced_structural" => [0u64, 0, 1],
        }
        .unwrap();
        let spec = TrendSpec {
            groups: &["source".to_string()],
            categories: &["behavioural".to_string(), "structural".to_string()],
            stance_columns: &[
                "sentences_behavioural".to_string(),
                "sentences_structural".to_string(),
            ],
            subframe_columns: &["hits_behavioural__x".to_string()],
            poles: Some(crate::model::Poles {
                behavioural: 0,
                structural: 1,
            }),
            model: &ModelColumns {
                framings: vec!["behavioural".into(), "structural".into()],
                poles: Some([0, 1]),
            },
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
        // Framed sentences are summed, then divided: 3 of 6, and 0 of 1.
        let sentence_share: Vec<Option<f64>> = t
            .column("sentence_share")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(sentence_share, [Some(0.5), Some(0.0)]);
        // The model's sentences too: 1 of 4 endorsed, and none of none
        // (distanced sentences do not enter the share).
        assert_eq!(u64_col(&t, "model_distanced_behavioural").unwrap(), [2, 0]);
        let model_share: Vec<Option<f64>> = t
            .column("model_share")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(model_share, [Some(0.25), None]);
    }
}
