//! The plan `--dry-run` prints: the hosts with how each is reached, the
//! rollout waves, and the exact remote commands in order. It renders a
//! plain [`Plan`] the driver builds; nothing connects.

use crate::units::plural;

/// What a run would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `run \`CMD\`` or the fixup's description, secrets masked.
    pub what: String,
    /// What selected the hosts, as galley understood it.
    pub selected_by: String,
    pub concurrency: usize,
    /// Lines before the hosts (the backup id).
    pub notes: Vec<String>,
    /// Each host and how it is reached (`user@host:port via gateway`).
    pub hosts: Vec<(String, String)>,
    /// Nodes that are skipped, with why.
    pub unaddressed: Vec<(String, String)>,
    /// The waves, when there are several: label and folded host list.
    pub waves: Vec<(String, String)>,
    /// `--max-failures`, as given.
    pub max_failures: Option<String>,
    pub work: PlannedWork,
}

/// What runs on each host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedWork {
    /// One command, and how it is run (`under sudo -n`).
    Command {
        command: String,
        how: Option<String>,
    },
    /// Steps in order: each name with its remote commands.
    Steps(Vec<(String, Vec<String>)>),
}

/// The plan as text.
pub fn render(plan: &Plan) -> String {
    let mut out = format!(
        "plan: {} on {}, {} at a time\n{}\n",
        plan.what,
        plural(plan.hosts.len(), "host", "hosts"),
        plan.concurrency,
        plan.selected_by
    );
    for note in &plan.notes {
        out.push_str(&format!("{note}\n"));
    }
    out.push_str("\nhosts:\n");
    let shown = |text: &str| crate::terminal::escape_value(text).into_owned();
    let width = plan
        .hosts
        .iter()
        .chain(&plan.unaddressed)
        .map(|(n, _)| shown(n).chars().count())
        .max()
        .unwrap_or(0);
    for (name, reach) in &plan.hosts {
        out.push_str(&format!("  {:<width$}  {}\n", shown(name), shown(reach)));
    }
    for (name, why) in &plan.unaddressed {
        out.push_str(&format!(
            "  {:<width$}  skipped: no usable address: {}\n",
            shown(name),
            shown(why)
        ));
    }
    if !plan.waves.is_empty() {
        out.push_str("\nwaves (each starts only if the run was not stopped):\n");
        for (label, hosts) in &plan.waves {
            out.push_str(&format!("  {label}: {hosts}\n"));
        }
    }
    if let Some(limit) = &plan.max_failures {
        out.push_str(&format!("stop starting hosts at --max-failures {limit}\n"));
    }
    match &plan.work {
        PlannedWork::Command { command, how } => {
            let how = how
                .as_ref()
                .map(|h| format!("    # {h}"))
                .unwrap_or_default();
            out.push_str(&format!("\non each host:\n  {command}{how}\n"));
        }
        PlannedWork::Steps(steps) => {
            out.push_str("\non each host, in order (one SSH session; a host stops at its first failed step):\n");
            for (i, (name, commands)) in steps.iter().enumerate() {
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
