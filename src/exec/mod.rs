//! Bounded fan-out: runs one function per target on at most `concurrency`
//! threads, reports each start and finish as an [`Event`], and honours
//! cancellation. It never prints; reporters decide what to show.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Mutex;

use crate::outcome::{HostOutcome, OutcomeKind};
use crate::target::Target;

/// How far a run has been asked to stop. Levels only go up.
#[derive(Debug, Default)]
pub struct Cancel(AtomicU8);

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
    pub fn raise(&self, level: CancelLevel) {
        self.0.fetch_max(level as u8, Ordering::SeqCst);
    }

    pub fn level(&self) -> CancelLevel {
        match self.0.load(Ordering::SeqCst) {
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

/// Runs `run` for every target, `concurrency` at a time. Returns the
/// outcomes in target order; every target has one, `skipped` for those
/// never started because the run was stopped.
pub fn execute<F>(
    targets: &[Target],
    concurrency: usize,
    cancel: &Cancel,
    events: &Sender<Event>,
    run: F,
) -> Vec<HostOutcome>
where
    F: Fn(&Target, &Cancel, &Live) -> HostOutcome + Sync,
{
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<HostOutcome>>> = Mutex::new(vec![None; targets.len()]);
    let workers = concurrency.clamp(1, targets.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let events = events.clone();
            let (next, results, run) = (&next, &results, &run);
            std::thread::Builder::new()
                // Hosts are I/O-bound: small stacks keep hundreds of
                // workers cheap.
                .stack_size(256 * 1024)
                .spawn_scoped(scope, move || loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(target) = targets.get(index) else {
                        break;
                    };
                    let outcome = if cancel.level() >= CancelLevel::StopStarting {
                        let mut o = HostOutcome::without_run(
                            &target.name,
                            OutcomeKind::Skipped,
                            "not started: the run was interrupted",
                        );
                        o.address = Some(target.address.clone());
                        o
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
                    results.lock().unwrap()[index] = Some(outcome.clone());
                    let _ = events.send(Event::Finished {
                        index,
                        outcome: Box::new(outcome),
                    });
                })
                .expect("spawn a worker thread");
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every target ran or was skipped"))
        .collect()
}
