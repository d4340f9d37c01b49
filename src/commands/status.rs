//! `galley status QUERY`: when each node last converged, oldest first, and
//! which did not converge in time (knife status, with a verdict scripts can
//! use).

use serde::Serialize;

use crate::cli::{Format, StatusArgs};
use crate::config::Selection;
use crate::error::Error;
use crate::exit;
use crate::report::human::{age, table};
use crate::report::nodes::{self, NodeRecord};
use crate::units::{now_epoch, plural};

/// A node's convergence against the thresholds. The names are stable:
/// `--format json` writes them for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Verdict {
    /// It converged within the thresholds (or none was given).
    Ok,
    /// Its last run is older than `--stale-after` or `--since` allows.
    Stale,
    /// It never converged (no `ohai_time`).
    Never,
}

impl Verdict {
    fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Stale => "stale",
            Verdict::Never => "never",
        }
    }
}

/// A node with its verdict, for `--format json`.
#[derive(Serialize)]
struct Judged<'a> {
    #[serde(flatten)]
    record: &'a NodeRecord,
    status: Verdict,
}

/// A node's convergence against the thresholds.
fn verdict(record: &NodeRecord, now: f64, args: &StatusArgs) -> Verdict {
    let Some(time) = record.ohai_time else {
        return Verdict::Never;
    };
    let too_old = args
        .stale_after
        .is_some_and(|d| now - time > d.0.as_secs_f64());
    let before = args.since.is_some_and(|m| time < m.0);
    if too_old || before {
        Verdict::Stale
    } else {
        Verdict::Ok
    }
}

pub fn run(args: &StatusArgs) -> Result<u8, Error> {
    let selection = Selection::from_args(&args.select)?;
    let Some(targets) = super::select(&selection)? else {
        return Ok(exit::NO_MATCH);
    };
    let now = now_epoch();
    let mut records = nodes::records(&targets, now);
    // Oldest first, never converged before everything (knife: ohai_time || 0).
    records.sort_by(|a, b| {
        a.ohai_time
            .unwrap_or(0.0)
            .total_cmp(&b.ohai_time.unwrap_or(0.0))
            .then_with(|| a.name.cmp(&b.name))
    });
    let judged = args.stale_after.is_some() || args.since.is_some();
    let verdicts: Vec<Verdict> = records.iter().map(|r| verdict(r, now, args)).collect();
    let text = match args.format {
        Format::Json => {
            let rows: Vec<Judged> = records
                .iter()
                .zip(&verdicts)
                .map(|(record, status)| Judged {
                    record,
                    status: *status,
                })
                .collect();
            super::report::pretty(&rows)
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = records
                .iter()
                .zip(&verdicts)
                .map(|(r, v)| {
                    vec![
                        r.name.clone(),
                        nodes::address_cell(r),
                        r.chef_environment.clone(),
                        r.platform.clone().unwrap_or_else(|| "-".into()),
                        r.checkin_age_seconds.map_or("never converged".into(), age),
                        if judged || *v == Verdict::Never {
                            v.name().to_string()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            table(
                &[
                    "NAME",
                    "ADDRESS",
                    "ENVIRONMENT",
                    "PLATFORM",
                    "LAST RUN",
                    "STATUS",
                ],
                &rows,
            )
        }
    };
    crate::terminal::output(&text, args.format == Format::Json)?;
    let late = verdicts.iter().filter(|v| **v != Verdict::Ok).count();
    let never = verdicts.iter().filter(|v| **v == Verdict::Never).count();
    if judged {
        crate::terminal::message(&format!(
            "galley: {} of {} not converged in time ({} never)",
            plural(late, "node", "nodes"),
            records.len(),
            never
        ));
        return Ok(if late > 0 {
            exit::HOSTS_FAILED
        } else {
            exit::OK
        });
    }
    Ok(exit::OK)
}
