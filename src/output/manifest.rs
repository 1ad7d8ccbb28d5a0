//! `manifest.json`: what a run read, with which options and lexicon, and
//! what it counted. Written from these types and read back into them; a
//! manifest of another schema version is refused with a message.

use super::frames::SkippedRow;
use super::{Format, rename, tmp_path};
use crate::aggregate::{Period, Totals};
use crate::error::{Error, Result};
use crate::lexicon::Lexicon;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Bump when a table's columns or the manifest change meaning or shape.
pub const SCHEMA_VERSION: u32 = 7;

pub const FILE: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub framewatch_version: String,
    pub lexicon: LexiconInfo,
    pub options: RunOptions,
    pub counts: Counts,
    pub tables: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardManifest>,
}

/// Every option that shapes a run's output (thread count is not one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOptions {
    pub inputs: Vec<String>,
    pub lexicon: String,
    pub by: Period,
    pub group: Vec<String>,
    pub format: Format,
    pub out: String,
    pub strict: bool,
    /// Bootstrap resamples per trend cell (0: no intervals).
    pub bootstrap: usize,
    pub seed: u64,
    /// Cells with fewer documents or tokens are flagged `low_n`.
    pub min_docs: u64,
    pub min_tokens: u64,
    /// How inputs were read: table columns, limits, links, duplicates.
    #[serde(default)]
    pub ingest: IngestSettings,
    /// Which measures the run wrote: the lexicon's, the trained model's,
    /// or both.
    pub measure: Measure,
    /// The trained model, when `measure` is `model` or `both`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelInfo>,
    /// `run --shard K/N`: this run holds shard K of N (absent otherwise;
    /// read back from [`Manifest::shard`]).
    #[serde(
        default,
        skip_deserializing,
        skip_serializing_if = "Option::is_none",
        serialize_with = "shard_label"
    )]
    pub shard: Option<crate::shard::Shard>,
    /// Which sentences of the `sentences` table carry their text (runs
    /// before the option wrote every sentence's).
    #[serde(default = "SentenceText::all")]
    pub sentence_text: SentenceText,
}

pub use crate::study::measure::SentenceText;

/// Which measures a run writes (`run --measure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// The lexicon's hits, rates, share and balance; no model.
    Lexicon,
    /// The trained model's sentence labels (the `sentences` table and the
    /// `model_*` columns); the lexicon's counts stay, as the model's
    /// evidence, without its rates, share and balance.
    Model,
    /// Both, side by side.
    Both,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Lexicon => "lexicon",
            Measure::Model => "model",
            Measure::Both => "both",
        }
    }

    pub fn model(self) -> bool {
        self != Measure::Lexicon
    }

    pub fn lexicon(self) -> bool {
        self != Measure::Model
    }
}

/// The trained model a run used: enough to know it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// As given (`builtin` for the default model).
    pub origin: String,
    /// sha256 of the model file's bytes.
    pub sha256: String,
    pub format: String,
    /// The framings it labels, in the order of the tables' columns.
    pub framings: Vec<String>,
    /// The coded units it was trained on, and the filters applied to them.
    pub units: u64,
    pub filters: Vec<String>,
}

/// The reading options recorded in a run's manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestSettings {
    pub text_col: String,
    pub date_col: String,
    pub id_col: String,
    pub stdin_format: Option<String>,
    pub follow_symlinks: bool,
    pub limits: crate::ingest::Limits,
    pub dedupe: Option<crate::ingest::dedupe::Mode>,
    /// Jaccard threshold of `--dedupe near`.
    pub near_threshold: Option<f64>,
    /// How PDFs were read (OCR mode, timeout, language).
    #[serde(default)]
    pub pdf: crate::ingest::pdf::Options,
}

fn shard_label<S: serde::Serializer>(
    shard: &Option<crate::shard::Shard>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match shard {
        Some(sh) => s.serialize_str(&sh.label()),
        None => s.serialize_none(),
    }
}

/// What `merge` needs from a shard beyond its tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    pub index: u32,
    pub count: u32,
    /// The trends group-by columns as named in the documents table.
    pub group_columns: Vec<String>,
    /// Each row of this shard's documents table: its position in the
    /// whole corpus's input order, which `merge` restores.
    pub ordinals: Vec<u64>,
}

