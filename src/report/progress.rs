//! The live progress line on stderr, only when stderr is a terminal:
//! hosts done out of total, counts by outcome, and the slowest hosts still
//! running. It is fed the executor's events; its ticks redraw it so the
//! running times stay current.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::outcome::OutcomeKind;
use crate::terminal::escape_controls;

#[derive(Default)]
struct State {
    running: BTreeMap<usize, (String, Instant)>,
    counts: BTreeMap<OutcomeKind, usize>,
}

/// A progress line, or nothing when stderr is not a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
    state: State,
}

impl Progress {
    pub fn new(total: usize) -> Progress {
        let bar = crate::terminal::stderr_is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                ProgressDrawTarget::stderr_with_hz(8),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:24}] {pos}/{len} hosts  {msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar
        });
        Progress {
            bar,
            state: State::default(),
        }
    }

    pub fn started(&mut self, index: usize, name: &str) {
        self.state
            .running
            .insert(index, (escape_controls(name).into_owned(), Instant::now()));
    }

    pub fn finished(&mut self, index: usize, kind: OutcomeKind) {
        self.state.running.remove(&index);
        *self.state.counts.entry(kind).or_default() += 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Runs `f` with the bar hidden (for output written to the terminal).
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// A line printed above the bar (or on stderr without one).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(escape_controls(line)),
            None => crate::terminal::message(line),
        }
    }

    /// Redraws the message (the running times move on); `stopping`: an
    /// interrupt asked the run to start no more hosts.
    pub fn tick(&self, stopping: bool) {
        if let Some(bar) = &self.bar {
            bar.set_message(self.message(stopping));
        }
    }

    /// Takes the line off the terminal, for the summary.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn message(&self, stopping: bool) -> String {
        let state = &self.state;
        let mut parts: Vec<String> = state
            .counts
            .iter()
            .map(|(kind, n)| format!("{} {n}", kind.name()))
            .collect();
        let mut slow: Vec<(&String, Duration)> = state
            .running
            .values()
            .map(|(n, t)| (n, t.elapsed()))
            .collect();
        slow.sort_by_key(|s| std::cmp::Reverse(s.1));
        if !slow.is_empty() {
            let names: Vec<String> = slow
                .iter()
                .take(3)
                .map(|(n, d)| format!("{n} {}s", d.as_secs()))
                .collect();
            parts.push(format!("| slowest: {}", names.join(", ")));
        }
        if stopping {
            parts.push(format!(
                "| interrupted: waiting for {} running",
                state.running.len()
            ));
        }
        parts.join("  ")
    }
}
