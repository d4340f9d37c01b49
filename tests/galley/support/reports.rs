//! JSON Lines reports as the tests read them.

use std::path::Path;

/// The lines of a JSON Lines report, parsed.
pub fn report_lines(report: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(report)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("report line is not JSON: {e}: {l}"))
        })
        .collect()
}

/// The host records of a report, by name (the latest line of each host).
pub fn host_records(report: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    report_lines(report)
        .into_iter()
        .filter(|r| r["type"] == "host")
        .map(|r| (r["name"].as_str().unwrap().to_string(), r))
        .collect()
}

/// Each host's outcome name in a report.
pub fn host_outcomes(report: &Path) -> std::collections::BTreeMap<String, String> {
    host_records(report)
        .into_iter()
        .map(|(n, r)| (n, r["outcome"].as_str().unwrap().to_string()))
        .collect()
}
