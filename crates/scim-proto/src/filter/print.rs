//! The printer: `Display` for filters and their parts, the inverse of the parser.
//!
//! Output is canonical (lowercase keywords, quoted strings, single spaces, the
//! fewest parentheses that keep the tree) so that `parse(print(f)) == f`.

use std::fmt::{self, Display, Formatter, Write};

use super::{AttrPath, CompValue, Condition, Filter, ValuePath};

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Writes `s` as a JSON string literal.
pub(crate) fn write_json_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl Display for CompValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Int(i) => write!(f, "{i}"),
            CompValue::Dec(d) => {
                // Both forms keep a '.' or an 'e' so the value parses back as a decimal;
                // the exponent form keeps huge and tiny magnitudes short (1e300, not 301 digits).
                let magnitude = d.abs();
                if magnitude != 0.0 && !(1e-5..1e16).contains(&magnitude) {
                    write!(f, "{d:e}")
                } else {
                    let text = d.to_string();
                    if text.contains('.') {
                        f.write_str(&text)
                    } else {
                        write!(f, "{text}.0")
                    }
                }
            }
            CompValue::Str(s) => write_json_string(f, s),
        }
    }
}

impl Display for Condition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Present => f.write_str("pr"),
            Condition::Compare(op, value) => write!(f, "{} {value}", op.as_str()),
        }
    }
}

impl Display for ValuePath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.attr, self.filter)?;
        if let Some((sub, cond)) = &self.then {
            write!(f, ".{sub} {cond}")?;
        }
        Ok(())
    }
}

/// Binding strength: `or` < `and` < everything else.
fn precedence(filter: &Filter) -> u8 {
    match filter {
        Filter::Or(..) => 1,
        Filter::And(..) => 2,
        _ => 3,
    }
}

fn write_operand(f: &mut Formatter<'_>, operand: &Filter, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({operand})")
    } else {
        write!(f, "{operand}")
    }
}

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Attr { path, cond } => write!(f, "{path} {cond}"),
            Filter::ValuePath(vp) => write!(f, "{vp}"),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::And(l, r) | Filter::Or(l, r) => {
                let own = precedence(self);
                // Left-associative: a right operand of equal strength needs parentheses.
                write_operand(f, l, precedence(l) < own)?;
                f.write_str(if own == 2 { " and " } else { " or " })?;
                write_operand(f, r, precedence(r) <= own)
            }
        }
    }
}
