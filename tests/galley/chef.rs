//! The signed Chef client against a real Chef server (goiardi, in memory,
//! authentication on, on 127.0.0.1).

use std::time::Duration;

use galley::chef::client::{ChefClient, ClientError};
use galley::chef::config::{ChefConfig, KeySource, Setting, Source};
use galley::chef::signing::SignVersion;

use crate::support::Goiardi;

fn config(server: &Goiardi, user: &str, key_of: &str) -> ChefConfig {
    let flag = Source::Flag("test");
    ChefConfig {
        server_url: Some(Setting {
            value: server.url.clone(),
            source: flag.clone(),
        }),
        client_name: Some(Setting {
            value: user.into(),
            source: flag.clone(),
        }),
        client_key: Some(Setting {
            value: KeySource::File(server.key(key_of)),
            source: flag,
        }),
        ..ChefConfig::default()
    }
}

fn client(server: &Goiardi, user: &str, key_of: &str, version: SignVersion) -> ChefClient {
    server.client(user, key_of, version)
}

fn refusal(result: Result<serde_json::Value, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Refused {
            status, message, ..
        }) => (status, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn every_signing_version_is_accepted() {
    let server = Goiardi::start();
    for version in [
        SignVersion::V1_0,
        SignVersion::V1_1,
        SignVersion::V1_2,
        SignVersion::V1_3,
    ] {
        let nodes = client(&server, "admin", "admin", version).get("/nodes");
        assert!(
            nodes.as_ref().is_ok_and(|v| v.is_object()),
            "{version}: {nodes:?}"
        );
    }
    let created = client(&server, "admin", "admin", SignVersion::V1_3)
        .post("/nodes", &serde_json::json!({"name": "web-01", "chef_environment": "_default", "json_class": "Chef::Node", "chef_type": "node", "run_list": [], "automatic": {}, "normal": {}, "default": {}, "override": {}}));
    assert!(created.is_ok(), "{created:?}");
    let node = client(&server, "admin", "admin", SignVersion::V1_1)
        .get("/nodes/web-01")
        .unwrap();
    assert_eq!(node["name"], "web-01");
}

#[test]
fn each_refusal_says_what_to_fix() {
    let server = Goiardi::start();
    // the key of another identity
    let (status, message) =
        refusal(client(&server, "admin", "chef-webui", SignVersion::V1_3).get("/nodes"));
    assert_eq!(status, 401);
    assert!(message.contains("signature was rejected"), "{message}");
    // an identity the server does not know
    let (status, message) =
        refusal(client(&server, "no-such-client", "admin", SignVersion::V1_3).get("/nodes"));
    assert_eq!(status, 401);
    assert!(
        message.contains("does not know the client \"no-such-client\""),
        "{message}"
    );
    // a clock 20 minutes ahead (faked for galley, not the machine)
    let mut skewed = client(&server, "admin", "admin", SignVersion::V1_3);
    skewed.clock_offset = 20 * 60;
    let (status, message) = refusal(skewed.get("/nodes"));
    assert_eq!(status, 401);
    assert!(
        message.contains("the clocks disagree") && message.contains("server's Date is"),
        "{message}"
    );
    // the validator may not search
    let (status, message) = refusal(
        client(
            &server,
            "chef-validator",
            "chef-validator",
            SignVersion::V1_3,
        )
        .get("/search/node?q=*%3A*"),
    );
    assert_eq!(status, 403);
    assert!(
        message.contains("\"chef-validator\" may not do this"),
        "{message}"
    );
    // a server URL with an organization goiardi does not have
    let mut with_org = config(&server, "admin", "admin");
    with_org.server_url.as_mut().unwrap().value = format!("{}/organizations/acme", server.url);
    let err = ChefClient::from_config(&with_org, SignVersion::V1_3, Duration::from_secs(10))
        .unwrap()
        .get("/nodes")
        .unwrap_err();
    assert!(
        matches!(err, ClientError::NotJson { .. }),
        "an empty 200 is an error, not zero nodes: {err:?}"
    );
}

/// goiardi loaded with the fixture fleet, once the search index has all of it.
fn loaded_server() -> Goiardi {
    let server = Goiardi::start();
    let admin = client(&server, "admin", "admin", SignVersion::V1_3);
    let dir = crate::support::fixture_inventory().join("nodes");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let mut node: serde_json::Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        // goiardi refuses the Policyfile fields (400 "Invalid key policy_name").
        let object = node.as_object_mut().unwrap();
        object.remove("policy_name");
        object.remove("policy_group");
        admin.post("/nodes", &node).unwrap();
        count += 1;
    }
    crate::support::wait_indexed(&admin, count);
    server
}

