//! The adversarial corpus: malformed and hostile requests against every SCIM
//! endpoint, each answered by a well-formed SCIM error (a 4xx, never a 5xx,
//! with the status and `scimType` the case names), and none changing the
//! tenant (its users, groups, memberships and event log are compared before
//! and after). Cases are data, generated per category below; the categories
//! are listed in `docs/reliability.md`, *Input*.

use std::time::Instant;

use serde_json::{Value, json};

use crate::both_backends;

use crate::harness::{Backend, Client, Server, q, start};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// The answer a case must get.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// This status and `scimType` (`None`: the RFC defines none for it).
    Error(u16, Option<&'static str>),
    /// A read whose hostile value must find nothing: 200 with no resources.
    NothingFound,
}

const INVALID_SYNTAX: Expect = Expect::Error(400, Some("invalidSyntax"));
const INVALID_VALUE: Expect = Expect::Error(400, Some("invalidValue"));
const INVALID_FILTER: Expect = Expect::Error(400, Some("invalidFilter"));
const INVALID_PATH: Expect = Expect::Error(400, Some("invalidPath"));
const MUTABILITY: Expect = Expect::Error(400, Some("mutability"));
const NOT_FOUND: Expect = Expect::Error(404, None);
const UNAUTHORISED: Expect = Expect::Error(401, None);
const NOT_ALLOWED: Expect = Expect::Error(405, None);
const TOO_LARGE: Expect = Expect::Error(413, None);
const PRECONDITION: Expect = Expect::Error(412, None);

struct Case {
    category: &'static str,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    expect: Expect,
}

/// The resources the cases aim at.
struct Targets {
    user: String,
    group: String,
}

fn case(
    category: &'static str,
    method: &'static str,
    path: &str,
    body: Option<Vec<u8>>,
    expect: Expect,
) -> Case {
    Case {
        category,
        method,
        path: path.to_owned(),
        headers: Vec::new(),
        body,
        expect,
    }
}

fn json_body(value: &Value) -> Option<Vec<u8>> {
    Some(value.to_string().into_bytes())
}

