//! `galley run QUERY -- COMMAND`: the command on every selected host.

use super::fleet::{self, Job, Work};
use crate::action::command::Privilege;
use crate::action::step::RunCommand;
use crate::cli::RunArgs;
use crate::error::Error;

pub fn run(args: &RunArgs) -> Result<u8, Error> {
    let command = RunCommand {
        command: args.command.join(" "),
        privilege: if args.sudo {
            Privilege::Sudo
        } else {
            Privilege::Login
        },
    };
    let describe = command.command.clone();
    fleet::run(&args.fleet, |_| {
        Ok(Job::new(&describe, Work::Command(command), Vec::new()))
    })
}
