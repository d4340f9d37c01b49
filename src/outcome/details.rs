//! What each step did, for programs: the `details` of a step in the
//! report, one type per step, so the writer and `report show` read the same
//! fields. Keys are written in alphabetical order (see
//! [`crate::report::record`]); every field is written, null when unknown,
//! as galley has always written them.

use serde::{Deserialize, Serialize};

/// A step's details.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Details {
    /// The step has none (`galley run`'s command).
    None,
    Converge(Converge),
    Sources(Sources),
    Restore(Restore),
    Restart(Restart),
    Verify(Verify),
}

/// A chef-client run (`converge`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Converge {
    pub elapsed: Option<String>,
    pub end_line: Option<String>,
    pub exception: Option<String>,
    pub exit_code: i32,
    pub failed_action: Option<String>,
    pub failed_resource: Option<String>,
    pub fatal: Vec<String>,
    /// The host's clock (epoch seconds) just before chef-client started.
    pub host_clock_at_start: Option<i64>,
    pub lock_timeout_seconds: Option<u64>,
    /// `scheduled` (exit 35), `pending` (37), `failed` (41).
    pub reboot: Option<String>,
    pub resources_total: Option<u64>,
    pub resources_updated: Option<u64>,
    pub stacktrace: Option<String>,
    pub version: Option<String>,
    pub waited_for_lock_pid: Option<u32>,
    pub why_run: bool,
}

/// The apt sources found, and what was done to them (`apt-sources`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// Where the removed files were put, when any was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_id: Option<String>,
    /// Every source file read.
    pub searched: Vec<String>,
    pub sources: Vec<SourceFile>,
}

/// A source file that matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// `found`, `moved`, `commented_out`, `not_changed`.
    pub action: String,
    pub entries: Vec<SourceEntry>,
    pub file: String,
    /// `one-line` or `deb822`.
    pub format: String,
    /// `path` or `uri`.
    pub matched_by: String,
}

/// One active entry of a matching file (secrets masked on the way out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    pub line: usize,
    pub text: String,
}

/// What a restore put back (`apt-sources --restore`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restore {
    pub backup: String,
    pub backup_id: String,
    pub files: Vec<Restored>,
}

/// One file of a restore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restored {
    pub file: String,
    /// `restored`, `in-place`, `taken`, `missing`.
    pub result: String,
}

/// The services restarted, with the proof (`restart`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restart {
    pub services: Vec<Restarted>,
}

/// One service's restart: its status line before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restarted {
    pub after: String,
    pub before: String,
    pub restart_exit_code: Option<i32>,
    pub restart_output: String,
    pub seconds_since_restart: u64,
    pub service: String,
}

/// What verification saw (`verify`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<CheckIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<StillUp>>,
}

/// The node's last check-in on the Chef server against the run's start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    pub ohai_time: Option<f64>,
    pub run_started_at: i64,
}

/// A restarted service seen again after the settle time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StillUp {
    /// Its status line now.
    pub now: String,
    /// The pid it came back under.
    pub pid: u32,
    pub service: String,
}

impl Details {
    /// Reads a step's details from a report, by the step's name; a shape
    /// that is not the step's is refused, naming what did not fit.
    pub fn read(step: &str, value: &serde_json::Value) -> Result<Details, String> {
        fn typed<T: for<'de> Deserialize<'de>>(
            value: &serde_json::Value,
            wrap: fn(T) -> Details,
        ) -> Result<Details, String> {
            T::deserialize(value).map(wrap).map_err(|e| e.to_string())
        }
        match (step, value) {
            (_, serde_json::Value::Null) => Ok(Details::None),
            ("converge", _) => typed(value, Details::Converge),
            ("apt-sources", _) if value.get("files").is_some() => typed(value, Details::Restore),
            ("apt-sources", _) => typed(value, Details::Sources),
            ("restart", _) => typed(value, Details::Restart),
            ("verify", _) => typed(value, Details::Verify),
            _ => Err(format!("no details are known for a step named {step:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_of_another_step_are_refused() {
        let restart =
            serde_json::json!({"services": [{"service": "nginx", "pid": 3, "now": "run"}]});
        assert!(Details::read("restart", &restart).is_err());
        assert!(matches!(
            Details::read("verify", &restart),
            Ok(Details::Verify(_))
        ));
        assert!(Details::read("converge", &serde_json::json!({})).is_err());
        assert_eq!(
            Details::read("command", &serde_json::Value::Null),
            Ok(Details::None)
        );
    }
}
