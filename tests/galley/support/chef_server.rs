//! A real Chef server: Debian's goiardi, started on 127.0.0.1 with
//! authentication on.

use std::path::PathBuf;
use std::process::Command;

use super::{free_port, require, Galley, Run};

/// A real Chef server (Debian's goiardi) in memory on 127.0.0.1 with
/// authentication on; killed when dropped. Its keys are new at every start.
pub struct Goiardi {
    pub url: String,
    pub dir: tempfile::TempDir,
    child: std::process::Child,
}

impl Goiardi {
    pub fn start() -> Goiardi {
        Goiardi::start_with(false)
    }

    /// A server that speaks HTTPS only, with a self-signed certificate for
    /// 127.0.0.1 at `dir/tls/cert.pem` (the folder works as trusted_certs_dir).
    pub fn start_tls() -> Goiardi {
        Goiardi::start_with(true)
    }

    fn start_with(tls: bool) -> Goiardi {
        require("/usr/bin/goiardi", "goiardi");
        let dir = tempfile::tempdir().unwrap();
        let mut tls_args: Vec<String> = Vec::new();
        if tls {
            require("/usr/bin/openssl", "openssl");
            let certs = dir.path().join("tls");
            std::fs::create_dir_all(&certs).unwrap();
            let (cert, key) = (certs.join("cert.pem"), dir.path().join("tls-key.pem"));
            let out = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=127.0.0.1",
                ])
                .args(["-addext", "subjectAltName=IP:127.0.0.1"])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .output()
                .expect("openssl runs");
            assert!(
                out.status.success(),
                "openssl: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            tls_args = vec![
                "--use-ssl".into(),
                "--ssl-cert".into(),
                cert.display().to_string(),
                "--ssl-key".into(),
                key.display().to_string(),
            ];
        }
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = Command::new("/usr/bin/goiardi");
            for (key, _) in std::env::vars() {
                if key.starts_with("GOIARDI_") {
                    cmd.env_remove(key);
                }
            }
            let mut child = cmd
                .args([
                    "--ipaddress",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                    "--hostname",
                    "127.0.0.1",
                    "--use-auth",
                    "--time-slew",
                    "15m",
                    "--conf-root",
                ])
                .arg(dir.path())
                .arg("--log-file")
                .arg(dir.path().join("goiardi.log"))
                .args(["--log-level", "info"])
                .args(&tls_args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("goiardi starts");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                let keys_ready = dir.path().join("admin.pem").exists();
                if keys_ready && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Goiardi {
                        url: format!("{}://127.0.0.1:{port}", if tls { "https" } else { "http" }),
                        dir,
                        child,
                    };
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("goiardi did not start (apt-get install goiardi)");
    }

    /// The private key goiardi wrote for one of its built-in identities
    /// (`admin`, `chef-validator`, `chef-webui`).
    pub fn key(&self, identity: &str) -> PathBuf {
        self.dir.path().join(format!("{identity}.pem"))
    }
}

impl Drop for Goiardi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the server's search index sees `count` nodes (goiardi
/// indexes asynchronously).
pub fn wait_indexed(admin: &galley::chef::client::ChefClient, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let seen = admin.get("/search/node?q=*%3A*&rows=1000").unwrap()["rows"]
            .as_array()
            .unwrap()
            .len();
        if seen == count {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "goiardi indexed {seen} of {count} nodes"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

impl Goiardi {
    /// Runs `galley SUBCOMMAND --server-url URL -u admin -k KEY REST...`
    /// against this server as its admin.
    pub fn galley(&self, args: &[&str]) -> Run {
        self.galley_cmd(args).run()
    }

    /// The command line [`Goiardi::galley`] runs, to add to.
    pub fn galley_cmd(&self, args: &[&str]) -> Galley {
        let key = self.key("admin");
        let mut all: Vec<&str> = vec![
            args[0],
            "--server-url",
            &self.url,
            "-u",
            "admin",
            "-k",
            key.to_str().unwrap(),
        ];
        all.extend_from_slice(&args[1..]);
        Galley::new().args(all)
    }

    /// A signed client of this server as one of its identities, with
    /// another's key when `key_of` differs.
    pub fn client(
        &self,
        user: &str,
        key_of: &str,
        version: galley::chef::signing::SignVersion,
    ) -> galley::chef::client::ChefClient {
        use galley::chef::config::{ChefConfig, KeySource, Setting, Source};
        let flag = Source::Flag("test");
        let config = ChefConfig {
            server_url: Some(Setting {
                value: self.url.clone(),
                source: flag.clone(),
            }),
            client_name: Some(Setting {
                value: user.into(),
                source: flag.clone(),
            }),
            client_key: Some(Setting {
                value: KeySource::File(self.key(key_of)),
                source: flag,
            }),
            ..ChefConfig::default()
        };
        galley::chef::client::ChefClient::from_config(
            &config,
            version,
            std::time::Duration::from_secs(10),
        )
        .unwrap()
    }
}
