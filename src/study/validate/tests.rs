//! Agreement and metrics on hand-computed tables; gold files read.

use super::*;

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-3)
}

/// A gold file from CSV text, read with the default options.
fn gold_csv(csv: &str, lex: &Lexicon) -> Gold {
    Gold::parse(
        "g.csv",
        csv.as_bytes().to_vec(),
        "csv",
        lex,
        &GoldOptions::default(),
    )
    .unwrap()
}

#[test]
fn kappa_matches_a_hand_computed_table() {
    // 50 units: both yes 20, A yes B no 5, A no B yes 10, both no 15.
    // po = 35/50 = 0.7; pe = (25*30 + 25*20)/2500 = 0.5; kappa = 0.4.
    let mut pairs = Vec::new();
    pairs.extend(std::iter::repeat_n((true, true), 20));
    pairs.extend(std::iter::repeat_n((true, false), 5));
    pairs.extend(std::iter::repeat_n((false, true), 10));
    pairs.extend(std::iter::repeat_n((false, false), 15));
    assert!(close(cohen_kappa(&pairs), 0.4), "{:?}", cohen_kappa(&pairs));
    // Perfect agreement with variation is 1; no variation is undefined.
    assert_eq!(cohen_kappa(&[(1, 1), (0, 0)]), Some(1.0));
    assert_eq!(cohen_kappa(&[(1, 1), (1, 1)]), None);
    // Three classes, 10 units: 6 agree, po = 0.6; marginals e 4/4,
    // d 3/3, n 3/3, pe = (16 + 9 + 9)/100 = 0.34.
    let three = [
        ("e", "e"),
        ("e", "e"),
        ("e", "d"),
        ("e", "n"),
        ("d", "d"),
        ("d", "d"),
        ("d", "e"),
        ("n", "n"),
        ("n", "n"),
        ("n", "e"),
    ];
    assert!(close(cohen_kappa(&three), 0.26 / 0.66));
}

#[test]
fn alpha_matches_krippendorffs_worked_example() {
    // Krippendorff (2011), "Computing Krippendorff's alpha-reliability",
    // the 4 coders x 12 units example with missing data: nominal
    // alpha = 0.743.
    let rows: [[u8; 12]; 4] = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
        [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
    ];
    let units: Vec<Vec<u8>> = (0..12)
        .map(|u| rows.iter().map(|r| r[u]).filter(|v| *v != 0).collect())
        .collect();
    assert!(
        close(krippendorff_alpha(&units), 0.743),
        "{:?}",
        krippendorff_alpha(&units)
    );
    // Perfect agreement is 1; no variation at all is undefined.
    assert_eq!(krippendorff_alpha(&[vec![1, 1], vec![0, 0]]), Some(1.0));
    assert_eq!(krippendorff_alpha(&[vec![1, 1], vec![1, 1]]), None);
    // Binary, hand-computed: units (1,1) (0,0) (1,0): o11=2, o00=2,
    // o10=o01=1, n=6; alpha = 1 - 5*2/(2*3*3) = 1 - 10/18 = 0.444.
    assert!(close(
        krippendorff_alpha(&[vec![1, 1], vec![0, 0], vec![1, 0]]),
        1.0 - 10.0 / 18.0
    ));
}

#[test]
fn precision_recall_f1_and_majority() {
    let c = Confusion {
        tp: 6,
        fp: 2,
        fn_: 3,
        tn: 9,
    };
    assert!(close(c.precision(), 0.75));
    assert!(close(c.recall(), 6.0 / 9.0));
    assert!(close(c.f1(), 12.0 / 17.0));
    assert_eq!(Confusion::default().f1(), None);
    assert_eq!(
        majority([Some(true), Some(true), Some(false)].into_iter()),
        Ok(Some(true))
    );
    assert_eq!(
        majority([Some(true), None, Some(false)].into_iter()),
        Err(())
    );
    assert_eq!(majority([None, None].into_iter()), Ok(None));
}

