//! From the process's arguments to a [`Cli`]: clap parses, and galley reads
//! what clap cannot see. An argument that can be read two ways is refused
//! with the likely intent named, never guessed at:
//!
//! - `-chef_environment:gprd` is a negated query term to Lucene and the
//!   flag `-c` with the value `hef_environment:gprd` to clap;
//! - in `--restart unicorn nginx`, `--restart` takes one value, so `nginx`
//!   became a word of the query; galley's query parser refuses such a word
//!   (a word without a field beside other terms), and the flag it followed
//!   is recorded here so the error can say `--restart unicorn,nginx`.
//!
//! clap's own errors are shown the way galley's are (`galley: error:`,
//! then a `hint:`), with exit code 2.

use std::ffi::OsString;

use clap::{Arg, ArgMatches, Command, CommandFactory, FromArgMatches};

use crate::cli::{self, Cli};
use crate::error::Error;

/// What parsing the command line came to.
pub enum Parsed {
    /// A command to run.
    Run(Box<Cli>),
    /// Help or the version was printed: exit with this code.
    Done(u8),
}

/// Parses the arguments (the program name first).
pub fn parse(argv: Vec<OsString>) -> Result<Parsed, Error> {
    let words: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut command = Cli::command();
    refuse_negations_read_as_flags(&command, &words)?;
    let matches = match command.try_get_matches_from_mut(&argv) {
        Ok(matches) => matches,
        Err(e) => return clap_error(e),
    };
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| match clap_error(e) {
        Err(error) => error,
        Ok(_) => Error::usage(anyhow::anyhow!("the command line could not be read")),
    })?;
    if let Some((_, sub)) = matches.subcommand() {
        refuse_flags_without_effect(sub)?;
    }
    if let Some((name, sub)) = matches.subcommand() {
        let sub_command = command
            .find_subcommand(name)
            .expect("clap matched this subcommand");
        if let Some(selection) = selection_mut(&mut cli) {
            selection.word_hints = word_hints(sub_command, sub, &words);
        }
    }
    Ok(Parsed::Run(Box::new(cli)))
}

/// clap's error as galley shows errors; help and the version are printed.
fn clap_error(e: clap::Error) -> Result<Parsed, Error> {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            Ok(Parsed::Done(u8::try_from(e.exit_code()).unwrap_or(2)))
        }
        _ => {
            let text = e.render().to_string();
            let mut lines = text.lines();
            let first = lines.next().unwrap_or("").trim_start_matches("error: ");
            let rest: Vec<&str> = lines
                .map(|l| l.trim_start().trim_start_matches("tip: "))
                .collect();
            let rest = rest.join("\n").trim().to_string();
            let error = Error::usage(anyhow::anyhow!("{first}"));
            Err(if rest.is_empty() {
                error
            } else {
                error.with_hint(rest)
            })
        }
    }
}

/// The option `token` names (`--restart`, `--restart=x`, `-C`, `-C10`).
fn option<'a>(command: &'a Command, token: &str) -> Option<&'a Arg> {
    if let Some(long) = token.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or(long);
        command.get_arguments().find(|a| a.get_long() == Some(name))
    } else {
        let short = token.strip_prefix('-')?.chars().next()?;
        command
            .get_arguments()
            .find(|a| a.get_short() == Some(short))
    }
}

/// Whether `arg` takes a value after it (`--restart SERVICE`).
fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values() && (arg.get_long().is_some() || arg.get_short().is_some())
}

/// Whether `token` is an option whose value is the next argument.
fn wants_next(command: &Command, token: &str) -> bool {
    let whole = token.starts_with("--") && !token.contains('=')
        || token.len() == 2 && token.starts_with('-') && token != "--";
    whole && option(command, token).is_some_and(takes_value)
}

/// `-field:value`, the shape of a negated query term.
fn negated_term(token: &str) -> Option<&str> {
    let rest = token.strip_prefix('-')?;
    let (field, _) = rest.split_once(':')?;
    let mut chars = field.chars();
    let first = chars.next()?;
    let is_field = (first.is_ascii_alphabetic() || first == '_')
        && field.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    // `-Gbastion:2222` is the gateway flag with its value attached.
    (is_field && first != 'G').then_some(rest)
}

/// Refuses `-field:value` before clap reads it as a short flag.
fn refuse_negations_read_as_flags(command: &Command, words: &[String]) -> Result<(), Error> {
    let Some(sub) = words.get(1).and_then(|w| command.find_subcommand(w)) else {
        return Ok(());
    };
    for (i, token) in words.iter().enumerate().skip(2) {
        if token == "--" {
            break;
        }
        if wants_next(sub, &words[i - 1]) {
            continue;
        }
        let Some(term) = negated_term(token) else {
            continue;
        };
        let as_flag = match option(sub, token) {
            Some(arg) if takes_value(arg) => {
                format!(
                    " as the flag {} with the value `{}`",
                    &token[..2],
                    &token[2..]
                )
            }
            Some(_) => format!(" as the flag {} followed by more flags", &token[..2]),
            None => format!(" as a flag {} (which galley does not have)", &token[..2]),
        };
        return Err(Error::usage(anyhow::anyhow!(
            "`{token}` reads two ways: as the query term NOT {term}, or{as_flag}; galley will not guess"
        ))
        .with_hint(format!(
            "write the negation as 'NOT {term}' (or put -- before the query: galley {} [OPTIONS] -- '{token}')",
            words[1]
        )));
    }
    Ok(())
}

