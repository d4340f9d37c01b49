//! One query, one answer: local search holds to Chef Server's rules on
//! nodes built from real ohai output (`fixtures/ohai/`), and the same
//! queries go to a real server (goiardi) through `galley search`.
//!
//! Each query's expected nodes are written down from Chef Server's rules
//! (`docs/selecting.md`): the precedence merge default < normal < override
//! < automatic with arrays replaced; paths joined with `_`, every leaf also
//! under its own key, hash keys as values of their parent; values and field
//! names case-sensitive; a value searchable by its first word only. Where
//! goiardi departs from Chef Server, the query says how and why, and galley
//! is still held to Chef Server's rule locally.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::{wait_indexed, Goiardi};

/// How goiardi answers a query.
enum Server {
    /// As Chef Server does.
    Same,
    /// These nodes instead, for this reason.
    Differs(&'static str, &'static str),
    /// It cannot parse the query, for this reason.
    Refuses(&'static str),
}
use Server::{Differs, Refuses, Same};

// goiardi's departures (reference/goiardi.md, chef.md 5.1-5.2), named once.
const GOIARDI_PRECEDENCE: &str =
    "goiardi flattens automatic, normal, default, override in that order, later wins: automatic loses";
const GOIARDI_NO_LEAF: &str = "goiardi indexes no value under its bare leaf key";
const GOIARDI_WHOLE_VALUE: &str =
    "goiardi matches a term against the whole value, not its first word";
const GOIARDI_SUBSTRING: &str =
    "goiardi matches a wildcard as an unanchored regex over the whole value";
const GOIARDI_SLASH: &str = "goiardi's grammar has no `/` in terms, escaped or not";

/// Query, the nodes Chef Server selects (`a` is deb-a...), goiardi.
const CASES: &[(&str, &str, Server)] = &[
    // platform and lsb
    ("platform:debian", "abc", Differs("ac", GOIARDI_PRECEDENCE)),
    ("platform:Debian", "", Same),
    (
        "platform_family:debian AND platform_version:12",
        "abc",
        Same,
    ),
    ("platform:ubuntu", "", Differs("b", GOIARDI_PRECEDENCE)),
    ("lsb_id:Debian", "abc", Same),
    ("lsb_id:debian", "", Same),
    (
        "lsb_description:Debian",
        "abc",
        Differs("", GOIARDI_WHOLE_VALUE),
    ),
    ("lsb_description:GNU\\/Linux", "", Refuses(GOIARDI_SLASH)),
    (
        "lsb_description:\"Debian GNU\\/Linux\"",
        "abc",
        Refuses(GOIARDI_SLASH),
    ),
    (
        "lsb_description:*Linux*",
        "",
        Differs("abc", GOIARDI_SUBSTRING),
    ),
    (
        "lsb_codename:bookworm",
        "abc",
        Differs("ac", GOIARDI_PRECEDENCE),
    ),
    ("lsb_codename:trixie", "", Differs("b", GOIARDI_PRECEDENCE)),
    ("codename:bookworm", "abc", Differs("", GOIARDI_NO_LEAF)),
    ("os_release_id:debian", "abc", Same),
    (
        "os_release_version:12",
        "abc",
        Differs("", GOIARDI_WHOLE_VALUE),
    ),
    ("os_release_version_codename:bookworm", "abc", Same),
    ("os_release_pretty_name:Debian*", "abc", Same),
    // kernel
    ("kernel_name:Linux", "abc", Same),
    ("kernel_name:linux", "", Same),
    ("kernel_release:6.18*", "ab", Same),
    ("kernel_release:6.1.0-13-amd64", "c", Same),
    ("release:6.18*", "ab", Differs("", GOIARDI_NO_LEAF)),
    ("kernel_version:*1", "abc", Same),
    ("kernel_version:SMP", "", Same),
    (
        "kernel_version:*SMP*",
        "",
        Differs("abc", GOIARDI_SUBSTRING),
    ),
    (
        "kernel_machine:x86_64",
        "abc",
        Differs("ac", GOIARDI_PRECEDENCE),
    ),
    (
        "kernel_machine:aarch64",
        "",
        Differs("b", GOIARDI_PRECEDENCE),
    ),
    ("machine:x86_64", "abc", Differs("", GOIARDI_NO_LEAF)),
    ("kernel_os:GNU\\/Linux", "abc", Refuses(GOIARDI_SLASH)),
    // cpu
    (
        "cpu_0_model_name:AMD",
        "abc",
        Differs("", GOIARDI_WHOLE_VALUE),
    ),
    ("cpu_0_model_name:EPYC", "", Same),
    ("cpu_0_model_name:\"AMD EPYC\"", "abc", Same),
    ("model_name:AMD", "abc", Differs("", GOIARDI_NO_LEAF)),
    ("cpu_0_vendor_id:AuthenticAMD", "abc", Same),
    ("cpu_0_vendor_id:authenticamd", "", Same),
    ("cpu_0_flags:sse2", "abc", Same),
    ("cpu_total:2 AND cpu_real:1", "abc", Same),
    // memory: a key spelt 2M is not 2m
    ("memory_total:24683792kB", "ab", Same),
    ("memory_total:8000000kB", "c", Same),
    ("memory_directmap_2M:*", "abc", Same),
    ("memory_directmap_2m:*", "", Same),
    ("memory_swap_total:0kB", "abc", Same),
    ("directmap:2M", "abc", Differs("", GOIARDI_NO_LEAF)),
    // network: a key spelt IPAddress is not ipaddress
    ("ipaddress:192.0.2.2", "a", Same),
    ("ipaddress:192.0.2.*", "abc", Same),
    ("IPAddress:*", "abc", Same),
    ("ipaddress:\\:\\:*", "", Same),
    ("network_interfaces:lo", "abc", Same),
    ("network_interfaces_lo_flags:LOOPBACK", "abc", Same),
    ("network_interfaces_lo_flags:loopback", "", Same),
    ("network_interfaces_lo_addresses:127.0.0.1", "abc", Same),
    ("addresses:127.0.0.1", "abc", Differs("", GOIARDI_NO_LEAF)),
    (
        "network_interfaces_lo_mtu:65536",
        "abc",
        Differs("ab", GOIARDI_PRECEDENCE),
    ),
    (
        "network_interfaces_lo_mtu:1500",
        "",
        Differs("c", GOIARDI_PRECEDENCE),
    ),
    // filesystem: keys with slashes
    (
        "filesystem_by_mountpoint:\\/",
        "abc",
        Refuses(GOIARDI_SLASH),
    ),
    ("fs_type:ext4", "abc", Differs("", GOIARDI_NO_LEAF)),
    // languages
    ("languages_ruby_version:3.1*", "abc", Same),
    ("languages_python_version:3.11.7", "abc", Same),
    ("languages_c_gcc_version:12.2.0", "abc", Same),
    ("languages:rust", "abc", Same),
    // dmi: empty without dmidecode, so nothing to find
    ("dmi:*", "", Same),
    // virtualization: hash keys are values of their parent
    ("virtualization_system:kvm", "abc", Same),
    ("virtualization_systems:docker", "abc", Same),
    ("systems:kvm", "abc", Differs("", GOIARDI_NO_LEAF)),
    // check-in time: a string range over the first word
    ("ohai_time:[1700000000 TO *]", "abc", Same),
    ("ohai_time:{* TO 1700000000}", "", Same),
    // precedence between default, normal and override, two levels down
    ("app_version:2.0", "c", Differs("", GOIARDI_PRECEDENCE)),
    ("app_version:1.0", "", Differs("c", GOIARDI_PRECEDENCE)),
    ("app_port:9090", "c", Same),
    ("app_port:8080", "", Same),
    ("port:9090", "c", Differs("", GOIARDI_NO_LEAF)),
    // the node's own fields
    ("name:deb-*", "abc", Same),
    ("chef_environment:prod", "ab", Same),
    ("chef_environment:prod AND NOT tags:canary", "b", Same),
    ("role:web", "a", Same),
    ("recipe:base", "b", Same),
    ("fqdn:deb-b.example", "b", Same),
    ("fqdn:deb-b", "", Same),
    ("hostname:deb-?", "abc", Same),
    ("root_group:root AND shells:*bash", "abc", Same),
];

fn ohai() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ohai/debian12-vm.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Three nodes from the one ohai run, with precedence levels set against
/// it at several depths.
fn nodes() -> Vec<Value> {
    let real = ohai();
    let automatic = |name: &str, ip: &str, edit: &dyn Fn(&mut Value)| {
        let mut a = real.clone();
        a["fqdn"] = json!(format!("{name}.example"));
        a["hostname"] = json!(name);
        a["ipaddress"] = json!(ip);
        edit(&mut a);
        a
    };
    vec![
        json!({
            "name": "deb-a", "chef_environment": "prod", "run_list": ["role[web]"],
            "normal": {"tags": ["canary"]}, "default": {}, "override": {},
            "automatic": automatic("deb-a", "192.0.2.2", &|_| {}),
        }),
        json!({
            "name": "deb-b", "chef_environment": "prod", "run_list": ["recipe[base]"],
            "normal": {"tags": []},
            // automatic wins over both on Chef Server
            "default": {"platform": "ubuntu", "kernel": {"machine": "aarch64"}},
            "override": {"lsb": {"codename": "trixie"}},
            "automatic": automatic("deb-b", "192.0.2.3", &|_| {}),
        }),
        json!({
            "name": "deb-c", "chef_environment": "staging", "run_list": [],
            "normal": {"app": {"version": "2.0"}},
            "default": {"app": {"version": "1.0", "port": 8080}},
            "override": {"app": {"port": 9090}, "network": {"interfaces": {"lo": {"mtu": "1500"}}}},
            "automatic": automatic("deb-c", "192.0.2.4", &|a| {
                a["kernel"]["release"] = json!("6.1.0-13-amd64");
                a["memory"]["total"] = json!("8000000kB");
            }),
        }),
    ]
}

fn expected(letters: &str) -> BTreeSet<String> {
    letters.chars().map(|c| format!("deb-{c}")).collect()
}

#[test]
fn local_search_selects_what_chef_server_selects_on_real_ohai_nodes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("nodes")).unwrap();
    for node in nodes() {
        let name = node["name"].as_str().unwrap();
        std::fs::write(
            dir.path().join(format!("nodes/{name}.json")),
            serde_json::to_vec_pretty(&node).unwrap(),
        )
        .unwrap();
    }
    assert!(CASES.len() >= 60, "{} queries", CASES.len());
    let inventory = galley::inventory::node_files::Inventory::load(dir.path()).unwrap();
    let mut wrong = Vec::new();
    for (query, chef, _) in CASES {
        let parsed = galley::inventory::parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
        let got: BTreeSet<String> = galley::inventory::NodeSource::search(&inventory, &parsed)
            .unwrap()
            .iter()
            .map(|n| n.name.clone())
            .collect();
        if got != expected(chef) {
            wrong.push(format!(
                "{query}: selected {got:?}, Chef Server selects {:?}",
                expected(chef)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_server_path_selects_what_goiardi_selects_and_says_why_it_differs() {
    let server = Goiardi::start();
    let admin = server.client("admin", "admin", galley::chef::signing::SignVersion::V1_3);
    let all = nodes();
    for node in &all {
        admin.post("/nodes", node).unwrap();
    }
    wait_indexed(&admin, all.len());
    let mut wrong = Vec::new();
    for (query, chef, goiardi) in CASES {
        let run = server.galley(&["search", "--format", "json", query]);
        let got = match run.code() {
            0 => Ok(run.json_names().into_iter().collect::<BTreeSet<String>>()),
            // no node matches
            4 => Ok(BTreeSet::new()),
            _ => Err(run.stderr()),
        };
        let (want, why) = match goiardi {
            Same => (Ok(expected(chef)), "as Chef Server"),
            Differs(nodes, why) => (Ok(expected(nodes)), *why),
            Refuses(why) => (Err(()), *why),
        };
        match (&got, &want) {
            (Ok(got), Ok(want)) if got == want => {}
            (Err(said), Err(())) if said.contains("the server refused") || said.contains("400") => {
            }
            _ => wrong.push(format!(
                "{query}: goiardi gave {got:?}, expected {want:?} ({why})"
            )),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// An array file over 16 MB is read element by element: the same nodes are
// selected as from a folder, a search result's rows too, and a bad node is
// named by its place, whether the file is compact or pretty-printed (where
// each node's end is first guessed from its indent).
#[test]
fn a_large_array_file_selects_as_a_folder_does_and_names_a_bad_node() {
    let dir = tempfile::tempdir().unwrap();
    let real = ohai();
    let node = |i: usize| {
        json!({
            "name": format!("big-{i:03}"),
            "chef_environment": if i % 10 == 0 { "gprd" } else { "gstg" },
            "automatic": real,
        })
    };
    let nodes: Vec<Value> = (0..260).map(node).collect();
    let want: Vec<String> = (0..260)
        .step_by(10)
        .map(|i| format!("big-{i:03}"))
        .collect();
    let mut bad = nodes.clone();
    bad[149].as_object_mut().unwrap().remove("name");
    let rows = json!({"results": nodes.len(), "rows": nodes, "start": 0});
    let (nodes, bad) = (Value::Array(nodes), Value::Array(bad));
    type Writer = fn(&Value) -> serde_json::Result<Vec<u8>>;
    let layouts: [(&str, Writer); 2] = [
        ("compact", serde_json::to_vec),
        ("pretty", serde_json::to_vec_pretty),
    ];
    for (layout, to_vec) in layouts {
        let write = |value: &Value| to_vec(value).unwrap();
        let array = dir.path().join(format!("all-{layout}.json"));
        std::fs::write(&array, write(&nodes)).unwrap();
        assert!(std::fs::metadata(&array).unwrap().len() > 16 << 20);
        let rows_file = dir.path().join(format!("rows-{layout}.json"));
        std::fs::write(&rows_file, write(&rows)).unwrap();
        for path in [&array, &rows_file] {
            let run = crate::support::galley(&[
                "search",
                "--inventory",
                path.to_str().unwrap(),
                "chef_environment:gprd AND platform:debian",
            ]);
            run.expect_code(0);
            assert_eq!(run.names(), want, "{}", path.display());
        }
        std::fs::write(&array, write(&bad)).unwrap();
        let run =
            crate::support::galley(&["search", "--inventory", array.to_str().unwrap(), "*:*"]);
        run.expect_code(3);
        assert!(
            run.stderr().contains(&format!(
                "{}: node #150: the node has no \"name\"",
                array.display()
            )),
            "{run}"
        );
    }
}
