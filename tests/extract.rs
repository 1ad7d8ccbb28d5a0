//! `framewatch extract`: the text the pipeline reads, as text with page
//! markers, as JSON Lines, or one file per document; and, when
//! `../shared/realdocs` and Tesseract are present, scans read by OCR.

use crate::need_shared;
use crate::util::{self, csv_rows, fixtures, framewatch, golden, read, tempdir};
use serde_json::Value;
use std::collections::BTreeMap;

fn jsonl(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn extract_prints_each_document_with_pdf_page_markers() {
    let r = framewatch(&fixtures(), &["extract", "mixed", "-q"]).ok();
    golden("extract/mixed.txt", &r.stdout);
    assert!(r.stdout.contains("==> policy-paper <==\n--- page 1 ---\n"));
    assert!(r.stdout.contains("\n--- page 2 ---\n"));
    // Skipped documents are named on stderr, as by `run`.
    assert!(
        r.stderr
            .contains("mixed/locked-briefing.pdf: skipped: encrypted-pdf:"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("mixed/scanned-leaflet.pdf: skipped: no-text-layer")
    );
}

/// Extract reads through the pipeline: every document `run` counts is
/// extracted with the same number of bytes, and page offsets cut the
/// text where the pages start.
#[test]
fn extract_jsonl_is_the_text_run_tags() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    framewatch(&fixtures(), &["run", "mixed", "--format", "csv", "-o", o]).ok();
    let docs: BTreeMap<String, String> = csv_rows(&out.join("documents.csv"))
        .into_iter()
        .map(|r| (r["doc_id"].clone(), r["bytes"].clone()))
        .collect();
    let r = framewatch(
        &fixtures(),
        &["extract", "mixed", "--format", "jsonl", "-q"],
    )
    .ok();
    let rows = jsonl(&r.stdout);
    let (read, skipped): (Vec<&Value>, Vec<&Value>) =
        rows.iter().partition(|v| v.get("skipped").is_none());
    assert_eq!(read.len(), docs.len());
    assert_eq!(skipped.len(), 8);
    for v in &read {
        let id = v["doc_id"].as_str().unwrap();
        let text = v["text"].as_str().unwrap();
        assert_eq!(docs[id], text.len().to_string(), "{id}");
        assert_eq!(v["bytes"].as_u64().unwrap() as usize, text.len());
    }
    let paper = read.iter().find(|v| v["doc_id"] == "policy-paper").unwrap();
    let pages = paper["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0]["start"], 0);
    assert_eq!(pages[0]["end"], pages[1]["start"]);
    assert_eq!(
        pages[1]["end"].as_u64().unwrap() as usize,
        paper["text"].as_str().unwrap().len()
    );
    assert_eq!(paper["ocr_pages"], serde_json::json!([]));
    assert_eq!(paper["format"], "pdf");
    let letter = read
        .iter()
        .find(|v| v["doc_id"] == "letter-1998-02-14")
        .unwrap();
    assert!(
        letter["warnings"][0]
            .as_str()
            .unwrap()
            .contains("windows-1252"),
        "{letter}"
    );
    assert_eq!(letter["date"], "1998-02-14");
    let bad = skipped
        .iter()
        .find(|v| v["path"] == "mixed/truncated-report.pdf")
        .unwrap();
    assert_eq!(bad["skipped"], "corrupt-pdf");
    // The same for any number of threads.
    let one = framewatch(
        &fixtures(),
        &["extract", "mixed", "--format", "jsonl", "-q", "-j", "1"],
    )
    .ok();
    assert_eq!(one.stdout, r.stdout);
}

#[test]
fn extract_writes_one_file_per_document_into_a_folder() {
    let tmp = tempdir();
    let out = tmp.path().join("texts");
    let o = out.to_str().unwrap();
    framewatch(&fixtures(), &["extract", "mixed", "-q", "-o", o]).ok();
    let paper = read(&out.join("policy-paper.txt"));
    assert!(paper.starts_with("--- page 1 ---\n"), "{paper}");
    assert!(out.join("news-export#n-101.txt").is_file());
    let n = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("txt".as_ref()))
        .count();
    assert_eq!(n, 18);
    // Written by framewatch: replaced on the next run, JSON Lines now.
    framewatch(
        &fixtures(),
        &["extract", "mixed", "-q", "-o", o, "--format", "jsonl"],
    )
    .ok();
    assert!(!out.join("policy-paper.txt").exists());
    assert_eq!(jsonl(&read(&out.join("extract.jsonl"))).len(), 26);
    // A folder framewatch did not write is refused.
    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
    let r = framewatch(
        &fixtures(),
        &["extract", "mixed", "-q", "-o", mine.to_str().unwrap()],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(read(&mine.join("notes.txt")), "keep me");
}

#[test]
fn extract_refuses_a_bad_ocr_language() {
    let r = framewatch(&fixtures(), &["extract", "mixed", "--ocr-lang", "eng;rm"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--ocr-lang \"eng;rm\""), "{}", r.stderr);
}

// ------------------------------------------------------------ OCR

/// Tesseract and pdftoppm, or a printed reason to skip.
fn ocr_tools() -> bool {
    match framewatch::ingest::ocr::available("eng") {
        Ok(()) => true,
        Err(why) => {
            eprintln!("skipped: {why}");
            false
        }
    }
}

fn realdocs_pdf(name: &str) -> Option<std::path::PathBuf> {
    let p = util::shared()?.join("realdocs/pdf").join(name);
    p.is_file().then_some(p)
}

/// Issue 17: a scanned page without a text layer is read by OCR and
/// marked in the documents and hits tables.
#[test]
fn a_scan_is_read_by_ocr_and_marked() {
    let _ = need_shared!();
    let Some(scan) = realdocs_pdf("c02-22.pdf") else {
        eprintln!("skipped: ../shared/realdocs/pdf/c02-22.pdf is absent");
        return;
    };
    if !ocr_tools() {
        return;
    }
    let tmp = tempdir();
    let out = tmp.path().join("out");
    // Words of the scanned page, so that its hits can be checked.
    let lexicon = tmp.path().join("scene.toml");
    std::fs::write(
        &lexicon,
        "[lexicon]\nname = \"scene\"\nversion = \"1\"\nlanguage = \"english\"\n\n\
         [categories.behavioural.house]\nentries = [\"kitchen\"]\n\n\
         [categories.structural.outside]\nentries = [\"garden\"]\n",
    )
    .unwrap();
    framewatch(
        tmp.path(),
        &[
            "run",
            scan.to_str().unwrap(),
            "-l",
            lexicon.to_str().unwrap(),
            "--format",
            "csv",
            "-o",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    let docs = csv_rows(&out.join("documents.csv"));
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["page_count"], "1");
    assert_eq!(docs[0]["ocr_pages"], "1");
    let confidence: f64 = docs[0]["ocr_confidence"].parse().unwrap();
    eprintln!("c02-22: ocr_pages 1, mean confidence {confidence:.1}");
    assert!(confidence > 70.0, "{confidence}");
    let hits = csv_rows(&out.join("hits.csv"));
    assert!(hits.len() >= 2, "{hits:?}");
    assert!(hits.iter().all(|h| h["ocr"] == "true" && h["page"] == "1"));
    // Without OCR the page has no text.
    let r = framewatch(
        tmp.path(),
        &["extract", scan.to_str().unwrap(), "--ocr", "never"],
    );
    assert!(r.stderr.contains("skipped: no-text-layer"), "{}", r.stderr);
    let r = framewatch(tmp.path(), &["extract", scan.to_str().unwrap()]).ok();
    assert!(r.stdout.contains("--- page 1 (ocr) ---\n"), "{}", r.stdout);
}

/// Issue 17: a PDF whose OCR layer is garbage is recognised again, and
/// its text reads as English.
#[test]
fn a_garbage_text_layer_is_recognised_again() {
    let _ = need_shared!();
    let Some(pdf) = realdocs_pdf("pdf-with-ocr-text.pdf") else {
        eprintln!("skipped: ../shared/realdocs/pdf/pdf-with-ocr-text.pdf is absent");
        return;
    };
    if !ocr_tools() {
        return;
    }
    let tmp = tempdir();
    let p = pdf.to_str().unwrap();
    let layer = framewatch(tmp.path(), &["extract", p, "--ocr", "never", "-q"]).ok();
    let r = framewatch(tmp.path(), &["extract", p, "--format", "jsonl", "-q"]).ok();
    let v = &jsonl(&r.stdout)[0];
    assert_eq!(v["ocr_pages"], serde_json::json!([1]));
    let text = v["text"].as_str().unwrap();
    let before = framewatch::ingest::ocr::quality(&layer.stdout);
    let after = framewatch::ingest::ocr::quality(text);
    eprintln!("garbage layer {before:?}\nre-recognised {after:?}");
    assert!(framewatch::ingest::ocr::needs_ocr(&layer.stdout).is_some());
    assert_eq!(framewatch::ingest::ocr::needs_ocr(text), None);
    assert!(after.clean > 0.8 && after.function > 0.15, "{after:?}");
}

/// Without Tesseract, a scan is skipped with the install command and the
/// batch goes on.
#[test]
fn without_tesseract_a_scan_is_skipped_with_the_install_command() {
    let empty = tempdir();
    let r = crate::util::framewatch_env(
        &fixtures(),
        &["extract", "mixed", "--format", "jsonl"],
        &[("PATH", empty.path().to_str().unwrap())],
    )
    .ok();
    assert!(
        r.stderr.contains(
            "mixed/scanned-leaflet.pdf: skipped: no-text-layer: no text layer in 1 page: probably scanned images; OCR is unavailable: Tesseract is not installed (install it: `apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils`)"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("18 documents extracted, 8 skipped"),
        "{}",
        r.stderr
    );
    // `--ocr force` cannot do what it is asked: refused before reading.
    let r = crate::util::framewatch_env(
        &fixtures(),
        &["extract", "mixed", "--ocr", "force"],
        &[("PATH", empty.path().to_str().unwrap())],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--ocr force: Tesseract is not installed"),
        "{}",
        r.stderr
    );
}
