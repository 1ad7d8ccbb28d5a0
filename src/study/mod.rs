//! Study tools: ways to look at what the pipeline counted, each a
//! consumer of the one read-and-tag path ([`crate::pipeline::Job`]) or
//! of a run folder ([`crate::output::reader`]). They return data; the CLI
//! prints it.
//!
//! - [`audit`]: one document, every hit, thresholds, HTML and JSON;
//!   [`audit_ci`]: audits as SARIF, GitHub annotations and a job summary.
//! - [`kwic`]: concordance lines, filtered, sorted and sampled.
//! - [`keyness`]: which terms a selection uses more than another (G2,
//!   Log Ratio, %DIFF); [`collocates`]: what keeps company with a node.
//! - [`drivers`]: which entries moved the balance between two periods;
//!   [`composition`]: whether the two differ sharply in who they hold.
//! - [`report`]: one self-contained HTML report of a run.
//! - [`sample`]: blind coding sheets, stratified or where a model is unsure.
//! - [`validate`]: the lexicon (or a model) against hand coding.
//! - [`classify`]: a sentence classifier trained on coded units.
//! - [`measure`]: that classifier labelling every sentence of a run.

pub mod audit;
pub mod audit_ci;
pub mod classify;
pub mod collocates;
#[cfg(feature = "tables")]
pub mod composition;
#[cfg(feature = "tables")]
pub mod drivers;
pub mod keyness;
pub mod kwic;
pub mod measure;
#[cfg(feature = "tables")]
pub mod report;
pub mod sample;
pub mod suggest;
pub mod validate;

/// A whole number with thousands separators: 12345 → "12,345".
pub fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(-1234.4), "-1,234");
    }
}
