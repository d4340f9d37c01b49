//! `galley report history`: hosts' outcomes across many reports, from an
//! index kept in SQLite (`~/.cache/galley/history.sqlite`, 0600).
//!
//! The index holds, per report file, its identity when read (size,
//! modification time, inode, device), its runs (header) and each host
//! record of each run (name, outcome, phase, reason, exit, steps). Before
//! answering, every report in scope is looked at again (one `stat` each):
//! one that is new or changed since is read again, one that is gone is
//! dropped, so a report edited or removed after indexing is never served
//! stale. Runs index their own report when they end, so the next question
//! finds it ready.
//!
//! Why SQLite (rusqlite, bundled): 500 reports of 1,000 hosts are half a
//! million records, about 250 MB of JSON; reading them all takes seconds,
//! and a lookup by host name needs an index on disk that survives edits
//! report by report, with transactions so that two galley processes never
//! leave it half written. docs/benchmarks.md has the figures.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};
use serde::Serialize;

use super::jsonl::{visit_records, ReadError};
use crate::outcome::OutcomeKind;

/// Bumped when the tables change: an index of another version is rebuilt.
const INDEX_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    device INTEGER NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    started_at REAL NOT NULL,
    command TEXT NOT NULL,
    query TEXT NOT NULL,
    operator TEXT
);
CREATE TABLE hosts (
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    outcome TEXT NOT NULL,
    phase TEXT,
    reason TEXT,
    exit_code INTEGER,
    signal TEXT,
    total_ms INTEGER NOT NULL,
    steps TEXT NOT NULL
);
CREATE INDEX hosts_by_name ON hosts(name);
CREATE INDEX runs_by_report ON runs(report);
CREATE INDEX hosts_by_run ON hosts(run);
";

/// Why the history cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the history index {path}: {source}")]
    Index {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot list the reports in {}: {source}", path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One host's outcome in one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub host: String,
    /// When the run started (epoch seconds).
    pub started_at: f64,
    pub report: String,
    pub command: String,
    pub query: String,
    pub operator: Option<String>,
    pub outcome: OutcomeKind,
    pub phase: Option<String>,
    pub reason: Option<String>,
    pub exit_code: Option<i32>,
    pub signal: Option<String>,
    pub total_ms: u64,
    /// Each step and its outcome, in order.
    pub steps: Vec<StepEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepEntry {
    pub name: String,
    pub outcome: OutcomeKind,
}

/// What a refresh did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// Reports read (new or changed since indexed).
    pub read: usize,
    /// Reports dropped (gone since indexed).
    pub dropped: usize,
    /// Reports that could not be read, with why: their hosts are left out.
    pub unreadable: Vec<String>,
}

pub struct Index {
    conn: Connection,
    name: String,
}

/// A file's identity: when any part changes, the file is read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    size: i64,
    mtime_ns: i64,
    inode: i64,
    device: i64,
}

impl Identity {
    fn of(meta: &std::fs::Metadata) -> Identity {
        Identity {
            size: meta.size() as i64,
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            inode: meta.ino() as i64,
            device: meta.dev() as i64,
        }
    }
}

