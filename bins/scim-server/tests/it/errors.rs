//! Every bad input gets a SCIM error with the right status and `scimType`, and
//! changes nothing; authentication and tenant isolation; preconditions.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::json;

use crate::both_backends;
use crate::harness::{Backend, q, start};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// Missing, malformed and wrong tokens, and unknown tenants, all get the same
/// 401; another tenant's token the 404 of a missing tenant; a tenant's token
/// never reaches another tenant's data.
fn authentication_and_isolation(backend: Backend) {
    let server = start(backend);
    let other_token = server.tenant("globex");
    let acme = server.scim();
    let id = acme.create_user("ada@acme.example");
    let reference = acme.clone_with_token("wrong-token").get("/Users");
    reference.assert_error(401, None);
    assert_eq!(
        reference.header("www-authenticate"),
        Some("Bearer realm=\"SCIM\"")
    );
    for response in [
        acme.clone_with_token("")
            .without_token_header()
            .get("/Users"),
        acme.clone_with_token("").without_token_header().request(
            "GET",
            "/Users",
            None,
            &[("Authorization", "Basic dXNlcjpwYXNz")],
        ),
        server
            .client("/scim/v2/no-such-tenant", "wrong-token")
            .get("/ServiceProviderConfig"),
    ] {
        response.assert_error(401, None);
        assert_eq!(
            response.body, reference.body,
            "no way to tell why authentication failed"
        );
    }
    // A valid token where no tenant is (its tenant renamed) learns just that,
    // and gets the same answer at another tenant's URL: it cannot tell them apart.
    let nowhere = server
        .client("/scim/v2/no-such-tenant", &server.token)
        .get("/Users");
    nowhere.assert_error(404, None);
    let elsewhere = acme.clone_with_token(&other_token).get("/Users");
    elsewhere.assert_error(404, None);
    assert_eq!(
        elsewhere.body["detail"]
            .as_str()
            .unwrap()
            .replace("acme", "{t}"),
        nowhere.body["detail"]
            .as_str()
            .unwrap()
            .replace("no-such-tenant", "{t}"),
    );
    // Globex's token sees Globex only.
    let globex = server.client("/scim/v2/globex", &other_token);
    globex.get(&format!("/Users/{id}")).assert_error(404, None);
    assert_eq!(globex.get("/Users").body["totalResults"], 0);
    globex
        .patch_ops(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": "title", "value": "x"}]),
        )
        .assert_error(404, None);
    globex
        .delete(&format!("/Users/{id}"))
        .assert_error(404, None);
    assert_eq!(acme.get(&format!("/Users/{id}")).status, 200, "untouched");
    // Same userName in two tenants is fine.
    assert_eq!(
        globex
            .post(
                "/Users",
                &json!({"schemas": [USER], "userName": "ada@acme.example"})
            )
            .status,
        201
    );
}

/// Malformed and invalid requests: each a SCIM error, nothing stored.
fn bad_requests(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let id = scim.create_user("ada@contoso.com");
    let user = format!("/Users/{id}");
    let before = scim.get(&user).body;

    scim.request("POST", "/Users", Some("{\"schemas\": [\"x\""), &[])
        .assert_error(400, Some("invalidSyntax"));
    scim.request("POST", "/Users", Some(""), &[])
        .assert_error(400, Some("invalidSyntax"));
    scim.post("/Users", &json!(["not", "an", "object"]))
        .assert_error(400, Some("invalidSyntax"));
    scim.post("/Users", &json!({"not": "a scim resource"}))
        .assert_error(400, Some("invalidValue"));
    scim.post("/Users", &json!({"schemas": [USER], "userName": 42}))
        .assert_error(400, Some("invalidValue"));
    scim.post(
        "/Users",
        &json!({"schemas": [USER], "userName": "x", "active": "maybe"}),
    )
    .assert_error(400, Some("invalidValue"));
    scim.get(&format!("/Users?filter={}", q("userName eq")))
        .assert_error(400, Some("invalidFilter"));
    scim.get(&format!("/Users?filter={}", q("nosuch eq \"x\"")))
        .assert_error(400, Some("invalidFilter"));
    scim.get(&format!("/Users?filter={}", q("active gt true")))
        .assert_error(400, Some("invalidFilter"));
    let deep = format!("{}userName eq \"x\"{}", "(".repeat(200), ")".repeat(200));
    scim.get(&format!("/Users?filter={}", q(&deep)))
        .assert_error(400, Some("invalidFilter"));
    scim.get("/Users?startIndex=abc")
        .assert_error(400, Some("invalidValue"));
    scim.get("/Users?sortOrder=sideways&sortBy=userName")
        .assert_error(400, Some("invalidValue"));
    scim.patch_ops(
        &user,
        json!([{"op": "replace", "path": "id", "value": "x"}]),
    )
    .assert_error(400, Some("mutability"));
    scim.patch_ops(
        &user,
        json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}]),
    )
    .assert_error(400, Some("mutability"));
    scim.patch_ops(
        &user,
        json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
    )
    .assert_error(400, Some("invalidPath"));
    scim.patch_ops(
        &user,
        json!([{"op": "replace", "path": "nosuch", "value": "x"}]),
    )
    .assert_error(400, Some("invalidPath"));
    scim.patch_ops(&user, json!([{"op": "remove"}]))
        .assert_error(400, Some("noTarget"));
    scim.patch_ops(
        &user,
        json!([{"op": "replace", "path": "emails[value co \"zz\"].type", "value": "work"}]),
    )
    .assert_error(400, Some("noTarget"));
    scim.patch_ops(&user, json!([{"op": "remove", "path": "userName"}]))
        .assert_error(400, Some("invalidValue"));
    // An error in the last operation leaves the first one unapplied.
    scim.patch_ops(
        &user,
        json!([
            {"op": "replace", "path": "title", "value": "should not stick"},
            {"op": "replace", "path": "active", "value": "perhaps"}
        ]),
    )
    .assert_error(400, Some("invalidValue"));
    scim.patch(&user, &json!({"Operations": "no"}))
        .assert_error(400, Some("invalidSyntax"));
    let after = scim.get(&user).body;
    assert_eq!(after, before, "no failed request changed the user");
    assert_eq!(
        scim.get("/Users").body["totalResults"],
        1,
        "no failed request created a user"
    );
}

