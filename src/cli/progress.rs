//! A progress line on stderr: documents, MB read, MB/s and ETA. Drawn
//! only when stderr is a terminal, not `--quiet`, and the run has lasted
//! a second; redrawn at most ten times a second; erased at the end. Off
//! a terminal (CI logs, pipes) it prints nothing.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FIRST_DRAW: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(100);

pub struct Progress {
    enabled: bool,
    start: Instant,
    total_docs: u64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    docs: u64,
    bytes: u64,
    last_draw: Option<Instant>,
}

impl Progress {
    /// A progress line for `total_docs` documents (0: not known, e.g. while
    /// discovery is still walking: no bar and no ETA).
    pub fn counting(total_docs: u64, quiet: bool) -> Progress {
        Progress::with_total(total_docs, !quiet && std::io::stderr().is_terminal())
    }

    pub fn with_total(total_docs: u64, enabled: bool) -> Progress {
        Progress {
            enabled,
            start: Instant::now(),
            total_docs,
            state: Mutex::new(State::default()),
        }
    }

    /// One document done, `bytes` long.
    pub fn add(&self, bytes: u64) {
        if !self.enabled {
            return;
        }
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.docs += 1;
        s.bytes += bytes;
        let now = Instant::now();
        let due = match s.last_draw {
            None => now.duration_since(self.start) >= FIRST_DRAW,
            Some(t) => now.duration_since(t) >= REDRAW,
        };
        if due {
            s.last_draw = Some(now);
            self.draw(&s, now);
        }
    }

    /// Run `f` (which prints to stderr) with the progress line out of the way.
    pub fn suspend(&self, f: impl FnOnce()) {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let drawn = self.enabled && s.last_draw.is_some();
        if drawn {
            clear();
        }
        f();
        if drawn {
            self.draw(&s, Instant::now());
        }
    }

    /// Erase the line, if one was drawn.
    pub fn finish(&self) {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if self.enabled && s.last_draw.is_some() {
            clear();
        }
    }

    fn draw(&self, s: &State, now: Instant) {
        let elapsed = now.duration_since(self.start).as_secs_f64().max(1e-9);
        let mb = s.bytes as f64 / 1e6;
        let eta = if s.docs > 0 && self.total_docs >= s.docs {
            let left = elapsed * (self.total_docs - s.docs) as f64 / s.docs as f64;
            let left = left.round() as u64;
            format!("ETA {}:{:02}:{:02}", left / 3600, left / 60 % 60, left % 60)
        } else {
            String::new()
        };
        let frac = if self.total_docs == 0 {
            1.0
        } else {
            s.docs as f64 / self.total_docs as f64
        };
        let width = 20usize;
        let filled = ((frac * width as f64) as usize).min(width);
        let bar = format!("[{}{}]", "#".repeat(filled), " ".repeat(width - filled));
        let line = if self.total_docs == 0 {
            format!("{} docs  {mb:.1} MB  {:.1} MB/s", s.docs, mb / elapsed)
        } else {
            format!(
                "{bar} {}/{} docs  {mb:.1} MB  {:.1} MB/s  {eta}",
                s.docs,
                self.total_docs,
                mb / elapsed
            )
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

fn clear() {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K");
    let _ = err.flush();
}
