//! Recursive-descent parser from tokens to [`Query`].
//!
//! Precedence, loosest first: clauses side by side, `OR`, `AND`, the unary
//! `NOT`/`!`/`-`/`+`, then terms and groups. This is what Lucene users expect
//! (`a OR b AND c` is `a OR (b AND c)`), and it is how Chef Server's grammar
//! nests its boolean operators.

use super::lexer::{lex, Tok, Token};
use super::{Bound, Pattern, Query};
use crate::diagnostic::SyntaxError;

/// Parses Chef search syntax. Errors point at the column that went wrong.
pub fn parse(input: &str) -> Result<Query, SyntaxError> {
    parse_tracked(input).map(|(query, _)| query)
}

/// Parses a query that selects nodes to act on. One bare word (`web`) is
/// knife's shorthand, searched in tags, roles, fqdn, addresses and
/// policies (see [`Query::fuzzify`]). A word without a field beside other
/// terms is refused: it would match any attribute of any node, and it is
/// most often a word meant for a flag (`--restart unicorn nginx`) that
/// widened the selection unseen.
pub fn parse_selection(input: &str) -> Result<Query, SyntaxError> {
    let (query, bare) = parse_tracked(input)?;
    if let Query::Term { field: None, .. } = query {
        return Ok(query.fuzzify());
    }
    match bare.first() {
        None => Ok(query),
        Some(&(start, end)) => {
            let word = &input[start..end];
            Err(SyntaxError::new(
                "query",
                input,
                start,
                format!(
                    "`{word}` has no field: beside other terms a bare word would match any attribute of any node; write field:value (such as name:{word}), or quote a value that has spaces"
                ),
            ))
        }
    }
}

/// The query, and where each term without a field is (start, end).
fn parse_tracked(input: &str) -> Result<(Query, Vec<(usize, usize)>), SyntaxError> {
    let tokens = lex(input)?;
    let mut parser = Parser {
        input,
        tokens,
        pos: 0,
        bare: Vec::new(),
    };
    if parser.tokens.is_empty() {
        return Err(parser.error_at(0, "the query is empty: use '*:*' to select every node"));
    }
    let query = parser.clauses(None)?;
    if let Some(token) = parser.peek_token() {
        let token = token.clone();
        return Err(match token.tok {
            Tok::RParen => parser.error_at(
                token.start,
                "unbalanced parenthesis: this ')' has no matching '('",
            ),
            _ => parser.error_at(token.start, format!("unexpected {}", token.tok.describe())),
        });
    }
    Ok((query, parser.bare))
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    /// Terms without a field, as (start, end).
    bare: Vec<(usize, usize)>,
}

