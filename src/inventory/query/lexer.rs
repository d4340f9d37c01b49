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
        let token = match (single(c), c) {
            (Some(tok), _) => {
                chars.next();
                Token {
                    tok,
                    start,
                    end: start + 1,
                }
            }
            (None, '&' | '|') => doubled(&mut chars, start, c).map_err(|m| err(start, m))?,
            (None, '^') => return Err(err(start, BOOST.into())),
            (None, '~') => return Err(err(start, FUZZY.into())),
            (None, '"') => phrase(&mut chars, start).map_err(|m| err(start, m))?,
            (None, _) => word(input, &mut chars, start).map_err(|(at, m)| err(at, m))?,
        };
        tokens.push(token);
    }
    Ok(tokens)
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

const BOOST: &str =
    "boosts ('^') rank results and do not select nodes: remove it, or escape it as '\\^'";
const FUZZY: &str = "fuzzy terms ('~') are not supported: spell the value out or use wildcards, or escape it as '\\~'";

/// The one-character tokens.
fn single(c: char) -> Option<Tok> {
    match c {
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
    }
}

/// `&&` or `||`, at `start`; a lone `&` or `|` is an error.
fn doubled(chars: &mut Chars, start: usize, c: char) -> Result<Token, String> {
    chars.next();
    if chars.peek().map(|&(_, n)| n) != Some(c) {
        let word = if c == '&' {
            "'&&' or 'AND'"
        } else {
            "'||' or 'OR'"
        };
        return Err(format!(
            "a lone '{c}' is not an operator: write {word}, or escape it as '\\{c}'"
        ));
    }
    chars.next();
    let tok = if c == '&' { Tok::And } else { Tok::Or };
    Ok(Token {
        tok,
        start,
        end: start + 2,
    })
}

/// A quoted phrase from its opening `"` at `start`, escapes taken.
fn phrase(chars: &mut Chars, start: usize) -> Result<Token, String> {
    chars.next();
    let mut text = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                return Ok(Token {
                    tok: Tok::Phrase(text),
                    start,
                    end: i + 1,
                })
            }
            '\\' => match chars.next() {
                Some((_, escaped)) => text.push(escaped),
                None => break,
            },
            other => text.push(other),
        }
    }
    Err("unterminated quoted phrase: expected a closing '\"'".into())
}

/// A word from `start` to the next character that ends one: an operator
/// (`AND`, `OR`, `NOT`) or a pattern with its escapes and wildcards. Err:
/// where the mistake is, and what it is.
fn word(input: &str, chars: &mut Chars, start: usize) -> Result<Token, (usize, String)> {
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
                    return Err((
                        i,
                        "a backslash at the end escapes nothing: remove it, or write '\\\\'".into(),
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
    Ok(Token { tok, start, end })
}