fn patch_body(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// Every route that reads a JSON body, with a valid body of its kind.
fn body_routes(t: &Targets) -> Vec<(&'static str, String, Value)> {
    let user = json!({"schemas": [USER], "userName": "corpus@contoso.com"});
    let group = json!({"schemas": [GROUP], "displayName": "Corpus"});
    let patch = patch_body(json!([{"op": "replace", "path": "displayName", "value": "X"}]));
    let search = json!({"schemas": [SEARCH], "filter": "displayName pr"});
    vec![
        ("POST", "/Users".into(), user.clone()),
        ("PUT", format!("/Users/{}", t.user), user),
        ("PATCH", format!("/Users/{}", t.user), patch.clone()),
        ("POST", "/Groups".into(), group.clone()),
        ("PUT", format!("/Groups/{}", t.group), group),
        ("PATCH", format!("/Groups/{}", t.group), patch),
        ("POST", "/.search".into(), search.clone()),
        ("POST", "/Users/.search".into(), search.clone()),
        ("POST", "/Groups/.search".into(), search),
        (
            "POST",
            "/Bulk".into(),
            json!({"schemas": [BULK], "Operations": [{"method": "DELETE", "path": "/Users/none"}]}),
        ),
    ]
}

fn broken_json(t: &Targets, out: &mut Vec<Case>) {
    let bodies: [&[u8]; 9] = [
        b"",
        b"   ",
        b"{",
        b"{\"userName\": }",
        b"[1, 2",
        b"nul",
        b"{} trailing",
        b"{'userName': 'x'}",
        b"{\"userName\": \"x\",}",
    ];
    for (method, path, _) in body_routes(t) {
        for body in bodies {
            out.push(case(
                "broken JSON",
                method,
                &path,
                Some(body.to_vec()),
                INVALID_SYNTAX,
            ));
        }
    }
}

fn wrong_types(t: &Targets, out: &mut Vec<Case>) {
    // The body itself of the wrong JSON type.
    for (method, path, _) in body_routes(t) {
        for body in [
            json!([]),
            json!([{"a": 1}]),
            json!("x"),
            json!(1),
            json!(null),
            json!(true),
        ] {
            out.push(case(
                "wrong types",
                method,
                &path,
                json_body(&body),
                INVALID_SYNTAX,
            ));
        }
    }
    let user_path = format!("/Users/{}", t.user);
    let group_path = format!("/Groups/{}", t.group);
    let user_values = [
        ("userName", json!(42)),
        ("userName", json!({"a": "b"})),
        ("userName", json!(["a", "b"])),
        ("active", json!("maybe")),
        ("active", json!(1)),
        ("name", json!("Ada")),
        ("name", json!({"givenName": 5})),
        ("emails", json!("a@b.c")),
        ("emails", json!({"value": "a@b.c"})),
        (
            "emails",
            json!([{"value": "a@b.c", "primary": "sometimes"}]),
        ),
        (
            "emails",
            json!([{"value": "a", "primary": true}, {"value": "b", "primary": true}]),
        ),
        ("phoneNumbers", json!("123")),
        ("x509Certificates", json!("x")),
        ("addresses", json!([1, 2])),
        ("externalId", json!({"x": 1})),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            json!("x"),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            json!(7),
        ),
        ("schemas", json!("urn:x")),
        ("schemas", json!([1])),
    ];
    for (attribute, value) in &user_values {
        let mut body = json!({"schemas": [USER], "userName": "corpus@contoso.com"});
        body[attribute] = value.clone();
        out.push(case(
            "wrong types",
            "POST",
            "/Users",
            json_body(&body),
            INVALID_VALUE,
        ));
        out.push(case(
            "wrong types",
            "PUT",
            &user_path,
            json_body(&body),
            INVALID_VALUE,
        ));
        if *attribute != "schemas" {
            let patch = patch_body(json!([{"op": "replace", "path": attribute, "value": value}]));
            out.push(case(
                "wrong types",
                "PATCH",
                &user_path,
                json_body(&patch),
                INVALID_VALUE,
            ));
        }
    }
    for (attribute, value) in [
        ("displayName", json!(5)),
        ("displayName", json!({"x": 1})),
        ("members", json!("id")),
        ("members", json!({"value": "id"})),
        ("members", json!(["id"])),
        ("members", json!([{"value": 5}])),
    ] {
        let mut body = json!({"schemas": [GROUP], "displayName": "Corpus"});
        body[attribute] = value.clone();
        out.push(case(
            "wrong types",
            "POST",
            "/Groups",
            json_body(&body),
            INVALID_VALUE,
        ));
        out.push(case(
            "wrong types",
            "PUT",
            &group_path,
            json_body(&body),
            INVALID_VALUE,
        ));
        let patch = patch_body(json!([{"op": "add", "path": attribute, "value": value}]));
        out.push(case(
            "wrong types",
            "PATCH",
            &group_path,
            json_body(&patch),
            INVALID_VALUE,
        ));
    }
    // Message members of the wrong type.
    for (body, expect) in [
        (
            json!({"schemas": [PATCH_OP], "Operations": "no"}),
            INVALID_SYNTAX,
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [5]}),
            INVALID_SYNTAX,
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [{"op": 5, "path": "title"}]}),
            INVALID_SYNTAX,
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "move", "path": "title"}]}),
            INVALID_SYNTAX,
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": 5, "value": "x"}]}),
            INVALID_PATH,
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title"}]}),
            INVALID_VALUE,
        ),
        (
            json!({"schemas": PATCH_OP, "Operations": []}),
            INVALID_SYNTAX,
        ),
        (
            json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
            INVALID_SYNTAX,
        ),
    ] {
        out.push(case(
            "wrong types",
            "PATCH",
            &user_path,
            json_body(&body),
            expect,
        ));
    }
    for body in [
        json!({"schemas": [SEARCH], "filter": 5}),
        json!({"schemas": [SEARCH], "count": "ten"}),
        json!({"schemas": [SEARCH], "startIndex": [1]}),
        json!({"schemas": [SEARCH], "attributes": 5}),
        json!({"filter": "userName pr"}),
    ] {
        for path in ["/.search", "/Users/.search", "/Groups/.search"] {
            out.push(case(
                "wrong types",
                "POST",
                path,
                json_body(&body),
                INVALID_SYNTAX,
            ));
        }
    }
    for body in [
        json!({"schemas": [BULK], "Operations": "x"}),
        json!({"schemas": [BULK], "Operations": [{"method": 5, "path": "/Users"}]}),
        json!({"schemas": [BULK], "Operations": [{"method": "POST", "path": "/Users", "data": {}}]}),
        json!({"schemas": [BULK], "failOnErrors": "all", "Operations": []}),
        json!({"schemas": [SEARCH], "Operations": []}),
    ] {
        out.push(case(
            "wrong types",
            "POST",
            "/Bulk",
            json_body(&body),
            INVALID_SYNTAX,
        ));
    }
    for query in [
        "startIndex=abc",
        "count=ten",
        "count=1e3",
        "startIndex=99999999999999999999999",
        "sortOrder=sideways&sortBy=userName",
    ] {
        out.push(case(
            "wrong types",
            "GET",
            &format!("/Users?{query}"),
            None,
            INVALID_VALUE,
        ));
        out.push(case(
            "wrong types",
            "GET",
            &format!("/Groups?{query}"),
            None,
            INVALID_VALUE,
        ));
    }
}