fn names(run: &crate::support::Run) -> Vec<String> {
    run.expect_code(0);
    run.json_names()
}

#[test]
fn search_on_the_server_selects_what_the_local_evaluator_selects() {
    let server = loaded_server();
    let inventory = crate::support::fixture_inventory();
    let queries = [
        "recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd",
        "recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd AND NOT roles:packagecloud",
        "chef_environment:(gstg OR pre)",
        "role:gprd-base-fe-web",
        "tags:canary",
        "name:web-0* AND chef_environment:gstg",
        "ohai_time:[1795000000 TO *] AND chef_environment:ops",
        "*:*",
    ];
    for query in queries {
        let local = crate::support::galley(&[
            "search",
            "--format",
            "json",
            "--inventory",
            inventory.to_str().unwrap(),
            query,
        ]);
        // over pages of 7 rows: goiardi reorders partial results between pages
        let remote = server.galley(&["search", "--format", "json", "--search-rows", "7", query]);
        let (local, remote) = (names(&local), names(&remote));
        assert!(!local.is_empty(), "{query}");
        assert_eq!(remote, local, "{query}");
    }
}

// The server's search brings only what galley uses of each node (partial
// search); `search --long` shows every attribute, so it asks the server for
// each node whole: the same attributes as the node's file shows.
#[test]
fn long_shows_the_whole_node_the_server_keeps() {
    let server = loaded_server();
    let query = "name:bastion-01-inf-ops OR name:web-01*";
    let remote = server.galley(&["search", "-l", "--format", "json", query]);
    let inventory = crate::support::fixture_inventory();
    let local = crate::support::galley(&[
        "search",
        "-l",
        "--format",
        "json",
        "--inventory",
        inventory.to_str().unwrap(),
        query,
    ]);
    let attributes = |run: &crate::support::Run| -> Vec<(String, serde_json::Value)> {
        run.expect_code(0);
        let records = run.json();
        let records = records.as_array().unwrap();
        records
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_string(),
                    r["attributes"].clone(),
                )
            })
            .collect()
    };
    let (remote, local) = (attributes(&remote), attributes(&local));
    assert!(local.len() >= 2, "{local:?}");
    assert_eq!(remote, local);
    assert!(remote[0].1["kernel_release"].is_array(), "{remote:?}");
}

