//! Fault injection (issue 8): a corpus of broken inputs loses no document
//! and skips none silently, memory stays bounded on a 100 MB single-line
//! file, and a run killed mid-way leaves the previous outputs intact.

use crate::util::{csv_rows, fixtures, framewatch, root, tempdir};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Address space allowed to the run over the fault corpus: a run that
/// analysed the 100 MB line needs about 3 GB and aborts under this cap,
/// whatever the scheduling. (Each malloc arena of a thread reserves 64 MB
/// of address space, so the cap cannot be much tighter without failing a
/// healthy run; the peak RSS below is the tight check.)
const ADDRESS_SPACE: u64 = 1 << 30;

/// Run the binary `exe` with `args` in `cwd` under [`ADDRESS_SPACE`],
/// optionally as the user nobody; (exit code, stderr, the highest peak
/// RSS in KiB seen while it ran).
///
/// The peak is read from the child's own `/proc/PID/status` (`VmHWM`,
/// which starts afresh at exec and never falls) every millisecond until
/// it exits. `wait4`'s `ru_maxrss` would not do: a child forked from this
/// test process is charged with the test process's memory at the fork.
/// A peak reached in the child's last millisecond can be missed; one in
/// the middle of the run cannot.
fn run_capped(exe: &Path, cwd: &Path, args: &[&str], as_nobody: bool) -> (i32, String, u64) {
    use std::os::unix::process::CommandExt;
    let mut cmd = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    let stderr_path = cwd.join("stderr.txt");
    cmd.args(args)
        .current_dir(cwd)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the hook.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: ADDRESS_SPACE as libc::rlim_t,
                rlim_max: ADDRESS_SPACE as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let mut child = cmd.spawn().expect("start framewatch");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            let hwm = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    std::fs::remove_file(&stderr_path).unwrap();
    (status.code().unwrap_or(-1), stderr, peak_kib)
}

/// Whether this test can make a file unreadable to framewatch: always
/// when not root; as root, by running framewatch as nobody.
fn unreadable_possible() -> Option<bool> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(false);
    }
    let ok = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(true)
}

