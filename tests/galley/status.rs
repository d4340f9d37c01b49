//! `galley status`: last check-ins, oldest first, and a verdict against
//! --stale-after / --since, from an inventory and from a Chef server.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{galley, Goiardi};

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Nodes that last converged 5 minutes, 3 hours and 2 days ago, and one never.
fn fleet() -> Vec<Value> {
    let t = now();
    let node = |name: &str, ago: Option<f64>| {
        let mut automatic = json!({"fqdn": format!("{name}.example.com"), "platform": "ubuntu", "platform_version": "22.04"});
        if let Some(ago) = ago {
            automatic["ohai_time"] = json!(t - ago);
        }
        json!({"name": name, "chef_environment": "gprd", "json_class": "Chef::Node", "chef_type": "node", "run_list": [], "automatic": automatic, "normal": {}, "default": {}, "override": {}})
    };
    vec![
        node("fresh-1", Some(300.0)),
        node("stale-1", Some(3.0 * 3600.0)),
        node("old-1", Some(2.0 * 86400.0)),
        node("new-1", None),
    ]
}

fn statuses(run: &crate::support::Run) -> Vec<(String, String)> {
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn stale_and_never_converged_nodes_are_flagged_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("nodes.json");
    std::fs::write(&inventory, serde_json::to_string(&fleet()).unwrap()).unwrap();
    let inv = inventory.to_str().unwrap();

    let run = galley(&[
        "status",
        "--inventory",
        inv,
        "--stale-after",
        "90m",
        "--format",
        "json",
        "*:*",
    ]);
    run.expect_code(1);
    assert_eq!(
        statuses(&run),
        [
            ("new-1", "never"),
            ("old-1", "stale"),
            ("stale-1", "stale"),
            ("fresh-1", "ok")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert!(
        run.stderr()
            .contains("3 nodes of 4 not converged in time (1 never)"),
        "{run}"
    );

    let run = galley(&[
        "status",
        "--inventory",
        inv,
        "--since",
        "-1d",
        "--format",
        "json",
        "*:*",
    ]);
    run.expect_code(1);
    let s = statuses(&run);
    assert_eq!(s[1], ("old-1".to_string(), "stale".to_string()));
    assert_eq!(s[2], ("stale-1".to_string(), "ok".to_string()));

    // All converged since the moment: exit 0.
    let run = galley(&[
        "status",
        "--inventory",
        inv,
        "--since",
        "-1d",
        "name:*-1 AND NOT name:old-1 AND NOT name:new-1",
    ]);
    run.expect_code(0);

    // Without a threshold it lists, oldest first, and says who never converged.
    let run = galley(&["status", "--inventory", inv, "*:*"]);
    run.expect_code(0);
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].starts_with("new-1") && lines[1].contains("never converged"),
        "{run}"
    );
    assert!(lines[4].starts_with("fresh-1"), "{run}");

    galley(&["status", "--inventory", inv, "--since", "tomorrow", "*:*"]).expect_code(2);
}

#[test]
fn status_reads_check_ins_from_the_chef_server() {
    let server = Goiardi::start();
    let admin = server.client("admin", "admin", galley::chef::signing::SignVersion::V1_3);
    for node in fleet() {
        admin.post("/nodes", &node).unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while admin.get("/search/node?q=*%3A*").unwrap()["rows"]
        .as_array()
        .unwrap()
        .len()
        < 4
    {
        assert!(
            std::time::Instant::now() < deadline,
            "goiardi did not index the nodes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let run = server.galley(&["status", "--stale-after", "1h", "--format", "json", "*:*"]);
    run.expect_code(1);
    let s = statuses(&run);
    assert_eq!(s.len(), 4);
    assert_eq!(s[0], ("new-1".to_string(), "never".to_string()));
    assert_eq!(s[3], ("fresh-1".to_string(), "ok".to_string()));
}

#[test]
fn the_address_column_shows_the_port_as_search_does() {
    let inv = crate::support::fixture_inventory();
    let run = galley(&[
        "status",
        "--inventory",
        inv.to_str().unwrap(),
        "name:bastion-01-inf-ops",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("lb-bastion-01.ops.gitlab.com:2222"),
        "{run}"
    );
}
