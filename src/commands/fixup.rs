//! `galley apt-sources`, `galley converge`, `galley restart` and `galley
//! fixup`: the post-rotation jobs, each a list of steps run on every host by
//! the fleet driver.

use regex::Regex;

use super::fleet::{self, Job, RunPlan, Work};
use crate::action::apt_sources::{self, AptSources, MatchOn, Places, Restore};
use crate::action::chef_client::Converge;
use crate::action::restart::{Manager, Restart};
use crate::action::step::Step;
use crate::action::verify::Verify;
use crate::chef::client::ChefClient;
use crate::cli::{
    AptPlaces, AptSourcesArgs, ConvergeArgs, ConvergeOptions, FixupArgs, RestartArgs, ServerCheck,
    ServiceManager,
};
use crate::error::Error;

fn places(args: &AptPlaces) -> Places {
    Places {
        sources_dir: args.sources_dir.clone(),
        backup_dir: args.backup_dir.clone(),
    }
}

fn pattern(regex: &str) -> Result<Regex, Error> {
    Regex::new(regex).map_err(|e| {
        Error::usage(anyhow::anyhow!(
            "--match/--remove-sources is not a valid regular expression:\n{e}"
        ))
    })
}

fn new_backup_id() -> String {
    apt_sources::backup_id(crate::units::now_epoch() as i64)
}

fn converge_step(options: &ConvergeOptions, extra: &[String]) -> Converge {
    Converge {
        command: options.chef_client_cmd.clone(),
        why_run: options.why_run,
        run_lock_timeout_secs: options.run_lock_timeout.0.as_secs().max(1),
        extra: extra.to_vec(),
    }
}

/// The Chef server client for the post-run check, when it is wanted.
fn server_check(
    when: ServerCheck,
    why_run: bool,
    plan: &RunPlan,
) -> Result<Option<ChefClient>, Error> {
    let wanted = match when {
        ServerCheck::Off => false,
        ServerCheck::On => true,
        ServerCheck::Auto => plan.from_server(),
    };
    if !wanted || why_run {
        if when == ServerCheck::Auto && !plan.from_server() && !why_run {
            crate::terminal::message("galley: note: chef-client runs are judged by their output only (the nodes do not come from a Chef server; --server-check on to confirm them there)");
        }
        return Ok(None);
    }
    // The nodes' own server was read when they were selected.
    let read_here;
    let settings = match plan.selection.chef_settings()? {
        Some(settings) => settings,
        None => {
            read_here = crate::config::chef_settings(&plan.chef, true)?;
            &read_here
        }
    };
    ChefClient::from_config(settings, plan.chef.sign_version, plan.chef.server_timeout.0)
        .map(Some)
        .map_err(|e| {
            Error::setup(e).with_hint(
                "--server-check needs the Chef server settings (see galley config), or pass --server-check off",
            )
        })
}

fn manager(args: &ServiceManager) -> Result<Manager, Error> {
    match (&args.ctl, args.systemd) {
        (Some(ctl), _) => Ok(Manager::Ctl(ctl.clone())),
        (None, true) => Ok(Manager::Systemd),
        (None, false) => Err(Error::usage(anyhow::anyhow!(
            "say how to restart the services: --ctl NAME (gitlab-ctl, packagecloud-ctl) or --systemd"
        ))),
    }
}

pub fn apt_sources(args: &AptSourcesArgs) -> Result<u8, Error> {
    let places = places(&args.places);
    let mut made_backup: Option<String> = None;
    let (describe, step, notes): (String, Box<dyn Step>, Vec<String>) = match &args.restore {
        Some(id) => {
            if !apt_sources::valid_backup_id(id) {
                return Err(Error::usage(anyhow::anyhow!(
                    "--restore {id:?} is not a backup id (letters, digits, '.', '_', '-'; e.g. apt-sources-20261125T203000Z)"
                )));
            }
            (
                format!("apt-sources --restore {id}"),
                Box::new(Restore {
                    backup_id: id.clone(),
                    places,
                }),
                vec![],
            )
        }
        None => {
            let regex = args.pattern.as_deref().unwrap_or_default();
            if args.remove {
                made_backup = Some(new_backup_id());
            }
            let step = AptSources {
                pattern: pattern(regex)?,
                on: if args.match_path {
                    MatchOn::Path
                } else {
                    MatchOn::FileName
                },
                remove: args.remove,
                places,
                backup_id: made_backup.clone().unwrap_or_else(new_backup_id),
            };
            let notes = if args.remove {
                vec![step.backup_note()]
            } else {
                vec!["read only: nothing changes without --remove".into()]
            };
            (
                format!(
                    "apt-sources --match {regex}{}",
                    if args.remove { " --remove" } else { "" }
                ),
                Box::new(step),
                notes,
            )
        }
    };
    fleet::run(&args.fleet, |_| {
        let mut job = Job::new(&describe, Work::Steps(vec![step]), notes);
        job.used.backup_id = made_backup;
        Ok(job)
    })
}

