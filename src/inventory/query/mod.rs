//! Chef search queries: the syntax tree, its parser and its printer.
//!
//! The grammar is Chef Server's (chef/chef-server
//! `src/oc_erchef/apps/chef_index/src/chef_lucene.peg`): `field:value`, quoted phrases, `*`/`?`
//! wildcards, `AND`/`&&`, `OR`/`||`, `NOT`/`!`/`-`, `+` (required), groups,
//! field groups `f:(a OR b)`, ranges `[a TO b]`/`{a TO b}`, backslash escapes
//! and `*:*`. Boosts (`^`) and fuzzy terms (`~`) are refused: they change
//! ranking or fuzziness, which a selection tool must not guess at.
//!
//! Printing a [`Query`] gives query text that parses back to the same tree,
//! which is what a Chef server client sends and what reports show.
//! Evaluation against nodes lives in [`eval`].

mod eval;
mod lexer;
mod parser;

use std::fmt;

pub use eval::{Case, Matcher};
pub use parser::{parse, parse_selection};

/// One character position of a term: a literal character or a wildcard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Char(char),
    /// `*`: any run of characters, also none.
    Any,
    /// `?`: exactly one character.
    One,
}

/// A term as written, escapes resolved, wildcards kept apart from literal
/// `*` and `?` (written `\*`, `\?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(pub Vec<Piece>);

impl Pattern {
    /// A pattern with no wildcards.
    pub fn literal(text: &str) -> Pattern {
        Pattern(text.chars().map(Piece::Char).collect())
    }

    /// The pattern anywhere in a word: `*web*` from `web` (a `*` of its
    /// own is dropped, the ends are the stars).
    pub fn anywhere(self) -> Pattern {
        let mut pieces = vec![Piece::Any];
        pieces.extend(self.0.into_iter().filter(|p| *p != Piece::Any));
        pieces.push(Piece::Any);
        Pattern(pieces)
    }

    pub fn has_wildcards(&self) -> bool {
        self.0.iter().any(|p| !matches!(p, Piece::Char(_)))
    }

    /// The text with wildcards as `*`/`?`, escapes dropped (for messages).
    pub fn plain(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Char(c) => *c,
                Piece::Any => '*',
                Piece::One => '?',
            })
            .collect()
    }

    fn is_single_star(&self) -> bool {
        self.0 == [Piece::Any]
    }
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// `*`: no limit on this side.
    Open,
    Value(String),
}

/// A parsed Chef search query.
///
/// A field of `None` means "any field" (a bare term). Field groups
/// (`f:(a OR b)`) are parsed into their expanded form (`f:a OR f:b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `*:*`: every node.
    All,
    Term {
        field: Option<Pattern>,
        value: Pattern,
    },
    /// `field:"some words"`: the words in this order, wildcards literal.
    Phrase {
        field: Option<Pattern>,
        text: String,
    },
    /// `[low TO high]` (inclusive) or `{low TO high}` (exclusive). Values
    /// compare as strings, as on Chef Server.
    Range {
        field: Option<Pattern>,
        low: Bound,
        high: Bound,
        inclusive: bool,
    },
    /// `NOT x`, `!x`, `-x`.
    Not(Box<Query>),
    /// `+x`: in a list of clauses, x must match.
    Required(Box<Query>),
    /// `a AND b AND ...` (also `&&`).
    And(Vec<Query>),
    /// `a OR b OR ...` (also `||`).
    Or(Vec<Query>),
    /// Clauses written side by side (`a b -c +d`): Lucene's boolean query.
    /// `+` clauses must match, `NOT`/`-` clauses must not, and when no clause
    /// is required at least one of the others must match.
    Clauses(Vec<Query>),
}

/// Fields knife searches when a query is one bare word (knife's "fuzzy"
/// search, chef/chef lib/chef/search/query.rb `fuzzify_node_query`).
const FUZZY_FIELDS: [&str; 6] = [
    "tags",
    "roles",
    "fqdn",
    "addresses",
    "policy_name",
    "policy_group",
];

impl Query {
    /// knife's rule for a query that is one bare word, such as `web`: it
    /// becomes `tags:*web* OR roles:*web* OR fqdn:*web* OR addresses:*web*
    /// OR policy_name:*web* OR policy_group:*web*`. Any other query is
    /// returned unchanged.
    pub fn fuzzify(self) -> Query {
        match self {
            Query::Term { field: None, value } => {
                let value = value.anywhere();
                Query::Or(
                    FUZZY_FIELDS
                        .iter()
                        .map(|f| Query::Term {
                            field: Some(Pattern::literal(f)),
                            value: value.clone(),
                        })
                        .collect(),
                )
            }
            other => other,
        }
    }

