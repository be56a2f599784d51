//! Who may call what: problem documents for every admin error, tenants'
//! admin tokens and their reach, SCIM and admin tokens refused where the other
//! belongs, the credential named in events, tenants renamed and deleted.

use actix_web::http::Method;
use scim_store::{TokenKind, Visibility};
use serde_json::{Value, json};

use crate::harness::{ADMIN_TOKEN, Backend, TestApp, request};
use crate::{assert_shape, both_backends};

async fn problem_documents(backend: Backend) {
    let app = TestApp::new(backend);
    let unknown = app.admin(Method::GET, "/no/such/route", None).await;
    unknown.assert_problem(404);
    assert_shape!("access_unknown_route", unknown);
    let wrong_method = app.admin(Method::PUT, "/tenants", None).await;
    wrong_method.assert_problem(405);
    assert_shape!("access_wrong_method", wrong_method);
    let unauthorized = app
        .send(request(Method::GET, "/admin/v1/tenants", None))
        .await;
    unauthorized.assert_problem(401);
    assert_shape!("access_unauthorized", unauthorized);
    let invalid = app
        .admin(Method::POST, "/tenants", Some(json!({"slug": "Not_Valid"})))
        .await;
    invalid.assert_problem(400);
    // SCIM routes keep SCIM errors.
    app.send(request(Method::GET, "/scim/v2/acme/Users", None))
        .await
        .assert_error(401, None);
}

/// Issues an admin token for `tenant` through the API; returns its secret.
async fn admin_token(app: &TestApp, tenant: &str, name: &str) -> String {
    let issued = app
        .admin(
            Method::POST,
            &format!("/tenants/{tenant}/admin-tokens"),
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    issued.body["secret"].as_str().unwrap().to_owned()
}

fn actors(events: &Value, kind: &str) -> Vec<Value> {
    events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["cause"]["actor"].clone())
        .collect()
}

async fn admin_tokens_reach_their_tenant(backend: Backend) {
    let app = TestApp::new(backend);
    app.admin(Method::POST, "/tenants", Some(json!({"slug": "initech"})))
        .await;
    let issued = app
        .admin(
            Method::POST,
            "/tenants/acme/admin-tokens",
            Some(json!({"name": "ci pipeline"})),
        )
        .await;
    assert_shape!("access_admin_token_issued", issued);
    let secret = issued.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("scimadm_"));
    app.admin(
        Method::POST,
        "/tenants/acme/admin-tokens",
        Some(json!({"name": "ci pipeline"})),
    )
    .await
    .assert_problem(409);
    app.admin(
        Method::POST,
        "/tenants/acme/admin-tokens",
        Some(json!({"name": ""})),
    )
    .await
    .assert_problem(400);
    let listed = app
        .admin(Method::GET, "/tenants/acme/admin-tokens", None)
        .await;
    assert_shape!("access_admin_token_list", listed);
    assert!(!listed.body.to_string().contains(&secret));

    // Its own tenant: yes; the list shows only it; other tenants do not exist.
    let own = app
        .admin_as(&secret, Method::GET, "/tenants/acme/tokens", None)
        .await;
    assert_eq!(own.status, 200, "{:?}", own.body);
    let tenants = app.admin_as(&secret, Method::GET, "/tenants", None).await;
    assert_eq!(tenants.status, 200);
    let slugs: Vec<&str> = tenants
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["acme"]);
    let elsewhere = app
        .admin_as(&secret, Method::GET, "/tenants/initech/tokens", None)
        .await;
    elsewhere.assert_problem(404);
    assert_eq!(
        elsewhere.body["detail"],
        app.admin(Method::GET, "/tenants/nobody", None).await.body["detail"]
            .as_str()
            .unwrap()
            .replace("nobody", "initech"),
        "as if it did not exist"
    );
    // Tenants themselves are the operator's.
    app.admin_as(
        &secret,
        Method::POST,
        "/tenants",
        Some(json!({"slug": "mine"})),
    )
    .await
    .assert_problem(403);
    app.admin_as(
        &secret,
        Method::PATCH,
        "/tenants/acme",
        Some(json!({"slug": "moved"})),
    )
    .await
    .assert_problem(403);
    app.admin_as(&secret, Method::DELETE, "/tenants/acme", None)
        .await
        .assert_problem(403);

    // SCIM tokens do not open the admin API, admin tokens do not open SCIM.
    app.admin_as(&app.token, Method::GET, "/tenants/acme/tokens", None)
        .await
        .assert_problem(401);
    app.send(
        request(Method::GET, "/scim/v2/acme/Users", None)
            .insert_header(("authorization", format!("Bearer {secret}"))),
    )
    .await
    .assert_error(401, None);

    // Events name the credential; X-Admin-Name is only the operator's claim.
    let user = app.create_user("ada").await;
    app.admin_as(
        &secret,
        Method::PUT,
        &format!("/tenants/acme/users/{user}/lock"),
        Some(json!({"role": "Admin", "reason": "on call"})),
    )
    .await;
    app.send(
        request(
            Method::PUT,
            &format!("/admin/v1/tenants/acme/users/{user}/lock"),
            Some(json!({"role": "User", "reason": "handover"})),
        )
        .insert_header(("authorization", format!("Bearer {ADMIN_TOKEN}")))
        .insert_header(("x-admin-name", "grace@host-app")),
    )
    .await;
    let spoofed = request(
        Method::DELETE,
        &format!("/admin/v1/tenants/acme/users/{user}/lock"),
        None,
    )
    .insert_header(("authorization", format!("Bearer {secret}")))
    .insert_header(("x-admin-name", "someone-else"));
    assert_eq!(app.send(spoofed).await.status, 200);
    let events = app
        .admin(Method::GET, "/tenants/acme/events?limit=1000", None)
        .await
        .body;
    let prefix = listed.body[0]["prefix"].as_str().unwrap();
    let by_token = json!({"kind": "admin", "credential": "admin_token", "name": "ci pipeline", "token": prefix});
    assert_eq!(
        actors(&events, "lock.set"),
        [
            by_token.clone(),
            json!({"kind": "admin", "credential": "operator_token", "on_behalf_of": "grace@host-app"}),
        ]
    );
    assert_eq!(actors(&events, "lock.cleared"), [by_token]);
    assert_eq!(
        actors(&events, "admin_token.issued"),
        [json!({"kind": "admin", "credential": "operator_token"})]
    );

    // Revoked: refused at once.
    let revoked = app
        .admin(
            Method::DELETE,
            &format!("/tenants/acme/admin-tokens/{prefix}"),
            None,
        )
        .await;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    assert!(revoked.body["revoked_at"].is_string());
    app.admin_as(&secret, Method::GET, "/tenants/acme/tokens", None)
        .await
        .assert_problem(401);
    // A tenant admin manages its own tenant's admin tokens, not another's.
    let other = admin_token(&app, "initech", "initech admin").await;
    app.admin_as(
        &other,
        Method::POST,
        "/tenants/acme/admin-tokens",
        Some(json!({"name": "sneaky"})),
    )
    .await
    .assert_problem(404);
    assert_eq!(
        app.admin_as(
            &other,
            Method::POST,
            "/tenants/initech/admin-tokens",
            Some(json!({"name": "second"})),
        )
        .await
        .status,
        201
    );
}

