//! CLI integration tests: one binary, fixtures under `tests/fixtures`,
//! golden outputs under `tests/golden`.

mod action;
mod audit_ci;
mod cads;
mod extract;
mod faults;
mod fuzz_regressions;
mod hostile;
mod ingest;
mod one_path;
mod props;
mod quanteda_suite;
mod serve;
mod util;
mod validate;

use util::{fixtures, framewatch, framewatch_env, golden, manifest, read, root, tempdir};

fn mini_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "run",
        "mini",
        "--lexicon",
        "lexicons/mini.toml",
        "--out",
        out,
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn run_mini_corpus_matches_golden_csv() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    let r = framewatch(
        &fixtures(),
        &mini_args(
            out_s,
            &["--format", "csv", "--group", "source", "--threads", "2"],
        ),
    )
    .ok();
    assert!(
        r.stderr.contains("mini/texts/d.txt: skipped: missing"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("1 file not listed in metadata.csv left out (mini/README.md)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("4 documents read, 1 skipped (missing 1), 1 undated"),
        "{}",
        r.stderr
    );
    // The summary's category totals include the last, partial row group.
    assert!(
        r.stderr
            .contains("(endorsed behavioural 4, structural 5, behavioural share 44.4%;"),
        "{}",
        r.stderr
    );
    for t in ["documents", "hits", "trends", "skipped"] {
        golden(
            &format!("mini/{t}.csv"),
            &read(&out.join(format!("{t}.csv"))),
        );
    }
    golden(
        "mini/manifest.json",
        &read(&out.join("manifest.json")).replace(out_s, "OUT"),
    );
    let m = manifest(&out);
    assert_eq!(m["counts"]["documents_read"], 4);
    assert_eq!(m["counts"]["hits"], 11);
    assert_eq!(m["counts"]["unlisted_files"], 1);
}

#[test]
fn outputs_identical_for_any_thread_count() {
    let tmp = tempdir();
    for format in ["parquet", "csv"] {
        let mut files = Vec::new();
        for threads in ["1", "2", "7"] {
            let out = tmp.path().join(format!("{format}-{threads}"));
            let out_s = out.to_str().unwrap();
            framewatch(
                &fixtures(),
                &mini_args(
                    out_s,
                    &["--format", format, "--threads", threads, "--by", "month"],
                ),
            )
            .ok();
            let mut bytes = Vec::new();
            for t in ["documents", "hits", "trends", "skipped"] {
                bytes.push(std::fs::read(out.join(format!("{t}.{format}"))).unwrap());
            }
            bytes.push(
                read(&out.join("manifest.json"))
                    .replace(out_s, "OUT")
                    .into_bytes(),
            );
            files.push(bytes);
        }
        assert_eq!(files[0], files[1], "{format}: 1 vs 2 threads");
        assert_eq!(files[0], files[2], "{format}: 1 vs 7 threads");
    }
}

#[test]
fn demo_run_with_no_arguments() {
    let tmp = tempdir();
    let r = framewatch(tmp.path(), &["run"]).ok();
    let m = manifest(&tmp.path().join("out"));
    let read_docs = m["counts"]["documents_read"].as_u64().unwrap();
    assert!(read_docs >= 40, "{read_docs}");
    assert_eq!(m["counts"]["documents_skipped"], 0);
    assert_eq!(m["lexicon"]["origin"], "builtin:poverty-framing");
    assert!(tmp.path().join("out/trends.parquet").is_file());
    assert!(r.stderr.contains("documents read"), "{}", r.stderr);
    // The demo's README documents the corpus; it is not an unlisted document.
    assert!(!r.stderr.contains("not listed"), "{}", r.stderr);
    assert_eq!(m["counts"]["unlisted_files"], 0);
}

#[test]
fn lexicon_check_reports_every_problem() {
    let r = framewatch(&fixtures(), &["lexicon", "check", "lexicons/broken.toml"]);
    assert_eq!(r.code, 2);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(lines.contains(&"lexicons/broken.toml:5:1: unknown key \"colour\" in [lexicon]; expected one of: name, version, language, description, authors, license, url, context_category, context_window, poles, min_wildcard_prefix"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("lexicons/broken.toml:8:20: duplicate entry \"laziness\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("lexicons/broken.toml:8:32: wildcard \"x*\" is too short"),
        "{}",
        r.stderr
    );
    // "lazy" under two categories is not a problem: it counts under each,
    // as a value under two quanteda keys does.
    assert!(!r.stderr.contains("two categories"), "{}", r.stderr);
    assert!(
        r.stderr.contains("lexicons/broken.toml: 3 problems"),
        "{}",
        r.stderr
    );

    let ok = framewatch(&fixtures(), &["lexicon", "check", "lexicons/mini.toml"]).ok();
    assert!(
        ok.stdout.starts_with(
            "lexicons/mini.toml: ok: mini 1.0.0 (english), 2 categories, 4 sub-frames, 10 entries"
        ),
        "{}",
        ok.stdout
    );
    framewatch(&fixtures(), &["lexicon", "check"]).ok();
}

#[test]
fn bad_lexicon_stops_a_run() {
    let tmp = tempdir();
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "mini",
            "-l",
            "lexicons/syntax.toml",
            "-o",
            tmp.path().to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("lexicons/syntax.toml:1:"), "{}", r.stderr);
    assert!(r.stderr.contains("TOML syntax error"), "{}", r.stderr);
    let r = framewatch(&fixtures(), &["run", "mini", "-l", "no/such.toml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no/such.toml: cannot read lexicon"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_inputs_give_one_line_errors() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "no-such-dir", "-o", o],
            "no-such-dir: cannot read input",
        ),
        (
            &["run", "empty_dir", "-o", o],
            "empty_dir: no documents found",
        ),
        (
            &["run", "badmeta", "-o", o],
            "badmeta/metadata.csv:1:1: missing column \"date\"",
        ),
        (
            &["run", "mixed/notes.doc", "-o", o],
            "no readable documents: 1 skipped (unsupported-format 1)",
        ),
        (
            &["run", "mini", "--group", "party2", "-o", o],
            "--group \"party2\": no such metadata column",
        ),
        (
            &["run", "--frobnicate"],
            "unexpected argument '--frobnicate'",
        ),
        (
            &["run", "mini", "--by", "century"],
            "invalid value 'century'",
        ),
    ];
    for (args, expected) in cases {
        let r = framewatch(&fixtures(), args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(expected),
            "{args:?}: expected {expected:?} in\n{}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    // Legacy encodings are decoded, with a warning, not skipped.
    let r = framewatch(&fixtures(), &["run", "latin1", "-o", o]).ok();
    assert!(
        r.stderr.contains(
            "latin1/old.txt: warning: not valid UTF-8 (byte 3); decoded as windows-1252 (guessed)"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("1 documents read, 0 skipped"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_dates_skip_one_document_and_strict_fails() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    let r = framewatch(&fixtures(), &["run", "nodate", "-o", o, "--format", "csv"]).ok();
    assert!(
        r.stderr
            .contains("nodate/metadata.csv:2:3: unparseable date \"2001-02-30\""),
        "{}",
        r.stderr
    );
    let skipped = read(&out.join("skipped.csv"));
    assert!(
        skipped.contains("nodate/x.txt,x,bad-metadata,"),
        "{skipped}"
    );
    assert_eq!(manifest(&out)["counts"]["documents_read"], 1);
    let r = framewatch(&fixtures(), &["run", "nodate", "-o", o, "--strict"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
}

#[test]
fn group_by_extra_metadata_column() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    framewatch(
        &fixtures(),
        &mini_args(
            o,
            &["--format", "csv", "--group", "party", "--by", "decade"],
        ),
    )
    .ok();
    let trends = read(&out.join("trends.csv"));
    let header = trends.lines().next().unwrap();
    assert!(
        header.starts_with("period,period_start,party,documents,"),
        "{header}"
    );
    assert!(trends.contains("\n2000s,2000-01-01,gov,1,"), "{trends}");
    assert!(trends.contains("\nundated,,,1,"), "{trends}");
}

#[test]
fn shared_corpora_document_counts() {
    let shared = need_shared!();
    let tmp = tempdir();
    for (name, n, by) in [("uk_manifestos", 100, "decade"), ("us_sotu", 244, "year")] {
        let out = tmp.path().join(name);
        let corpus = shared.join("corpora").join(name);
        framewatch(
            tmp.path(),
            &[
                "run",
                corpus.to_str().unwrap(),
                "--by",
                by,
                "--group",
                "source",
                "-o",
                out.to_str().unwrap(),
                "-q",
            ],
        )
        .ok();
        let m = manifest(&out);
        assert_eq!(m["counts"]["documents_read"], n, "{name}");
        assert_eq!(m["counts"]["documents_skipped"], 0, "{name}");
    }
}

/// The analyzer's fast path must produce exactly the tokens and offsets
/// that `tokenizers` itself produces, on every file of the shared corpora.
#[test]
fn fast_path_equals_tokenizers_on_shared_corpora() {
    use framewatch::analyze::{Analysis, Analyzer};
    let shared = need_shared!();
    let fast = Analyzer::new("english").unwrap();
    let reference = Analyzer::reference("english").unwrap();
    let (mut a, mut b) = (Analysis::default(), Analysis::default());
    let (mut files, mut tokens, mut bytes) = (0usize, 0usize, 0usize);
    for corpus in ["us_sotu", "uk_manifestos", "wikinews_econ_politics"] {
        let dir = shared.join("corpora").join(corpus).join("texts");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).unwrap();
            fast.analyze(&text, &mut a);
            reference.analyze(&text, &mut b);
            assert_eq!(
                a.tokens.len(),
                b.tokens.len(),
                "{}: token count",
                p.display()
            );
            for (x, y) in a.tokens.iter().zip(&b.tokens) {
                assert_eq!(
                    (
                        a.norm_of(x),
                        x.start,
                        x.end,
                        x.kind,
                        x.sentence,
                        x.paragraph
                    ),
                    (
                        b.norm_of(y),
                        y.start,
                        y.end,
                        y.kind,
                        y.sentence,
                        y.paragraph
                    ),
                    "{}: first difference at byte {}",
                    p.display(),
                    x.start
                );
            }
            files += 1;
            tokens += a.tokens.len();
            bytes += text.len();
        }
    }
    eprintln!("fast path = tokenizers on {files} files, {tokens} tokens, {bytes} bytes");
    assert!(files > 5000);
}

#[test]
fn folder_without_sidecar_dates_from_file_names_and_keeps_same_stem_files() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "dupes",
            "-o",
            out.to_str().unwrap(),
            "--format",
            "csv",
            "--by",
            "month",
        ],
    )
    .ok();
    // `a.md` and `a.txt` share a stem: both are read, and their ids keep
    // the extension; `news_2019-05-02` collides with nothing.
    assert!(
        r.stderr.contains("3 documents read, 0 skipped"),
        "{}",
        r.stderr
    );
    let docs = read(&out.join("documents.csv"));
    assert!(docs.contains("\na.md,dupes/a.md,md,,,,,undated,"), "{docs}");
    assert!(
        docs.contains("\na.txt,dupes/a.txt,txt,,,,,undated,"),
        "{docs}"
    );
    assert!(docs.contains("\nnews_2019-05-02,dupes/news_2019-05-02.txt,txt,,2019-05-02,day,filename,2019-05,2019-05-01,"), "{docs}");
}

#[test]
fn lexicon_test_runs_examples_and_fails_loudly() {
    let r = framewatch(&fixtures(), &["lexicon", "test"]).ok();
    assert!(
        r.stdout.contains("examples,") && r.stdout.contains(" 0 failed"),
        "{}",
        r.stdout
    );
    let tmp = tempdir();
    let lex = tmp.path().join("l.toml");
    std::fs::write(
        &lex,
        "[lexicon]\nname = \"l\"\nversion = \"1\"\nlanguage = \"english\"\n[categories.behavioural.blame]\nentries = [\"lazy\"]\nmust_match = [\"They are lazy.\", { text = \"They are not lazy.\", stance = \"distanced\" }]\nmust_not_match = [\"Lazy Sunday.\"]\n[categories.structural.pay]\nentries = [\"low pay\"]\n",
    )
    .unwrap();
    let r = framewatch(tmp.path(), &["lexicon", "test", "l.toml"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("l.toml:7: FAILED: \"They are not lazy.\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("expected a counted distanced hit in behavioural.blame"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("by negator:not: negated"), "{}", r.stdout);
    assert!(
        r.stdout.contains("l.toml:8: FAILED: \"Lazy Sunday.\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("l.toml: 3 examples, 1 passed, 2 failed"),
        "{}",
        r.stdout
    );
}

#[test]
fn lexicon_explain_shows_tokens_hits_and_suppressed() {
    let r = framewatch(
        &fixtures(),
        &[
            "lexicon",
            "explain",
            "The so-called \"scroungers\" and welfare dependency.\n\nBudget cutbacks.",
        ],
    )
    .ok();
    assert!(r.stdout.contains("3:scroungers->scrounger"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "\"scroungers\" words 3..4 sentence 0: behavioural.individual_blame \"scroung*\""
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("by quote: distanced"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "suppressed \"dependency\" words 6..7: behavioural.dependency \"=dependency\""
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("nested inside \"=welfare dependency\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("not counted: no-context"), "{}", r.stdout);
    let tmp = tempdir();
    std::fs::write(tmp.path().join("t.txt"), "Not lazy.").unwrap();
    let r = framewatch(tmp.path(), &["lexicon", "explain", "--file", "t.txt"]).ok();
    assert!(r.stdout.contains("by negator:not: negated"), "{}", r.stdout);
}

#[test]
fn lexicon_expand_lists_wildcard_forms() {
    let tmp = tempdir();
    std::fs::write(
        tmp.path().join("a.txt"),
        "Scroungers and a scrounger. Scrounging again; scroungers.",
    )
    .unwrap();
    let r = framewatch(tmp.path(), &["lexicon", "expand", "-", "a.txt"]).ok();
    assert!(
        r.stdout
            .contains("scroung* (behavioural.individual_blame, line "),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(": 4 hits, 3 distinct forms"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("        2  scroungers\n"), "{}", r.stdout);
}

#[test]
fn lexicon_import_and_export_round_trip() {
    let tmp = tempdir();
    let out = tmp.path().join("framing.toml");
    let r = framewatch(
        &fixtures(),
        &[
            "lexicon",
            "import",
            "dicts/framing.yml",
            "-o",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    assert!(
        r.stderr.contains("imported 6 entries in 3 groups"),
        "{}",
        r.stderr
    );
    let toml = read(&out);
    assert!(toml.contains("[categories.behavioural.blame]\nentries = [\n  \"=lazy\",\n  \"scroung*\",\n  \"=work shy\",\n]"), "{toml}");
    assert!(toml.contains("[categories.structural.terms]"), "{toml}");
    framewatch(tmp.path(), &["lexicon", "check", "framing.toml"]).ok();
    let r = framewatch(tmp.path(), &["lexicon", "export", "framing.toml"]).ok();
    assert!(
        r.stdout.contains(
            "behavioural:\n  blame:\n    - \"lazy\"\n    - \"scroung*\"\n    - \"work shy\"\n"
        ),
        "{}",
        r.stdout
    );

    // A LIWC term in two categories is in each (LIWC's and quanteda's rule).
    let r = framewatch(&fixtures(), &["lexicon", "import", "dicts/framing.dic"]).ok();
    assert!(
        r.stdout
            .contains("[categories.blame.terms]\nentries = [\n  \"=lazy\",\n]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "[categories.behavioural.terms]\nentries = [\n  \"=lazy\",\n  \"scroung*\",\n]"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "[categories.structural.terms]\nentries = [\n  \"=low pay\",\n  \"=austerity\",\n]"
        ),
        "{}",
        r.stdout
    );

    // "b?d" is a quanteda glob: read, with a note on its breadth.
    let r = framewatch(&fixtures(), &["lexicon", "import", "dicts/bad.yml"]).ok();
    assert!(
        r.stderr.contains(
            "dicts/bad.yml:4: wildcard \"b?d\" is broad: it matches every word starting \"b\""
        ),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("  \"b?d\",\n"), "{}", r.stdout);
    // A bad value is skipped with a note naming its line; --strict refuses it.
    let r = framewatch(
        &fixtures(),
        &["lexicon", "import", "--strict", "dicts/bad.dic"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("dicts/bad.dic:4: category 9 is not declared in the header"),
        "{}",
        r.stderr
    );
    let r = framewatch(&fixtures(), &["lexicon", "import", "dicts/bad.dic"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("bad.dic:1: the dictionary has no terms to import"),
        "{}",
        r.stderr
    );
}

#[test]
fn kwic_aligns_filters_samples_and_writes_files() {
    let dir = fixtures().join("kwic");
    let r = framewatch(
        &dir,
        &[
            "kwic",
            ".",
            "-l",
            "../lexicons/mini.toml",
            "-w",
            "3",
            "--width",
            "12",
            "--color",
            "never",
        ],
    )
    .ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", r.stdout);
    // Every match starts at the same display column, multi-byte context or not.
    let starts: Vec<usize> = lines
        .iter()
        .map(|l| {
            let keyword = if l.ends_with("labour]") {
                "ow pay"
            } else {
                "scroungers"
            };
            unicode_width(&l[..l.find(keyword).unwrap()]) - usize::from(keyword == "ow pay")
        })
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] == w[1]),
        "{starts:?}\n{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "2019-01-02_a:1:21   was full of scroungers , they said…  [behavioural.blame distanced]"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("2021-05-06_b:1:21  … the 日本語 scroungers of legend  [behavioural.blame]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "2019-01-02_a:3:15  …e so-called scroungers again; low …  [behavioural.blame distanced]"
        ),
        "{}",
        r.stdout
    );

    let r = framewatch(
        &dir,
        &[
            "kwic",
            ".",
            "-l",
            "../lexicons/mini.toml",
            "--stance",
            "distanced",
            "--format",
            "jsonl",
        ],
    )
    .ok();
    let rows: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // "... scroungers, they said" is reported speech; "the so-called
    // scroungers" is distanced by its cue.
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["stance_rule"], "reported:said");
    let rows = &rows[1..];
    assert_eq!(rows[0]["stance_rule"], "cue:so-called");
    assert_eq!(rows[0]["date"], "2019-01-02");
    assert_eq!(rows[0]["byte_start"], 59); // "é" is two bytes

    let r = framewatch(
        &dir,
        &[
            "kwic",
            ".",
            "-l",
            "../lexicons/mini.toml",
            "--period",
            "2021",
            "-c",
            "structural",
            "--format",
            "csv",
        ],
    )
    .ok();
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(r.stdout.lines().nth(1).unwrap().starts_with("2021-05-06_b,./2021-05-06_b.txt,2021-05-06,2021,,structural,labour,low pay,endorsed,,counted,\"\",Low pay,and the 日本語 scroungers"), "{}", r.stdout);

    let sample = || {
        framewatch(
            &dir,
            &[
                "kwic",
                ".",
                "-l",
                "../lexicons/mini.toml",
                "--sample",
                "2",
                "--seed",
                "9",
                "--format",
                "csv",
            ],
        )
        .ok()
        .stdout
    };
    let a = sample();
    assert_eq!(a, sample());
    assert_eq!(a.lines().count(), 3);

    let tmp = tempdir();
    let out = tmp.path().join("k.parquet");
    framewatch(
        &dir,
        &[
            "kwic",
            ".",
            "-l",
            "../lexicons/mini.toml",
            "--format",
            "parquet",
            "-o",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    assert!(std::fs::read(&out).unwrap().starts_with(b"PAR1"));
    framewatch(&dir, &["kwic", ".", "--where", "party=x"])
        .fails(2, "--where \"party=x\": no such metadata field \"party\"");
}

#[test]
fn kwic_from_a_run_checks_the_lexicon_hash() {
    let tmp = tempdir();
    let lex = tmp.path().join("l.toml");
    std::fs::copy(fixtures().join("lexicons/mini.toml"), &lex).unwrap();
    let run = tmp.path().join("run");
    let corpus = fixtures().join("mini");
    framewatch(
        tmp.path(),
        &[
            "run",
            corpus.to_str().unwrap(),
            "-l",
            "l.toml",
            "-o",
            run.to_str().unwrap(),
            "-q",
        ],
    )
    .ok();
    let r = framewatch(
        tmp.path(),
        &[
            "kwic",
            "--run",
            "run",
            "-c",
            "behavioural",
            "--format",
            "csv",
        ],
    )
    .ok();
    assert_eq!(r.stdout.lines().count(), 1 + 6, "{}", r.stdout);
    std::fs::write(&lex, read(&lex).replace("\"austerity\", ", "")).unwrap();
    let r = framewatch(tmp.path(), &["kwic", "--run", "run"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("has changed since the run"),
        "{}",
        r.stderr
    );
}

fn unicode_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{3040}'..='\u{9fff}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn audit_json_is_stable_and_thresholds_set_the_exit_code() {
    let dir = fixtures();
    let r = framewatch(
        &dir,
        &[
            "audit",
            "audit/draft.md",
            "--format",
            "json",
            "--fail-if",
            "behavioural.endorsed > 5",
        ],
    )
    .ok();
    golden("audit/draft.json", &r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["schema"], "framewatch-audit/1");
    assert_eq!(v["summary"]["categories"]["behavioural"]["endorsed"], 3);
    assert_eq!(v["summary"]["categories"]["behavioural"]["distanced"], 1);
    assert_eq!(v["verdict"], "pass");
    let hit = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["surface"] == "scroungers")
        .unwrap();
    assert_eq!(
        (
            hit["line"].as_u64(),
            hit["column"].as_u64(),
            hit["stance"].as_str()
        ),
        (Some(6), Some(34), Some("distanced"))
    );
    // The built-in model beside the lexicon: each hit's sentence label,
    // and the document's sentences by framing.
    assert_eq!(v["model"]["origin"], "builtin");
    let label = hit["model"]["label"].as_str().unwrap();
    assert!(["endorsed", "distanced", "none"].contains(&label), "{hit}");
    let p = hit["model"]["p_endorsed"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    let framings = v["model"]["framings"].as_array().unwrap();
    assert_eq!(framings[0]["framing"], "behavioural");
    let labelled = v["model"]["sentences"].as_array().unwrap();
    let endorsed: u64 = framings
        .iter()
        .map(|f| f["endorsed_sentences"].as_u64().unwrap())
        .sum();
    assert!(
        labelled.len() as u64
            <= endorsed
                + framings
                    .iter()
                    .map(|f| f["distanced_sentences"].as_u64().unwrap())
                    .sum::<u64>()
    );
    let r = framewatch(
        &dir,
        &[
            "audit",
            "audit/draft.md",
            "--format",
            "json",
            "--model",
            "none",
        ],
    )
    .ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["model"].is_null() && v["hits"][0]["model"].is_null());
    let r = framewatch(&dir, &["audit", "audit/draft.md"]).ok();
    assert!(
        r.stdout
            .contains("\nmodel (builtin): sentences behavioural "),
        "{}",
        r.stdout
    );

    let cases: &[(&[&str], i32)] = &[
        (&["--fail-if", "behavioural.endorsed > 2"], 1),
        (&["--fail-if", "behavioural.dependency >= 2"], 1),
        (
            &["--fail-if", "behavioural.individual_blame.distanced == 1"],
            1,
        ),
        (&["--max-share", "0.2"], 1),
        (&["--max-share", "0.5"], 0),
        (&["--max-rate", "structural=10000"], 0),
        (&["--max-rate", "structural=10"], 1),
        (&["--fail-if", "rate.behavioural > x"], 2),
        (&["--fail-if", "nonsense > 1"], 2),
    ];
    for (extra, code) in cases {
        let mut args = vec!["audit", "audit/draft.md"];
        args.extend_from_slice(extra);
        let r = framewatch(&dir, &args);
        assert_eq!(r.code, *code, "{extra:?}: {}{}", r.stdout, r.stderr);
    }
    let r = framewatch(&dir, &["audit", "audit/draft.md", "--max-share", "0.2"]);
    assert!(
        r.stdout
            .contains("threshold share > 0.2: value 0.500 → CROSSED\nverdict: fail"),
        "{}",
        r.stdout
    );
    let r = framewatch(
        &dir,
        &[
            "audit",
            "audit/draft.md",
            "--format",
            "github",
            "--max-share",
            "0.2",
        ],
    );
    assert!(r.stdout.contains("::warning file=audit/draft.md,line=3,col=34,endLine=3,endColumn=52,title=behavioural framing (framewatch)::behavioural framing (dependency): "), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "::error file=audit/draft.md,title=threshold crossed (framewatch)::threshold “share > 0.2” crossed: the value is 0.5"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn audit_reference_states_documents_with_a_share_and_the_span() {
    let tmp = tempdir();
    let out = tmp.path().join("ref");
    framewatch(
        &fixtures(),
        &[
            "run",
            "mini",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    let rows = util::csv_rows(&out.join("documents.csv"));
    let with_share = rows.iter().filter(|r| !r["share"].is_empty()).count();
    assert!(
        with_share < rows.len(),
        "the fixture needs a document without a share"
    );
    let r = framewatch(
        &fixtures(),
        &[
            "audit",
            "audit/draft.md",
            "--reference",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    let said = format!(
        "{with_share} reference documents with a share (of {}; dated 2001–2003)",
        rows.len()
    );
    assert!(r.stdout.contains(&said), "{said}\n{}", r.stdout);
    let r = framewatch(
        &fixtures(),
        &[
            "audit",
            "audit/draft.md",
            "--format",
            "json",
            "--reference",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["reference"]["documents_with_share"], with_share);
    assert_eq!(v["reference"]["date_span"][1], "2003-01-01");
}

#[test]
fn audit_html_is_self_contained_and_inert() {
    let tmp = tempdir();
    let html = tmp.path().join("a.html");
    framewatch(
        &fixtures(),
        &["audit", "audit/draft.md", "--html", html.to_str().unwrap()],
    )
    .ok();
    let page = read(&html);
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("src="),
        "external reference in the page"
    );
    assert!(!page.contains("<script"), "document text must be escaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; résumé"));
    assert!(
        page.contains("<mark id=\"hit-0\" class=\"behavioural endorsed\""),
        "{page}"
    );
    assert!(page.contains("class=\"behavioural distanced\""));
    assert!(page.contains("<a href=\"#hit-0\">line 3 “welfare dependency”</a>"));
    // The key, in the lexicon's words, and the method's caveat.
    assert!(
        page.contains("<dt>behavioural</dt><dd>Poverty explained by the conduct"),
        "{page}"
    );
    assert!(page.contains("<dd><i>dependency</i>: "), "{page}");
    assert!(
        page.contains("<dt>distanced</dt><dd>the text quotes it"),
        "{page}"
    );
    assert!(
        page.contains("On 1,693 real sentences coded blind by two coders"),
        "{page}"
    );

    assert!(
        page.contains("<h2>Trained model (<code>builtin</code>)</h2>"),
        "{page}"
    );
    assert!(page.contains(" · model: "), "{page}");
}

#[test]
fn audit_sarif_validates_against_the_schema() {
    let r = framewatch(
        &fixtures(),
        &["audit", "audit/draft.md", "--format", "sarif"],
    )
    .ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    // Lexicon 2.0: "the cost of living" needs poverty talk nearby (rule 2 of
    // the reference codebook), which the draft's second paragraph lacks.
    assert_eq!(results.len(), 6, "one result per endorsed framing hit");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
    util::check_sarif(&r.stdout);
}

#[test]
fn report_is_one_self_contained_html_file() {
    let tmp = tempdir();
    for format in ["parquet", "csv"] {
        let run = tmp.path().join(format!("run-{format}"));
        framewatch(
            tmp.path(),
            &[
                "run",
                "-q",
                "--group",
                "source",
                "--format",
                format,
                "-o",
                run.to_str().unwrap(),
            ],
        )
        .ok();
        let out = tmp.path().join(format!("{format}.html"));
        framewatch(
            tmp.path(),
            &["report", run.to_str().unwrap(), "-o", out.to_str().unwrap()],
        )
        .ok();
        let page = read(&out);
        let external = page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !external.contains("http://")
                && !external.contains("https://")
                && !external.contains("<script")
                && !external.contains("src="),
            "{format}: external reference"
        );
        assert!(page.contains("Endorsed hits per 10,000 words, by year"));
        // The corpus's size reads with thousands separators.
        let lead = page.split("<p class=\"lead\">").nth(1).unwrap();
        let words = lead
            .split(" words,")
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap();
        let n: u64 = words.replace(',', "").parse().unwrap();
        assert!(n >= 1000 && words.contains(','), "{words}");
        assert!(page.contains("<h2>By source</h2>"));
        assert!(page.contains("Northfield Gazette: behavioural share"));
        assert!(
            page.contains("behavioural: sub-frames&#39; share of endorsed hits")
                || page.contains("behavioural: sub-frames' share of endorsed hits")
        );
        assert!(
            page.contains("<h3>Most behavioural</h3>") && page.contains("<mark class=\"b\">"),
            "{format}: passages"
        );
        assert!(page.matches("<svg").count() >= 7, "{format}: charts");
        // No passage twice in one document's row.
        for row in page.split("<tr>") {
            let quotes: Vec<&str> = row
                .split("<blockquote>")
                .skip(1)
                .map(|q| q.split("</blockquote>").next().unwrap())
                .collect();
            let mut unique = quotes.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), quotes.len(), "{format}: {row}");
        }
        // Provenance: one row per option and count, not raw JSON.
        assert!(page.contains("<h3>Options</h3>"), "{format}");
        assert!(
            page.contains(&format!("<tr><th>format</th><td>{format}</td></tr>")),
            "{format}"
        );
        assert!(page.contains("<tr><th>ingest.date_col</th>"), "{format}");
        assert!(!page.contains("{&quot;"), "{format}: raw JSON");
    }
    let png = tmp.path().join("png");
    let r = framewatch(
        tmp.path(),
        &[
            "report",
            tmp.path().join("run-csv").to_str().unwrap(),
            "-o",
            "x.html",
            "--png",
            png.to_str().unwrap(),
        ],
    );
    if r.code != 0 && r.stderr.contains("no system fonts found") {
        eprintln!("skipped PNG check: no system fonts on this machine");
    } else {
        assert_eq!(r.code, 0, "{}", r.stderr);
        for name in [
            "rates",
            "share",
            "subframes-behavioural",
            "share-source-northfield_gazette",
        ] {
            let bytes = std::fs::read(png.join(format!("{name}.png"))).unwrap();
            assert!(
                bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000,
                "{name}.png"
            );
        }
    }
    let r = framewatch(tmp.path(), &["report", "nowhere"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("nowhere/manifest.json: cannot read"),
        "{}",
        r.stderr
    );
}

#[test]
fn metadata_columns_that_clash_with_ours_and_odd_inputs() {
    let tmp = tempdir();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    // Extra columns named like framewatch's own become meta_* in every table.
    framewatch(
        &fixtures(),
        &[
            "run", "clash", "-o", o, "--format", "csv", "-g", "period", "-g", "tokens", "-g",
            "region",
        ],
    )
    .ok();
    let trends = read(&out.join("trends.csv"));
    assert!(
        trends.starts_with("period,period_start,meta_period,meta_tokens,region,documents,"),
        "{trends}"
    );
    assert!(
        read(&out.join("documents.csv"))
            .lines()
            .next()
            .unwrap()
            .contains(",meta_period,meta_tokens,region,")
    );
    let r = framewatch(
        &fixtures(),
        &["run", "clash", "-o", o, "-g", "region", "-g", "region"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--group \"region\" is given twice"),
        "{}",
        r.stderr
    );
    let r = framewatch(&fixtures(), &["run", "emptymeta", "-o", o]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("emptymeta/metadata.csv: lists no documents"),
        "{}",
        r.stderr
    );
    // UTF-16 with a byte-order mark is read like UTF-8.
    let r = framewatch(&fixtures(), &["run", "utf16", "-o", o, "--format", "csv"]).ok();
    assert!(
        r.stderr.contains("2 documents read, 0 skipped"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let docs = read(&out.join("documents.csv"));
    assert!(docs.contains("\nu,utf16/u.txt,txt,"), "{docs}");
}

/// Issue 18: a comparison between periods whose make-up differs sharply
/// (twice the documents, a group in one only, a share moving more than 20
/// points) says so, in `drivers` and in the report; thin cells are hollow
/// and marked, and sub-frame bars on few hits faded.
#[test]
fn composition_shifts_are_warned_and_thin_cells_marked() {
    let tmp = tempdir();
    let corpus = tmp.path().join("c");
    std::fs::create_dir(&corpus).unwrap();
    let docs = [
        ("a", "2010-01-01", "Con", "Welfare dependency and low pay."),
        ("b", "2010-02-01", "Lab", "Low pay and austerity."),
        ("c", "2011-01-01", "Con", "Benefit culture. Low pay."),
        ("d", "2011-02-01", "Lab", "Low pay."),
        (
            "e",
            "2011-03-01",
            "Green",
            "Austerity and the cost of living.",
        ),
        ("f", "2011-04-01", "Green", "Benefit cuts."),
        ("g", "2011-05-01", "Green", "Zero-hours contract."),
    ];
    let mut meta = String::from("doc_id,date,source,path\n");
    for (id, date, source, text) in docs {
        std::fs::write(corpus.join(format!("{id}.txt")), text).unwrap();
        meta.push_str(&format!("{id},{date},{source},{id}.txt\n"));
    }
    std::fs::write(corpus.join("metadata.csv"), meta).unwrap();
    let lexicon = fixtures().join("lexicons/mini.toml");
    let run = |name: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            corpus.to_str().unwrap(),
            "-l",
            lexicon.to_str().unwrap(),
            "-o",
            name,
            "-q",
        ];
        args.extend(extra);
        framewatch(tmp.path(), &args).ok();
    };
    run("grouped", &["--group", "source"]);
    run("plain", &[]);
    let r = framewatch(tmp.path(), &["drivers", "grouped", "2010", "2011"]).ok();
    assert!(
        r.stdout.contains(
            "warning: period 2010 and 2011 differ sharply in composition (by source): documents 2 → 5 (×2.5); only in 2011: Green; Con: 50% → 20% of documents (-30 points); Lab: 50% → 20% of documents (-30 points)"
        ),
        "{}",
        r.stdout
    );
    let r = framewatch(
        tmp.path(),
        &["drivers", "grouped", "2010", "2011", "--json"],
    )
    .ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["composition"]["by"], "source");
    assert_eq!(
        v["composition"]["a"],
        serde_json::json!({"Con": 1, "Lab": 1})
    );
    assert_eq!(
        v["composition"]["b"],
        serde_json::json!({"Con": 1, "Green": 3, "Lab": 1})
    );
    assert_eq!(v["composition"]["shifts"].as_array().unwrap().len(), 4);
    // Without a group column only the count can shift.
    let r = framewatch(tmp.path(), &["drivers", "plain", "2010", "2011"]).ok();
    assert!(
        r.stdout.contains(
            "warning: period 2010 and 2011 differ sharply in composition: documents 2 → 5 (×2.5);"
        ),
        "{}",
        r.stdout
    );
    // Two groups with one document in each year: the same make-up.
    let r = framewatch(
        tmp.path(),
        &[
            "drivers", "grouped", "Con", "Lab", "--field", "source", "--json",
        ],
    )
    .ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["composition"]["by"], "period");
    assert_eq!(
        v["composition"]["a"],
        serde_json::json!({"2010": 1, "2011": 1})
    );
    assert_eq!(v["composition"]["shifts"], serde_json::json!([]));

    framewatch(tmp.path(), &["report", "grouped", "-o", "g.html"]).ok();
    let page = read(&tmp.path().join("g.html"));
    assert!(
        page.contains("<h2 id=\"composition\">Composition: documents per year and source</h2>")
    );
    assert!(
        page.contains("Documents per year, by source"),
        "composition chart"
    );
    assert!(
        page.contains("<li><b>2010 → 2011</b>: documents 2 → 5 (×2.5); only in 2011: Green;"),
        "composition warning"
    );
    // Every cell is thin (under 5 documents): hollow points with their n,
    // and marked rows.
    assert!(page.contains("class=\"low\"><title>2010: "), "hollow point");
    assert!(
        page.contains("— 2 documents, 9 words (low n)</title>"),
        "{page}"
    );
    assert!(page.contains("Hollow points rest on fewer than 5 documents or 2,000 words"));
    assert!(page.contains(
        "<tr class=\"low\"><td>2011 <span class=\"lown\">low n</span></td><td class=\"n\">5</td>"
    ));
    // Sub-frame bars on a few hits are faded and carry their count.
    assert!(
        page.contains("fill-opacity=\"0.35\"><title>2010 "),
        "faded bar"
    );
    assert!(page.contains("faded: under 10 hits"));
    framewatch(tmp.path(), &["report", "plain", "-o", "p.html"]).ok();
    let page = read(&tmp.path().join("p.html"));
    assert!(page.contains("<h2 id=\"composition\">Composition: documents per year</h2>"));
    assert!(
        !page.contains("Documents per year, by"),
        "no group chart without groups"
    );
    assert!(page.contains("Composition shifts sharply"));
}

#[test]
fn drivers_rank_entries_by_their_contribution_to_the_change() {
    let tmp = tempdir();
    let run = tmp.path().join("run");
    framewatch(
        &fixtures(),
        &[
            "run",
            "mini",
            "-l",
            "lexicons/mini.toml",
            "-o",
            run.to_str().unwrap(),
            "-q",
        ],
    )
    .ok();
    let r = framewatch(tmp.path(), &["drivers", "run", "2001", "undated", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["documents"], serde_json::json!([2, 1]));
    assert_eq!(v["tokens"], serde_json::json!([41.0, 15.0]));
    let e = &v["entries"];
    assert_eq!(
        (
            e[0]["entry"].as_str(),
            e[1]["entry"].as_str(),
            e[2]["entry"].as_str()
        ),
        (
            Some("austerity"),
            Some("benefit cuts"),
            Some("welfare dependency")
        )
    );
    assert!((e[0]["change"].as_f64().unwrap() - 10_000.0 / 15.0).abs() < 1e-9);
    assert!((e[2]["change"].as_f64().unwrap() + 20_000.0 / 41.0).abs() < 1e-9);
    assert_eq!(v["fragile"], serde_json::json!([]));
    // One entry carrying more than half of a category is flagged.
    let corpus = tmp.path().join("c");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(
        corpus.join("2010_a.txt"),
        "Welfare dependency. Welfare dependency. Welfare dependency. Benefit culture. Low pay.",
    )
    .unwrap();
    std::fs::write(corpus.join("2011_b.txt"), "Low pay. Austerity.").unwrap();
    let run2 = tmp.path().join("run2");
    framewatch(
        &fixtures(),
        &[
            "run",
            corpus.to_str().unwrap(),
            "-l",
            "lexicons/mini.toml",
            "-o",
            run2.to_str().unwrap(),
            "-q",
        ],
    )
    .ok();
    let r = framewatch(tmp.path(), &["drivers", "run2", "2010", "2011"]).ok();
    assert!(
        r.stdout.contains(
            "warning: in period 2010, \"welfare dependency\" supplies 75% of behavioural hits (3)"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("in period 2011"), "{}", r.stdout);
    assert!(!r.stdout.contains("composition"), "{}", r.stdout);
    let r = framewatch(tmp.path(), &["drivers", "run", "1999", "2001"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no documents with period = \"1999\"; values: 2001, 2003, undated"),
        "{}",
        r.stderr
    );
}

#[test]
fn sample_draws_a_reproducible_blind_stratified_sheet() {
    let tmp = tempdir();
    let r = framewatch(
        tmp.path(),
        &["sample", "-n", "30", "--seed", "4", "-o", "a.csv"],
    )
    .ok();
    assert!(r.stderr.contains("drew 30 of "), "{}", r.stderr);
    framewatch(
        tmp.path(),
        &["sample", "-n", "30", "--seed", "4", "-o", "b.csv"],
    )
    .ok();
    framewatch(
        tmp.path(),
        &["sample", "-n", "30", "--seed", "5", "-o", "c.csv"],
    )
    .ok();
    let (a, b, c) = (
        read(&tmp.path().join("a.csv")),
        read(&tmp.path().join("b.csv")),
        read(&tmp.path().join("c.csv")),
    );
    assert_eq!(a, b, "same seed, same sheet");
    assert_ne!(a, c, "another seed, another sheet");
    let header = a.lines().next().unwrap();
    assert_eq!(
        header,
        "unit_id,doc_id,period,source,sentence,page,byte_start,byte_end,text,behavioural,structural,stance,coder,notes"
    );
    assert!(
        !header.contains("fired") && !a.contains("structural.labour_market"),
        "the sheet must be blind"
    );
    let key = read(&tmp.path().join("a.key.csv"));
    let fired = key
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some("true"))
        .count();
    assert_eq!(key.lines().count(), 31);
    // Strata alternate between sentences where the lexicon fired and not.
    assert!((12..=18).contains(&fired), "{fired} of 30 fired");
}

/// Run `args` (with `--shard K/3` added) for K = 1..3, each as its own
/// process, merge the shard folders (in a shuffled order) into the
/// folder a single run wrote, and compare every file byte for byte.
fn shards_merge_to_single_run(
    cwd: &std::path::Path,
    tmp: &std::path::Path,
    args: &[&str],
    format: &str,
    rows_per_group: &str,
) {
    let env = [("FRAMEWATCH_ROWS_PER_GROUP", rows_per_group)];
    let tmp = &tmp.join(format!("{}-{format}", args.join(" ").len()));
    std::fs::create_dir_all(tmp).unwrap();
    let single = tmp.join(format!("out-{format}"));
    let single_s = single.to_str().unwrap();
    let with = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend(["--format", format].map(String::from));
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |v: Vec<String>| {
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        framewatch_env(cwd, &refs, &env).ok()
    };
    run(with(&["--out", single_s, "-q"]));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let dir = tmp.join(format!("shard{k}-{format}"));
        let shard = format!("{k}/3");
        run(with(&[
            "--out",
            dir.to_str().unwrap(),
            "--shard",
            &shard,
            "-q",
            "--threads",
            &k.to_string(),
        ]));
        let m = manifest(&dir);
        assert_eq!(m["options"]["shard"], shard.as_str());
        assert_eq!(m["shard"]["index"], k);
        shards.push(dir);
    }
    let docs: u64 = shards
        .iter()
        .map(|d| manifest(d)["counts"]["documents_read"].as_u64().unwrap())
        .sum();
    assert_eq!(
        docs,
        manifest(&single)["counts"]["documents_read"]
            .as_u64()
            .unwrap()
    );
    let kept = tmp.join(format!("single-{format}"));
    std::fs::rename(&single, &kept).unwrap();
    let r = framewatch_env(
        cwd,
        &[
            "merge",
            shards[2].to_str().unwrap(),
            shards[0].to_str().unwrap(),
            shards[1].to_str().unwrap(),
            "--out",
            single_s,
        ],
        &env,
    )
    .ok();
    assert!(r.stderr.contains("merged 3 shards"), "{}", r.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&kept)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The tables, the manifest and the folder's marker.
    let tables = manifest(&kept)["tables"].as_array().unwrap().len();
    assert_eq!(names.len(), tables + 2, "{names:?}");
    for n in &names {
        let (a, b) = (
            std::fs::read(kept.join(n)).unwrap(),
            std::fs::read(single.join(n)).unwrap(),
        );
        assert!(
            a == b,
            "{format}: {n} differs between a single run and the merged shards"
        );
    }
}

#[test]
fn regression_7_three_shards_merge_to_exactly_a_single_run() {
    let tmp = tempdir();
    for format in ["parquet", "csv"] {
        // A skipped document, an undated one, a year-only date, groups.
        shards_merge_to_single_run(
            &fixtures(),
            tmp.path(),
            &[
                "run",
                "mini",
                "--lexicon",
                "lexicons/mini.toml",
                "--group",
                "source",
                "--by",
                "month",
            ],
            format,
            "2",
        );
        // The demo corpus with the default lexicon and stance rules, in row
        // groups of 3 rows: many groups, cut across batches and shards.
        shards_merge_to_single_run(
            tmp.path(),
            tmp.path(),
            &["run", "--group", "kind"],
            format,
            "3",
        );
    }
}

/// `run` with a trained model: a `sentences` table with one row per
/// sentence, model counts and share in documents and trends beside the
/// lexicon's; identical for any thread count, and shards merge to exactly
/// one run with either measure that uses the model.
#[test]
fn run_with_a_trained_model_writes_sentences_and_model_measures() {
    let tmp = tempdir();
    let t = tmp.path();
    let gold = fixtures().join("gold/stances.csv");
    framewatch(
        t,
        &[
            "train",
            "--gold",
            gold.to_str().unwrap(),
            "-o",
            "m.json",
            "--epochs",
            "30",
        ],
    )
    .ok();
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec!["run", "--model", "m.json", "--format", "csv", "--out", out];
        args.extend_from_slice(extra);
        framewatch(t, &args).ok()
    };
    let r = run("both1", &["--threads", "1"]);
    assert!(
        r.stderr.contains("the trained model (m.json) labels"),
        "{}",
        r.stderr
    );
    run("both3", &["--threads", "3"]);
    for table in ["documents", "hits", "trends", "sentences"] {
        let f = format!("{table}.csv");
        assert_eq!(
            read(&t.join("both1").join(&f)),
            read(&t.join("both3").join(&f)),
            "{table}: 1 vs 3 threads"
        );
    }
    let m = manifest(&t.join("both1"));
    assert_eq!(m["options"]["measure"], "both");
    assert_eq!(m["options"]["model"]["origin"], "m.json");
    assert_eq!(m["options"]["model"]["units"], 20);
    assert!(
        m["tables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "sentences.csv")
    );

    let docs = util::csv_rows(&t.join("both1/documents.csv"));
    let sentences = util::csv_rows(&t.join("both1/sentences.csv"));
    let total: usize = docs
        .iter()
        .map(|d| d["sentences"].parse::<usize>().unwrap())
        .sum();
    assert_eq!(sentences.len(), total, "one row per sentence");
    let first = &sentences[0];
    for col in [
        "doc_id",
        "sentence",
        "byte_start",
        "byte_end",
        "page",
        "text",
        "behavioural",
        "p_behavioural",
        "why_behavioural",
        "structural",
        "p_structural",
        "why_structural",
    ] {
        assert!(first.contains_key(col), "no column {col}: {first:?}");
    }
    // Each document's model counts are its sentences' labels, summed.
    for d in &docs {
        let mine = sentences.iter().filter(|s| s["doc_id"] == d["doc_id"]);
        for framing in ["behavioural", "structural"] {
            let (mut e, mut x) = (0, 0);
            for s in mine.clone() {
                let p: f64 = s[&format!("p_{framing}")].parse().unwrap();
                assert!((0.0..=1.0).contains(&p));
                match s[framing].as_str() {
                    "endorsed" => e += 1,
                    "distanced" => x += 1,
                    "none" => assert!(s[&format!("why_{framing}")].is_empty()),
                    other => panic!("label {other}"),
                }
            }
            assert_eq!(d[&format!("model_sentences_{framing}")], e.to_string());
            assert_eq!(d[&format!("model_distanced_{framing}")], x.to_string());
        }
        assert!(d.contains_key("rate_behavioural") && d.contains_key("model_share"));
    }
    let trends = util::csv_rows(&t.join("both1/trends.csv"));
    for col in [
        "model_share",
        "model_share_lo",
        "model_share_hi",
        "share",
        "sentence_share",
    ] {
        assert!(trends[0].contains_key(col), "trends: no {col}");
    }

    // --sentence-text: the default (labelled) keeps the text of the
    // sentences labelled other than none or holding a counted hit; `all`
    // every sentence's; `none` none. Nothing else differs.
    run("all", &["--sentence-text", "all"]);
    run("none", &["--sentence-text", "none"]);
    let all = util::csv_rows(&t.join("all/sentences.csv"));
    let none = util::csv_rows(&t.join("none/sentences.csv"));
    let hits = util::csv_rows(&t.join("both1/hits.csv"));
    assert_eq!((all.len(), none.len()), (sentences.len(), sentences.len()));
    let (mut kept, mut left) = (0, 0);
    for ((s, a), n) in sentences.iter().zip(&all).zip(&none) {
        assert!(!a["text"].is_empty() && n["text"].is_empty());
        let without_text = |r: &std::collections::BTreeMap<String, String>| {
            r.iter()
                .filter(|(k, _)| *k != "text")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(without_text(s), without_text(a));
        assert_eq!(without_text(s), without_text(n));
        let counted = hits.iter().any(|h| {
            h["doc_id"] == s["doc_id"] && h["sentence"] == s["sentence"] && h["status"] == "counted"
        });
        let labelled = s["behavioural"] != "none" || s["structural"] != "none";
        if counted || labelled {
            assert_eq!(s["text"], a["text"]);
            kept += 1;
        } else {
            assert!(s["text"].is_empty(), "{s:?}");
            left += 1;
        }
    }
    assert!(kept > 0 && left > 0, "{kept} kept, {left} left out");
    assert_eq!(
        manifest(&t.join("both1"))["options"]["sentence_text"],
        "labelled"
    );
    assert_eq!(manifest(&t.join("all"))["options"]["sentence_text"], "all");

    // --measure model: the lexicon's counts stay, its measures go.
    run("model", &["--measure", "model"]);
    let d = &util::csv_rows(&t.join("model/documents.csv"))[0];
    assert!(d.contains_key("hits_behavioural") && d.contains_key("model_share"));
    assert!(!d.contains_key("rate_behavioural") && !d.contains_key("share"));
    let tr = &util::csv_rows(&t.join("model/trends.csv"))[0];
    assert!(tr.contains_key("model_share_lo") && !tr.contains_key("share_lo"));
    assert!(!tr.keys().any(|k| k.starts_with("rate_")), "{tr:?}");
    // --measure lexicon: as before the model existed.
    run("lexicon", &["--measure", "lexicon"]);
    assert!(!t.join("lexicon/sentences.csv").exists());
    let d = &util::csv_rows(&t.join("lexicon/documents.csv"))[0];
    assert!(!d.keys().any(|k| k.starts_with("model_")), "{d:?}");
    // The built-in lexicon's default: both, with the built-in model.
    framewatch(t, &["run", "-q", "--out", "default"]).ok();
    assert_eq!(
        manifest(&t.join("default"))["options"]["model"]["origin"],
        "builtin"
    );
    // A model for another lexicon is refused, naming both.
    let mini = fixtures().join("lexicons/mini.toml");
    let r = framewatch(
        t,
        &[
            "run",
            "--lexicon",
            mini.to_str().unwrap(),
            "--model",
            "m.json",
            "--out",
            "x",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("m.json"), "{}", r.stderr);
    // Without --model another lexicon is measured by itself, and says so.
    let r = framewatch(
        t,
        &["run", "--lexicon", mini.to_str().unwrap(), "--out", "y"],
    )
    .ok();
    assert!(
        r.stderr.contains("no trained model for lexicon"),
        "{}",
        r.stderr
    );

    // Why: each sentence's label and the features that pushed it each way.
    let r = framewatch(
        t,
        &[
            "lexicon",
            "explain",
            "--model",
            "m.json",
            "Low pay and benefit cuts push families into poverty. It rained.",
        ],
    )
    .ok();
    assert!(
        r.stdout.contains("model (m.json): each sentence"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("[s1] \"It rained.\""), "{}", r.stdout);
    assert!(
        r.stdout.contains("towards endorsed: c:structural"),
        "{}",
        r.stdout
    );
    let r = framewatch(t, &["lexicon", "explain", "--model", "none", "It rained."]).ok();
    assert!(!r.stdout.contains("model ("), "{}", r.stdout);

    for measure in ["both", "model"] {
        shards_merge_to_single_run(
            t,
            t,
            &["run", "--group", "kind", "--measure", measure],
            "parquet",
            "3",
        );
    }
}

#[test]
fn regression_7_shards_of_shared_corpora_merge_to_a_single_run() {
    let shared = need_shared!();
    let tmp = tempdir();
    let sotu = shared.join("corpora/us_sotu");
    let uk = shared.join("corpora/uk_manifestos");
    shards_merge_to_single_run(
        tmp.path(),
        tmp.path(),
        &[
            "run",
            sotu.to_str().unwrap(),
            uk.to_str().unwrap(),
            "--by",
            "decade",
            "--group",
            "source",
        ],
        "parquet",
        "100",
    );
}

#[test]
fn merge_refuses_incomplete_or_mismatched_shards() {
    let tmp = tempdir();
    let t = tmp.path();
    let run = |args: &[&str]| framewatch(t, args);
    run(&["run", "-q", "--shard", "1/3", "--out", "s1"]).ok();
    run(&["run", "-q", "--shard", "2/3", "--out", "s2"]).ok();
    run(&[
        "run", "-q", "--shard", "3/3", "--by", "decade", "--out", "s3x",
    ])
    .ok();
    run(&["run", "-q", "--out", "plain"]).ok();
    let r = run(&["merge", "s1", "s2", "--out", "m"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing shards: 3/3"), "{}", r.stderr);
    let r = run(&["merge", "s1", "s2", "s3x", "--out", "m"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("different options"), "{}", r.stderr);
    let r = run(&["merge", "s1", "plain", "--out", "m"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a shard run"), "{}", r.stderr);
    let r = run(&["merge", "s1", "s1", "--out", "m"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("given twice"), "{}", r.stderr);
    for bad in ["0/3", "4/3", "x"] {
        let r = run(&["run", "-q", "--shard", bad, "--out", "bad"]);
        assert_eq!(r.code, 2, "{bad}");
        assert!(r.stderr.contains("--shard"), "{}", r.stderr);
    }
    assert!(!t.join("m").join("manifest.json").exists());
}

#[test]
fn tag_prints_per_document_counts_like_the_run() {
    let tmp = tempdir();
    let out = tmp.path().join("run");
    framewatch(
        &fixtures(),
        &mini_args(out.to_str().unwrap(), &["--format", "csv", "-q"]),
    )
    .ok();
    let docs = read(&out.join("documents.csv"));
    let r = framewatch(
        &fixtures(),
        &[
            "tag",
            "mini",
            "--lexicon",
            "lexicons/mini.toml",
            "--counts",
            "endorsed",
        ],
    )
    .ok();
    assert!(
        r.stderr.contains("mini/texts/d.txt: skipped: missing"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains('\r'), "no progress line off a terminal");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "doc,behavioural,structural");
    assert_eq!(lines.len(), 5, "{}", r.stdout);
    // Endorsed counts are the documents table's hits_<category>.
    let mut rdr = csv::Reader::from_reader(docs.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    for (line, rec) in lines[1..].iter().zip(rdr.records()) {
        let rec = rec.unwrap();
        let want = format!(
            "{},{},{}",
            &rec[col("path")],
            &rec[col("hits_behavioural")],
            &rec[col("hits_structural")]
        );
        assert_eq!(*line, want);
    }
    // All matches: endorsed + negated + distanced + no context, per category.
    let all = framewatch(
        &fixtures(),
        &[
            "tag",
            "mini",
            "--lexicon",
            "lexicons/mini.toml",
            "--format",
            "jsonl",
            "-j",
            "1",
        ],
    )
    .ok();
    let mut rows = 0;
    for l in all.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        for c in ["behavioural", "structural"] {
            let sum: u64 = ["endorsed", "negated", "distanced", "no_context"]
                .iter()
                .map(|k| v[k][c].as_u64().unwrap())
                .sum();
            assert_eq!(v["all"][c].as_u64().unwrap(), sum);
        }
        rows += 1;
    }
    assert_eq!(rows, 4);
    // Shards partition the documents; any thread count gives the same bytes.
    let full = framewatch(
        &fixtures(),
        &["tag", "mini", "-l", "lexicons/mini.toml", "-j", "2"],
    )
    .ok();
    let one = framewatch(
        &fixtures(),
        &["tag", "mini", "-l", "lexicons/mini.toml", "-j", "1"],
    )
    .ok();
    assert_eq!(full.stdout, one.stdout);
    let mut parts: Vec<String> = Vec::new();
    for k in ["1/2", "2/2"] {
        let r = framewatch(
            &fixtures(),
            &["tag", "mini", "-l", "lexicons/mini.toml", "--shard", k],
        )
        .ok();
        parts.extend(r.stdout.lines().skip(1).map(String::from));
    }
    let mut want: Vec<String> = full.stdout.lines().skip(1).map(String::from).collect();
    parts.sort();
    want.sort();
    assert_eq!(parts, want);
}

#[test]
fn tag_reads_quanteda_yaml_directly_with_or_without_stemming() {
    let dict = fixtures().join("dicts/framing.yml");
    let dict = dict.to_str().unwrap();
    let exact = framewatch(&fixtures(), &["tag", "mini", "--lexicon", dict]).ok();
    let stemmed = framewatch(&fixtures(), &["tag", "mini", "--lexicon", dict, "--stem"]).ok();
    for r in [&exact, &stemmed] {
        assert!(r.stdout.starts_with("doc,"), "{}", r.stdout);
        assert_eq!(r.stdout.lines().count(), 5, "{}", r.stdout);
    }
    let total = |s: &str| -> u64 {
        s.lines()
            .skip(1)
            .flat_map(|l| {
                l.split(',')
                    .skip(1)
                    .map(|x| x.parse::<u64>().unwrap())
                    .collect::<Vec<_>>()
            })
            .sum()
    };
    assert!(total(&stemmed.stdout) >= total(&exact.stdout));
}

#[test]
fn tag_takes_the_ingest_flags_and_standard_input() {
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::write(
        dir.join("news.csv"),
        "id,body\n1,Low pay and benefit cuts.\n2,\n",
    )
    .unwrap();
    // The text column is named, as for `run`; the empty row is skipped.
    let r = framewatch(dir, &["tag", "news.csv", "--text-col", "body"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "doc,behavioural,structural,context\nnews.csv,0,2,0\n"
    );
    assert!(
        r.stderr
            .contains("framewatch: 1 documents tagged, 1 skipped (empty-text 1)"),
        "{}",
        r.stderr
    );
    // Limits apply.
    let r = framewatch(
        dir,
        &["tag", "news.csv", "--text-col", "body", "--max-tokens", "3"],
    );
    assert!(r.stderr.contains("too-many-tokens"), "{}", r.stderr);
    // Standard input, as text and as JSON Lines.
    let r = util::framewatch_stdin(dir, &["tag", "-"], b"Welfare dependency and low pay.");
    assert_eq!(
        r.stdout, "doc,behavioural,structural,context\n-,1,1,0\n",
        "{}",
        r.stderr
    );
    let r = util::framewatch_stdin(
        dir,
        &["tag", "-", "--stdin-format", "jsonl", "--format", "jsonl"],
        b"{\"id\":\"a\",\"text\":\"low pay\"}\n",
    );
    assert!(
        r.stdout.contains("\"doc_id\":\"stdin#a\""),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    let r = framewatch(dir, &["tag", "-", "news.csv"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot be combined"), "{}", r.stderr);
}

/// Categories are the user's (issue 16): a dictionary without
/// behavioural and structural runs, its tables leave share and balance
/// out with one line saying why, the report renders its categories'
/// rates, and `--poles A,B` brings share and balance back for any pair,
/// through shards and merge too.
#[test]
fn any_categories_run_report_and_poles() {
    let tmp = tempdir();
    let dict = tmp.path().join("econ.yml");
    std::fs::write(
        &dict,
        "\"Pay+\":\n  - \"low pay\"\n  - \"zero-hours\"\n\"Blame.words\":\n  - \"scroung*\"\n  - \"pay\"\nCost:\n  - \"cost of living\"\n  - \"pay\"\n",
    )
    .unwrap();
    let dict_s = dict.to_str().unwrap();
    let out = tmp.path().join("plain");
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "mini",
            "--lexicon",
            dict_s,
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    assert!(
        r.stderr
            .contains("share and balance left out: lexicon \"econ\" declares no poles"),
        "{}",
        r.stderr
    );
    let docs = util::csv_rows(&out.join("documents.csv"));
    let cols: Vec<&String> = docs[0].keys().collect();
    assert!(
        cols.iter()
            .all(|c| !c.contains("share") && !c.contains("balance")),
        "{cols:?}"
    );
    // "+" is spelled out so that the key stays apart and goes back out as written.
    assert!(
        docs[0].contains_key("rate_pay_plus") && docs[0].contains_key("rate_blame_words"),
        "{cols:?}"
    );
    let a = docs.iter().find(|d| d["doc_id"] == "a").unwrap();
    // "pay" is a value of two keys: inside "low pay" it is nested (not
    // counted); alone ("Low, pay") it counts under both keys; "not about
    // scroungers" is negated.
    let got: Vec<&str> = [
        "hits_pay_plus",
        "hits_blame_words",
        "hits_cost",
        "negated_blame_words",
    ]
    .iter()
    .map(|c| a[*c].as_str())
    .collect();
    assert_eq!(got, ["2", "1", "2", "1"], "{a:?}");
    let trends = util::csv_rows(&out.join("trends.csv"));
    assert!(
        trends[0].keys().all(|c| !c.contains("share")),
        "{:?}",
        trends[0].keys()
    );
    let report = tmp.path().join("r.html");
    framewatch(
        tmp.path(),
        &[
            "report",
            out.to_str().unwrap(),
            "-o",
            report.to_str().unwrap(),
        ],
    )
    .ok();
    let html = read(&report);
    assert!(html.contains("Share and balance are left out"), "report");
    assert!(html.contains(">pay_plus</text>"), "report legend");

    // Any pair of categories as poles, and merge finds them in the manifest.
    let mut merged_from = Vec::new();
    for k in 1..=2 {
        let o = tmp.path().join(format!("s{k}"));
        framewatch(
            &fixtures(),
            &[
                "run",
                "mini",
                "-q",
                "--lexicon",
                dict_s,
                "--poles",
                "pay_plus,blame_words",
                "--shard",
                &format!("{k}/2"),
                "--out",
                o.to_str().unwrap(),
            ],
        )
        .ok();
        merged_from.push(o.to_str().unwrap().to_string());
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(merged_from);
    args.extend(["--out".into(), merged.to_str().unwrap().into()]);
    framewatch(
        tmp.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .ok();
    let m = manifest(&merged);
    assert_eq!(
        m["lexicon"]["poles"],
        serde_json::json!(["pay_plus", "blame_words"])
    );
    let single = tmp.path().join("single");
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "mini",
            "--lexicon",
            dict_s,
            "--poles",
            "pay_plus,blame_words",
            "--format",
            "csv",
            "--out",
            single.to_str().unwrap(),
        ],
    )
    .ok();
    assert!(r.stderr.contains("endorsed pay_plus "), "{}", r.stderr);
    assert!(r.stderr.contains("pay_plus share "), "{}", r.stderr);
    let docs = util::csv_rows(&single.join("documents.csv"));
    assert!(docs[0].contains_key("share") && docs[0].contains_key("balance"));
    let r = framewatch(
        &fixtures(),
        &[
            "run",
            "mini",
            "--lexicon",
            dict_s,
            "--poles",
            "pay_plus,nope",
            "--out",
            single.to_str().unwrap(),
            "--force",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("\"nope\" is not a category"),
        "{}",
        r.stderr
    );
}

/// Issue 18: the notebook reads the group columns from the run's manifest
/// (an ungrouped run has none, whatever its columns are called) and writes
/// its figures to FRAMEWATCH_FIGURES, never into the run folder.
#[test]
fn notebook_reads_groups_from_the_manifest_and_keeps_figures_out_of_the_run() {
    let ready = std::process::Command::new("python3")
        .args([
            "-c",
            "import nbclient, nbformat, ipykernel, polars, matplotlib",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ready {
        eprintln!(
            "skipped: needs python3 with nbclient nbformat ipykernel polars matplotlib (.ci/run installs them)"
        );
        return;
    }
    let tmp = tempdir();
    for (name, group) in [("grouped", Some("source")), ("plain", None)] {
        let run = tmp.path().join(name);
        let mut args = vec!["run", "mini", "-o", run.to_str().unwrap(), "-q"];
        if let Some(g) = group {
            args.extend(["--group", g]);
        }
        framewatch(&fixtures(), &args).ok();
        let tables = std::fs::read_dir(&run).unwrap().count();
        let figures = tmp.path().join(format!("figures-{name}"));
        let out = std::process::Command::new("python3")
            .arg(root().join("notebooks/run_notebook.py"))
            .arg(&run)
            .env("FRAMEWATCH_FIGURES", &figures)
            .env("MPLBACKEND", "Agg")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_dir(&run).unwrap().count(),
            tables,
            "{name}: wrote into the run"
        );
        let mut made: Vec<String> = std::fs::read_dir(&figures)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        made.sort();
        // Grouped: the run's group; ungrouped: the documents' kinds (the
        // mini corpus has news and policy), never a count column.
        let compared = if group.is_some() {
            "share_by_source.png"
        } else {
            "share_by_kind.png"
        };
        assert_eq!(
            made,
            vec![compared.to_string(), "trend.png".to_string()],
            "{name}"
        );
    }
}
