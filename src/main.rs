use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = galley::cli::Cli::parse();
    match galley::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            error.print();
            ExitCode::from(error.exit_code())
        }
    }
}