fn huge(t: &Targets, out: &mut Vec<Case>) {
    let user_path = format!("/Users/{}", t.user);
    // Over the 1 MiB body limit.
    let big = json!({"schemas": [USER], "userName": "x".repeat(1_100_000)});
    for (method, path, _) in body_routes(t) {
        out.push(case("huge", method, &path, json_body(&big), TOO_LARGE));
    }
    // Under it, but of the wrong type or over another bound.
    let numbers = json!({"schemas": [USER], "userName": "x", "emails": vec![1; 300_000]});
    out.push(case(
        "huge",
        "POST",
        "/Users",
        json_body(&numbers),
        INVALID_VALUE,
    ));
    let huge_bool = json!({"schemas": [USER], "userName": "x", "active": "t".repeat(500_000)});
    out.push(case(
        "huge",
        "POST",
        "/Users",
        json_body(&huge_bool),
        INVALID_VALUE,
    ));
    let ops: Vec<Value> = (0..10_001)
        .map(|_| json!({"op": "add", "path": "title", "value": "x"}))
        .collect();
    out.push(case(
        "huge",
        "PATCH",
        &user_path,
        json_body(&patch_body(json!(ops))),
        Expect::Error(400, Some("tooMany")),
    ));
    let bulk: Vec<Value> = (0..2_000)
        .map(|_| json!({"method": "DELETE", "path": "/Users/x"}))
        .collect();
    out.push(case(
        "huge",
        "POST",
        "/Bulk",
        json_body(&json!({"schemas": [BULK], "Operations": bulk})),
        TOO_LARGE,
    ));
    let long_filter = format!("userName eq \"{}\"", "a".repeat(9_000));
    out.push(case(
        "huge",
        "GET",
        &format!("/Users?filter={}", q(&long_filter)),
        None,
        INVALID_FILTER,
    ));
    let many_terms = vec!["title pr"; 300].join(" or ");
    out.push(case(
        "huge",
        "GET",
        &format!("/Groups?filter={}", q(&many_terms)),
        None,
        INVALID_FILTER,
    ));
    out.push(case(
        "huge",
        "POST",
        "/.search",
        json_body(&json!({"schemas": [SEARCH], "filter": many_terms})),
        INVALID_FILTER,
    ));
    let long_path = format!("emails[value eq \"{}\"].value", "a".repeat(9_000));
    out.push(case(
        "huge",
        "PATCH",
        &user_path,
        json_body(&patch_body(
            json!([{"op": "replace", "path": long_path, "value": "x"}]),
        )),
        INVALID_PATH,
    ));
    let long_id = "9".repeat(4_000);
    for method in ["GET", "DELETE"] {
        out.push(case(
            "huge",
            method,
            &format!("/Users/{long_id}"),
            None,
            NOT_FOUND,
        ));
        out.push(case(
            "huge",
            method,
            &format!("/Groups/{long_id}"),
            None,
            NOT_FOUND,
        ));
    }
}

