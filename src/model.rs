//! The data types every stage shares: documents, tokens, hits, scores and
//! skipped inputs. Plain data only: no I/O, no tokenizers, no polars.

use chrono::NaiveDate;
use std::path::PathBuf;
use std::sync::Arc;

/// How precisely a document's date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DatePrecision {
    Day,
    Month,
    Year,
}

impl DatePrecision {
    pub fn as_str(self) -> &'static str {
        match self {
            DatePrecision::Day => "day",
            DatePrecision::Month => "month",
            DatePrecision::Year => "year",
        }
    }
}

/// A date with the precision it was given at (`1945` is `1945-01-01`, year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocDate {
    pub date: NaiveDate,
    pub precision: DatePrecision,
}

/// Where a document's text lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk, read by a worker when its turn comes.
    File(PathBuf),
    /// Text compiled into the binary (the demo corpus).
    Embedded(&'static str),
    /// Text already in memory: a feed item, a Parquet row, standard input.
    Text(Arc<str>),
    /// A file's bytes received in memory (an upload to `serve`), read by
    /// its format like a file on disk and never written anywhere.
    Bytes(Arc<[u8]>),
    /// One record of a CSV/TSV or JSON Lines file, re-read from its byte
    /// range by the worker, so discovery never holds a table's text.
    Record {
        path: Arc<PathBuf>,
        offset: u64,
        len: u64,
        field: RecordField,
    },
}

/// Where a record's text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordField {
    /// A CSV/TSV field by index, with the file's delimiter.
    Csv { delimiter: u8, index: usize },
    /// A JSON object's key.
    Json(Arc<str>),
}

/// Everything known about a document before its text is read.
#[derive(Debug, Clone)]
pub struct DocMeta {
    /// Position in the sorted input order; fixes output order.
    pub ordinal: usize,
    pub doc_id: String,
    /// The path as shown in outputs (relative to the input given).
    pub path: String,
    pub origin: Origin,
    pub date: Option<DocDate>,
    /// Where the date came from: `metadata`, `filename` or empty.
    pub date_source: &'static str,
    pub source: Option<String>,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    /// The input format: `txt`, `md`, `pdf`, `docx`, `odt`, `html`, `csv`,
    /// `tsv`, `jsonl`, `parquet`, `rss`, `atom`, `stdin`.
    pub format: &'static str,
    /// Row of a table (1-based, header excluded) or item of a feed.
    pub record: Option<u64>,
    /// Extra metadata columns, in the order of `Corpus::extra_fields`.
    pub extra: Vec<Option<String>>,
}

impl DocMeta {
    /// A document known only by its id, path and text origin: no date or
    /// metadata (single-file audits, re-reading a run's document).
    pub fn bare(doc_id: impl Into<String>, path: impl Into<String>, origin: Origin) -> DocMeta {
        DocMeta {
            ordinal: 0,
            doc_id: doc_id.into(),
            path: path.into(),
            origin,
            date: None,
            date_source: "",
            source: None,
            kind: None,
            title: None,
            author: None,
            url: None,
            format: "",
            record: None,
            extra: Vec::new(),
        }
    }
}

/// Why an input was not read: a short stable code, written in the
/// `skipped` table and on stderr (`path: skipped: reason: detail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    Missing,
    Unreadable,
    NotAFile,
    UnsupportedFormat,
    FormatMismatch,
    BinaryFile,
    NotUtf8,
    EmptyText,
    EncryptedPdf,
    NoTextLayer,
    CorruptPdf,
    CorruptDocx,
    CorruptOdt,
    CorruptHtml,
    CorruptFeed,
    CorruptParquet,
    ZipBomb,
    TooLarge,
    RowTooLong,
    TextTooLarge,
    TooManyTokens,
    NoTextColumn,
    BadDate,
    RaggedRow,
    BadRow,
    Symlink,
    SymlinkOutside,
    SymlinkLoop,
    Duplicate,
    NearDuplicate,
    BadMetadata,
    DuplicateId,
    InternalError,
}