#[test]
fn regression_8_fault_corpus_loses_nothing_and_skips_nothing_silently() {
    let tmp = tempdir();
    let base = tmp.path();
    let corpus = base.join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let w = |name: &str, bytes: &[u8]| std::fs::write(corpus.join(name), bytes).unwrap();
    let text = "Welfare dependency was blamed, but low pay and benefit cuts drove poverty.";
    for i in 1..=3 {
        w(&format!("good-{i}.txt"), text.as_bytes());
    }
    // Not UTF-8 (Latin-1): read with a guessed encoding and a warning.
    w(
        "latin.txt",
        b"Caf\xe9 workers on low pay \xb7 na\xefve blame of dependency.",
    );
    w("zero.txt", b"");
    let mixed = fixtures().join("mixed");
    std::fs::copy(
        mixed.join("truncated-report.pdf"),
        corpus.join("truncated.pdf"),
    )
    .unwrap();
    std::fs::copy(mixed.join("bomb.docx"), corpus.join("bomb.docx")).unwrap();
    w(
        "ragged.csv",
        b"id,date,text\n1,2020-01-01,low pay here\n2,2020-01-02,too,many,fields\n3,2020-01-03,austerity bites\n",
    );
    // A 100 MB text on one line: over --max-text-size, never loaded.
    {
        use std::io::Write;
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(corpus.join("one-line.txt")).unwrap());
        let chunk = "the welfare dependency of workers on low pay ".repeat(1000);
        let mut n = 0;
        while n < 100 << 20 {
            f.write_all(chunk.as_bytes()).unwrap();
            n += chunk.len();
        }
    }
    std::os::unix::fs::symlink("loop-b", corpus.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", corpus.join("loop-b")).unwrap();
    std::fs::create_dir(corpus.join("nested")).unwrap();
    std::os::unix::fs::symlink("..", corpus.join("nested/up")).unwrap();
    // A folder named like a file is a folder: its document is read.
    std::fs::create_dir(corpus.join("chapter.txt")).unwrap();
    std::fs::write(corpus.join("chapter.txt/inner.txt"), text).unwrap();
    // A named pipe would block a reader forever.
    let fifo = std::ffi::CString::new(corpus.join("pipe.txt").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");

    let as_nobody = unreadable_possible();
    let exe = match as_nobody {
        Some(true) => {
            // nobody cannot reach the build folder under /root: copy the binary.
            let exe = base.join("framewatch");
            std::fs::copy(env!("CARGO_BIN_EXE_framewatch"), &exe).unwrap();
            for d in [
                base,
                corpus.as_path(),
                corpus.join("chapter.txt").as_path(),
                corpus.join("nested").as_path(),
            ] {
                std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap();
            }
            exe
        }
        _ => PathBuf::from(env!("CARGO_BIN_EXE_framewatch")),
    };
    match as_nobody {
        Some(_) => {
            w("secret.txt", text.as_bytes());
            std::fs::set_permissions(
                corpus.join("secret.txt"),
                std::fs::Permissions::from_mode(0o000),
            )
            .unwrap();
        }
        None => {
            eprintln!("note: running as root without setpriv; the unreadable-file case is left out")
        }
    }

    // Two workers, so the address space does not depend on the machine.
    let (code, stderr, peak_kib) = run_capped(
        &exe,
        base,
        &[
            "run",
            "corpus",
            "--format",
            "csv",
            "--out",
            "out",
            "--bootstrap",
            "0",
            "-j",
            "2",
        ],
        as_nobody == Some(true),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Every good document is read.
    let read: Vec<String> = csv_rows(&base.join("out/documents.csv"))
        .into_iter()
        .map(|r| r["doc_id"].clone())
        .collect();
    assert_eq!(
        read,
        [
            "chapter.txt/inner",
            "good-1",
            "good-2",
            "good-3",
            "latin",
            "ragged#1",
            "ragged#3"
        ],
        "{stderr}"
    );
    assert!(
        stderr.contains("corpus/latin.txt: warning: not valid UTF-8"),
        "{stderr}"
    );

    // Every bad one has a skipped row with its reason, and is on stderr.
    let mut want: BTreeMap<&str, &str> = BTreeMap::from([
        ("corpus/bomb.docx", "zip-bomb"),
        ("corpus/loop-a", "symlink-loop"),
        ("corpus/loop-b", "symlink-loop"),
        ("corpus/nested/up", "symlink"),
        ("corpus/one-line.txt", "text-too-large"),
        ("corpus/pipe.txt", "not-a-file"),
        ("corpus/ragged.csv", "ragged-row"),
        ("corpus/truncated.pdf", "corrupt-pdf"),
        ("corpus/zero.txt", "empty-text"),
    ]);
    if as_nobody.is_some() {
        want.insert("corpus/secret.txt", "unreadable");
    }
    let skipped: BTreeMap<String, String> = csv_rows(&base.join("out/skipped.csv"))
        .into_iter()
        .map(|r| (r["path"].clone(), r["reason"].clone()))
        .collect();
    let got: BTreeMap<&str, &str> = skipped
        .iter()
        .map(|(p, r)| (p.as_str(), r.as_str()))
        .collect();
    assert_eq!(got, want, "{stderr}");
    for (path, reason) in &want {
        assert!(
            stderr.contains(&format!("{path}: skipped: {reason}: ")),
            "{path} not reported\n{stderr}"
        );
    }

    // Zero lost: every entry of the corpus folder is accounted for.
    for e in std::fs::read_dir(&corpus).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let shown = format!("corpus/{name}");
        let in_read = read.iter().any(|id| {
            id.split(['#', '/']).next()
                == Some(name.trim_end_matches(".txt").trim_end_matches(".csv"))
        }) || name == "chapter.txt";
        let in_skipped = skipped
            .keys()
            .any(|p| *p == shown || p.starts_with(&format!("{shown}/")));
        assert!(in_read || in_skipped || name == "nested", "{name} was lost");
    }

    // One summary line, by reason.
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for r in want.values() {
        *by_reason.entry(r).or_default() += 1;
    }
    let reasons: Vec<String> = by_reason.iter().map(|(r, n)| format!("{r} {n}")).collect();
    let line = format!(
        "framewatch: 7 documents read, {} skipped ({}),",
        want.len(),
        reasons.join(", ")
    );
    assert!(stderr.contains(&line), "expected {line:?} in\n{stderr}");
    let m = crate::util::manifest(&base.join("out"));
    assert_eq!(m["counts"]["documents_skipped"], want.len());

    // Memory stayed bounded: the run finished within ADDRESS_SPACE, and
    // the 100 MB line was never loaded (a healthy run peaks near 35 MB).
    eprintln!("fault corpus: peak RSS {peak_kib} KiB");
    assert!(
        peak_kib < 100 * 1024,
        "peak RSS {peak_kib} KiB: was the 100 MB file loaded?"
    );
}

#[test]
fn regression_8_oversized_documents_are_read_when_the_limits_are_raised() {
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("c")).unwrap();
    let line = "the welfare dependency of workers on low pay ".repeat(20_000); // 900 KB, one line
    std::fs::write(dir.join("c/long.txt"), &line).unwrap();
    std::fs::write(dir.join("c/short.txt"), "low pay").unwrap();
    let run = |limit: &[&str]| {
        let args = [&["run", "c", "--format", "csv", "-o", "o"], limit].concat();
        framewatch(dir, &args)
    };
    let r = run(&["--max-text-size", "200K"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("c/long.txt: skipped: text-too-large: a 878.9 KiB text file (at least 439.5 KiB of text) is over --max-text-size 200 KiB; raise it"), "{}", r.stderr);
    let r = run(&["--max-tokens", "100000"]);
    assert!(
        r.stderr.contains(
            "c/long.txt: skipped: too-many-tokens: 160000 tokens, over --max-tokens 100000"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("1 documents read, 1 skipped (too-many-tokens 1)"),
        "{}",
        r.stderr
    );
    // Within the default limits: one sentence of 160,000 words is read
    // (quadratic matching and stance made this take minutes).
    let r = run(&[]);
    assert!(
        r.stderr.contains("2 documents read, 0 skipped"),
        "{}",
        r.stderr
    );
    let hits = csv_rows(&dir.join("o/hits.csv"));
    assert_eq!(
        hits.len(),
        2 * 20_000 + 1,
        "dependency and low pay in every repeat"
    );
}

/// Every file of `dir` (name → bytes).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn regression_8_a_run_killed_midway_leaves_the_previous_outputs_intact() {
    let tmp = tempdir();
    let dir = tmp.path();
    let corpus = dir.join("c");
    std::fs::create_dir(&corpus).unwrap();
    let para = "Ministers blamed welfare dependency and a culture of worklessness, \
        while charities pointed to low pay, insecure work and benefit cuts. ";
    for i in 0..3000 {
        std::fs::write(
            corpus.join(format!("d{i:04}-{}.txt", 1990 + i % 30)),
            para.repeat(60),
        )
        .unwrap();
    }
    framewatch(dir, &["run", "c", "--format", "csv", "-o", "out"]).ok();
    let before = snapshot(&dir.join("out"));
    assert!(before.contains_key("manifest.json") && before.contains_key(".framewatch"));

    // The second run (other options, other outputs) is killed once its
    // staging folder exists.
    let mut child = Command::new(env!("CARGO_BIN_EXE_framewatch"))
        .args([
            "run", "c", "--format", "csv", "-o", "out", "--by", "decade", "-j", "1",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let staging = dir.join(format!(".out.framewatch-{}", child.id()));
    let start = std::time::Instant::now();
    while !staging.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        assert!(start.elapsed().as_secs() < 60, "no staging folder appeared");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed, not finished");
    assert_eq!(
        snapshot(&dir.join("out")),
        before,
        "the previous outputs changed"
    );
    assert!(
        staging.exists(),
        "a killed run cannot clean up: its staging folder stays"
    );

    // The next run completes, removes the dead run's staging folder and
    // writes nothing else beside --out.
    framewatch(
        dir,
        &["run", "c", "--format", "csv", "-o", "out", "--by", "decade"],
    )
    .ok();
    assert_eq!(entries(dir), ["c", "out"]);
    let after = snapshot(&dir.join("out"));
    assert_ne!(after["trends.csv"], before["trends.csv"], "by decade now");
    assert_eq!(
        entries(&dir.join("out")),
        [
            ".framewatch",
            "documents.csv",
            "hits.csv",
            "manifest.json",
            "sentences.csv",
            "skipped.csv",
            "trends.csv"
        ]
    );
}

#[test]
fn regression_8_a_folder_framewatch_did_not_write_is_not_replaced_without_force() {
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("thesis")).unwrap();
    std::fs::write(dir.join("thesis/chapter1.tex"), "years of work").unwrap();
    let demo = root().join("corpora/demo");
    let demo = demo.to_str().unwrap();
    let r = framewatch(dir, &["run", demo, "-o", "thesis"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "--out \"thesis\" is a folder framewatch did not write (it holds chapter1.tex)"
        ) && r
            .stderr
            .contains("hint: choose a new --out, empty the folder, or pass --force"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("thesis/chapter1.tex")).unwrap(),
        "years of work"
    );
    assert_eq!(entries(dir), ["thesis"], "nothing written beside it");
    // A file is never replaced by a folder.
    std::fs::write(dir.join("notes"), "x").unwrap();
    let r = framewatch(dir, &["run", demo, "-o", "notes", "--force"]);
    assert!(
        r.stderr.contains("--out \"notes\" is a file, not a folder"),
        "{}",
        r.stderr
    );
    // With --force the folder is replaced whole.
    framewatch(dir, &["run", demo, "-o", "thesis", "--force", "-q"]).ok();
    assert!(!dir.join("thesis/chapter1.tex").exists());
    assert!(dir.join("thesis/manifest.json").is_file());
    // A run's own folder is replaced without --force, and so is `merge`'s.
    framewatch(dir, &["run", demo, "-o", "thesis", "-q"]).ok();
    let r = framewatch(dir, &["merge", "thesis", "-o", "notes"]);
    assert!(r.stderr.contains("is a file, not a folder"), "{}", r.stderr);
}
