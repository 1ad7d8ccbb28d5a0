//! Keyness, collocates and lexicon suggestions (issue 20), on small
//! corpora that state their own expectations.

use crate::util::{framewatch, golden, tempdir};
use std::path::Path;

/// Four dated speeches with a party column: the 1990s ones talk of
/// welfare reform and work, the 1960s ones of welfare and health.
fn corpus(dir: &Path) {
    let texts = [
        (
            "a",
            "1964-01-08",
            "D",
            "Health and welfare programs grow. We fund health and welfare. Peace matters.",
        ),
        (
            "b",
            "1966-01-12",
            "D",
            "Education and welfare need money. Health and welfare again. Peace and progress.",
        ),
        (
            "c",
            "1994-01-25",
            "D",
            "Welfare reform means work. We end welfare as a way of life. Welfare reform now.",
        ),
        (
            "d",
            "1996-01-23",
            "R",
            "Work over welfare. Welfare reform rewards work. Reform welfare, reward work.",
        ),
    ];
    std::fs::create_dir_all(dir.join("texts")).unwrap();
    let mut meta = String::from("doc_id,date,party,path\n");
    for (id, date, party, text) in texts {
        std::fs::write(dir.join(format!("texts/{id}.txt")), text).unwrap();
        meta += &format!("{id},{date},{party},texts/{id}.txt\n");
    }
    std::fs::write(dir.join("metadata.csv"), meta).unwrap();
}

fn run_dir(tmp: &Path) -> String {
    corpus(&tmp.join("c"));
    framewatch(tmp, &["run", "c", "--by", "decade", "-o", "run", "-q"]).ok();
    "run".into()
}

#[test]
fn keyness_ranks_a_periods_words_with_sizes_in_the_header() {
    let tmp = tempdir();
    let run = run_dir(tmp.path());
    let args = [
        "keyness",
        &run,
        "--target",
        "1990s",
        "--reference",
        "1960s",
        "--min-freq",
        "2",
        "--min-docs",
        "1",
        "--top",
        "3",
    ];
    let r = framewatch(tmp.path(), &args).ok();
    golden("cads/keyness.txt", &r.stdout);
    // Deterministic, and the CSV holds every tested term with the schema's columns.
    assert_eq!(framewatch(tmp.path(), &args).ok().stdout, r.stdout);
    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let csv = framewatch(tmp.path(), &csv_args).ok().stdout;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "term,target_freq,reference_freq,target_docs,reference_docs,target_total,reference_total,g2,log_ratio,pct_diff,p_value"
    );
    assert!(
        lines.next().unwrap().starts_with("reform,4,0,2,0,26,24,"),
        "{csv}"
    );
    // Metadata selections, the rest of the run as reference, parquet needs --out.
    let r = framewatch(
        tmp.path(),
        &[
            "keyness",
            &run,
            "--target",
            "party=R",
            "--min-freq",
            "1",
            "--min-docs",
            "1",
        ],
    )
    .ok();
    assert!(
        r.stdout
            .contains("keyness of party=R against rest of the run"),
        "{}",
        r.stdout
    );
    let r = framewatch(
        tmp.path(),
        &["keyness", &run, "--target", "1990s", "--format", "parquet"],
    );
    assert_eq!(r.code, 2);
    framewatch(
        tmp.path(),
        &[
            "keyness",
            &run,
            "--target",
            "1990s",
            "--format",
            "parquet",
            "-o",
            "k.parquet",
        ],
    )
    .ok();
    assert!(tmp.path().join("k.parquet").metadata().unwrap().len() > 0);
    // Bad selections say what is wrong.
    let r = framewatch(tmp.path(), &["keyness", &run, "--target", "1980s"]);
    assert!(
        r.code == 2 && r.stderr.contains("takes no document"),
        "{}",
        r.stderr
    );
    let r = framewatch(tmp.path(), &["keyness", &run, "--target", "colour=red"]);
    assert!(
        r.code == 2 && r.stderr.contains("no such metadata field \"colour\""),
        "{}",
        r.stderr
    );
    let r = framewatch(tmp.path(), &["keyness", &run, "--target", "nineties"]);
    assert!(
        r.code == 2 && r.stderr.contains("not a period"),
        "{}",
        r.stderr
    );
}

