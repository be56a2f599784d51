//! `/Users`: the shapes of create, get, list, replace, patch and delete, and
//! of the errors a client meets on the way.

use actix_web::http::Method;
use serde_json::json;

use crate::harness::{Backend, PATCH_OP, TestApp, USER, request};
use crate::{assert_shape, both_backends};

async fn user_lifecycle(backend: Backend) {
    let app = TestApp::new(backend);
    let created = app
        .scim(
            Method::POST,
            "/Users",
            Some(json!({
                "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "userName": "ada@contoso.com",
                "externalId": "ext-ada",
                "name": {"givenName": "Ada", "familyName": "Lovelace"},
                "emails": [{"value": "ada@contoso.com", "type": "work", "primary": true}],
                "active": true,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Engineering"}
            })),
        )
        .await;
    assert_shape!("user_create", created);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let user = format!("/Users/{id}");

    let fetched = app.scim(Method::GET, &user, None).await;
    assert_eq!(fetched.body, created.body, "GET returns what POST did");
    assert_shape!("user_get", fetched);

    let projected = app
        .scim(Method::GET, &format!("{user}?attributes=userName"), None)
        .await;
    assert_shape!("user_get_projected", projected);

    app.create_user("grace@contoso.com").await;
    let listed = app
        .scim(
            Method::GET,
            "/Users?filter=userName%20sw%20%22ada%22&count=10",
            None,
        )
        .await;
    assert_shape!("user_list_filtered", listed);

    let patched = app
        .scim(
            Method::PATCH,
            &user,
            Some(json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "add", "path": "title", "value": "Countess"}
            ]})),
        )
        .await;
    assert_shape!("user_patch", patched);
    assert_ne!(patched.headers["etag"], created.headers["etag"]);

    // If-None-Match with the current tag: 304 and the tag, no body.
    let not_modified = app
        .send(
            request(Method::GET, &format!("/scim/v2/acme{user}"), None)
                .insert_header(("authorization", format!("Bearer {}", app.token)))
                .insert_header(("if-none-match", patched.headers["etag"].as_str())),
        )
        .await;
    assert_eq!(not_modified.status, 304);
    assert_eq!(not_modified.headers["etag"], patched.headers["etag"]);

    let replaced = app
        .scim(
            Method::PUT,
            &user,
            Some(
                json!({"schemas": [USER], "userName": "ada@contoso.com", "displayName": "Ada L."}),
            ),
        )
        .await;
    assert_shape!("user_replace", replaced);

    let deleted = app.scim(Method::DELETE, &user, None).await;
    assert_eq!(
        (deleted.status, &deleted.body),
        (204, &serde_json::Value::Null)
    );
    app.scim(Method::GET, &user, None)
        .await
        .assert_error(404, None);
}

/// The error bodies: 401 (with `WWW-Authenticate`), 404, 409, 412, 400
/// `invalidFilter`, 405 (with `Allow`), and a SCIM 404 outside every route.
async fn user_errors(backend: Backend) {
    let app = TestApp::new(backend);
    let id = app.create_user("ada@contoso.com").await;

    let unauthorised = app
        .send(
            request(Method::GET, "/scim/v2/acme/Users", None)
                .insert_header(("authorization", "Bearer nope")),
        )
        .await;
    unauthorised.assert_error(401, None);
    assert_shape!("error_401", unauthorised);

    let missing = app
        .scim(
            Method::GET,
            "/Users/0190a8c4-0000-7000-8000-000000000000",
            None,
        )
        .await;
    missing.assert_error(404, None);
    assert_shape!("error_404", missing);

    let duplicate = app
        .scim(
            Method::POST,
            "/Users",
            Some(json!({"schemas": [USER], "userName": "ADA@contoso.com"})),
        )
        .await;
    duplicate.assert_error(409, Some("uniqueness"));
    assert_shape!("error_409", duplicate);

    let stale = app
        .send(
            request(
                Method::PATCH,
                &format!("/scim/v2/acme/Users/{id}"),
                Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "x"}]})),
            )
            .insert_header(("authorization", format!("Bearer {}", app.token)))
            .insert_header(("if-match", "W/\"999\"")),
        )
        .await;
    stale.assert_error(412, None);
    assert_shape!("error_412", stale);

    let bad_filter = app
        .scim(Method::GET, "/Users?filter=userName%20eq", None)
        .await;
    bad_filter.assert_error(400, Some("invalidFilter"));
    assert_shape!("error_400_invalid_filter", bad_filter);

    let not_allowed = app.scim(Method::PUT, "/Users", None).await;
    not_allowed.assert_error(405, None);
    assert_shape!("error_405", not_allowed);

    let nowhere = app.scim(Method::GET, "/Nowhere", None).await;
    nowhere.assert_error(404, None);
    assert_shape!("error_404_route", nowhere);
}

both_backends!(user_lifecycle, user_errors);
