//! Evaluates a [`Query`] against nodes, with Chef Server's matching rules.
//!
//! Chef Server (`chef_index_expand.erl`) writes each flattened pair as the
//! text `field__=__value` into one `content` field, which its search index
//! splits on whitespace and never lower-cases; a query `field:term` becomes
//! `content:field__=__term` (`chef_lucene.peg`), and wildcard terms are not
//! lower-cased either (`lowercase_expanded_terms: false`). So:
//! - values and field names are case-sensitive (`platform:Debian` does not
//!   find `debian`; `memory_directmap_2m` is not the key `2M`);
//! - a term matches the first word of a value only, the text up to its first
//!   whitespace: `lsb_description:Debian` finds "Debian GNU/Linux 12",
//!   `lsb_description:GNU/Linux` does not, nor does `model_name:EPYC` find
//!   "AMD EPYC 7B13" (the later words carry no field);
//! - `*` is any run of characters within that word, `?` exactly one;
//!   `fqdn:web-01` does not find `web-01.example.com` (write `web-01*`);
//! - a phrase matches the value's words from its first: `lsb_description:
//!   "Debian GNU/Linux"` finds "Debian GNU/Linux 12";
//! - ranges compare the first word as a string, as Chef Server does
//!   (`ohai_time:[1700000000 TO *]` works because the numbers have the same
//!   number of digits).
//!
//! [`Case::Ignore`] (`--ignore-case`) is galley's own, never the default: it
//! compares ASCII letters regardless of case, which no Chef server does.
//!
//! [`Matcher`] compiles the query once; each node is then walked once, its
//! index pairs tested against the query's terms, and the boolean expression
//! evaluated over which terms hit.

use super::{Bound, Pattern, Piece, Query};
use crate::inventory::flatten::{self, Fields};
use crate::inventory::node::Node;

