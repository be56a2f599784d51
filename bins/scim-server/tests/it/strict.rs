//! Input is lenient only by a named compatibility rule: the shapes no identity
//! provider sends (wrong JSON types, a PatchOp without `schemas`, filters
//! outside the RFC 7644 grammar, a `.search` array, a bulk POST without
//! `bulkId`, another resource's ETag) are refused with the right SCIM error and
//! change nothing; `Expect: 100-continue` is answered.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, Client, q, start};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// What a client can see of the tenant: every user and group, whole.
fn visible_state(scim: &Client) -> (Value, Value) {
    (
        scim.get("/Users?count=1000").body["Resources"].clone(),
        scim.get("/Groups?count=1000").body["Resources"].clone(),
    )
}

/// `"emails": "a@b.c"` and the like: a string or a number where the schema
/// wants an array of objects, in POST, PUT and PATCH values.
fn wrong_json_types_are_refused(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let user_id = scim.create_user("ada@contoso.com");
    let group_id = scim.create_group("Staff");
    let user = format!("/Users/{user_id}");
    let group = format!("/Groups/{group_id}");
    let before = visible_state(&scim);
    let user_cases = [
        ("emails", json!("a@b.c")),
        ("phoneNumbers", json!("123")),
        ("x509Certificates", json!("x")),
        ("emails", json!({"value": "a@b.c"})),
        ("emails", json!(7)),
        ("name", json!("Ada Lovelace")),
        ("name", json!(["Ada"])),
        ("emails", json!([["a@b.c"]])),
    ];
    for (attribute, value) in &user_cases {
        let mut body = json!({"schemas": [USER], "userName": "new@contoso.com"});
        body[attribute] = value.clone();
        scim.post("/Users", &body)
            .assert_error(400, Some("invalidValue"));
        body["userName"] = json!("ada@contoso.com");
        scim.put(&user, &body)
            .assert_error(400, Some("invalidValue"));
        for op in ["add", "replace"] {
            scim.patch_ops(
                &user,
                json!([{"op": op, "path": attribute, "value": value}]),
            )
            .assert_error(400, Some("invalidValue"));
            scim.patch_ops(&user, json!([{"op": op, "value": {*attribute: value}}]))
                .assert_error(400, Some("invalidValue"));
        }
    }
    for members in [json!(user_id), json!({"value": user_id}), json!(5)] {
        scim.post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "New", "members": members}),
        )
        .assert_error(400, Some("invalidValue"));
        scim.put(
            &group,
            &json!({"schemas": [GROUP], "displayName": "Staff", "members": members}),
        )
        .assert_error(400, Some("invalidValue"));
        for op in ["add", "replace", "remove"] {
            scim.patch_ops(
                &group,
                json!([{"op": op, "path": "members", "value": members}]),
            )
            .assert_error(400, Some("invalidValue"));
        }
    }
    assert_eq!(visible_state(&scim), before, "nothing changed");
}

/// RFC 7644 section 3.5.2: a PatchOp carries its `schemas`; both identity
/// providers send it.
fn patch_without_schemas_is_refused(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let user = format!("/Users/{}", scim.create_user("ada@contoso.com"));
    let before = visible_state(&scim);
    let ops = json!([{"op": "replace", "path": "title", "value": "T"}]);
    for body in [
        json!({"Operations": ops}),
        json!({"schemas": null, "Operations": ops}),
        json!({"schemas": [], "Operations": ops}),
        json!({"schemas": [USER], "Operations": ops}),
    ] {
        scim.patch(&user, &body)
            .assert_error(400, Some("invalidSyntax"));
    }
    assert_eq!(visible_state(&scim), before);
    // With it (any case of the member name), the same operations apply.
    let ok = scim.patch(&user, &json!({"SCHEMAS": [PATCH_OP], "Operations": ops}));
    assert_eq!(ok.status, 200, "{}", ok.text);
}

