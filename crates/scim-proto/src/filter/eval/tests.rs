//! Evaluation tests: filters compiled against the built-in resource types and
//! matched against resources in canonical form (see the crate documentation).
//!
//! One helper per concern: [`check`] (does the filter match the resource),
//! [`check_compile_error`] (compile rejects the filter) and [`check_leniency`]
//! (compile records a [`CompatRule`]).

use serde_json::{Value, json};

use super::*;
use crate::compat::{CompatReport, CompatRule};
use crate::error::Error;
use crate::filter::ValuePath;
use crate::schema::{GROUP_RESOURCE, ResourceType, USER_RESOURCE};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// An extension this server has no schema for: its attributes are untyped.
const ACME: &str = "urn:example:params:scim:schemas:extension:acme:1.0:User";
const BJENSEN_ID: &str = "2819c223-7f76-453a-919d-413861904646";
const MANAGER_ID: &str = "26118915-6090-4610-87e4-49d8ca9f808d";

/// The RFC 7643 section 8.2 user, in canonical form, with an enterprise and an
/// unknown extension.
fn bjensen() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            ENTERPRISE,
            ACME,
        ],
        "id": BJENSEN_ID,
        "externalId": "bjensen",
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            // 18:31:02Z: a string comparison with "...T20:00:00Z" would get the order wrong.
            "lastModified": "2011-08-01T20:31:02+02:00",
            "location": format!("https://example.com/v2/Users/{BJENSEN_ID}"),
            "version": "W/\"3694e05e9dff591\""
        },
        "userName": "Bjensen@Example.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Barbara",
            "middleName": "Jane"
        },
        "displayName": "Babs Jensen",
        "nickName": "Émilie",
        "title": "Tour Guide",
        "userType": "Employee",
        "preferredLanguage": "en-US",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [
            {"value": "555-555-5555", "type": "work"},
            {"value": "555-555-4444", "type": "mobile"}
        ],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "addresses": [{
            "type": "work",
            "streetAddress": "100 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "USA",
            "primary": true
        }],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
        ENTERPRISE: {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "division": "Theme Park",
            "department": "Tour Operations",
            "manager": {"value": MANAGER_ID, "displayName": "John Smith"}
        },
        ACME: {
            "level": 7,
            "score": 2.5,
            "badge": "Gold",
            "verified": true,
            "tags": ["alpha", "Beta"],
            "joined": "2020-01-01T00:00:00Z"
        }
    })
}

/// A user with only what a create requires.
fn minimal() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "b1c2",
        "userName": "mvp",
        "meta": {"resourceType": "User", "created": "2024-03-01T00:00:00Z"}
    })
}

/// A group as rendered, with its members.
fn sales() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Sales Reps",
        "members": [
            {"value": BJENSEN_ID, "display": "Babs Jensen", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge", "type": "User"}
        ],
        "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z"}
    })
}

// --- Helpers -------------------------------------------------------------------

fn compiled(filter: &str, rt: &ResourceType) -> CompiledFilter {
    let parsed = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    compile(&parsed, rt).unwrap_or_else(|e| panic!("{filter}: {e}"))
}

/// Whether `filter`, compiled for `rt`, matches `resource` as `expected` says.
#[track_caller]
fn check_in(rt: &ResourceType, filter: &str, resource: &Value, expected: bool) {
    assert_eq!(
        compiled(filter, rt).matches(resource),
        expected,
        "{filter} on {}",
        resource["id"]
    );
}

/// [`check_in`] for users.
#[track_caller]
fn check(filter: &str, resource: &Value, expected: bool) {
    check_in(&USER_RESOURCE, filter, resource, expected);
}

/// `filter` parses but does not compile for users; the message mentions `message`.
#[track_caller]
fn check_compile_error(filter: &str, message: &str) {
    let parsed = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    match compile(&parsed, &USER_RESOURCE) {
        Err(Error::InvalidFilter { message: text, .. }) => {
            assert!(
                text.contains(message),
                "{filter}: {text:?} should mention {message:?}"
            );
        }
        other => panic!("{filter}: expected invalidFilter, got {other:?}"),
    }
}

/// Compiling `filter` for users records exactly `rules`.
#[track_caller]
fn check_leniency(filter: &str, rules: &[CompatRule]) {
    let parsed = Filter::parse(filter).unwrap();
    let mut report = CompatReport::new();
    compile_with(&parsed, &USER_RESOURCE, &mut report).unwrap();
    assert_eq!(report.rules().collect::<Vec<_>>(), rules, "{filter}");
}

// --- RFC examples ----------------------------------------------------------------

