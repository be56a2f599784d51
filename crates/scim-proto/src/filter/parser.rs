//! Recursive-descent parser for filters (RFC 7644 section 3.4.2.2) and PATCH
//! paths (section 3.5.2), with bounded depth and size.
//!
//! Precedence, loosest first: `or`, `and`, then `not (...)`, `(...)` and
//! attribute expressions. `and` and `or` associate to the left.

use super::lexer::{Flavor, Lexer, Token, excerpt};
use super::{
    AttrPath, CompValue, CompareOp, Condition, Filter, MAX_DEPTH, MAX_FILTER_LEN, MAX_TERMS,
    ValuePath,
};
use crate::error::Result;
use crate::schema::is_urn;

pub(crate) struct Parser<'a> {
    lex: Lexer<'a>,
    depth: usize,
    terms: usize,
    in_value_filter: bool,
}

impl std::fmt::Debug for Parser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parser")
            .field("depth", &self.depth)
            .finish()
    }
}

pub(crate) fn parse_filter(input: &str) -> Result<Filter> {
    if input.len() > MAX_FILTER_LEN {
        return Err(Flavor::Filter.error(
            MAX_FILTER_LEN,
            format!("filter is longer than {MAX_FILTER_LEN} bytes"),
        ));
    }
    let mut parser = Parser::new(input, 0, Flavor::Filter);
    let filter = parser.parse_or()?;
    parser.expect_end()?;
    Ok(filter)
}

/// Parses a PATCH path into its attribute path and optional value filter.
pub(crate) fn parse_patch_path(input: &str) -> Result<(AttrPath, Option<Filter>)> {
    if input.len() > MAX_FILTER_LEN {
        return Err(Flavor::Path.error(
            MAX_FILTER_LEN,
            format!("path is longer than {MAX_FILTER_LEN} bytes"),
        ));
    }
    let mut parser = Parser::new(input, 0, Flavor::Path);
    let (pos, word) = match parser.lex.next_token()? {
        Some((pos, Token::Word(word))) => (pos, word),
        Some((pos, other)) => {
            return Err(parser.lex.error(
                pos,
                format!("expected an attribute path, found {}", other.describe()),
            ));
        }
        None => return Err(parser.lex.error(0, "empty path")),
    };
    let mut attr = parse_attr_path_flavored(word, pos, Flavor::Path)?;
    let mut filter = None;
    if parser.lex.peek()? == Some(&Token::LBracket) {
        if attr.sub.is_some() {
            return Err(parser
                .lex
                .error(pos, "a value filter must follow a top-level attribute"));
        }
        let (inner, sub) = parser.value_filter_tail()?;
        filter = Some(inner);
        if let Some((sub_pos, sub)) = sub {
            attr.sub = Some(validate_name(sub, sub_pos, Flavor::Path)?.to_owned());
        }
    }
    parser.expect_end()?;
    Ok((attr, filter))
}

