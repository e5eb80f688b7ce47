//! A progress bar on standard error for long runs, when standard error is a terminal.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before the bar appears: short runs never show one.
const DELAY: Duration = Duration::from_millis(800);

/// Progress over a known or unknown number of bytes. Does nothing unless enabled.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: bool,
}

impl Progress {
    /// A bar over `total` bytes (a spinner when unknown), enabled when standard error is a
    /// terminal.
    pub fn for_stderr(total: Option<u64>) -> Progress {
        Progress::new(total, io::stderr().is_terminal())
    }

    /// A bar over `total` bytes, or nothing at all when `enabled` is false.
    pub fn new(total: Option<u64>, enabled: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
            let template = if total.is_some() {
                "{spinner} [{elapsed_precise}] {wide_bar} {decimal_bytes}/{decimal_total_bytes} ({decimal_bytes_per_sec}, {eta})"
            } else {
                "{spinner} [{elapsed_precise}] {decimal_bytes} ({decimal_bytes_per_sec})"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: false,
        }
    }

    /// Whether the bar is on screen.
    pub const fn is_shown(&self) -> bool {
        self.shown
    }

    /// Sets the bytes done; shows the bar once the run has lasted long enough.
    pub fn set(&mut self, bytes: u64) {
        if let Some(bar) = &self.bar {
            if !self.shown && self.start.elapsed() >= DELAY {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                self.shown = true;
            }
            bar.set_position(bytes);
        }
    }

    /// Writes `bytes` to `out`, with the bar out of the way while it is on screen (the two
    /// may share a terminal).
    ///
    /// # Errors
    ///
    /// Errors of the writer.
    pub fn write(&self, out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
        match &self.bar {
            Some(bar) if self.shown => {
                bar.suspend(|| out.write_all(bytes).and_then(|()| out.flush()))
            }
            _ => out.write_all(bytes),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_progress_only_passes_output_through() {
        let mut p = Progress::new(Some(10), false);
        p.set(5);
        assert!(!p.is_shown());
        let mut out = Vec::new();
        p.write(&mut out, b"line\n").unwrap();
        p.finish();
        assert_eq!(out, b"line\n");
    }

    #[test]
    fn enabled_progress_waits_before_showing() {
        let mut p = Progress::new(None, true);
        p.set(1);
        assert!(!p.is_shown());
        let mut out = Vec::new();
        p.write(&mut out, b"x").unwrap();
        assert_eq!(out, b"x");
        p.finish();
    }
}
