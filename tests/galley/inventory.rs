//! Loading inventories: the three file shapes, and every kind of bad input
//! getting its own message that names the file (and line and column).

use std::path::Path;

use serde_json::{json, Value};

use crate::support::{fixture_inventory, fixture_nodes, galley};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Runs `galley search --inventory PATH *:*` and expects a setup error.
fn setup_error(path: &str) -> String {
    let run = galley(&["search", "--inventory", path, "*:*"]);
    run.expect_code(3);
    assert!(run.stdout().is_empty(), "nothing on stdout on error\n{run}");
    run.stderr()
}

/// The search result with the per-file `source` left out.
fn selection(inventory: &str, query: &str) -> Vec<Value> {
    let run = galley(&[
        "search",
        "--format",
        "json",
        "--inventory",
        inventory,
        query,
    ]);
    run.expect_code(0);
    let mut records = run.json().as_array().unwrap().clone();
    for record in &mut records {
        let record = record.as_object_mut().unwrap();
        record.remove("source");
        record.remove("checkin_age_seconds");
    }
    records
}

#[test]
fn directory_array_file_and_knife_search_output_select_the_same_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = fixture_nodes();
    let array = write(
        dir.path(),
        "all.json",
        &serde_json::to_string_pretty(&nodes).unwrap(),
    );
    let knife = write(
        dir.path(),
        "knife-search.json",
        &serde_json::to_string_pretty(&json!({"results": nodes.len(), "rows": nodes})).unwrap(),
    );
    let repo = fixture_inventory();
    let nodes_dir = repo.join("nodes");
    let query = "recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd";
    let from_repo = selection(repo.to_str().unwrap(), query);
    assert_eq!(from_repo.len(), 22);
    assert_eq!(selection(nodes_dir.to_str().unwrap(), query), from_repo);
    assert_eq!(selection(&array, query), from_repo);
    assert_eq!(selection(&knife, query), from_repo);
}

#[test]
fn a_file_that_is_not_json_is_named_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "nodes/web-01.json",
        "{\n  \"name\": \"web-01\",\n  \"automatic\": {,}\n}\n",
    );
    let err = setup_error(dir.path().to_str().unwrap());
    assert!(
        err.contains(&format!("{path}:3:17: not valid JSON")),
        "{err}"
    );
}

#[test]
fn a_node_that_is_not_an_object_is_named_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "fleet.json",
        "[\n  {\"name\": \"a\"},\n  \"b\"\n]\n",
    );
    let err = setup_error(&path);
    assert!(
        err.contains(&format!(
            "{path}:3:3: node #2: a node must be a JSON object, but this is a string"
        )),
        "{err}"
    );
}

// Nodes are read in parallel; of many bad ones, the first in the file is
// named, every time (it once depended on which thread failed first).
#[test]
fn of_many_bad_nodes_the_first_in_the_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = vec![r#"{"name": "ok"}"#.to_string()];
    nodes.extend((0..2000).map(|i| format!(r#"{{"run_list": [], "n": {i}}}"#)));
    let path = write(dir.path(), "fleet.json", &format!("[{}]", nodes.join(",")));
    for _ in 0..3 {
        let err = setup_error(&path);
        assert!(
            err.contains(&format!("{path}:1:17: node #2: the node has no \"name\"")),
            "{err}"
        );
    }
}

#[test]
fn a_node_without_a_name_is_an_error_in_an_array_but_named_by_its_file_in_a_repo() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "fleet.json",
        "[{\"name\": \"a\"}, {\"run_list\": []}]",
    );
    let err = setup_error(&path);
    assert!(
        err.contains(&format!("{path}:1:17: node #2: the node has no \"name\"")),
        "{err}"
    );

    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "nodes/db-01.json",
        "{\"automatic\": {\"fqdn\": \"db-01.example.com\"}}",
    );
    let run = galley(&[
        "search",
        "--inventory",
        repo.path().to_str().unwrap(),
        "name:db-01",
    ]);
    run.expect_code(0);
    assert_eq!(run.names(), ["db-01"]);
}

#[test]
fn malformed_fields_say_which_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "nodes/x.json",
        "{\"name\": \"x\", \"run_list\": \"recipe[a]\"}",
    );
    let err = setup_error(dir.path().to_str().unwrap());
    assert!(err.contains(&path), "{err}");
    assert!(
        err.contains("\"run_list\" must be an array of strings, but it is a string"),
        "{err}"
    );
}

#[test]
fn empty_inventories_and_wrong_shapes_each_have_their_own_message() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.json", "[]");
    assert!(setup_error(&empty).contains(&format!("{empty} holds no nodes")));

    let no_rows = write(dir.path(), "rows.json", "{\"results\": 0, \"rows\": []}");
    assert!(setup_error(&no_rows).contains("holds no nodes"));

    let bad_rows = write(
        dir.path(),
        "bad-rows.json",
        "{\"results\": 1, \"rows\": {}}",
    );
    assert!(setup_error(&bad_rows)
        .contains("\"rows\" should be an array of nodes, but it is an object"));

    let number = write(dir.path(), "number.json", "42");
    assert!(setup_error(&number).contains("not an inventory"));

    let empty_dir = tempfile::tempdir().unwrap();
    let err = setup_error(empty_dir.path().to_str().unwrap());
    assert!(err.contains("no node files in"), "{err}");

    let missing = dir.path().join("nope");
    let err = setup_error(missing.to_str().unwrap());
    assert!(
        err.contains("cannot read inventory") && err.contains("No such file"),
        "{err}"
    );
}