/// Refuses a flag given on the command line that the rest of the command
/// line makes meaningless, rather than dropping it without a word (the
/// same settings from the environment are left alone: GALLEY_INVENTORY is
/// a default, not a request).
fn refuse_flags_without_effect(sub: &ArgMatches) -> Result<(), Error> {
    let given = |id: &str| {
        sub.try_contains_id(id).unwrap_or(false)
            && sub.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
    };
    let set = |id: &str| sub.try_get_one::<bool>(id).ok().flatten() == Some(&true);
    let present = |id: &str| sub.try_contains_id(id).unwrap_or(false) && sub.contains_id(id);
    if set("manual_list") && given("inventory") {
        return Err(Error::usage(anyhow::anyhow!(
            "--inventory has no effect with -m: the hosts are the list on the command line, not nodes of the inventory"
        ))
        .with_hint("drop --inventory to run on the listed hosts, or drop -m to select nodes of the inventory with a query"));
    }
    if given("search_rows") && (set("manual_list") || present("inventory")) {
        let source = if set("manual_list") {
            "the host list on the command line (-m)"
        } else {
            "an inventory (--inventory or GALLEY_INVENTORY)"
        };
        return Err(Error::usage(anyhow::anyhow!(
            "--search-rows has no effect here: it pages a Chef server's search, and the hosts come from {source}"
        ))
        .with_hint("drop --search-rows"));
    }
    Ok(())
}

/// For each word of the query, the flag it most likely belonged to, as a
/// hint: the word came right after a flag's one value (`--restart unicorn
/// nginx`, `--restart=unicorn nginx`).
fn word_hints(command: &Command, matches: &ArgMatches, words: &[String]) -> Vec<Option<String>> {
    let Some(query) = matches.get_many::<String>("query") else {
        return Vec::new();
    };
    // Where each word of the query is on the command line: in order, and
    // never an option's value. (clap's indices count `--opt=value` as two.)
    let mut from = 2;
    let mut hints = Vec::new();
    for (n, word) in query.enumerate() {
        let at = (from..words.len())
            .take_while(|&i| words[i] != "--")
            .find(|&i| &words[i] == word && !wants_next(command, &words[i - 1]));
        let Some(at) = at else {
            hints.push(None);
            continue;
        };
        from = at + 1;
        // The first word starts the query wherever it is; a later word
        // after a flag's value most likely belonged to that flag.
        hints.push(if n == 0 {
            None
        } else {
            flag_before(command, words, at)
        });
    }
    hints
}

/// The hint for a query word at `at` that follows a flag's value.
fn flag_before(command: &Command, words: &[String], at: usize) -> Option<String> {
    let word = &words[at];
    let before = &words[at - 1];
    let (flag, value) = match before.split_once('=') {
        Some((flag, value)) if flag.starts_with("--") => (flag, value),
        _ => {
            let flag = words.get(at.checked_sub(2)?)?;
            if before.starts_with('-') || !wants_next(command, flag) {
                return None;
            }
            (flag.as_str(), before.as_str())
        }
    };
    let arg = option(command, flag).filter(|a| takes_value(a))?;
    Some(if arg.get_value_delimiter() == Some(',') {
        format!("`{flag}` takes one value each time: did you mean `{flag} {value},{word}`?")
    } else {
        format!("`{flag}` takes one value (`{value}`); `{word}` was read as a word of the query")
    })
}

/// The node selection of a command, when it has one.
fn selection_mut(cli: &mut Cli) -> Option<&mut cli::Selection> {
    use cli::Command as C;
    Some(match &mut cli.command {
        C::Search(args) => &mut args.select,
        C::Status(args) => &mut args.select,
        C::Run(args) => &mut args.fleet.select,
        C::AptSources(args) => &mut args.fleet.select,
        C::Converge(args) => &mut args.fleet.select,
        C::Restart(args) => &mut args.fleet.select,
        C::Fixup(args) => &mut args.fleet.select,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(args: &[&str]) -> Vec<Option<String>> {
        let argv: Vec<OsString> = args.iter().map(OsString::from).collect();
        match parse(argv) {
            Ok(Parsed::Run(mut cli)) => selection_mut(&mut cli).unwrap().word_hints.clone(),
            _ => panic!("{args:?} does not parse"),
        }
    }

    #[test]
    fn a_word_after_a_flags_value_is_traced_to_the_flag() {
        let h = hints(&[
            "galley",
            "fixup",
            "q:x",
            "--restart",
            "unicorn",
            "nginx",
            "--ctl",
            "c",
        ]);
        assert_eq!(h[0], None);
        assert_eq!(
            h[1].as_deref(),
            Some("`--restart` takes one value each time: did you mean `--restart unicorn,nginx`?")
        );
        let h = hints(&[
            "galley",
            "run",
            "-C",
            "5",
            "q:x",
            "--report=r.jsonl",
            "extra",
            "--",
            "true",
        ]);
        assert_eq!(h[0], None);
        assert_eq!(
            h[1].as_deref(),
            Some("`--report` takes one value (`r.jsonl`); `extra` was read as a word of the query")
        );
        assert_eq!(hints(&["galley", "search", "a:b", "c:d"]), [None, None]);
    }

    #[test]
    fn negated_terms_are_told_from_flags() {
        assert_eq!(
            negated_term("-chef_environment:gprd"),
            Some("chef_environment:gprd")
        );
        assert_eq!(negated_term("-Gbastion:2222"), None);
        assert_eq!(negated_term("-C10"), None);
        assert_eq!(negated_term("--report=x:y"), None);
    }
}
