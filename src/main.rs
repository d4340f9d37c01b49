use std::process::ExitCode;

use clap::CommandFactory;
use galley::command_line::{self, Parsed};

fn main() -> ExitCode {
    galley::install_panic_hook();
    // `COMPLETE=bash galley ...`: a shell asking for completions (or for
    // its registration script); prints them and exits.
    if let Ok(shell) = std::env::var(galley::commands::generate::COMPLETE_VAR) {
        galley::complete::set_shell(&shell);
    }
    clap_complete::CompleteEnv::with_factory(galley::cli::Cli::command)
        .var(galley::commands::generate::COMPLETE_VAR)
        .shells(galley::complete::SHELLS)
        .complete();
    let result =
        command_line::parse(std::env::args_os().collect()).and_then(|parsed| match parsed {
            Parsed::Run(cli) => galley::run(*cli),
            Parsed::Done(code) => Ok(code),
        });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            error.print();
            ExitCode::from(error.exit_code())
        }
    }
}