impl ShardManifest {
    pub fn shard(&self) -> crate::shard::Shard {
        crate::shard::Shard {
            index: self.index,
            count: self.count,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LexiconInfo {
    pub name: String,
    pub version: String,
    pub sha256: String,
    pub origin: String,
    pub language: String,
    pub categories: usize,
    pub subframes: usize,
    pub entries: usize,
    /// The categories share and balance compared, when not the default
    /// `behavioural` and `structural`; empty when there were none (and
    /// share and balance were left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poles: Option<Vec<String>>,
}

impl LexiconInfo {
    pub fn of(lexicon: &Lexicon) -> LexiconInfo {
        LexiconInfo {
            name: lexicon.name.clone(),
            version: lexicon.version.clone(),
            sha256: lexicon.sha256.clone(),
            origin: lexicon.origin.clone(),
            language: lexicon.language.clone(),
            categories: lexicon.categories.len(),
            subframes: lexicon.subframes.len(),
            entries: lexicon.entries.len(),
            poles: match lexicon.pole_names() {
                Some(["behavioural", "structural"]) => None,
                Some(names) => Some(names.map(String::from).to_vec()),
                None => Some(Vec::new()),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub inputs: usize,
    pub documents_read: usize,
    pub documents_skipped: usize,
    /// Documents dropped by `--dedupe` (also counted as skipped).
    pub duplicates: usize,
    /// Documents read with a warning (e.g. a guessed encoding).
    pub warnings: usize,
    pub skipped_by_reason: std::collections::BTreeMap<String, usize>,
    pub undated: usize,
    pub coarse_dates: usize,
    pub unlisted_files: usize,
    pub hidden_files: usize,
    pub tokens: u64,
    pub hits: u64,
    pub negated: u64,
    pub distanced: u64,
    pub no_context: u64,
    pub trend_rows: usize,
}

impl Counts {
    /// A run's counts: from its statistics, its skipped rows (sorted),
    /// what discovery left out, and the rows of its trends table. A run
    /// and a merge of its shards count alike.
    pub fn of(
        totals: &Totals,
        skipped: &[SkippedRow],
        unlisted_files: usize,
        hidden_files: usize,
        trend_rows: usize,
    ) -> Counts {
        let mut skipped_by_reason = std::collections::BTreeMap::new();
        for s in skipped {
            *skipped_by_reason.entry(s.2.clone()).or_insert(0usize) += 1;
        }
        let t = totals;
        Counts {
            inputs: t.documents + skipped.len(),
            documents_read: t.documents,
            documents_skipped: skipped.len(),
            duplicates: skipped.iter().filter(|s| s.4.is_some()).count(),
            warnings: t.warned,
            skipped_by_reason,
            undated: t.undated,
            coarse_dates: t.coarse_dates,
            unlisted_files,
            hidden_files,
            tokens: t.tokens,
            hits: t.hits,
            negated: t.negated,
            distanced: t.distanced,
            no_context: t.no_context,
            trend_rows,
        }
    }
}

/// Write `manifest.json` (under a temporary name, then renamed).
pub fn write(dir: &Path, manifest: &Manifest) -> Result<()> {
    let json = serde_json::to_string_pretty(manifest).map_err(|e| Error::output(dir, e))? + "\n";
    let tmp = tmp_path(dir, FILE);
    std::fs::write(&tmp, json).map_err(|e| Error::output(&tmp, e))?;
    rename(&tmp, &dir.join(FILE))
}

/// Read a run folder's `manifest.json`; `hint` says what the folder is for.
pub fn read(run: &Path, hint: &str) -> Result<Manifest> {
    let path = run.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::usage(
            format!("{}: cannot read: {e}", path.display()),
            Some(hint.to_string()),
        )
    })?;
    let not_ours = |e: serde_json::Error| {
        Error::usage(
            format!("{}: not a framewatch manifest: {e}", path.display()),
            Some(hint.to_string()),
        )
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(not_ours)?;
    let version = value.get("schema_version").and_then(|v| v.as_u64());
    if version.is_some_and(|v| v != u64::from(SCHEMA_VERSION)) {
        return Err(Error::usage(
            format!(
                "{}: written with output schema {}; this framewatch reads schema {SCHEMA_VERSION}",
                path.display(),
                version.unwrap_or_default()
            ),
            Some("run `framewatch run` again with this version".to_string()),
        ));
    }
    let mut manifest: Manifest = serde_json::from_value(value).map_err(not_ours)?;
    manifest.options.shard = manifest.shard.as_ref().map(ShardManifest::shard);
    Ok(manifest)
}

/// Whether `dir` is a run folder: it holds framewatch's marker file, or
/// a manifest that names framewatch (runs from before the marker).
pub fn is_run_folder(dir: &Path) -> bool {
    crate::output::atomic::written_by_us(dir)
}