#[test]
fn collocates_shift_by_period_and_show_their_lines() {
    let tmp = tempdir();
    let run = run_dir(tmp.path());
    let r = framewatch(
        tmp.path(),
        &[
            "collocates",
            &run,
            "--node",
            "welfare",
            "--by",
            "decade",
            "--window",
            "2,2",
            "--min-freq",
            "2",
        ],
    )
    .ok();
    golden("cads/collocates.txt", &r.stdout);
    let r = framewatch(
        tmp.path(),
        &[
            "collocates",
            &run,
            "--node",
            "welfare",
            "--by",
            "decade",
            "--period",
            "1990s",
            "--window",
            "2,2",
            "--lines",
            "reform",
        ],
    )
    .ok();
    // "Welfare reform means work." "Welfare reform now." "Welfare reform
    // rewards work." "Reform welfare, reward work.": never across a sentence.
    assert_eq!(r.stdout.lines().count(), 4, "{}", r.stdout);
    let r = framewatch(tmp.path(), &["collocates", &run, "--node", "dole"]);
    assert!(
        r.code == 2 && r.stderr.contains("not found"),
        "{}",
        r.stderr
    );
}

#[test]
fn lexicon_suggest_reads_train_and_dev_only() {
    let tmp = tempdir();
    let mut gold = String::from("unit_id,text,split,coder,behavioural,structural\n");
    let rows = [
        (
            "u1",
            "They lounge on the sofa all day.",
            "train",
            "endorsed",
        ),
        (
            "u2",
            "The sofa is where they spend the week and will not try.",
            "train",
            "endorsed",
        ),
        ("u3", "Endless sofa days breed idleness.", "dev", "endorsed"),
        ("u4", "The bridge opened today.", "train", "none"),
        ("u5", "Rain fell on the city.", "dev", "none"),
        // Test rows are never read: this one would sink the precision.
        ("u6", "A sofa sale at the fair.", "test", "none"),
        ("u7", "The sofa factory closed.", "test", "none"),
    ];
    for (id, text, split, b) in rows {
        gold += &format!("{id},{text},{split},c1,{b},none\n");
    }
    std::fs::write(tmp.path().join("gold.csv"), gold).unwrap();
    let r = framewatch(
        tmp.path(),
        &[
            "lexicon",
            "suggest",
            "--gold",
            "gold.csv",
            "--min-positive",
            "2",
        ],
    )
    .ok();
    assert!(
        r.stdout
            .contains("(train+dev; the test split is never read)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("{ term = \"sofa\", note = \"lexicon suggest (keyness, train+dev): 3/3 coded behavioural, gain 3\" },"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("u6") && !r.stdout.contains("u7"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("from 5 coded sentences"), "{}", r.stderr);
}

#[test]
fn report_gains_key_words_and_collocate_tables() {
    let tmp = tempdir();
    let run = run_dir(tmp.path());
    framewatch(tmp.path(), &["report", &run, "-o", "r.html"]).ok();
    let html = std::fs::read_to_string(tmp.path().join("r.html")).unwrap();
    assert!(
        html.contains("<h2>Key words: 1990s against 1960s</h2>"),
        "{html}"
    );
    assert!(
        html.contains("1990s: 2 documents, 26 words; 1960s: 2 documents, 24 words"),
        "{html}"
    );
    assert!(
        html.contains("<h2>The company the top entries keep</h2>"),
        "{html}"
    );
    assert!(
        html.contains("<h3>welfare as a way of life</h3>")
            && html.contains("no word seen twice near it"),
        "{html}"
    );
    framewatch(
        tmp.path(),
        &[
            "report",
            &run,
            "-o",
            "r2.html",
            "--keyness-target",
            "party=R",
            "--keyness-reference",
            "party=D",
        ],
    )
    .ok();
    let html = std::fs::read_to_string(tmp.path().join("r2.html")).unwrap();
    assert!(
        html.contains("<h2>Key words: party=R against party=D</h2>"),
        "{html}"
    );
    framewatch(
        tmp.path(),
        &["report", &run, "-o", "r3.html", "--no-linguistics"],
    )
    .ok();
    let html = std::fs::read_to_string(tmp.path().join("r3.html")).unwrap();
    assert!(!html.contains("Key words"));
}
