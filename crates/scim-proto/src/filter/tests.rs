//! Parser and printer tests: the examples of RFC 7644 section 3.4.2.2, every rule
//! of its grammar, the leniencies real clients need, errors with their byte
//! positions, and hostile input. Evaluation is tested in `eval/tests.rs`.
//!
//! Each concern has one helper: [`check`] (input -> tree, and the printed tree
//! parses back), [`check_printed`] (canonical printing), [`check_value`]
//! (literals), [`check_error`] (error position and message).

use super::*;
use crate::ScimType;
use crate::error::Error;
use crate::path::PatchPath;

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// --- Tree shorthands -------------------------------------------------------

fn at(name: &str) -> AttrPath {
    AttrPath::new(name)
}

fn at_sub(name: &str, sub: &str) -> AttrPath {
    AttrPath::new(name).with_sub(sub)
}

fn s(text: &str) -> CompValue {
    CompValue::Str(text.to_owned())
}

fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
    Filter::compare(path, op, value)
}

fn eq(path: AttrPath, value: CompValue) -> Filter {
    cmp(path, CompareOp::Eq, value)
}

fn pr(path: AttrPath) -> Filter {
    Filter::Attr {
        path,
        cond: Condition::Present,
    }
}

fn vp(attr: AttrPath, filter: Filter) -> Filter {
    Filter::ValuePath(Box::new(ValuePath {
        attr,
        filter,
        then: None,
    }))
}

fn vp_then(attr: AttrPath, filter: Filter, sub: &str, cond: Condition) -> Filter {
    Filter::ValuePath(Box::new(ValuePath {
        attr,
        filter,
        then: Some((sub.to_owned(), cond)),
    }))
}

fn a() -> Filter {
    pr(at("a"))
}

fn b() -> Filter {
    pr(at("b"))
}

fn c() -> Filter {
    pr(at("c"))
}

// --- Helpers -----------------------------------------------------------------

/// Parses `input` into `expected`; its printed form must parse back to the same tree.
#[track_caller]
fn check(input: &str, expected: &Filter) {
    let parsed = Filter::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
    assert_eq!(&parsed, expected, "{input:?}");
    let printed = parsed.to_string();
    assert_eq!(
        Filter::parse(&printed).as_ref(),
        Ok(expected),
        "{input:?} printed as {printed:?}"
    );
}

/// Parses `input` and prints it canonically as `printed`.
#[track_caller]
fn check_printed(input: &str, printed: &str) {
    let parsed = Filter::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
    assert_eq!(parsed.to_string(), printed, "{input:?}");
}

/// `title eq <literal>` compares `title` with `expected`.
#[track_caller]
fn check_value(literal: &str, expected: &CompValue) {
    check(
        &format!("title eq {literal}"),
        &eq(at("title"), expected.clone()),
    );
}

/// `input` is rejected at byte `position` with a message containing `message`.
#[track_caller]
fn check_error(input: &str, position: usize, message: &str) {
    match Filter::parse(input) {
        Err(Error::InvalidFilter {
            position: got,
            message: text,
        }) => {
            assert_eq!(got, position, "{input:?}: {text}");
            assert!(
                text.contains(message),
                "{input:?}: {text:?} should mention {message:?}"
            );
        }
        other => panic!("{input:?}: expected invalidFilter, got {other:?}"),
    }
}

// --- RFC 7644 section 3.4.2.2 -------------------------------------------------