pub(crate) fn parse_attr_path(input: &str, base: usize) -> Result<AttrPath> {
    let trimmed = input.trim_start();
    let leading = input.len() - trimmed.len();
    parse_attr_path_flavored(trimmed.trim_end(), base + leading, Flavor::Path)
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `ATTRNAME = ALPHA *(nameChar)`, plus the reserved `$ref`.
fn validate_name(name: &str, pos: usize, flavor: Flavor) -> Result<&str> {
    let bytes = name.as_bytes();
    let ok = name.eq_ignore_ascii_case("$ref")
        || (bytes.first().is_some_and(u8::is_ascii_alphabetic)
            && bytes.iter().copied().all(is_name_char));
    if ok {
        Ok(name)
    } else if name.is_empty() {
        Err(flavor.error(pos, "missing attribute name"))
    } else {
        Err(flavor.error(
            pos,
            format!("'{}' is not a valid attribute name", excerpt(name)),
        ))
    }
}

fn parse_attr_path_flavored(word: &str, pos: usize, flavor: Flavor) -> Result<AttrPath> {
    let (urn, rest, rest_pos) = if is_urn(word) {
        match word.rfind(':') {
            // URNs are ASCII (RFC 8141); anything else is a typo, not an unknown extension.
            Some(idx)
                if !is_urn(&word[..idx]) || !word[..idx].bytes().all(|b| b.is_ascii_graphic()) =>
            {
                return Err(flavor.error(
                    pos,
                    format!("'{}' is not a valid schema URN", excerpt(&word[..idx])),
                ));
            }
            Some(idx) if idx + 1 < word.len() => (
                Some(word[..idx].to_owned()),
                &word[idx + 1..],
                pos + idx + 1,
            ),
            _ => {
                return Err(flavor.error(
                    pos,
                    format!("'{}' has a schema URN but no attribute name", excerpt(word)),
                ));
            }
        }
    } else {
        (None, word, pos)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((_, sub)) if sub.contains('.') => {
            return Err(flavor.error(
                pos,
                format!("'{}' has more than one sub-attribute level", excerpt(word)),
            ));
        }
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    let name = validate_name(name, rest_pos, flavor)?;
    let sub = match sub {
        Some(sub) => Some(validate_name(sub, rest_pos + name.len() + 1, flavor)?.to_owned()),
        None => None,
    };
    Ok(AttrPath {
        urn,
        name: name.to_owned(),
        sub,
    })
}

/// Whether `word` is a JSON number (RFC 8259 section 6).
fn is_json_number(word: &str) -> bool {
    let b = word.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

impl<'a> Parser<'a> {
    pub(crate) fn new(input: &'a str, base: usize, flavor: Flavor) -> Parser<'a> {
        Parser {
            lex: Lexer::new(input, base, flavor),
            depth: 0,
            terms: 0,
            in_value_filter: false,
        }
    }

    fn expect_end(&mut self) -> Result<()> {
        match self.lex.next_token()? {
            None => Ok(()),
            Some((pos, token)) => Err(self.lex.error(
                pos,
                format!(
                    "unexpected {} after a complete expression",
                    token.describe()
                ),
            )),
        }
    }

    fn enter(&mut self, pos: usize) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self
                .lex
                .error(pos, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn peek_keyword(&mut self, keyword: &str) -> Result<bool> {
        Ok(matches!(self.lex.peek()?, Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword)))
    }

    pub(crate) fn parse_or(&mut self) -> Result<Filter> {
        let mut left = self.parse_and()?;
        while self.peek_keyword("or")? {
            self.lex.next_token()?;
            let right = self.parse_and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Filter> {
        let mut left = self.parse_unary()?;
        while self.peek_keyword("and")? {
            self.lex.next_token()?;
            let right = self.parse_unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> Result<Filter> {
        let end = self.lex.position()?;
        match self.lex.next_token()? {
            Some((pos, Token::LParen)) => {
                self.enter(pos)?;
                let inner = self.parse_or()?;
                self.expect_close(&Token::RParen, pos)?;
                self.leave();
                Ok(inner)
            }
            Some((pos, Token::Word(word)))
                if word.eq_ignore_ascii_case("not") && self.lex.peek()? == Some(&Token::LParen) =>
            {
                self.lex.next_token()?;
                self.enter(pos)?;
                let inner = self.parse_or()?;
                self.expect_close(&Token::RParen, pos)?;
                self.leave();
                Ok(Filter::Not(Box::new(inner)))
            }
            Some((pos, Token::Word(word))) => {
                if word.eq_ignore_ascii_case("not") {
                    // `not` is an attribute name only when an operator follows.
                    let next_pos = self.lex.position()?;
                    if let Some(Token::Word(next)) = self.lex.peek()?
                        && !next.eq_ignore_ascii_case("pr")
                        && CompareOp::from_keyword(next).is_none()
                    {
                        return Err(self.lex.error(next_pos, "expected '(' after 'not'"));
                    }
                }
                self.parse_attr_expr(word, pos)
            }
            Some((pos, token)) => Err(self.lex.error(
                pos,
                format!(
                    "expected an attribute path, '(' or 'not', found {}",
                    token.describe()
                ),
            )),
            None => Err(self.lex.error(
                end,
                "expected an attribute path, '(' or 'not', found the end",
            )),
        }
    }

    fn expect_close(&mut self, close: &Token<'static>, open_pos: usize) -> Result<()> {
        let end = self.lex.position()?;
        match self.lex.next_token()? {
            Some((_, token)) if token == *close => Ok(()),
            Some((pos, token)) => Err(self.lex.error(
                pos,
                format!(
                    "expected {} to close the one at {open_pos}, found {}",
                    close.describe(),
                    token.describe()
                ),
            )),
            None => Err(self.lex.error(
                end,
                format!(
                    "missing {} to close the one at {open_pos}",
                    close.describe()
                ),
            )),
        }
    }

    fn count_term(&mut self, pos: usize) -> Result<()> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(self
                .lex
                .error(pos, format!("more than {MAX_TERMS} attribute expressions")));
        }
        Ok(())
    }

    fn parse_attr_expr(&mut self, word: &'a str, pos: usize) -> Result<Filter> {
        self.count_term(pos)?;
        let flavor = self.flavor();
        let path = parse_attr_path_flavored(word, pos, flavor)?;
        if self.lex.peek()? == Some(&Token::LBracket) {
            if self.in_value_filter {
                return Err(self.lex.error(pos, "value filters cannot be nested"));
            }
            if path.sub.is_some() {
                return Err(self
                    .lex
                    .error(pos, "a value filter must follow a top-level attribute"));
            }
            let (filter, sub) = self.value_filter_tail()?;
            let then = match sub {
                Some((sub_pos, sub)) => {
                    let name = validate_name(sub, sub_pos, flavor)?.to_owned();
                    Some((name, self.parse_condition()?))
                }
                None => None,
            };
            return Ok(Filter::ValuePath(Box::new(ValuePath {
                attr: path,
                filter,
                then,
            })));
        }
        let cond = self.parse_condition()?;
        Ok(Filter::Attr { path, cond })
    }

    fn flavor(&self) -> Flavor {
        self.lex.flavor()
    }

    /// After an attribute: `[ filter ]`, then optionally `.sub` written without spaces.
    #[allow(clippy::type_complexity)]
    fn value_filter_tail(&mut self) -> Result<(Filter, Option<(usize, &'a str)>)> {
        let open = self.lex.position()?;
        self.lex.next_token()?;
        self.enter(open)?;
        self.in_value_filter = true;
        let inner = self.parse_or()?;
        self.in_value_filter = false;
        self.expect_close(&Token::RBracket, open)?;
        self.leave();
        if self.lex.word_follows_immediately() {
            let pos = self.lex.position()?;
            if let Some((_, Token::Word(word))) = self.lex.next_token()? {
                return match word.strip_prefix('.') {
                    Some(sub) => Ok((inner, Some((pos + 1, sub)))),
                    None => Err(self.lex.error(
                        pos,
                        format!(
                            "expected '.subAttribute' after ']', found '{}'",
                            excerpt(word)
                        ),
                    )),
                };
            }
        }
        Ok((inner, None))
    }

    fn parse_condition(&mut self) -> Result<Condition> {
        let end = self.lex.position()?;
        match self.lex.next_token()? {
            Some((_, Token::Word(w))) if w.eq_ignore_ascii_case("pr") => Ok(Condition::Present),
            Some((pos, Token::Word(w))) => match CompareOp::from_keyword(w) {
                Some(op) => Ok(Condition::Compare(op, self.parse_value()?)),
                None => Err(self.lex.error(
                    pos,
                    format!(
                        "expected an operator (eq ne co sw ew gt ge lt le pr), found '{}'",
                        excerpt(w)
                    ),
                )),
            },
            Some((pos, token)) => Err(self.lex.error(
                pos,
                format!("expected an operator, found {}", token.describe()),
            )),
            None => Err(self.lex.error(end, "expected an operator, found the end")),
        }
    }

    fn parse_value(&mut self) -> Result<CompValue> {
        let end = self.lex.position()?;
        match self.lex.next_token()? {
            Some((_, Token::Str(s))) => Ok(CompValue::Str(s)),
            Some((pos, Token::Word(w))) => {
                if w.eq_ignore_ascii_case("true") {
                    Ok(CompValue::Bool(true))
                } else if w.eq_ignore_ascii_case("false") {
                    Ok(CompValue::Bool(false))
                } else if w.eq_ignore_ascii_case("null") {
                    Ok(CompValue::Null)
                } else if is_json_number(w) {
                    self.parse_number(w, pos)
                } else {
                    // RFC 7644's compValue: no client sends bare words any more
                    // (Entra's quoting them dates from its pre-2019 documentation).
                    let hint = if w.starts_with('\'') {
                        "strings are written in double quotes"
                    } else {
                        "a string value must be quoted"
                    };
                    Err(self.lex.error(
                        pos,
                        format!(
                            "expected a value (a \"string\", a number, true, false or null), found '{}': {hint}",
                            excerpt(w)
                        ),
                    ))
                }
            }
            Some((pos, token)) => Err(self
                .lex
                .error(pos, format!("expected a value, found {}", token.describe()))),
            None => Err(self.lex.error(end, "expected a value, found the end")),
        }
    }

    fn parse_number(&self, word: &str, pos: usize) -> Result<CompValue> {
        let integral = !word.contains(['.', 'e', 'E']);
        if integral && let Ok(i) = word.parse::<i64>() {
            return Ok(CompValue::Int(i));
        }
        match word.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(CompValue::Dec(f)),
            _ => Err(self
                .lex
                .error(pos, format!("number '{}' is out of range", excerpt(word)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_json_number;

    #[test]
    fn json_numbers() {
        for ok in ["0", "-0", "12", "-12.5", "1e3", "1E+3", "2.5e-3"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "+1", "1x", "--1", "1.2.3"] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }
}