#[test]
fn bootstrap_brackets_and_is_seeded() {
    let mut pairs = vec![(true, true); 30];
    pairs.extend(vec![(false, true); 10]);
    pairs.extend(vec![(true, false); 10]);
    pairs.extend(vec![(false, false); 50]);
    let all = vec![(0..pairs.len()).map(|k| vec![k]).collect::<Vec<_>>()];
    let (a, w) = bootstrap(&pairs, None, &all, 1000, 5);
    assert_eq!(w, None);
    assert_eq!(a, bootstrap(&pairs, None, &all, 1000, 5).0);
    let (lo, hi) = (a[0].0.unwrap(), a[0].1.unwrap());
    assert!(lo < 0.75 && 0.75 < hi && lo > 0.5 && hi < 0.95, "{lo} {hi}");
    // Equal weights give the unweighted intervals.
    let ones = vec![1.0; pairs.len()];
    let (b, w) = bootstrap(&pairs, Some(&ones), &all, 1000, 5);
    assert_eq!((a, Some(a)), (b, w));
}

#[test]
fn stratified_bootstrap_keeps_stratum_sizes() {
    // Stratum 0 is all true positives, stratum 1 all true negatives and
    // false positives: resampling within strata can never lose the
    // positives, so recall is 1 in every resample.
    let mut pairs = vec![(true, true); 5];
    pairs.extend(vec![(false, true); 5]);
    pairs.extend(vec![(false, false); 5]);
    let strata = vec![
        (0..5).map(|k| vec![k]).collect(),
        (5..15).map(|k| vec![k]).collect(),
    ];
    let (ci, _) = bootstrap(&pairs, None, &strata, 500, 9);
    assert_eq!(ci[1], (Some(1.0), Some(1.0)));
}

#[test]
fn errors_from_one_document_widen_the_interval() {
    // 20 documents of 5 units: 18 all true positives or true negatives,
    // one holding 5 false positives, one 5 true positives. Resampling
    // units spreads the false positives thinly; resampling documents
    // draws them together or not at all.
    let mut pairs = Vec::new();
    for d in 0..20 {
        let unit = match d {
            0 => (false, true),
            1..=9 => (true, true),
            _ => (false, false),
        };
        pairs.extend(vec![unit; 5]);
    }
    let units = vec![(0..pairs.len()).map(|k| vec![k]).collect::<Vec<_>>()];
    let docs = vec![
        (0..20)
            .map(|d| (d * 5..d * 5 + 5).collect())
            .collect::<Vec<_>>(),
    ];
    let (by_unit, _) = bootstrap(&pairs, None, &units, 1000, 3);
    let (by_doc, _) = bootstrap(&pairs, None, &docs, 1000, 3);
    let width = |ci: Interval| ci.1.unwrap() - ci.0.unwrap();
    assert!(
        width(by_doc[0]) > width(by_unit[0]) * 1.5,
        "precision: by unit {:?}, by document {:?}",
        by_unit[0],
        by_doc[0]
    );
}

/// Design weights, worked by hand. Stratum "fired" (inclusion 1/2):
/// tp 6, fp 2. Stratum "rest" (inclusion 1/10): fn 2, tn 10.
/// Unweighted: P = 6/8 = 0.75, R = 6/8 = 0.75.
/// Weighted (x2 and x10): tp 12, fp 4, fn 20: P = 12/16 = 0.75,
/// R = 12/32 = 0.375, F1 = 24/(24+4+20) = 0.5.
#[test]
fn design_weights_estimate_population_recall() {
    let (lex, _) = Lexicon::load(None).unwrap();
    let mut csv = String::from("unit_id,text,behavioural,inclusion_prob,stratum\n");
    let mut tool = Vec::new();
    let mut add = |n: usize, gold: bool, found: bool, p: f64, st: &str| {
        for _ in 0..n {
            let i = tool.len();
            csv.push_str(&format!("u{i},t,{},{p},{st}\n", u8::from(gold)));
            tool.push(ToolUnit {
                present: vec![found],
                found: vec![Vec::new()],
                ..Default::default()
            });
        }
    };
    add(6, true, true, 0.5, "fired");
    add(2, false, true, 0.5, "fired");
    add(2, true, false, 0.1, "rest");
    add(10, false, false, 0.1, "rest");
    let gold = gold_csv(&csv, &lex);
    let r = evaluate(&gold, &tool, &lex, 200, 1);
    let m = &r.labels[0];
    assert!(close(m.precision, 0.75) && close(m.recall, 0.75));
    let w = m.weighted.as_ref().expect("weighted metrics");
    assert!(close(w.precision, 0.75), "{:?}", w.precision);
    assert!(close(w.recall, 0.375), "{:?}", w.recall);
    assert!(close(w.f1, 0.5), "{:?}", w.f1);
    assert_eq!(r.strata, 2);
    assert!(r.design_weighted);
}

