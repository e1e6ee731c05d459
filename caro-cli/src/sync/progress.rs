//! Progress bars for long pushes and pulls: on stderr, only on a terminal,
//! only past [`PROGRESS_THRESHOLD`] items, never for a quiet sync. Stdout
//! stays for the command's answer.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar appears when at least this many items move, on a terminal.
const PROGRESS_THRESHOLD: u64 = 1_000;

/// The one bar a sync shows, reused from push to pull.
#[derive(Default)]
pub struct Progress {
    quiet: bool,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// No bar ever appears when `quiet`.
    pub fn new(quiet: bool) -> Self {
        Progress { quiet, bar: None }
    }

    /// A bar for `total` items labelled `message`, if one should show.
    pub fn start(&mut self, total: u64, message: &'static str) -> Option<ProgressBar> {
        if self.quiet || total < PROGRESS_THRESHOLD || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = self.bar.get_or_insert_with(|| {
            ProgressBar::new(total).with_style(
                ProgressStyle::with_template("{msg:>8} [{bar:30}] {pos}/{len} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            )
        });
        bar.set_message(message);
        bar.set_length(total);
        bar.set_position(0);
        Some(bar.clone())
    }

    /// Clears the bar, if one showed.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
