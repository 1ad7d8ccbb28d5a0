//! The composite action (action.yml) run step by step here, as a GitHub
//! runner runs its shell steps (tests/action/run_action.py), against this
//! build's binary packaged as a release asset by the release workflow's
//! script and served from a file:// URL. `uses:` steps (the SARIF upload)
//! are not run: the check is what they would be given.

use crate::util::{check_sarif, root, tempdir};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The release target this machine's binary stands in for, if the action
/// knows one.
fn target() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("x86_64-unknown-linux-gnu"),
        ("linux", "aarch64") => Some("aarch64-unknown-linux-gnu"),
        ("macos", "aarch64") => Some("aarch64-apple-darwin"),
        ("macos", "x86_64") => Some("x86_64-apple-darwin"),
        _ => None,
    }
}

fn missing_tools() -> Option<String> {
    target()?;
    for (tool, args) in [
        ("bash", &["-c", "true"][..]),
        ("curl", &["--version"][..]),
        ("tar", &["--version"][..]),
        ("python3", &["-c", "import yaml"][..]),
    ] {
        let ok = Command::new(tool)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            return Some(format!("{tool} {}", args.join(" ")));
        }
    }
    None
}

/// Package the binary as a release asset in `dir`.
fn release(dir: &Path) {
    let out = Command::new("bash")
        .arg(root().join(".github/scripts/package.sh"))
        .args([target().unwrap(), env!("CARGO_BIN_EXE_framewatch")])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_action(work: &Path, tmp: &Path, inputs: &[(&str, String)]) -> Value {
    let mut cmd = Command::new("python3");
    cmd.arg(root().join("tests/action/run_action.py"))
        .arg(root().join("action.yml"))
        .arg(work)
        .env("TMPDIR", tmp)
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in inputs {
        cmd.args(["--input", &format!("{k}={v}")]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "run_action.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("no step {name}: {report}"))
}

#[test]
fn the_action_installs_the_release_audits_and_sets_its_verdict() {
    if let Some(why) = missing_tools() {
        eprintln!("skipped: the action check needs {why} and a known platform");
        return;
    }
    let tmp = tempdir();
    let (rel, work) = (tmp.path().join("release"), tmp.path().join("repo"));
    release(&rel);
    std::fs::create_dir_all(work.join("drafts/2026")).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/audit/draft.md"),
        work.join("drafts/2026/a.md"),
    )
    .unwrap();
    std::fs::write(
        work.join("drafts/b.md"),
        "Low pay keeps households in poverty.\n",
    )
    .unwrap();
    let url = format!("file://{}", rel.display());

    // Two drafts (one found by **), a threshold one crosses, SARIF upload on.
    let r = run_action(
        &work,
        tmp.path(),
        &[
            ("paths", "drafts/**/*.md\nnothing/*.txt".into()),
            ("release-url", url.clone()),
            ("max-share", "0.2".into()),
            ("upload-sarif", "true".into()),
        ],
    );
    let install = step(&r, "Install");
    assert_eq!(install["exit"], 0, "{install}");
    assert!(
        install["stdout"]
            .as_str()
            .unwrap()
            .contains(" verified\nframewatch "),
        "{install}"
    );
    assert_eq!(r["outputs"]["verdict"], "fail", "{r}");
    assert_eq!(r["outputs"]["exit-code"], "1");
    assert_eq!(r["outputs"]["documents"], "2");
    assert_eq!(r["failed"], true, "a crossed threshold fails the step");
    assert_eq!(step(&r, "Verdict")["exit"], 1);
    let audit = step(&r, "Audit")["stdout"].as_str().unwrap().to_string();
    assert!(
        audit.contains("::error file=drafts/2026/a.md,title=threshold crossed (framewatch)::"),
        "{audit}"
    );
    let upload = step(&r, "Upload SARIF");
    assert_eq!(upload["uses"], "github/codeql-action/upload-sarif@v3");
    assert_eq!(upload["with"]["sarif_file"], "framewatch.sarif");
    assert_eq!(upload["with"]["category"], "framewatch");
    let sarif = std::fs::read_to_string(work.join("framewatch.sarif")).unwrap();
    let v: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 1);
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "framewatch/");
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 7);
    check_sarif(&sarif);
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("### framewatch audit: 2 documents, 1 over a threshold\n"),
        "{summary}"
    );

    // Passing drafts: the step passes, nothing uploaded (off by default).
    let r = run_action(
        &work,
        tmp.path(),
        &[
            ("paths", "drafts/b.md".into()),
            ("release-url", url.clone()),
        ],
    );
    assert_eq!(r["outputs"]["verdict"], "pass", "{r}");
    assert_eq!(r["failed"], false);
    assert_eq!(step(&r, "Upload SARIF")["ran"], false);

    // Nothing matched: a notice, no failure.
    let r = run_action(
        &work,
        tmp.path(),
        &[
            ("paths", "nothing/*.md".into()),
            ("release-url", url.clone()),
        ],
    );
    assert_eq!(r["outputs"]["verdict"], "none", "{r}");
    assert_eq!(r["outputs"]["documents"], "0");
    assert_eq!(r["failed"], false);

    // A threshold input is data, never shell: no command runs from it.
    let r = run_action(
        &work,
        tmp.path(),
        &[
            ("paths", "drafts/b.md".into()),
            ("release-url", url),
            ("fail-if", "share > 0.5\n$(touch pwned) > 1".into()),
        ],
    );
    assert!(!work.join("pwned").exists());
    assert_eq!(r["outputs"]["verdict"], "error", "{r}");
    assert_eq!(r["outputs"]["exit-code"], "2");
}

#[test]
fn the_action_refuses_an_archive_that_does_not_match_its_checksum() {
    if let Some(why) = missing_tools() {
        eprintln!("skipped: the action check needs {why} and a known platform");
        return;
    }
    let tmp = tempdir();
    let (rel, work) = (tmp.path().join("release"), tmp.path().join("repo"));
    release(&rel);
    std::fs::create_dir_all(&work).unwrap();
    let sums = rel.join(format!("framewatch-{}.tar.gz.sha256", target().unwrap()));
    let text = std::fs::read_to_string(&sums).unwrap();
    std::fs::write(&sums, format!("{}{}", "0".repeat(64), &text[64..])).unwrap();
    let r = run_action(
        &work,
        tmp.path(),
        &[
            ("paths", "*.md".into()),
            ("release-url", format!("file://{}", rel.display())),
        ],
    );
    let install = step(&r, "Install");
    assert_eq!(install["exit"], 2, "{install}");
    assert!(
        install["stdout"]
            .as_str()
            .unwrap()
            .contains("::error title=framewatch::checksum mismatch for framewatch-"),
        "{install}"
    );
    assert_eq!(r["failed"], true);
    assert_eq!(
        step(&r, "Audit")["ran"],
        false,
        "nothing runs after a bad download"
    );
}