impl Index {
    /// Opens the index at `path` (created 0600 in a 0700 folder when
    /// missing), or one in memory with None.
    pub fn open(path: Option<&Path>) -> Result<Index, HistoryError> {
        let name = path.map_or("(in memory)".to_string(), |p| p.display().to_string());
        let fail = |source| fail(&name, source);
        let conn = match path {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    let _ = crate::files::create_private_dir(dir);
                }
                if !path.exists() {
                    let _ = crate::files::create_private(path, false);
                }
                Connection::open(path).map_err(fail)?
            }
            None => Connection::open_in_memory().map_err(fail)?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(fail)?;
        // A cache: after a power cut it may lack the last reports read,
        // which the next question reads again; it is never inconsistent.
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
        )
        .map_err(fail)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(fail)?;
        if version != INDEX_VERSION {
            conn.execute_batch(
                "DROP TABLE IF EXISTS hosts; DROP TABLE IF EXISTS runs; DROP TABLE IF EXISTS reports;",
            )
            .map_err(fail)?;
            conn.execute_batch(SCHEMA).map_err(fail)?;
            conn.execute_batch(&format!("PRAGMA user_version = {INDEX_VERSION}"))
                .map_err(fail)?;
        }
        Ok(Index { conn, name })
    }

    fn fail(&self, source: rusqlite::Error) -> HistoryError {
        fail(&self.name, source)
    }

    /// Brings the index up to date with `files` (absolute paths of the
    /// reports in scope) and drops what it holds of `gone` (files in scope
    /// before, absent now).
    pub fn refresh(
        &mut self,
        files: &[PathBuf],
        gone: &[PathBuf],
    ) -> Result<Refreshed, HistoryError> {
        use rayon::prelude::*;
        let mut done = Refreshed::default();
        let known = self.known()?;
        let mut stale: Vec<&PathBuf> = gone
            .iter()
            .filter(|p| known.contains_key(&path_text(p)))
            .collect();
        let mut changed: Vec<(&PathBuf, Identity)> = Vec::new();
        for path in files {
            match std::fs::metadata(path) {
                Err(_) if known.contains_key(&path_text(path)) => stale.push(path),
                Err(_) => {}
                Ok(meta) => {
                    let identity = Identity::of(&meta);
                    if known.get(&path_text(path)) != Some(&identity) {
                        changed.push((path, identity));
                    }
                }
            }
        }
        for path in stale {
            self.drop_report(path)?;
            done.dropped += 1;
        }
        // Reports are read in parallel, a few at a time (memory holds only
        // those), and each batch is stored in one transaction.
        for batch in changed.chunks(16) {
            let read: Vec<(&PathBuf, Identity, Parsed)> = batch
                .par_iter()
                .map(|(path, identity)| (*path, *identity, parse(path)))
                .collect();
            let tx = self.conn.transaction().map_err(|e| fail(&self.name, e))?;
            for (path, identity, runs) in read {
                match runs {
                    Ok(runs) => {
                        store(&tx, path, identity, &runs).map_err(|e| fail(&self.name, e))?;
                        done.read += 1;
                    }
                    Err(why) => {
                        tx.execute("DELETE FROM reports WHERE path = ?1", [path_text(path)])
                            .map_err(|e| fail(&self.name, e))?;
                        done.unreadable.push(why);
                    }
                }
            }
            tx.commit().map_err(|e| fail(&self.name, e))?;
        }
        Ok(done)
    }

    /// The indexed reports and their identities, by path.
    fn known(&self) -> Result<HashMap<String, Identity>, HistoryError> {
        let mut statement = self
            .conn
            .prepare("SELECT path, size, mtime_ns, inode, device FROM reports")
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    Identity {
                        size: row.get(1)?,
                        mtime_ns: row.get(2)?,
                        inode: row.get(3)?,
                        device: row.get(4)?,
                    },
                ))
            })
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.fail(e))
    }

    /// Every indexed report under `folder` (not its subfolders).
    pub fn indexed_in(&self, folder: &Path) -> Result<Vec<PathBuf>, HistoryError> {
        Ok(self
            .known()?
            .into_keys()
            .map(PathBuf::from)
            .filter(|p| p.parent() == Some(folder))
            .collect())
    }

    fn drop_report(&mut self, path: &Path) -> Result<(), HistoryError> {
        self.conn
            .execute("DELETE FROM reports WHERE path = ?1", [path_text(path)])
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Every run's record of the hosts `wanted` accepts among those the
    /// GLOB patterns `globs` select, in the reports `files`, newest first.
    pub fn lookup(
        &self,
        files: &[PathBuf],
        globs: &[String],
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Vec<Entry>, HistoryError> {
        let scope: std::collections::HashSet<String> = files.iter().map(|p| path_text(p)).collect();
        let mut statement = self
            .conn
            .prepare(
                "SELECT h.name, r.started_at, p.path, r.command, r.query, r.operator, h.outcome, \
                 h.phase, h.reason, h.exit_code, h.signal, h.total_ms, h.steps \
                 FROM hosts h JOIN runs r ON h.run = r.id JOIN reports p ON r.report = p.id \
                 WHERE h.name GLOB ?1",
            )
            .map_err(|e| self.fail(e))?;
        let mut entries = Vec::new();
        for pattern in globs {
            let rows = statement
                .query_map([pattern], |row| {
                    let steps: Vec<(String, String)> =
                        serde_json::from_str(&row.get::<_, String>(12)?).unwrap_or_default();
                    Ok(Entry {
                        host: row.get(0)?,
                        started_at: row.get(1)?,
                        report: row.get(2)?,
                        command: row.get(3)?,
                        query: row.get(4)?,
                        operator: row.get(5)?,
                        outcome: outcome(&row.get::<_, String>(6)?),
                        phase: row.get(7)?,
                        reason: row.get(8)?,
                        exit_code: row.get(9)?,
                        signal: row.get(10)?,
                        total_ms: row.get::<_, i64>(11)?.max(0) as u64,
                        steps: steps
                            .into_iter()
                            .map(|(name, o)| StepEntry {
                                name,
                                outcome: outcome(&o),
                            })
                            .collect(),
                    })
                })
                .map_err(|e| self.fail(e))?;
            for entry in rows {
                let entry = entry.map_err(|e| self.fail(e))?;
                if scope.contains(&entry.report) && wanted(&entry.host) {
                    entries.push(entry);
                }
            }
        }
        entries.sort_by(|a, b| {
            b.started_at
                .partial_cmp(&a.started_at)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.host.cmp(&b.host))
                .then_with(|| a.report.cmp(&b.report))
        });
        entries.dedup();
        Ok(entries)
    }
}

