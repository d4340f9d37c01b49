//! `galley run QUERY -- COMMAND`: the command on every selected host.

use super::fleet::{self, Job, Work};
use crate::action::command::Privilege;
use crate::action::step::RunCommand;
use crate::cli::RunArgs;
use crate::error::Error;

pub fn run(args: &RunArgs) -> Result<u8, Error> {
    let prepared = match fleet::prepare(&args.fleet)? {
        Ok(prepared) => prepared,
        Err(code) => return Ok(code),
    };
    let command = RunCommand {
        command: args.command.join(" "),
        privilege: if args.sudo {
            Privilege::Sudo
        } else {
            Privilege::Login
        },
    };
    let describe = command.command.clone();
    let job = Job::new(&describe, Work::Command(command), Vec::new());
    fleet::drive(&args.fleet, prepared, &job)
}
