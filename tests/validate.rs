//! `framewatch validate`: metrics checked against hand-computed values.

use crate::util::{csv_rows, fixtures, framewatch, golden, read, tempdir};

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).expect("validate --json prints JSON")
}

fn label<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == name)
        .unwrap_or_else(|| panic!("no label {name} in {v}"))
}

fn close(v: &serde_json::Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-3)
}

#[test]
fn two_coders_agreement_then_majority() {
    let r = framewatch(
        &fixtures(),
        &["validate", "--gold", "gold/coders.csv", "--json"],
    )
    .ok();
    let v = json(&r.stdout);
    assert_eq!(v["coders"], serde_json::json!(["A", "B"]));
    let agree = |name: &str| {
        v["coder_agreement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["label"] == name)
            .unwrap()
            .clone()
    };
    // behavioural: A 1,0,0,1,0,0 and B 1,0,0,1,1,0. By hand: po = 5/6,
    // pe = (2*3 + 4*3)/36 = 1/2, kappa = 2/3; coincidences o11 = 4,
    // o00 = 6, o01 = o10 = 1, n = 12, alpha = 1 - 11*2/(2*5*7) = 0.6857.
    let b = agree("behavioural");
    assert!(close(&b["alpha"], 1.0 - 22.0 / 70.0), "{b}");
    assert!(close(&b["pairs"][0]["kappa"], 2.0 / 3.0), "{b}");
    assert!(close(&b["pairs"][0]["agreement"], 5.0 / 6.0), "{b}");
    assert_eq!(b["units"], 6);
    let s = agree("structural");
    assert!(
        close(&s["alpha"], 1.0) && close(&s["pairs"][0]["kappa"], 1.0),
        "{s}"
    );
    // The coders tie on u5 for behavioural: it is left out, not guessed.
    let lb = label(&v, "behavioural");
    assert_eq!(lb["ties"], 1);
    assert_eq!(lb["n"], 5);
    assert_eq!(
        lb["confusion"],
        serde_json::json!({"tp": 2, "fp": 0, "fn": 0, "tn": 3})
    );
    let ls = label(&v, "structural");
    assert_eq!(ls["n"], 6);
    assert_eq!(ls["confusion"]["tp"], 2);
    assert!(close(&ls["f1"], 1.0) && close(&ls["kappa"], 1.0), "{ls}");
    assert_eq!(
        v["stances"],
        serde_json::json!([]),
        "no stance codes, no stance report"
    );
    assert_eq!(v["standalone_units"], 6);
}

#[test]
fn demo_gold_file_matches_golden_and_adds_up() {
    let tmp = tempdir();
    let errors = tmp.path().join("errors.csv");
    let r = framewatch(
        &fixtures(),
        &[
            "validate",
            "--gold",
            "gold/demo-gold.csv",
            "--json",
            "--errors",
            errors.to_str().unwrap(),
        ],
    )
    .ok();
    golden("validate/demo-gold.json", &r.stdout);
    let v = json(&r.stdout);
    assert_eq!(v["units"], 60);
    assert_eq!(
        v["standalone_units"], 0,
        "every unit is cut from the demo corpus"
    );
    let mut listed = 0;
    for l in v["labels"].as_array().unwrap() {
        let c = &l["confusion"];
        let sum: u64 = ["tp", "fp", "fn", "tn"]
            .iter()
            .map(|k| c[k].as_u64().unwrap())
            .sum();
        assert_eq!(sum, l["n"].as_u64().unwrap(), "{l}");
        assert_eq!(
            l["false_positives"].as_array().unwrap().len() as u64,
            c["fp"].as_u64().unwrap()
        );
        assert_eq!(
            l["false_negatives"].as_array().unwrap().len() as u64,
            c["fn"].as_u64().unwrap()
        );
        listed += c["fp"].as_u64().unwrap() + c["fn"].as_u64().unwrap();
        // Precision is tp / (tp + fp), and its interval brackets it.
        let (tp, fp) = (c["tp"].as_f64().unwrap(), c["fp"].as_f64().unwrap());
        if tp + fp > 0.0 {
            assert!(close(&l["precision"], tp / (tp + fp)), "{l}");
            let (lo, hi) = (&l["precision_ci"][0], &l["precision_ci"][1]);
            assert!(
                lo.as_f64().unwrap() <= tp / (tp + fp) && tp / (tp + fp) <= hi.as_f64().unwrap()
            );
        }
    }
    assert!(listed > 0);
    assert_eq!(read(&errors).lines().count() as u64, listed + 1);
    assert!(v["stances"][0]["n"].as_u64().unwrap() > 0);
    assert!(label(&v, "behavioural (endorsed)")["n"].as_u64().unwrap() > 0);
    // The text report says the same and is stable for the same seed.
    let t1 = framewatch(&fixtures(), &["validate", "--gold", "gold/demo-gold.csv"]).ok();
    let t2 = framewatch(&fixtures(), &["validate", "--gold", "gold/demo-gold.csv"]).ok();
    assert_eq!(t1.stdout, t2.stdout);
    assert!(t1.stdout.contains("precision [95% CI]"), "{}", t1.stdout);
}

#[test]
fn jsonl_gold_with_stance() {
    let r = framewatch(
        &fixtures(),
        &[
            "validate",
            "--gold",
            "gold/units.jsonl",
            "--json",
            "--bootstrap",
            "0",
        ],
    )
    .ok();
    let v = json(&r.stdout);
    assert_eq!(v["units"], 3);
    let b = label(&v, "behavioural");
    assert_eq!(
        b["confusion"],
        serde_json::json!({"tp": 2, "fp": 0, "fn": 0, "tn": 1})
    );
    assert!(b["f1_ci"][0].is_null(), "--bootstrap 0: no intervals");
    // j1 is coded negated, j3 endorsed: only j3 is an endorsed positive.
    let e = label(&v, "behavioural (endorsed)");
    assert_eq!(
        e["confusion"],
        serde_json::json!({"tp": 1, "fp": 0, "fn": 0, "tn": 2})
    );
    assert_eq!(v["stances"][0]["n"], 2);
    assert!(close(&v["stances"][0]["accuracy"], 1.0), "{}", v["stances"]);
}

#[test]
fn min_f1_sets_the_exit_code() {
    let pass = framewatch(
        &fixtures(),
        &["validate", "--gold", "gold/coders.csv", "--min-f1", "0.9"],
    );
    assert_eq!(pass.code, 0, "{}", pass.stderr);
    let fail = framewatch(
        &fixtures(),
        &[
            "validate",
            "--gold",
            "gold/demo-gold.csv",
            "--min-f1",
            "0.99",
        ],
    );
    assert_eq!(fail.code, 1, "{}", fail.stderr);
    assert!(
        fail.stderr.contains("is below --min-f1 0.99"),
        "{}",
        fail.stderr
    );
    let bad = framewatch(
        &fixtures(),
        &["validate", "--gold", "gold/coders.csv", "--min-f1", "7"],
    );
    assert_eq!(bad.code, 2);
}

#[test]
fn bad_gold_files_are_named_with_line_and_column() {
    let r = framewatch(&fixtures(), &["validate", "--gold", "gold/badvalue.csv"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("gold/badvalue.csv:3:4: `structural` must be 1 or 0"),
        "{}",
        r.stderr
    );
    let r = framewatch(&fixtures(), &["validate", "--gold", "gold/nolabels.csv"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no label column"), "{}", r.stderr);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    let tmp = tempdir();
    let dup = tmp.path().join("dup.csv");
    std::fs::write(&dup, "unit_id,text,behavioural\na,x,1\na,x,0\n").unwrap();
    framewatch(tmp.path(), &["validate", "--gold", "dup.csv"])
        .fails(2, "dup.csv:3: unit \"a\" is coded twice");
    // A sheet straight from `sample`, not yet coded.
    let r = framewatch(tmp.path(), &["sample", "-n", "5", "-o", "sheet.csv"]).ok();
    assert!(r.stderr.contains("drew 5"), "{}", r.stderr);
    let r = framewatch(tmp.path(), &["validate", "--gold", "sheet.csv"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("sheet.csv: no unit has a code"),
        "{}",
        r.stderr
    );
    let moved = tmp.path().join("moved.csv");
    std::fs::write(
        &moved,
        "unit_id,doc_id,byte_start,byte_end,text,behavioural\nm,ministry_2007-02-12,0,10,Not the text at all,1\n",
    )
    .unwrap();
    let r = framewatch(tmp.path(), &["validate", "--gold", "moved.csv"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("the text in the sheet differs"),
        "{}",
        r.stderr
    );
}

/// `sample` records each unit's stratum and inclusion probability in its
/// key; `validate --design` weights by them, `--where` filters rows, and
/// `--min-f1 LABEL=X` checks one label's (weighted) F1.
#[test]
fn sample_design_weights_filters_and_label_floors() {
    let tmp = tempdir();
    framewatch(
        tmp.path(),
        &["sample", "-n", "40", "--seed", "3", "-o", "sheet.csv"],
    )
    .ok();
    let key = crate::util::csv_rows(&tmp.path().join("sheet.key.csv"));
    assert_eq!(key.len(), 40);
    let mut per_stratum: std::collections::BTreeMap<&str, (usize, f64)> = Default::default();
    for k in &key {
        let p: f64 = k["inclusion_prob"].parse().unwrap();
        assert!(p > 0.0 && p <= 1.0, "{k:?}");
        let e = per_stratum.entry(k["stratum"].as_str()).or_insert((0, p));
        assert_eq!(e.1, p, "one probability per stratum");
        e.0 += 1;
    }
    for (stratum, (drawn, p)) in &per_stratum {
        // drawn / p is the stratum's size: a whole number.
        let size = *drawn as f64 / p;
        assert!((size - size.round()).abs() < 1e-6, "{stratum}: {size}");
        assert!(stratum.ends_with("|fired") || stratum.ends_with("|not-fired"));
    }
    // Code the sheet as the tool's labels say (any stance), so F1 is 1.
    let sheet = crate::util::csv_rows(&tmp.path().join("sheet.csv"));
    let mut gold =
        String::from("unit_id,doc_id,byte_start,byte_end,source,behavioural,structural\n");
    for (s, k) in sheet.iter().zip(&key) {
        assert_eq!(s["unit_id"], k["unit_id"]);
        let has = |c: &str| u8::from(k["labels"].split(' ').any(|l| l.starts_with(c)));
        gold.push_str(&format!(
            "{},{},{},{},\"{}\",{},{}\n",
            s["unit_id"],
            s["doc_id"],
            s["byte_start"],
            s["byte_end"],
            s["source"],
            has("behavioural."),
            has("structural.")
        ));
    }
    std::fs::write(tmp.path().join("gold.csv"), gold).unwrap();
    let r = framewatch(
        tmp.path(),
        &[
            "validate",
            "--gold",
            "gold.csv",
            "--design",
            "sheet.key.csv",
            "--json",
            "--min-f1",
            "structural=1",
        ],
    )
    .ok();
    let v = json(&r.stdout);
    assert_eq!(v["schema"], "framewatch-validate/2");
    assert_eq!(v["design_weighted"], true);
    assert_eq!(v["strata"].as_u64().unwrap() as usize, per_stratum.len());
    let s = label(&v, "structural");
    assert!(close(&s["weighted"]["f1"], 1.0), "{s}");
    assert!(
        r.stderr
            .contains("structural: design-weighted F1 1.000 meets --min-f1 1"),
        "{}",
        r.stderr
    );
    // --where keeps the rows of one source.
    let source = sheet[0]["source"].clone();
    let kept = sheet.iter().filter(|s| s["source"] == source).count();
    let r = framewatch(
        tmp.path(),
        &[
            "validate",
            "--gold",
            "gold.csv",
            "--json",
            "--where",
            &format!("source={source}"),
        ],
    )
    .ok();
    let v = json(&r.stdout);
    assert_eq!(v["units"].as_u64().unwrap() as usize, kept);
    assert_eq!(v["filtered_out_rows"].as_u64().unwrap() as usize, 40 - kept);
    // Unknown labels and columns are usage errors.
    let r = framewatch(
        tmp.path(),
        &["validate", "--gold", "gold.csv", "--min-f1", "nosuch=0.5"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no label \"nosuch\""), "{}", r.stderr);
    let r = framewatch(
        tmp.path(),
        &["validate", "--gold", "gold.csv", "--where", "split=test"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("has no `split` column"), "{}", r.stderr);
}

/// `validate --cv K` labels each unit with a model trained without its
/// fold and reports it beside the lexicon.
#[test]
fn validate_cross_validates_the_model_on_your_own_coding() {
    let tmp = tempdir();
    let gold = fixtures().join("gold/stances.csv");
    let gold = gold.to_str().unwrap();
    let errors = tmp.path().join("errors.csv");
    let r = framewatch(
        tmp.path(),
        &[
            "validate",
            "--gold",
            gold,
            "--cv",
            "2",
            "--json",
            "--errors",
            errors.to_str().unwrap(),
        ],
    )
    .ok();
    let v = json(&r.stdout);
    assert_eq!(v["method"], "lexicon");
    assert_eq!(v["model"]["method"], "model (cross-validated)");
    // --errors lists the lexicon's errors and then the model's, each row
    // naming its method.
    let listed = |report: &serde_json::Value| -> Vec<(String, String, String)> {
        let mut rows = Vec::new();
        for l in report["labels"].as_array().unwrap() {
            for (cases, kind) in [("false_positives", "fp"), ("false_negatives", "fn")] {
                for c in l[cases].as_array().unwrap() {
                    rows.push((
                        l["label"].as_str().unwrap().to_string(),
                        kind.to_string(),
                        c["unit_id"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
        rows
    };
    let mut by_method = std::collections::BTreeMap::<String, Vec<_>>::new();
    for row in csv::Reader::from_path(&errors).unwrap().records() {
        let row = row.unwrap();
        by_method.entry(row[0].to_string()).or_default().push((
            row[1].to_string(),
            row[2].to_string(),
            row[3].to_string(),
        ));
    }
    let rows_of = |method: &str| by_method.get(method).cloned().unwrap_or_default();
    assert_eq!(rows_of("lexicon"), listed(&v));
    assert_eq!(rows_of("model (cross-validated)"), listed(&v["model"]));
    assert!(!rows_of("model (cross-validated)").is_empty());
    assert!(
        by_method
            .keys()
            .all(|m| m == "lexicon" || m == "model (cross-validated)")
    );
    let s = label(&v["model"], "structural (endorsed)");
    let count = |l: &serde_json::Value, k: &str| l["confusion"][k].as_u64().unwrap();
    let [tp, fp, fneg, tn] = ["tp", "fp", "fn", "tn"].map(|k| count(s, k));
    // Every unit is labelled once, against the same reference as the lexicon.
    assert_eq!(tp + fp + fneg + tn, 20);
    let lexicon = label(&v, "structural (endorsed)");
    assert_eq!(tp + fneg, count(lexicon, "tp") + count(lexicon, "fn"));
    assert!(tp > 0, "{s}");
    // The model's entries name their framing. A false positive lists the
    // model's label; a false negative first what the model made of the
    // framing (its probabilities), then what was found for the other
    // labels, another framing's among them.
    let mut named = 0;
    for l in v["model"]["labels"].as_array().unwrap() {
        let label = l["label"].as_str().unwrap();
        let framing = label.split(' ').next().unwrap();
        let own = format!("model {framing}: ");
        for (cases, fp) in [("false_positives", true), ("false_negatives", false)] {
            for case in l[cases].as_array().unwrap() {
                let entries: Vec<&str> = case["entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap())
                    .collect();
                let first = entries.first().copied().unwrap_or_default();
                assert!(first.starts_with(&own), "{cases} of {label}: {entries:?}");
                if !fp {
                    // Missed: not the label the reference has.
                    let said = &first[own.len()..];
                    assert!(!said.starts_with("endorsed"), "{label}: {first}");
                    if !label.ends_with("(endorsed)") {
                        assert!(said.starts_with("none"), "{label}: {first}");
                    }
                }
                for e in &entries {
                    let named_one =
                        e.starts_with("model behavioural: ") || e.starts_with("model structural: ");
                    assert!(named_one, "{cases} of {label}: {e}");
                    named += 1;
                }
            }
        }
    }
    assert!(named > 0, "{}", v["model"]);
    // The model against the lexicon, unit by unit: the four-way splits add
    // up to each method's confusion table, and the F1 difference is the
    // two F1s'.
    let against = v["model"]["against_lexicon"].as_array().unwrap();
    assert_eq!(against.len(), 4, "{against:?}");
    for c in against {
        let name = c["label"].as_str().unwrap();
        let (m, x) = (label(&v["model"], name), label(&v, name));
        let n = |side: &str, k: &str| c[side][k].as_u64().unwrap();
        for (side, flagged) in [("positives", "tp"), ("negatives", "fp")] {
            for (alone, report) in [("model_only", m), ("lexicon_only", x)] {
                let sum = n(side, "both") + n(side, alone);
                assert_eq!(sum, count(report, flagged), "{side} {alone}: {c}");
            }
        }
        assert_eq!(
            n("positives", "neither"),
            count(m, "fn") - n("positives", "lexicon_only")
        );
        assert_eq!(c["n"], m["n"]);
        if let (Some(d), Some(fm), Some(fx)) = (
            c["f1_difference"].as_f64(),
            m["f1"].as_f64(),
            x["f1"].as_f64(),
        ) {
            assert!((d - (fm - fx)).abs() < 1e-12, "{c}");
        }
    }
    let text = framewatch(tmp.path(), &["validate", "--gold", gold, "--cv", "2"]).ok();
    assert!(
        text.stdout.contains("the trained model, cross-validated"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("the model against the lexicon on the same units"),
        "{}",
        text.stdout
    );
    for bad in [&["--cv", "1"][..], &["--cv", "2", "--model", "builtin"][..]] {
        let mut args = vec!["validate", "--gold", gold];
        args.extend_from_slice(bad);
        assert_eq!(framewatch(tmp.path(), &args).code, 2, "{bad:?}");
    }
}

/// The folds of `train` (and of its threshold tuning) follow the gold
/// file's document ids, so documents named by their paths (several inputs,
/// no metadata) give the same model however the folders are spelled:
/// `a b` or their absolute paths (regression: the built-in model changed
/// with `../shared/seed` against `/work/shared/seed`).
#[test]
fn train_is_the_same_however_the_corpus_path_is_spelled() {
    let tmp = tempdir();
    let docs = [
        (
            "d1",
            "Welfare dependency is a lifestyle choice.",
            "endorsed",
            "none",
        ),
        (
            "d2",
            "Low pay and benefit cuts push families into poverty.",
            "none",
            "endorsed",
        ),
        (
            "d3",
            "Scroungers abuse the benefits system.",
            "endorsed",
            "none",
        ),
        (
            "d4",
            "Austerity and insecure work cause hardship.",
            "none",
            "endorsed",
        ),
        (
            "d5",
            "Poor people must take personal responsibility.",
            "endorsed",
            "none",
        ),
        (
            "d6",
            "Housing costs and low wages trap families in poverty.",
            "none",
            "endorsed",
        ),
        (
            "d7",
            "Idle claimants choose a life on benefits.",
            "endorsed",
            "none",
        ),
        (
            "d8",
            "Benefit sanctions and zero-hours contracts leave families hungry.",
            "none",
            "endorsed",
        ),
    ];
    let mut gold = String::from("unit_id,doc_id,byte_start,byte_end,behavioural,structural\n");
    for (k, (id, first, b, s)) in docs.into_iter().enumerate() {
        let folder = tmp.path().join(if k % 2 == 0 { "a" } else { "b" });
        std::fs::create_dir_all(&folder).unwrap();
        let second = "The weather was fine that day.";
        let text = format!("{first} {second}\n");
        std::fs::write(folder.join(format!("{id}.txt")), &text).unwrap();
        let n = first.len();
        gold.push_str(&format!("{id}#0,{id},0,{n},{b},{s}\n"));
        gold.push_str(&format!(
            "{id}#1,{id},{},{},none,none\n",
            n + 1,
            n + 1 + second.len()
        ));
    }
    std::fs::write(tmp.path().join("gold.csv"), gold).unwrap();
    let abs = |f: &str| tmp.path().join(f).to_str().unwrap().to_string();
    let spellings = [
        ("rel.json", ["a".to_string(), "b".to_string()]),
        ("abs.json", [abs("a"), abs("b")]),
    ];
    let models: Vec<String> = spellings
        .iter()
        .map(|(out, [a, b])| {
            let args = [
                "train",
                "--gold",
                "gold.csv",
                a,
                b,
                "-o",
                out,
                "--cv",
                "4",
                "--tune-folds",
                "4",
            ];
            framewatch(tmp.path(), &args).ok();
            read(&tmp.path().join(out))
        })
        .collect();
    assert_eq!(models[0], models[1]);
}

/// `train` fits the classifier on coded units and writes a self-describing
/// model, byte for byte the same on a second run; `validate --model`
/// measures it beside the lexicon; a model for another lexicon is refused.
#[test]
fn train_then_validate_with_the_model() {
    let tmp = tempdir();
    let gold = fixtures().join("gold/stances.csv");
    let gold = gold.to_str().unwrap();
    let train = |out: &str| {
        framewatch(
            tmp.path(),
            &[
                "train", "--gold", gold, "-o", out, "--cv", "2", "--epochs", "30",
            ],
        )
        .ok()
    };
    let r = train("m1.json");
    assert!(
        r.stderr
            .contains("behavioural: 12 none, 5 endorsed, 3 distanced"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("2-fold cross-validation"), "{}", r.stderr);
    train("m2.json");
    let m1 = read(&tmp.path().join("m1.json"));
    assert_eq!(
        m1,
        read(&tmp.path().join("m2.json")),
        "training is deterministic"
    );
    let m: serde_json::Value = serde_json::from_str(&m1).unwrap();
    assert_eq!(m["format"], "framewatch-model/3");
    // The endorsed threshold is tuned by cross-validation (5 folds by
    // default) and kept per framing.
    let t = m["framings"][0]["endorsed_threshold"].as_f64().unwrap();
    assert!((0.05..=0.95).contains(&t), "{t}");
    assert!(r.stderr.contains("endorsed threshold 0."), "{}", r.stderr);
    assert_eq!(m["provenance"]["units"], 20);
    assert_eq!(m["framings"][1]["framing"], "structural");
    assert!(m["provenance"]["gold"][0][1].as_str().unwrap().len() == 64);
    let r = framewatch(
        tmp.path(),
        &["validate", "--gold", gold, "--model", "m1.json", "--json"],
    )
    .ok();
    let v = json(&r.stdout);
    assert_eq!(v["method"], "lexicon");
    assert_eq!(v["model"]["method"], "model");
    let names: Vec<&str> = v["model"]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "behavioural",
            "structural",
            "behavioural (endorsed)",
            "structural (endorsed)"
        ]
    );
    // In-sample, a linear model separates these twenty sentences.
    assert!(
        close(&label(&v["model"], "structural (endorsed)")["f1"], 1.0),
        "{}",
        v["model"]
    );
    // Bad settings name themselves.
    for (flag, value, want) in [
        (
            "--features",
            "words,trigrams",
            "unknown feature group \"trigrams\"",
        ),
        (
            "--tune-folds",
            "1",
            "--tune-folds 1: cross-validation needs at least 2 folds",
        ),
        ("--hit-value", "0", "--hit-value 0: give a positive number"),
    ] {
        let r = framewatch(
            tmp.path(),
            &["train", "--gold", gold, "-o", "x.json", flag, value],
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(want), "{}", r.stderr);
    }
    let text = framewatch(
        tmp.path(),
        &["validate", "--gold", gold, "--model", "m1.json"],
    )
    .ok();
    assert!(
        text.stdout.contains("the trained model on the same units:"),
        "{}",
        text.stdout
    );
    // Sampling where the model is unsure: 8 of the most uncertain sentences
    // of the demo corpus (taken whole), 2 at random from the rest.
    framewatch(
        tmp.path(),
        &[
            "sample",
            "-n",
            "10",
            "--strategy",
            "uncertain",
            "--model",
            "m1.json",
            "--random-share",
            "0.2",
            "-o",
            "unsure.csv",
        ],
    )
    .ok();
    let key = crate::util::csv_rows(&tmp.path().join("unsure.key.csv"));
    assert_eq!(key.len(), 10);
    let of = |s: &str| key.iter().filter(|k| k["stratum"] == s).collect::<Vec<_>>();
    let (unsure, random) = (of("uncertain"), of("random"));
    assert_eq!((unsure.len(), random.len()), (8, 2));
    assert!(unsure.iter().all(|k| k["inclusion_prob"] == "1"));
    let u =
        |k: &&std::collections::BTreeMap<String, String>| k["uncertainty"].parse::<f64>().unwrap();
    let floor = unsure.iter().map(u).fold(f64::INFINITY, f64::min);
    assert!(random.iter().all(|k| u(k) <= floor), "{key:?}");
    assert!(key[0]["model"].starts_with("behavioural:"), "{:?}", key[0]);
    let r = framewatch(tmp.path(), &["sample", "--strategy", "uncertain"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--strategy uncertain needs --model"),
        "{}",
        r.stderr
    );
    // Another lexicon: the model's lexicon features would mean something else.
    let lex = fixtures().join("lexicons/mini.toml");
    let r = framewatch(
        tmp.path(),
        &[
            "validate",
            "--gold",
            gold,
            "--model",
            "m1.json",
            "-l",
            lex.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("was trained with lexicon poverty-framing"),
        "{}",
        r.stderr
    );
}

/// `--cluster COLUMN`: the bootstrap resamples the column's clusters (the
/// passages of one coded document) instead of documents; the report says
/// so, and a column the file lacks is an error naming it.
#[test]
fn validate_resamples_the_clusters_it_is_given() {
    let tmp = tempdir();
    let mut gold = String::from("unit_id,passage,text,structural\n");
    for i in 0..24 {
        let (text, coded) = match i % 4 {
            0 => ("Benefit cuts and low pay pushed families into poverty.", 1),
            1 => ("Rising rents left households in hardship.", 1),
            2 => ("The committee met on Tuesday.", 0),
            _ => ("Austerity was discussed at the meeting.", 0),
        };
        gold.push_str(&format!("u{i},p{},{text},{coded}\n", i / 6));
    }
    std::fs::write(tmp.path().join("one-doc.csv"), &gold).unwrap();
    let args = ["validate", "--gold", "one-doc.csv", "--cluster", "passage"];
    let r = framewatch(tmp.path(), &[&args[..], &["--json"]].concat()).ok();
    let v = json(&r.stdout);
    assert_eq!(v["cluster"], "passage");
    let s = label(&v, "structural");
    let (lo, hi) = (
        s["f1_ci"][0].as_f64().unwrap(),
        s["f1_ci"][1].as_f64().unwrap(),
    );
    let f1 = s["f1"].as_f64().unwrap();
    assert!(lo <= f1 && f1 <= hi, "{s}");
    let r = framewatch(tmp.path(), &args).ok();
    assert!(
        r.stdout
            .contains("(intervals: bootstrap of `passage` clusters)"),
        "{}",
        r.stdout
    );
    // Without it, the units (no documents) are resampled one by one and
    // the JSON has no `cluster`.
    let r = framewatch(tmp.path(), &["validate", "--gold", "one-doc.csv", "--json"]).ok();
    assert!(json(&r.stdout).get("cluster").is_none(), "{}", r.stdout);
    framewatch(
        tmp.path(),
        &["validate", "--gold", "one-doc.csv", "--cluster", "page"],
    )
    .fails(2, "--cluster page: one-doc.csv has no `page` column");
}

/// A campaign group's loop on one PDF: `sample` gives each sentence its
/// page, and `validate --cluster page` resamples the pages.
#[test]
fn one_policy_paper_sampled_by_page_and_validated_by_page() {
    let tmp = tempdir();
    let pdf = fixtures().join("mixed/policy-paper.pdf");
    std::fs::copy(&pdf, tmp.path().join("policy-paper.pdf")).unwrap();
    framewatch(
        tmp.path(),
        &[
            "sample",
            "policy-paper.pdf",
            "-n",
            "1000",
            "-o",
            "sheet.csv",
        ],
    )
    .ok();
    let sheet = csv_rows(&tmp.path().join("sheet.csv"));
    let pages: Vec<&str> = sheet.iter().map(|r| r["page"].as_str()).collect();
    assert!(pages.contains(&"1") && pages.contains(&"2"), "{pages:?}");
    assert!(pages.iter().all(|p| *p == "1" || *p == "2"), "{pages:?}");
    // Code it: behavioural wherever the text speaks of dependency.
    let mut coded = String::from("unit_id,doc_id,page,byte_start,byte_end,behavioural\n");
    for r in &sheet {
        let yes = r["text"].to_lowercase().contains("dependency");
        coded.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r["unit_id"],
            r["doc_id"],
            r["page"],
            r["byte_start"],
            r["byte_end"],
            u8::from(yes)
        ));
    }
    std::fs::write(tmp.path().join("coded.csv"), coded).unwrap();
    let r = framewatch(
        tmp.path(),
        &[
            "validate",
            "--gold",
            "coded.csv",
            "policy-paper.pdf",
            "--cluster",
            "page",
            "--json",
        ],
    )
    .ok();
    let v = json(&r.stdout);
    assert_eq!(v["cluster"], "page");
    assert_eq!(v["standalone_units"], 0, "every unit found in the PDF");
    assert!(label(&v, "behavioural")["f1"].as_f64().is_some(), "{v}");
}
