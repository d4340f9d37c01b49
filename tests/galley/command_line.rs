//! Command lines that can be read two ways are refused with the likely
//! intent named; what galley understood is shown before anything runs.

use crate::support::{fixture_inventory, galley};

fn inv() -> String {
    fixture_inventory().display().to_string()
}

const RUNBOOK_QUERY: &str = r"recipes:omnibus-gitlab\:\:default";

// `--restart` takes one value: `nginx` once became a word of the query,
// nginx was never restarted and every host said ok.
#[test]
fn a_second_value_after_a_one_value_flag_is_refused_with_the_list_form() {
    let run = galley(&[
        "fixup",
        "--inventory",
        &inv(),
        RUNBOOK_QUERY,
        "--remove-sources",
        "gitlab_pre-release",
        "--restart",
        "unicorn",
        "nginx",
        "--ctl",
        "packagecloud-ctl",
    ]);
    run.expect_code(2);
    let err = run.stderr();
    assert!(
        err.starts_with("galley: error: invalid query at column 35: `nginx` has no field"),
        "{run}"
    );
    assert!(
        err.contains(&format!("  {RUNBOOK_QUERY} nginx\n{}^\n", " ".repeat(36))),
        "{run}"
    );
    assert!(
        err.contains(
            "hint: `--restart` takes one value each time: did you mean `--restart unicorn,nginx`?"
        ),
        "{run}"
    );
    assert_eq!(run.stdout(), "", "nothing was planned or run: {run}");

    // The stray word once widened the selection (18 hosts instead of 14).
    let run = galley(&[
        "fixup",
        "--inventory",
        &inv(),
        "roles:gitlab-web",
        "--restart=puma",
        "packagecloud",
        "--ctl",
        "packagecloud-ctl",
        "--dry-run",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("`packagecloud` has no field"),
        "{run}"
    );
    assert!(
        run.stderr()
            .contains("did you mean `--restart puma,packagecloud`?"),
        "{run}"
    );
}

#[test]
fn list_flags_take_commas_and_repeats_alike() {
    for restart in [
        &["--restart", "unicorn,nginx"][..],
        &["--restart", "unicorn", "--restart", "nginx"],
    ] {
        let inventory = inv();
        let mut args = vec![
            "fixup",
            "--inventory",
            &inventory,
            RUNBOOK_QUERY,
            "--no-converge",
            "--ctl",
            "packagecloud-ctl",
            "--dry-run",
        ];
        args.extend(restart);
        let run = galley(&args);
        run.expect_code(0);
        let plan = run.stdout();
        let unicorn = plan.find("'packagecloud-ctl' restart 'unicorn'");
        let nginx = plan.find("'packagecloud-ctl' restart 'nginx'");
        assert!(
            unicorn.is_some() && unicorn < nginx,
            "both, in order: {run}"
        );
        assert!(
            plan.starts_with("plan: fixup --no-converge --restart unicorn,nginx on 41 hosts"),
            "{run}"
        );
    }
    let help = galley(&["fixup", "--help"]).stdout();
    assert!(
        help.contains("repeat the flag, or") && help.contains("unicorn,nginx"),
        "{help}"
    );
}

// knife's one-word shorthand stays: `web` alone searches tags, roles,
// fqdn, addresses and policies.
#[test]
fn one_bare_word_is_still_knifes_shorthand() {
    let run = galley(&["search", "--inventory", &inv(), "web"]);
    run.expect_code(0);
    assert!(run.names().iter().all(|n| n.contains("web")), "{run}");
    let run = galley(&[
        "search",
        "--inventory",
        &inv(),
        "web",
        "chef_environment:gprd",
    ]);
    run.expect_code(2);
    assert!(run.stderr().contains("`web` has no field"), "{run}");
}

// clap read `-chef_environment:gprd`, a valid Lucene negation, as
// `-c hef_environment:gprd`.
#[test]
fn a_query_starting_with_a_dash_says_how_to_write_it() {
    let run = galley(&["search", "--inventory", &inv(), "-chef_environment:gprd"]);
    run.expect_code(2);
    let err = run.stderr();
    assert!(
        err.contains("`-chef_environment:gprd` reads two ways: as the query term NOT chef_environment:gprd, or as the flag -c with the value `hef_environment:gprd`"),
        "{run}"
    );
    assert!(
        err.contains("hint: write the negation as 'NOT chef_environment:gprd'"),
        "{run}"
    );
    // The two ways the hint gives select the same nodes.
    let after_dashes = galley(&[
        "search",
        "--inventory",
        &inv(),
        "--",
        "-chef_environment:gprd",
    ]);
    let with_not = galley(&["search", "--inventory", &inv(), "NOT chef_environment:gprd"]);
    after_dashes.expect_code(0);
    assert_eq!(after_dashes.names(), with_not.names());
    assert!(!after_dashes.names().is_empty());
    // A gateway with its value attached is not a negation.
    let run = galley(&[
        "run",
        "-m",
        "h1",
        "-Gbastion:2222",
        "--dry-run",
        "--",
        "true",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("via root@bastion:2222") || run.stdout().contains("bastion:2222"),
        "{run}"
    );
}

#[test]
fn clap_errors_look_like_galleys_own() {
    let run = galley(&["search", "--inventory", &inv(), "--bogus", "x"]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .starts_with("galley: error: unexpected argument '--bogus' found\n"),
        "{run}"
    );
    assert!(run.stderr().contains("\nhint: "), "{run}");
    let run = galley(&["search", "--format", "xml", "*:*"]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .starts_with("galley: error: invalid value 'xml'"),
        "{run}"
    );
}

// An unquoted `run_list:role\[x\]` reaches galley as `run_list:role[x]`.
#[test]
fn a_query_the_shell_mangled_gets_a_quoting_hint() {
    let run = galley(&["search", "--inventory", &inv(), "run_list:role[x]"]);
    run.expect_code(2);
    assert!(run.stderr().contains("bad range"), "{run}");
    assert!(
        run.stderr().contains(
            r"hint: the shell removes backslashes outside quotes: single-quote the query, as in 'run_list:role\[x\]'"
        ),
        "{run}"
    );
    let run = galley(&[
        "search",
        "--inventory",
        &inv(),
        "recipes:omnibus-gitlab::default",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .contains(r"'recipes:omnibus-gitlab\:\:default'"),
        "{run}"
    );
}

#[test]
fn the_plan_shows_the_query_as_galley_understood_it() {
    let run = galley(&[
        "run",
        "--inventory",
        &inv(),
        "--dry-run",
        "roles:gitlab-web AND chef_environment:gprd OR name:bastion*",
        "--",
        "true",
    ]);
    run.expect_code(0);
    let second = run.stdout().lines().nth(1).unwrap_or("").to_string();
    assert!(
        second.starts_with(
            "query: (roles:gitlab-web AND chef_environment:gprd) OR name:bastion* (from inventory "
        ),
        "{run}"
    );
    let run = galley(&[
        "run",
        "--inventory",
        &inv(),
        "--dry-run",
        RUNBOOK_QUERY,
        "--",
        "true",
    ]);
    assert!(
        run.stdout()
            .contains(&format!("query: {RUNBOOK_QUERY} (from")),
        "as typed: {run}"
    );
}