/// Unknown routes, wrong methods, oversized bodies, preconditions.
fn http_errors_and_preconditions(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    scim.get("/Nothing").assert_error(404, None);
    scim.get("/Users/does-not-exist").assert_error(404, None);
    server
        .client("/not/scim", &server.token)
        .get("")
        .assert_error(404, None);
    for (method, path) in [
        ("POST", "/ServiceProviderConfig"),
        ("PUT", "/Schemas"),
        ("DELETE", "/ResourceTypes"),
        ("PATCH", "/Users"),
    ] {
        let r = scim.request(method, path, Some("{}"), &[]);
        r.assert_error(405, None);
        assert!(r.header("allow").is_some(), "{method} {path}");
    }
    // 413 for a body over the limit (1 MiB by default).
    let huge = json!({"schemas": [USER], "userName": "big", "title": "x".repeat(1_100_000)});
    scim.post("/Users", &huge).assert_error(413, None);
    assert_eq!(scim.get("/Users").body["totalResults"], 0);

    // ETags: If-Match mismatch is 412 and changes nothing; a match works;
    // If-None-Match answers 304.
    let created = scim.post(
        "/Users",
        &json!({"schemas": [USER], "userName": "etag@contoso.com"}),
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let etag = created.header("etag").unwrap().to_owned();
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "title", "value": "T"}]}).to_string();
    scim.request(
        "PATCH",
        &format!("/Users/{id}"),
        Some(&ops),
        &[("If-Match", "W/\"999\"")],
    )
    .assert_error(412, None);
    assert!(
        scim.get(&format!("/Users/{id}"))
            .body
            .get("title")
            .is_none()
    );
    let ok = scim.request(
        "PATCH",
        &format!("/Users/{id}"),
        Some(&ops),
        &[("If-Match", &etag)],
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    let new_etag = ok.header("etag").unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let not_modified = scim.request(
        "GET",
        &format!("/Users/{id}"),
        None,
        &[("If-None-Match", &new_etag)],
    );
    assert_eq!(not_modified.status, 304);
    assert_eq!(
        scim.request(
            "GET",
            &format!("/Users/{id}"),
            None,
            &[("If-None-Match", &etag)]
        )
        .status,
        200
    );
    scim.request(
        "DELETE",
        &format!("/Users/{id}"),
        None,
        &[("If-Match", &etag)],
    )
    .assert_error(412, None);
    assert_eq!(
        scim.request(
            "DELETE",
            &format!("/Users/{id}"),
            None,
            &[("If-Match", &new_etag)]
        )
        .status,
        204
    );
}

/// Entra ID sends no User-Agent; a raw request without one is served.
fn no_user_agent_needed(backend: Backend) {
    let server = start(backend);
    let addr = server.origin.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /scim/v2/acme/Users?filter=userName+eq+%22x%22 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        server.token
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"totalResults\":0"), "{response}");
}

both_backends!(
    authentication_and_isolation,
    bad_requests,
    http_errors_and_preconditions,
    no_user_agent_needed
);
