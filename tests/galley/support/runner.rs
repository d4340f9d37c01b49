//! galley run by a test: [`Galley`] builds the command line and runs it
//! (to its end, or left running), always with a clean environment; [`Run`]
//! is a finished run that prints itself whole when an assertion fails.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::require;

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

    #[track_caller]
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or_else(|| {
            panic!(
                "galley was killed by a signal: {:?}\n{}",
                self.output.status,
                self.stderr()
            )
        })
    }

    /// Asserts the exit code, printing the whole run when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code(), code, "unexpected exit code\n{self}");
        self
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{self}"))
    }

    /// stdout as a run's JSON document (`--output json`).
    #[track_caller]
    pub fn document(&self) -> super::Document {
        super::Document::read(&self.output.stdout)
    }

    /// The `name` of each record of a JSON array on stdout (`search
    /// --format json`).
    #[track_caller]
    pub fn json_names(&self) -> Vec<String> {
        self.json()
            .as_array()
            .unwrap_or_else(|| panic!("stdout is not a JSON array\n{self}"))
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
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

/// Runs galley with these arguments in the clean environment of
/// [`Galley`]: the shorthand for `Galley::new().args(args).run()`.
#[track_caller]
pub fn galley(args: &[&str]) -> Run {
    Galley::new().args(args).run()
}

/// A galley process left running: its output is read as it comes, so a
/// test can wait for what galley prints, then signal it.
pub struct Running {
    pub child: std::process::Child,
    args: Vec<String>,
    stdout: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    _home: tempfile::TempDir,
}

/// Copies what `from` yields into `into` until it closes.
fn collect(
    mut from: impl std::io::Read + Send + 'static,
    into: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    })
}

impl Running {
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(self.child.id() as i32, signal) };
        assert_eq!(rc, 0, "cannot signal galley");
    }

    /// What galley printed on stdout so far.
    pub fn stdout_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    /// What galley printed on stderr so far.
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits until galley has printed `text` on stdout (`stderr`: false)
    /// or stderr, failing after 20 s with what it printed.
    #[track_caller]
    pub fn wait_for(&self, text: &str, stderr: bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let so_far = if stderr {
                self.stderr_so_far()
            } else {
                self.stdout_so_far()
            };
            if so_far.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "galley never printed {text:?}; stdout:\n{}\nstderr:\n{}",
                self.stdout_so_far(),
                self.stderr_so_far()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait(mut self) -> Run {
        let status = self.child.wait().expect("galley exits");
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let take =
            |b: &std::sync::Arc<std::sync::Mutex<Vec<u8>>>| std::mem::take(&mut *b.lock().unwrap());
        Run {
            args: self.args,
            output: Output {
                status,
                stdout: take(&self.stdout),
                stderr: take(&self.stderr),
            },
        }
    }
}

/// galley's command line for a test, built up and then run:
/// `Galley::new().args(["search", "*:*"]).env("K", "v").run()`. Every run
/// has a clean environment: an empty HOME (kept while galley runs), no
/// inventory from the environment, no agent, no colour settings, no Chef
/// profile, unless the test sets them. Failures point at the test's line.
#[derive(Debug, Clone, Default)]
pub struct Galley {
    args: Vec<String>,
    envs: Vec<(String, Option<String>)>,
    dir: Option<std::path::PathBuf>,
    /// Runs galley inside this network namespace.
    netns: Option<String>,
    /// A shell command line that runs `galley` from PATH instead.
    shell: Option<String>,
}

impl Galley {
    pub fn new() -> Galley {
        Galley::default()
    }

