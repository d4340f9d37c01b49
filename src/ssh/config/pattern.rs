//! OpenSSH's pattern matching (match.c): `*` and `?` over bytes, case
//! sensitive; comma-separated lists where a `!` pattern that matches
//! vetoes the list; and glob(3)'s file name patterns for `Include`.

/// `match_pattern`: `*` any bytes, `?` one byte, everything else itself.
pub(crate) fn matches(text: &str, pattern: &str) -> bool {
    wildcard(text.as_bytes(), pattern.as_bytes())
}

fn wildcard(text: &[u8], pattern: &[u8]) -> bool {
    use crate::wildcard::Wild;
    let kind = |p: usize| match pattern[p] {
        b'*' => Wild::Any,
        b'?' => Wild::One,
        _ => Wild::Literal,
    };
    crate::wildcard::matches(pattern.len(), text.len(), kind, |p, t| {
        pattern[p] == text[t]
    })
}

/// `Host` line: some pattern matches and no negated one does
/// (readconf.c's oHost, case sensitive).
pub(crate) fn host_line(patterns: &[String], host: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        match pattern.strip_prefix('!') {
            Some(negated) if matches(host, negated) => return false,
            Some(_) => {}
            None if matches(host, pattern) => matched = true,
            None => {}
        }
    }
    matched
}

/// `match_pattern_list(text, list, dolower)`: the list is comma-separated;
/// a matching `!pattern` vetoes it. `dolower` lowercases the patterns.
pub(crate) fn list(text: &str, list: &str, dolower: bool) -> bool {
    let mut matched = false;
    for pattern in list.split(',') {
        let pattern = if dolower {
            pattern.to_ascii_lowercase()
        } else {
            pattern.to_string()
        };
        match pattern.strip_prefix('!') {
            Some(negated) if matches(text, negated) => return false,
            Some(_) => {}
            None if matches(text, &pattern) => matched = true,
            None => {}
        }
    }
    matched
}

/// `match_hostname`: the host name lowercased against a lowercased list.
pub(crate) fn hostname(host: &str, patterns: &str) -> bool {
    list(&host.to_ascii_lowercase(), patterns, true)
}

/// A file name against one glob(3) path component: `*`, `?` and `[...]`
/// classes (`[a-z]`, `[!x]`).
pub(crate) fn glob_file(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    glob_chars(&p, &n)
}

fn glob_chars(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).any(|skip| glob_chars(&p[1..], &n[skip..])),
        Some('?') => !n.is_empty() && glob_chars(&p[1..], &n[1..]),
        Some('[') => {
            let Some(close) = p.iter().skip(2).position(|&c| c == ']').map(|i| i + 2) else {
                return n.first() == Some(&'[') && glob_chars(&p[1..], &n[1..]);
            };
            let Some(&c) = n.first() else { return false };
            let class = &p[1..close];
            let (negated, class) = match class.first() {
                Some('!' | '^') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    hit |= class[i] <= c && c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negated && glob_chars(&p[close + 1..], &n[1..])
        }
        Some(&c) => n.first() == Some(&c) && glob_chars(&p[1..], &n[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_case() {
        assert!(matches("web-01.gprd", "web-*.gprd"));
        assert!(matches("web-01", "web-0?"));
        assert!(
            !matches("WEB-01", "web-*"),
            "Host patterns are case sensitive"
        );
        assert!(matches("", "*"));
        assert!(!matches("a", ""));
        assert!(matches("abcabc", "*abc"));
    }

    #[test]
    fn negation_vetoes() {
        let p = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(host_line(&p("*.gprd !bastion.gprd"), "web.gprd"));
        assert!(!host_line(&p("*.gprd !bastion.gprd"), "bastion.gprd"));
        assert!(
            !host_line(&p("!a"), "b"),
            "a negation alone matches nothing"
        );
        assert!(list("web", "db,w*", false));
        assert!(!list("web", "*,!web", false));
        assert!(hostname("WEB.Example", "*.EXAMPLE"));
    }

    #[test]
    fn file_globs() {
        assert!(glob_file("*.conf", "10-a.conf"));
        assert!(!glob_file("*.conf", "10-a.conf~"));
        assert!(glob_file("[0-9]*", "5x"));
        assert!(!glob_file("[!0-9]*", "5x"));
    }
}
