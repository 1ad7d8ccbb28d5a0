//! Duplicate documents: syndicated wire copy printed by many outlets
//! inflates media trends. Two modes, both order-dependent by design (the
//! first document in input order is kept, later copies are dropped):
//!
//! - **exact**: SHA-256 of the normalised text (lower-cased, every run of
//!   non-alphanumeric characters one space) — formatting, punctuation and
//!   case differences do not count.
//! - **near**: MinHash over word 5-shingles of the normalised text (128
//!   hash functions, banded 32 × 4 for candidate lookup); a document is a
//!   near duplicate of an earlier one when their estimated Jaccard
//!   similarity is at least the threshold (default 0.8). Texts of fewer
//!   than 5 words are compared as one shingle, i.e. exactly.
//!
//! Pure: no I/O, no threads. Memory: 32 bytes per document (exact) or
//! about 0.8 KB (near), for the documents kept.

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

/// How duplicates are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Exact,
    Near,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Exact => "exact",
            Mode::Near => "near",
        }
    }
}

pub const DEFAULT_THRESHOLD: f64 = 0.8;
const SHINGLE: usize = 5;
const HASHES: usize = 128;
const BANDS: usize = 32;
const ROWS: usize = HASHES / BANDS;

/// What a worker computes from one text.
#[derive(Debug, Clone)]
pub enum Fingerprint {
    Exact([u8; 32]),
    Near(Box<[u32; HASHES]>),
}

/// Lower-case words of a text (runs of alphanumeric characters).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

