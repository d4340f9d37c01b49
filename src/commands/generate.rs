//! `galley completions` and `galley man`: files generated from the clap
//! definition, so they can never drift from the real flags. The copies
//! committed under `completions/` and `man/` are checked by a test.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::{Generator, Shell};

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::Error;
use crate::exit;

/// Every shell clap_complete knows, in a fixed order.
const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// The environment variable clap_complete's dynamic completion reads.
pub const COMPLETE_VAR: &str = "COMPLETE";

/// The completion script for one shell, and the file name it is installed
/// as: for bash, zsh and fish the registration of the dynamic completer
/// (what `COMPLETE=SHELL galley` prints, calling `galley` at TAB time);
/// for the others a static script of subcommands and flags.
pub fn completion(shell: Shell) -> (String, Vec<u8>) {
    use clap_complete::env::{EnvCompleter, Fish};
    let dynamic: Option<&dyn EnvCompleter> = match shell {
        Shell::Bash => Some(&crate::complete::BASH),
        Shell::Zsh => Some(&crate::complete::ZSH),
        Shell::Fish => Some(&Fish),
        _ => None,
    };
    let mut out = Vec::new();
    match dynamic {
        Some(env) => env
            .write_registration(COMPLETE_VAR, "galley", "galley", "galley", &mut out)
            .expect("writing to memory cannot fail"),
        None => clap_complete::generate(shell, &mut Cli::command(), "galley", &mut out),
    }
    (shell.file_name("galley"), out)
}

/// The line that registers galley's completion in a shell's startup file.
pub fn registration_line(shell: Shell) -> Option<String> {
    match shell {
        Shell::Bash => Some(format!("source <({COMPLETE_VAR}=bash galley)\n")),
        Shell::Zsh => Some(format!("source <({COMPLETE_VAR}=zsh galley)\n")),
        Shell::Fish => Some(format!("{COMPLETE_VAR}=fish galley | source\n")),
        _ => None,
    }
}

/// All completion scripts, with their file names.
pub fn completions() -> Vec<(String, Vec<u8>)> {
    SHELLS.iter().map(|&shell| completion(shell)).collect()
}

/// The command-line reference as one Markdown page: the long help of
/// galley and of each subcommand, wrapped at 100 columns.
pub fn markdown_reference() -> String {
    let mut cmd = Cli::command()
        .disable_help_subcommand(true)
        .term_width(100)
        .max_term_width(100);
    cmd.build();
    let mut out = String::from(
        "# galley command-line reference\n\n\
         [README](../README.md) · generated from galley's own help by \
         `cargo run -- man --markdown > docs/reference.md`; a test keeps it current.\n\n",
    );
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    out.push_str("Subcommands: ");
    out.push_str(
        &names
            .iter()
            .map(|n| format!("[{n}](#galley-{n})"))
            .collect::<Vec<_>>()
            .join(" · "),
    );
    out.push_str("\n\n## galley\n\n```text\n");
    out.push_str(&cmd.render_long_help().to_string());
    out.push_str("```\n");
    for name in names {
        let sub = cmd
            .find_subcommand_mut(&name)
            .expect("listed above")
            .clone()
            .bin_name(format!("galley {name}"));
        out.push_str(&format!("\n## galley {name}\n\n```text\n"));
        out.push_str(&sub.clone().render_long_help().to_string());
        out.push_str("```\n");
        let mut sub = sub;
        sub.build();
        for nested in sub.get_subcommands().filter(|n| n.get_name() != "help") {
            let full = format!("galley {name} {}", nested.get_name());
            out.push_str(&format!("\n### {full}\n\n```text\n"));
            out.push_str(
                &nested
                    .clone()
                    .bin_name(&full)
                    .render_long_help()
                    .to_string(),
            );
            out.push_str("```\n");
        }
    }
    out
}

/// `galley.1` and `galley-SUBCOMMAND.1` for each subcommand.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    // `galley help` is clap's; it gets no page, so the main page does not
    // point at one.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Built, so that the global flags (--mask) reach every subcommand's page.
    cmd.build();
    let mut pages = vec![("galley.1".to_string(), render_man(cmd.clone(), true))];
    for sub in cmd.get_subcommands() {
        let name = format!("galley-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("galley {}", sub.get_name()))
            .version(env!("CARGO_PKG_VERSION"));
        pages.push((format!("{name}.1"), render_man(page, false)));
    }
    pages
}

fn render_man(cmd: clap::Command, top: bool) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    let render = |out: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(out)?;
        man.render_name_section(out)?;
        out.write_all(synopsis_section(&cmd).as_bytes())?;
        man.render_description_section(out)?;
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(out)?;
        }
        if cmd.has_subcommands() {
            man.render_subcommands_section(out)?;
        }
        out.write_all(exit_status_section().as_bytes())?;
        if top {
            out.write_all(environment_section().as_bytes())?;
        }
        man.render_version_section(out)
    };
    render(&mut out).expect("writing to memory cannot fail");
    out
}

