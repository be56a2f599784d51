//! CSV fields as the admin downloads write them: quoted where RFC 4180 needs
//! it, and neutralised against formula injection (OWASP): a value from the
//! identity provider that a spreadsheet would run as a formula is prefixed
//! with a single quote, so it is shown as text.

/// Characters that make a spreadsheet read a cell as a formula (or, for tab
/// and carriage return, shift it into one) when they come first.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One field, ready to join with commas.
pub(crate) fn field(value: &str) -> String {
    let neutral = if value.starts_with(FORMULA_STARTS) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// One record: the fields, comma-separated, with its line end.
pub(crate) fn record<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = fields.into_iter().map(field).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::{field, record};

    #[test]
    fn formula_starts_get_a_leading_quote() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-2+3"), "'-2+3");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\rx"), "\"'\rx\"");
    }

    #[test]
    fn plain_values_are_kept_and_separators_quoted() {
        assert_eq!(field("ada"), "ada");
        assert_eq!(field("a=b"), "a=b");
        assert_eq!(field(""), "");
        assert_eq!(field("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(record(["a", "b,c"]), "a,\"b,c\"\n");
    }
}
