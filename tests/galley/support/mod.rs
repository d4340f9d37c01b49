//! Helpers shared by the integration tests, one module for each thing they
//! start:
//! - [`runner`]: galley itself ([`Galley`], [`Run`], [`Running`]), the one
//!   way the tests run it, with a clean environment
//! - [`sshd`]: real OpenSSH servers, one per simulated host, and client keys
//! - [`fleet`]: a fleet of those servers with an inventory and known_hosts
//! - [`chef_server`]: a real Chef server (goiardi)
//! - [`netns`]: network namespaces
//! - [`tmux`]: a real terminal for the terminal and completion tests
//! - [`reports`]: JSON Lines reports, read into galley's own record types

mod browser;
mod chef_server;
mod fleet;
mod netns;
mod reports;
mod runner;
mod sshd;
mod tmux;

pub use browser::*;
pub use chef_server::*;
pub use fleet::*;
pub use netns::*;
pub use reports::*;
pub use runner::*;
pub use sshd::*;
pub use tmux::*;

use std::path::{Path, PathBuf};

/// The repository's bundled fixture inventory.
pub fn fixture_inventory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory")
}

/// The fixture inventory's node documents, in file-name order.
pub fn fixture_nodes() -> Vec<serde_json::Value> {
    let mut files: Vec<_> = std::fs::read_dir(fixture_inventory().join("nodes"))
        .expect("fixture inventory")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap())
        .collect()
}

/// Host names from a host-list expression, sorted: expectations are
/// written as `web-[01-08]-sv-gprd,...`.
pub fn hosts(expr: &str) -> Vec<String> {
    let mut names = galley::hostlist::expand(expr).expect("valid host list in a test");
    names.sort();
    names
}

/// Fails the test with how to install a missing prerequisite.
pub fn require(path: &str, package: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install it with `apt-get install {package}` (or run .ci/install)"
    );
}

/// The --sudo tests log in as users that .ci/install creates.
pub fn require_user(user: &str) {
    let known = std::process::Command::new("id")
        .arg(user)
        .output()
        .unwrap()
        .status
        .success();
    assert!(known, "test user {user} is missing: run .ci/install (it creates galley-pass and galley-nopass and their sudoers rules)");
}