fn mix(mut x: u64) -> u64 {
    // splitmix64 finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

fn hash_str(s: &str) -> u64 {
    // FNV-1a, then mixed: stable across platforms and releases.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    mix(h)
}

/// The fingerprint of a text for a mode.
pub fn fingerprint(text: &str, mode: Mode) -> Fingerprint {
    match mode {
        Mode::Exact => {
            let mut h = Sha256::new();
            for (i, w) in words(text).enumerate() {
                if i > 0 {
                    h.update(b" ");
                }
                h.update(w.as_bytes());
            }
            Fingerprint::Exact(h.finalize().into())
        }
        Mode::Near => {
            let ws: Vec<u64> = words(text).map(|w| hash_str(&w)).collect();
            let mut sig = Box::new([u32::MAX; HASHES]);
            let mut add = |shingle: u64| {
                for (i, slot) in sig.iter_mut().enumerate() {
                    let h = mix(shingle ^ (i as u64).wrapping_mul(0x9e3779b97f4a7c15)) as u32;
                    if h < *slot {
                        *slot = h;
                    }
                }
            };
            if ws.len() < SHINGLE {
                add(ws.iter().fold(0x51u64, |a, &w| mix(a ^ w)));
            } else {
                for win in ws.windows(SHINGLE) {
                    add(win.iter().fold(0x51u64, |a, &w| mix(a.rotate_left(7) ^ w)));
                }
            }
            Fingerprint::Near(sig)
        }
    }
}

/// Estimated Jaccard similarity of two signatures.
fn similarity(a: &[u32; HASHES], b: &[u32; HASHES]) -> f64 {
    a.iter().zip(b.iter()).filter(|(x, y)| x == y).count() as f64 / HASHES as f64
}

/// The documents kept so far, to check later ones against.
#[derive(Default)]
pub struct Index {
    threshold: f64,
    exact: FxHashMap<[u8; 32], usize>,
    signatures: Vec<[u32; HASHES]>,
    bands: FxHashMap<(u8, u64), Vec<u32>>,
    /// Ids of the documents kept, by the number the index gave them.
    ids: Vec<String>,
}

/// A dropped document's original.
#[derive(Debug, Clone, PartialEq)]
pub struct Original {
    pub doc_id: String,
    /// 1.0 for exact duplicates; the estimated Jaccard similarity otherwise.
    pub similarity: f64,
}

impl Index {
    pub fn new(threshold: f64) -> Index {
        Index {
            threshold,
            ..Index::default()
        }
    }

    /// If the document duplicates one kept earlier, that one; otherwise
    /// the document is kept (remembered) and `None` returned.
    pub fn check(&mut self, doc_id: &str, fp: &Fingerprint) -> Option<Original> {
        match fp {
            Fingerprint::Exact(h) => {
                if let Some(&i) = self.exact.get(h) {
                    return Some(Original {
                        doc_id: self.ids[i].clone(),
                        similarity: 1.0,
                    });
                }
                self.exact.insert(*h, self.ids.len());
            }
            Fingerprint::Near(sig) => {
                let keys: Vec<(u8, u64)> = sig
                    .chunks(ROWS)
                    .enumerate()
                    .map(|(b, rows)| (b as u8, rows.iter().fold(0u64, |a, &r| mix(a ^ r as u64))))
                    .collect();
                let mut best: Option<(f64, u32)> = None;
                for k in &keys {
                    for &cand in self.bands.get(k).into_iter().flatten() {
                        let s = similarity(sig, &self.signatures[cand as usize]);
                        // Highest similarity wins; ties go to the earliest.
                        if s >= self.threshold
                            && best.is_none_or(|(bs, bc)| s > bs || (s == bs && cand < bc))
                        {
                            best = Some((s, cand));
                        }
                    }
                }
                if let Some((s, i)) = best {
                    return Some(Original {
                        doc_id: self.ids[i as usize].clone(),
                        similarity: s,
                    });
                }
                let n = self.signatures.len() as u32;
                for k in keys {
                    let v = self.bands.entry(k).or_default();
                    if !v.contains(&n) {
                        v.push(n);
                    }
                }
                self.signatures.push(**sig);
            }
        }
        self.ids.push(doc_id.to_string());
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIRE: &str = "LONDON (Wire) - Benefit cuts and rising rents have pushed another 200,000 families into poverty, a report by the Resolution Foundation said on Tuesday, warning that low pay and insecure work leave working households short every month.";

    #[test]
    fn exact_ignores_case_spacing_and_punctuation() {
        let mut idx = Index::new(DEFAULT_THRESHOLD);
        let a = fingerprint(WIRE, Mode::Exact);
        let b = fingerprint(&WIRE.to_uppercase().replace(", ", " ,  "), Mode::Exact);
        let c = fingerprint(&WIRE.replace("Tuesday", "Wednesday"), Mode::Exact);
        assert_eq!(idx.check("a", &a), None);
        assert_eq!(idx.check("b", &b).unwrap().doc_id, "a");
        assert_eq!(idx.check("c", &c), None);
    }

    #[test]
    fn near_catches_light_edits_not_different_stories() {
        let mut idx = Index::new(DEFAULT_THRESHOLD);
        let edited = WIRE.replace("LONDON (Wire) - ", "London - ");
        let other = "Ministers said on Tuesday that welfare dependency and a lack of aspiration, not cuts, explain why some families stay poor despite record employment across the country.";
        assert_eq!(idx.check("orig", &fingerprint(WIRE, Mode::Near)), None);
        let dup = idx
            .check("copy", &fingerprint(&edited, Mode::Near))
            .unwrap();
        assert_eq!(dup.doc_id, "orig");
        assert!(
            dup.similarity >= 0.8 && dup.similarity < 1.0,
            "{}",
            dup.similarity
        );
        assert_eq!(idx.check("other", &fingerprint(other, Mode::Near)), None);
        // A copy of the copy still points at the first document kept.
        assert_eq!(
            idx.check("copy2", &fingerprint(WIRE, Mode::Near))
                .unwrap()
                .doc_id,
            "orig"
        );
    }

    #[test]
    fn short_texts_compare_whole() {
        let mut idx = Index::new(DEFAULT_THRESHOLD);
        assert_eq!(idx.check("a", &fingerprint("Cuts bite.", Mode::Near)), None);
        assert_eq!(
            idx.check("b", &fingerprint("cuts BITE", Mode::Near))
                .unwrap()
                .doc_id,
            "a"
        );
        assert_eq!(idx.check("c", &fingerprint("Cuts hurt.", Mode::Near)), None);
    }
}