    /// The fields the query names without wildcards, each with the value
    /// of its `field:value` term when that value has no wildcards, in the
    /// order written: what a "did you mean" can check against the nodes.
    pub fn named_fields(&self) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    fn collect_fields(&self, out: &mut Vec<(String, Option<String>)>) {
        let literal = |p: &Pattern| (!p.has_wildcards()).then(|| p.plain());
        let field = match self {
            Query::Term { field, value } => field
                .as_ref()
                .and_then(literal)
                .map(|f| (f, literal(value))),
            Query::Phrase { field, .. } | Query::Range { field, .. } => {
                field.as_ref().and_then(literal).map(|f| (f, None))
            }
            Query::Not(inner) | Query::Required(inner) => return inner.collect_fields(out),
            Query::And(items) | Query::Or(items) | Query::Clauses(items) => {
                return items.iter().for_each(|item| item.collect_fields(out))
            }
            Query::All => None,
        };
        out.extend(field.filter(|f| !out.contains(f)));
    }

    /// Whether the query joins several clauses, so that it needs
    /// parentheses inside another one. Unary operators bind tightest and
    /// need none.
    fn joins_clauses(&self) -> bool {
        matches!(self, Query::And(_) | Query::Or(_) | Query::Clauses(_))
    }
}

/// Characters that must be escaped inside a term to be read literally:
/// `-` and `+` only where they would start the term (inside a word they are
/// its letters: `omnibus-gitlab`).
fn needs_escape(c: char, first: bool) -> bool {
    c.is_whitespace() || "\\!(){}[]^\"~*?:&|/".contains(c) || (first && (c == '-' || c == '+'))
}

fn write_pattern(f: &mut fmt::Formatter<'_>, pattern: &Pattern) -> fmt::Result {
    let plain = pattern.plain();
    // A term spelled like an operator must not be read as one.
    let keyword = matches!(plain.as_str(), "AND" | "OR" | "NOT" | "TO") && !pattern.has_wildcards();
    for (i, piece) in pattern.0.iter().enumerate() {
        match piece {
            Piece::Any => f.write_str("*")?,
            Piece::One => f.write_str("?")?,
            Piece::Char(c) if needs_escape(*c, i == 0) || (keyword && i == 0) => {
                write!(f, "\\{c}")?
            }
            Piece::Char(c) => write!(f, "{c}")?,
        }
    }
    Ok(())
}

fn write_phrase(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

fn write_field(f: &mut fmt::Formatter<'_>, field: &Option<Pattern>) -> fmt::Result {
    if let Some(field) = field {
        write_pattern(f, field)?;
        f.write_str(":")?;
    }
    Ok(())
}

fn write_bound(f: &mut fmt::Formatter<'_>, bound: &Bound) -> fmt::Result {
    match bound {
        Bound::Open => f.write_str("*"),
        Bound::Value(v) if v.is_empty() || v.chars().any(char::is_whitespace) => write_phrase(f, v),
        Bound::Value(v) => write_pattern(f, &Pattern::literal(v)),
    }
}

/// Prints a child of a compound query, in parentheses when it joins
/// clauses itself, so that the printed text parses back to the same tree.
fn write_child(f: &mut fmt::Formatter<'_>, child: &Query) -> fmt::Result {
    if child.joins_clauses() {
        write!(f, "({child})")
    } else {
        write!(f, "{child}")
    }
}

fn write_joined(f: &mut fmt::Formatter<'_>, items: &[Query], separator: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write_child(f, item)?;
    }
    Ok(())
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::All => f.write_str("*:*"),
            Query::Term { field, value } => {
                write_field(f, field)?;
                write_pattern(f, value)
            }
            Query::Phrase { field, text } => {
                write_field(f, field)?;
                write_phrase(f, text)
            }
            Query::Range {
                field,
                low,
                high,
                inclusive,
            } => {
                write_field(f, field)?;
                f.write_str(if *inclusive { "[" } else { "{" })?;
                write_bound(f, low)?;
                f.write_str(" TO ")?;
                write_bound(f, high)?;
                f.write_str(if *inclusive { "]" } else { "}" })
            }
            Query::Not(inner) => {
                f.write_str("NOT ")?;
                write_child(f, inner)
            }
            Query::Required(inner) => {
                f.write_str("+")?;
                write_child(f, inner)
            }
            Query::And(items) => write_joined(f, items, " AND "),
            Query::Or(items) => write_joined(f, items, " OR "),
            Query::Clauses(items) => write_joined(f, items, " "),
        }
    }
}
