//! Host lists with ClusterShell-style ranges: `web-[01-12,15].example.com`,
//! `db[1-3]`, `rack[1-2]-node[1-4]`.
//!
//! [`expand`] turns what an operator typed into host names; [`fold`] turns
//! host names back into the short form, for summaries and reports
//! (`web-[01-10],db-03`), as `clush -b` does.

use std::collections::BTreeMap;

use crate::diagnostic::SyntaxError;

/// Ranges larger than this are surely a typo (`web[1-100000000]`).
const MAX_HOSTS: usize = 1_000_000;

/// Expands a host list: names separated by spaces or commas (commas inside
/// brackets separate ranges), each bracket a list of numbers and `a-b`
/// ranges. Zero-padding is kept: `[08-10]` gives `08 09 10`.
pub fn expand(input: &str) -> Result<Vec<String>, SyntaxError> {
    let mut hosts = Vec::new();
    let mut start = None;
    let mut depth_open = None;
    for (i, c) in input.char_indices() {
        match c {
            '[' if depth_open.is_none() => depth_open = Some(i),
            '[' => return Err(error(input, i, "nested '[' inside a range")),
            ']' if depth_open.is_some() => depth_open = None,
            ']' => return Err(error(input, i, "']' without an opening '['")),
            c if (c == ',' || c.is_whitespace()) && depth_open.is_none() => {
                if let Some(s) = start.take() {
                    expand_one(input, s, i, &mut hosts)?;
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(open) = depth_open {
        return Err(error(
            input,
            open,
            "this '[' is never closed (expected ']')",
        ));
    }
    if let Some(s) = start {
        expand_one(input, s, input.len(), &mut hosts)?;
    }
    if hosts.is_empty() {
        return Err(error(input, 0, "no host names"));
    }
    Ok(hosts)
}

fn error(input: &str, offset: usize, message: &str) -> SyntaxError {
    SyntaxError::new("host list", input, offset, message)
}

/// Expands one host pattern `input[start..end]` (no separators outside
/// brackets), appending the names.
fn expand_one(
    input: &str,
    start: usize,
    end: usize,
    out: &mut Vec<String>,
) -> Result<(), SyntaxError> {
    let mut names = vec![String::new()];
    let mut i = start;
    while i < end {
        let rest = &input[i..end];
        if let Some(body) = rest.strip_prefix('[') {
            let close = body.find(']').expect("brackets were balanced by expand") + 1;
            let values = expand_range(input, i + 1, i + close)?;
            if names.len().saturating_mul(values.len()) > MAX_HOSTS {
                return Err(error(
                    input,
                    i,
                    "this range gives more than a million hosts",
                ));
            }
            names = names
                .iter()
                .flat_map(|prefix| values.iter().map(move |v| format!("{prefix}{v}")))
                .collect();
            i += close + 1;
        } else {
            let next = rest.find('[').unwrap_or(rest.len());
            for name in &mut names {
                name.push_str(&rest[..next]);
            }
            i += next;
        }
    }
    out.extend(names);
    Ok(())
}

/// Expands the inside of one bracket, `input[start..end]`: `01-03,07`.
fn expand_range(input: &str, start: usize, end: usize) -> Result<Vec<String>, SyntaxError> {
    let mut values = Vec::new();
    let mut offset = start;
    for part in input[start..end].split(',') {
        let part_start = offset;
        offset += part.len() + 1;
        let part = part.trim();
        if part.is_empty() {
            return Err(error(
                input,
                part_start,
                "empty item in a range: expected a number or 'a-b'",
            ));
        }
        let (low, high) = part.split_once('-').unwrap_or((part, part));
        let number = |text: &str| -> Result<u64, SyntaxError> {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(error(
                    input,
                    part_start,
                    &format!("'{part}' is not a number or a range 'a-b' of numbers"),
                ));
            }
            text.parse()
                .map_err(|_| error(input, part_start, "number too large"))
        };
        let (from, to) = (number(low)?, number(high)?);
        if from > to {
            return Err(error(
                input,
                part_start,
                &format!("the range '{part}' runs backwards"),
            ));
        }
        if to - from >= MAX_HOSTS as u64 {
            return Err(error(
                input,
                part_start,
                "this range gives more than a million hosts",
            ));
        }
        // `01-10` pads to the width of the lower bound, as ClusterShell does.
        let width = if low.len() > 1 && low.starts_with('0') {
            low.len()
        } else {
            0
        };
        values.extend((from..=to).map(|n| format!("{n:0width$}")));
    }
    Ok(values)
}

/// Folds host names into the short form: hosts that differ only in their
/// last number share one bracket. Hosts come back sorted; the same list
/// always folds to the same text.
///
/// The text is for people: each name is shown escaped as a fleet value
/// (a name with a line feed or a bidirectional control in it cannot
/// forge a line).
pub fn fold<S: AsRef<str>>(hosts: &[S]) -> String {
    let shown: Vec<std::borrow::Cow<'_, str>> = hosts
        .iter()
        .map(|h| crate::terminal::escape_value(h.as_ref()))
        .collect();
    // (prefix, suffix) -> numbers as written; hosts without digits stand alone.
    let mut groups: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    let mut plain: Vec<&str> = Vec::new();
    for host in &shown {
        let host = host.as_ref();
        match last_number(host) {
            Some((s, e)) => groups
                .entry((&host[..s], &host[e..]))
                .or_default()
                .push(&host[s..e]),
            None => plain.push(host),
        }
    }
    let mut parts: Vec<(String, String)> = plain
        .iter()
        .map(|h| (h.to_string(), h.to_string()))
        .collect();
    for ((prefix, suffix), mut numbers) in groups {
        numbers.sort_by_key(|n| (n.len(), n.parse::<u64>().unwrap_or(u64::MAX)));
        numbers.dedup();
        let text = if numbers.len() == 1 {
            format!("{prefix}{}{suffix}", numbers[0])
        } else {
            format!("{prefix}[{}]{suffix}", fold_numbers(&numbers))
        };
        parts.push((format!("{prefix}{suffix}"), text));
    }
    parts.sort();
    parts.dedup();
    parts
        .into_iter()
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join(",")
}

/// Byte span of the last run of ASCII digits. (A digit is one byte, but
/// the character before the run may not be: the run starts after it.)
fn last_number(host: &str) -> Option<(usize, usize)> {
    let end = host.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = host[..end]
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(0, |(i, c)| i + c.len_utf8());
    Some((start, end))
}

/// `["01","02","03","07"]` -> `01-03,07`. Consecutive numbers join a run
/// when they have the same width (`09`, `10`) or neither is zero-padded
/// (`9`, `10`); `9` and `010` stay apart.
fn fold_numbers(numbers: &[&str]) -> String {
    let mut runs: Vec<(&str, &str)> = Vec::new();
    for n in numbers {
        if let Some(last) = runs.last_mut() {
            let (a, b) = (last.1.parse::<u64>().ok(), n.parse::<u64>().ok());
            let same_padding = last.1.len() == n.len() || (!padded(last.1) && !padded(n));
            if a.is_some() && a.map(|a| a + 1) == b && same_padding {
                last.1 = n;
                continue;
            }
        }
        runs.push((n, n));
    }
    runs.iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn padded(n: &str) -> bool {
    n.len() > 1 && n.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(input: &str) -> Vec<String> {
        expand(input).unwrap()
    }

    #[test]
    fn expands_ranges_lists_and_padding() {
        assert_eq!(
            hosts("web-[01-03,07]"),
            ["web-01", "web-02", "web-03", "web-07"]
        );
        assert_eq!(hosts("db[1-3]"), ["db1", "db2", "db3"]);
        assert_eq!(
            hosts("web-[08-10].example.com"),
            [
                "web-08.example.com",
                "web-09.example.com",
                "web-10.example.com"
            ]
        );
        assert_eq!(hosts("a, b c,,d"), ["a", "b", "c", "d"]);
        assert_eq!(hosts("r[1-2]-n[1-2]"), ["r1-n1", "r1-n2", "r2-n1", "r2-n2"]);
        assert_eq!(hosts("web-[01-12,15].example.com").len(), 13);
        assert_eq!(hosts("x[9-10]"), ["x9", "x10"]);
    }

    #[test]
    fn bad_ranges_point_at_the_column() {
        let err = expand("web-[03-01]").unwrap_err();
        assert_eq!(err.column(), 6);
        assert!(err.message.contains("backwards"));
        let err = expand("a,web-[01-03").unwrap_err();
        assert_eq!(err.column(), 7);
        assert!(err.message.contains("never closed"));
        assert_eq!(expand("web-[1,x]").unwrap_err().column(), 8);
        assert_eq!(expand("web-]").unwrap_err().column(), 5);
        assert_eq!(expand("web-[1,]").unwrap_err().column(), 8);
        assert!(expand(" , ").is_err());
        assert!(expand("w[0-99999999]")
            .unwrap_err()
            .message
            .contains("million"));
    }

    #[test]
    fn folds_back_to_the_short_form() {
        assert_eq!(
            fold(&["web-01", "web-02", "web-03", "web-07"]),
            "web-[01-03,07]"
        );
        assert_eq!(fold(&["db-03", "web-02", "web-01"]), "db-03,web-[01-02]");
        assert_eq!(fold(&["a.example.com", "b"]), "a.example.com,b");
        assert_eq!(
            fold(&["web-01.gprd.example.com", "web-02.gprd.example.com"]),
            "web-[01-02].gprd.example.com"
        );
        assert_eq!(fold(&["x9", "x10", "x11"]), "x[9-11]");
        assert_eq!(fold(&["x1", "x1"]), "x1");
        assert_eq!(fold::<&str>(&[]), "");
    }

    #[test]
    fn fold_inverts_expand() {
        for input in [
            "web-[01-03,07]",
            "db[1-3,5,9-12]",
            "web-[08-11].example.com",
            "n[1-4]-a",
        ] {
            assert_eq!(fold(&hosts(input)), input);
        }
        let many = hosts("web-[01-12,15].example.com,db[1-3]");
        assert_eq!(hosts(&fold(&many)).len(), many.len());
    }

    #[test]
    fn names_with_characters_of_several_bytes_fold_and_expand() {
        // Once a panic: the run of digits was taken to start inside `ü`.
        assert_eq!(fold(&["x-ü2", "x-ü3"]), "x-ü[2-3]");
        assert_eq!(hosts("x-ü[2-3]"), ["x-ü2", "x-ü3"]);
        assert_eq!(fold(&["café1"]), "café1");
    }

    proptest::proptest! {
        #[test]
        fn folding_and_expanding_never_panic(names in proptest::collection::vec(".{0,12}", 0..8), text in ".{0,40}") {
            let _ = fold(&names);
            let _ = expand(&text);
        }

        #[test]
        fn a_folded_list_expands_to_its_names(names in proptest::collection::btree_set("[a-zéü][a-zéü0-9.-]{0,6}[0-9]{0,3}", 1..8)) {
            let names: Vec<String> = names.into_iter().collect();
            let mut back = expand(&fold(&names)).unwrap();
            back.sort();
            back.dedup();
            proptest::prop_assert_eq!(back, names);
        }
    }
}