/// Stores one report's runs in `tx`, replacing what the index held of it.
fn store(
    tx: &rusqlite::Transaction,
    path: &Path,
    identity: Identity,
    runs: &[RunRows],
) -> Result<(), rusqlite::Error> {
    tx.execute("DELETE FROM reports WHERE path = ?1", [path_text(path)])?;
    tx.execute(
        "INSERT INTO reports (path, size, mtime_ns, inode, device) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            path_text(path),
            identity.size,
            identity.mtime_ns,
            identity.inode,
            identity.device
        ],
    )?;
    let report = tx.last_insert_rowid();
    let mut add_run = tx.prepare_cached(
        "INSERT INTO runs (report, started_at, command, query, operator) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut add_host = tx.prepare_cached(
        "INSERT INTO hosts (run, name, outcome, phase, reason, exit_code, signal, total_ms, steps) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for run in runs {
        add_run.execute(params![
            report,
            run.started_at,
            run.command,
            run.query,
            run.operator
        ])?;
        let id = tx.last_insert_rowid();
        for host in &run.hosts {
            add_host.execute(params![
                id,
                host.name,
                host.outcome,
                host.phase,
                host.reason,
                host.exit_code,
                host.signal,
                host.total_ms as i64,
                host.steps,
            ])?;
        }
    }
    Ok(())
}

/// The index at `name` failed (a free function: a transaction holds the
/// connection while its errors are made).
fn fail(name: &str, source: rusqlite::Error) -> HistoryError {
    HistoryError::Index {
        path: name.to_string(),
        source,
    }
}

/// A run of a report as the index keeps it.
struct RunRows {
    started_at: f64,
    command: String,
    query: String,
    operator: Option<String>,
    hosts: Vec<HostRow>,
}

struct HostRow {
    name: String,
    outcome: String,
    phase: Option<String>,
    reason: Option<String>,
    exit_code: Option<i32>,
    signal: Option<String>,
    total_ms: u64,
    /// `[[step, outcome], ...]` as JSON.
    steps: String,
}

/// A report line with only what the index keeps: output is skipped, not
/// decoded. `report show` and `--resume` read the whole record and refuse
/// one whose parts contradict; the index only lists what the lines say.
#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum IndexLine {
    Header {
        version: u32,
        started_at: f64,
        command: String,
        query: String,
        #[serde(default)]
        operator: Option<super::record::Operator>,
    },
    Host {
        name: String,
        outcome: OutcomeKind,
        #[serde(default)]
        phase: Option<crate::outcome::Phase>,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        exit_code: Option<i32>,
        #[serde(default)]
        signal: Option<String>,
        timings: IndexTimings,
        #[serde(default)]
        steps: Vec<IndexStep>,
    },
    Summary {},
    Unrecorded {},
}

