//! Outputs appear whole or not at all.
//!
//! A run folder is built in a staging folder beside its destination
//! (`.NAME.framewatch-PID`) and swapped into place only when complete, so
//! a run that fails, or is killed, leaves the previous outputs as they
//! were. A folder is replaced only if framewatch wrote it (it holds the
//! [`MARKER`] file, or a run's `manifest.json`) or is empty, unless the
//! caller forces it. Single files are written under a temporary name
//! beside them and renamed.

use crate::error::{Error, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The file that marks a folder as framewatch's to replace.
pub const MARKER: &str = ".framewatch";

const MARKER_TEXT: &str = "This folder was written by framewatch. framewatch replaces it \
whole when asked to write here again; delete this file to stop that.\n";

/// An output folder being built. Dropped without [`Staging::commit`]
/// (an error), the staging folder is removed and the destination is
/// untouched.
#[derive(Debug)]
pub struct Staging {
    dest: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl Staging {
    /// Check that `dest` may be replaced and create the staging folder
    /// beside it. `force`: replace a folder framewatch did not write.
    pub fn begin(dest: &Path, force: bool) -> Result<Staging> {
        let dest = resolve_link(dest);
        check_replaceable(&dest, force)?;
        let parent = parent_of(&dest);
        std::fs::create_dir_all(&parent)
            .map_err(|e| Error::output(&parent, format!("cannot create folder: {e}")))?;
        let name = dest
            .file_name()
            .ok_or_else(|| {
                Error::usage(
                    format!("--out \"{}\" names no folder", dest.display()),
                    Some("give a folder path such as out or runs/2024".to_string()),
                )
            })?
            .to_os_string();
        remove_stale(&parent, &name);
        let tmp = parent.join(staging_name(&name, std::process::id()));
        if tmp.exists() {
            // Left by an earlier process with this id: it is not running.
            let _ = std::fs::remove_dir_all(&tmp);
        }
        std::fs::create_dir(&tmp)
            .map_err(|e| Error::output(&tmp, format!("cannot create staging folder: {e}")))?;
        let staging = Staging {
            dest,
            tmp,
            committed: false,
        };
        let marker = staging.tmp.join(MARKER);
        std::fs::write(&marker, MARKER_TEXT).map_err(|e| Error::output(&marker, e))?;
        Ok(staging)
    }

    /// Where to write the outputs.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// Put the finished folder in place of the destination, in one step
    /// where the system allows (an exchange of the two names on Linux).
    pub fn commit(mut self) -> Result<()> {
        let out_err = |e: std::io::Error| Error::output(&self.dest, format!("cannot replace: {e}"));
        if std::fs::symlink_metadata(&self.dest).is_err() {
            std::fs::rename(&self.tmp, &self.dest).map_err(out_err)?;
        } else if exchange(&self.tmp, &self.dest).is_ok() {
            // The staging name now holds the old outputs.
            let _ = std::fs::remove_dir_all(&self.tmp);
        } else {
            let name = self.dest.file_name().unwrap_or_default();
            let mut old_name = staging_prefix(name);
            old_name.push(format!("old-{}", std::process::id()));
            let old = parent_of(&self.dest).join(old_name);
            let _ = std::fs::remove_dir_all(&old);
            std::fs::rename(&self.dest, &old).map_err(out_err)?;
            if let Err(e) = std::fs::rename(&self.tmp, &self.dest) {
                let _ = std::fs::rename(&old, &self.dest);
                return Err(out_err(e));
            }
            let _ = std::fs::remove_dir_all(&old);
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Write `bytes` to `path` under a temporary name beside it, then rename.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |tmp| {
        std::fs::write(tmp, bytes).map_err(|e| Error::output(path, e))
    })
}

/// Let `write` create the file at a temporary path beside `path`, then
/// rename it into place; on error the temporary file is removed.
pub fn write_with(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let name = path.file_name().ok_or_else(|| {
        Error::usage(
            format!("\"{}\" names no file", path.display()),
            Some("give a file path such as report.html".to_string()),
        )
    })?;
    let mut tmp_name = OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".framewatch-{}.tmp", std::process::id()));
    let tmp = parent_of(path).join(tmp_name);
    let result = write(&tmp).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|e| Error::output(path, format!("cannot write: {e}")))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A link to a folder stands for the folder: the run replaces what the
/// link points to, and the link stays.
fn resolve_link(dest: &Path) -> PathBuf {
    match std::fs::symlink_metadata(dest) {
        Ok(m) if m.file_type().is_symlink() && dest.is_dir() => {
            std::fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf())
        }
        _ => dest.to_path_buf(),
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `.NAME.framewatch-`: what staging folders for `name` start with.
fn staging_prefix(name: &std::ffi::OsStr) -> OsString {
    let mut s = OsString::from(".");
    s.push(name);
    s.push(".framewatch-");
    s
}

fn staging_name(name: &std::ffi::OsStr, pid: u32) -> OsString {
    let mut s = staging_prefix(name);
    s.push(pid.to_string());
    s
}

/// Whether framewatch may replace `dest`.
fn check_replaceable(dest: &Path, force: bool) -> Result<()> {
    let meta = match std::fs::metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::output(dest, format!("cannot inspect: {e}"))),
    };
    if !meta.is_dir() {
        return Err(Error::usage(
            format!("--out \"{}\" is a file, not a folder", dest.display()),
            Some("choose another --out, or move the file away".to_string()),
        ));
    }
    if force || written_by_us(dest) {
        return Ok(());
    }
    let mut entries = std::fs::read_dir(dest)
        .map_err(|e| Error::output(dest, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    if entries.is_empty() {
        return Ok(());
    }
    entries.sort();
    Err(Error::usage(
        format!(
            "--out \"{}\" is a folder framewatch did not write (it holds {}{}); a run replaces its output folder whole",
            dest.display(),
            entries[..entries.len().min(3)].join(", "),
            if entries.len() > 3 { ", ..." } else { "" }
        ),
        Some(
            "choose a new --out, empty the folder, or pass --force to replace it and everything in it"
                .to_string(),
        ),
    ))
}

/// The marker, or a run folder from before the marker (a manifest that
/// names framewatch).
pub fn written_by_us(dir: &Path) -> bool {
    if dir.join(MARKER).is_file() {
        return true;
    }
    std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|m| m.get("framewatch_version").is_some())
}

/// Remove staging folders for `name` left by processes that are no longer
/// running (a killed run). Only where process ids can be checked (Linux).
fn remove_stale(parent: &Path, name: &std::ffi::OsStr) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefix = staging_prefix(name);
    let prefix = prefix.to_string_lossy();
    for e in entries.filter_map(|e| e.ok()) {
        let file = e.file_name();
        let file = file.to_string_lossy();
        let Some(pid) = file
            .strip_prefix(prefix.as_ref())
            .map(|rest| rest.strip_prefix("old-").unwrap_or(rest))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Swap two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    #[cfg(not(target_env = "musl"))]
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    // musl (the static release build) has no renameat2 wrapper: the
    // system call itself.
    // SAFETY: as above; the arguments are those of renameat2(2).
    #[cfg(target_env = "musl")]
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("fw-atomic-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_new_folder_appears_only_on_commit() {
        let d = tmpdir("new");
        let out = d.join("out");
        let s = Staging::begin(&out, false).unwrap();
        std::fs::write(s.dir().join("a.csv"), "x").unwrap();
        assert!(!out.exists());
        s.commit().unwrap();
        assert_eq!(names(&out), [MARKER, "a.csv"]);
        assert_eq!(names(&d), ["out"], "no staging folder is left");
    }

    #[test]
    fn replacing_swaps_whole_folders_and_a_dropped_staging_leaves_the_old_one() {
        let d = tmpdir("swap");
        let out = d.join("out");
        let s = Staging::begin(&out, false).unwrap();
        std::fs::write(s.dir().join("old.csv"), "1").unwrap();
        s.commit().unwrap();
        // A failed run: nothing changes, its staging folder goes.
        let s = Staging::begin(&out, false).unwrap();
        std::fs::write(s.dir().join("new.csv"), "2").unwrap();
        drop(s);
        assert_eq!(names(&out), [MARKER, "old.csv"]);
        assert_eq!(names(&d), ["out"]);
        // A finished run replaces the folder whole.
        let s = Staging::begin(&out, false).unwrap();
        std::fs::write(s.dir().join("new.csv"), "2").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&out), [MARKER, "new.csv"]);
        assert_eq!(names(&d), ["out"]);
    }

    #[test]
    fn a_folder_framewatch_did_not_write_needs_force() {
        let d = tmpdir("foreign");
        let out = d.join("thesis");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("chapter1.tex"), "keep me").unwrap();
        let e = Staging::begin(&out, false).unwrap_err().to_string();
        assert!(
            e.contains("did not write") && e.contains("chapter1.tex"),
            "{e}"
        );
        assert_eq!(names(&d), ["thesis"], "nothing was created");
        assert_eq!(
            std::fs::read_to_string(out.join("chapter1.tex")).unwrap(),
            "keep me"
        );
        Staging::begin(&out, true).unwrap().commit().unwrap();
        assert_eq!(names(&out), [MARKER]);
        // Empty folders and files.
        let empty = d.join("empty");
        std::fs::create_dir(&empty).unwrap();
        Staging::begin(&empty, false).unwrap().commit().unwrap();
        let file = d.join("file");
        std::fs::write(&file, "x").unwrap();
        let e = Staging::begin(&file, true).unwrap_err().to_string();
        assert!(e.contains("is a file"), "{e}");
    }

    #[test]
    fn a_run_folder_from_before_the_marker_is_ours() {
        let d = tmpdir("legacy");
        let out = d.join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(
            out.join("manifest.json"),
            r#"{"framewatch_version":"0.1.0"}"#,
        )
        .unwrap();
        Staging::begin(&out, false).unwrap().commit().unwrap();
        std::fs::write(out.join("manifest.json"), r#"{"other":1}"#).unwrap();
        std::fs::remove_file(out.join(MARKER)).unwrap();
        assert!(Staging::begin(&out, false).is_err());
    }

    #[test]
    fn stale_staging_of_a_dead_process_is_removed() {
        let d = tmpdir("stale");
        // No process has id 4,000,000,000.
        let stale = d.join(staging_name("out".as_ref(), 4_000_000_000));
        std::fs::create_dir(&stale).unwrap();
        let other = d.join(staging_name("other".as_ref(), 4_000_000_000));
        std::fs::create_dir(&other).unwrap();
        Staging::begin(&d.join("out"), false)
            .unwrap()
            .commit()
            .unwrap();
        assert!(!stale.exists());
        assert!(
            other.exists(),
            "another destination's staging is left alone"
        );
    }

    #[test]
    fn a_link_to_a_folder_keeps_the_link() {
        let d = tmpdir("link");
        let real = d.join("real");
        std::fs::create_dir(&real).unwrap();
        let link = d.join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let s = Staging::begin(&link, false).unwrap();
        std::fs::write(s.dir().join("a.csv"), "x").unwrap();
        s.commit().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(names(&real), [MARKER, "a.csv"]);
    }

    #[test]
    fn files_are_renamed_into_place() {
        let d = tmpdir("file");
        let p = d.join("report.html");
        write_file(&p, b"one").unwrap();
        let e = write_with(&p, |tmp| {
            std::fs::write(tmp, "half").unwrap();
            Err(Error::Other("failed".into()))
        });
        assert!(e.is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "one");
        assert_eq!(names(&d), ["report.html"]);
    }
}
