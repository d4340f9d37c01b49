//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's bundled fixture inventory.
pub fn fixture_inventory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory")
}

/// A finished galley run, with everything needed to explain a failure.
pub struct Run {
    pub args: Vec<String>,
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> i32 {
        self.output
            .status
            .code()
            .expect("galley was killed by a signal")
    }

    /// Asserts the exit code, printing the whole run when it differs.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code(), code, "unexpected exit code\n{self}");
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{self}"))
    }

    /// The first column of a table on stdout, header skipped.
    pub fn names(&self) -> Vec<String> {
        self.stdout()
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: galley {:?}\nstatus: {}\n--- stdout\n{}--- stderr\n{}",
            self.args,
            self.output.status,
            self.stdout(),
            self.stderr()
        )
    }
}

/// Runs galley with a clean environment: an empty HOME, no inventory from
/// the environment, no agent, no colour settings, unless `envs` sets them.
pub fn galley_env(args: &[&str], envs: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().expect("temp HOME");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_galley"));
    cmd.args(args)
        .env("HOME", home.path())
        .env_remove("GALLEY_INVENTORY")
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("NO_COLOR")
        .env_remove("CHEF_PROFILE");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("galley runs");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        output,
    }
}

pub fn galley(args: &[&str]) -> Run {
    galley_env(args, &[])
}

/// Host names from a host-list expression, sorted: expectations are
/// written as `web-[01-08]-sv-gprd,...`.
pub fn hosts(expr: &str) -> Vec<String> {
    let mut names = galley::hostlist::expand(expr).expect("valid host list in a test");
    names.sort();
    names
}