/// Single-quoted strings, unquoted words and attribute names starting with a
/// digit are outside the filter grammar, in query filters and PATCH paths.
fn filters_outside_the_grammar_are_refused(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let user = format!("/Users/{}", scim.create_user("ada@contoso.com"));
    let before = visible_state(&scim);
    for filter in [
        "userName eq 'ada@contoso.com'",
        "userName eq ada@contoso.com",
        "externalId eq jyoung",
        "1 eq 1",
        "1userName eq \"x\"",
        "userName eq \"x\" or 1 eq 1",
        "emails[type eq 'work'].value eq \"x\"",
        "emails[type eq work]",
    ] {
        scim.get(&format!("/Users?filter={}", q(filter)))
            .assert_error(400, Some("invalidFilter"));
        scim.post(
            "/Users/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter}),
        )
        .assert_error(400, Some("invalidFilter"));
    }
    for path in [
        "emails[type eq 'work'].value",
        "emails[type eq work].value",
        "emails[1 eq 1].value",
        "1emails",
    ] {
        scim.patch_ops(
            &user,
            json!([{"op": "replace", "path": path, "value": "x"}]),
        )
        .assert_error(400, Some("invalidPath"));
    }
    assert_eq!(visible_state(&scim), before);
    // Quoted values, numbers and the keywords stay in the grammar.
    for filter in [
        "userName eq \"ada@contoso.com\" and active eq true",
        "title pr or title eq null",
    ] {
        let r = scim.get(&format!("/Users?filter={}", q(filter)));
        assert_eq!(r.status, 200, "{filter}: {}", r.text);
    }
}

/// A `.search` body is a SearchRequest object; a Bulk POST names its `bulkId`.
fn message_shapes_are_checked(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    scim.create_user("ada@contoso.com");
    let before = visible_state(&scim);
    for path in ["/.search", "/Users/.search", "/Groups/.search"] {
        scim.post(path, &json!([{"filter": "userName pr"}]))
            .assert_error(400, Some("invalidSyntax"));
        scim.post(path, &json!("userName pr"))
            .assert_error(400, Some("invalidSyntax"));
    }
    let bulk = |operations: Value| {
        scim.post(
            "/Bulk",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": operations}),
        )
    };
    let create = json!({"schemas": [USER], "userName": "bulk@contoso.com"});
    bulk(json!([{"method": "POST", "path": "/Users", "data": create}]))
        .assert_error(400, Some("invalidSyntax"));
    bulk(json!([{"method": "POST", "path": "/Users", "bulkId": "", "data": create}]))
        .assert_error(400, Some("invalidSyntax"));
    // Refused before anything runs: the first, valid operation is not applied.
    bulk(json!([
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": [GROUP], "displayName": "G"}},
        {"method": "post", "path": "/Users", "data": create}
    ]))
    .assert_error(400, Some("invalidSyntax"));
    scim.post(
        "/Bulk",
        &json!([{"method": "POST", "path": "/Users", "bulkId": "u", "data": create}]),
    )
    .assert_error(400, Some("invalidSyntax"));
    assert_eq!(visible_state(&scim), before);
}

