//! The query engine against the fixture inventory: every syntax element,
//! with the expected node names spelled out; malformed queries and their
//! caret; and a parse -> print -> parse round trip.

use std::sync::OnceLock;

use galley::inventory::node_files::Inventory;
use galley::inventory::{parse, NodeSource, Query};
use proptest::prelude::*;

use crate::support::{fixture_inventory, hosts};

fn inventory() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY
        .get_or_init(|| Inventory::load(&fixture_inventory()).expect("fixture inventory loads"))
}

fn select(query: &str) -> Vec<String> {
    let query = parse(query).unwrap_or_else(|e| panic!("{e}")).fuzzify();
    let mut names: Vec<String> = inventory()
        .search(&query)
        .unwrap()
        .iter()
        .map(|n| n.name.clone())
        .collect();
    names.sort();
    names
}

const OPS: &str = "bastion-01-inf-ops,packagecloud-[01-02]-inf-ops,prometheus-[01-03]-inf-ops,runner-manager-[01-03]-inf-ops";
const GPRD_OMNIBUS: &str = "web-[01-08]-sv-gprd,api-[01-05]-sv-gprd,git-[01-04]-stor-gprd,sidekiq-[01-04]-sv-gprd,packagecloud-01-inf-gprd";
const UBUNTU_2004: &str = "web-[01-02]-sv-pre,api-01-sv-pre,git-01-stor-pre,sidekiq-01-sv-pre,postgres-01-db-pre,packagecloud-01-inf-pre,postgres-01-db-gprd,postgres-01-db-gstg";