#[test]
fn server_records_carry_addresses_and_check_ins() {
    let server = loaded_server();
    let run = server.galley(&["search", "--format", "json", "name:bastion-01-inf-ops"]);
    run.expect_code(0);
    let record = &run.json()[0];
    assert_eq!(record["address"], "lb-bastion-01.ops.gitlab.com");
    assert_eq!(record["port"], 2222);
    assert_eq!(record["chef_environment"], "ops");
    assert_eq!(record["platform"], "ubuntu 22.04");
    assert!(record["ohai_time"].as_f64().unwrap() > 1_795_000_000.0);
    assert!(record["source"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    // a wrong key is a setup error, exit 3, with the reason
    let other = server.key("chef-webui");
    let run = crate::support::galley(&[
        "search",
        "--server-url",
        &server.url,
        "-u",
        "admin",
        "-k",
        other.to_str().unwrap(),
        "*:*",
    ]);
    run.expect_code(3);
    assert!(run.stderr().contains("signature was rejected"), "{run}");
}

#[test]
fn an_unreachable_server_is_retried_within_the_timeout_then_a_setup_error() {
    // A server that takes each connection and closes it at once, counting.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let counter = {
        let (attempts, done) = (attempts.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        drop(stream);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    std::fs::write(
        &key,
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/signing-vectors/mixlib-auth-spec-private-key.pem"),
        )
        .unwrap(),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let run = crate::support::galley(&[
        "search",
        "--server-url",
        &format!("http://127.0.0.1:{port}"),
        "-u",
        "admin",
        "-k",
        key.to_str().unwrap(),
        "--server-timeout",
        "2s",
        "*:*",
    ]);
    let took = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    counter.join().unwrap();
    run.expect_code(3);
    // Retried: the server saw more than the first attempt, and all of them
    // ended within the budget (an upper bound only: a fast machine is
    // never a failure).
    let attempts = attempts.load(std::sync::atomic::Ordering::SeqCst);
    assert!(attempts >= 2, "one attempt only: {attempts}");
    assert!(
        took < Duration::from_secs(6),
        "retries stay within the budget: {took:?}"
    );
    assert!(
        run.stderr().contains("cannot reach the Chef server"),
        "{run}"
    );
}

#[test]
fn a_query_the_server_cannot_parse_shows_the_query_and_its_message() {
    let server = Goiardi::start();
    // Valid for galley, refused by goiardi: '/' is not a term character there.
    let run = server.galley(&["search", "fqdn:a\\/b"]);
    run.expect_code(3);
    let err = run.stderr();
    assert!(
        err.contains("the server cannot parse the query\n  fqdn:a\\/b"),
        "{run}"
    );
}

#[test]
fn a_key_others_can_read_is_warned_about_when_used() {
    use std::os::unix::fs::PermissionsExt;
    let server = Goiardi::start();
    let key = server.key("admin");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let run = server.galley(&["search", "*:*"]);
    run.expect_code(4);
    assert!(
        run.stderr()
            .contains("can be read by group or others (mode 640)"),
        "{run}"
    );
    assert!(!run.stderr().contains("BEGIN RSA"), "{run}");
}

#[test]
fn refusals_reach_the_operator_as_setup_errors() {
    let server = Goiardi::start();
    let admin_key = server.key("admin");
    let validator_key = server.key("chef-validator");
    for (user, key, says) in [
        (
            "no-such-client",
            &admin_key,
            "does not know the client \"no-such-client\"",
        ),
        (
            "chef-validator",
            &validator_key,
            "\"chef-validator\" may not do this",
        ),
    ] {
        let run = crate::support::galley(&[
            "search",
            "--server-url",
            &server.url,
            "-u",
            user,
            "-k",
            key.to_str().unwrap(),
            "*:*",
        ]);
        run.expect_code(3);
        assert!(run.stderr().contains(says), "{run}");
    }
}

#[test]
fn https_trusts_only_configured_certificates_unless_told_not_to_verify() {
    let server = Goiardi::start_tls();
    let key = server.key("admin");
    let dir = tempfile::tempdir().unwrap();
    let knife_to = |url: &str, extra: &str| {
        let path = dir.path().join("knife.rb");
        std::fs::write(
            &path,
            format!(
                "chef_server_url '{url}'\nnode_name 'admin'\nclient_key '{}'\n{extra}\n",
                key.display()
            ),
        )
        .unwrap();
        path
    };
    let knife = |extra: &str| knife_to(&server.url, extra);
    // Not trusted: refused at once (a certificate is not retried: one
    // connection, counted on its way), with the reason.
    let port: u16 = server.url.rsplit(':').next().unwrap().parse().unwrap();
    let (relay, connections) = counting_relay(port);
    let config = knife_to(&format!("https://127.0.0.1:{relay}"), "");
    let run = crate::support::galley(&[
        "search",
        "-c",
        config.to_str().unwrap(),
        "--server-timeout",
        "3s",
        "*:*",
    ]);
    run.expect_code(3);
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "{run}"
    );
    assert!(
        run.stderr().contains("cannot reach the Chef server"),
        "{run}"
    );
    assert!(
        run.stderr().to_ascii_lowercase().contains("certificate"),
        "{run}"
    );
    // Trusted through trusted_certs_dir: the search runs (no nodes: exit 4).
    let certs = server.dir.path().join("tls");
    let config = knife(&format!("trusted_certs_dir '{}'", certs.display()));
    let run = crate::support::galley(&["search", "-c", config.to_str().unwrap(), "*:*"]);
    run.expect_code(4);
    // verify_none works, and says loudly what it costs.
    let config = knife("ssl_verify_mode :verify_none");
    let run = crate::support::galley(&["search", "-c", config.to_str().unwrap(), "*:*"]);
    run.expect_code(4);
    assert!(run.stderr().contains("certificate is NOT checked"), "{run}");
}

/// A loopback TCP relay to `port` that counts the connections it takes.
fn counting_relay(port: u16) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let relay = listener.local_addr().unwrap().port();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
                continue;
            };
            let pairs = [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ];
            for (mut from, mut to) in pairs {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
    (relay, connections)
}

/// Reads one HTTP request off `stream` (its headers and its body, by
/// Content-Length) and returns its path.
fn read_request(stream: &std::net::TcpStream) -> String {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    let _ = reader.read_line(&mut request_line);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = std::io::Read::read_exact(&mut reader, &mut body);
    request_line.split(' ').nth(1).unwrap_or("/").to_string()
}

/// An HTTP server on loopback that answers every request with `status`
/// and a `Location` under `target` (the request's path without `strip`),
/// and a JSON body, as a Chef server behind a moved URL does.
fn redirector(status: u16, target: String, strip: &'static str) -> String {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let path = read_request(&stream);
            let path = path.strip_prefix(strip).unwrap_or(&path);
            let body = r#"{"error":["moved"]}"#;
            let _ = write!(
                &stream,
                "HTTP/1.1 {status} Moved\r\nLocation: {target}{path}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn a_redirected_get_is_signed_anew_and_a_redirected_post_stops() {
    let server = Goiardi::start();
    // The old URL had a prefix the new one has not: a signature copied from
    // the first request (which covers /old/nodes) would be refused.
    let old = format!("{}/old", redirector(301, server.url.clone(), "/old"));
    let mut settings = config(&server, "admin", "admin");
    settings.server_url.as_mut().unwrap().value = old.clone();
    let client =
        ChefClient::from_config(&settings, SignVersion::V1_3, Duration::from_secs(10)).unwrap();
    let nodes = client.get("/nodes");
    assert!(
        nodes.as_ref().is_ok_and(|v| v.is_object()),
        "a GET follows, signed for its new URL: {nodes:?}"
    );

    // A POST (partial search) is never resent: the error names the new
    // location and the setting to change; a 307 with a JSON body is not a
    // search answer either.
    for status in [301, 307, 308] {
        let moved = redirector(status, server.url.clone(), "");
        let run = crate::support::galley(&[
            "search",
            "--server-url",
            &moved,
            "-u",
            "admin",
            "-k",
            server.key("admin").to_str().unwrap(),
            "*:*",
        ]);
        run.expect_code(3);
        let said = run.stderr();
        assert!(
            said.contains(&format!(
                "answered {status} and moved it to {}/search/node",
                server.url
            )) && said.contains(&format!("set chef_server_url to {}", server.url)),
            "{run}"
        );
        assert!(
            !said.contains("signature") && !said.contains("no rows"),
            "{run}"
        );
    }
}

/// An HTTP server on loopback that answers every request with 200 and the
/// body `answer` gives for the request's path (sent as it is, then the
/// connection closed; `stall`: the body is cut short and the server goes
/// quiet), as a broken or hostile Chef server might.
fn answering(answer: fn(&str) -> Vec<u8>, stall: bool) -> String {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/organizations/x", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let path = read_request(&stream);
            let body = answer(&path);
            let _ = write!(
                &stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            if stall {
                let _ = (&stream).write_all(&body[..body.len() / 2]);
                std::thread::sleep(Duration::from_secs(20));
            } else {
                let _ = (&stream).write_all(&body);
            }
        }
    });
    url
}

