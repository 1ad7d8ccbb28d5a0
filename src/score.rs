//! Per-document and per-group measures: rates per 10,000 word tokens,
//! behavioural share B/(B+S) and balance (B−S)/(B+S). One definition,
//! used for documents and for trends alike.

use crate::lexicon::Lexicon;
use crate::model::{DocScore, Stance};

/// Hits per 10,000 word tokens; `None` when there are no tokens.
pub fn rate(hits: u64, tokens: u64) -> Option<f64> {
    (tokens > 0).then(|| hits as f64 * 10_000.0 / tokens as f64)
}

/// Behavioural share B/(B+S); `None` where B+S = 0.
pub fn share(b: u64, s: u64) -> Option<f64> {
    (b + s > 0).then(|| b as f64 / (b + s) as f64)
}

/// Balance (B−S)/(B+S), from −1 (all structural) to +1 (all behavioural).
pub fn balance(b: u64, s: u64) -> Option<f64> {
    (b + s > 0).then(|| (b as f64 - s as f64) / (b + s) as f64)
}

/// Sum sub-frame counts of one stance into category counts.
pub fn category_counts(lexicon: &Lexicon, subframe_hits: &[[u64; 3]], stance: Stance) -> Vec<u64> {
    lexicon
        .categories
        .iter()
        .map(|c| {
            subframe_hits[c.subframes.clone()]
                .iter()
                .map(|s| s[stance as usize])
                .sum()
        })
        .collect()
}

/// Sum per-sub-frame counts into category counts.
pub fn category_totals(lexicon: &Lexicon, per_subframe: &[u64]) -> Vec<u64> {
    lexicon
        .categories
        .iter()
        .map(|c| per_subframe[c.subframes.clone()].iter().sum())
        .collect()
}

/// Per category, the sentences holding at least one endorsed, counted hit
/// of it: the unit hand coding uses.
pub fn framed_sentences(lexicon: &Lexicon, hits: &[crate::model::Hit]) -> Vec<u64> {
    let mut seen: Vec<(usize, u32)> = hits
        .iter()
        .filter(|h| h.stance == Stance::Endorsed && h.status == crate::model::HitStatus::Counted)
        .map(|h| {
            let sub = lexicon.entries[h.entry as usize].subframe;
            (lexicon.subframes[sub].category, h.sentence)
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let mut out = vec![0; lexicon.categories.len()];
    for (c, _) in seen {
        out[c] += 1;
    }
    out
}

/// Score one document from its per-sub-frame counts and framed sentences.
pub fn score_doc(
    lexicon: &Lexicon,
    subframe_hits: &[[u64; 3]],
    no_context: &[u64],
    sentences: &[u64],
    words: u64,
) -> DocScore {
    let [e, n, d] = Stance::ALL.map(|st| category_counts(lexicon, subframe_hits, st));
    let x = category_totals(lexicon, no_context);
    let categories: Vec<[u64; 5]> = (0..lexicon.categories.len())
        .map(|c| [e[c], n[c], d[c], x[c], sentences[c]])
        .collect();
    // Without poles there is nothing to compare: no share or balance.
    let poles = lexicon.poles().map(|p| (p.behavioural, p.structural));
    let pair = |v: &[u64], f: fn(u64, u64) -> Option<f64>| poles.and_then(|(b, s)| f(v[b], v[s]));
    DocScore {
        counted: subframe_hits.iter().flatten().sum(),
        rates: e.iter().map(|&h| rate(h, words)).collect(),
        share: pair(&e, share),
        balance: pair(&e, balance),
        sentence_share: pair(sentences, share),
        categories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures() {
        assert_eq!(rate(3, 20_000), Some(1.5));
        assert_eq!(rate(3, 0), None);
        assert_eq!(share(3, 1), Some(0.75));
        assert_eq!(balance(3, 1), Some(0.5));
        assert_eq!(balance(0, 2), Some(-1.0));
        assert_eq!(share(0, 0), None);
        assert_eq!(balance(0, 0), None);
    }

    /// A sentence counts once per category however many endorsed hits it
    /// holds; negated, distanced and rejected hits do not frame it.
    #[test]
    fn framed_sentences_count_sentences_not_hits() {
        let (lex, analyzer) = Lexicon::load(None).unwrap();
        let tagger = crate::tagger::Tagger::new(lex, analyzer);
        let text = "Welfare dependency and the benefit culture trap families. \
                    Low pay keeps families poor. They are not scroungers. \
                    Low pay and zero-hours contracts keep families in poverty.";
        let r = tagger.tag_text(
            text,
            crate::model::DocMeta::bare("d", "d", crate::model::Origin::Embedded("")),
        );
        let poles = tagger.lexicon.poles().unwrap();
        let framed = framed_sentences(&tagger.lexicon, &r.hits);
        assert_eq!(framed[poles.behavioural], 1, "{:?}", r.hits);
        assert_eq!(framed[poles.structural], 2);
        assert_eq!(r.score.sentence_share, Some(1.0 / 3.0));
        assert_eq!(r.score.categories[poles.behavioural][4], 1);
    }
}
