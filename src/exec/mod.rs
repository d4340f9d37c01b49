//! Bounded fan-out: runs one function per target on at most `concurrency`
//! threads, reports each start and finish as an [`Event`], and honours
//! cancellation. It never prints; reporters decide what to show.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Mutex;

use crate::outcome::{HostOutcome, OutcomeKind};
use crate::target::Target;

/// How far a run has been asked to stop, and why. Levels only go up; the
/// first reason given stays.
#[derive(Debug, Default)]
pub struct Cancel {
    level: AtomicU8,
    /// Why hosts stop being started (`the run was interrupted`, `--max-failures
    /// 5 reached (...)`), for the skipped hosts' reason.
    reason: Mutex<Option<String>>,
    /// A signal asked to stop (the run exits 130), not a rollout rule.
    interrupted: AtomicBool,
}

/// Why a run stops, in increasing order of urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CancelLevel {
    None = 0,
    /// Start no more hosts; let running ones finish (first Ctrl-C).
    StopStarting = 1,
    /// Stop running hosts too (second Ctrl-C).
    Abort = 2,
}

impl Cancel {
    /// A signal asks to stop (first: stop starting; second: abort).
    pub fn interrupt(&self, level: CancelLevel) {
        self.interrupted.store(true, Ordering::SeqCst);
        self.raise(level, "the run was interrupted");
    }

    /// Stop at `level`, for `reason` (kept only if none was given before).
    pub fn raise(&self, level: CancelLevel, reason: &str) {
        {
            let mut current = self.reason.lock().unwrap();
            if current.is_none() {
                *current = Some(reason.to_string());
            }
        }
        self.level.fetch_max(level as u8, Ordering::SeqCst);
    }

    /// Why hosts are no longer started.
    pub fn reason(&self) -> String {
        self.reason
            .lock()
            .unwrap()
            .clone()
            .unwrap_or_else(|| "the run was stopped".into())
    }

    /// Whether a signal stopped the run.
    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    pub fn level(&self) -> CancelLevel {
        match self.level.load(Ordering::SeqCst) {
            0 => CancelLevel::None,
            1 => CancelLevel::StopStarting,
            _ => CancelLevel::Abort,
        }
    }
}

/// What the executor reports as it goes.
#[derive(Debug)]
pub enum Event {
    Started {
        index: usize,
        name: String,
    },
    /// Output as it arrives (only when the caller asked for it).
    Output {
        index: usize,
        stream: u8,
        bytes: Vec<u8>,
    },
    Finished {
        index: usize,
        outcome: Box<HostOutcome>,
    },
    /// Something for the operator between hosts (a wave starts, a pause).
    Note(String),
}

/// Hands a host's output to the reporter as it arrives.
pub struct Live<'a> {
    index: usize,
    events: &'a Sender<Event>,
}

impl Live<'_> {
    pub fn send(&self, stream: u8, bytes: &[u8]) {
        let _ = self.events.send(Event::Output {
            index: self.index,
            stream,
            bytes: bytes.to_vec(),
        });
    }
}

/// Runs `run` for the targets at `order` (indexes into `targets`),
/// `concurrency` at a time. Every one ends with an outcome, `skipped` for
/// those never started because the run was stopped; the outcome goes out in
/// its [`Event::Finished`], and the returned list gives each index with its
/// outcome's kind, in index order.
pub fn execute<F>(
    targets: &[Target],
    order: &[usize],
    concurrency: usize,
    cancel: &Cancel,
    events: &Sender<Event>,
    run: F,
) -> Vec<(usize, OutcomeKind)>
where
    F: Fn(&Target, &Cancel, &Live) -> HostOutcome + Sync,
{
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, OutcomeKind)>> = Mutex::new(Vec::with_capacity(order.len()));
    let workers = concurrency.clamp(1, order.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let events = events.clone();
            let (next, results, run) = (&next, &results, &run);
            std::thread::Builder::new()
                // Hosts are I/O-bound: small stacks keep hundreds of
                // workers cheap.
                .stack_size(256 * 1024)
                .spawn_scoped(scope, move || {
                    while let Some(&index) = order.get(next.fetch_add(1, Ordering::SeqCst)) {
                        let target = &targets[index];
                        let outcome = if cancel.level() >= CancelLevel::StopStarting {
                            skipped(target, cancel)
                        } else {
                            let _ = events.send(Event::Started {
                                index,
                                name: target.name.clone(),
                            });
                            run(
                                target,
                                cancel,
                                &Live {
                                    index,
                                    events: &events,
                                },
                            )
                        };
                        results.lock().unwrap().push((index, outcome.kind));
                        let _ = events.send(Event::Finished {
                            index,
                            outcome: Box::new(outcome),
                        });
                    }
                })
                .expect("spawn a worker thread");
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(index, _)| *index);
    results
}

/// A host never started because the run stopped.
pub fn skipped(target: &Target, cancel: &Cancel) -> HostOutcome {
    let mut o = HostOutcome::without_run(
        &target.name,
        OutcomeKind::Skipped,
        format!("not started: {}", cancel.reason()),
    );
    o.address = Some(target.address.clone());
    o
}
