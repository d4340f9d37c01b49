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
    ChefClient::from_config(
        &config(server, user, key_of),
        version,
        Duration::from_secs(10),
    )
    .unwrap()
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
