//! The admin API's OpenAPI document as served: behind the admin credential,
//! OpenAPI 3.1, its server the admin prefix, and every operation it lists
//! answered by a route (not by the admin API's 404 for unknown paths, nor
//! by a 405).

use actix_web::http::Method;
use serde_json::Value;

use crate::both_backends;
use crate::harness::{Backend, TestApp, request};

/// `path` with each `{param}` replaced by a value no resource has.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "no-such-thing"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn served_document(backend: Backend) {
    let app = TestApp::new(backend);
    app.send(request(Method::GET, "/admin/v1/openapi.json", None))
        .await
        .assert_problem(401);
    let doc = app.admin(Method::GET, "/openapi.json", None).await;
    assert_eq!(doc.status, 200, "{:?}", doc.body);
    assert!(
        doc.body["openapi"].as_str().unwrap().starts_with("3.1."),
        "{:?}",
        doc.body["openapi"]
    );
    assert_eq!(doc.body["servers"][0]["url"], "/admin/v1");
    let paths = doc.body["paths"].as_object().unwrap();
    let mut probed = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            // Every parameter names nothing, so no call changes anything.
            let reply = app.admin(method.clone(), &concrete(path), None).await;
            let detail = reply.body["detail"].as_str().unwrap_or_default();
            assert!(
                reply.status != 405 && !detail.starts_with("No admin API endpoint"),
                "{method} {path} is documented but not served: {} {detail}",
                reply.status
            );
            probed += 1;
        }
    }
    assert!(probed > 20, "{probed}");
}

/// A tenant's admin token reads the document too.
async fn readable_with_an_admin_token(backend: Backend) {
    let app = TestApp::new(backend);
    let issued = app
        .admin(
            Method::POST,
            "/tenants/acme/admin-tokens",
            Some(serde_json::json!({"name": "console"})),
        )
        .await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    let secret = issued.body["secret"].as_str().unwrap();
    let doc = app
        .admin_as(secret, Method::GET, "/openapi.json", None)
        .await;
    assert_eq!(doc.status, 200, "{:?}", doc.body);
    assert!(matches!(doc.body["paths"], Value::Object(_)));
}

both_backends!(served_document, readable_with_an_admin_token);
