//! Evaluates a [`Query`] against nodes, with Chef Server's matching rules.
//!
//! Chef Server indexes `field__=__value` tokens that Solr lowercases and splits
//! on whitespace, so:
//! - matching ignores ASCII case (`platform:Ubuntu` finds `ubuntu`);
//! - a term matches a whole value, or one whitespace-separated word of it
//!   (`description:GNU` finds "Debian GNU/Linux"), and never a part of a
//!   word (`fqdn:web-01` does not find `web-01.example.com`; write
//!   `fqdn:web-01*`);
//! - `*` is any run of characters, `?` exactly one;
//! - a phrase matches consecutive words;
//! - ranges compare strings, as Chef Server does (`ohai_time:[1700000000 TO *]`
//!   works because the numbers have the same number of digits).
//!
//! [`Matcher`] compiles the query once; each node is then walked once, its
//! index pairs tested against the query's terms, and the boolean expression
//! evaluated over which terms hit.

use super::{Bound, Pattern, Piece, Query};
use crate::inventory::flatten::{self, Fields};
use crate::inventory::node::Node;

/// A query compiled for repeated matching.
#[derive(Debug, Clone)]
pub struct Matcher {
    terms: Vec<Term>,
    expr: Expr,
    /// The fields the terms name, when all are exact names: the walk can
    /// then skip the rest of each node.
    fields: Option<Fields>,
}

#[derive(Debug, Clone)]
struct Term {
    field: Option<Glob>,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    Glob(Glob),
    /// Lowercased words, to be found consecutively.
    Phrase(Vec<String>),
    Range {
        low: Option<String>,
        high: Option<String>,
        inclusive: bool,
    },
}

#[derive(Debug, Clone)]
enum Expr {
    All,
    Term(usize),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Clauses {
        must: Vec<Expr>,
        must_not: Vec<Expr>,
        should: Vec<Expr>,
    },
}

impl Matcher {
    pub fn new(query: &Query) -> Matcher {
        let mut terms = Vec::new();
        let expr = compile(query, &mut terms);
        let fields = terms
            .iter()
            .map(|t| match &t.field {
                Some(Glob::Exact(name)) => Some(name.clone()),
                _ => None,
            })
            .collect::<Option<Vec<String>>>()
            .map(Fields::new);
        Matcher {
            terms,
            expr,
            fields,
        }
    }

    /// Whether the query selects this node.
    pub fn matches(&self, node: &Node) -> bool {
        if self.terms.is_empty() {
            return self.expr.eval(&[]);
        }
        // Most queries have a handful of terms: keep the hits on the stack.
        let mut stack = [false; 32];
        let mut heap = Vec::new();
        let hits: &mut [bool] = if self.terms.len() <= stack.len() {
            &mut stack[..self.terms.len()]
        } else {
            heap.resize(self.terms.len(), false);
            &mut heap
        };
        let mut pending = self.terms.len();
        flatten::walk_fields(node, self.fields.as_ref(), &mut |field, value, _kind| {
            if pending == 0 {
                return;
            }
            for (i, term) in self.terms.iter().enumerate() {
                if !hits[i] && term.field_matches(field) && term.test.matches(value) {
                    hits[i] = true;
                    pending -= 1;
                }
            }
        });
        self.expr.eval(hits)
    }
}

fn compile(query: &Query, terms: &mut Vec<Term>) -> Expr {
    let mut term = |field: &Option<Pattern>, test: Test| {
        terms.push(Term {
            field: field.as_ref().map(Glob::new),
            test,
        });
        Expr::Term(terms.len() - 1)
    };
    match query {
        Query::All => Expr::All,
        Query::Term { field, value } => term(field, Test::Glob(Glob::new(value))),
        Query::Phrase { field, text } => term(
            field,
            Test::Phrase(
                text.split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect(),
            ),
        ),
        Query::Range {
            field,
            low,
            high,
            inclusive,
        } => {
            let bound = |b: &Bound| match b {
                Bound::Open => None,
                Bound::Value(v) => Some(v.to_ascii_lowercase()),
            };
            term(
                field,
                Test::Range {
                    low: bound(low),
                    high: bound(high),
                    inclusive: *inclusive,
                },
            )
        }
        Query::Not(inner) => Expr::Not(Box::new(compile(inner, terms))),
        Query::Required(inner) => compile(inner, terms),
        Query::And(items) => Expr::And(items.iter().map(|q| compile(q, terms)).collect()),
        Query::Or(items) => Expr::Or(items.iter().map(|q| compile(q, terms)).collect()),
        Query::Clauses(items) => {
            let (mut must, mut must_not, mut should) = (Vec::new(), Vec::new(), Vec::new());
            for item in items {
                match item {
                    Query::Required(inner) => must.push(compile(inner, terms)),
                    Query::Not(inner) => must_not.push(compile(inner, terms)),
                    other => should.push(compile(other, terms)),
                }
            }
            Expr::Clauses {
                must,
                must_not,
                should,
            }
        }
    }
}

impl Expr {
    fn eval(&self, hits: &[bool]) -> bool {
        match self {
            Expr::All => true,
            Expr::Term(i) => hits[*i],
            Expr::Not(inner) => !inner.eval(hits),
            Expr::And(items) => items.iter().all(|e| e.eval(hits)),
            Expr::Or(items) => items.iter().any(|e| e.eval(hits)),
            Expr::Clauses {
                must,
                must_not,
                should,
            } => {
                must.iter().all(|e| e.eval(hits))
                    && !must_not.iter().any(|e| e.eval(hits))
                    && (!must.is_empty()
                        || should.is_empty()
                        || should.iter().any(|e| e.eval(hits)))
            }
        }
    }
}