fn deep_nesting(t: &Targets, out: &mut Vec<Case>) {
    let user_path = format!("/Users/{}", t.user);
    // Deeper than the JSON parser's recursion limit.
    let deep = format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000));
    for (method, path, _) in body_routes(t) {
        out.push(case(
            "deep nesting",
            method,
            &path,
            Some(deep.clone().into_bytes()),
            INVALID_SYNTAX,
        ));
    }
    // Nested where the schema wants a simple value.
    let nested = (0..100).fold(json!("x"), |inner, _| json!([inner]));
    let nested_object = (0..100).fold(json!("x"), |inner, _| json!({"value": inner}));
    for value in [nested, nested_object] {
        out.push(case(
            "deep nesting",
            "POST",
            "/Users",
            json_body(&json!({"schemas": [USER], "userName": "x", "name": {"givenName": value}})),
            INVALID_VALUE,
        ));
        out.push(case(
            "deep nesting",
            "PATCH",
            &user_path,
            json_body(&patch_body(
                json!([{"op": "add", "path": "title", "value": value}]),
            )),
            INVALID_VALUE,
        ));
    }
    let parens = format!("{}userName eq \"x\"{}", "(".repeat(200), ")".repeat(200));
    out.push(case(
        "deep nesting",
        "GET",
        &format!("/Users?filter={}", q(&parens)),
        None,
        INVALID_FILTER,
    ));
    let nots = format!("{}title pr{}", "not (".repeat(100), ")".repeat(100));
    out.push(case(
        "deep nesting",
        "GET",
        &format!("/Groups?filter={}", q(&nots)),
        None,
        INVALID_FILTER,
    ));
    let path = format!(
        "emails[{}type eq \"work\"{}].value",
        "(".repeat(100),
        ")".repeat(100)
    );
    out.push(case(
        "deep nesting",
        "PATCH",
        &user_path,
        json_body(&patch_body(
            json!([{"op": "replace", "path": path, "value": "x"}]),
        )),
        INVALID_PATH,
    ));
}

fn bad_text(t: &Targets, out: &mut Vec<Case>) {
    let user_path = format!("/Users/{}", t.user);
    let bodies: [&[u8]; 5] = [
        b"{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"], \"userName\": \"\xff\xfe\"}",
        b"{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"], \"userName\": \"a\xc3\"}",
        b"{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"], \"userName\": \"\\ud800\"}",
        b"{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"], \"userName\": \"\\udc00x\"}",
        b"\xef\xbb\xbf\xff{\"userName\": \"x\"}",
    ];
    for (method, path, _) in body_routes(t) {
        for body in bodies {
            out.push(case(
                "invalid UTF-8, lone surrogates",
                method,
                &path,
                Some(body.to_vec()),
                INVALID_SYNTAX,
            ));
        }
    }
    for filter in [
        "userName eq \"\\ud800\"",
        "userName eq \"\\udc00\"",
        "userName eq \"\\uZZZZ\"",
        "id eq \"x\\u0000\"",
        "displayName eq \"a\\u0000b\"",
    ] {
        out.push(case(
            "invalid UTF-8, lone surrogates",
            "GET",
            &format!("/Users?filter={}", q(filter)),
            None,
            INVALID_FILTER,
        ));
    }
    // U+0000, which PostgreSQL text cannot hold, anywhere in a body.
    for (method, path, valid) in body_routes(t) {
        let mut in_value = valid.clone();
        in_value["urn:example:nul"] = json!({"k": "a\u{0}b"});
        out.push(case(
            "invalid UTF-8, lone surrogates",
            method,
            &path,
            json_body(&in_value),
            INVALID_VALUE,
        ));
        let mut in_key = valid;
        in_key["x\u{0}"] = json!(1);
        out.push(case(
            "invalid UTF-8, lone surrogates",
            method,
            &path,
            json_body(&in_key),
            INVALID_VALUE,
        ));
    }
    for id in ["x%00y", "%00"] {
        for method in ["GET", "DELETE"] {
            out.push(case(
                "invalid UTF-8, lone surrogates",
                method,
                &format!("/Users/{id}"),
                None,
                NOT_FOUND,
            ));
            out.push(case(
                "invalid UTF-8, lone surrogates",
                method,
                &format!("/Groups/{id}"),
                None,
                NOT_FOUND,
            ));
        }
    }
    let path = "emails[value eq \"\\ud800\"].value";
    out.push(case(
        "invalid UTF-8, lone surrogates",
        "PATCH",
        &user_path,
        json_body(&patch_body(
            json!([{"op": "replace", "path": path, "value": "x"}]),
        )),
        INVALID_PATH,
    ));
}