impl SkipReason {
    pub const ALL: [SkipReason; 33] = [
        SkipReason::Missing,
        SkipReason::Unreadable,
        SkipReason::NotAFile,
        SkipReason::UnsupportedFormat,
        SkipReason::FormatMismatch,
        SkipReason::BinaryFile,
        SkipReason::NotUtf8,
        SkipReason::EmptyText,
        SkipReason::EncryptedPdf,
        SkipReason::NoTextLayer,
        SkipReason::CorruptPdf,
        SkipReason::CorruptDocx,
        SkipReason::CorruptOdt,
        SkipReason::CorruptHtml,
        SkipReason::CorruptFeed,
        SkipReason::CorruptParquet,
        SkipReason::ZipBomb,
        SkipReason::TooLarge,
        SkipReason::RowTooLong,
        SkipReason::TextTooLarge,
        SkipReason::TooManyTokens,
        SkipReason::NoTextColumn,
        SkipReason::BadDate,
        SkipReason::RaggedRow,
        SkipReason::BadRow,
        SkipReason::Symlink,
        SkipReason::SymlinkOutside,
        SkipReason::SymlinkLoop,
        SkipReason::Duplicate,
        SkipReason::NearDuplicate,
        SkipReason::BadMetadata,
        SkipReason::DuplicateId,
        SkipReason::InternalError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Missing => "missing",
            SkipReason::Unreadable => "unreadable",
            SkipReason::NotAFile => "not-a-file",
            SkipReason::UnsupportedFormat => "unsupported-format",
            SkipReason::FormatMismatch => "format-mismatch",
            SkipReason::BinaryFile => "binary-file",
            SkipReason::NotUtf8 => "not-utf8",
            SkipReason::EmptyText => "empty-text",
            SkipReason::EncryptedPdf => "encrypted-pdf",
            SkipReason::NoTextLayer => "no-text-layer",
            SkipReason::CorruptPdf => "corrupt-pdf",
            SkipReason::CorruptDocx => "corrupt-docx",
            SkipReason::CorruptOdt => "corrupt-odt",
            SkipReason::CorruptHtml => "corrupt-html",
            SkipReason::CorruptFeed => "corrupt-feed",
            SkipReason::CorruptParquet => "corrupt-parquet",
            SkipReason::ZipBomb => "zip-bomb",
            SkipReason::TooLarge => "too-large",
            SkipReason::RowTooLong => "row-too-long",
            SkipReason::TextTooLarge => "text-too-large",
            SkipReason::TooManyTokens => "too-many-tokens",
            SkipReason::NoTextColumn => "no-text-column",
            SkipReason::BadDate => "bad-date",
            SkipReason::RaggedRow => "ragged-row",
            SkipReason::BadRow => "bad-row",
            SkipReason::Symlink => "symlink",
            SkipReason::SymlinkOutside => "symlink-outside",
            SkipReason::SymlinkLoop => "symlink-loop",
            SkipReason::Duplicate => "duplicate",
            SkipReason::NearDuplicate => "near-duplicate",
            SkipReason::BadMetadata => "bad-metadata",
            SkipReason::DuplicateId => "duplicate-id",
            SkipReason::InternalError => "internal-error",
        }
    }

    /// The reason a code names (as written in a `skipped` table).
    pub fn parse(code: &str) -> Option<SkipReason> {
        SkipReason::ALL.into_iter().find(|r| r.as_str() == code)
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for SkipReason {
    fn eq(&self, code: &&str) -> bool {
        self.as_str() == *code
    }
}

/// A document that could not be processed, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub doc_id: Option<String>,
    pub reason: SkipReason,
    pub detail: String,
    /// For duplicates dropped by `--dedupe`: the document kept instead.
    pub duplicate_of: Option<String>,
}

/// The two categories whose balance framewatch measures: share and
/// balance compare behavioural with structural framing. Every lexicon
/// has both; any other category (context terms) is counted beside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pole {
    Behavioural,
    Structural,
}

impl Pole {
    pub const BOTH: [Pole; 2] = [Pole::Behavioural, Pole::Structural];

    /// The category's name in lexicons and column names.
    pub fn name(self) -> &'static str {
        match self {
            Pole::Behavioural => "behavioural",
            Pole::Structural => "structural",
        }
    }

    /// The pole a category name is, if any.
    pub fn of(category: &str) -> Option<Pole> {
        Pole::BOTH.into_iter().find(|p| p.name() == category)
    }
}

