//! The plan `--dry-run` prints: the hosts with how each is reached, the
//! rollout waves, and the exact remote commands in order. Nothing connects.

use crate::action::command::Privilege;
use crate::cli::FleetArgs;
use crate::commands::fleet::{Job, Prepared, Work};
use crate::rollout;

/// Prints the plan of a job: the hosts, and the remote commands in order.
pub fn render(args: &FleetArgs, prepared: &Prepared, job: &Job) -> String {
    let targets = &prepared.targets;
    let what = match &job.work {
        Work::Command(_) => format!("run `{}`", job.describe),
        Work::Steps(_) => job.describe.clone(),
    };
    let mut out = format!(
        "plan: {what} on {}, {} at a time\n",
        crate::report::human::plural(targets.targets.len(), "host", "hosts"),
        args.concurrency.0
    );
    out.push_str(&format!("{}\n", prepared.selection.understood()));
    for note in &job.plan_notes {
        out.push_str(&format!("{note}\n"));
    }
    out.push_str("\nhosts:\n");
    let width = targets
        .targets
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(0);
    for target in &targets.targets {
        let plan = prepared.settings.plan(target);
        let via = match &plan.jumps {
            Ok(jumps) if !jumps.is_empty() => format!(
                " via {}",
                jumps
                    .iter()
                    .map(|j| j.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Ok(_) => String::new(),
            Err(e) => format!(" (cannot be reached: {e})"),
        };
        out.push_str(&format!(
            "  {:<width$}  {}@{}:{}{via}\n",
            target.name, plan.user, plan.host, plan.port
        ));
    }
    for u in &targets.unaddressed {
        out.push_str(&format!(
            "  {:<width$}  skipped: no usable address: {}\n",
            u.node.name, u.reason
        ));
    }
    let waves = rollout::waves(&targets.targets, args.canary.map(|c| c.0), args.batch_size);
    if waves.len() > 1 {
        out.push_str("\nwaves (each starts only if the run was not stopped):\n");
        for wave in &waves {
            let names: Vec<&str> = wave
                .hosts
                .iter()
                .map(|i| targets.targets[*i].name.as_str())
                .collect();
            out.push_str(&format!(
                "  {}: {}\n",
                wave.label,
                crate::hostlist::fold(&names)
            ));
        }
    }
    if let Some(limit) = &args.max_failures {
        out.push_str(&format!("stop starting hosts at --max-failures {limit}\n"));
    }
    match &job.work {
        Work::Command(spec) => {
            out.push_str(&format!(
                "\non each host:\n  {}{}\n",
                job.planned[0].1.join("\n  "),
                match spec.privilege {
                    Privilege::Login => "",
                    Privilege::Sudo => "    # under sudo -n",
                    Privilege::Root => "    # as root (sudo -n unless root)",
                }
            ));
        }
        Work::Steps(_) => {
            out.push_str("\non each host, in order (one SSH session; a host stops at its first failed step):\n");
            for (i, (name, commands)) in job.planned.iter().enumerate() {
                out.push_str(&format!("  {}. {name}\n", i + 1));
                for command in commands {
                    out.push_str(&format!("       {command}\n"));
                }
            }
        }
    }
    out.push_str(
        "\nEach remote command runs under a small sh wrapper that stops its process group when galley stops it.\n\
         --dry-run: nothing was run.\n",
    );
    out
}