#[test]
fn every_syntax_element_selects_the_expected_nodes() {
    let table: &[(&str, &str)] = &[
        // field:value on a top-level field
        ("chef_environment:ops", OPS),
        // the runbook's query: escaped colons, AND
        ("recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd", GPRD_OMNIBUS),
        // recipes carries both names, as chef-client writes it
        ("recipes:omnibus-gitlab AND chef_environment:gprd", GPRD_OMNIBUS),
        // AND NOT over expanded (nested) roles
        (
            "recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd AND NOT roles:packagecloud",
            "web-[01-08]-sv-gprd,api-[01-05]-sv-gprd,git-[01-04]-stor-gprd,sidekiq-[01-04]-sv-gprd",
        ),
        // field group
        ("chef_environment:(gstg OR pre) AND roles:packagecloud", "packagecloud-01-inf-pre"),
        // role: the node's own run list only; roles: expanded, nested
        ("role:gprd-base-fe-web", "web-[01-09]-sv-gprd"),
        ("role:gitlab-web", ""),
        ("roles:gitlab-web", "web-[01-08]-sv-gprd,web-[01-04]-sv-gstg,web-[01-02]-sv-pre"),
        // recipe: from the run list (here the Policyfile node's)
        ("recipe:base", "runner-manager-03-inf-ops"),
        // run_list with escaped brackets
        ("run_list:role\\[bastion\\]", "bastion-[01-02]-inf-gprd,bastion-01-inf-gstg,bastion-01-inf-ops"),
        // tags: each element of normal.tags
        ("tags:canary", "web-01-sv-gprd,web-01-sv-gstg,web-01-sv-pre,api-01-sv-gprd,api-01-sv-gstg,api-01-sv-pre,sidekiq-01-sv-gprd,sidekiq-01-sv-gstg,sidekiq-01-sv-pre"),
        // wildcards * and ?
        ("name:redis-0?-db-*", "redis-[01-03]-db-gprd,redis-01-db-gstg"),
        ("fqdn:*.c.gitlab-pre.internal", "web-[01-02]-sv-pre,api-01-sv-pre,git-01-stor-pre,sidekiq-01-sv-pre,postgres-01-db-pre,packagecloud-01-inf-pre"),
        ("name:web-0?-sv-pre", "web-[01-02]-sv-pre"),
        // quoted phrase inside a longer value
        ("description:\"Ubuntu 20.04\"", UBUNTU_2004),
        // leaf key alone, and the full path
        ("release:5.4*", UBUNTU_2004),
        ("kernel_release:5.4*", UBUNTU_2004),
        // case counts, as on Chef Server
        ("platform:ubuntu AND platform_version:20.04", UBUNTU_2004),
        ("platform:UBUNTU", ""),
        // a value is searchable by its first word only
        ("description:Ubuntu AND platform_version:20.04", UBUNTU_2004),
        ("description:LTS", ""),
        ("description:20.04", ""),
        // a hash key name is a value of its parent; a leaf key under cloud
        ("cloud:public_ssh_port", "bastion-01-inf-ops"),
        ("public_ssh_port:2222", "bastion-01-inf-ops"),
        ("addresses:10.250.*", OPS),
        // deep merge: the override and the default of the same hash both count
        ("omnibus-gitlab_gitlab_rb_puma_worker_processes:16", "web-[01-08]-sv-gprd"),
        ("omnibus-gitlab_gitlab_rb_external_url:https\\:\\/\\/gprd.gitlab.example.com", GPRD_OMNIBUS),
        // inclusive and exclusive ranges compare strings
        (
            "name:[web-01-sv-gprd TO web-03-sv-gprd]",
            "web-01-sv-gprd,web-01-sv-gstg,web-01-sv-pre,web-02-sv-gprd,web-02-sv-gstg,web-02-sv-pre,web-03-sv-gprd",
        ),
        (
            "name:{web-01-sv-gprd TO web-03-sv-gprd}",
            "web-01-sv-gstg,web-01-sv-pre,web-02-sv-gprd,web-02-sv-gstg,web-02-sv-pre",
        ),
        ("ohai_time:{* TO 1794744000}", "sidekiq-03-sv-gstg"),
        ("name:[x TO *]", ""),
        // NOT, !, - are the same negation
        ("chef_environment:ops AND NOT name:prometheus*", "bastion-01-inf-ops,packagecloud-[01-02]-inf-ops,runner-manager-[01-03]-inf-ops"),
        ("chef_environment:ops && !name:prometheus*", "bastion-01-inf-ops,packagecloud-[01-02]-inf-ops,runner-manager-[01-03]-inf-ops"),
        ("chef_environment:ops -name:prometheus*", "bastion-01-inf-ops,packagecloud-[01-02]-inf-ops,runner-manager-[01-03]-inf-ops"),
        // + makes a clause required; the optional ones then only rank (Lucene)
        ("+chef_environment:ops name:bastion*", OPS),
        // OR, ||, and clauses side by side (Lucene's default OR)
        ("name:bastion-01-inf-ops || name:web-09-sv-gprd", "bastion-01-inf-ops,web-09-sv-gprd"),
        ("name:bastion-01-inf-ops OR name:web-09-sv-gprd", "bastion-01-inf-ops,web-09-sv-gprd"),
        ("name:bastion-01-inf-ops name:web-09-sv-gprd", "bastion-01-inf-ops,web-09-sv-gprd"),
        // AND binds tighter than OR; parentheses nest
        ("chef_environment:pre AND name:git* OR name:redis-01-db-gstg", "git-01-stor-pre,redis-01-db-gstg"),
        (
            "(chef_environment:gstg AND (name:redis* OR name:postgres*)) OR (chef_environment:pre AND name:git*)",
            "redis-01-db-gstg,postgres-[01-02]-db-gstg,git-01-stor-pre",
        ),
        // Policyfile fields
        ("policy_name:runner-manager AND policy_group:ops", "runner-manager-03-inf-ops"),
        // a lone NOT selects everything else
        ("NOT chef_environment:(gprd OR gstg OR pre)", OPS),
        // a bare word is knife's fuzzy search (roles, tags, fqdn, addresses, policy)
        ("bastion", "bastion-[01-02]-inf-gprd,bastion-01-inf-gstg,bastion-01-inf-ops"),
        ("runner-manager", "runner-manager-03-inf-ops,runner-manager-[01-02]-inf-ops"),
        // no partial words: a value is matched whole or word by word
        ("fqdn:web-01-sv-gprd", ""),
    ];
    for (query, expected) in table {
        let expected = if expected.is_empty() {
            Vec::new()
        } else {
            hosts(expected)
        };
        assert_eq!(select(query), expected, "query: {query}");
    }
}

#[test]
fn star_star_selects_every_node() {
    assert_eq!(select("*:*").len(), 62);
    assert_eq!(inventory().nodes().len(), 62);
}

#[test]
fn malformed_queries_point_at_the_column() {
    let table: &[(&str, usize, &str)] = &[
        ("(chef_environment:gprd", 1, "never closed"),
        ("name:web AND (roles:a OR roles:b", 14, "never closed"),
        ("chef_environment:gprd)", 22, "no matching '('"),
        ("name:web AND", 10, "'AND' needs a term on its right"),
        (
            "name:web OR OR name:db",
            10,
            "'OR' needs a term on its right",
        ),
        ("OR name:web", 1, "needs a term on its left"),
        ("NOT", 1, "'NOT' needs a term on its right"),
        ("name:\"web", 6, "unterminated quoted phrase"),
        ("ohai_time:[1 TO]", 16, "expected an upper bound"),
        ("ohai_time:[TO 2]", 15, "expected 'TO'"),
        ("ohai_time:[1 2]", 14, "expected 'TO'"),
        ("ohai_time:[1 TO 2}", 18, "expected ']'"),
        ("ohai_time:[1* TO 2]", 12, "wildcards are not allowed"),
        ("name:", 6, "expected a value after 'name:'"),
        ("name:)", 6, "expected a value after 'name:'"),
        ("", 1, "empty"),
        ("   ", 1, "empty"),
        ("()", 1, "empty parentheses"),
        ("name:web^2", 9, "boost"),
        ("name:web~", 9, "fuzzy"),
        ("recipes:omnibus-gitlab::default", 23, "escape colons"),
        ("name:a & name:b", 8, "lone '&'"),
        ("name:web\\", 9, "backslash"),
        (
            "chef_environment:(gprd OR name:x)",
            27,
            "field inside a field group",
        ),
    ];
    for (query, column, fragment) in table {
        let err = parse(query).expect_err(query);
        assert_eq!(err.column(), *column, "column for {query:?}: {err}");
        assert!(
            err.message.contains(fragment),
            "message for {query:?}: {err}"
        );
        let text = err.to_string();
        let caret_line = text.lines().nth(2).unwrap();
        assert_eq!(
            caret_line.find('^'),
            Some(column + 1),
            "caret for {query:?}:\n{text}"
        );
    }
}