fn duplicate_keys(t: &Targets, out: &mut Vec<Case>) {
    let user_path = format!("/Users/{}", t.user);
    let group_path = format!("/Groups/{}", t.group);
    let users = [
        json!({"schemas": [USER], "userName": "a@contoso.com", "USERNAME": "b@contoso.com"}),
        json!({"schemas": [USER], "Schemas": ["urn:x"], "userName": "a@contoso.com"}),
        json!({"schemas": [USER], "userName": "a", "name": {"givenName": "A", "GIVENNAME": "B"}}),
        json!({"schemas": [USER], "userName": "a", "emails": [{"value": "a@b.c", "VALUE": "d@e.f"}]}),
        json!({"schemas": [USER], "userName": "a", "active": true, "Active": false}),
    ];
    for body in &users {
        out.push(case(
            "names twice in different case",
            "POST",
            "/Users",
            json_body(body),
            INVALID_VALUE,
        ));
        out.push(case(
            "names twice in different case",
            "PUT",
            &user_path,
            json_body(body),
            INVALID_VALUE,
        ));
    }
    let group = json!({"schemas": [GROUP], "displayName": "A", "DisplayName": "B"});
    out.push(case(
        "names twice in different case",
        "POST",
        "/Groups",
        json_body(&group),
        INVALID_VALUE,
    ));
    out.push(case(
        "names twice in different case",
        "PUT",
        &group_path,
        json_body(&group),
        INVALID_VALUE,
    ));
    for body in [
        json!({"schemas": [PATCH_OP], "Operations": [], "operations": [{"op": "add", "path": "title", "value": "x"}]}),
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "Op": "remove", "path": "title", "value": "x"}]}),
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "PATH": "nickName", "value": "x"}]}),
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "value": {"title": "x", "Title": "y"}}]}),
    ] {
        out.push(case(
            "names twice in different case",
            "PATCH",
            &user_path,
            json_body(&body),
            INVALID_VALUE,
        ));
        out.push(case(
            "names twice in different case",
            "PATCH",
            &group_path,
            json_body(&body),
            INVALID_VALUE,
        ));
    }
    let search = json!({"schemas": [SEARCH], "filter": "userName pr", "FILTER": "title pr"});
    out.push(case(
        "names twice in different case",
        "POST",
        "/.search",
        json_body(&search),
        INVALID_VALUE,
    ));
    out.push(case(
        "names twice in different case",
        "POST",
        "/Users/.search",
        json_body(&search),
        INVALID_VALUE,
    ));
    let bulk = json!({"schemas": [BULK], "Operations": [], "OPERATIONS": []});
    out.push(case(
        "names twice in different case",
        "POST",
        "/Bulk",
        json_body(&bulk),
        INVALID_VALUE,
    ));
}

const INJECTIONS: [&str; 6] = [
    "x' OR '1'='1",
    "x\"; DROP TABLE users; --",
    "%' OR 1=1 --",
    "*",
    "\\\" or userName pr or \\\"",
    "') or (title pr",
];

fn injection(t: &Targets, out: &mut Vec<Case>) {
    let user_path = format!("/Users/{}", t.user);
    for hostile in INJECTIONS {
        // As values of a valid filter: they must match nothing.
        let value = serde_json::to_string(hostile).unwrap();
        for (path, attribute) in [
            ("/Users", "userName"),
            ("/Users", "id"),
            ("/Groups", "id"),
            ("/Users", "externalId"),
            ("/Users", "emails.value"),
            ("/Groups", "displayName"),
        ] {
            for op in ["eq", "co", "sw"] {
                let filter = format!("{attribute} {op} {value}");
                out.push(case(
                    "SQL and filter meta-characters",
                    "GET",
                    &format!("{path}?filter={}", q(&filter)),
                    None,
                    Expect::NothingFound,
                ));
            }
        }
        out.push(case(
            "SQL and filter meta-characters",
            "POST",
            "/.search",
            json_body(&json!({"schemas": [SEARCH], "filter": format!("userName eq {value}")})),
            Expect::NothingFound,
        ));
        // Unquoted, or as attribute names, sort keys and paths: refused.
        let bare = format!("userName eq {hostile}");
        out.push(case(
            "SQL and filter meta-characters",
            "GET",
            &format!("/Users?filter={}", q(&bare)),
            None,
            INVALID_FILTER,
        ));
        let as_name = format!("{hostile} eq \"x\"");
        out.push(case(
            "SQL and filter meta-characters",
            "GET",
            &format!("/Groups?filter={}", q(&as_name)),
            None,
            INVALID_FILTER,
        ));
        out.push(case(
            "SQL and filter meta-characters",
            "GET",
            &format!("/Users?sortBy={}", q(hostile)),
            None,
            INVALID_VALUE,
        ));
        out.push(case(
            "SQL and filter meta-characters",
            "PATCH",
            &user_path,
            json_body(&patch_body(
                json!([{"op": "replace", "path": hostile, "value": "x"}]),
            )),
            INVALID_PATH,
        ));
        // As ids: no such resource.
        let id = q(hostile);
        for method in ["GET", "DELETE"] {
            out.push(case(
                "SQL and filter meta-characters",
                method,
                &format!("/Users/{id}"),
                None,
                NOT_FOUND,
            ));
            out.push(case(
                "SQL and filter meta-characters",
                method,
                &format!("/Groups/{id}"),
                None,
                NOT_FOUND,
            ));
        }
        let put = json!({"schemas": [USER], "userName": hostile});
        out.push(case(
            "SQL and filter meta-characters",
            "PUT",
            &format!("/Users/{id}"),
            json_body(&put),
            NOT_FOUND,
        ));
        let patch = patch_body(json!([{"op": "replace", "path": "title", "value": hostile}]));
        out.push(case(
            "SQL and filter meta-characters",
            "PATCH",
            &format!("/Users/{id}"),
            json_body(&patch),
            NOT_FOUND,
        ));
        out.push(case(
            "SQL and filter meta-characters",
            "PATCH",
            &format!("/Groups/{id}"),
            json_body(&patch),
            NOT_FOUND,
        ));
    }
}