#[test]
fn duplicate_node_names_name_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "nodes/a.json", "{\"name\": \"web-01\"}");
    let b = write(dir.path(), "nodes/b.json", "{\"name\": \"web-01\"}");
    let err = setup_error(dir.path().to_str().unwrap());
    assert!(
        err.contains(&format!(
            "node \"web-01\" is defined twice: in {a} and in {b}"
        )),
        "{err}"
    );
}

#[test]
fn nodes_without_an_address_and_shared_addresses_are_listed_and_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = json!([
        {"name": "web-01", "automatic": {"fqdn": "web-01.example.com"}},
        {"name": "web-01-old", "automatic": {"fqdn": "web-01.example.com"}},
        {"name": "web-02", "automatic": {"ipaddress": "10.0.0.2"}},
        {"name": "web-03", "automatic": {"fqdn": "web-03.example.com"}}
    ]);
    let path = write(dir.path(), "fleet.json", &nodes.to_string());
    let run = galley(&["search", "--inventory", &path, "name:web*"]);
    run.expect_code(0);
    assert_eq!(run.names(), ["web-01", "web-01-old", "web-02", "web-03"]);
    let err = run.stderr();
    assert!(err.contains("warning: 1 node without a usable address (neither cloud.public_hostname nor fqdn is set): web-02"), "{run}");
    assert!(
        err.contains("warning: 2 nodes share the address web-01.example.com: web-01,web-01-old"),
        "{run}"
    );

    let run = galley(&[
        "search",
        "--format",
        "json",
        "--inventory",
        &path,
        "name:web*",
    ]);
    let records = run.json();
    assert_eq!(records[2]["address"], Value::Null);
    assert_eq!(
        records[2]["warnings"][0],
        "no usable address: neither cloud.public_hostname nor fqdn is set"
    );
    assert_eq!(
        records[0]["warnings"][0],
        "shares its address with 1 other node: web-01,web-01-old"
    );
    assert_eq!(
        records[1]["warnings"][0],
        "shares its address with 1 other node: web-01,web-01-old"
    );
    assert!(records[3].get("warnings").is_none());

    // with -a, only that attribute counts
    let run = galley(&[
        "search",
        "-a",
        "ipaddress",
        "--inventory",
        &path,
        "name:web*",
    ]);
    assert!(
        run.stderr().contains(
            "3 nodes without a usable address (no attribute ipaddress): web-[01,03],web-01-old"
        ),
        "{run}"
    );
}

// knife's export forms that are not whole nodes are refused with the form
// named and the command that exports nodes whole, never read as nodes with
// no attributes (which selected wrongly, or nothing, in silence).
#[test]
fn knife_exports_that_are_not_whole_nodes_are_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    // `knife node show web-01 -F json` (NodePresenter#summarize_json, no -l)
    let summary = write(
        dir.path(),
        "summary/nodes/web-01.json",
        r#"{"name": "web-01", "chef_environment": "gprd", "run_list": ["role[web]"], "normal": {"tags": []}}"#,
    );
    let said = setup_error(dir.path().join("summary").to_str().unwrap());
    assert!(
        said.contains(&summary)
            && said.contains("the summary `knife node show NODE -F json` prints without -l")
            && said.contains("knife node show NODE -l -F json"),
        "{said}"
    );
    // `knife search node '*:*' -a platform -F json`
    let rows = write(
        dir.path(),
        "rows.json",
        r#"{"results": 2, "rows": [{"web-01": {"platform": "ubuntu"}}, {"web-02": {"platform": "ubuntu"}}]}"#,
    );
    let said = setup_error(&rows);
    assert!(
        said.contains(&format!("{rows}:1:25: node #1: this is a row"))
            && !said.contains("caused by")
            && said.contains("a row of `knife search ... -a ATTR -F json` ({\"web-01\": {...}})")
            && said.contains("knife search node 'QUERY' -l -F json"),
        "{said}"
    );
    // several documents in one file: `for n in ...; do knife node show -l -F json $n; done`
    let node = |name: &str| {
        serde_json::to_string_pretty(
            &json!({"name": name, "automatic": {"fqdn": format!("{name}.example")}, "normal": {}, "default": {}, "override": {}, "run_list": []}),
        )
        .unwrap()
    };
    let several = write(
        dir.path(),
        "several.json",
        &format!("{}\n{}\n{}\n", node("a"), node("b"), node("c")),
    );
    let said = setup_error(&several);
    assert!(
        said.contains(&format!(
            "{several} holds 3 JSON documents one after another"
        )) && said.contains("jq -s . FILE > nodes.json"),
        "{said}"
    );
    // The whole form (-l) of the same node reads.
    write(
        dir.path(),
        "long/nodes/web-01.json",
        r#"{"name": "web-01", "chef_environment": "gprd", "run_list": ["role[web]"], "normal": {"tags": []}, "default": {}, "override": {}, "automatic": {"platform": "ubuntu", "fqdn": "web-01.example"}}"#,
    );
    let run = galley(&[
        "search",
        "--inventory",
        dir.path().join("long").to_str().unwrap(),
        "platform:ubuntu",
    ]);
    run.expect_code(0);
    assert_eq!(run.names(), ["web-01"]);
}
