//! Splits query text into tokens, each with the byte span it came from.

use super::{Pattern, Piece};
use crate::diagnostic::SyntaxError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Colon,
    And,
    Or,
    Not,
    Plus,
    Minus,
    /// A term; `raw` is the source text, to tell `TO` from `\TO`.
    Word {
        pattern: Pattern,
        raw: String,
    },
    Phrase(String),
}

impl Tok {
    /// How the token reads in a message.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::LBrace => "'{'".into(),
            Tok::RBrace => "'}'".into(),
            Tok::Colon => "':'".into(),
            Tok::And => "'AND'".into(),
            Tok::Or => "'OR'".into(),
            Tok::Not => "'NOT'".into(),
            Tok::Plus => "'+'".into(),
            Tok::Minus => "'-'".into(),
            Tok::Word { raw, .. } => format!("'{raw}'"),
            Tok::Phrase(_) => "a quoted phrase".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    /// Byte offset where the token starts.
    pub start: usize,
    /// Byte offset just past the token.
    pub end: usize,
}

/// Characters that end a term unless escaped.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || "()[]{}:\"^~!&|".contains(c)
}

pub(super) fn lex(input: &str) -> Result<Vec<Token>, SyntaxError> {
    let err = |offset: usize, message: String| SyntaxError::new("query", input, offset, message);
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            '{' => Some(Tok::LBrace),
            '}' => Some(Tok::RBrace),
            ':' => Some(Tok::Colon),
            '!' => Some(Tok::Not),
            '+' => Some(Tok::Plus),
            '-' => Some(Tok::Minus),
            _ => None,
        };
        if let Some(tok) = single {
            chars.next();
            tokens.push(Token {
                tok,
                start,
                end: start + 1,
            });
            continue;
        }
        match c {
            '&' | '|' => {
                chars.next();
                if chars.peek().map(|&(_, n)| n) != Some(c) {
                    let word = if c == '&' { "'&&' or 'AND'" } else { "'||' or 'OR'" };
                    return Err(err(start, format!("a lone '{c}' is not an operator: write {word}, or escape it as '\\{c}'")));
                }
                chars.next();
                let tok = if c == '&' { Tok::And } else { Tok::Or };
                tokens.push(Token {
                    tok,
                    start,
                    end: start + 2,
                });
            }
            '^' => {
                return Err(err(
                    start,
                    "boosts ('^') rank results and do not select nodes: remove it, or escape it as '\\^'".into(),
                ))
            }
            '~' => {
                return Err(err(
                    start,
                    "fuzzy terms ('~') are not supported: spell the value out or use wildcards, or escape it as '\\~'".into(),
                ))
            }
            '"' => {
                chars.next();
                let mut text = String::new();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    match c {
                        '"' => {
                            end = Some(i + 1);
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, escaped)) => text.push(escaped),
                            None => break,
                        },
                        other => text.push(other),
                    }
                }
                let Some(end) = end else {
                    return Err(err(
                        start,
                        "unterminated quoted phrase: expected a closing '\"'".into(),
                    ));
                };
                tokens.push(Token {
                    tok: Tok::Phrase(text),
                    start,
                    end,
                });
            }
            _ => {
                let mut pieces = Vec::new();
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if ends_word(c) {
                        break;
                    }
                    chars.next();
                    end = i + c.len_utf8();
                    match c {
                        '\\' => match chars.next() {
                            Some((j, escaped)) => {
                                pieces.push(Piece::Char(escaped));
                                end = j + escaped.len_utf8();
                            }
                            None => {
                                return Err(err(
                                    i,
                                    "a backslash at the end escapes nothing: remove it, or write '\\\\'"
                                        .into(),
                                ))
                            }
                        },
                        '*' => pieces.push(Piece::Any),
                        '?' => pieces.push(Piece::One),
                        other => pieces.push(Piece::Char(other)),
                    }
                }
                let raw = &input[start..end];
                let tok = match raw {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    "NOT" => Tok::Not,
                    _ => Tok::Word {
                        pattern: Pattern(pieces),
                        raw: raw.to_string(),
                    },
                };
                tokens.push(Token { tok, start, end });
            }
        }
    }
    Ok(tokens)
}