/// How letters compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Case {
    /// As Chef Server: `Debian` is not `debian`.
    #[default]
    Sensitive,
    /// galley's opt-in (`--ignore-case`): ASCII letters of either case are
    /// the same, in field names and values.
    Ignore,
}

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
    /// The phrase's words, the value's first words (see [`Words`]).
    Phrase(Vec<String>, Case),
    Range {
        low: Option<String>,
        high: Option<String>,
        inclusive: bool,
        case: Case,
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
    /// The query as Chef Server matches it.
    pub fn new(query: &Query) -> Matcher {
        Matcher::with_case(query, Case::Sensitive)
    }

    pub fn with_case(query: &Query, case: Case) -> Matcher {
        let mut terms = Vec::new();
        let expr = compile(query, case, &mut terms);
        // Exact field names let the walk skip the rest of each node; when
        // case is ignored, a name may be spelt any way, so all is walked.
        let fields = terms
            .iter()
            .map(|t| match &t.field {
                Some(Glob::Exact(name, Case::Sensitive)) => Some(name.clone()),
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

fn compile(query: &Query, case: Case, terms: &mut Vec<Term>) -> Expr {
    let mut term = |field: &Option<Pattern>, test: Test| {
        terms.push(Term {
            field: field.as_ref().map(|f| Glob::new(f, case)),
            test,
        });
        Expr::Term(terms.len() - 1)
    };
    match query {
        Query::All => Expr::All,
        Query::Term { field, value } => term(field, Test::Glob(Glob::new(value, case))),
        Query::Phrase { field, text } => term(
            field,
            Test::Phrase(Words::of(text).map(str::to_string).collect(), case),
        ),
        Query::Range {
            field,
            low,
            high,
            inclusive,
        } => {
            let bound = |b: &Bound| match b {
                Bound::Open => None,
                Bound::Value(v) if case == Case::Ignore => Some(v.to_ascii_lowercase()),
                Bound::Value(v) => Some(v.clone()),
            };
            term(
                field,
                Test::Range {
                    low: bound(low),
                    high: bound(high),
                    inclusive: *inclusive,
                    case,
                },
            )
        }
        Query::Not(inner) => Expr::Not(Box::new(compile(inner, case, terms))),
        Query::Required(inner) => compile(inner, case, terms),
        Query::And(items) => Expr::And(items.iter().map(|q| compile(q, case, terms)).collect()),
        Query::Or(items) => Expr::Or(items.iter().map(|q| compile(q, case, terms)).collect()),
        Query::Clauses(items) => {
            let (mut must, mut must_not, mut should) = (Vec::new(), Vec::new(), Vec::new());
            for item in items {
                match item {
                    Query::Required(inner) => must.push(compile(inner, case, terms)),
                    Query::Not(inner) => must_not.push(compile(inner, case, terms)),
                    other => should.push(compile(other, case, terms)),
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
            Test::Glob(glob) => glob.matches(first_word(value)),
            Test::Phrase(words, case) => {
                let same = |have: &str, want: &String| match case {
                    Case::Sensitive => have == want,
                    Case::Ignore => have.eq_ignore_ascii_case(want),
                };
                let mut have = Words::of(value);
                words
                    .iter()
                    .all(|want| have.next().is_some_and(|h| same(h, want)))
            }
            Test::Range {
                low,
                high,
                inclusive,
                case,
            } => {
                let lowered;
                let value = match case {
                    Case::Sensitive => first_word(value),
                    Case::Ignore => {
                        lowered = first_word(value).to_ascii_lowercase();
                        &lowered
                    }
                };
                let above = low.as_deref().is_none_or(|low| {
                    if *inclusive {
                        value >= low
                    } else {
                        value > low
                    }
                });
                let below = high.as_deref().is_none_or(|high| {
                    if *inclusive {
                        value <= high
                    } else {
                        value < high
                    }
                });
                above && below
            }
        }
    }
}

/// Whitespace as the search index's whitespace tokenizer sees it (Lucene's
/// `WhitespaceTokenizer`, Java's `Character.isWhitespace`): Unicode spaces
/// but not the non-breaking ones, and the ASCII separators 0x1C-0x1F.
pub(super) fn is_index_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{1c}'..='\u{1f}'
    ) || (c.is_whitespace() && !matches!(c, '\u{85}' | '\u{a0}' | '\u{2007}' | '\u{202f}'))
}

/// The part of a value its field is searchable by: the text before its
/// first whitespace (empty when the value starts with whitespace, as
/// `field__=__` then stands alone in the index).
pub(super) fn first_word(value: &str) -> &str {
    value.split(is_index_whitespace).next().unwrap_or("")
}

/// A value's words as the index has them: the first word (possibly empty),
/// then every later non-empty word.
struct Words<'a> {
    first: Option<&'a str>,
    rest: std::str::Split<'a, fn(char) -> bool>,
}

impl<'a> Words<'a> {
    fn of(value: &'a str) -> Words<'a> {
        let mut rest = value.split(is_index_whitespace as fn(char) -> bool);
        Words {
            first: rest.next(),
            rest,
        }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        self.rest.by_ref().find(|w| !w.is_empty())
    }
}

/// A term compiled for matching whole words.
#[derive(Debug, Clone)]
enum Glob {
    /// No wildcards (lowercased when case is ignored).
    Exact(String, Case),
    /// The pattern's pieces, characters lowercased when case is ignored.
    Wild(Vec<Piece>, Case),
}

impl Glob {
    fn new(pattern: &Pattern, case: Case) -> Glob {
        let fold = |c: char| match case {
            Case::Sensitive => c,
            Case::Ignore => c.to_ascii_lowercase(),
        };
        if !pattern.has_wildcards() {
            return Glob::Exact(pattern.plain().chars().map(fold).collect(), case);
        }
        let mut pieces = Vec::with_capacity(pattern.0.len());
        for piece in &pattern.0 {
            let next = match piece {
                Piece::Char(c) => Piece::Char(fold(*c)),
                other => other.clone(),
            };
            // `**` is `*`: collapsing keeps the matcher linear in practice.
            if !(next == Piece::Any && pieces.last() == Some(&Piece::Any)) {
                pieces.push(next);
            }
        }
        Glob::Wild(pieces, case)
    }

    fn matches(&self, text: &str) -> bool {
        match self {
            Glob::Exact(want, Case::Sensitive) => want == text,
            Glob::Exact(want, Case::Ignore) => want.eq_ignore_ascii_case(text),
            Glob::Wild(pieces, case) => wild_match(pieces, text, *case),
        }
    }
}

/// A whole word against the pattern's pieces ([`crate::wildcard`]).
fn wild_match(pieces: &[Piece], text: &str, case: Case) -> bool {
    use crate::wildcard::Wild;
    let chars: Vec<char> = text.chars().collect();
    let kind = |p: usize| match pieces[p] {
        Piece::Any => Wild::Any,
        Piece::One => Wild::One,
        Piece::Char(_) => Wild::Literal,
    };
    let same = |p: usize, t: usize| match pieces[p] {
        Piece::Char(c) => {
            c == chars[t] || (case == Case::Ignore && c == chars[t].to_ascii_lowercase())
        }
        _ => false,
    };
    crate::wildcard::matches(pieces.len(), chars.len(), kind, same)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(text: &str) -> Glob {
        glob_with(text, Case::Sensitive)
    }

    fn glob_with(text: &str, case: Case) -> Glob {
        let q = super::super::parse(&format!("f:{text}")).unwrap();
        match q {
            Query::Term { value, .. } => Glob::new(&value, case),
            other => panic!("not a term: {other:?}"),
        }
    }

    #[test]
    fn wildcards() {
        assert!(glob("web-*").matches("web-01.example.com"));
        assert!(glob("*.example.com").matches("web-01.example.com"));
        assert!(glob("w?b*").matches("web-01"));
        assert!(!glob("w?b*").matches("WEB-01"), "case counts");
        assert!(glob_with("w?b*", Case::Ignore).matches("WEB-01"));
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
    fn exact_terms_are_case_sensitive_unless_asked_and_match_whole_words() {
        assert!(!glob("Debian").matches("debian"));
        assert!(glob("Debian").matches("Debian"));
        assert!(glob_with("Debian", Case::Ignore).matches("debian"));
        assert!(!glob("web-01").matches("web-01.example.com"));
    }

    #[test]
    fn terms_match_the_first_word_of_a_value_only() {
        let term = |text: &str| Test::Glob(glob(text));
        assert!(term("Debian").matches("Debian GNU/Linux 12 (bookworm)"));
        assert!(!term("GNU/Linux").matches("Debian GNU/Linux 12 (bookworm)"));
        assert!(!term("EPYC").matches("AMD EPYC 7B13"));
        assert!(
            !term("*EPYC*").matches("AMD EPYC 7B13"),
            "* stays within the word"
        );
        assert!(term("#1").matches("#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1"));
        // A value that starts with whitespace is searchable by nothing
        // but the empty word.
        assert!(term("*").matches(" leading"));
        assert!(!term("leading").matches(" leading"));
        // Lucene's whitespace is Java's: a non-breaking space is not.
        assert_eq!(first_word("a\u{a0}b c"), "a\u{a0}b");
        assert!(term("a").matches("a\u{1f}b"));
    }

    #[test]
    fn phrases_match_from_the_first_word() {
        let phrase = |words: &[&str]| {
            Test::Phrase(
                words.iter().map(|w| w.to_string()).collect(),
                Case::Sensitive,
            )
        };
        assert!(phrase(&["Debian", "GNU/Linux"]).matches("Debian GNU/Linux 12 (bookworm)"));
        assert!(phrase(&["Debian", "GNU/Linux"]).matches("Debian  GNU/Linux"));
        assert!(!phrase(&["GNU/Linux", "12"]).matches("Debian GNU/Linux 12 (bookworm)"));
        assert!(!phrase(&["debian", "gnu/linux"]).matches("Debian GNU/Linux"));
        assert!(!phrase(&["Debian", "GNU/Linux", "12"]).matches("Debian GNU/Linux"));
    }

    #[test]
    fn ranges_compare_strings_with_open_ends() {
        let range = |low: Option<&str>, high: Option<&str>, inclusive| Test::Range {
            low: low.map(String::from),
            high: high.map(String::from),
            inclusive,
            case: Case::Sensitive,
        };
        assert!(range(Some("b"), Some("d"), true).matches("b"));
        assert!(!range(Some("b"), Some("d"), false).matches("b"));
        assert!(range(Some("b"), Some("d"), false).matches("c"));
        assert!(!range(Some("b"), Some("d"), false).matches("d"));
        assert!(range(None, Some("d"), true).matches("a"));
        assert!(range(Some("1700000000"), None, true).matches("1732550000.25"));
        // string comparison, as on Chef Server: "9" sorts after "10"
        assert!(!range(Some("9"), Some("10"), true).matches("9"));
        // the first word is what is compared; upper case sorts first
        assert!(range(Some("6.1"), Some("6.2"), true).matches("6.1.0 extra"));
        assert!(!range(Some("a"), Some("z"), true).matches("Debian"));
    }
}
