//! Issue 15: every command reads documents through the one pipeline,
//! with the reading options of its flags or of the run it names; run
//! folders are recognised where documents are expected; files that share
//! a stem are two documents.

use crate::util::{csv_rows, fixtures, framewatch, read, tempdir};
use std::path::Path;

/// A CSV corpus whose text is in `body`, with a near copy of one story.
fn csv_corpus(dir: &Path) {
    let story = "Ministers said the cuts to benefits would end welfare dependency, \
        but charities blamed low pay, zero-hours contracts and the cost of living \
        for the rise in poverty among working families across the north of England \
        this winter, as food banks reported record demand and councils warned of \
        further austerity in social care budgets next year";
    let mut csv = String::from("id,date,source,body\n");
    csv.push_str(&format!("1,2019-03-01,Herald,\"{story}.\"\n"));
    csv.push_str("2,2019-04-02,Courier,\"Scroungers, the headline said; critics argue that low pay is a choice. Austerity bit hard.\"\n");
    // A syndicated copy of row 1 with its last word changed.
    csv.push_str(&format!(
        "3,2019-03-02,Gazette,\"{}.\"\n",
        story.replace("next year", "next spring")
    ));
    csv.push_str("4,2020-01-05,Herald,\"The so-called scroungers myth hides benefit cuts and insecure work.\"\n");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("news.csv"), csv).unwrap();
}

/// `(doc_id, byte_start, byte_end)` of each row, in order.
fn spans(rows: &[std::collections::BTreeMap<String, String>]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["doc_id"].clone(),
                r["byte_start"].clone(),
                r["byte_end"].clone(),
            )
        })
        .collect()
}

#[test]
fn regression_15_kwic_of_a_run_prints_exactly_its_hits() {
    let tmp = tempdir();
    csv_corpus(&tmp.path().join("kt"));
    let r = framewatch(
        tmp.path(),
        &[
            "run",
            "kt",
            "--text-col",
            "body",
            "--dedupe",
            "near",
            "--format",
            "csv",
            "-o",
            "run",
        ],
    )
    .ok();
    assert!(
        r.stderr
            .contains("3 documents read, 1 skipped (near-duplicate 1)"),
        "{}",
        r.stderr
    );
    let hits = csv_rows(&tmp.path().join("run/hits.csv"));
    assert!(hits.len() > 10, "{hits:?}");
    assert!(
        hits.iter().all(|h| h["doc_id"] != "news#3"),
        "the copy is dropped"
    );

    // Every hit: all categories, the context category, rejected hits.
    let all = [
        "--rejected",
        "-c",
        "behavioural",
        "-c",
        "structural",
        "-c",
        "context",
    ];
    let kwic = |first: &[&str]| {
        let mut args = vec!["kwic"];
        args.extend_from_slice(first);
        args.extend_from_slice(&all);
        args.extend_from_slice(&["--format", "csv", "-o", "lines.csv"]);
        let r = framewatch(tmp.path(), &args).ok();
        // The run's reading: the text column, and the copy dropped again.
        let skips: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.contains(": skipped: "))
            .collect();
        assert_eq!(skips.len(), 1, "{}", r.stderr);
        assert!(
            skips[0].starts_with("kt/news.csv: skipped: near-duplicate: near copy of \"news#1\"")
        );
        assert!(
            r.stderr
                .contains(&format!("{n} of {n} concordance lines", n = hits.len())),
            "{}",
            r.stderr
        );
        csv_rows(&tmp.path().join("lines.csv"))
    };
    let lines = kwic(&["--run", "run"]);
    assert_eq!(spans(&lines), spans(&hits));
    // The run folder given as the input is `--run`.
    let lines = kwic(&["run"]);
    assert_eq!(spans(&lines), spans(&hits));

    // With --run, the reading options are the run's.
    let r = framewatch(
        tmp.path(),
        &["kwic", "--run", "run", "--text-col", "headline"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = framewatch(tmp.path(), &["kwic", "run", "--text-col", "headline"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("reading flags do not apply"),
        "{}",
        r.stderr
    );
    // Without it, from the flags: the same lines.
    let r = framewatch(
        tmp.path(),
        &[
            "kwic",
            "kt",
            "--text-col",
            "body",
            "--dedupe",
            "near",
            "--rejected",
        ],
    )
    .ok();
    let text_lines = r.stdout.lines().count();
    let counted_or_rejected = hits.iter().filter(|h| h["category"] != "context").count();
    assert_eq!(text_lines, counted_or_rejected, "{}", r.stdout);
}

#[test]
fn regression_15_run_folders_are_not_documents() {
    let tmp = tempdir();
    csv_corpus(&tmp.path().join("kt"));
    framewatch(
        tmp.path(),
        &["run", "kt", "--text-col", "body", "-o", "run", "-q"],
    )
    .ok();
    for args in [
        vec!["run", "run", "-o", "again"],
        vec!["tag", "run"],
        vec!["tag", "kt", "run"],
        vec!["audit", "run"],
        vec!["kwic", "kt", "run"],
        vec!["lexicon", "expand", "-", "run"],
    ] {
        let r = framewatch(tmp.path(), &args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(
                "run: a folder written by `framewatch run` (its outputs), not documents to read"
            ),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("framewatch kwic run"), "{}", r.stderr);
        assert!(!tmp.path().join("again").exists());
    }
}

#[test]
fn regression_15_same_stem_files_are_two_documents() {
    let tmp = tempdir();
    let dir = tmp.path().join("essays");
    std::fs::create_dir_all(&dir).unwrap();
    let mixed = fixtures().join("mixed");
    std::fs::copy(
        mixed.join("consultation-response.docx"),
        dir.join("essay.docx"),
    )
    .unwrap();
    std::fs::copy(mixed.join("policy-paper.pdf"), dir.join("essay.pdf")).unwrap();
    std::fs::write(dir.join("notes.txt"), "Low pay and benefit cuts.").unwrap();
    // Not a format framewatch reads: no collision with it.
    std::fs::write(dir.join("notes.jpg"), "not an image").unwrap();
    let r = framewatch(
        tmp.path(),
        &["run", "essays", "--format", "csv", "-o", "out"],
    )
    .ok();
    assert!(
        r.stderr
            .contains("3 documents read, 1 skipped (unsupported-format 1)"),
        "{}",
        r.stderr
    );
    let ids: Vec<String> = csv_rows(&tmp.path().join("out/documents.csv"))
        .iter()
        .map(|d| d["doc_id"].clone())
        .collect();
    assert_eq!(ids, ["essay.docx", "essay.pdf", "notes"]);
    // The same as files given one by one.
    let r = framewatch(
        &dir,
        &[
            "tag",
            "essay.docx",
            "essay.pdf",
            "notes.txt",
            "--format",
            "jsonl",
        ],
    )
    .ok();
    let ids: Vec<String> = r
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["doc_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["essay.docx", "essay.pdf", "notes"]);
    let _ = read;
}