#[test]
fn printing_escapes_what_the_parser_would_read_otherwise() {
    for query in [
        "recipes:omnibus-gitlab\\:\\:default",
        "run_list:role\\[web\\]",
        "name:\\AND",
        "name:\"two words\" AND ohai_time:[1 TO *]",
        "(a:b OR c:d) AND NOT (e:f g:h)",
        "+a:b -c:d",
        "x:{\"a b\" TO \\*}",
        "f:\\*literal*",
    ] {
        let parsed = parse(query).unwrap();
        let printed = parsed.to_string();
        assert_eq!(
            parse(&printed).unwrap(),
            parsed,
            "{query} printed as {printed}"
        );
    }
    assert_eq!(
        parse("a:b && c:d || !e:f").unwrap().to_string(),
        "(a:b AND c:d) OR NOT e:f"
    );
    assert_eq!(parse("f:(a OR b)").unwrap().to_string(), "f:a OR f:b");
    // As typed: a hyphen inside a word is a letter of it.
    assert_eq!(
        parse("recipes:omnibus-gitlab\\:\\:default")
            .unwrap()
            .to_string(),
        "recipes:omnibus-gitlab\\:\\:default"
    );
    assert_eq!(parse("name:\\-x-y").unwrap().to_string(), "name:\\-x-y");
}

fn pattern_text() -> impl Strategy<Value = String> + Clone {
    // Letters plus every character the grammar treats specially.
    let chars: Vec<char> = "abcXYZ019_.@/:*?()[]{}\"!+-^~&| \\".chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 1..8)
        .prop_map(|cs| cs.into_iter().collect())
}

fn pattern() -> impl Strategy<Value = galley::inventory::query::Pattern> + Clone {
    use galley::inventory::query::{Pattern, Piece};
    proptest::collection::vec(
        prop_oneof![
            6 => proptest::char::range('a', 'z').prop_map(Piece::Char),
            2 => proptest::sample::select(vec![':', '\\', '(', '[', '"', '-', '+', ' ', '*', '?', '/', '&', '!'])
                .prop_map(Piece::Char),
            1 => Just(Piece::Any),
            1 => Just(Piece::One),
        ],
        1..6,
    )
    .prop_map(Pattern)
}

fn leaf() -> impl Strategy<Value = Query> {
    use galley::inventory::query::{Bound, Pattern};
    let field = proptest::option::of(pattern());
    let bound = prop_oneof![Just(Bound::Open), pattern_text().prop_map(Bound::Value),];
    prop_oneof![
        Just(Query::All),
        (field.clone(), pattern()).prop_map(|(field, value)| Query::Term { field, value }),
        (field.clone(), pattern_text()).prop_map(|(field, text)| Query::Phrase { field, text }),
        (field, bound.clone(), bound, any::<bool>()).prop_map(|(field, low, high, inclusive)| Query::Range {
            field,
            low,
            high,
            inclusive
        }),
        // The words AND/OR/NOT/TO as values must survive printing.
        proptest::sample::select(vec!["AND", "OR", "NOT", "TO"]).prop_map(|w| Query::Term {
            field: Some(Pattern::literal("f")),
            value: Pattern::literal(w),
        }),
    ]
    .prop_filter("'*:*' is Query::All", |q| {
        !matches!(q, Query::Term { field: Some(f), value } if f.0 == [galley::inventory::query::Piece::Any] && value.0 == [galley::inventory::query::Piece::Any])
    })
}

fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|q| Query::Not(Box::new(q))),
            inner.clone().prop_map(|q| Query::Required(Box::new(q))),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::And),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::Or),
            proptest::collection::vec(inner, 2..4).prop_map(Query::Clauses),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// parse(print(tree)) == tree, for any tree.
    #[test]
    fn parse_print_parse_round_trips(tree in query()) {
        let printed = tree.to_string();
        let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{e}\nprinted: {printed}")))?;
        prop_assert_eq!(&reparsed, &tree, "printed: {}", printed);
    }
}
