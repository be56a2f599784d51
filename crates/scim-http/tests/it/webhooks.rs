//! The webhook endpoints' response shapes (the secret shown only at creation
//! and rotation), and the problem documents for bad input.

use actix_web::http::Method;
use serde_json::json;

use crate::harness::{Backend, TestApp};
use crate::{assert_shape, both_backends};

async fn webhook_endpoints(backend: Backend) {
    let app = TestApp::new(backend);
    let t = "/tenants/acme/webhooks";
    let created = app
        .admin(
            Method::POST,
            t,
            Some(json!({"url": "https://hooks.example.com/in", "kinds": ["role.changed", "user.created"]})),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert!(
        created.body["secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );
    assert_shape!("admin_webhook_create", created);
    let id = created.body["webhook"]["id"].as_str().unwrap().to_owned();
    let list = app.admin(Method::GET, t, None).await;
    assert!(list.body[0].get("secret").is_none(), "{:?}", list.body);
    assert_shape!("admin_webhook_list", list);
    assert_shape!(
        "admin_webhook_update",
        app.admin(
            Method::PUT,
            &format!("{t}/{id}"),
            Some(json!({"url": "http://10.0.0.5:8080/hook", "kinds": ["guard.violated"]}))
        )
        .await
    );
    assert_shape!(
        "admin_webhook_rotate",
        app.admin(Method::POST, &format!("{t}/{id}/rotate-secret"), None)
            .await
    );
    assert_shape!(
        "admin_webhook_redeliver",
        app.admin(
            Method::POST,
            &format!("{t}/{id}/redeliver"),
            Some(json!({"from_seq": 1}))
        )
        .await
    );
    let unknown_kind = app
        .admin(
            Method::POST,
            t,
            Some(json!({"url": "https://hooks.example.com/in", "kinds": ["user.exploded"]})),
        )
        .await;
    unknown_kind.assert_problem(400);
    assert_shape!("admin_webhook_unknown_kind", unknown_kind);
    let bad_url = app
        .admin(
            Method::POST,
            t,
            Some(json!({"url": "file:///etc/passwd", "kinds": ["user.created"]})),
        )
        .await;
    bad_url.assert_problem(400);
    assert_shape!("admin_webhook_bad_url", bad_url);
    app.admin(Method::GET, &format!("{t}/missing"), None)
        .await
        .assert_problem(404);
    let deleted = app.admin(Method::DELETE, &format!("{t}/{id}"), None).await;
    assert_eq!(deleted.status, 204);
    app.admin(Method::POST, &format!("{t}/{id}/enable"), None)
        .await
        .assert_problem(404);
}

both_backends!(webhook_endpoints);
