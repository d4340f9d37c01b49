//! `galley run QUERY -- COMMAND`: the command on every selected host.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::action::command::{self, CommandSpec};
use crate::cli::{ChefArgs, ConnectionArgs, RunArgs, RunOutput};
use crate::config::{Selection, SourceSpec};
use crate::error::{output_result, Error};
use crate::exec::{self, Cancel, CancelLevel, Event, Live};
use crate::exit;
use crate::outcome::{HostOutcome, OutcomeKind, RunStats, Timings};
use crate::report::human::now_epoch;
use crate::report::nodes;
use crate::report::progress::Progress;
use crate::report::run::{self as report, JsonlReport, RunInfo, StreamPrinter};
use crate::ssh::{self, Gateways, Policy, SshConfig};
use crate::target::{AddressRule, Target, Targets};

/// knife's `knife[:ssh_user]`, `knife[:ssh_attribute]` and
/// `knife[:ssh_gateway]`: defaults under galley's own flags.
#[derive(Debug, Default)]
pub struct KnifeSsh {
    pub user: Option<String>,
    pub attribute: Option<String>,
    pub gateway: Option<String>,
}

/// Reads the knife settings. When the nodes come from elsewhere, knife files
/// galley cannot read only cost their ssh defaults, with a warning.
fn knife_ssh(chef: &ChefArgs, server_is_source: bool) -> Result<KnifeSsh, Error> {
    match crate::config::chef_settings(chef) {
        Ok(config) => Ok(KnifeSsh {
            user: config.ssh_user.map(|s| s.value),
            attribute: config.ssh_attribute.map(|s| s.value),
            gateway: config.ssh_gateway.map(|s| s.value),
        }),
        Err(e) if server_is_source => Err(e),
        Err(e) => {
            eprintln!("galley: warning: knife settings not used: {}", e.error);
            Ok(KnifeSsh::default())
        }
    }
}

/// Turns the connection flags into SSH settings (environment: HOME, USER,
/// SSH_AUTH_SOCK; files: `-F FILE` or `~/.ssh/config`).
pub fn ssh_settings(args: &ConnectionArgs, knife: &KnifeSsh) -> Result<ssh::Settings, Error> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"));
    let local_user = local_user().ok_or_else(|| {
        Error::setup(anyhow::anyhow!("cannot tell the local user name")).with_hint("pass -x USER")
    })?;
    let config_file = match &args.ssh_config {
        Some(file) => Some(file.clone()),
        None => Some(home.join(".ssh/config")).filter(|f| f.is_file()),
    };
    let config = match config_file {
        Some(file) => {
            let config = SshConfig::load(&file, &home).map_err(|e| {
                Error::setup(e).with_hint("fix the file, or point -F at another one")
            })?;
            for place in &config.match_blocks {
                eprintln!(
                    "galley: warning: {place}: Match blocks are not evaluated; galley skips them"
                );
            }
            Some(config)
        }
        None => None,
    };
    Ok(ssh::Settings {
        user: args.ssh_user.clone().or_else(|| knife.user.clone()),
        local_user,
        port: args.ssh_port,
        connect_timeout: args.connect_timeout.map(|d| d.0),
        policy: args.host_key_check,
        known_hosts_file: args.known_hosts.clone(),
        global_known_hosts: vec![PathBuf::from("/etc/ssh/ssh_known_hosts")],
        identity_files: args.identity_file.clone(),
        agent: std::env::var_os("SSH_AUTH_SOCK").is_some_and(|s| !s.is_empty()),
        home,
        config,
        gateway: match args.ssh_gateway.as_ref().or(knife.gateway.as_ref()) {
            Some(spec) => Some(
                ssh::gateway::parse_chain(spec)
                    .map_err(|why| Error::usage(anyhow::anyhow!("--ssh-gateway {why}")))?,
            ),
            None => None,
        },
    })
}