#[test]
fn rfc_7644_examples_parse_to_the_expected_trees_and_print_back_verbatim() {
    let work_example =
        || eq(at("type"), s("work")).and(cmp(at("value"), CompareOp::Co, s("@example.com")));
    let either_domain = || {
        cmp(at("emails"), CompareOp::Co, s("example.com")).or(cmp(
            at_sub("emails", "value"),
            CompareOp::Co,
            s("example.org"),
        ))
    };
    let last_modified = |op| {
        cmp(
            at_sub("meta", "lastModified"),
            op,
            s("2011-05-13T04:42:34Z"),
        )
    };
    let cases: Vec<(&str, Filter)> = vec![
        (r#"userName eq "bjensen""#, eq(at("userName"), s("bjensen"))),
        (
            r#"name.familyName co "O'Malley""#,
            cmp(at_sub("name", "familyName"), CompareOp::Co, s("O'Malley")),
        ),
        (
            r#"userName sw "J""#,
            cmp(at("userName"), CompareOp::Sw, s("J")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            cmp(at("userName").with_urn(CORE_USER), CompareOp::Sw, s("J")),
        ),
        ("title pr", pr(at("title"))),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            last_modified(CompareOp::Gt),
        ),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            last_modified(CompareOp::Ge),
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            last_modified(CompareOp::Lt),
        ),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            last_modified(CompareOp::Le),
        ),
        (
            r#"title pr and userType eq "Employee""#,
            pr(at("title")).and(eq(at("userType"), s("Employee"))),
        ),
        (
            r#"title pr or userType eq "Intern""#,
            pr(at("title")).or(eq(at("userType"), s("Intern"))),
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            eq(at("schemas"), s(ENTERPRISE)),
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            eq(at("userType"), s("Employee")).and(either_domain()),
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            cmp(at("userType"), CompareOp::Ne, s("Employee")).and(either_domain().negate()),
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            eq(at("userType"), s("Employee")).and(vp(at("emails"), work_example())),
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            vp(at("emails"), work_example()).or(vp(
                at("ims"),
                eq(at("type"), s("xmpp")).and(cmp(at("value"), CompareOp::Co, s("@foo.com"))),
            )),
        ),
    ];
    for (input, expected) in &cases {
        check(input, expected);
        check_printed(input, input);
    }
}

