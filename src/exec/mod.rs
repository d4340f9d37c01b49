//! Bounded fan-out: runs one function per target on at most `concurrency`
//! threads, in waves (canaries, then batches), reports each start and
//! finish as an [`Event`], and stops when asked to, for one of the ordered
//! [`StopReason`]s, interrupts among them. It owns the run's threads, the
//! channel and the signal handling; it never prints: [`run`] hands every
//! event to the reporter on the caller's thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::error::Error;
use crate::outcome::{Ended, HostOutcome, OutcomeKind, OutputStream};
use crate::rollout::{Threshold, Wave};
use crate::target::Target;
use crate::units::HostCount;

/// Why a run stops, in increasing order of urgency. All but the last stop
/// only the starting of hosts; running ones finish.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum StopReason {
    /// A canary was not ok: the waves after it do not start.
    CanaryNotOk(String),
    /// `--max-failures` was crossed.
    TooManyFailures(String),
    /// A first interrupt (Ctrl-C, SIGTERM, SIGHUP).
    Interrupted,
    /// A second interrupt: running hosts are stopped too.
    Aborted,
}

impl StopReason {
    /// Why hosts were not started, for their outcome's reason.
    pub fn describe(&self) -> String {
        match self {
            StopReason::CanaryNotOk(hosts) => format!("the canary was not ok ({hosts})"),
            StopReason::TooManyFailures(why) => why.clone(),
            StopReason::Interrupted | StopReason::Aborted => "the run was interrupted".into(),
        }
    }
}

/// How far a run has been asked to stop. The most urgent reason decides
/// what stops; the first one given is why hosts were not started.
#[derive(Debug, Default)]
pub struct Cancel {
    stopping: Mutex<Option<Stopping>>,
}

/// The reasons given so far.
#[derive(Debug)]
struct Stopping {
    /// Why hosts were not started, and when it was given.
    first: StopReason,
    at: Instant,
    /// What decides what stops.
    most: StopReason,
}

impl Cancel {
    /// Asks the run to stop for `reason`.
    pub fn stop(&self, reason: StopReason) {
        let mut stopping = self.stopping.lock().unwrap();
        match stopping.as_mut() {
            None => {
                *stopping = Some(Stopping {
                    first: reason.clone(),
                    at: Instant::now(),
                    most: reason,
                })
            }
            Some(given) => given.most = given.most.clone().max(reason),
        }
    }

    /// A signal arrived: the first stops starting hosts, the second stops
    /// running ones too.
    pub fn interrupt(&self) {
        let again = self.interrupted();
        self.stop(if again {
            StopReason::Aborted
        } else {
            StopReason::Interrupted
        });
    }

    /// The most urgent reason given, if any.
    pub fn most_urgent(&self) -> Option<StopReason> {
        self.stopping
            .lock()
            .unwrap()
            .as_ref()
            .map(|s| s.most.clone())
    }

    /// Whether hosts may still be started.
    pub fn may_start(&self) -> bool {
        self.stopping.lock().unwrap().is_none()
    }

    /// Whether running hosts must stop now.
    pub fn aborted(&self) -> bool {
        self.most_urgent() == Some(StopReason::Aborted)
    }

    /// Whether a signal stopped the run (it exits 130).
    pub fn interrupted(&self) -> bool {
        self.most_urgent() >= Some(StopReason::Interrupted)
    }

    /// When hosts stopped being started, and why; None when they never
    /// did.
    pub fn stopped(&self) -> Option<(Instant, String)> {
        let at = self.stopping.lock().unwrap().as_ref()?.at;
        Some((at, self.reason()))
    }

    /// Why hosts are no longer started.
    pub fn reason(&self) -> String {
        self.stopping
            .lock()
            .unwrap()
            .as_ref()
            .map_or_else(|| "the run was stopped".into(), |s| s.first.describe())
    }
}

