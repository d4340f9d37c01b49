use std::process::ExitCode;

use galley::command_line::{self, Parsed};

fn main() -> ExitCode {
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