fn path_traversal(out: &mut Vec<Case>) {
    let patch = patch_body(json!([{"op": "replace", "path": "title", "value": "x"}]));
    let put = json!({"schemas": [USER], "userName": "traversal@contoso.com"});
    for id in [
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2fadmin",
        "..%5C..%5Cwindows",
        "%00",
        "x%00.json",
        "%2F",
        "....%2F%2F",
        "..%252F..%252F",
    ] {
        for kind in ["Users", "Groups"] {
            let path = format!("/{kind}/{id}");
            out.push(case(
                "ids with path traversal",
                "GET",
                &path,
                None,
                NOT_FOUND,
            ));
            out.push(case(
                "ids with path traversal",
                "DELETE",
                &path,
                None,
                NOT_FOUND,
            ));
            out.push(case(
                "ids with path traversal",
                "PATCH",
                &path,
                json_body(&patch),
                NOT_FOUND,
            ));
            if kind == "Users" {
                out.push(case(
                    "ids with path traversal",
                    "PUT",
                    &path,
                    json_body(&put),
                    NOT_FOUND,
                ));
            }
        }
        out.push(case(
            "ids with path traversal",
            "GET",
            &format!("/Schemas/{id}"),
            None,
            NOT_FOUND,
        ));
        out.push(case(
            "ids with path traversal",
            "GET",
            &format!("/ResourceTypes/{id}"),
            None,
            NOT_FOUND,
        ));
    }
}

fn unknown_schemas(t: &Targets, out: &mut Vec<Case>) {
    let user_path = format!("/Users/{}", t.user);
    for schemas in [
        json!(["urn:example:unknown"]),
        json!([]),
        json!([GROUP]),
        json!(["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]),
    ] {
        let body = json!({"schemas": schemas, "userName": "x@contoso.com"});
        out.push(case(
            "unknown schemas",
            "POST",
            "/Users",
            json_body(&body),
            INVALID_VALUE,
        ));
        out.push(case(
            "unknown schemas",
            "PUT",
            &user_path,
            json_body(&body),
            INVALID_VALUE,
        ));
    }
    let group = json!({"schemas": [USER], "displayName": "X"});
    out.push(case(
        "unknown schemas",
        "POST",
        "/Groups",
        json_body(&group),
        INVALID_VALUE,
    ));
    for schemas in [
        json!(["urn:example:unknown"]),
        json!([USER]),
        json!([SEARCH]),
    ] {
        let body = json!({"schemas": schemas, "Operations": [{"op": "add", "path": "title", "value": "x"}]});
        out.push(case(
            "unknown schemas",
            "PATCH",
            &user_path,
            json_body(&body),
            INVALID_SYNTAX,
        ));
    }
    for path in ["/.search", "/Users/.search"] {
        let body = json!({"schemas": ["urn:example:unknown"], "filter": "userName pr"});
        out.push(case(
            "unknown schemas",
            "POST",
            path,
            json_body(&body),
            INVALID_SYNTAX,
        ));
    }
    let bulk = json!({"schemas": ["urn:example:unknown"], "Operations": []});
    out.push(case(
        "unknown schemas",
        "POST",
        "/Bulk",
        json_body(&bulk),
        INVALID_SYNTAX,
    ));
    for path in [
        "/Schemas/urn:example:unknown",
        "/ResourceTypes/Unknown",
        "/Unknown",
        "/Users/.search/x",
    ] {
        out.push(case("unknown schemas", "GET", path, None, NOT_FOUND));
    }
    // Unknown extensions' data is kept and searchable: a filter on it is no error.
    out.push(case(
        "unknown schemas",
        "GET",
        "/Users?filter=urn%3Aexample%3Aunknown%3Ax+eq+%22y%22",
        None,
        Expect::NothingFound,
    ));
}

fn read_only(t: &Targets, out: &mut Vec<Case>) {
    let user_path = format!("/Users/{}", t.user);
    let group_path = format!("/Groups/{}", t.group);
    for (path, ops) in [
        (
            &user_path,
            json!([{"op": "replace", "path": "id", "value": "x"}]),
        ),
        (&user_path, json!([{"op": "remove", "path": "id"}])),
        (
            &user_path,
            json!([{"op": "replace", "path": "meta", "value": {"version": "x"}}]),
        ),
        (
            &user_path,
            json!([{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]),
        ),
        (
            &user_path,
            json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}]),
        ),
        (&user_path, json!([{"op": "remove", "path": "groups"}])),
        (
            &group_path,
            json!([{"op": "replace", "path": "id", "value": "x"}]),
        ),
        (
            &group_path,
            json!([{"op": "replace", "path": "members.display", "value": "x"}]),
        ),
        (
            &group_path,
            json!([{"op": "replace", "path": "members[value eq \"x\"].display", "value": "y"}]),
        ),
    ] {
        out.push(case(
            "PATCH of read-only attributes",
            "PATCH",
            path,
            json_body(&patch_body(ops)),
            MUTABILITY,
        ));
    }
}