/// Three-way codes per framing, an adjudicator settling a split, and
/// `--where` filters.
#[test]
fn stance_codes_adjudication_and_filters() {
    let (lex, _) = Lexicon::load(None).unwrap();
    let csv = "unit_id,text,split,coder,role,behavioural,structural\n\
               a,x,test,c1,,endorsed,none\n\
               a,x,test,c2,,distanced,none\n\
               a,x,test,c3,adjudicator,endorsed,none\n\
               b,y,test,c1,,none,endorsed\n\
               b,y,test,c2,,none,endorsed\n\
               c,z,train,c1,,none,none\n";
    let opts = GoldOptions {
        filters: vec![("split".into(), "test".into())],
        ..Default::default()
    };
    let gold = Gold::parse("g.csv", csv.as_bytes().to_vec(), "csv", &lex, &opts).unwrap();
    assert_eq!(gold.units.len(), 2);
    assert_eq!(gold.filtered_out, 1);
    // Several values, comma-separated: any may match.
    let either = GoldOptions {
        filters: vec![("split".into(), "train, test".into())],
        ..Default::default()
    };
    let all = Gold::parse("g.csv", csv.as_bytes().to_vec(), "csv", &lex, &either).unwrap();
    assert_eq!((all.units.len(), all.filtered_out), (3, 0));
    assert_eq!(gold.coders, vec!["c1".to_string(), "c2".to_string()]);
    assert_eq!(gold.adjudicated, 1);
    let names: Vec<&str> = gold.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "behavioural",
            "structural",
            "behavioural (endorsed)",
            "structural (endorsed)"
        ]
    );
    // Unit a: the coders split endorsed/distanced on behavioural; the
    // adjudicator's endorsed is the reference.
    let be = 2;
    assert_eq!(reference(&gold, &gold.units[0], be), Ok(Some(true)));
    assert_eq!(reference(&gold, &gold.units[1], be), Ok(Some(false)));
    let r = evaluate(
        &gold,
        &[
            ToolUnit {
                present: vec![true, false, true, false],
                found: vec![Vec::new(); 4],
                ..Default::default()
            },
            ToolUnit {
                present: vec![false, true, false, true],
                found: vec![Vec::new(); 4],
                ..Default::default()
            },
        ],
        &lex,
        0,
        1,
    );
    let three = r
        .coder_agreement
        .iter()
        .find(|a| a.label == "behavioural: endorsed/distanced/none")
        .expect("three-way agreement");
    assert_eq!(three.pairs[0].agreement, Some(0.5));
    assert_eq!(r.labels[be].f1, Some(1.0));
    // A bad code names the file, line and column.
    let err = Gold::parse(
        "g.csv",
        b"unit_id,text,behavioural\nq,t,maybe\n".to_vec(),
        "csv",
        &lex,
        &GoldOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("g.csv:2:3"), "{err}");
}

