//! Tokens of the filter and path languages.
//!
//! Words are maximal runs of characters other than whitespace, parentheses,
//! brackets and double quotes; the parser decides whether a word is a keyword,
//! an operator, an attribute path or an (unquoted) value.

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token<'a> {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Str(String),
    Word(&'a str),
}

impl Token<'_> {
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::LParen => "'('".into(),
            Token::RParen => "')'".into(),
            Token::LBracket => "'['".into(),
            Token::RBracket => "']'".into(),
            Token::Str(_) => "a string".into(),
            Token::Word(w) => format!("'{}'", excerpt(w)),
        }
    }
}

/// At most the first 32 characters of `text`, marked when cut: error messages
/// quote the input, and a filter may be 8 KiB of one word.
pub(crate) fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    const KEEP: usize = 32;
    match text.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}...", &text[..cut]).into(),
        None => text.into(),
    }
}

/// How an error position is reported: filter errors and path errors carry
/// different `scimType`s but share the lexer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Filter,
    Path,
}

impl Flavor {
    pub(crate) fn error(self, position: usize, message: impl Into<String>) -> Error {
        match self {
            Flavor::Filter => Error::filter(position, message),
            Flavor::Path => Error::path(position, message),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    /// Offset of `input` in the text the user sent, for error positions.
    base: usize,
    flavor: Flavor,
    peeked: Option<(usize, Option<Token<'a>>)>,
}

fn is_word_byte(b: u8) -> bool {
    !matches!(b, b'(' | b')' | b'[' | b']' | b'"') && !b.is_ascii_whitespace()
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(input: &'a str, base: usize, flavor: Flavor) -> Lexer<'a> {
        Lexer {
            input,
            pos: 0,
            base,
            flavor,
            peeked: None,
        }
    }

    pub(crate) fn flavor(&self) -> Flavor {
        self.flavor
    }

    pub(crate) fn error(&self, position: usize, message: impl Into<String>) -> Error {
        self.flavor.error(self.base + position, message)
    }

    /// Position (in the caller's text) of the next token, or of the end.
    pub(crate) fn position(&mut self) -> Result<usize> {
        self.peek()?;
        Ok(self.base + self.peeked.as_ref().map_or(self.pos, |(p, _)| *p))
    }

    pub(crate) fn peek(&mut self) -> Result<Option<&Token<'a>>> {
        if self.peeked.is_none() {
            let start = self.skip_whitespace();
            let token = self.lex()?;
            self.peeked = Some((start, token));
        }
        Ok(self.peeked.as_ref().and_then(|(_, t)| t.as_ref()))
    }

    pub(crate) fn next_token(&mut self) -> Result<Option<(usize, Token<'a>)>> {
        self.peek()?;
        Ok(match self.peeked.take() {
            Some((pos, Some(token))) => Some((self.base + pos, token)),
            _ => None,
        })
    }

    /// Whether the next character (without skipping whitespace) starts a word.
    /// Used for `].sub` after a value filter, where no space is allowed.
    pub(crate) fn word_follows_immediately(&self) -> bool {
        self.peeked.is_none()
            && self
                .input
                .as_bytes()
                .get(self.pos)
                .is_some_and(|b| is_word_byte(*b))
    }

    fn skip_whitespace(&mut self) -> usize {
        let bytes = self.input.as_bytes();
        while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        self.pos
    }

    fn lex(&mut self) -> Result<Option<Token<'a>>> {
        let bytes = self.input.as_bytes();
        let Some(&b) = bytes.get(self.pos) else {
            return Ok(None);
        };
        let single = match b {
            b'(' => Some(Token::LParen),
            b')' => Some(Token::RParen),
            b'[' => Some(Token::LBracket),
            b']' => Some(Token::RBracket),
            _ => None,
        };
        if let Some(token) = single {
            self.pos += 1;
            return Ok(Some(token));
        }
        if b == b'"' {
            return self.lex_string().map(|s| Some(Token::Str(s)));
        }
        let start = self.pos;
        while self.pos < bytes.len() && is_word_byte(bytes[self.pos]) {
            self.pos += 1;
        }
        // Word bytes exclude only ASCII delimiters, so `start..pos` is on char boundaries.
        Ok(Some(Token::Word(&self.input[start..self.pos])))
    }

    /// A JSON string (RFC 8259 section 7), starting at the opening quote.
    fn lex_string(&mut self) -> Result<String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            // One pass over bytes: the quote, the backslash and control characters are
            // ASCII, so wherever one is found is a char boundary.
            let rest = &self.input.as_bytes()[self.pos..];
            let Some(idx) = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            else {
                return Err(self.error(start, "unterminated string"));
            };
            let chunk = &self.input[self.pos..self.pos + idx];
            self.pos += idx;
            match rest[idx] {
                // Most strings have no escapes: one exact allocation.
                b'"' if out.is_empty() => {
                    self.pos += 1;
                    return Ok(chunk.to_owned());
                }
                b'"' => {
                    out.push_str(chunk);
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(chunk);
                    self.lex_escape(&mut out)?;
                }
                _ => return Err(self.error(self.pos, "unescaped control character in string")),
            }
        }
    }

    fn lex_escape(&mut self, out: &mut String) -> Result<()> {
        let at = self.pos;
        let bytes = self.input.as_bytes();
        let Some(&kind) = bytes.get(self.pos + 1) else {
            return Err(self.error(at, "unterminated escape"));
        };
        self.pos += 2;
        let c = match kind {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4(at)?;
                if (0xD800..0xDC00).contains(&first) {
                    if bytes.get(self.pos) != Some(&b'\\') || bytes.get(self.pos + 1) != Some(&b'u')
                    {
                        return Err(self.error(at, "unpaired surrogate in \\u escape"));
                    }
                    self.pos += 2;
                    let second = self.hex4(at)?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err(self.error(at, "invalid surrogate pair in \\u escape"));
                    }
                    let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    char::from_u32(code).ok_or_else(|| self.error(at, "invalid \\u escape"))?
                } else if first == 0 {
                    // No stored value holds it (PostgreSQL text cannot).
                    return Err(self.error(at, "\\u0000 is not accepted in strings"));
                } else {
                    char::from_u32(first)
                        .ok_or_else(|| self.error(at, "unpaired surrogate in \\u escape"))?
                }
            }
            _ => return Err(self.error(at, "invalid escape sequence")),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self, at: usize) -> Result<u32> {
        let digits = self
            .input
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error(at, "\\u must be followed by four hex digits"))?;
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error(at, "invalid \\u escape"))
    }
}