fn header_abuse(t: &Targets, out: &mut Vec<Case>) {
    let user_path = format!("/Users/{}", t.user);
    let patch = json_body(&patch_body(
        json!([{"op": "replace", "path": "title", "value": "x"}]),
    ));
    let routes: Vec<(&'static str, String, Option<Vec<u8>>)> = vec![
        ("GET", "/Users".into(), None),
        ("GET", "/ServiceProviderConfig".into(), None),
        ("GET", "/Schemas".into(), None),
        ("GET", "/ResourceTypes".into(), None),
        ("GET", "/Me".into(), None),
        ("PATCH", user_path.clone(), patch.clone()),
        (
            "POST",
            "/Bulk".into(),
            json_body(&json!({"schemas": [BULK], "Operations": []})),
        ),
        (
            "POST",
            "/.search".into(),
            json_body(&json!({"schemas": [SEARCH]})),
        ),
    ];
    let long_token = format!("Bearer {}", "a".repeat(6_000));
    let credentials: [&str; 8] = [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer wrong-token",
        "Bearer ' OR '1'='1",
        "Token x",
        &long_token,
    ];
    for (method, path, body) in &routes {
        for credential in credentials {
            out.push(Case {
                category: "header abuse",
                method,
                path: path.clone(),
                headers: vec![("Authorization", credential.to_owned())],
                body: body.clone(),
                expect: UNAUTHORISED,
            });
        }
    }
    // Preconditions that name nothing current.
    for tag in [
        "garbage",
        "W/\"999\"",
        "\"1\"",
        "W/\"x/1\"",
        ",,,",
        "W/\"\"",
    ] {
        out.push(Case {
            category: "header abuse",
            method: "PATCH",
            path: user_path.clone(),
            headers: vec![("If-Match", tag.to_owned())],
            body: patch.clone(),
            expect: PRECONDITION,
        });
        out.push(Case {
            category: "header abuse",
            method: "DELETE",
            path: user_path.clone(),
            headers: vec![("If-Match", tag.to_owned())],
            body: None,
            expect: PRECONDITION,
        });
    }
    // Declared lengths over the limit, odd media types with broken bodies.
    out.push(Case {
        category: "header abuse",
        method: "POST",
        path: "/Users".into(),
        headers: vec![("Content-Type", "text/html; charset=klingon".to_owned())],
        body: Some(b"<html>".to_vec()),
        expect: INVALID_SYNTAX,
    });
    out.push(Case {
        category: "header abuse",
        method: "POST",
        path: "/Users".into(),
        headers: vec![(
            "Content-Type",
            "application/scim+json; charset=utf-16".to_owned(),
        )],
        body: Some(b"\xff\xfe{\x00}\x00".to_vec()),
        expect: INVALID_SYNTAX,
    });
    out.push(Case {
        category: "header abuse",
        method: "POST",
        path: "/Users".into(),
        headers: vec![
            ("X-Forwarded-For", "' OR 1=1 --, 999.1.1.1".to_owned()),
            ("Forwarded", "for=\"[::1".to_owned()),
        ],
        body: Some(b"{".to_vec()),
        expect: INVALID_SYNTAX,
    });
    // Methods a route does not have.
    for (method, path) in [
        ("PATCH", "/Users"),
        ("DELETE", "/Groups"),
        ("PUT", "/.search"),
        ("GET", "/Bulk"),
        ("POST", "/Me"),
        ("POST", "/Schemas"),
        ("DELETE", "/ResourceTypes"),
        ("PUT", "/ServiceProviderConfig"),
        ("POST", &user_path),
    ] {
        out.push(case(
            "header abuse",
            method,
            path,
            Some(b"{}".to_vec()),
            NOT_ALLOWED,
        ));
    }
}