/// What the executor reports as it goes.
#[derive(Debug)]
pub enum Event {
    Started {
        index: usize,
        name: String,
        at: Instant,
    },
    /// Output as it arrives (only when the caller asked for it).
    Output {
        index: usize,
        stream: OutputStream,
        bytes: Vec<u8>,
    },
    Finished {
        index: usize,
        outcome: Box<HostOutcome>,
    },
    /// Something for the operator between hosts (a wave starts, a pause).
    Note(String),
    /// A signal arrived (`interrupt`, `termination signal`); `again`: it
    /// was not the first, so running hosts are being stopped too.
    Interrupted { signal: &'static str, again: bool },
    /// Time passed (at least every [`TICK`] while hosts run); `stopping`:
    /// the run starts no more hosts.
    Tick { stopping: bool },
}

/// How often [`Event::Tick`] comes.
pub(crate) const TICK: Duration = Duration::from_millis(250);

/// The hosts in their waves, and how to start them.
pub struct Schedule<'a> {
    pub targets: &'a [Target],
    pub waves: &'a [Wave],
    pub pace: Pace,
    /// `--max-failures`.
    pub max_failures: Option<HostCount>,
}

/// Runs `work` on every host of the schedule (see [`run_waves`]) and hands
/// each event to `report`, on the calling thread, as it comes. Interrupts
/// (SIGINT, SIGTERM, SIGHUP) are watched meanwhile: the first stops the
/// starting of hosts, the second the running ones (see [`Cancel`]).
/// Returns when every host has ended.
pub(crate) fn run<F>(
    schedule: &Schedule,
    cancel: &Cancel,
    work: F,
    mut report: impl FnMut(Event),
) -> Result<(), Error>
where
    F: Fn(&Target, &Cancel, &Live) -> HostOutcome + Sync,
{
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|e| Error::setup(anyhow::Error::new(e).context("cannot handle interrupts")))?;
    let signals_handle = signals.handle();
    let threshold = schedule.max_failures.map(Threshold::new);
    let (events, received) = mpsc::channel::<Event>();
    std::thread::scope(|scope| {
        let interrupts = events.clone();
        scope.spawn(move || {
            for signal in signals.forever() {
                cancel.interrupt();
                let _ = interrupts.send(Event::Interrupted {
                    signal: if signal == SIGINT {
                        "interrupt"
                    } else {
                        "termination signal"
                    },
                    again: cancel.aborted(),
                });
            }
        });
        let (work, threshold) = (&work, threshold.as_ref());
        scope.spawn(move || {
            run_waves(
                schedule.targets,
                schedule.waves,
                schedule.pace,
                cancel,
                &events,
                threshold,
                work,
            );
            // The watcher's sender goes with it: the channel then ends.
            signals_handle.close();
        });
        let mut ticked = Instant::now();
        loop {
            match received.recv_timeout(TICK) {
                Ok(event) => report(event),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if ticked.elapsed() >= TICK {
                ticked = Instant::now();
                report(Event::Tick {
                    stopping: !cancel.may_start(),
                });
            }
        }
    });
    Ok(())
}

/// Hands a host's output to the reporter as it arrives.
pub(crate) struct Live<'a> {
    index: usize,
    events: &'a Sender<Event>,
}

impl Live<'_> {
    pub(crate) fn send(&self, stream: OutputStream, bytes: &[u8]) {
        let _ = self.events.send(Event::Output {
            index: self.index,
            stream,
            bytes: bytes.to_vec(),
        });
    }
}

/// How the waves run.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Hosts at once.
    pub concurrency: usize,
    /// The wait between waves (`--batch-pause`).
    pub pause: Option<Duration>,
}