/// Where the poles are among a lexicon's categories (indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Poles {
    pub behavioural: usize,
    pub structural: usize,
}

impl Poles {
    pub fn index(self, pole: Pole) -> usize {
        match pole {
            Pole::Behavioural => self.behavioural,
            Pole::Structural => self.structural,
        }
    }
}

/// Whether a token is a word (`\w+`) or a run of punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Punct,
}

/// One token: its byte span in the original text and its normalised form
/// (a range into the analysis' shared `norm` buffer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: u32,
    pub end: u32,
    pub norm_start: u32,
    pub norm_end: u32,
    pub kind: TokenKind,
    pub sentence: u32,
    pub paragraph: u32,
}

/// How a lexicon entry matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchKind {
    Stem,
    Exact,
    Wildcard,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Stem => "stem",
            MatchKind::Exact => "exact",
            MatchKind::Wildcard => "wildcard",
        }
    }
}

/// Whether the author uses a framing or holds it at a distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stance {
    /// Used in the author's own voice: counted in rates, share and balance.
    Endorsed,
    /// Under a negator: "not lazy", "isn't about personal responsibility".
    Negated,
    /// Quoted, after a distancing cue ("so-called", "the myth of") or in
    /// reported speech ("critics argue that ...").
    Distanced,
}

impl Stance {
    pub const ALL: [Stance; 3] = [Stance::Endorsed, Stance::Negated, Stance::Distanced];

    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Endorsed => "endorsed",
            Stance::Negated => "negated",
            Stance::Distanced => "distanced",
        }
    }

    pub fn parse(s: &str) -> Option<Stance> {
        Stance::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Whether a hit counts, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HitStatus {
    Counted,
    /// The entry requires poverty/welfare context within the window, and
    /// none was found.
    NoContext,
}

impl HitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HitStatus::Counted => "counted",
            HitStatus::NoContext => "no-context",
        }
    }
}

/// One lexicon match in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the entry in the validated lexicon.
    pub entry: u32,
    /// Word-token positions, end exclusive.
    pub word_start: u32,
    pub word_end: u32,
    /// Byte span in the original text, end exclusive.
    pub byte_start: u32,
    pub byte_end: u32,
    pub sentence: u32,
    pub paragraph: u32,
    /// The matched text exactly as it appears in the document.
    pub surface: String,
    pub stance: Stance,
    /// The rule that set the stance: `negator:not`, `quote`,
    /// `cue:so-called`, `reported:argue`; empty when endorsed.
    pub stance_rule: String,
    pub status: HitStatus,
}

/// A document's counts by category and its measures: what the documents
/// table reports and trends sum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocScore {
    /// Per category, in lexicon order: counted endorsed, negated and
    /// distanced hits, hits rejected for lack of context, then sentences
    /// with at least one endorsed, counted hit (the coded unit).
    pub categories: Vec<[u64; 5]>,
    /// Counted hits of every stance and category.
    pub counted: u64,
    /// Endorsed hits per 10,000 word tokens, per category.
    pub rates: Vec<Option<f64>>,
    /// Behavioural share and balance of the endorsed hits.
    pub share: Option<f64>,
    pub balance: Option<f64>,
    /// Behavioural share of the sentences with endorsed framing:
    /// B / (B + S) over sentences, a sentence with both counting on each side.
    pub sentence_share: Option<f64>,
}

/// The columns of [`DocScore::categories`]: endorsed hits (counted in
/// rates, share and balance), the hits set aside, and the sentences with
/// endorsed framing.
pub const SCORE_KINDS: [&str; 5] = ["hits", "negated", "distanced", "no_context", "sentences"];

/// Where the hit kinds of [`SCORE_KINDS`] end (the rest count sentences).
pub const HIT_KINDS: usize = 4;