#[test]
fn a_server_that_pages_forever_or_answers_badly_is_stopped_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) =
        crate::support::keygen_with(dir.path(), "client", &["-t", "rsa", "-m", "PEM", "-N", ""]);
    let search = |url: &str| {
        crate::support::Galley::new()
            .args([
                "search",
                "--server-url",
                url,
                "-u",
                "admin",
                "-k",
                key.to_str().unwrap(),
                "--server-timeout",
                "3s",
                "*:*",
            ])
            .run()
    };
    // Full pages without `total`, forever: knife pages by total; galley
    // refuses to page without it.
    let endless = answering(
        |path| {
            let start: usize = path
                .split("start=")
                .nth(1)
                .and_then(|s| s.split('&').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let rows: Vec<String> = (start..start + 1000)
                .map(|i| format!(r#"{{"url":"x","data":{{"name":"n{i}"}}}}"#))
                .collect();
            format!(r#"{{"rows":[{}]}}"#, rows.join(",")).into_bytes()
        },
        false,
    );
    let run = search(&endless);
    run.expect_code(3);
    assert!(run.stderr().contains("no total"), "{run}");

    // A body that is not UTF-8, and one cut off by a server gone quiet.
    let garbled = answering(
        |_| b"{\"rows\": [\"\xff\xfe\"], \"total\": 1}".to_vec(),
        false,
    );
    let run = search(&garbled);
    run.expect_code(3);
    assert!(run.stderr().contains("not UTF-8"), "{run}");
    let quiet = answering(
        |_| br#"{"rows": [], "total": 0, "padding": "........"}"#.to_vec(),
        true,
    );
    let run = search(&quiet);
    run.expect_code(3);
    assert!(run.stderr().contains("cut off"), "{run}");
    assert!(!run.stderr().contains("empty body"), "{run}");
}

#[test]
fn a_password_in_the_server_url_is_never_shown_or_stored() {
    let server = Goiardi::start();
    let admin = server.client("admin", "admin", SignVersion::V1_3);
    admin
        .post(
            "/nodes",
            &serde_json::json!({"name": "web-01", "chef_type": "node", "json_class": "Chef::Node",
                "chef_environment": "_default", "automatic": {"fqdn": "web-01"}}),
        )
        .unwrap();
    crate::support::wait_indexed(&admin, 1);
    let with_password = server.url.replacen("://", "://ops:Hunter2secret@", 1);
    let home = tempfile::tempdir().unwrap();
    let key = server.key("admin");
    // `galley SUBCOMMAND --server-url URL -u admin -k KEY ARGS...`
    let galley_with = |url: &str, args: &[&str]| {
        let (subcommand, rest) = args.split_first().unwrap();
        let mut line = vec![*subcommand, "--server-url", url, "-u", "admin"];
        line.extend(["-k", key.to_str().unwrap()]);
        line.extend(rest);
        crate::support::Galley::new()
            .args(line)
            .env("HOME", home.path().to_str().unwrap())
            .run()
    };
    let search = galley_with(&with_password, &["search", "*:*"]);
    search.expect_code(0);
    let config = galley_with(&with_password, &["config"]);
    config.expect_code(0);
    assert!(config.stdout().contains("://REDACTED@"), "{config}");
    let unreachable = galley_with(
        "http://ops:Hunter2secret@127.0.0.1:1/organizations/x",
        &["search", "--server-timeout", "2s", "*:*"],
    );
    unreachable.expect_code(3);
    for run in [&search, &config, &unreachable] {
        assert!(
            !run.stdout().contains("Hunter2secret") && !run.stderr().contains("Hunter2secret"),
            "{run}"
        );
    }
    // Nor in what galley keeps for completion.
    let mut kept = Vec::new();
    let mut dirs = vec![home.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                kept.push(path);
            }
        }
    }
    assert!(!kept.is_empty(), "the search was remembered for completion");
    for file in kept {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(
            !text.contains("Hunter2secret"),
            "{}: {text}",
            file.display()
        );
    }
}

// A node's name is fleet data. One no URL path can hold ("..", which
// goiardi accepts) is refused by name, never sent as a path that asks for
// something else (whose signature the server then rejects as a wrong key).
#[test]
fn a_node_name_no_url_path_can_hold_is_refused_by_name() {
    let server = Goiardi::start();
    let admin = client(&server, "admin", "admin", SignVersion::V1_3);
    for name in ["..", "a..b"] {
        let node =
            serde_json::json!({"name": name, "json_class": "Chef::Node", "chef_type": "node"});
        admin.post("/nodes", &node).unwrap();
    }
    crate::support::wait_indexed(&admin, 2);
    assert_eq!(admin.node("a..b").unwrap()["name"], "a..b");
    assert_eq!(
        admin.node(".."),
        Err(ClientError::Unaddressable { name: "..".into() })
    );
    let run = server.galley(&["search", "-l", "*:*"]);
    run.expect_code(3);
    assert!(
        run.stderr()
            .contains("node \"..\" cannot be asked for by name"),
        "{run}"
    );
    assert!(!run.stderr().contains("signature"), "{run}");
}
