//! galley's exit codes, one place for all of them. Scripts rely on these;
//! the man page lists them (EXIT STATUS) from [`ALL`].

/// Every host ok (for `search`: some node matched).
pub const OK: u8 = 0;
/// The run finished, but some host did not end `ok`.
pub const HOSTS_FAILED: u8 = 1;
/// The command line is wrong: an unknown flag, a malformed query or host
/// list. Nothing was read or contacted.
pub const USAGE: u8 = 2;
/// galley could not set up the run: an unreadable or malformed inventory,
/// missing credentials, a bad config file, an unreachable Chef server.
pub const SETUP: u8 = 3;
/// The query matched no node, so nothing ran.
pub const NO_MATCH: u8 = 4;
/// Interrupted (Ctrl-C or a termination signal); 128 + SIGINT, as shells do.
pub const INTERRUPTED: u8 = 130;

/// Each code with its name and what it means, for the man page and `--help`.
pub const ALL: [(u8, &str, &str); 6] = [
    (
        OK,
        "ok",
        "every host ok (search: at least one node matched)",
    ),
    (HOSTS_FAILED, "hosts failed", "some host did not end ok"),
    (
        USAGE,
        "usage",
        "bad command line: unknown flag, malformed query or host list",
    ),
    (
        SETUP,
        "setup",
        "inventory, credentials, configuration or Chef server unusable",
    ),
    (
        NO_MATCH,
        "no match",
        "the query matched no node; nothing ran",
    ),
    (INTERRUPTED, "interrupted", "stopped by Ctrl-C or a signal"),
];

/// The exit codes as `--help` shows them. A test keeps it in step with [`ALL`].
pub const HELP: &str = "\
Exit status:
  0    every host ok (search: at least one node matched)
  1    some host did not end ok
  2    bad command line: unknown flag, malformed query or host list
  3    inventory, credentials, configuration or Chef server unusable
  4    the query matched no node; nothing ran
  130  stopped by Ctrl-C or a signal";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_code_with_its_meaning() {
        let lines: Vec<&str> = HELP.lines().skip(1).collect();
        assert_eq!(lines.len(), ALL.len());
        for ((code, _, meaning), line) in ALL.iter().zip(lines) {
            assert_eq!(line, format!("  {code:<4} {meaning}"));
        }
    }
}