/// The ETag of one resource is no precondition for another at the same version.
fn etags_are_distinct_across_resources(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let ada = scim.create_user("ada@contoso.com");
    let bob = scim.create_user("bob@contoso.com");
    let staff = scim.create_group("Staff");
    let ada_tag = scim
        .get(&format!("/Users/{ada}"))
        .header("etag")
        .unwrap()
        .to_owned();
    let bob_tag = scim
        .get(&format!("/Users/{bob}"))
        .header("etag")
        .unwrap()
        .to_owned();
    let staff_tag = scim
        .get(&format!("/Groups/{staff}"))
        .header("etag")
        .unwrap()
        .to_owned();
    assert_ne!(ada_tag, bob_tag);
    assert_ne!(ada_tag, staff_tag);
    let before = visible_state(&scim);
    let title = json!([{"op": "replace", "path": "title", "value": "T"}]);
    let patch = json!({"schemas": [PATCH_OP], "Operations": title}).to_string();
    for tag in [&bob_tag, &staff_tag] {
        scim.request(
            "PATCH",
            &format!("/Users/{ada}"),
            Some(&patch),
            &[("If-Match", tag)],
        )
        .assert_error(412, None);
        scim.request(
            "DELETE",
            &format!("/Users/{ada}"),
            None,
            &[("If-Match", tag)],
        )
        .assert_error(412, None);
        let put =
            json!({"schemas": [USER], "userName": "ada@contoso.com", "title": "X"}).to_string();
        scim.request(
            "PUT",
            &format!("/Users/{ada}"),
            Some(&put),
            &[("If-Match", tag)],
        )
        .assert_error(412, None);
        let not_modified = scim.request(
            "GET",
            &format!("/Users/{ada}"),
            None,
            &[("If-None-Match", tag)],
        );
        assert_eq!(
            not_modified.status, 200,
            "another resource's tag is no match"
        );
    }
    let r = scim.post(
        "/Bulk",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
            {"method": "PATCH", "path": format!("/Users/{ada}"), "version": bob_tag,
             "data": {"schemas": [PATCH_OP], "Operations": title}}]}),
    );
    assert_eq!(r.body["Operations"][0]["status"], "412", "{}", r.text);
    assert_eq!(visible_state(&scim), before);
    // The resource's own tag still works, also listed with others.
    let ok = scim.request(
        "PATCH",
        &format!("/Users/{ada}"),
        Some(&patch),
        &[("If-Match", &format!("{bob_tag}, {ada_tag}"))],
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["meta"]["version"], ok.header("etag").unwrap());
}

/// Sends the head of a request announcing a body with `Expect: 100-continue`;
/// returns what the server answers before the body is sent (within 5 s: a
/// client waiting for `100 Continue` would stall otherwise).
fn head_with_expect(stream: &mut TcpStream, addr: &str, token: &str, len: usize) -> String {
    write!(
        stream,
        "POST /scim/v2/acme/Users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/scim+json\r\nContent-Length: {len}\r\nExpect: 100-continue\r\n\r\n"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buffer = [0u8; 4096];
    let n = stream
        .read(&mut buffer)
        .unwrap_or_else(|e| panic!("no answer to Expect: 100-continue: {e}"));
    String::from_utf8_lossy(&buffer[..n]).into_owned()
}

/// Reads until the head of a final response is in `text`; returns it all.
fn final_response(stream: &mut TcpStream, mut text: String) -> String {
    const CONTINUE: &str = "HTTP/1.1 100 Continue\r\n\r\n";
    let mut buffer = [0u8; 4096];
    while !text.trim_start_matches(CONTINUE).contains("\r\n\r\n") {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "{text}");
        text.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    text.trim_start_matches(CONTINUE).to_owned()
}

/// A client that waits for `100 Continue` before its body gets it, then its
/// answer; an unauthorised one is answered too (`100 Continue` then 401: the
/// interim answer comes from the HTTP layer before any route runs) and stores
/// nothing.
fn expect_continue_is_answered(backend: Backend) {
    let server = start(backend);
    let addr = server.origin.trim_start_matches("http://").to_owned();
    let body = json!({"schemas": [USER], "userName": "expect@contoso.com"}).to_string();
    for (token, status) in [(server.token.as_str(), "201"), ("wrong-token", "401")] {
        let mut stream = TcpStream::connect(&addr).unwrap();
        let interim = head_with_expect(&mut stream, &addr, token, body.len());
        let answer = if interim.starts_with("HTTP/1.1 100 Continue\r\n\r\n") {
            stream.write_all(body.as_bytes()).unwrap();
            final_response(&mut stream, interim)
        } else {
            interim
        };
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
    }
    assert_eq!(server.scim().get("/Users").body["totalResults"], 1);
}

both_backends!(
    wrong_json_types_are_refused,
    patch_without_schemas_is_refused,
    filters_outside_the_grammar_are_refused,
    message_shapes_are_checked,
    etags_are_distinct_across_resources,
    expect_continue_is_answered
);