    /// `sh -c LINE` with the clean environment: for command lines written
    /// for people (the docs' examples), with galley on `PATH`.
    pub fn shell(line: &str) -> Galley {
        Galley {
            shell: Some(line.to_string()),
            ..Galley::default()
        }
    }

    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Galley {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<str>) -> Galley {
        self.envs
            .push((key.to_string(), Some(value.as_ref().to_string())));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Galley {
        self.envs.push((key.to_string(), None));
        self
    }

    pub fn current_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Galley {
        self.dir = Some(dir.into());
        self
    }

    /// Runs galley inside network namespace `netns` (`ip netns exec`).
    pub fn in_netns(mut self, netns: &str) -> Galley {
        self.netns = Some(netns.to_string());
        self
    }

    /// The command, run through `wrapper` (a program and its arguments
    /// before galley's path) when given, and its HOME.
    fn command(&self, wrapper: &[&str]) -> (Command, tempfile::TempDir) {
        let galley = env!("CARGO_BIN_EXE_galley");
        let mut line: Vec<&str> = wrapper.to_vec();
        if let Some(netns) = &self.netns {
            require("/usr/sbin/ip", "iproute2");
            line.extend(["ip", "netns", "exec", netns]);
        }
        match &self.shell {
            Some(shell) => line.extend(["sh", "-c", shell]),
            None => line.push(galley),
        }
        let home = tempfile::tempdir().expect("temp HOME");
        let mut cmd = Command::new(line[0]);
        cmd.args(&line[1..])
            .args(&self.args)
            .env("HOME", home.path())
            .env_remove("GALLEY_INVENTORY")
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("NO_COLOR")
            .env_remove("CHEF_PROFILE")
            .env_remove("XDG_CACHE_HOME");
        for (key, value) in &self.envs {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        (cmd, home)
    }

    fn finished(self, output: Output) -> Run {
        Run {
            args: match self.shell {
                Some(line) => vec![line],
                None => self.args,
            },
            output,
        }
    }

    /// Runs galley to its end.
    #[track_caller]
    pub fn run(self) -> Run {
        let (mut cmd, _home) = self.command(&[]);
        let output = cmd
            .stdin(std::process::Stdio::null())
            .output()
            .expect("galley runs");
        self.finished(output)
    }

    /// Runs galley to its end and returns its run with its peak memory
    /// (max RSS, in KiB), measured by GNU time. (wait4 on a child of this
    /// process is no good: Linux carries the memory high-water mark of the
    /// forked test process across exec into the child's figure.)
    #[track_caller]
    pub fn run_with_peak_memory(self) -> (Run, u64) {
        require("/usr/bin/time", "time");
        let peak = tempfile::NamedTempFile::new().unwrap();
        let path = peak.path().to_str().unwrap().to_string();
        let (mut cmd, _home) = self.command(&["/usr/bin/time", "-f", "%M", "-o", &path]);
        let output = cmd
            .stdin(std::process::Stdio::null())
            .output()
            .expect("/usr/bin/time runs galley");
        let written = std::fs::read_to_string(&path).unwrap();
        let peak: u64 = written
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("GNU time wrote no peak memory: {written:?}"));
        (self.finished(output), peak)
    }

    /// Starts galley without waiting for it.
    #[track_caller]
    pub fn spawn(self) -> Running {
        let (mut cmd, home) = self.command(&[]);
        let mut child = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("galley starts");
        let stdout = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone()),
            collect(child.stderr.take().unwrap(), stderr.clone()),
        ];
        Running {
            child,
            args: self.args,
            stdout,
            stderr,
            readers,
            _home: home,
        }
    }
}

/// `galley ARGS` as one shell command line for programs that take one
/// (`script`, tmux), with HOME `home` and the rest of [`Galley`]'s clean
/// environment.
pub fn shell_line(args: Vec<String>, home: &std::path::Path) -> String {
    let quote = |a: &str| format!("'{}'", a.replace('\'', "'\\''"));
    let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_galley").to_string())
        .chain(args)
        .map(|a| quote(&a))
        .collect();
    format!(
        "env -u SSH_AUTH_SOCK -u XDG_CACHE_HOME -u GALLEY_INVENTORY -u NO_COLOR -u CHEF_PROFILE HOME={} {}",
        quote(&home.to_string_lossy()),
        line.join(" ")
    )
}