#[test]
fn rfc_7644_examples_with_redundant_parentheses_or_other_spelling() {
    // Section 3.4.2.2's grouping example; the printer drops the redundant parentheses.
    let input = r#"userType eq "Employee" and (emails.type eq "work")"#;
    check(
        input,
        &eq(at("userType"), s("Employee")).and(eq(at_sub("emails", "type"), s("work"))),
    );
    check_printed(input, r#"userType eq "Employee" and emails.type eq "work""#);
    // "the following two expressions will evaluate to the same logical value".
    check(r#"userName Eq "john""#, &eq(at("userName"), s("john")));
    check(r#"Username eq "john""#, &eq(at("Username"), s("john")));
    // Section 3.4.3 (POST .search).
    check(
        r#"displayName sw "smith""#,
        &cmp(at("displayName"), CompareOp::Sw, s("smith")),
    );
}

// --- Grammar rules -------------------------------------------------------------

#[test]
fn every_operator_in_any_letter_case() {
    for op in CompareOp::ALL {
        let word = op.as_str();
        let upper = word.to_ascii_uppercase();
        let mixed = format!("{}{}", &upper[..1], &word[1..]);
        for spelling in [word.to_owned(), upper, mixed] {
            check(
                &format!(r#"title {spelling} "x""#),
                &cmp(at("title"), op, s("x")),
            );
        }
        assert_eq!(CompareOp::from_keyword(word), Some(op));
    }
    for spelling in ["pr", "PR", "Pr", "pR"] {
        check(&format!("title {spelling}"), &pr(at("title")));
    }
    assert_eq!(CompareOp::from_keyword("eqq"), None);
}

#[test]
fn operator_classes() {
    let ordering: Vec<_> = CompareOp::ALL
        .into_iter()
        .filter(|op| op.is_ordering())
        .collect();
    let substring: Vec<_> = CompareOp::ALL
        .into_iter()
        .filter(|op| op.is_substring())
        .collect();
    assert_eq!(
        ordering,
        [CompareOp::Gt, CompareOp::Ge, CompareOp::Lt, CompareOp::Le]
    );
    assert_eq!(substring, [CompareOp::Co, CompareOp::Sw, CompareOp::Ew]);
}

#[test]
fn and_binds_tighter_than_or_and_both_associate_left() {
    let cases = [
        ("a pr or b pr and c pr", a().or(b().and(c()))),
        ("a pr and b pr or c pr", a().and(b()).or(c())),
        ("a pr and b pr and c pr", a().and(b()).and(c())),
        ("a pr or b pr or c pr", a().or(b()).or(c())),
        ("(a pr or b pr) and c pr", a().or(b()).and(c())),
        ("a pr and (b pr or c pr)", a().and(b().or(c()))),
        ("a pr and (b pr and c pr)", a().and(b().and(c()))),
        ("a pr or (b pr or c pr)", a().or(b().or(c()))),
        ("((a pr))", a()),
        ("not (a pr) and b pr", a().negate().and(b())),
        ("not (a pr and b pr) or c pr", a().and(b()).negate().or(c())),
        ("a pr or not (b pr) and c pr", a().or(b().negate().and(c()))),
        ("not (not (a pr))", a().negate().negate()),
        ("not(a pr)", a().negate()),
        ("NOT (a pr)", a().negate()),
        ("a pr AND b pr Or c pr", a().and(b()).or(c())),
        ("a pr aNd b pr oR c pr", a().and(b()).or(c())),
    ];
    for (input, expected) in &cases {
        check(input, expected);
    }
}

#[test]
fn printing_uses_the_fewest_parentheses_that_keep_the_tree() {
    let cases = [
        ("(a pr)", "a pr"),
        ("((a pr) and (b pr))", "a pr and b pr"),
        ("(a pr and b pr) or c pr", "a pr and b pr or c pr"),
        ("a pr and (b pr or c pr)", "a pr and (b pr or c pr)"),
        ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
        ("a pr and (b pr and c pr)", "a pr and (b pr and c pr)"),
        ("(a pr and b pr) and c pr", "a pr and b pr and c pr"),
        ("not(a pr)", "not (a pr)"),
        ("not ((a pr))", "not (a pr)"),
        ("NOT (A PR) AND B EQ TRUE", "not (A pr) and B eq true"),
        ("a pr and(b pr)or(c pr)", "a pr and b pr or c pr"),
    ];
    for (input, printed) in cases {
        check_printed(input, printed);
    }
    // Trees built by hand print too.
    assert_eq!(
        a().or(b()).and(c().or(a())).to_string(),
        "(a pr or b pr) and (c pr or a pr)"
    );
    assert_eq!(a().and(b().negate()).to_string(), "a pr and not (b pr)");
}

#[test]
fn attribute_paths_with_schema_urns_and_sub_attributes() {
    let cases = [
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT""#,
            eq(at("department").with_urn(ENTERPRISE), s("IT")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "Barbara""#,
            eq(
                at_sub("name", "givenName").with_urn(CORE_USER),
                s("Barbara"),
            ),
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
            eq(
                at_sub("manager", "value").with_urn(ENTERPRISE),
                s("26118915"),
            ),
        ),
        (
            r#"URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:department pr"#,
            pr(at("department")
                .with_urn("URN:IETF:params:scim:schemas:extension:enterprise:2.0:User")),
        ),
        (
            r#"urn:example:ext:1.0:User:level gt 5"#,
            cmp(
                at("level").with_urn("urn:example:ext:1.0:User"),
                CompareOp::Gt,
                CompValue::Int(5),
            ),
        ),
        (
            r#"name.givenName eq "Barbara""#,
            eq(at_sub("name", "givenName"), s("Barbara")),
        ),
        ("groups.$ref pr", pr(at_sub("groups", "$ref"))),
        (
            "x509Certificates.value pr",
            pr(at_sub("x509Certificates", "value")),
        ),
        ("a-b_c9.D_e-1 pr", pr(at_sub("a-b_c9", "D_e-1"))),
        // Keywords are attribute names where an attribute is expected.
        ("and pr and or pr", pr(at("and")).and(pr(at("or")))),
        ("not eq 1", eq(at("not"), CompValue::Int(1))),
        ("not pr or pr pr", pr(at("not")).or(pr(at("pr")))),
    ];
    for (input, expected) in &cases {
        check(input, expected);
    }
}

#[test]
fn value_paths() {
    let cases = [
        (
            r#"emails[type eq "work"]"#,
            vp(at("emails"), eq(at("type"), s("work"))),
        ),
        (
            r#"emails[type eq "work" and primary eq true].value co "@example.com""#,
            vp_then(
                at("emails"),
                eq(at("type"), s("work")).and(eq(at("primary"), CompValue::Bool(true))),
                "value",
                Condition::Compare(CompareOp::Co, s("@example.com")),
            ),
        ),
        (
            r#"emails[type eq "work" and primary eq true].value pr"#,
            vp_then(
                at("emails"),
                eq(at("type"), s("work")).and(eq(at("primary"), CompValue::Bool(true))),
                "value",
                Condition::Present,
            ),
        ),
        (
            r#"emails[type eq "work"].value eq "x""#,
            vp_then(
                at("emails"),
                eq(at("type"), s("work")),
                "value",
                Condition::Compare(CompareOp::Eq, s("x")),
            ),
        ),
        (
            r#"emails[not (type eq "work") or (value ew ".org" and primary eq false)]"#,
            vp(
                at("emails"),
                eq(at("type"), s("work"))
                    .negate()
                    .or(cmp(at("value"), CompareOp::Ew, s(".org"))
                        .and(eq(at("primary"), CompValue::Bool(false)))),
            ),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[ type eq "work" ]"#,
            vp(at("emails").with_urn(CORE_USER), eq(at("type"), s("work"))),
        ),
        (
            r#"members[value eq "2819c223"] and not (emails[type pr])"#,
            vp(at("members"), eq(at("value"), s("2819c223")))
                .and(vp(at("emails"), pr(at("type"))).negate()),
        ),
        (
            r#"emails[type eq "work"].value eq "x" or emails[type eq "home"]"#,
            vp_then(
                at("emails"),
                eq(at("type"), s("work")),
                "value",
                Condition::Compare(CompareOp::Eq, s("x")),
            )
            .or(vp(at("emails"), eq(at("type"), s("home")))),
        ),
    ];
    for (input, expected) in &cases {
        check(input, expected);
    }
    check_printed(
        r#"emails[ type  eq "work"  ].value   EQ "x""#,
        r#"emails[type eq "work"].value eq "x""#,
    );
}

#[test]
fn whitespace_between_tokens_is_free() {
    let expected = eq(at("userName"), s("bjensen")).and(b());
    for input in [
        r#"userName eq "bjensen" and b pr"#,
        "  userName eq \"bjensen\" and b pr  ",
        "userName\teq\t\"bjensen\"\tand\tb\tpr",
        "userName\r\neq\n\"bjensen\"\n and \n b pr\n",
        r#"userName    eq     "bjensen"     and    b    pr"#,
        r#"userName eq"bjensen"and b pr"#,
        r#"(userName eq "bjensen")and(b pr)"#,
        r#"( userName eq "bjensen" ) and ( b pr )"#,
    ] {
        check(input, &expected);
    }
}

// --- Literals --------------------------------------------------------------------

#[test]
fn json_strings_with_every_escape() {
    let cases = [
        (r#""""#, ""),
        (r#""plain""#, "plain"),
        (r#""say \"hi\"""#, "say \"hi\""),
        (r#""back\\slash""#, "back\\slash"),
        (r#""a\/b""#, "a/b"),
        (r#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
        (r#""caf\u00e9 caf\u00E9""#, "café café"),
        (r#""\u0001\u001f""#, "\u{1}\u{1f}"),
        (r#""\ud83d\ude00""#, "😀"),
        (r#""\uD83D\uDE00!""#, "😀!"),
        (r#""\uffff""#, "\u{ffff}"),
        (r#""raw é 😀 中文""#, "raw é 😀 中文"),
        (r#""( ) [ ] and or not""#, "( ) [ ] and or not"),
        ("\"\u{7f}\"", "\u{7f}"),
    ];
    for (literal, text) in cases {
        check_value(literal, &s(text));
    }
}

#[test]
fn strings_print_as_json_and_parse_back() {
    let cases = [
        (r#""a\/b""#, r#""a/b""#),
        (r#""\u00e9""#, r#""é""#),
        (r#""\b\f""#, r#""\u0008\u000c""#),
        (r#""\n\r\t""#, r#""\n\r\t""#),
        (r#""\"\\""#, r#""\"\\""#),
        (r#""\ud83d\ude00""#, r#""😀""#),
    ];
    for (literal, printed) in cases {
        check_printed(
            &format!("title eq {literal}"),
            &format!("title eq {printed}"),
        );
    }
}

#[test]
fn numbers() {
    let cases = [
        ("0", CompValue::Int(0)),
        ("-0", CompValue::Int(0)),
        ("42", CompValue::Int(42)),
        ("-42", CompValue::Int(-42)),
        ("9223372036854775807", CompValue::Int(i64::MAX)),
        ("-9223372036854775808", CompValue::Int(i64::MIN)),
        // Integers beyond i64 become decimals.
        (
            "9223372036854775808",
            CompValue::Dec(9_223_372_036_854_775_808.0),
        ),
        (
            "-9223372036854775809",
            CompValue::Dec(-9_223_372_036_854_775_809.0),
        ),
        ("100000000000000000000", CompValue::Dec(1e20)),
        ("1.5", CompValue::Dec(1.5)),
        ("-1.5", CompValue::Dec(-1.5)),
        ("0.25", CompValue::Dec(0.25)),
        ("1.0", CompValue::Dec(1.0)),
        ("1e3", CompValue::Dec(1000.0)),
        ("1E+3", CompValue::Dec(1000.0)),
        ("2.5e-3", CompValue::Dec(0.0025)),
        ("-1.25E2", CompValue::Dec(-125.0)),
        ("1e308", CompValue::Dec(1e308)),
        ("1e-400", CompValue::Dec(0.0)),
    ];
    for (literal, value) in &cases {
        check_value(literal, value);
    }
    let printed = [
        ("1E+3", "1000.0"),
        ("1.50", "1.5"),
        ("-0", "0"),
        ("1e300", "1e300"),
        ("-1.5e-7", "-1.5e-7"),
        ("123456789012345678901234567890", "1.2345678901234568e29"),
        ("0.0001", "0.0001"),
    ];
    for (literal, text) in printed {
        check_printed(&format!("x eq {literal}"), &format!("x eq {text}"));
    }
    // Out of range: an error, not infinity.
    check_error("x eq 1e309", 5, "out of range");
    check_error("x eq -1e309", 5, "out of range");
}

#[test]
fn booleans_null_and_date_times() {
    for (literal, value) in [
        ("true", CompValue::Bool(true)),
        ("TRUE", CompValue::Bool(true)),
        ("True", CompValue::Bool(true)),
        ("false", CompValue::Bool(false)),
        ("False", CompValue::Bool(false)),
        ("null", CompValue::Null),
        ("NULL", CompValue::Null),
        // Date-times are strings to the parser; `compile` reads them as instants.
        (r#""2011-05-13T04:42:34Z""#, s("2011-05-13T04:42:34Z")),
        (
            r#""2011-05-13T06:42:34.5+02:00""#,
            s("2011-05-13T06:42:34.5+02:00"),
        ),
        // Quoted keywords are strings.
        (r#""true""#, s("true")),
        (r#""null""#, s("null")),
    ] {
        check_value(literal, &value);
    }
    check_printed("x eq TRUE or y ne NULL", "x eq true or y ne null");
}

/// RFC 7644's compValue is a JSON literal: bare words (Entra's pre-2019
/// documentation, Microsoft's test collection), single-quoted strings and
/// numbers that are not JSON numbers are refused, with the word's position.
#[test]
fn unquoted_and_single_quoted_values_are_refused() {
    for (input, position) in [
        ("externalId eq jyoung", 14),
        ("userName sw O", 12),
        ("userName eq 'ada@contoso.com'", 12),
        ("userName eq 'ada'", 12),
        ("x eq 'a b'", 5),
        ("name.FamilyName eq Employee and title pr", 19),
        (
            "title pr and id eq 2819c223-7f76-453a-919d-413861904646",
            19,
        ),
        ("x eq 01", 5),
        ("x eq 1.", 5),
        ("x eq .5", 5),
        ("x eq +1", 5),
        ("x eq 0x10", 5),
        ("x eq jöung", 5),
        ("emails[type eq work]", 15),
    ] {
        let err = Filter::parse(input).unwrap_err();
        assert_eq!(err.scim_type(), ScimType::InvalidFilter, "{input}");
        assert!(
            err.to_string().contains(&format!("position {position}")),
            "{input}: {err}"
        );
    }
    // U+0000 is no stored value (PostgreSQL text cannot hold one).
    let err = Filter::parse(r#"userName eq "a\u0000b""#).unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidFilter);
    assert!(err.to_string().contains("position 14"), "{err}");
    assert!(
        Filter::parse("userName eq 'x'")
            .unwrap_err()
            .to_string()
            .contains("double quotes")
    );
    // Quoted values, numbers and keywords are the grammar.
    for input in [
        r#"externalId eq "jyoung""#,
        "x eq 5 and y eq -1.5e3 and z eq true and w eq null and v pr",
    ] {
        Filter::parse(input).unwrap();
    }
}

/// `ATTRNAME = ALPHA *(nameChar)`: a name starting with a digit is no attribute.
#[test]
fn attribute_names_start_with_a_letter() {
    for input in [
        "1 eq 1",
        "1userName eq \"x\"",
        "title pr or 2 pr",
        "emails[1 eq 1]",
    ] {
        let err = Filter::parse(input).unwrap_err();
        assert_eq!(err.scim_type(), ScimType::InvalidFilter, "{input}");
    }
}

// --- Errors ------------------------------------------------------------------------

#[test]
fn malformed_filters_report_the_byte_position() {
    let cases = [
        ("", 0, "found the end"),
        ("   ", 3, "found the end"),
        ("userName", 8, "expected an operator, found the end"),
        ("userName eq", 11, "expected a value, found the end"),
        ("userName eq   ", 14, "expected a value, found the end"),
        (r#"userName xx "a""#, 9, "found 'xx'"),
        (r#"userName "a""#, 9, "expected an operator, found a string"),
        ("userName (", 9, "expected an operator, found '('"),
        ("userName eq (", 12, "expected a value, found '('"),
        ("userName eq ]", 12, "expected a value, found ']'"),
        (r#"userName eq "a" and"#, 19, "found the end"),
        (r#"userName eq "a" or  "#, 20, "found the end"),
        (
            r#"userName eq "a" userName eq "b""#,
            16,
            "unexpected 'userName'",
        ),
        (r#"userName eq "a" "b""#, 16, "unexpected a string"),
        (r#"userName eq "a")"#, 15, "unexpected ')'"),
        (
            r#"(userName eq "a""#,
            16,
            "missing ')' to close the one at 0",
        ),
        (
            r#"x pr and ((userName eq "a")"#,
            27,
            "missing ')' to close the one at 9",
        ),
        (
            r#"(userName eq "a"]"#,
            16,
            "expected ')' to close the one at 0, found ']'",
        ),
        ("a pr and )", 9, "found ')'"),
        ("[a pr]", 0, "found '['"),
        ("() ", 1, "found ')'"),
        (r#""a" eq "b""#, 0, "found a string"),
        // `not` needs parentheses.
        (r#"not userName eq "a""#, 4, "expected '(' after 'not'"),
        ("not", 3, "expected an operator, found the end"),
        ("not (", 5, "found the end"),
        ("not (a pr", 9, "missing ')' to close the one at 0"),
        // Value filters.
        (
            r#"emails[type eq "work""#,
            21,
            "missing ']' to close the one at 6",
        ),
        (
            r#"emails[type eq "work")"#,
            21,
            "expected ']' to close the one at 6, found ')'",
        ),
        (r#"emails[]"#, 7, "found ']'"),
        (
            r#"emails[type eq "work"] .value eq "x""#,
            23,
            "unexpected '.value'",
        ),
        (
            r#"emails[type eq "work"]value eq "x""#,
            22,
            "expected '.subAttribute' after ']'",
        ),
        (
            r#"emails[type eq "work"].value"#,
            28,
            "expected an operator, found the end",
        ),
        (
            r#"emails[type eq "work"]. eq "x""#,
            23,
            "missing attribute name",
        ),
        (
            r#"emails[type eq "work"].9 eq "x""#,
            23,
            "'9' is not a valid attribute name",
        ),
        (
            r#"emails[type eq "work"].value.display eq "x""#,
            23,
            "not a valid attribute name",
        ),
        (r#"emails[value[type eq "a"] pr]"#, 7, "cannot be nested"),
        (
            r#"name.givenName[x eq 1]"#,
            0,
            "must follow a top-level attribute",
        ),
        // Attribute paths.
        (
            r#"name.givenName.x eq "a""#,
            0,
            "more than one sub-attribute level",
        ),
        (
            r#"1userName eq "a""#,
            0,
            "'1userName' is not a valid attribute name",
        ),
        (r#"user@name eq "a""#, 0, "not a valid attribute name"),
        (
            "a.b.c.defghijklmnopqrstuvwxyz0123456789 pr",
            0,
            "'a.b.c.defghijklmnopqrstuvwxyz012...' has more than one",
        ),
        (r#"x pr and name. eq "a""#, 14, "missing attribute name"),
        (r#".name eq "a""#, 0, "missing attribute name"),
        (r#"name.$x eq "a""#, 5, "'$x' is not a valid attribute name"),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User: eq "a""#,
            0,
            "no attribute name",
        ),
        (
            r#"urn:userName eq "a""#,
            0,
            "'urn' is not a valid schema URN",
        ),
        ("urn:ex\u{e9}mple:x:name pr", 0, "not a valid schema URN"),
        // Strings.
        (r#"userName eq "abc"#, 12, "unterminated string"),
        (r#"userName eq "abc\"#, 16, "unterminated escape"),
        (r#"userName eq "a\qb""#, 14, "invalid escape"),
        (r#"userName eq "a\u12""#, 14, "four hex digits"),
        (r#"userName eq "a\u12G4""#, 14, "four hex digits"),
        (r#"userName eq "a\u00é9""#, 14, "four hex digits"),
        (r#"userName eq "\ud83d""#, 13, "unpaired surrogate"),
        (r#"userName eq "\ud83dx""#, 13, "unpaired surrogate"),
        (
            r#"userName eq "\ud83d\u0041""#,
            13,
            "invalid surrogate pair",
        ),
        (
            r#"userName eq "\ud83d\ud83d""#,
            13,
            "invalid surrogate pair",
        ),
        (r#"userName eq "\ude00""#, 13, "unpaired surrogate"),
        (r#"userName eq "\ud83d\u12""#, 13, "four hex digits"),
        ("userName eq \"a\u{1}b\"", 14, "control character"),
        ("userName eq \"tab\there\"", 16, "control character"),
        ("userName eq \"line\nbreak\"", 17, "control character"),
        ("userName eq \"\u{0}\"", 13, "control character"),
        ("userName eq \"é\u{1f}\"", 15, "control character"),
        // Numbers.
        ("x eq 1e400", 5, "out of range"),
        ("x pr and y eq -1e400", 14, "out of range"),
    ];
    for (input, position, message) in cases {
        check_error(input, position, message);
    }
}

#[test]
fn errors_carry_the_invalid_filter_scim_type() {
    let error = Filter::parse("userName eq").unwrap_err();
    assert_eq!(error.scim_type(), crate::ScimType::InvalidFilter);
    assert_eq!(error.status(), 400);
    assert_eq!(
        error.to_string(),
        "invalid filter at position 11: expected a value, found the end"
    );
}

// --- Limits and hostile input ----------------------------------------------------

#[test]
fn nesting_is_limited_to_max_depth() {
    let nested = |levels: usize| format!("{}a pr{}", "(".repeat(levels), ")".repeat(levels));
    assert_eq!(Filter::parse(&nested(MAX_DEPTH)), Ok(a()));
    check_error(
        &nested(MAX_DEPTH + 1),
        MAX_DEPTH,
        "nested deeper than 32 levels",
    );

    let nots = |levels: usize| format!("{}a pr{}", "not (".repeat(levels), ")".repeat(levels));
    let mut expected = a();
    for _ in 0..MAX_DEPTH {
        expected = expected.negate();
    }
    check(&nots(MAX_DEPTH), &expected);
    check_error(&nots(MAX_DEPTH + 1), 5 * MAX_DEPTH, "nested deeper");

    // A value filter is one level too.
    let in_brackets = |levels: usize| {
        format!(
            "{}emails[type pr]{}",
            "(".repeat(levels),
            ")".repeat(levels)
        )
    };
    assert!(Filter::parse(&in_brackets(MAX_DEPTH - 1)).is_ok());
    check_error(&in_brackets(MAX_DEPTH), MAX_DEPTH + 6, "nested deeper");
}

#[test]
fn attribute_expressions_are_limited_to_max_terms() {
    let chain = |terms: usize| {
        (0..terms)
            .map(|i| format!("a{i} pr"))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let longest = chain(MAX_TERMS);
    assert!(longest.len() < MAX_FILTER_LEN);
    let parsed = Filter::parse(&longest).unwrap();
    assert_eq!(Filter::parse(&parsed.to_string()), Ok(parsed));
    let too_many = chain(MAX_TERMS + 1);
    let last_term = too_many.rfind("a256").unwrap();
    check_error(&too_many, last_term, "more than 256 attribute expressions");
    // A value path counts its own term and those inside it.
    let value_paths = (0..MAX_TERMS / 2)
        .map(|_| "e[t pr]")
        .collect::<Vec<_>>()
        .join(" or ");
    assert!(Filter::parse(&value_paths).is_ok());
    check_error(
        &format!("{value_paths} or e[t pr]"),
        value_paths.len() + 4,
        "more than 256",
    );
}

#[test]
fn length_is_limited_to_max_filter_len() {
    let padded = |len: usize| format!("a pr{}", " ".repeat(len - 4));
    assert_eq!(Filter::parse(&padded(MAX_FILTER_LEN)), Ok(a()));
    check_error(
        &padded(MAX_FILTER_LEN + 1),
        MAX_FILTER_LEN,
        "longer than 8192 bytes",
    );
}

#[test]
fn hostile_inputs_are_errors_never_stack_overflows() {
    let nine_kib_filter = {
        let mut text = String::from("userName eq \"x\"");
        while text.len() < 9 * 1024 {
            text.push_str(" or userName eq \"x\"");
        }
        text
    };
    let many_terms = (0..300)
        .map(|i| format!("userName eq \"u{i}\""))
        .collect::<Vec<_>>()
        .join(" and ");
    let cases = [
        ("(".repeat(100_000), MAX_FILTER_LEN, "longer than"),
        ("not (".repeat(10_000), MAX_FILTER_LEN, "longer than"),
        (nine_kib_filter, MAX_FILTER_LEN, "longer than"),
        // The same shapes within the length limit hit the depth and term limits.
        ("(".repeat(MAX_FILTER_LEN), MAX_DEPTH, "nested deeper"),
        (
            "not (".repeat(MAX_FILTER_LEN / 5),
            5 * MAX_DEPTH,
            "nested deeper",
        ),
        (
            format!("{}a pr", "a pr and not (".repeat(500)),
            14 * MAX_DEPTH + 9,
            "nested deeper",
        ),
        ("[".repeat(5000), 0, "found '['"),
        (format!("emails{}", "[".repeat(5000)), 7, "found '['"),
        ("\"".repeat(MAX_FILTER_LEN), 0, "found a string"),
        ("\\u".repeat(4000), 0, "not a valid attribute name"),
    ];
    for (input, position, message) in &cases {
        match Filter::parse(input) {
            Err(Error::InvalidFilter {
                position: got,
                message: text,
            }) => {
                assert_eq!(got, *position, "{}...: {text}", &input[..20]);
                assert!(text.contains(message), "{text}");
                // Messages quote the input, but only an excerpt of it.
                assert!(text.len() < 120, "{text}");
            }
            other => panic!("{}...: {other:?}", &input[..20]),
        }
    }
    let many_terms_error = Filter::parse(&many_terms).unwrap_err();
    assert!(matches!(many_terms_error, Error::InvalidFilter { .. }));
    assert!(many_terms_error.to_string().contains("more than 256"));
}

// --- AttrPath, PatchPath and the AST helpers -------------------------------------

#[test]
fn attr_path_parse() {
    let cases = [
        ("userName", at("userName")),
        ("  name.givenName\t", at_sub("name", "givenName")),
        ("members.$ref", at_sub("members", "$ref")),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            at_sub("manager", "value").with_urn(ENTERPRISE),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            at("User").with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0"),
        ),
    ];
    for (input, expected) in cases {
        let parsed = AttrPath::parse(input).unwrap();
        assert_eq!(parsed, expected, "{input}");
        assert_eq!(AttrPath::parse(&parsed.to_string()), Ok(parsed));
    }
    for (input, position) in [
        ("", 0),
        ("  1abc", 2),
        (" name.", 6),
        ("a.b.c", 0),
        ("emails[type eq \"work\"]", 0),
        ("urn:a b:c", 0),
        ("urn:x:", 0),
    ] {
        match AttrPath::parse(input) {
            Err(Error::InvalidPath { position: got, .. }) => {
                assert_eq!(got, position, "{input:?}");
            }
            other => panic!("{input:?}: {other:?}"),
        }
    }
}

#[test]
fn patch_paths_share_the_filter_grammar() {
    let path = PatchPath::parse(r#"emails[type eq "work" and primary eq true].value"#).unwrap();
    assert_eq!(path.attr, at_sub("emails", "value"));
    assert_eq!(
        path.filter,
        Some(eq(at("type"), s("work")).and(eq(at("primary"), CompValue::Bool(true))))
    );
    assert_eq!(
        path.to_string(),
        r#"emails[type eq "work" and primary eq true].value"#
    );
    // The same text is not a complete filter: the comparison is missing.
    check_error(
        r#"emails[type eq "work" and primary eq true].value"#,
        48,
        "expected an operator, found the end",
    );
    // Errors in a path are invalidPath, at the byte where they happen.
    for (input, position) in [
        ("emails[type eq]", 14),
        ("emails[type eq \"work\"", 21),
        ("emails[type eq \"work\"]x", 22),
        ("emails[type eq \"work\"].", 23),
        ("emails.value[type pr]", 0),
        ("emails[value[type pr] pr]", 7),
        ("members[value eq \"x\"] x", 22),
        ("members x", 8),
    ] {
        match PatchPath::parse(input) {
            Err(Error::InvalidPath { position: got, .. }) => {
                assert_eq!(got, position, "{input:?}");
            }
            other => panic!("{input:?}: expected invalidPath, got {other:?}"),
        }
    }
}

#[test]
fn equality_terms_of_a_conjunction() {
    let filter = Filter::parse(r#"type eq "work" and primary eq true and display eq "x""#).unwrap();
    let terms = filter.equality_terms().unwrap();
    let names: Vec<_> = terms.iter().map(|(p, _)| p.name.as_str()).collect();
    assert_eq!(names, ["type", "primary", "display"]);
    assert_eq!(terms[1].1, &CompValue::Bool(true));
    for not_a_conjunction in [
        r#"type eq "work" or primary eq true"#,
        r#"type ne "work""#,
        "type pr",
        r#"not (type eq "work")"#,
    ] {
        let filter = Filter::parse(not_a_conjunction).unwrap();
        assert_eq!(filter.equality_terms(), None, "{not_a_conjunction}");
    }
}