pub fn converge(args: &ConvergeArgs) -> Result<u8, Error> {
    fleet::run(&args.fleet, |plan| {
        let verify = Verify {
            server: server_check(
                args.chef_client.server_check,
                args.chef_client.why_run,
                plan,
            )?,
            services: None,
        };
        let mut steps: Vec<Box<dyn Step>> =
            vec![Box::new(converge_step(&args.chef_client, &args.extra))];
        if verify.server.is_some() {
            steps.push(Box::new(verify));
        }
        Ok(Job::new(
            &converge_described(args),
            Work::Steps(steps),
            Vec::new(),
        ))
    })
}

/// `converge: CMD [--why-run]`, for the report and the plan.
fn converge_described(args: &ConvergeArgs) -> String {
    format!(
        "converge: {}{}",
        args.chef_client.chef_client_cmd,
        if args.chef_client.why_run {
            " --why-run"
        } else {
            ""
        }
    )
}

pub fn restart(args: &RestartArgs) -> Result<u8, Error> {
    let manager = manager(&args.manager)?;
    let restart = Restart {
        services: args.services.clone(),
        manager: manager.clone(),
    };
    let verify = Verify {
        server: None,
        services: Some((manager, args.manager.settle.0)),
    };
    let describe = format!("restart {}", args.services.join(" "));
    fleet::run(&args.fleet, |_| {
        let steps: Vec<Box<dyn Step>> = vec![Box::new(restart), Box::new(verify)];
        let mut job = Job::new(&describe, Work::Steps(steps), Vec::new());
        job.used.ctl = args.manager.ctl.clone();
        job.used.services = args.services.clone();
        Ok(job)
    })
}

pub fn fixup(args: &FixupArgs) -> Result<u8, Error> {
    let manager = if args.restart.is_empty() {
        None
    } else {
        Some(manager(&args.manager)?)
    };
    let remove = match &args.remove_sources {
        Some(regex) => Some(AptSources {
            pattern: pattern(regex)?,
            on: MatchOn::FileName,
            remove: true,
            places: places(&args.places),
            backup_id: new_backup_id(),
        }),
        None => None,
    };
    if remove.is_none() && args.no_converge && manager.is_none() {
        return Err(Error::usage(anyhow::anyhow!(
            "nothing to do: give --remove-sources REGEX or --restart SERVICE, or leave out --no-converge"
        )));
    }
    fleet::run(&args.fleet, |plan| {
        let converge = (!args.no_converge).then(|| converge_step(&args.chef_client, &[]));
        let verify = Verify {
            server: match converge {
                Some(_) => server_check(
                    args.chef_client.server_check,
                    args.chef_client.why_run,
                    plan,
                )?,
                None => None,
            },
            services: manager.clone().map(|m| (m, args.manager.settle.0)),
        };
        let mut steps: Vec<Box<dyn Step>> = Vec::new();
        let mut describe = vec!["fixup".to_string()];
        let mut notes = Vec::new();
        let backup_id = remove.as_ref().map(|r| r.backup_id.clone());
        if let Some(step) = remove {
            describe.push(format!("--remove-sources {}", step.pattern));
            notes.push(format!(
                "step 1 removes every apt source file whose name matches /{0}/, and every entry whose repository URI does; to see exactly which on every host first (nothing removed): galley apt-sources {1} --match {2}",
                step.pattern,
                crate::action::command::shell_quote(&plan.selection.query.to_string()),
                crate::action::command::shell_quote(step.pattern.as_str()),
            ));
            notes.push(step.backup_note());
            steps.push(Box::new(step));
        }
        match converge {
            Some(step) => steps.push(Box::new(step)),
            None => describe.push("--no-converge".into()),
        }
        if let Some(manager) = manager {
            describe.push(format!("--restart {}", args.restart.join(",")));
            steps.push(Box::new(Restart {
                services: args.restart.clone(),
                manager,
            }));
        }
        if verify.server.is_some() || verify.services.is_some() {
            steps.push(Box::new(verify));
        }
        let mut job = Job::new(&describe.join(" "), Work::Steps(steps), notes);
        job.used.backup_id = backup_id;
        if !args.restart.is_empty() {
            job.used.ctl = args.manager.ctl.clone();
            job.used.services = args.restart.clone();
        }
        Ok(job)
    })
}