/// Runs the waves in order (the canaries, then the batches), stopping
/// when a canary is not ok or the failure threshold is crossed; hosts never
/// started end `skipped` with the reason. The outcomes go out as events.
pub(crate) fn run_waves<F>(
    targets: &[Target],
    waves: &[Wave],
    pace: Pace,
    cancel: &Cancel,
    events: &Sender<Event>,
    threshold: Option<&Threshold>,
    run: F,
) where
    F: Fn(&Target, &Cancel, &Live) -> HostOutcome + Sync,
{
    for (w, wave) in waves.iter().enumerate() {
        if w > 0 && cancel.may_start() {
            if let Some(pause) = pace.pause {
                let _ = events.send(Event::Note(format!(
                    "{} done; pausing {} before {}",
                    waves[w - 1].label(),
                    crate::units::seconds(pause),
                    wave.label()
                )));
                let until = Instant::now() + pause;
                while Instant::now() < until && cancel.may_start() {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        if waves.len() > 1 && cancel.may_start() {
            let _ = events.send(Event::Note(format!(
                "{}: {}",
                wave.label(),
                wave.folded_names(targets)
            )));
        }
        let ended = execute(
            targets,
            &wave.hosts,
            pace.concurrency,
            cancel,
            events,
            |t, c, live| {
                let outcome = run(t, c, live);
                if let Some(why) = threshold.and_then(|th| th.record(&outcome)) {
                    c.stop(StopReason::TooManyFailures(why));
                }
                outcome
            },
        );
        if wave.is_canary() {
            let bad: Vec<String> = ended
                .iter()
                .filter(|(_, kind)| *kind != OutcomeKind::Ok)
                .map(|(i, kind)| format!("{} {}", targets[*i].name, kind.name()))
                .collect();
            if !bad.is_empty() {
                cancel.stop(StopReason::CanaryNotOk(bad.join(", ")));
            }
        }
    }
}

/// Runs `run` for the targets at `order` (indexes into `targets`),
/// `concurrency` at a time. Every one ends with an outcome, `skipped` for
/// those never started because the run was stopped; the outcome goes out
/// in its [`Event::Finished`], and the returned list gives each index with
/// its outcome's kind, in index order.
pub(crate) fn execute<F>(
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
                        let outcome = if !cancel.may_start() {
                            skipped(target, cancel)
                        } else {
                            let _ = events.send(Event::Started {
                                index,
                                name: target.name.clone(),
                                at: Instant::now(),
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
                        results.lock().unwrap().push((index, outcome.kind()));
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
pub(crate) fn skipped(target: &Target, cancel: &Cancel) -> HostOutcome {
    let mut o = HostOutcome::without_run(
        &target.name,
        Ended::Skipped(format!("not started: {}", cancel.reason())),
    );
    o.address = Some(target.address.clone());
    o
}

#[cfg(test)]
mod tests {
    //! The executor with a fake unit of work: no SSH, no sleeps to wait
    //! for, every run the same.

    use std::collections::BTreeMap;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{mpsc, Arc, Barrier};

    use super::*;
    use crate::outcome::{Phase, Stop};
    use crate::rollout::WaveKind;
    use crate::units::HostCount;

    fn targets(n: usize) -> Vec<Target> {
        (0..n)
            .map(|i| Target {
                name: format!("h-{i:02}"),
                address: format!("10.0.0.{i}"),
                port: None,
                node: Arc::new(crate::inventory::Node::bare(&format!("h-{i:02}"))),
            })
            .collect()
    }

    fn ended(target: &Target, kind: OutcomeKind) -> HostOutcome {
        let ended = match kind {
            OutcomeKind::Ok => Ended::Ok,
            OutcomeKind::Failed => Ended::Failed("exit code 1".into()),
            OutcomeKind::Cancelled => {
                Stop::Cancelled.at(Phase::Command, "stopped by a second interrupt")
            }
            other => panic!("no test host ends {other:?}"),
        };
        HostOutcome::without_run(&target.name, ended)
    }

    /// The outcome each host ended in, from the events.
    fn outcomes(events: mpsc::Receiver<Event>) -> BTreeMap<String, (OutcomeKind, String)> {
        events
            .try_iter()
            .filter_map(|e| match e {
                Event::Finished { outcome, .. } => Some((
                    outcome.name.clone(),
                    (
                        outcome.kind(),
                        outcome.ended.reason().unwrap_or_default().to_string(),
                    ),
                )),
                _ => None,
            })
            .collect()
    }

    fn wave(kind: WaveKind, hosts: std::ops::Range<usize>) -> Wave {
        Wave {
            kind,
            hosts: hosts.collect(),
        }
    }

    #[test]
    fn never_more_hosts_at_once_than_the_concurrency() {
        let targets = targets(40);
        let order: Vec<usize> = (0..40).collect();
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        // The first four meet at a barrier: the cap is reached, not only
        // never exceeded.
        let barrier = Barrier::new(4);
        let result = execute(&targets, &order, 4, &Cancel::default(), &tx, |t, _, _| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            if t.name.as_str() < "h-04" {
                barrier.wait();
            }
            running.fetch_sub(1, Ordering::SeqCst);
            ended(t, OutcomeKind::Ok)
        });
        assert_eq!(most.load(Ordering::SeqCst), 4);
        assert_eq!(result.len(), 40);
        assert!(result.windows(2).all(|w| w[0].0 < w[1].0), "in index order");
        assert_eq!(outcomes(rx).len(), 40, "every host finishes once");
    }

    #[test]
    fn a_canary_that_is_not_ok_skips_the_waves_after_it() {
        let targets = targets(6);
        let waves = [
            wave(WaveKind::Canary, 0..2),
            wave(WaveKind::Batch { number: 1, of: 2 }, 2..4),
            wave(WaveKind::Batch { number: 2, of: 2 }, 4..6),
        ];
        let (tx, rx) = mpsc::channel();
        let cancel = Cancel::default();
        let pace = Pace {
            concurrency: 2,
            pause: None,
        };
        run_waves(&targets, &waves, pace, &cancel, &tx, None, |t, _, _| {
            ended(
                t,
                if t.name == "h-01" {
                    OutcomeKind::Failed
                } else {
                    OutcomeKind::Ok
                },
            )
        });
        let out = outcomes(rx);
        assert_eq!(out["h-00"].0, OutcomeKind::Ok);
        assert_eq!(out["h-01"].0, OutcomeKind::Failed);
        for later in ["h-02", "h-03", "h-04", "h-05"] {
            assert_eq!(out[later].0, OutcomeKind::Skipped, "{later}");
            assert_eq!(
                out[later].1,
                "not started: the canary was not ok (h-01 failed)"
            );
        }
        assert!(!cancel.interrupted(), "a canary is not an interrupt");
    }

    #[test]
    fn the_failure_threshold_stops_starting_hosts() {
        let targets = targets(10);
        let waves = [wave(WaveKind::All, 0..10)];
        let (tx, rx) = mpsc::channel();
        let cancel = Cancel::default();
        let threshold = Threshold::new(HostCount::Hosts(2));
        // One at a time, so exactly the hosts before the threshold run.
        let pace = Pace {
            concurrency: 1,
            pause: None,
        };
        run_waves(
            &targets,
            &waves,
            pace,
            &cancel,
            &tx,
            Some(&threshold),
            |t, _, _| {
                let bad = t.name == "h-01" || t.name == "h-03";
                ended(
                    t,
                    if bad {
                        OutcomeKind::Failed
                    } else {
                        OutcomeKind::Ok
                    },
                )
            },
        );
        let out = outcomes(rx);
        let ran: Vec<&str> = out
            .iter()
            .filter(|(_, (k, _))| *k != OutcomeKind::Skipped)
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(ran, ["h-00", "h-01", "h-02", "h-03"]);
        assert_eq!(
            out["h-09"].1,
            "not started: --max-failures 2 reached (2 of 4 finished hosts not ok)"
        );
    }

    #[test]
    fn an_interrupt_lets_running_hosts_finish_and_a_second_aborts_them() {
        let targets = targets(8);
        let order: Vec<usize> = (0..8).collect();
        let (tx, rx) = mpsc::channel();
        let cancel = Cancel::default();
        let started = Barrier::new(3);
        std::thread::scope(|s| {
            s.spawn(|| {
                execute(&targets, &order, 2, &cancel, &tx, |t, c, _| {
                    started.wait();
                    // A running host sees the first interrupt only as "no
                    // more starts", and stops at the second.
                    while !c.aborted() {
                        std::thread::yield_now();
                    }
                    assert!(!c.may_start());
                    ended(t, OutcomeKind::Cancelled)
                })
            });
            started.wait();
            cancel.interrupt();
            assert!(cancel.interrupted() && !cancel.aborted());
            cancel.interrupt();
        });
        let out = outcomes(rx);
        let count = |k| out.values().filter(|(kind, _)| *kind == k).count();
        assert_eq!(count(OutcomeKind::Cancelled), 2, "the two running hosts");
        assert_eq!(count(OutcomeKind::Skipped), 6, "the rest never started");
        assert_eq!(out["h-07"].1, "not started: the run was interrupted");
    }

    #[test]
    fn the_first_reason_is_kept_and_the_most_urgent_decides() {
        let cancel = Cancel::default();
        assert!(cancel.may_start() && !cancel.interrupted());
        cancel.stop(StopReason::TooManyFailures(
            "--max-failures 1 reached".into(),
        ));
        cancel.stop(StopReason::CanaryNotOk("a failed".into()));
        assert_eq!(cancel.reason(), "--max-failures 1 reached");
        assert!(!cancel.interrupted());
        cancel.interrupt();
        assert!(cancel.interrupted() && !cancel.aborted());
        cancel.interrupt();
        assert!(cancel.aborted());
        assert_eq!(cancel.reason(), "--max-failures 1 reached");
    }
}