#[test]
fn rfc_7644_examples_on_bjensen() {
    let user = bjensen();
    let cases = [
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"name.familyName co "O'Malley""#, false),
        (r#"name.familyName co "ens""#, true),
        (r#"userName sw "J""#, false),
        (r#"userName sw "B""#, true),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b""#,
            true,
        ),
        ("title pr", true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, false),
        (r#"title pr and userType eq "Employee""#, true),
        (r#"title pr or userType eq "Intern""#, true),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            true,
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            true,
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            false,
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            true,
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            true,
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            true,
        ),
        (
            r#"emails[type eq "home" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            false,
        ),
    ];
    for (filter, expected) in cases {
        check(filter, &user, expected);
    }
    // The minimal user has none of the enterprise attributes or the extension schema.
    check(
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        &minimal(),
        false,
    );
    check(
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        &minimal(),
        true,
    );
}

// --- Strings and case ----------------------------------------------------------------

#[test]
fn case_exactness_follows_the_schema() {
    let user = bjensen();
    let upper_id = BJENSEN_ID.to_uppercase();
    let cases = [
        // caseExact: id, externalId, meta.resourceType, meta.version, manager.value.
        (format!(r#"id eq "{BJENSEN_ID}""#), true),
        (format!(r#"id eq "{upper_id}""#), false),
        (r#"externalId eq "bjensen""#.to_owned(), true),
        (r#"externalId eq "BJensen""#.to_owned(), false),
        (r#"externalId sw "bj""#.to_owned(), true),
        (r#"externalId sw "BJ""#.to_owned(), false),
        (r#"meta.resourceType eq "User""#.to_owned(), true),
        (r#"meta.resourceType eq "user""#.to_owned(), false),
        (r#"meta.version ew "591\"""#.to_owned(), true),
        (
            r#"meta.version eq "w/\"3694e05e9dff591\"""#.to_owned(),
            false,
        ),
        (
            format!(r#"{ENTERPRISE}:manager.value eq "{MANAGER_ID}""#),
            true,
        ),
        (
            format!(
                r#"{ENTERPRISE}:manager.value eq "{}""#,
                MANAGER_ID.to_uppercase()
            ),
            false,
        ),
        (r#"meta.location co "/v2/Users/""#.to_owned(), true),
        (r#"meta.location co "/V2/USERS/""#.to_owned(), false),
        // Not caseExact: userName, displayName, emails.value, name.*, enterprise strings.
        (r#"userName eq "BJENSEN@EXAMPLE.COM""#.to_owned(), true),
        (r#"userName eq "bjensen@example.com""#.to_owned(), true),
        (r#"USERNAME EQ "bjensen@example.COM""#.to_owned(), true),
        (r#"displayName eq "babs jensen""#.to_owned(), true),
        (r#"displayName co "BS JE""#.to_owned(), true),
        (r#"emails.value eq "BJensen@Example.COM""#.to_owned(), true),
        (r#"emails[value ew "@EXAMPLE.COM"]"#.to_owned(), true),
        (r#"name.givenName eq "BARBARA""#.to_owned(), true),
        (r#"department eq "tour operations""#.to_owned(), true),
        (r#"emails.type eq "WORK""#.to_owned(), true),
    ];
    for (filter, expected) in &cases {
        check(filter, &user, *expected);
    }
}

#[test]
fn non_ascii_text_is_case_folded_consistently() {
    let user_named =
        |name: &str| json!({"id": "u", "userName": "u", "displayName": name, "nickName": name});
    let same = [
        ("Émilie", "émilie"),
        ("ÉMILIE", "Émilie"),
        ("STRASSE", "strasse"),
        ("Straße", "STRAßE"),
        // Titlecase letters have a lowercase form although they are not uppercase.
        ("ǅemal", "ǆemal"),
        ("ǅemal", "Ǆemal"),
        // Final sigma folds to sigma, wherever it stands.
        ("ΟΔΟΣ", "οδος"),
        ("ΟΔΟΣ", "οδοσ"),
        ("οδος", "ΟΔΟΣ"),
        ("Ωmega", "ωMEGA"),
        // The Kelvin sign lowercases to k.
        ("\u{212a}elvin", "kelvin"),
        ("ſtraße", "straße"),
        ("µ-meter", "μ-METER"),
    ];
    for (stored, literal) in same {
        let user = user_named(stored);
        check(&format!(r#"displayName eq "{literal}""#), &user, true);
        check(&format!(r#"displayName sw "{literal}""#), &user, true);
        check(&format!(r#"displayName ne "{literal}""#), &user, false);
        assert_eq!(
            fold_case(stored),
            fold_case(literal),
            "{stored} / {literal}"
        );
    }
    let different = [("Émilie", "emilie"), ("straße", "strasse"), ("ı", "i")];
    for (stored, literal) in different {
        check(
            &format!(r#"displayName eq "{literal}""#),
            &user_named(stored),
            false,
        );
    }
    // caseExact attributes are compared as stored.
    let user = json!({"id": "Émilie", "userName": "u"});
    check(r#"id eq "Émilie""#, &user, true);
    check(r#"id eq "émilie""#, &user, false);
}

#[test]
fn string_operators_and_ordering() {
    let user = bjensen();
    let cases = [
        (r#"title eq "Tour Guide""#, true),
        (r#"title eq "Tour""#, false),
        (r#"title co "our G""#, true),
        (r#"title co """#, true),
        (r#"title sw "tour""#, true),
        (r#"title sw "guide""#, false),
        (r#"title ew "GUIDE""#, true),
        (r#"title ew "tour""#, false),
        // Strings order by code point after folding.
        (r#"title gt "tour""#, true),
        (r#"title gt "TOUR GUIDE""#, false),
        (r#"title ge "TOUR GUIDE""#, true),
        (r#"title lt "tourist""#, true),
        (r#"title le "tour guide""#, true),
        (r#"title lt "a""#, false),
        // A string longer than the value cannot be contained in it.
        (r#"title co "Tour Guide and more""#, false),
    ];
    for (filter, expected) in cases {
        check(filter, &user, expected);
    }
}

// --- Multi-valued and complex attributes ---------------------------------------------

#[test]
fn multi_valued_attributes_match_if_any_value_matches() {
    let user = bjensen();
    let cases = [
        (r#"emails.value eq "babs@jensen.org""#, true),
        (r#"emails.value eq "bjensen@example.com""#, true),
        (r#"emails.value eq "nobody@example.com""#, false),
        (r#"emails.type eq "home""#, true),
        (r#"phoneNumbers.type eq "mobile""#, true),
        (r#"addresses.locality eq "hollywood""#, true),
        // `ne` is the negation of "any value equals".
        (r#"emails.value ne "babs@jensen.org""#, false),
        (r#"emails.value ne "nobody@example.com""#, true),
        (r#"not (emails.type eq "home")"#, false),
        // A comparison on the complex attribute itself compares `value`.
        (r#"emails co "example.com""#, true),
        (r#"emails sw "babs""#, true),
        (r#"emails eq "babs@jensen.org""#, true),
        (r#"emails eq "home""#, false),
        (r#"phoneNumbers ew "4444""#, true),
        (r#"ims eq "someaimhandle""#, true),
        (&format!(r#"{ENTERPRISE}:manager eq "{MANAGER_ID}""#), true),
        // Multi-valued strings of an unknown extension.
        (&format!(r#"{ACME}:tags eq "beta""#), true),
        (&format!(r#"{ACME}:tags eq "gamma""#), false),
    ];
    for (filter, expected) in cases {
        check(filter, &user, expected);
    }
}

#[test]
fn value_paths_require_one_element_to_satisfy_everything() {
    let user = bjensen();
    let cases = [
        (r#"emails[type eq "work" and value co "example.com"]"#, true),
        // Each half matches a different element: no single element matches both...
        (r#"emails[type eq "work" and value co "jensen.org"]"#, false),
        // ...while the flat form only asks for some element each.
        (
            r#"emails.type eq "work" and emails.value co "jensen.org""#,
            true,
        ),
        (r#"emails[type eq "home" and primary eq true]"#, false),
        (r#"emails[type eq "work" and primary eq true]"#, true),
        (r#"emails[not (type eq "work")]"#, true),
        (r#"emails[not (type eq "work") and primary eq true]"#, false),
        (r#"emails[type eq "work" or type eq "home"]"#, true),
        (r#"emails[primary pr]"#, true),
        (r#"phoneNumbers[primary pr]"#, false),
        (r#"addresses[type eq "work" and postalCode sw "916"]"#, true),
        // The `.sub op value` form tests the same element.
        (
            r#"emails[type eq "work"].value eq "bjensen@example.com""#,
            true,
        ),
        (
            r#"emails[type eq "work"].value eq "babs@jensen.org""#,
            false,
        ),
        (r#"emails[type eq "home"].value eq "babs@jensen.org""#, true),
        (r#"emails[type eq "home"].primary eq true"#, false),
        (r#"emails[type eq "home"].primary pr"#, false),
        (r#"emails[type eq "work"].primary pr"#, true),
        // Single-valued complex attributes take value filters too.
        (
            r#"name[givenName eq "barbara" and familyName eq "jensen"]"#,
            true,
        ),
        (
            r#"name[givenName eq "barbara" and familyName eq "smith"]"#,
            false,
        ),
        (
            &format!(r#"{ENTERPRISE}:manager[value eq "{MANAGER_ID}"]"#),
            true,
        ),
        (
            r#"emails[type eq "work"] and not (emails[type eq "other"])"#,
            true,
        ),
        (r#"emails[value pr] and ims[type eq "xmpp"]"#, false),
    ];
    for (filter, expected) in cases {
        check(filter, &user, expected);
    }
    check(r#"emails[type eq "work"]"#, &minimal(), false);
    check(r#"not (emails[type eq "work"])"#, &minimal(), true);
}

// --- Types ----------------------------------------------------------------------------

#[test]
fn date_times_compare_as_instants() {
    let user = bjensen();
    // meta.lastModified is 2011-08-01T20:31:02+02:00, i.e. 18:31:02Z.
    let cases = [
        (r#"meta.lastModified eq "2011-08-01T18:31:02Z""#, true),
        (r#"meta.lastModified eq "2011-08-01T19:31:02+01:00""#, true),
        (r#"meta.lastModified eq "2011-08-01T18:31:02.000Z""#, true),
        (r#"meta.lastModified eq "2011-08-01T20:31:02Z""#, false),
        (r#"meta.lastModified ne "2011-08-01T20:31:02Z""#, true),
        // As strings, "2011-08-01T20:31:02+02:00" would sort after "2011-08-01T20:00:00Z".
        (r#"meta.lastModified lt "2011-08-01T20:00:00Z""#, true),
        (r#"meta.lastModified gt "2011-08-01T18:31:01.999Z""#, true),
        (r#"meta.lastModified gt "2011-08-01T18:31:02Z""#, false),
        (r#"meta.lastModified ge "2011-08-01T18:31:02Z""#, true),
        (r#"meta.lastModified le "2011-08-01T13:31:02-05:00""#, true),
        (r#"meta.lastModified lt "2011-08-01T13:31:02-05:00""#, false),
        (r#"meta.created lt "2011-08-01T00:00:00Z""#, true),
        (r#"meta.created gt "2010-01-23T04:56:21.999999Z""#, true),
        // Untyped in an unknown extension: compared as strings.
        (&format!(r#"{ACME}:joined sw "2020-""#), true),
        (&format!(r#"{ACME}:joined gt "2019""#), true),
    ];
    for (filter, expected) in cases {
        check(filter, &user, expected);
    }
    // A stored value that is not a date-time never matches, whatever the operator.
    let broken = json!({"id": "x", "userName": "x", "meta": {"created": "yesterday"}});
    for op in ["eq", "ne", "gt", "ge", "lt", "le"] {
        let filter = format!(r#"meta.created {op} "2011-08-01T00:00:00Z""#);
        check(&filter, &broken, op == "ne");
    }
    check("meta.created pr", &broken, true);
}

#[test]
fn numbers_compare_numerically() {
    // Core User has no numeric attribute; the unknown extension's are untyped numbers.
    let user = bjensen();
    let cases = [
        ("level eq 7", true),
        ("level eq 7.0", true),
        ("level eq 7.5", false),
        ("level gt 5", true),
        ("level gt 7", false),
        ("level ge 7", true),
        ("level lt 7.5", true),
        ("level le 6.99", false),
        ("level ne 7", false),
        ("level gt -9223372036854775808", true),
        ("level lt 1e300", true),
        ("score eq 2.5", true),
        ("score gt 2", true),
        ("score lt 3", true),
        ("score ge 2.5e0", true),
        ("score le 25e-1", true),
        ("score gt 2.5", false),
        // A number never equals a string or a boolean.
        (r#"level eq "7""#, false),
        ("level eq true", false),
        ("badge gt 1", false),
    ];
    for (filter, expected) in cases {
        check(&format!("{ACME}:{filter}"), &user, expected);
    }
    let big =
        json!({"id": "x", ACME: {"n": 9_007_199_254_740_993_u64, "f": 1.0e20, "u": u64::MAX}});
    check(&format!("{ACME}:n eq 9007199254740993"), &big, true);
    check(&format!("{ACME}:n gt 9007199254740992"), &big, true);
    check(&format!("{ACME}:f gt 9223372036854775807"), &big, true);
    check(&format!("{ACME}:f eq 100000000000000000000"), &big, true);
    check(&format!("{ACME}:u gt 9223372036854775807"), &big, true);
}

#[test]
fn booleans() {
    let user = bjensen();
    let inactive = json!({"id": "x", "userName": "x", "active": false});
    let cases = [
        ("active eq true", true, false),
        ("active eq false", false, true),
        ("active ne true", false, true),
        ("active ne false", true, false),
        ("active pr", true, true),
        ("emails[primary eq true]", true, false),
        ("emails.primary eq false", false, false),
        // The strings "true"/"false" in any case, as Entra's legacy dialect writes them.
        (r#"active eq "True""#, true, false),
        (r#"active eq "FALSE""#, false, true),
        (r#"active ne "false""#, true, false),
    ];
    for (filter, on_bjensen, on_inactive) in cases {
        check(filter, &user, on_bjensen);
        check(filter, &inactive, on_inactive);
    }
    check(&format!("{ACME}:verified eq true"), &user, true);
    check(&format!("{ACME}:verified eq false"), &user, false);
    check(&format!(r#"{ACME}:verified eq "true""#), &user, false);
    check_leniency(r#"active eq "True""#, &[CompatRule::BooleanString]);
    check_leniency("active eq true", &[]);
}

// --- Presence, absence and null -----------------------------------------------------

#[test]
fn present_means_a_non_empty_value() {
    let cases = [
        (json!({"title": "x"}), "title pr", true),
        (json!({"title": ""}), "title pr", false),
        (json!({"title": null}), "title pr", false),
        (json!({}), "title pr", false),
        (json!({"emails": []}), "emails pr", false),
        (json!({"emails": [{}]}), "emails pr", false),
        (json!({"emails": [{"value": ""}]}), "emails pr", false),
        (json!({"emails": [{"value": null}]}), "emails pr", false),
        (json!({"emails": [{"type": "work"}]}), "emails pr", true),
        (
            json!({"emails": [{"type": "work"}]}),
            "emails.value pr",
            false,
        ),
        (
            json!({"emails": [{"value": ""}, {"value": "a@b"}]}),
            "emails.value pr",
            true,
        ),
        (json!({"name": {}}), "name pr", false),
        (json!({"name": {"givenName": ""}}), "name pr", false),
        (json!({"name": {"givenName": "B"}}), "name pr", true),
        (
            json!({"name": {"givenName": "B"}}),
            "name.familyName pr",
            false,
        ),
        (json!({"active": false}), "active pr", true),
        (json!({ENTERPRISE: {}}), "department pr", false),
        (
            json!({ENTERPRISE: {"manager": {"value": ""}}}),
            "manager pr",
            false,
        ),
        (
            json!({ENTERPRISE: {"manager": {"value": "m"}}}),
            "manager pr",
            true,
        ),
        (json!({ACME: {"n": 0}}), &format!("{ACME}:n pr"), true),
        (
            json!({ACME: {"list": [[], ""]}}),
            &format!("{ACME}:list pr"),
            false,
        ),
    ];
    for (resource, filter, expected) in &cases {
        check(filter, resource, *expected);
    }
}

#[test]
fn absent_attributes_make_comparisons_false_and_negations_true() {
    let user = minimal();
    let cases = [
        (r#"title eq "x""#, false),
        (r#"title ne "x""#, true),
        (r#"not (title eq "x")"#, true),
        (r#"title co "x""#, false),
        (r#"not (title co "x")"#, true),
        (r#"title gt "a""#, false),
        (r#"title lt "a""#, false),
        ("title pr", false),
        ("not (title pr)", true),
        ("title eq null", true),
        ("title ne null", false),
        ("active eq true", false),
        ("active ne true", true),
        ("active eq false", false),
        (r#"emails.value ne "x""#, true),
        (r#"department ne "IT""#, true),
        (r#"meta.lastModified gt "2000-01-01T00:00:00Z""#, false),
        (r#"meta.lastModified ne "2000-01-01T00:00:00Z""#, true),
    ];
    for (filter, expected) in cases {
        check(filter, &user, expected);
    }
    // On a user who has the attribute, `eq null` is false and `ne null` is `pr`.
    let user = bjensen();
    check("title eq null", &user, false);
    check("title ne null", &user, true);
    check("emails eq null", &user, false);
    check("emails.display eq null", &user, true);
}

// --- Extensions and schemas -----------------------------------------------------------

#[test]
fn extension_attributes_qualified_or_not() {
    let user = bjensen();
    let it = json!({"id": "x", ENTERPRISE: {"department": "IT"}});
    let cases = [
        (
            format!(r#"{ENTERPRISE}:department eq "Tour Operations""#),
            true,
        ),
        (r#"department eq "tour operations""#.to_owned(), true),
        (r#"Department EQ "Tour Operations""#.to_owned(), true),
        (r#"employeeNumber eq "701984""#.to_owned(), true),
        (
            format!(r#"{ENTERPRISE}:manager.displayName sw "john""#),
            true,
        ),
        (r#"department eq "IT""#.to_owned(), false),
        (
            format!(
                r#"{}:department eq "Tour Operations""#,
                ENTERPRISE.to_uppercase()
            ),
            true,
        ),
    ];
    for (filter, expected) in &cases {
        check(filter, &user, *expected);
    }
    check(r#"department eq "IT""#, &it, true);
    check(r#"department eq "it""#, &it, true);
    check_leniency(
        r#"department eq "IT""#,
        &[CompatRule::UnqualifiedExtensionAttribute],
    );
    check_leniency(&format!(r#"{ENTERPRISE}:department eq "IT""#), &[]);
    // An unquoted number compared with a string attribute is its text.
    check("employeeNumber eq 701984", &user, true);
    // ...and ordered as text: "701984" sorts before "8".
    check("employeeNumber gt 8", &user, false);
    check("employeeNumber lt 8", &user, true);
    check_leniency(
        "employeeNumber eq 701984",
        &[
            CompatRule::UnquotedFilterValue,
            CompatRule::UnqualifiedExtensionAttribute,
        ],
    );
}

#[test]
fn unknown_extension_attributes_are_untyped() {
    let user = bjensen();
    let cases = [
        (format!(r#"{ACME}:badge eq "gold""#), true),
        (format!(r#"{ACME}:BADGE eq "GOLD""#), true),
        (format!(r#"{ACME}:badge co "ol""#), true),
        (format!(r#"{ACME}:badge eq "silver""#), false),
        (format!(r#"{ACME}:missing eq "gold""#), false),
        (format!(r#"{ACME}:missing pr"#), false),
        (format!(r#"{ACME}:badge pr"#), true),
        (format!(r#"{ACME}:level eq "7""#), false),
        (
            r#"urn:example:other:1.0:User:badge eq "gold""#.to_owned(),
            false,
        ),
    ];
    for (filter, expected) in &cases {
        check(filter, &user, *expected);
    }
    let nested =
        json!({"id": "x", ACME: {"badges": [{"kind": "gold", "year": 2020}, {"kind": "silver"}]}});
    check(
        &format!(r#"{ACME}:badges[kind eq "gold" and year gt 2019]"#),
        &nested,
        true,
    );
    check(
        &format!(r#"{ACME}:badges[kind eq "silver" and year gt 2019]"#),
        &nested,
        false,
    );
    check(&format!(r#"{ACME}:badges.kind eq "SILVER""#), &nested, true);
}

#[test]
fn schemas_is_a_case_exact_multi_valued_attribute_of_every_resource() {
    let user = bjensen();
    let cases = [
        (format!(r#"schemas eq "{ENTERPRISE}""#), true),
        (format!(r#"SCHEMAS eq "{ENTERPRISE}""#), true),
        (
            format!(r#"schemas eq "{}""#, ENTERPRISE.to_lowercase()),
            false,
        ),
        (format!(r#"schemas ne "{ENTERPRISE}""#), false),
        (r#"schemas co "enterprise""#.to_owned(), true),
        (r#"schemas ew ":acme:1.0:User""#.to_owned(), true),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#.to_owned(),
            false,
        ),
        ("schemas pr".to_owned(), true),
    ];
    for (filter, expected) in &cases {
        check(filter, &user, *expected);
    }
    check_in(
        &GROUP_RESOURCE,
        r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#,
        &sales(),
        true,
    );
    check_compile_error("schemas.value eq \"x\"", "has no sub-attributes");
    check_compile_error("schemas[value eq \"x\"]", "not a complex attribute");
    check_compile_error("schemas eq true", "cannot be compared with true");
    check_compile_error(
        "urn:ietf:params:scim:schemas:core:2.0:User:schemas pr",
        "unknown attribute",
    );
}

// --- Groups ---------------------------------------------------------------------------

#[test]
fn groups() {
    let group = sales();
    let upper_id = BJENSEN_ID.to_uppercase();
    let cases = [
        (r#"displayName eq "sales reps""#.to_owned(), true),
        (r#"displayName eq "Sales""#.to_owned(), false),
        (format!(r#"members[value eq "{BJENSEN_ID}"]"#), true),
        (format!(r#"members[value eq "{upper_id}"]"#), false),
        (format!(r#"members eq "{BJENSEN_ID}""#), true),
        (format!(r#"members.value eq "{BJENSEN_ID}""#), true),
        (r#"members.display co "pepperidge""#.to_owned(), true),
        (r#"members[type eq "Group"]"#.to_owned(), false),
        (
            r#"members[display sw "babs" and type eq "user"]"#.to_owned(),
            true,
        ),
        ("members pr".to_owned(), true),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:Group:displayName sw "SALES""#.to_owned(),
            true,
        ),
        (r#"meta.resourceType eq "Group""#.to_owned(), true),
    ];
    for (filter, expected) in &cases {
        check_in(&GROUP_RESOURCE, filter, &group, *expected);
    }
    // A group without members (Entra reads groups with excludedAttributes=members).
    let empty = json!({"id": "g", "displayName": "Empty"});
    check_in(&GROUP_RESOURCE, "members pr", &empty, false);
    check_in(&GROUP_RESOURCE, r#"members[value eq "x"]"#, &empty, false);
    // User attributes do not exist on groups.
    let parsed = Filter::parse(r#"userName eq "x""#).unwrap();
    assert!(matches!(
        compile(&parsed, &GROUP_RESOURCE),
        Err(Error::InvalidFilter { .. })
    ));
    let parsed = Filter::parse(r#"department eq "x""#).unwrap();
    assert!(compile(&parsed, &GROUP_RESOURCE).is_err());
}

// --- Compile errors ---------------------------------------------------------------------

#[test]
fn filters_that_do_not_fit_the_schema_are_invalid() {
    let cases = [
        // Unknown names.
        (r#"nickname2 eq "x""#, "unknown attribute 'nickname2'"),
        (r#"emails.nope eq "x""#, "has no sub-attribute 'nope'"),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:department eq "x""#,
            "unknown attribute",
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x""#,
            "unknown attribute",
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User eq "x""#,
            "names a whole schema extension",
        ),
        // Sub-attributes of simple attributes.
        (
            r#"userName.first eq "x""#,
            "'userName' has no sub-attributes",
        ),
        (r#"active.value eq true"#, "has no sub-attributes"),
        // Operators that do not suit the type.
        ("active gt true", "only eq and ne apply, not gt"),
        ("active co true", "only eq and ne apply, not co"),
        ("emails[primary lt false]", "only eq and ne apply"),
        (r#"meta.created co "2011""#, "dateTime; co does not apply"),
        (r#"meta.lastModified sw "2011""#, "sw does not apply"),
        (
            r#"x509Certificates.value gt "MII""#,
            "binary; gt does not apply",
        ),
        (r#"x509Certificates le "MII""#, "binary; le does not apply"),
        (r#"userName gt null"#, "'gt' cannot be used with null"),
        (r#"userName co null"#, "cannot be used with null"),
        // Values that do not suit the type.
        (
            r#"meta.created gt "yesterday""#,
            "not an RFC 3339 date-time",
        ),
        (
            r#"meta.created gt "2011-05-13""#,
            "not an RFC 3339 date-time",
        ),
        (
            r#"meta.created gt "2011-05-13T04:42:34""#,
            "not an RFC 3339 date-time",
        ),
        (
            "meta.created gt 5",
            "is of type dateTime and cannot be compared with 5",
        ),
        ("active eq 1", "is of type boolean"),
        (r#"active eq "yes""#, "is of type boolean"),
        (
            "userName eq true",
            "is of type string and cannot be compared with true",
        ),
        ("userName eq 1.5", "cannot be compared with 1.5"),
        (r#"name eq "Barbara""#, "'name' is complex"),
        ("name gt 1", "'name' is complex"),
        // Value filters.
        (r#"userName[value eq "x"]"#, "not a complex attribute"),
        (r#"active[value eq true]"#, "not a complex attribute"),
        (
            r#"emails[name.givenName eq "x"]"#,
            "must be a sub-attribute of 'emails'",
        ),
        (
            r#"emails[urn:ietf:params:scim:schemas:core:2.0:User:type eq "x"]"#,
            "must be a sub-attribute",
        ),
        (r#"emails[nope eq "x"]"#, "has no sub-attribute 'nope'"),
        (
            r#"emails[type eq "work"].nope eq "x""#,
            "has no sub-attribute 'nope'",
        ),
        (
            r#"emails[type eq "work"].primary gt true"#,
            "only eq and ne apply",
        ),
        (r#"emails[type eq 5.5]"#, "cannot be compared with 5.5"),
    ];
    for (filter, message) in cases {
        check_compile_error(filter, message);
    }
}

#[test]
fn trees_the_parser_never_builds_are_rejected_too() {
    // Nested value filters and value filters on sub-attributes only come from
    // hand-built trees; compile must not trust the parser to have excluded them.
    let inner = Filter::ValuePath(Box::new(ValuePath {
        attr: AttrPath::new("emails"),
        filter: Filter::parse(r#"type eq "work""#).unwrap(),
        then: None,
    }));
    let nested = Filter::ValuePath(Box::new(ValuePath {
        attr: AttrPath::new("emails"),
        filter: inner,
        then: None,
    }));
    let on_sub = Filter::ValuePath(Box::new(ValuePath {
        attr: AttrPath::new("name").with_sub("givenName"),
        filter: Filter::parse(r#"x eq "y""#).unwrap(),
        then: None,
    }));
    for (filter, message) in [
        (nested, "cannot be nested"),
        (on_sub, "must follow a top-level attribute"),
    ] {
        match compile(&filter, &USER_RESOURCE) {
            Err(Error::InvalidFilter { message: text, .. }) => {
                assert!(text.contains(message), "{text}");
            }
            other => panic!("{filter}: {other:?}"),
        }
    }
}

// --- The compiled tree --------------------------------------------------------------

#[test]
fn compile_rewrites_derived_forms_into_the_core() {
    let root = |filter: &str| compiled(filter, &USER_RESOURCE).root().clone();

    // `ne` is `not eq`; the literal is folded once for a case-insensitive attribute.
    match root(r#"userName ne "Alice""#) {
        Node::Not(inner) => match *inner {
            Node::Test(at, Check::Compare(CompareOp::Eq, Operand::Str(s))) => {
                assert_eq!((at.attr.as_str(), at.sub.as_deref()), ("userName", None));
                assert_eq!(s, "alice");
                assert!(!at.case_exact());
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // `eq null` is `not pr`, `ne null` is `pr`.
    assert!(matches!(
        root("title eq null"),
        Node::Not(inner) if matches!(*inner, Node::Test(_, Check::Present))
    ));
    assert!(matches!(
        root("title ne null"),
        Node::Test(_, Check::Present)
    ));
    // Canonical names, extension keys and the implied `value` sub-attribute.
    match root(r#"EMAILS co "X""#) {
        Node::Test(at, Check::Compare(CompareOp::Co, Operand::Str(s))) => {
            assert_eq!(at.attr, "emails");
            assert_eq!(at.sub.as_deref(), Some("value"));
            assert!(at.multi_valued());
            assert_eq!(s, "x");
        }
        other => panic!("{other:?}"),
    }
    match root(r#"manager.VALUE eq "M1""#) {
        Node::Test(at, Check::Compare(_, Operand::Str(s))) => {
            assert_eq!(at.extension.as_deref(), Some(ENTERPRISE));
            assert_eq!(
                (at.attr.as_str(), at.sub.as_deref()),
                ("manager", Some("value"))
            );
            assert!(at.case_exact());
            assert_eq!(s, "M1");
        }
        other => panic!("{other:?}"),
    }
    // Date-times become instants.
    match root(r#"meta.created gt "2011-05-13T06:42:34+02:00""#) {
        Node::Test(at, Check::Compare(CompareOp::Gt, Operand::DateTime(t))) => {
            assert_eq!(at.ty(), Some(crate::schema::AttributeType::DateTime));
            assert_eq!(t.timestamp(), 1_305_261_754);
        }
        other => panic!("{other:?}"),
    }
    // `emails[type eq "work"].value eq "x"` is one element test.
    match root(r#"emails[type eq "work"].value eq "x""#) {
        Node::Elements(at, inner) => {
            assert_eq!((at.attr.as_str(), at.sub.as_deref()), ("emails", None));
            match *inner {
                Node::And(l, r) => {
                    assert!(matches!(*l, Node::Test(ref t, _) if t.sub.as_deref() == Some("type")));
                    assert!(
                        matches!(*r, Node::Test(ref t, _) if t.sub.as_deref() == Some("value"))
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    // Unknown extensions keep the name as written and have no definition.
    match root(&format!("{ACME}:Level gt 5")) {
        Node::Test(at, Check::Compare(CompareOp::Gt, Operand::Int(5))) => {
            assert_eq!(at.extension.as_deref(), Some(ACME));
            assert_eq!(at.attr, "Level");
            assert_eq!(at.ty(), None);
        }
        other => panic!("{other:?}"),
    }
}
