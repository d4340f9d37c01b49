//! `*` and `?` wildcard matching: the one matcher behind Chef search terms
//! (over characters, `src/inventory/query`) and OpenSSH's host patterns
//! (over bytes, `src/ssh/config/pattern.rs`). Each caller says what its
//! pattern's positions are and when a literal matches; the walk is here.

/// What one position of a pattern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wild {
    /// `*`: any run of the text, also none.
    Any,
    /// `?`: exactly one position of the text.
    One,
    /// Itself: `same` says whether it matches the text's position.
    Literal,
}

/// Whether `text` matches `pattern` (`*` and `?` wild, every other
/// character itself), character by character.
pub(crate) fn matches_text(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    matches(
        pattern.len(),
        text.len(),
        |p| match pattern[p] {
            '*' => Wild::Any,
            '?' => Wild::One,
            _ => Wild::Literal,
        },
        |p, t| pattern[p] == text[t],
    )
}

/// Whether a pattern of `pattern_len` positions (each `kind(p)`) matches a
/// text of `text_len` positions, a literal at `p` matching the text at `t`
/// when `same(p, t)`. Iterative, with one backtrack point per `*` (the
/// classic two-pointer walk): O(pattern x text) at worst, no recursion.
pub(crate) fn matches(
    pattern_len: usize,
    text_len: usize,
    kind: impl Fn(usize) -> Wild,
    same: impl Fn(usize, usize) -> bool,
) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text_len {
        let here = (p < pattern_len).then(|| kind(p));
        match here {
            Some(Wild::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Wild::One) => {
                p += 1;
                t += 1;
            }
            Some(Wild::Literal) if same(p, t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    (p..pattern_len).all(|p| kind(p) == Wild::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str, text: &str) -> bool {
        let (p, t) = (pattern.as_bytes(), text.as_bytes());
        let kind = |i: usize| match p[i] {
            b'*' => Wild::Any,
            b'?' => Wild::One,
            _ => Wild::Literal,
        };
        matches(p.len(), t.len(), kind, |i, j| p[i] == t[j])
    }

    #[test]
    fn stars_and_marks_match_as_globs_do() {
        assert!(glob("web-*", "web-01"));
        assert!(glob("*-01", "web-01"));
        assert!(glob("w?b*1", "web-01"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("web-?", "web-01"));
        assert!(!glob("a*b", "aXc"));
        assert!(!glob("", "x"));
        assert!(glob("**a", "bba"), "a star after a star changes nothing");
    }
}
