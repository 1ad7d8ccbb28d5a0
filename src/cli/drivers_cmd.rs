//! `framewatch drivers RUN_DIR A B`: which entries account for the change
//! in each category's rate between two periods or groups.

use super::EXIT_OK;
use crate::error::{Error, Result};
use crate::output::read_run;
use crate::study::drivers;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A folder written by `framewatch run`.
    pub run: PathBuf,
    /// The first side, e.g. a period label ("1983") or a group value.
    pub a: String,
    /// The second side.
    pub b: String,
    /// The documents column the sides are values of: `period` (the run's
    /// --by unit) or any metadata column such as `source`.
    #[arg(long, default_value = "period")]
    pub field: String,
    /// Show at most this many entries.
    #[arg(long, default_value = "15")]
    pub top: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<u8> {
    let tables = read_run(&args.run)?;
    let d = drivers::compare(&tables, &args.field, &args.a, &args.b)
        .map_err(|m| Error::usage(format!("{}: {m}", args.run.display()), None))?;
    if args.json {
        let v = serde_json::json!({
            "field": d.field, "a": d.a, "b": d.b,
            "documents": [d.documents.0, d.documents.1], "tokens": [d.tokens.0, d.tokens.1],
            "categories": d.categories.iter().map(|(c, ra, rb)| serde_json::json!({"category": c, "rate_a": ra, "rate_b": rb, "change": rb - ra})).collect::<Vec<_>>(),
            "entries": d.contributions.iter().take(args.top).map(|c| serde_json::json!({
                "category": c.category, "entry": c.entry, "hits_a": c.hits_a, "hits_b": c.hits_b,
                "rate_a": c.rate_a, "rate_b": c.rate_b, "change": c.change})).collect::<Vec<_>>(),
            "composition": {"by": d.composition_by, "a": d.composition[0], "b": d.composition[1], "shifts": d.shifts},
            "fragile": d.fragile.iter().map(|f| serde_json::json!({"side": f.side, "category": f.category, "entry": f.entry, "share": f.share, "hits": f.hits})).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("JSON values serialise")
        );
        return Ok(EXIT_OK);
    }
    println!(
        "{} {} ({} documents, {:.0} words) -> {} ({} documents, {:.0} words); endorsed hits per 10,000 words",
        d.field, d.a, d.documents.0, d.tokens.0, d.b, d.documents.1, d.tokens.1
    );
    for (c, ra, rb) in &d.categories {
        println!("  {c:<14} {ra:>8.2} -> {rb:>8.2}  ({:+.2})", rb - ra);
    }
    println!("entries by contribution to the change:");
    for c in d.contributions.iter().take(args.top) {
        println!(
            "  {:+8.2}  {:<12} {:<32} {:>4} -> {:<4} hits",
            c.change, c.category, c.entry, c.hits_a, c.hits_b
        );
    }
    for f in &d.fragile {
        println!(
            "warning: in {} {}, \"{}\" supplies {:.0}% of {} hits ({}): a measure resting on one entry is fragile",
            d.field,
            f.side,
            f.entry,
            f.share * 100.0,
            f.category,
            f.hits
        );
    }
    if !d.shifts.is_empty() {
        println!(
            "warning: {} {} and {} differ sharply in composition{}: {}; part of the change may be who is in each side rather than how they write (README: Reports, Composition)",
            d.field,
            d.a,
            d.b,
            d.composition_by
                .as_deref()
                .map_or(String::new(), |g| format!(" (by {g})")),
            d.shifts.join("; ")
        );
    }
    Ok(EXIT_OK)
}