fn corpus(t: &Targets) -> Vec<Case> {
    let mut out = Vec::new();
    broken_json(t, &mut out);
    wrong_types(t, &mut out);
    huge(t, &mut out);
    deep_nesting(t, &mut out);
    bad_text(t, &mut out);
    duplicate_keys(t, &mut out);
    injection(t, &mut out);
    path_traversal(&mut out);
    unknown_schemas(t, &mut out);
    read_only(t, &mut out);
    header_abuse(t, &mut out);
    out
}

/// What the corpus may not change: every user and group (with memberships and
/// versions) and the tenant's event log.
fn tenant_state(server: &Server, scim: &Client) -> Value {
    json!({
        "users": scim.get("/Users?count=1000").body,
        "groups": scim.get("/Groups?count=1000").body,
        "events": server.admin().get("/events?after_seq=0&limit=1000").body,
    })
}

/// Checks one answer; `None` when it is what the case expects.
fn check(case: &Case, status: u16, content_type: Option<&str>, body: &Value) -> Option<String> {
    let wanted = match case.expect {
        Expect::NothingFound => {
            return (status != 200 || body["totalResults"] != 0)
                .then(|| format!("expected 200 with nothing found, got {status}: {body}"));
        }
        Expect::Error(wanted, scim_type) => {
            let well_formed = content_type == Some("application/scim+json")
                && body["schemas"] == json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
                && body["status"].as_str() == Some(status.to_string().as_str())
                && body["detail"].as_str().is_some_and(|d| !d.is_empty())
                && body.get("scimType").and_then(Value::as_str) == scim_type;
            if status == wanted && well_formed {
                return None;
            }
            (wanted, scim_type)
        }
    };
    Some(format!(
        "expected {wanted:?}, got {status} {content_type:?}: {body}"
    ))
}

fn adversarial_corpus(backend: Backend) {
    // Hundreds of requests a second, as fast as they are answered: the
    // harness's servers run without the overload limits, which would answer
    // most of them 429 (tests/it/overload.rs tests those).
    let server = start(backend);
    let scim = server.scim();
    let user = scim.create_user("ada@contoso.com");
    let group = scim.create_group("Engineers");
    let joined = scim.patch_ops(
        &format!("/Groups/{group}"),
        json!([{"op": "add", "path": "members", "value": [{"value": user}]}]),
    );
    assert_eq!(joined.status, 204, "{}", joined.text);
    let before = tenant_state(&server, &scim);
    // The snapshot holds what could change: the membership and the event log.
    assert_eq!(
        before["groups"]["Resources"][0]["members"][0]["value"],
        user.as_str()
    );
    assert!(
        before["events"]["items"]
            .as_array()
            .is_some_and(|e| e.len() >= 3),
        "{before}"
    );
    let targets = Targets { user, group };
    let cases = corpus(&targets);
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut categories = std::collections::BTreeMap::<&str, usize>::new();
    for case in &cases {
        *categories.entry(case.category).or_default() += 1;
        let headers: Vec<(&str, &str)> =
            case.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let authorised = !headers.iter().any(|(k, _)| *k == "Authorization");
        let client = if authorised {
            scim.clone_with_token(&server.token)
        } else {
            scim.clone_with_token("").without_token_header()
        };
        let r = client.request_bytes(case.method, &case.path, case.body.as_deref(), &headers);
        if let Some(problem) = check(case, r.status, r.header("content-type"), &r.body) {
            let mut shown = case.path.clone();
            shown.truncate(120);
            failures.push(format!(
                "[{}] {} {shown} {headers:?}: {problem:.400}",
                case.category, case.method
            ));
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "corpus: {} requests in {:.1} s on {backend:?}: {categories:?}",
        cases.len(),
        elapsed.as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(
        tenant_state(&server, &scim),
        before,
        "the corpus changed the tenant"
    );
    assert!(elapsed.as_secs() < 30, "the corpus took {elapsed:?}");
}

both_backends!(adversarial_corpus);