impl Parser<'_> {
    fn error_at(&self, offset: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError::new("query", self.input, offset, message)
    }

    fn peek_token(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek(&self) -> Option<&Tok> {
        self.peek_token().map(|t| &t.tok)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    /// Where the next token starts, or the end of the input.
    fn here(&self) -> usize {
        self.peek_token().map_or(self.input.len(), |t| t.start)
    }

    /// Clauses side by side, up to the end or a closing parenthesis.
    fn clauses(&mut self, field: Option<&Pattern>) -> Result<Query, SyntaxError> {
        let mut items = Vec::new();
        while let Some(tok) = self.peek() {
            match tok {
                Tok::RParen => break,
                Tok::And | Tok::Or => {
                    let token = self.peek_token().unwrap();
                    return Err(self.error_at(
                        token.start,
                        format!("{} needs a term on its left", token.tok.describe()),
                    ));
                }
                _ => items.push(self.or(field)?),
            }
        }
        match items.len() {
            0 => Err(self.error_at(self.here(), "expected a term")),
            1 => Ok(items.pop().unwrap()),
            _ => Ok(Query::Clauses(items)),
        }
    }

    fn or(&mut self, field: Option<&Pattern>) -> Result<Query, SyntaxError> {
        let mut items = vec![self.and(field)?];
        while self.peek() == Some(&Tok::Or) {
            let op = self.next().unwrap();
            self.expect_operand(&op)?;
            items.push(self.and(field)?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap()
        } else {
            Query::Or(items)
        })
    }

    fn and(&mut self, field: Option<&Pattern>) -> Result<Query, SyntaxError> {
        let mut items = vec![self.unary(field)?];
        while self.peek() == Some(&Tok::And) {
            let op = self.next().unwrap();
            self.expect_operand(&op)?;
            items.push(self.unary(field)?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap()
        } else {
            Query::And(items)
        })
    }

    /// After an operator, something must follow that can start a term.
    fn expect_operand(&self, op: &Token) -> Result<(), SyntaxError> {
        match self.peek() {
            None | Some(Tok::RParen | Tok::And | Tok::Or) => Err(self.error_at(
                op.start,
                format!("{} needs a term on its right", op.tok.describe()),
            )),
            _ => Ok(()),
        }
    }

    fn unary(&mut self, field: Option<&Pattern>) -> Result<Query, SyntaxError> {
        match self.peek() {
            Some(Tok::Not | Tok::Minus | Tok::Plus) => {
                let op = self.next().unwrap();
                self.expect_operand(&op)?;
                let inner = Box::new(self.unary(field)?);
                Ok(match op.tok {
                    Tok::Plus => Query::Required(inner),
                    _ => Query::Not(inner),
                })
            }
            _ => self.primary(field),
        }
    }

    fn primary(&mut self, field: Option<&Pattern>) -> Result<Query, SyntaxError> {
        let token = self
            .next()
            .ok_or_else(|| self.error_at(self.input.len(), "expected a term"))?;
        let fieldless = field.is_none()
            && match token.tok {
                Tok::Word { .. } => self.peek() != Some(&Tok::Colon),
                Tok::Phrase(_) | Tok::LBracket | Tok::LBrace => true,
                _ => false,
            };
        if fieldless {
            self.bare.push((token.start, token.end));
        }
        match token.tok {
            Tok::LParen => self.group(&token, field),
            Tok::Word { pattern, .. } if self.peek() == Some(&Tok::Colon) => {
                let colon = self.next().unwrap();
                if field.is_some() {
                    return Err(self.error_at(
                        token.start,
                        "a field inside a field group: write 'f:(a OR b)' with plain values, or move this term out of the group",
                    ));
                }
                self.value(pattern, &colon)
            }
            Tok::Word { pattern, .. } => Ok(Query::Term {
                field: field.cloned(),
                value: pattern,
            }),
            Tok::Phrase(text) => Ok(Query::Phrase {
                field: field.cloned(),
                text,
            }),
            Tok::LBracket | Tok::LBrace => self.range(field.cloned(), &token),
            Tok::Colon => Err(self.error_at(
                token.start,
                "expected a field name before ':' (inside a value, escape colons: 'omnibus-gitlab\\:\\:default', and single-quote the query so the shell keeps the backslashes)",
            )),
            Tok::RParen => Err(self.error_at(
                token.start,
                "unbalanced parenthesis: this ')' has no matching '('",
            )),
            other => Err(self.error_at(
                token.start,
                format!("expected a term, found {}", other.describe()),
            )),
        }
    }

    /// After `(`: clauses, then the matching `)`.
    fn group(&mut self, open: &Token, field: Option<&Pattern>) -> Result<Query, SyntaxError> {
        if self.peek() == Some(&Tok::RParen) {
            return Err(self.error_at(open.start, "empty parentheses: expected a term inside"));
        }
        let inner = self.clauses(field)?;
        match self.next() {
            Some(Token {
                tok: Tok::RParen, ..
            }) => Ok(inner),
            _ => Err(self.error_at(
                open.start,
                "unbalanced parenthesis: this '(' is never closed (expected ')')",
            )),
        }
    }

    /// What follows `field:`.
    fn value(&mut self, field: Pattern, colon: &Token) -> Result<Query, SyntaxError> {
        let Some(token) = self.next() else {
            return Err(self.error_at(
                colon.end,
                format!("expected a value after '{}:'", field.plain()),
            ));
        };
        match token.tok {
            Tok::Word { pattern, .. } => {
                if field.is_single_star() && pattern.is_single_star() {
                    Ok(Query::All)
                } else {
                    Ok(Query::Term {
                        field: Some(field),
                        value: pattern,
                    })
                }
            }
            Tok::Phrase(text) => Ok(Query::Phrase {
                field: Some(field),
                text,
            }),
            Tok::LParen => self.group(&token, Some(&field)),
            Tok::LBracket | Tok::LBrace => self.range(Some(field), &token),
            other => Err(self.error_at(
                token.start,
                format!(
                    "expected a value after '{}:', found {}",
                    field.plain(),
                    other.describe()
                ),
            )),
        }
    }

    /// After `[` or `{`: `low TO high` and the matching bracket.
    fn range(&mut self, field: Option<Pattern>, open: &Token) -> Result<Query, SyntaxError> {
        let inclusive = open.tok == Tok::LBracket;
        let (close, close_char) = if inclusive {
            (Tok::RBracket, ']')
        } else {
            (Tok::RBrace, '}')
        };
        let open_char = if inclusive { '[' } else { '{' };
        let low = self.bound("a lower bound", open)?;
        match self.next() {
            Some(Token {
                tok: Tok::Word { raw, .. },
                ..
            }) if raw == "TO" => {}
            found => {
                return Err(self.error_at(
                    found.map_or(self.input.len(), |t| t.start),
                    "bad range: expected 'TO' between the bounds, as in '[a TO b]'",
                ))
            }
        }
        let to = self.tokens[self.pos - 1].clone();
        let high = self.bound("an upper bound", &to)?;
        match self.next() {
            Some(token) if token.tok == close => {}
            found => {
                return Err(self.error_at(
                    found.map_or(self.input.len(), |t| t.start),
                    format!("bad range: expected '{close_char}' to close the range opened with '{open_char}'"),
                ))
            }
        }
        Ok(Query::Range {
            field,
            low,
            high,
            inclusive,
        })
    }

    fn bound(&mut self, what: &str, after: &Token) -> Result<Bound, SyntaxError> {
        let token = self.next();
        match token.map(|t| (t.start, t.tok)) {
            Some((_, Tok::Word { pattern, .. })) if pattern.is_single_star() => Ok(Bound::Open),
            Some((start, Tok::Word { pattern, .. })) => {
                if pattern.has_wildcards() {
                    return Err(self.error_at(
                        start,
                        "bad range: wildcards are not allowed in a bound (a lone '*' means no limit)",
                    ));
                }
                Ok(Bound::Value(pattern.plain()))
            }
            Some((_, Tok::Phrase(text))) => Ok(Bound::Value(text)),
            Some((start, _)) => Err(self.error_at(start, format!("bad range: expected {what}"))),
            None => Err(self.error_at(after.end, format!("bad range: expected {what}"))),
        }
    }
}
