//! A real headless chromium, driven over the DevTools protocol on a pipe
//! (`--remote-debugging-pipe`: JSON messages ending in NUL, chromium
//! reading fd 3 and writing fd 4), as puppeteer drives it. Chromium runs in
//! a network namespace of its own with nothing in it: it can reach nothing,
//! and the pages it opens are local files.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

use super::require;

pub struct Browser {
    child: Child,
    to: File,
    from: BufReader<File>,
    next_id: u64,
    session: Option<String>,
    /// Every event received so far (console messages, exceptions, log
    /// entries, page events).
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

fn pipe() -> (RawFd, RawFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array we own.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2");
    (fds[0], fds[1])
}

impl Browser {
    pub fn start() -> Browser {
        require("/usr/bin/chromium", "chromium");
        require("/usr/bin/unshare", "util-linux");
        let profile = tempfile::tempdir().unwrap();
        let (their_in, our_out) = pipe();
        let (our_in, their_out) = pipe();
        let mut command = Command::new("unshare");
        command
            .args(["--net", "--", "/usr/bin/chromium"])
            .args([
                "--headless=new",
                "--remote-debugging-pipe",
                // The tests run as root, where chromium's sandbox cannot.
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--window-size=1400,1000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            // Its caches and crash reports go with the profile, not HOME.
            .env("HOME", profile.path())
            .env("XDG_CONFIG_HOME", profile.path().join("config"))
            .env("XDG_CACHE_HOME", profile.path().join("cache"))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(profile.path().join("chromium.log")).unwrap());
        // SAFETY: only fcntl and dup2 between fork and exec, on our own
        // descriptors. Each end is first copied above 10, so that neither
        // dup2 lands on the other end, and a pipe end that already is fd 3
        // or 4 still loses its close-on-exec flag.
        unsafe {
            command.pre_exec(move || {
                let high_in = libc::fcntl(their_in, libc::F_DUPFD_CLOEXEC, 10);
                let high_out = libc::fcntl(their_out, libc::F_DUPFD_CLOEXEC, 10);
                if high_in < 0
                    || high_out < 0
                    || libc::dup2(high_in, 3) < 0
                    || libc::dup2(high_out, 4) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("chromium starts");
        // SAFETY: each descriptor came from pipe2 above and is closed once.
        unsafe {
            libc::close(their_in);
            libc::close(their_out);
        }
        // SAFETY: as above; the Files own them from here.
        let (to, from) = unsafe { (File::from_raw_fd(our_out), File::from_raw_fd(our_in)) };
        let mut browser = Browser {
            child,
            to,
            from: BufReader::new(from),
            next_id: 0,
            session: None,
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        browser.session = Some(attached["sessionId"].as_str().unwrap().to_string());
        for domain in ["Runtime.enable", "Log.enable", "Page.enable"] {
            browser.call(domain, json!({}));
        }
        browser
    }

    /// Sends a command (to the page once attached) and waits for its
    /// answer, keeping the events that arrive meanwhile.
    #[track_caller]
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        if let Err(e) = self.to.write_all(&bytes) {
            panic!("cannot write to chromium ({e}); it said:\n{}", self.said());
        }
        loop {
            let answer = self.read();
            if answer["id"] == json!(id) {
                assert!(answer.get("error").is_none(), "{method}: {answer}");
                return answer["result"].clone();
            }
            self.events.push(answer);
        }
    }

    fn read(&mut self) -> Value {
        let mut bytes = Vec::new();
        let n = self
            .from
            .read_until(0, &mut bytes)
            .expect("read from chromium");
        assert!(n > 0, "chromium closed its pipe; it said:\n{}", self.said());
        bytes.pop();
        serde_json::from_slice(&bytes).expect("chromium sends JSON")
    }

    /// What chromium wrote on its stderr.
    fn said(&self) -> String {
        std::fs::read_to_string(self._profile.path().join("chromium.log")).unwrap_or_default()
    }

    /// Opens a local file and waits until it has loaded.
    pub fn open(&mut self, path: &Path) {
        let url = format!("file://{}", path.display());
        self.call("Page.navigate", json!({"url": url}));
        let loaded = |e: &Value| e["method"] == "Page.loadEventFired";
        while !self.events.iter().any(loaded) {
            let event = self.read();
            self.events.push(event);
        }
    }

    /// The value of a JavaScript expression in the page.
    #[track_caller]
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    /// The page's errors: exceptions, console errors and error log entries
    /// (a Content-Security-Policy violation is one).
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str()? {
                "Runtime.exceptionThrown" => Some(e["params"]["exceptionDetails"].to_string()),
                "Runtime.consoleAPICalled" if e["params"]["type"] == "error" => {
                    Some(e["params"]["args"].to_string())
                }
                "Log.entryAdded" if e["params"]["entry"]["level"] == "error" => {
                    Some(e["params"]["entry"]["text"].to_string())
                }
                _ => None,
            })
            .collect()
    }

    /// A PNG screenshot of the page's area at (x, y, width, height).
    pub fn screenshot(&mut self, clip: (f64, f64, f64, f64)) -> Vec<u8> {
        let (x, y, width, height) = clip;
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": x, "y": y, "width": width, "height": height, "scale": 1}}),
        );
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The RGB colours of a PNG's pixels, with how many pixels have each.
pub fn colours(png_bytes: &[u8]) -> std::collections::HashMap<[u8; 3], usize> {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let step = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let mut counts = std::collections::HashMap::new();
    for pixel in buffer[..info.buffer_size()].chunks(step) {
        *counts.entry([pixel[0], pixel[1], pixel[2]]).or_insert(0) += 1;
    }
    counts
}
