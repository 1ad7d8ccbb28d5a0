//! Helpers for the CLI tests: run the binary, compare with golden files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// `../shared` beside the project, if present.
pub fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    p.join("corpora").is_dir().then_some(p)
}

/// Skip a test (with a printed reason) when `../shared` is absent.
#[macro_export]
macro_rules! need_shared {
    () => {
        match util::shared() {
            Some(p) => p,
            None => {
                eprintln!("skipped: ../shared is not beside the project");
                return;
            }
        }
    };
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn framewatch(cwd: &Path, args: &[&str]) -> Run {
    framewatch_env(cwd, args, &[])
}

/// [`framewatch`] with extra environment variables.
pub fn framewatch_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_framewatch"))
        .args(args)
        // Tests that want a step summary set it; CI on GitHub sets one
        // that tests must not write to.
        .env_remove("GITHUB_STEP_SUMMARY")
        .envs(env.iter().copied())
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .output()
        .expect("run framewatch");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run framewatch with `input` on standard input.
pub fn framewatch_stdin(cwd: &Path, args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_framewatch"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run framewatch");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait for framewatch");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Rows of a CSV file as maps from column name to value.
pub fn csv_rows(p: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let headers = rdr.headers().expect("header").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("row");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Assert the run exited with `code` and said `needle` on stderr.
    pub fn fails(self, code: i32, needle: &str) -> Run {
        assert_eq!(
            self.code, code,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        assert!(self.stderr.contains(needle), "{}", self.stderr);
        self
    }
}

/// A fresh folder under the system's temporary folder, removed when
/// dropped (std only: a dev-dependency for this would change the features
/// of crates polars shares, and `cargo test` would rebuild polars).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn tempdir() -> TempDir {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("framewatch-test-{}-{n}", std::process::id()));
        match std::fs::create_dir(&p) {
            Ok(()) => return TempDir(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!("{}: {e}", p.display()),
        }
    }
}

/// Compare `actual` with `tests/golden/<name>`; `FRAMEWATCH_BLESS=1`
/// rewrites the golden file instead.
pub fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("FRAMEWATCH_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with FRAMEWATCH_BLESS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let mut diff = String::new();
        for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
            if e != a {
                diff.push_str(&format!("line {}:\n- {e}\n+ {a}\n", i + 1));
            }
        }
        let (el, al) = (expected.lines().count(), actual.lines().count());
        if el != al {
            diff.push_str(&format!("expected {el} lines, got {al}\n"));
        }
        panic!(
            "{} differs from golden (FRAMEWATCH_BLESS=1 to accept):\n{diff}",
            path.display()
        );
    }
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("manifest.json"))).expect("manifest is JSON")
}

/// Validate a SARIF log against the SARIF 2.1.0 schema named by
/// `FRAMEWATCH_SARIF_SCHEMA` (`.ci/run` installs it); prints why and
/// returns false when the schema is not at hand.
pub fn check_sarif(sarif: &str) -> bool {
    let Some(schema) =
        std::env::var_os("FRAMEWATCH_SARIF_SCHEMA").filter(|p| Path::new(p).is_file())
    else {
        eprintln!(
            "skipped: SARIF schema check: FRAMEWATCH_SARIF_SCHEMA is not set to the SARIF 2.1.0 schema (.ci/run installs it)"
        );
        return false;
    };
    let tmp = tempdir();
    let log = tmp.path().join("log.sarif");
    std::fs::write(&log, sarif).unwrap();
    let out = Command::new("python3")
        .arg(root().join("tests/sarif/validate.py"))
        .arg(&schema)
        .arg(&log)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "SARIF does not validate: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    true
}