/// A document after tagging: its counts and hits, without its text.
#[derive(Debug, Clone)]
pub struct DocResult {
    pub meta: DocMeta,
    pub bytes: u64,
    pub words: u64,
    pub sentences: u64,
    /// Counted hits per sub-frame and stance: `[subframe][stance]`, stance
    /// in the order of [`Stance::ALL`]. Only endorsed hits enter rates.
    pub subframe_hits: Vec<[u64; 3]>,
    /// Hits rejected for lack of context, per sub-frame.
    pub no_context: Vec<u64>,
    /// Counts by category and measures, from the two above.
    pub score: DocScore,
    pub hits: Vec<Hit>,
    /// Byte offset where each page starts (paged formats: PDF); empty
    /// otherwise. A hit's page is the last start at or before it.
    pub page_starts: Vec<u32>,
    /// Things a user should know about how the text was read (e.g. a
    /// legacy encoding was guessed).
    pub warnings: Vec<String>,
    /// 1-based pages whose text came from OCR.
    pub ocr_pages: Vec<u32>,
    /// Mean OCR word confidence (0–100) over those pages.
    pub ocr_confidence: Option<f64>,
    /// With a trained model (`run --measure model|both`): every sentence
    /// as the model labels it, in order; empty otherwise.
    pub labels: Vec<SentenceLabel>,
    /// Per model framing: sentences labelled endorsed, and distanced.
    pub model: Vec<[u64; 2]>,
}

/// One sentence as the trained classifier labels it.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceLabel {
    /// Index of the sentence in the document (0-based, as hits count).
    pub sentence: u32,
    /// Byte span in the original text, end exclusive.
    pub byte_start: u32,
    pub byte_end: u32,
    /// The sentence's text, runs of white space as one space; `None` when
    /// `run --sentence-text` leaves it out.
    pub text: Option<String>,
    /// Per model framing: the label (index into none, endorsed,
    /// distanced), the probability of endorsed, and the features that
    /// weighed most towards the label (empty when it is none). Inline
    /// for up to two framings, so that reading a document's labels walks
    /// one array instead of following a pointer per sentence.
    pub framings: SentenceFramings,
}

/// [`SentenceLabel::framings`].
pub type SentenceFramings = smallvec::SmallVec<[(u8, f64, String); 2]>;

/// Each of `framings` framings' endorsed and distanced sentences among
/// `labels`: a document's [`DocResult::model`].
pub fn label_counts(labels: &[SentenceLabel], framings: usize) -> Vec<[u64; 2]> {
    let mut counts = vec![[0; 2]; framings];
    for l in labels {
        for (m, (class, _, _)) in counts.iter_mut().zip(&l.framings) {
            match class {
                1 => m[0] += 1,
                2 => m[1] += 1,
                _ => {}
            }
        }
    }
    counts
}

impl DocResult {
    /// The 1-based page a byte offset falls on, for paged documents.
    pub fn page_of(&self, byte: u32) -> Option<u32> {
        page_of(&self.page_starts, byte)
    }

    /// Whether a byte offset falls on a page read by OCR.
    pub fn on_ocr_page(&self, byte: u32) -> bool {
        self.page_of(byte)
            .is_some_and(|p| self.ocr_pages.binary_search(&p).is_ok())
    }
}

/// The 1-based page holding `byte`, given each page's start offset.
pub fn page_of(page_starts: &[u32], byte: u32) -> Option<u32> {
    if page_starts.is_empty() {
        return None;
    }
    Some(page_starts.partition_point(|&s| s <= byte).max(1) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_counts_are_endorsed_and_distanced_per_framing() {
        let label = |classes: &[u8]| SentenceLabel {
            sentence: 0,
            byte_start: 0,
            byte_end: 1,
            text: None,
            framings: classes.iter().map(|&c| (c, 0.5, String::new())).collect(),
        };
        let labels = [
            label(&[1, 0]),
            label(&[2, 1]),
            label(&[1, 1]),
            label(&[2, 0]),
        ];
        assert_eq!(label_counts(&labels, 2), vec![[2, 2], [2, 0]]);
        // No model: no framings, nothing counted.
        assert_eq!(label_counts(&[], 0), Vec::<[u64; 2]>::new());
        assert_eq!(label_counts(&[], 2), vec![[0, 0]; 2]);
    }
}
