//! A tmux server of the test's own: the real terminal of the terminal
//! safety and completion tests.

use std::path::Path;

/// A tmux server of the test's own, with one window running a command.
pub struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    /// Runs `command` in a new detached 200x50 window; `TEST-DONE` is
    /// printed when it ends, and the window stays.
    pub fn run(dir: &Path, command: &str) -> Tmux {
        let tmux = Tmux::start(dir, &format!("{command}; echo TEST-DONE; sleep 600"));
        tmux.wait_screen("TEST-DONE");
        tmux
    }

    /// Starts `command` (a shell command line) in a new detached 200x50
    /// window, with `dir` as its HOME (an interactive shell writes its
    /// history there).
    pub fn start(dir: &Path, command: &str) -> Tmux {
        let tmux = Tmux {
            socket: dir.join("tmux.sock"),
        };
        let home = format!("HOME={}", dir.display());
        tmux.tmux(&[
            "new-session",
            "-d",
            "-x",
            "200",
            "-y",
            "50",
            "env",
            &home,
            "sh",
            "-c",
            command,
        ]);
        tmux
    }

    /// Waits until the screen shows `text` (60 s at most).
    #[track_caller]
    pub fn wait_screen(&self, text: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !self.capture(&[]).contains(text) {
            assert!(
                std::time::Instant::now() < deadline,
                "the screen never showed {text:?}:\n{}",
                self.capture(&[])
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Types keys (tmux key names such as `Tab`, `C-u`, or text).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend(keys);
        self.tmux(&args);
    }

    /// Types `text` as it is.
    pub fn literal(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs (apt-get install tmux)");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen's text (`-e`: with its colours as escape sequences).
    pub fn capture(&self, extra: &[&str]) -> String {
        let mut args = vec!["capture-pane", "-p", "-J", "-S", "-100"];
        args.extend(extra);
        self.tmux(&args)
    }

    pub fn title(&self) -> String {
        self.tmux(&["display-message", "-p", "#{pane_title}"])
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}
