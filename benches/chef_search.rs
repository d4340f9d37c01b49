#![allow(clippy::disallowed_macros)] // a benchmark prints its figures
//! `galley search` against a real Chef server (goiardi) holding 5,000
//! nodes, next to the raw server time for the same partial search.
//!
//! `cargo bench --bench chef_search` (needs `apt-get install goiardi`;
//! GALLEY_BENCH_NODES changes the size). Uploading the nodes takes a while;
//! the timings start once the search index holds every node.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use galley::chef::client::encode_query;
use galley::chef::signing::SignVersion;
use serde_json::{json, Value};

/// The integration tests' helpers: fixtures and the test Chef server.
#[allow(dead_code, unused_imports)]
#[path = "../tests/galley/support/mod.rs"]
mod support;

const QUERY: &str = "recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd";

fn templates() -> Vec<Value> {
    support::fixture_nodes()
        .into_iter()
        .map(|mut node| {
            // goiardi refuses the Policyfile fields.
            let object = node.as_object_mut().unwrap();
            object.remove("policy_name");
            object.remove("policy_group");
            node
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let count: usize = std::env::var("GALLEY_BENCH_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 5_000 } else { 100 });
    let server = support::Goiardi::start();
    let url = server.url.clone();
    let key = server.key("admin");
    let client = server.client("admin", "admin", SignVersion::V1_3);
    let templates = templates();
    let upload = Instant::now();
    for i in 0..count {
        let mut node = templates[i % templates.len()].clone();
        let name = format!("{}-{i:05}", node["name"].as_str().unwrap());
        node["name"] = name.into();
        client.post("/nodes", &node).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let names = json!({"name": ["name"]});
        let seen = client
            .post(&format!("/search/node?q=*%3A*&rows={}", count + 10), &names)
            .unwrap()["rows"]
            .as_array()
            .unwrap()
            .len();
        if seen == count {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "goiardi indexed {seen} of {count}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "galley chef_search bench: {count} nodes on goiardi (uploaded and indexed in {:.1}s)",
        upload.elapsed().as_secs_f64()
    );

    // The raw server: the same partial search galley sends, in one page.
    let spec = galley::inventory::chef_server::spec(None);
    let rows = count + 10;
    let path = format!("/search/node?q={}&start=0&rows={rows}", encode_query(QUERY));
    let mut matched = 0;
    let raw = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                matched = client.post(&path, &spec).unwrap()["rows"]
                    .as_array()
                    .unwrap()
                    .len();
                t.elapsed()
            })
            .collect(),
    );
    let galley = |extra: &[&str]| {
        median(
            (0..5)
                .map(|_| {
                    let t = Instant::now();
                    let status = Command::new(env!("CARGO_BIN_EXE_galley"))
                        .args([
                            "search",
                            "--format",
                            "json",
                            "--server-url",
                            &url,
                            "-u",
                            "admin",
                            "-k",
                            key.to_str().unwrap(),
                        ])
                        .args(extra)
                        .arg(QUERY)
                        .env("HOME", key.parent().unwrap())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .unwrap();
                    assert!(status.success());
                    t.elapsed()
                })
                .collect(),
        )
    };
    let one_page = galley(&["--search-rows", &rows.to_string()]);
    let paged = galley(&[]);
    drop(server);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("query: {QUERY} ({matched} matches)");
    println!("{:<52} {:>9}", "what", "median");
    println!(
        "{:<52} {:>7.1}ms",
        "raw signed partial search, one page (server time)",
        ms(raw)
    );
    println!(
        "{:<52} {:>7.1}ms  ({:.2}x raw)",
        "galley search --format json, one page",
        ms(one_page),
        ms(one_page) / ms(raw)
    );
    println!(
        "{:<52} {:>7.1}ms  ({:.2}x raw)",
        "galley search --format json, 1000-row pages",
        ms(paged),
        ms(paged) / ms(raw)
    );
}
