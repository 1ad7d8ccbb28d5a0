//! Validation against hand coding: read a gold file of coded units, tag
//! the same units, and measure agreement — between coders first
//! (Krippendorff's alpha, pairwise Cohen's kappa), then between the tool
//! and the coders' (majority) label: precision, recall and F1 with seeded
//! bootstrap intervals, Cohen's kappa, the confusion table, and every
//! false positive and false negative with the entries responsible.
//!
//! A gold file is CSV or JSONL, one row per unit and coder (the coding
//! sheet `framewatch sample` writes). A unit is found by `doc_id` (with an
//! optional `byte_start`/`byte_end` span) in the corpus, or tagged from its
//! own `text`. Label columns are named like a lexicon category
//! (`behavioural`) or sub-frame (`behavioural.dependency`); `stance` codes
//! the stance of one category's framing.

use crate::aggregate::{cell_seed, quantile};
use crate::analyze::Analysis;
use crate::error::{Error, Result};
use crate::lexicon::Lexicon;
use crate::model::{DocMeta, Hit, HitStatus, Stance};
use crate::pipeline::{Job, Source};
use crate::tagger::{Tagger, View};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

mod agreement;
mod gold;
mod metrics;
mod tag;
#[cfg(test)]
mod tests;

pub use agreement::*;
pub use gold::*;
pub use metrics::*;
pub use tag::*;
