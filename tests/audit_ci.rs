//! `audit` in CI (issue 18): several drafts in one SARIF run with a
//! category, GitHub annotations capped at what a step shows with the rest
//! in the job summary, and messages in plain words.

use crate::util::{self, check_sarif, framewatch, framewatch_env, read, tempdir};
use std::path::Path;

/// Two drafts under `drafts/`: the audit fixture, and one with structural
/// framing only.
fn drafts(dir: &Path) {
    std::fs::create_dir_all(dir.join("drafts")).unwrap();
    std::fs::copy(
        util::fixtures().join("audit/draft.md"),
        dir.join("drafts/a.md"),
    )
    .unwrap();
    std::fs::write(
        dir.join("drafts/b.md"),
        "Low pay keeps households in poverty.\n",
    )
    .unwrap();
}

fn sarif(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "sarif"]);
    let r = framewatch(dir, &all);
    let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    (r.code, v, r.stdout)
}

fn uris(run: &serde_json::Value) -> Vec<String> {
    run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn several_drafts_are_one_sarif_run_with_a_category() {
    let tmp = tempdir();
    drafts(tmp.path());
    let (code, v, text) = sarif(tmp.path(), &["drafts/a.md", "drafts/b.md"]);
    assert_eq!(code, 0);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run for all drafts");
    let run = &runs[0];
    assert_eq!(run["automationDetails"]["id"], "framewatch/");
    let uris = uris(run);
    assert_eq!(uris.iter().filter(|u| *u == "drafts/a.md").count(), 6);
    assert_eq!(uris.iter().filter(|u| *u == "drafts/b.md").count(), 1);
    assert_eq!(run["properties"]["documents"][1]["path"], "drafts/b.md");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    check_sarif(&text);

    // One document per call: each run has its own category, so files
    // uploaded together never share one (GitHub rejects that).
    let (_, a, _) = sarif(tmp.path(), &["drafts/a.md"]);
    let (_, b, _) = sarif(tmp.path(), &["drafts/b.md"]);
    let ids = [
        a["runs"][0]["automationDetails"]["id"].clone(),
        b["runs"][0]["automationDetails"]["id"].clone(),
    ];
    assert_eq!(ids, ["framewatch/drafts/a.md/", "framewatch/drafts/b.md/"]);

    let (_, named, text) = sarif(
        tmp.path(),
        &["drafts/a.md", "drafts/b.md", "--sarif-category", "policy"],
    );
    assert_eq!(named["runs"][0]["automationDetails"]["id"], "policy/");
    check_sarif(&text);
}

#[test]
fn a_draft_that_cannot_be_read_is_reported_and_the_rest_audited() {
    let tmp = tempdir();
    drafts(tmp.path());
    std::fs::write(tmp.path().join("drafts/c.docx"), b"not a zip").unwrap();
    let (code, v, text) = sarif(tmp.path(), &["drafts/a.md", "drafts/c.docx", "drafts/b.md"]);
    assert_eq!(code, 2, "an error, after the rest was audited");
    let run = &v["runs"][0];
    assert_eq!(uris(run).len(), 7);
    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let note = &inv["toolExecutionNotifications"][0];
    assert_eq!(
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "drafts/c.docx"
    );
    assert!(
        note["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("not read: "),
        "{note}"
    );
    check_sarif(&text);

    let r = framewatch(
        tmp.path(),
        &[
            "audit",
            "drafts/a.md",
            "drafts/c.docx",
            "--format",
            "github",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("drafts/c.docx"), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("::error file=drafts/c.docx,title=not read (framewatch)::"),
        "{}",
        r.stdout
    );
}

#[test]
fn messages_are_plain_words_not_lexicon_syntax() {
    let dir = util::fixtures();
    let (_, v, _) = sarif(&dir, &["audit/draft.md"]);
    let first = v["runs"][0]["results"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert_eq!(
        first,
        "behavioural framing (dependency): “welfare dependency”, endorsed — counted"
    );
    let r = framewatch(&dir, &["audit", "audit/draft.md", "--format", "github"]);
    let first = r.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "::warning file=audit/draft.md,line=3,col=34,endLine=3,endColumn=52,\
         title=behavioural framing (framewatch)::behavioural framing (dependency): \
         “welfare dependency”, endorsed — counted. Sentence: Too many families are \
         trapped in welfare dependency, and we will end the benefit culture for good."
    );
    assert!(
        r.stdout.contains("(labour market): “Low pay”"),
        "sub-frame names in words: {}",
        r.stdout
    );
    assert!(!r.stdout.contains("matches"), "{}", r.stdout);
    assert!(!r.stdout.contains("=welfare"), "{}", r.stdout);
}

#[test]
fn workflow_command_data_and_properties_are_escaped() {
    let tmp = tempdir();
    std::fs::write(
        tmp.path().join("a,b:c.md"),
        "Half of them, 50% of families, are trapped in welfare dependency.\r\n::error::x\n",
    )
    .unwrap();
    let r = framewatch(tmp.path(), &["audit", "a,b:c.md", "--format", "github"]);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        r.stdout
            .starts_with("::warning file=a%2Cb%3Ac.md,line=1,col=47,"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "Sentence: Half of them, 50%25 of families, are trapped in welfare dependency."
        ),
        "{}",
        r.stdout
    );
}

/// A draft with 15 behavioural and 12 structural findings.
fn many(dir: &Path) {
    let mut text = String::new();
    for i in 1..=15 {
        text.push_str(&format!("Family {i} is trapped in welfare dependency.\n"));
    }
    for i in 1..=12 {
        text.push_str(&format!("Low pay keeps household {i} in poverty.\n"));
    }
    std::fs::write(dir.join("many.md"), text).unwrap();
}

fn count(out: &str, prefix: &str) -> usize {
    out.lines().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn annotations_stop_at_the_step_limits_and_the_summary_lists_the_rest() {
    let tmp = tempdir();
    many(tmp.path());
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "earlier step output\n").unwrap();
    let env = [("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())];
    let args = [
        "audit",
        "many.md",
        "--format",
        "github",
        "--fail-if",
        "behavioural.endorsed > 3",
    ];
    let r = framewatch_env(tmp.path(), &args, &env);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(count(&r.stdout, "::warning file=many.md"), 10);
    assert_eq!(count(&r.stdout, "::notice file=many.md"), 9);
    assert_eq!(count(&r.stdout, "::error file=many.md"), 1);
    let last = r.stdout.lines().last().unwrap();
    assert_eq!(
        last,
        "::notice title=8 more not annotated (framewatch)::GitHub shows 10 errors, \
         10 warnings and 10 notices per step; 8 more were left out; the job summary \
         lists every finding"
    );

    let md = read(&summary);
    assert!(
        md.starts_with(
            "earlier step output\n### framewatch audit: 1 document, 1 over a threshold\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("| many.md | 189 | 15 | 12 | 0.556 | **fail**: threshold “behavioural.endorsed &gt; 3” crossed: the value is 15 |"),
        "{md}"
    );
    assert!(md.contains("27 findings, 19 shown as annotations"), "{md}");
    assert_eq!(md.matches(" | yes |\n").count(), 19, "{md}");
    assert_eq!(md.matches(" | no |\n").count(), 8, "{md}");
    assert!(
        md.contains("| many.md:15:25 | behavioural framing (dependency): “welfare dependency”, endorsed — counted | Family 15 is trapped in welfare dependency. | no |"),
        "{md}"
    );

    // Appended, never overwritten; the same output each time.
    let again = framewatch_env(tmp.path(), &args, &env);
    assert_eq!(again.stdout, r.stdout);
    let md2 = read(&summary);
    assert_eq!(md2, format!("{md}{}", &md["earlier step output\n".len()..]));

    // A lower limit, for several audits in one step.
    let r = framewatch_env(
        tmp.path(),
        &[
            "audit",
            "many.md",
            "--format",
            "github",
            "--max-annotations",
            "3",
        ],
        &env,
    );
    assert_eq!(count(&r.stdout, "::warning "), 3);
    assert_eq!(count(&r.stdout, "::notice "), 3, "2 findings and the note");
    assert!(
        r.stdout
            .ends_with("; 22 more were left out; the job summary lists every finding\n")
    );
}

#[test]
fn without_a_step_summary_the_note_says_how_to_list_everything() {
    let tmp = tempdir();
    many(tmp.path());
    let r = framewatch(tmp.path(), &["audit", "many.md", "--format", "github"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.lines().last().unwrap().ends_with(
            "8 more were left out; run `framewatch audit` on the documents to list every finding (in GitHub Actions the job summary lists them)"
        ),
        "{}",
        r.stdout
    );
    // Under the limits: every finding annotated, no note.
    let r = framewatch(
        &util::fixtures(),
        &["audit", "audit/draft.md", "--format", "github"],
    );
    assert!(!r.stdout.contains("not annotated"), "{}", r.stdout);
}

#[test]
fn several_documents_in_text_and_json() {
    let tmp = tempdir();
    drafts(tmp.path());
    let r = framewatch(
        tmp.path(),
        &["audit", "drafts/a.md", "drafts/b.md", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let docs = v.as_array().expect("an array for several documents");
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1]["document"]["path"], "drafts/b.md");
    let r = framewatch(
        tmp.path(),
        &["audit", "drafts/a.md", "drafts/b.md", "--max-share", "0.2"],
    );
    assert_eq!(r.code, 1, "a.md crosses the threshold");
    assert!(r.stdout.contains("\n\ndrafts/b.md: "), "{}", r.stdout);
    assert_eq!(r.stdout.matches("verdict: ").count(), 2);
    let r = framewatch(
        tmp.path(),
        &["audit", "drafts/a.md", "drafts/b.md", "--html", "x.html"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--html writes one document's page"),
        "{}",
        r.stderr
    );
}