async fn tenants_renamed_and_deleted(backend: Backend) {
    let app = TestApp::new(backend);
    let user = app.create_user("ada").await;
    let renamed = app
        .admin(
            Method::PATCH,
            "/tenants/acme",
            Some(json!({"slug": "acme-eu", "display_name": "Acme Europe"})),
        )
        .await;
    assert_shape!("access_tenant_renamed", renamed);
    // The same token works at the new URL; the old one is 404 for it.
    let at_new = app
        .send(
            request(Method::GET, &format!("/scim/v2/acme-eu/Users/{user}"), None)
                .insert_header(("authorization", format!("Bearer {}", app.token))),
        )
        .await;
    assert_eq!(at_new.status, 200, "{:?}", at_new.body);
    assert!(
        at_new.body["meta"]["location"]
            .as_str()
            .unwrap()
            .contains("/scim/v2/acme-eu/Users/")
    );
    app.scim(Method::GET, &format!("/Users/{user}"), None)
        .await
        .assert_error(404, None);
    // Without a valid token, an unknown tenant stays a 401.
    app.send(
        request(Method::GET, "/scim/v2/acme/Users", None)
            .insert_header(("authorization", "Bearer wrong")),
    )
    .await
    .assert_error(401, None);
    app.admin(Method::GET, "/tenants/acme", None)
        .await
        .assert_problem(404);
    let events = app
        .admin(Method::GET, "/tenants/acme-eu/events?limit=1000", None)
        .await
        .body;
    let renames: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "tenant.renamed")
        .collect();
    assert_eq!(renames.len(), 1, "{events}");
    assert_eq!(renames[0]["before"]["slug"], "acme");
    assert_eq!(renames[0]["after"]["slug"], "acme-eu");
    // Bad renames change nothing.
    app.admin(Method::POST, "/tenants", Some(json!({"slug": "taken"})))
        .await;
    app.admin(
        Method::PATCH,
        "/tenants/acme-eu",
        Some(json!({"slug": "taken"})),
    )
    .await
    .assert_problem(409);
    app.admin(
        Method::PATCH,
        "/tenants/acme-eu",
        Some(json!({"slug": "Bad Slug"})),
    )
    .await
    .assert_problem(400);
    app.admin(
        Method::PATCH,
        "/tenants/acme-eu",
        Some(json!({"colour": "red"})),
    )
    .await
    .assert_problem(400);

    // Deleted: its data is gone, its token opens nothing.
    let deleted = app.admin(Method::DELETE, "/tenants/acme-eu", None).await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_eq!(deleted.body["deleted"]["slug"], "acme-eu");
    let id = deleted.body["deleted"]["id"].as_str().unwrap().to_owned();
    let (user_row, tokens, events) = app
        .provisioning()
        .store()
        .read(|tx| {
            let mut scope = tx.tenant(&id);
            Ok::<_, scim_store::StoreError>((
                scope.users().by_id(&user, Visibility::IncludeDeleted)?,
                scope.tokens().all(TokenKind::Scim)?,
                scope.events().after(0, 100)?,
            ))
        })
        .unwrap();
    assert!(user_row.is_none() && tokens.is_empty() && events.is_empty());
    app.admin(Method::GET, "/tenants/acme-eu", None)
        .await
        .assert_problem(404);
    app.send(
        request(Method::GET, "/scim/v2/acme-eu/Users", None)
            .insert_header(("authorization", format!("Bearer {}", app.token))),
    )
    .await
    .assert_error(401, None);
    let left: Vec<String> = app
        .admin(Method::GET, "/tenants", None)
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, ["taken"]);
    // A new tenant under the old slug starts empty.
    app.admin(Method::POST, "/tenants", Some(json!({"slug": "acme-eu"})))
        .await;
    let users = app.admin(Method::GET, "/tenants/acme-eu/users", None).await;
    assert_eq!(users.status, 200, "{:?}", users.body);
    assert_eq!(users.body["items"], json!([]), "{:?}", users.body);
}

both_backends!(
    problem_documents,
    admin_tokens_reach_their_tenant,
    tenants_renamed_and_deleted
);