fn local_user() -> Option<String> {
    if let Some(user) = std::env::var("USER").ok().filter(|u| !u.is_empty()) {
        return Some(user);
    }
    // SAFETY: getpwuid returns a pointer into static storage or null; the
    // name is copied out at once.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr((*pw).pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// Connects and runs the command on one host.
fn run_host(
    target: &Target,
    settings: &ssh::Settings,
    spec: &CommandSpec,
    gateways: &Gateways,
    cancel: &Cancel,
    live: Option<&Live>,
) -> HostOutcome {
    let started = Instant::now();
    let mut timings = Timings::default();
    let mut outcome = HostOutcome::without_run(&target.name, OutcomeKind::Error, "");
    outcome.reason = None;
    let plan = settings.plan(target);
    outcome.address = Some(plan.host.clone());
    outcome.port = Some(plan.port);
    outcome.user = Some(plan.user.clone());
    match ssh::connect(target, &plan, gateways, settings, &mut timings) {
        Err(failure) => {
            outcome.kind = failure.kind;
            outcome.phase = Some(failure.phase);
            outcome.reason = Some(failure.reason);
        }
        Ok(conn) => {
            outcome.auth = Some(conn.auth.clone());
            let sink = |stream: u8, bytes: &[u8]| {
                if let Some(live) = live {
                    live.send(stream, bytes);
                }
            };
            let result = command::run(
                &conn,
                spec,
                cancel,
                live.map(|_| &sink as command::OutputSink),
            );
            timings.command_ms = Some(result.millis);
            outcome.kind = result.kind;
            outcome.phase = result.phase;
            outcome.reason = result.reason;
            outcome.exit_code = result.exit_code;
            outcome.signal = result.signal;
            outcome.stdout = result.stdout;
            outcome.stderr = result.stderr;
            let _ = conn.session.disconnect(None, "galley done", None);
        }
    }
    timings.total_ms = ssh::millis(started.elapsed());
    outcome.timings = timings;
    outcome
}

/// Keeps the targets an earlier report says to run again; false when none
/// is left (said on stderr).
fn keep_retries(targets: &mut Targets, path: &Path, selection: &Selection) -> Result<bool, Error> {
    let past = report::read_report(path).map_err(|e| Error::setup(anyhow::anyhow!(e)))?;
    if past.truncated_last_line {
        eprintln!(
            "galley: warning: the last line of {} is cut short (galley was stopped while writing it)",
            path.display()
        );
    }
    if !targets
        .targets
        .iter()
        .any(|t| past.outcomes.contains_key(&t.name))
    {
        eprintln!(
            "galley: warning: no selected host is in {}: running them all",
            path.display()
        );
    }
    targets.targets.retain(|t| past.should_retry(&t.name));
    targets
        .unaddressed
        .retain(|u| past.should_retry(&u.node.name));
    if targets.targets.is_empty() && targets.unaddressed.is_empty() {
        eprintln!(
            "galley: nothing to retry: no host selected by {} failed in {}",
            selection.query,
            path.display()
        );
        return Ok(false);
    }
    Ok(true)
}

/// The first interrupt stops starting hosts, the second stops running ones.
/// Returns when the signal handle is closed.
fn watch_signals(signals: &mut Signals, cancel: &Cancel, progress: &Progress) {
    for signal in signals.forever() {
        let name = if signal == SIGINT {
            "interrupt"
        } else {
            "termination signal"
        };
        if cancel.level() == CancelLevel::None {
            cancel.raise(CancelLevel::StopStarting);
            progress.println(&format!(
                "galley: {name}: starting no more hosts, waiting for the running ones (interrupt again to stop them)"
            ));
        } else {
            cancel.raise(CancelLevel::Abort);
            progress.println(&format!("galley: {name} again: stopping the running hosts"));
        }
    }
}

pub fn run(args: &RunArgs) -> Result<u8, Error> {
    let mut selection = Selection::from_args(&args.select)?;
    let knife = knife_ssh(
        &args.select.chef,
        matches!(selection.source, SourceSpec::ChefServer(_)),
    )?;
    if let (Some(attribute), None, false) = (
        &knife.attribute,
        &args.select.attribute,
        args.select.manual_list,
    ) {
        selection.address = AddressRule::Attribute(attribute.clone());
    }
    let settings = ssh_settings(&args.connection, &knife)?;
    let spec = CommandSpec {
        command: args.command.join(" "),
        sudo: args.sudo,
        timeout: args.command_timeout.map(|d| d.0),
        max_output: args.max_output.0,
    };
    let Some(mut targets) = super::select(&selection)? else {
        return Ok(exit::NO_MATCH);
    };
    if let Some(path) = &args.retry_failed {
        if !keep_retries(&mut targets, path, &selection)? {
            return Ok(exit::OK);
        }
    }
    for warning in nodes::warnings(&targets) {
        eprintln!("galley: warning: {warning}");
    }
    if settings.policy == Some(Policy::Off) {
        eprintln!("galley: warning: --host-key-check off: host keys are not checked, a machine in the middle would not be noticed");
    }

    let info = RunInfo {
        command: spec.command.clone(),
        query: selection.query.to_string(),
        hosts: targets.targets.len() + targets.unaddressed.len(),
        started_at: now_epoch(),
    };
    let mut jsonl = match &args.report {
        Some(path) => Some(JsonlReport::create(path).map_err(|e| {
            Error::setup(
                anyhow::Error::new(e)
                    .context(format!("cannot write the report {}", path.display())),
            )
        })?),
        None => None,
    };
    let report_error =
        |e: std::io::Error| Error::setup(anyhow::Error::new(e).context("cannot write the report"));
    if let Some(r) = &mut jsonl {
        r.write(&report::header_record(&info))
            .map_err(report_error)?;
    }

    let started = Instant::now();
    let mut outcomes: Vec<HostOutcome> = targets
        .unaddressed
        .iter()
        .map(|u| {
            HostOutcome::without_run(
                &u.node.name,
                OutcomeKind::Skipped,
                format!("no usable address: {}", u.reason),
            )
        })
        .collect();
    for o in &outcomes {
        if let Some(r) = &mut jsonl {
            r.write(&report::host_record(o)).map_err(report_error)?;
        }
    }
    let gateways = Gateways::new(args.connection.gateway_concurrency.0);
    let streaming = args.output == RunOutput::Stream;
    let progress = Progress::new(targets.targets.len());
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut printer = StreamPrinter::new(&targets.targets);
    let cancel = Cancel::default();
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|e| Error::setup(anyhow::Error::new(e).context("cannot handle interrupts")))?;
    let signal_handle = signals.handle();
    let (events, received) = mpsc::channel::<Event>();
    let ran = std::thread::scope(|scope| -> Result<Vec<HostOutcome>, Error> {
        let (settings, spec, cancel, targets) = (&settings, &spec, &cancel, &targets.targets);
        let gateways = &gateways;
        let (progress, done) = (&progress, &done);
        scope.spawn(move || watch_signals(&mut signals, cancel, progress));
        scope.spawn(move || progress.tick_until(cancel, done));
        let worker = scope.spawn(move || {
            exec::execute(
                targets,
                args.concurrency.0,
                cancel,
                &events,
                |t, c, live| run_host(t, settings, spec, gateways, c, streaming.then_some(live)),
            )
        });
        // Keep draining events after a write error, so the run can end.
        let mut result = Ok(());
        let mut stdout = std::io::stdout().lock();
        for event in received {
            let step = match event {
                Event::Started { index, name } => {
                    progress.started(index, &name);
                    Ok(())
                }
                Event::Output {
                    index,
                    stream,
                    bytes,
                } => output_result(
                    stdout.write_all(printer.output(index, stream, &bytes).as_bytes()),
                ),
                Event::Finished { index, outcome } => {
                    progress.finished(index, outcome.kind);
                    let lines = if streaming {
                        printer.finish(index)
                    } else {
                        String::new()
                    };
                    output_result(stdout.write_all(lines.as_bytes())).and_then(
                        |()| match &mut jsonl {
                            Some(r) => r
                                .write(&report::host_record(&outcome))
                                .map_err(report_error),
                            None => Ok(()),
                        },
                    )
                }
            };
            if result.is_ok() {
                result = step;
            }
        }
        let outcomes = worker.join().expect("the executor does not panic");
        signal_handle.close();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        result.map(|()| outcomes)
    })?;
    outcomes.extend(ran);
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));

    let elapsed_ms = ssh::millis(started.elapsed());
    let stats = RunStats::from_outcomes(&outcomes);
    let code = if cancel.level() > CancelLevel::None {
        exit::INTERRUPTED
    } else if stats.all_ok() {
        exit::OK
    } else {
        exit::HOSTS_FAILED
    };
    let summary = report::summary_record(&stats, now_epoch(), elapsed_ms, code);
    if let Some(r) = &mut jsonl {
        r.write(&summary).map_err(report_error)?;
    }
    let text = match args.output {
        RunOutput::Summary => report::render_summary(&outcomes, elapsed_ms),
        RunOutput::Stream => {
            // The lines are out already; the counts and failures go to
            // stderr, so stdout stays the hosts' own lines.
            eprint!("{}", report::render_failures(&outcomes, elapsed_ms));
            String::new()
        }
        RunOutput::Json => {
            let doc = serde_json::json!({
                "header": report::header_record(&info),
                "hosts": outcomes.iter().map(report::host_record).collect::<Vec<_>>(),
                "summary": summary,
            });
            serde_json::to_string_pretty(&doc).expect("records serialize") + "\n"
        }
    };
    output_result(std::io::stdout().lock().write_all(text.as_bytes()))?;
    Ok(code)
}