impl Term {
    fn field_matches(&self, field: &str) -> bool {
        self.field.as_ref().is_none_or(|glob| glob.matches(field))
    }
}

impl Test {
    fn matches(&self, value: &str) -> bool {
        match self {
            Test::Glob(glob) => {
                glob.matches(value)
                    || (value.contains(char::is_whitespace)
                        && value.split_whitespace().any(|word| glob.matches(word)))
            }
            Test::Phrase(words) => {
                if words.is_empty() {
                    return value.trim().is_empty();
                }
                let value_words: Vec<&str> = value.split_whitespace().collect();
                value_words.windows(words.len()).any(|window| {
                    window
                        .iter()
                        .zip(words)
                        .all(|(have, want)| have.eq_ignore_ascii_case(want))
                })
            }
            Test::Range {
                low,
                high,
                inclusive,
            } => {
                let value = value.to_ascii_lowercase();
                let above = low.as_ref().is_none_or(|low| {
                    if *inclusive {
                        value.as_str() >= low.as_str()
                    } else {
                        value.as_str() > low.as_str()
                    }
                });
                let below = high.as_ref().is_none_or(|high| {
                    if *inclusive {
                        value.as_str() <= high.as_str()
                    } else {
                        value.as_str() < high.as_str()
                    }
                });
                above && below
            }
        }
    }
}

/// A term compiled for matching whole strings, ignoring ASCII case.
#[derive(Debug, Clone)]
enum Glob {
    /// No wildcards: lowercased text.
    Exact(String),
    Wild(Vec<GlobPiece>),
}

#[derive(Debug, Clone, PartialEq)]
enum GlobPiece {
    Char(char),
    Any,
    One,
}

impl Glob {
    fn new(pattern: &Pattern) -> Glob {
        if !pattern.has_wildcards() {
            return Glob::Exact(pattern.plain().to_ascii_lowercase());
        }
        let mut pieces = Vec::with_capacity(pattern.0.len());
        for piece in &pattern.0 {
            let next = match piece {
                Piece::Char(c) => GlobPiece::Char(c.to_ascii_lowercase()),
                Piece::Any => GlobPiece::Any,
                Piece::One => GlobPiece::One,
            };
            // `**` is `*`: collapsing keeps the matcher linear in practice.
            if !(next == GlobPiece::Any && pieces.last() == Some(&GlobPiece::Any)) {
                pieces.push(next);
            }
        }
        Glob::Wild(pieces)
    }

    fn matches(&self, text: &str) -> bool {
        match self {
            Glob::Exact(want) => want.eq_ignore_ascii_case(text),
            Glob::Wild(pieces) => wild_match(pieces, text),
        }
    }
}

/// Iterative wildcard matching with one backtrack point per `*` (the
/// classic two-pointer algorithm): O(pattern x text) at worst, no recursion.
fn wild_match(pieces: &[GlobPiece], text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < chars.len() {
        match pieces.get(p) {
            Some(GlobPiece::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(GlobPiece::One) => {
                p += 1;
                t += 1;
            }
            Some(GlobPiece::Char(c)) if *c == chars[t].to_ascii_lowercase() => {
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
    pieces[p..].iter().all(|piece| *piece == GlobPiece::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(text: &str) -> Glob {
        let q = super::super::parse(&format!("f:{text}")).unwrap();
        match q {
            Query::Term { value, .. } => Glob::new(&value),
            other => panic!("not a term: {other:?}"),
        }
    }

    #[test]
    fn wildcards() {
        assert!(glob("web-*").matches("web-01.example.com"));
        assert!(glob("*.example.com").matches("web-01.example.com"));
        assert!(glob("w?b*").matches("WEB-01"));
        assert!(!glob("w?b").matches("wb"));
        assert!(glob("*").matches(""));
        assert!(glob("a*b*c").matches("axxbyyc"));
        assert!(!glob("a*b*c").matches("axxbyy"));
        assert!(glob("\\*literal").matches("*literal"));
        assert!(!glob("\\*literal").matches("xliteral"));
        assert!(
            glob("caf?").matches("café"),
            "? is one character, not one byte"
        );
    }

    #[test]
    fn exact_terms_ignore_case_but_match_whole_values() {
        assert!(glob("Ubuntu").matches("ubuntu"));
        assert!(!glob("web-01").matches("web-01.example.com"));
    }

    #[test]
    fn terms_match_single_words_of_values_with_spaces() {
        let test = Test::Glob(glob("GNU/Linux"));
        assert!(test.matches("Debian GNU/Linux 12"));
        assert!(!test.matches("Debian-GNU/Linux"));
    }

    #[test]
    fn phrases_match_consecutive_words() {
        let test = Test::Phrase(vec!["gnu/linux".into(), "12".into()]);
        assert!(test.matches("Debian GNU/Linux 12 (bookworm)"));
        assert!(!test.matches("Debian 12 GNU/Linux"));
    }

    #[test]
    fn ranges_compare_strings_with_open_ends() {
        let range = |low: Option<&str>, high: Option<&str>, inclusive| Test::Range {
            low: low.map(String::from),
            high: high.map(String::from),
            inclusive,
        };
        assert!(range(Some("b"), Some("d"), true).matches("b"));
        assert!(!range(Some("b"), Some("d"), false).matches("b"));
        assert!(range(Some("b"), Some("d"), false).matches("c"));
        assert!(!range(Some("b"), Some("d"), false).matches("d"));
        assert!(range(None, Some("d"), true).matches("a"));
        assert!(range(Some("1700000000"), None, true).matches("1732550000.25"));
        // string comparison, as on Chef Server: "9" sorts after "10"
        assert!(!range(Some("9"), Some("10"), true).matches("9"));
    }
}