/// The synopsis, with each flag's value named (`[--inventory PATH]`), as
/// other tools' man pages show it; clap_mangen's leaves the values out.
fn synopsis_section(cmd: &clap::Command) -> String {
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    let mut words = vec![bold(name)];
    let options = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional());
    words.extend(options.filter_map(option_synopsis));
    words.extend(
        cmd.get_positionals()
            .filter(|a| !a.is_hide_set())
            .map(positional_synopsis),
    );
    if cmd.has_subcommands() {
        words.push(format!("<{}>", italic("COMMAND")));
    }
    // Left-aligned and never hyphenated: a flag is not split across lines.
    format!(".SH SYNOPSIS\n.nh\n.ad l\n{}\n.ad\n.hy\n", words.join(" "))
}

fn roff(text: &str) -> String {
    text.replace('\\', "\\\\").replace('-', "\\-")
}

fn bold(text: &str) -> String {
    format!("\\fB{}\\fR", roff(text))
}

fn italic(text: &str) -> String {
    format!("\\fI{}\\fR", roff(text))
}

/// An option as the synopsis shows it: `[-C|--concurrency\ N]`, its
/// value's name or choices, `...` when it repeats; None for one with
/// neither a short nor a long name.
fn option_synopsis(arg: &clap::Arg) -> Option<String> {
    use clap::ArgAction;
    let flag = match (arg.get_short(), arg.get_long()) {
        (Some(short), Some(long)) => format!(
            "{}|{}",
            bold(&format!("-{short}")),
            bold(&format!("--{long}"))
        ),
        (Some(short), None) => bold(&format!("-{short}")),
        (None, Some(long)) => bold(&format!("--{long}")),
        (None, None) => return None,
    };
    // `\ `: a space roff never breaks a line at.
    let with_value = match value_synopsis(arg) {
        Some(value) => format!("{flag}\\ {value}"),
        None => flag,
    };
    let repeated = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
    let dots = if repeated { "..." } else { "" };
    Some(if arg.is_required_set() {
        format!("{with_value}{dots}")
    } else {
        format!("[{with_value}]{dots}")
    })
}

/// An option's value: its choices (`{json|table}`) or its names.
fn value_synopsis(arg: &clap::Arg) -> Option<String> {
    if !arg.get_action().takes_values() {
        return None;
    }
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| bold(v.get_name()))
        .collect();
    if !choices.is_empty() {
        return Some(format!("{{{}}}", choices.join("|")));
    }
    let names = arg
        .get_value_names()
        .map(|names| names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
        .unwrap_or_else(|| vec![arg.get_id().as_str().to_uppercase()]);
    Some(
        names
            .iter()
            .map(|n| italic(n))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A positional as the synopsis shows it: `<QUERY>...`, `[-- CMD]`.
fn positional_synopsis(arg: &clap::Arg) -> String {
    let names = arg
        .get_value_names()
        .map(|names| names.join(" "))
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
    let dots = if many { "..." } else { "" };
    let dashes = if arg.is_last_set() {
        format!("{} ", bold("--"))
    } else {
        String::new()
    };
    if arg.is_required_set() {
        format!("{dashes}<{}>{dots}", italic(&names))
    } else {
        format!("[{dashes}{}]{dots}", italic(&names))
    }
}

fn exit_status_section() -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for (code, name, meaning) in exit::ALL {
        roff.push_str(&format!(".TP\n\\fB{code}\\fR ({name})\n{meaning}\n"));
    }
    roff
}

fn environment_section() -> String {
    concat!(
        ".SH ENVIRONMENT\n",
        ".TP\n\\fBGALLEY_INVENTORY\\fR\nthe node inventory to search when \\fB\\-\\-inventory\\fR is not given\n",
        ".TP\n\\fBNO_COLOR\\fR\nwhen set and not empty, galley prints no colour\n",
        ".TP\n\\fBXDG_CACHE_HOME\\fR\nwhere the completion index is kept (galley/ in it; default ~/.cache)\n",
        ".TP\n\\fBCOMPLETE\\fR\nset by a shell's completion registration (bash, zsh, fish): galley prints completions instead of running\n",
    )
    .to_string()
}

fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::setup(anyhow::Error::new(e).context(format!("cannot create {}", dir.display())))
    })?;
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| {
            Error::setup(anyhow::Error::new(e).context(format!("cannot write {}", path.display())))
        })?;
        crate::terminal::message(&format!("galley: wrote {}", path.display()));
    }
    Ok(())
}

pub fn run_completions(args: &CompletionsArgs) -> Result<u8, Error> {
    match (&args.dir, args.shell) {
        (Some(dir), _) => write_all(dir, &completions())?,
        (None, Some(shell)) => match registration_line(shell) {
            Some(line) => crate::terminal::data(line.as_bytes())?,
            None => crate::terminal::data(&completion(shell).1)?,
        },
        (None, None) => unreachable!("clap requires a shell or --dir"),
    }
    Ok(exit::OK)
}

pub fn run_man(args: &ManArgs) -> Result<u8, Error> {
    if args.markdown {
        crate::terminal::data(markdown_reference().as_bytes())?;
        return Ok(exit::OK);
    }
    let pages = man_pages();
    match &args.dir {
        Some(dir) => write_all(dir, &pages)?,
        None => crate::terminal::data(&pages[0].1)?,
    }
    Ok(exit::OK)
}
