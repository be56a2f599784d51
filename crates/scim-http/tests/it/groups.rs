//! `/Groups`: the shapes of create and get with members, and the 204 a member
//! PATCH answers.

use actix_web::http::Method;
use serde_json::json;

use crate::harness::{Backend, GROUP, PATCH_OP, TestApp};
use crate::{assert_shape, both_backends};

async fn group_shapes(backend: Backend) {
    let app = TestApp::new(backend);
    let ada = app.create_user("ada@contoso.com").await;
    let created = app
        .scim(
            Method::POST,
            "/Groups",
            Some(
                json!({"schemas": [GROUP], "displayName": "Employees", "externalId": "ext-emp",
                        "members": [{"value": ada}]}),
            ),
        )
        .await;
    assert_shape!("group_create", created);
    let group = format!("/Groups/{}", created.body["id"].as_str().unwrap());

    let fetched = app.scim(Method::GET, &group, None).await;
    assert_shape!("group_get", fetched);

    let grace = app.create_user("grace@contoso.com").await;
    let patched = app
        .scim(
            Method::PATCH,
            &group,
            Some(json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "Add", "path": "members", "value": [{"value": grace}]}
            ]})),
        )
        .await;
    assert_eq!(patched.status, 204, "{:?}", patched.body);
    assert!(patched.headers.contains_key("etag"));

    // Asking for attributes gets the group back instead of a 204.
    let projected = app
        .scim(
            Method::PATCH,
            &format!("{group}?attributes=members"),
            Some(json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "Remove", "path": "members", "value": [{"value": ada}]}
            ]})),
        )
        .await;
    assert_shape!("group_patch_projected", projected);

    let listed = app
        .scim(Method::GET, "/Groups?excludedAttributes=members", None)
        .await;
    assert_shape!("group_list", listed);
}

both_backends!(group_shapes);
