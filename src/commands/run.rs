//! `galley run QUERY -- COMMAND`: the command on every selected host.

use super::fleet::{self, Job, Work};
use crate::action::command::{CommandSpec, Privilege};
use crate::cli::RunArgs;
use crate::error::Error;

pub fn run(args: &RunArgs) -> Result<u8, Error> {
    let prepared = match fleet::prepare(&args.fleet)? {
        Ok(prepared) => prepared,
        Err(code) => return Ok(code),
    };
    let spec = CommandSpec {
        command: args.command.join(" "),
        privilege: if args.sudo {
            Privilege::Sudo
        } else {
            Privilege::Login
        },
        timeout: args.fleet.command_timeout.map(|d| d.0),
        drain: args.fleet.drain_timeout.0,
        max_output: args.fleet.max_output.0,
        keep_unmasked: false,
    };
    let describe = spec.command.clone();
    let job = Job::new(&describe, Work::Command(spec), Vec::new());
    fleet::drive(&args.fleet, prepared, &job)
}
