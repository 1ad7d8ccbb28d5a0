//! Composition: how many documents each side of a comparison holds, by
//! group, and whether two sides differ so much in make-up that a change
//! between them may be a change of who speaks rather than of how they
//! speak. Used by `report` (documents per period × group) and `drivers`
//! (the two sides compared). Works from a run folder's documents table.

use crate::output::RunTables;
use std::collections::BTreeMap;

/// A side holds more than this many times the other's documents: a sharp
/// shift.
pub const DOCUMENT_FACTOR: f64 = 2.0;
/// A group's share of a side's documents moves by more than this many
/// percentage points: a sharp shift.
pub const SHARE_POINTS: f64 = 20.0;
/// How many group names a warning lists before "and N more".
const NAMES_SHOWN: usize = 6;

/// The label of documents with no value in the group column.
pub const NO_VALUE: &str = "(none)";

/// The one group of a side that is not broken down.
pub const ALL: &str = "(all)";

/// Documents per value of `field`, split by the values of `by` (one key,
/// [`ALL`], when `by` is none).
pub type Counts = BTreeMap<String, BTreeMap<String, u64>>;

/// The column a comparison on `field` is broken down by: the run's first
/// `--group` column when comparing periods, the period when comparing
/// groups; none when the run has no such column.
pub fn breakdown(run: &RunTables, field: &str) -> Option<String> {
    let d = &run.documents;
    if field == "period" {
        run.manifest
            .options
            .group
            .iter()
            .find(|g| d.has(g) && g.as_str() != field)
            .cloned()
    } else {
        d.has("period").then(|| "period".to_string())
    }
}

/// Documents per value of `field` × value of `by`.
pub fn counts(run: &RunTables, field: &str, by: Option<&str>) -> Counts {
    let d = &run.documents;
    let values = d.strs(field);
    let groups = by.map(|b| d.strs(b));
    let mut out = Counts::new();
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        let g = match &groups {
            Some(g) => g[i].clone().unwrap_or_else(|| NO_VALUE.to_string()),
            None => ALL.to_string(),
        };
        *out.entry(v.clone()).or_default().entry(g).or_default() += 1;
    }
    out
}

/// Why side `a` and side `b` differ sharply in composition, one reason
/// per line; empty when they do not. `a` and `b` are the sides'
/// documents per group (one [`ALL`] group when not broken down).
pub fn shifts(
    a_label: &str,
    a: &BTreeMap<String, u64>,
    b_label: &str,
    b: &BTreeMap<String, u64>,
) -> Vec<String> {
    let (na, nb) = (a.values().sum::<u64>(), b.values().sum::<u64>());
    let mut out = Vec::new();
    let (lo, hi) = (na.min(nb) as f64, na.max(nb) as f64);
    if hi > DOCUMENT_FACTOR * lo {
        let factor = if lo > 0.0 {
            format!(" (×{:.1})", nb.max(1) as f64 / na.max(1) as f64)
        } else {
            String::new()
        };
        out.push(format!("documents {na} → {nb}{factor}"));
    }
    if na == 0 || nb == 0 {
        return out;
    }
    let only = |x: &BTreeMap<String, u64>, y: &BTreeMap<String, u64>| -> Vec<String> {
        x.iter()
            .filter(|(g, n)| **n > 0 && *g != ALL && y.get(*g).copied().unwrap_or(0) == 0)
            .map(|(g, _)| g.clone())
            .collect()
    };
    for (label, names) in [(a_label, only(a, b)), (b_label, only(b, a))] {
        if names.is_empty() {
            continue;
        }
        let shown = names
            .iter()
            .take(NAMES_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if names.len() > NAMES_SHOWN {
            format!(" and {} more", names.len() - NAMES_SHOWN)
        } else {
            String::new()
        };
        out.push(format!("only in {label}: {shown}{more}"));
    }
    for (g, &x) in a {
        let Some(&y) = b.get(g) else { continue };
        if g == ALL || x == 0 || y == 0 {
            continue;
        }
        let (sa, sb) = (x as f64 * 100.0 / na as f64, y as f64 * 100.0 / nb as f64);
        if (sb - sa).abs() > SHARE_POINTS {
            out.push(format!(
                "{g}: {sa:.0}% → {sb:.0}% of documents ({:+.0} points)",
                sb - sa
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(g, n)| (g.to_string(), *n)).collect()
    }

    #[test]
    fn same_make_up_is_no_shift() {
        let a = side(&[("Con", 2), ("Lab", 2)]);
        let b = side(&[("Con", 3), ("Lab", 3)]);
        assert!(shifts("1980s", &a, "1990s", &b).is_empty());
        // Twice as many is not more than twice.
        let b = side(&[("Con", 4), ("Lab", 4)]);
        assert!(shifts("1980s", &a, "1990s", &b).is_empty());
    }

    #[test]
    fn counts_new_groups_and_moved_shares_are_named() {
        // The UK manifestos by decade: 6 documents from three parties,
        // then 47 from many.
        let a = side(&[("Con", 2), ("Lab", 2), ("LibSDP", 2)]);
        let mut b = side(&[("Con", 3), ("Lab", 3), ("LD", 3)]);
        for p in ["BNP", "CAP", "Green", "PC", "SNP", "UKIP", "UUP", "Ver"] {
            b.insert(p.into(), 1);
        }
        let r = shifts("1980s", &a, "2000s", &b);
        assert_eq!(r[0], "documents 6 → 17 (×2.8)");
        assert_eq!(r[1], "only in 1980s: LibSDP");
        assert_eq!(
            r[2],
            "only in 2000s: BNP, CAP, Green, LD, PC, SNP and 3 more"
        );
        // Con's share moves 33% → 18%: under 20 points, not named.
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn a_share_moving_more_than_twenty_points_is_named() {
        let a = side(&[("Con", 8), ("Lab", 2)]);
        let b = side(&[("Con", 4), ("Lab", 6)]);
        assert_eq!(
            shifts("a", &a, "b", &b),
            vec![
                "Con: 80% → 40% of documents (-40 points)".to_string(),
                "Lab: 20% → 60% of documents (+40 points)".to_string()
            ]
        );
    }

    #[test]
    fn an_empty_side_only_reports_the_count() {
        let a = side(&[(ALL, 3)]);
        let b = side(&[]);
        assert_eq!(
            shifts("a", &a, "b", &b),
            vec!["documents 3 → 0".to_string()]
        );
    }
}