/// A false negative lists first what the tool made of the label it missed
/// (the model's probabilities), then what it found for the other labels.
#[test]
fn false_negatives_say_what_the_tool_made_of_the_label() {
    let (lex, _) = Lexicon::load(None).unwrap();
    let csv = "unit_id,text,behavioural,structural\n\
               a,x,endorsed,endorsed\n\
               b,y,none,endorsed\n";
    let gold = gold_csv(csv, &lex);
    let be = 2;
    assert_eq!(gold.labels[be].name, "behavioural (endorsed)");
    let mut found = vec![Vec::new(); 4];
    found[1] = vec!["model structural: endorsed (p endorsed 0.80, distanced 0.01)".to_string()];
    found[3] = found[1].clone();
    let mut missed = vec![None; 4];
    missed[be] = Some("model behavioural: none (p endorsed 0.31, distanced 0.02)".to_string());
    let unit = |id: &str| ToolUnit {
        text: id.into(),
        present: vec![false, true, false, true],
        found: found.clone(),
        missed: missed.clone(),
        ..Default::default()
    };
    let r = evaluate(&gold, &[unit("x"), unit("y")], &lex, 0, 1);
    let fns = &r.labels[be].false_negatives;
    assert_eq!(fns.len(), 1);
    assert_eq!(fns[0].unit_id, "a");
    assert_eq!(
        fns[0].entries,
        [
            "model behavioural: none (p endorsed 0.31, distanced 0.02)",
            "model structural: endorsed (p endorsed 0.80, distanced 0.01)"
        ]
    );
    // A verdict also found for another label is listed once.
    let distanced = "model behavioural: distanced (p endorsed 0.20, distanced 0.60)";
    let mut twice = unit("x");
    twice.present[0] = true;
    twice.found[0] = vec![distanced.to_string()];
    twice.missed[be] = Some(distanced.to_string());
    let r = evaluate(&gold, &[twice, unit("y")], &lex, 0, 1);
    assert_eq!(
        r.labels[be].false_negatives[0].entries,
        [
            distanced,
            "model structural: endorsed (p endorsed 0.80, distanced 0.01)"
        ]
    );
    // The lexicon's units say nothing more of a label they miss.
    let lexicon_unit = ToolUnit {
        missed: Vec::new(),
        ..unit("x")
    };
    let r = evaluate(&gold, &[lexicon_unit, unit("y")], &lex, 0, 1);
    assert_eq!(
        r.labels[be].false_negatives[0].entries,
        ["model structural: endorsed (p endorsed 0.80, distanced 0.01)"]
    );
}

#[test]
fn flags() {
    for s in ["1", "yes", "Y", "TRUE", "present", "x"] {
        assert_eq!(parse_flag(s), Some(true), "{s}");
    }
    for s in ["0", "no", "n", "False", "absent"] {
        assert_eq!(parse_flag(s), Some(false), "{s}");
    }
    assert_eq!(parse_flag("maybe"), None);
}

/// The model against the lexicon: who finds what, and a paired interval
/// of the F1 difference. 20 documents of one unit each, 10 coded yes.
/// The lexicon finds 4 of them, the model the same 4 and 4 more, and both
/// flag 1 of the 10 coded no: lexicon F1 8/15, model F1 16/19.
#[test]
fn the_model_against_the_lexicon_is_paired() {
    let (lex, _) = Lexicon::load(None).unwrap();
    let mut csv = String::from("unit_id,doc_id,behavioural\n");
    let (mut lexicon, mut model) = (Vec::new(), Vec::new());
    for i in 0..20 {
        let coded = i < 10;
        csv.push_str(&format!("u{i},d{i},{}\n", u8::from(coded)));
        let unit = |present: bool| ToolUnit {
            present: vec![present],
            found: vec![Vec::new()],
            ..Default::default()
        };
        lexicon.push(unit(i < 4 || i == 10));
        model.push(unit(i < 8 || i == 10));
    }
    let gold = gold_csv(&csv, &lex);
    let labels = ["behavioural".to_string()];
    let c = &compare(&gold, &lexicon, &model, &labels, 500, 3)[0];
    let split = |both, model_only, lexicon_only, neither| Split {
        both,
        model_only,
        lexicon_only,
        neither,
    };
    assert_eq!(c.positives, split(4, 4, 0, 2));
    assert_eq!(c.negatives, split(1, 0, 0, 9));
    assert_eq!(c.n, 20);
    assert!(close(c.f1_difference, 16.0 / 19.0 - 8.0 / 15.0));
    // The model never does worse on any resample (it flags a superset, all
    // of it right): the paired interval stays at or above zero, where two
    // separate intervals would overlap.
    let (lo, hi) = c.f1_difference_ci;
    assert!(lo.unwrap() >= 0.0 && hi.unwrap() > 0.1, "{lo:?} {hi:?}");
    let apart = evaluate(&gold, &lexicon, &lex, 500, 3).labels[0].f1_ci;
    let with = evaluate(&gold, &model, &lex, 500, 3).labels[0].f1_ci;
    assert!(apart.1.unwrap() > with.0.unwrap(), "{apart:?} {with:?}");
    // The same labels on both sides differ by nothing, in every resample.
    let same = &compare(&gold, &lexicon, &lexicon, &labels, 500, 3)[0];
    assert_eq!(same.positives, split(4, 0, 0, 6));
    assert_eq!(same.f1_difference, Some(0.0));
    assert_eq!(same.f1_difference_ci, (Some(0.0), Some(0.0)));
    assert_eq!(same.weighted, None);
    // A label the gold file lacks is left out.
    assert!(compare(&gold, &lexicon, &model, &["no such".into()], 10, 3).is_empty());
}

