//! The analysis chain put together: one text → tokens → hits with
//! stance and context → counts and scores. Each worker thread keeps its
//! own scratch buffers (analysis and matching), tagged with the tagger
//! they belong to. No threads start here; see [`crate::pipeline`].

use crate::analyze::{Analysis, Analyzer};
use crate::lexicon::Lexicon;
use crate::matcher::{Matcher, Scratch};
use crate::model::{DocMeta, DocResult, Hit, HitStatus};
use crate::score;
use crate::stance::Annotator;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Token capacity a worker keeps between documents (about 30 MB).
const SCRATCH_TOKENS_KEPT: usize = 1 << 20;

/// A document in the worker that tagged it, with everything a command
/// may want to look at before its text and analysis are dropped.
pub struct View<'a> {
    /// As read: the format's own metadata merged in.
    pub meta: &'a DocMeta,
    pub text: &'a str,
    pub page_starts: &'a [u32],
    pub analysis: &'a Analysis,
    pub scratch: &'a Scratch,
    pub hits: &'a [Hit],
}

/// A lexicon with the analyzer it was compiled by and its matcher.
pub struct Tagger {
    pub lexicon: Lexicon,
    pub analyzer: Analyzer,
    pub matcher: Matcher,
    id: u64,
}

static NEXT_TAGGER: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Per-worker scratch, tagged with the id of the tagger it belongs to.
    static SCRATCH: RefCell<(u64, Analysis, Scratch)> = RefCell::new((0, Analysis::default(), Scratch::default()));
}

impl Tagger {
    pub fn new(lexicon: Lexicon, analyzer: Analyzer) -> Tagger {
        let matcher = Matcher::new(&lexicon);
        Tagger {
            lexicon,
            analyzer,
            matcher,
            id: NEXT_TAGGER.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Analyse and match one text: (analysis summary, hits, sub-frame counts).
    pub fn tag_text(&self, text: &str, meta: DocMeta) -> DocResult {
        match self.tag_limited(text, &[], meta, u64::MAX, &|_: &View<'_>| ()) {
            Ok((result, ())) => result,
            Err(_) => unreachable!("no text has more than u64::MAX tokens"),
        }
    }

    /// [`Tagger::tag_text`] and what `inspect` makes of the document, or
    /// the number of tokens if over `max_tokens` (the text is analysed
    /// but not matched).
    pub(crate) fn tag_limited<X: Send, I: Fn(&View<'_>) -> X + Sync>(
        &self,
        text: &str,
        page_starts: &[u32],
        meta: DocMeta,
        max_tokens: u64,
        inspect: &I,
    ) -> std::result::Result<(DocResult, X), usize> {
        let (words, sentences, hits, out) = SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let (id, analysis, scratch) = &mut *guard;
            if *id != self.id {
                *id = self.id;
                *scratch = Scratch::default();
            }
            self.analyzer.analyze(text, analysis);
            let n = analysis.tokens.len();
            let result = if n as u64 > max_tokens {
                Err(n)
            } else {
                Ok(
                    self.match_analysed(text, analysis, scratch, |a, scratch, hits| {
                        let out = inspect(&View {
                            meta: &meta,
                            text,
                            page_starts,
                            analysis: a,
                            scratch,
                            hits: &hits,
                        });
                        (a.word_count() as u64, a.sentences as u64, hits, out)
                    }),
                )
            };
            // A rare huge document must not pin its buffers for the rest
            // of the run.
            if analysis.tokens.capacity() > SCRATCH_TOKENS_KEPT {
                *analysis = Analysis::default();
                *scratch = Scratch::default();
            }
            result
        })?;
        let lexicon = &self.lexicon;
        let mut subframe_hits = vec![[0u64; 3]; lexicon.subframes.len()];
        let mut no_context = vec![0u64; lexicon.subframes.len()];
        for h in &hits {
            let sub = lexicon.entries[h.entry as usize].subframe;
            match h.status {
                HitStatus::Counted => subframe_hits[sub][h.stance as usize] += 1,
                HitStatus::NoContext => no_context[sub] += 1,
            }
        }
        let framed = score::framed_sentences(lexicon, &hits);
        let score = score::score_doc(lexicon, &subframe_hits, &no_context, &framed, words);
        let result = DocResult {
            no_context,
            meta,
            bytes: text.len() as u64,
            words,
            sentences,
            subframe_hits,
            score,
            hits,
            page_starts: Vec::new(),
            warnings: Vec::new(),
            ocr_pages: Vec::new(),
            ocr_confidence: None,
            labels: Vec::new(),
            model: Vec::new(),
        };
        Ok((result, out))
    }

    /// Analyse, match and annotate `text` with caller-owned buffers, then
    /// hand everything to `f`: for tools that look inside (explain, expand,
    /// lexicon tests).
    pub fn inspect<R>(
        &self,
        text: &str,
        analysis: &mut Analysis,
        scratch: &mut Scratch,
        f: impl FnOnce(&Analysis, &Scratch, Vec<Hit>) -> R,
    ) -> R {
        self.analyzer.analyze(text, analysis);
        self.match_analysed(text, analysis, scratch, f)
    }

    /// The rest of [`Tagger::inspect`], on an analysed text.
    fn match_analysed<R>(
        &self,
        text: &str,
        analysis: &Analysis,
        scratch: &mut Scratch,
        f: impl FnOnce(&Analysis, &Scratch, Vec<Hit>) -> R,
    ) -> R {
        let mut hits = Vec::new();
        self.matcher
            .find(&self.analyzer, text, analysis, scratch, &mut hits);
        let annotator = Annotator {
            lexicon: &self.lexicon,
            analyzer: &self.analyzer,
        };
        annotator.annotate(
            text,
            analysis,
            scratch.word_tokens(),
            scratch.candidates(),
            &mut hits,
        );
        f(analysis, scratch, hits)
    }

    /// Drop this thread's scratch (after a panic left it half-written).
    pub(crate) fn forget_scratch(&self) {
        SCRATCH.with(|cell| cell.borrow_mut().0 = 0);
    }
}
