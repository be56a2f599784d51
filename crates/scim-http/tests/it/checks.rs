//! The order of the checks a request goes through, pinned: a request with
//! two faults gets the error of the check that comes first.
//!
//! SCIM: the body is read as JSON, then the bearer header must be there, then
//! the query parameters are read, then the token is verified with the tenant
//! (a valid token at a URL that is not its tenant's gets 404, anything else 401).
//! Admin: the credential is checked first, then the body and query are read.

use actix_web::http::Method;
use serde_json::json;

use crate::both_backends;
use crate::harness::{ADMIN_TOKEN, Backend, TestApp, request};

async fn scim_check_order(backend: Backend) {
    let app = TestApp::new(backend);
    let no_token = |method: Method, path: &str, body: Option<&str>| {
        let req = request(method, &format!("/scim/v2/acme{path}"), None);
        match body {
            Some(text) => req.set_payload(text.to_owned()),
            None => req,
        }
    };
    // Invalid JSON and no token: the body is read first.
    app.send(no_token(Method::POST, "/Users", Some("{\"schemas\": [")))
        .await
        .assert_error(400, Some("invalidSyntax"));
    // A JSON body that is no BulkRequest, without a token: 401 before reading it as one.
    app.send(no_token(Method::POST, "/Bulk", Some("{\"Operations\": 3}")))
        .await
        .assert_error(401, None);
    // A bad startIndex and no token: the header is checked first...
    app.send(no_token(Method::GET, "/Users?startIndex=abc", None))
        .await
        .assert_error(401, None);
    // ...and the token itself after the query parameters.
    app.send(
        no_token(Method::GET, "/Users?startIndex=abc", None)
            .insert_header(("authorization", "Bearer wrong")),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    // A body over the limit is refused from its declared length.
    app.send(
        no_token(Method::POST, "/Users", Some("{}")).insert_header(("content-length", "2000000")),
    )
    .await
    .assert_error(413, None);
    // Every way of failing authentication is the same 401.
    let reference = app.send(no_token(Method::GET, "/Users", None)).await;
    for (path, auth) in [
        ("/scim/v2/acme/Users", "Basic dXNlcjpwYXNz"),
        ("/scim/v2/acme/Users", "Bearer "),
        ("/scim/v2/acme/Users", "Bearer wrong"),
        ("/scim/v2/elsewhere/Users", "Bearer wrong"),
    ] {
        let other = app
            .send(request(Method::GET, path, None).insert_header(("authorization", auth)))
            .await;
        other.assert_error(401, None);
        assert_eq!(other.body, reference.body);
        assert_eq!(other.headers, reference.headers);
    }
    app.admin(Method::POST, "/tenants", Some(json!({"slug": "beta"})))
        .await;
    let elsewhere = app
        .send(
            request(Method::GET, "/scim/v2/beta/Users", None)
                .insert_header(("authorization", format!("Bearer {}", app.token))),
        )
        .await;
    // A valid token at a URL where no tenant is (its tenant was renamed) learns
    // just that: 404. Without a valid token it is the same 401 as above. At
    // another tenant's URL it gets the same 404: a token is good for its
    // tenant only, and cannot tell whether another tenant is there.
    let nowhere = app
        .send(
            request(Method::GET, "/scim/v2/nowhere/Users", None)
                .insert_header(("authorization", format!("Bearer {}", app.token))),
        )
        .await;
    nowhere.assert_error(404, None);
    elsewhere.assert_error(404, None);
    assert_eq!(
        elsewhere.body.to_string().replace("beta", "{t}"),
        nowhere.body.to_string().replace("nowhere", "{t}"),
    );
}

async fn admin_check_order(backend: Backend) {
    let app = TestApp::new(backend);
    let wrong = |method: Method, path: &str| {
        request(method, &format!("/admin/v1{path}"), None)
            .insert_header(("authorization", "Bearer not-the-operator"))
    };
    let reference = app.send(wrong(Method::GET, "/tenants")).await;
    reference.assert_problem(401);
    assert_eq!(
        reference
            .headers
            .get("www-authenticate")
            .map(String::as_str),
        Some("Bearer realm=\"admin\"")
    );
    // The credential is checked before the body, the query or the route: a
    // wrong one gets the same 401 whatever else is wrong.
    for req in [
        wrong(Method::POST, "/tenants").set_payload("not json"),
        wrong(Method::POST, "/tenants/acme/tokens/rotate").set_payload("{\"overlap_hours\": -1}"),
        wrong(Method::GET, "/tenants/acme/events?after=x"),
        wrong(Method::PUT, "/tenants/acme/users/x/lock"),
        wrong(Method::GET, "/no/such/route"),
        request(Method::POST, "/admin/v1/tenants", None).set_payload("not json"),
    ] {
        let reply = app.send(req).await;
        reply.assert_problem(401);
        assert_eq!(reply.body, reference.body);
    }
    // With a good credential, the body is what is wrong.
    app.send(
        request(Method::POST, "/admin/v1/tenants", None)
            .insert_header(("authorization", format!("Bearer {ADMIN_TOKEN}")))
            .set_payload("not json"),
    )
    .await
    .assert_problem(400);
    app.admin(Method::GET, "/tenants/acme/events?after=x", None)
        .await
        .assert_problem(400);
    // With no operator token configured, the operator's token opens nothing.
    let closed = app.without_admin_token();
    closed
        .send(
            request(Method::GET, "/admin/v1/tenants", None)
                .insert_header(("authorization", format!("Bearer {ADMIN_TOKEN}"))),
        )
        .await
        .assert_problem(401);
    let open = app
        .admin(Method::POST, "/tenants", Some(json!({"slug": "initech"})))
        .await;
    assert_eq!(open.status, 201, "{:?}", open.body);
}

both_backends!(scim_check_order, admin_check_order);