/// `--cluster`: units of one document resampled by passage. All 40 units
/// are in document `d`; passages p0-p7 hold 5 units each, coded yes in
/// the first half. Resampling the one document always draws every unit,
/// so its interval is a point; resampling passages shows the spread.
#[test]
fn clusters_stand_in_for_documents_in_the_bootstrap() {
    let (lex, _) = Lexicon::load(None).unwrap();
    let mut csv = String::from("unit_id,doc_id,passage,behavioural\n");
    let mut tool = Vec::new();
    for i in 0..40 {
        let coded = i < 20;
        csv.push_str(&format!("u{i},d,p{},{}\n", i / 5, u8::from(coded)));
        // Found: half the positives, and the negatives of passage p4.
        tool.push(ToolUnit {
            present: vec![(coded && i % 2 == 0) || i / 5 == 4],
            found: vec![Vec::new()],
            ..Default::default()
        });
    }
    let read = |cluster: Option<&str>| {
        let opts = GoldOptions {
            cluster: cluster.map(str::to_string),
            ..Default::default()
        };
        Gold::parse("g.csv", csv.as_bytes().to_vec(), "csv", &lex, &opts)
    };
    let by_doc = evaluate(&read(None).unwrap(), &tool, &lex, 500, 4);
    let gold = read(Some("passage")).unwrap();
    assert_eq!(gold.units[7].cluster.as_deref(), Some("p1"));
    let by_passage = evaluate(&gold, &tool, &lex, 500, 4);
    let (d, p) = (&by_doc.labels[0], &by_passage.labels[0]);
    // The same point estimates: P 10/15, R 10/20.
    assert!(close(p.precision, 10.0 / 15.0) && close(p.recall, 0.5));
    assert_eq!((d.precision, d.recall, d.f1), (p.precision, p.recall, p.f1));
    assert_eq!(d.f1_ci.0, d.f1_ci.1, "one document: {:?}", d.f1_ci);
    let (lo, hi) = (p.f1_ci.0.unwrap(), p.f1_ci.1.unwrap());
    assert!(
        lo < p.f1.unwrap() && p.f1.unwrap() < hi && hi - lo > 0.1,
        "{lo} {hi}"
    );
    assert_eq!(by_passage.cluster.as_deref(), Some("passage"));
    assert_eq!(by_doc.cluster, None);
    // A column the file lacks, an empty value, and a unit in two clusters
    // are refused with the file, line and column.
    let e = read(Some("page")).unwrap_err().to_string();
    assert!(
        e.contains("--cluster page") && e.contains("no `page` column"),
        "{e}"
    );
    let gap = csv.replacen("u3,d,p0,", "u3,d,,", 1);
    let opts = GoldOptions {
        cluster: Some("passage".into()),
        ..Default::default()
    };
    let e = Gold::parse("g.csv", gap.into_bytes(), "csv", &lex, &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("g.csv:5:3") && e.contains("no `passage` value"),
        "{e}"
    );
    let twice = format!("{csv}u3,d,p1,1\n").replacen("unit_id,", "unit_id,", 1);
    let twice = twice.replacen("passage,behavioural", "passage,behavioural,coder", 1);
    let twice: String = twice
        .lines()
        .enumerate()
        .map(|(k, l)| match k {
            0 => format!("{l}\n"),
            41 => format!("{l},c2\n"),
            _ => format!("{l},c1\n"),
        })
        .collect();
    let e = Gold::parse("g.csv", twice.into_bytes(), "csv", &lex, &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("another cluster than at line 5"), "{e}");
}