#[derive(serde::Deserialize)]
struct IndexTimings {
    total_ms: u64,
}

#[derive(serde::Deserialize)]
struct IndexStep {
    name: String,
    outcome: OutcomeKind,
}

impl super::jsonl::ReportLine for IndexLine {
    fn header_version(&self) -> Option<u32> {
        match self {
            IndexLine::Header { version, .. } => Some(*version),
            _ => None,
        }
    }
}

/// A report's runs and their host records; Err: why it cannot be read.
type Parsed = Result<Vec<RunRows>, String>;

fn parse(path: &Path) -> Parsed {
    let mut runs: Vec<RunRows> = Vec::new();
    visit_records(path, |_, line: IndexLine| {
        match line {
            IndexLine::Header {
                started_at,
                command,
                query,
                operator,
                ..
            } => runs.push(RunRows {
                started_at,
                command,
                query,
                operator: operator.map(|o| format!("{}@{}", o.user, o.host)),
                hosts: Vec::new(),
            }),
            IndexLine::Host {
                name,
                outcome,
                phase,
                reason,
                exit_code,
                signal,
                timings,
                steps,
            } => {
                // Hosts before any header belong to no run: left out.
                if let Some(run) = runs.last_mut() {
                    let steps: Vec<(&str, &str)> = steps
                        .iter()
                        .map(|s| (s.name.as_str(), s.outcome.name()))
                        .collect();
                    run.hosts.push(HostRow {
                        name,
                        outcome: outcome.name().to_string(),
                        phase: phase.map(|p| p.name().to_string()),
                        reason: reason.as_deref().map(crate::secrets::mask),
                        exit_code,
                        signal,
                        total_ms: timings.total_ms,
                        steps: serde_json::to_string(&steps).expect("steps serialize"),
                    });
                }
            }
            IndexLine::Summary {} | IndexLine::Unrecorded {} => {}
        }
        Ok(())
    })
    .map_err(|e: ReadError| e.to_string())?;
    Ok(runs)
}

/// An outcome's name as indexed; the index only holds names galley wrote.
fn outcome(name: &str) -> OutcomeKind {
    serde_json::from_value(serde_json::Value::String(name.to_string()))
        .unwrap_or(OutcomeKind::Error)
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The SQLite GLOB pattern for a host name pattern (`*` and `?` wild,
/// everything else itself: GLOB's `[` escaped as `[[]`). GLOB is case
/// sensitive, as node names are, and uses the index on names up to the
/// first wildcard.
pub fn glob_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        match c {
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
    out
}

/// The GLOB pattern that matches exactly `name`.
pub fn glob_exact(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '[' => out.push_str("[[]"),
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            c => out.push(c),
        }
    }
    out
}

/// The `*.jsonl` files directly in `folder`, as absolute paths.
pub fn reports_in(folder: &Path) -> Result<Vec<PathBuf>, HistoryError> {
    let fail = |source| HistoryError::Folder {
        path: folder.to_path_buf(),
        source,
    };
    let folder = std::path::absolute(folder).map_err(fail)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .map_err(fail)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// The index's usual place, beside the completion cache.
pub fn default_index() -> Option<PathBuf> {
    crate::complete::index::cache_dir().map(|d| d.join("history.sqlite"))
}

/// Adds a report just written to the index, if there is one (best effort:
/// the next question reads it anyway).
pub fn remember(report: &Path) {
    let Some(path) = default_index() else { return };
    if let Ok(mut index) = Index::open(Some(&path)) {
        let _ = index.refresh(&[report.to_path_buf()], &[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns_keep_brackets_literal() {
        assert_eq!(glob_pattern("web-*"), "web-*");
        assert_eq!(glob_pattern("db[1]-?"), "db[[]1]-?");
        assert_eq!(glob_exact("a*b?[c]_%"), "a[*]b[?][[]c]_%");
    }
}
