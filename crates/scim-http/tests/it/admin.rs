//! The admin API's response shapes: tenants, tokens, catalogue and rules (dry
//! run, saved, refused), the sub-accounts list, explanations, locks, the event
//! log, the disabled-users report (JSON and CSV) and the groups list.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, PATCH_OP, TestApp, request};
use crate::{assert_shape, both_backends};

async fn tenants_and_tokens(backend: Backend) {
    let app = TestApp::new(backend);
    let created = app
        .admin(
            Method::POST,
            "/tenants",
            Some(json!({"slug": "initech", "display_name": "Initech"})),
        )
        .await;
    assert_shape!("admin_tenant_create", created);
    assert_shape!(
        "admin_tenant_list",
        app.admin(Method::GET, "/tenants", None).await
    );
    assert_shape!(
        "admin_tenant_get",
        app.admin(Method::GET, "/tenants/initech", None).await
    );
    let rotated = app
        .admin(
            Method::POST,
            "/tenants/initech/tokens/rotate",
            Some(json!({"overlap_hours": 24})),
        )
        .await;
    assert_shape!("admin_token_rotate", rotated);
    let tokens = app
        .admin(Method::GET, "/tenants/initech/tokens", None)
        .await;
    assert_shape!("admin_token_list", tokens);
    let first = tokens.body[0]["prefix"].as_str().unwrap().to_owned();
    assert_shape!(
        "admin_token_revoke",
        app.admin(
            Method::DELETE,
            &format!("/tenants/initech/tokens/{first}"),
            None
        )
        .await
    );
    let settings = app
        .admin(
            Method::PUT,
            "/tenants/initech/settings",
            Some(json!({"user_delete": "soft"})),
        )
        .await;
    assert_shape!("admin_settings_put", settings);
    let missing = app.admin(Method::GET, "/tenants/nobody", None).await;
    missing.assert_problem(404);
    assert_shape!("admin_error_404", missing);
}

fn rules(employees: &str) -> Value {
    json!({
        "default_role": "Viewer",
        "rules": [{"group": {"id": employees, "label": "Employees"}, "role": "Loanee"}]
    })
}

async fn rules_locks_and_reports(backend: Backend) {
    let app = TestApp::new(backend);
    let t = "/tenants/acme";
    let catalogue = app
        .admin(
            Method::PUT,
            &format!("{t}/catalogue"),
            Some(json!({"roles": [{"name": "Admin", "privileged": true}, {"name": "Loanee"}, {"name": "Viewer"}]})),
        )
        .await;
    assert_shape!("admin_catalogue_put", catalogue);
    let ada = app.create_user("ada@contoso.com").await;
    let grace = app.create_user("grace@contoso.com").await;
    let employees = app.create_group("Employees", &[&ada]).await;

    let preview = app
        .admin(
            Method::PUT,
            &format!("{t}/rules?dry_run=true"),
            Some(rules(&employees)),
        )
        .await;
    assert_shape!("admin_rules_dry_run", preview);
    let saved = app
        .admin(Method::PUT, &format!("{t}/rules"), Some(rules(&employees)))
        .await;
    assert_shape!("admin_rules_saved", saved);
    let refused = app
        .admin(
            Method::PUT,
            &format!("{t}/rules"),
            Some(json!({"default_role": "Nobody", "rules": []})),
        )
        .await;
    assert_shape!("admin_rules_refused", refused);
    assert_shape!(
        "admin_rules_get",
        app.admin(Method::GET, &format!("{t}/rules"), None).await
    );
    let toml = app
        .admin(Method::GET, &format!("{t}/rules?format=toml"), None)
        .await;
    assert_eq!(toml.headers["content-type"], "application/toml");
    insta::assert_snapshot!(
        "admin_rules_get_toml",
        toml.body
            .as_str()
            .unwrap()
            .replace(&employees, "<employees>")
    );

    let locked = app
        .admin(
            Method::PUT,
            &format!("{t}/users/{grace}/lock"),
            Some(json!({"role": "Admin", "reason": "break-glass"})),
        )
        .await;
    assert_shape!("admin_lock_set", locked);
    assert_shape!(
        "admin_users_list",
        app.admin(Method::GET, &format!("{t}/users?limit=10"), None)
            .await
    );
    assert_shape!(
        "admin_user_explain",
        app.admin(Method::GET, &format!("{t}/users/{ada}/explain"), None)
            .await
    );
    assert_shape!(
        "admin_lock_clear",
        app.admin(Method::DELETE, &format!("{t}/users/{grace}/lock"), None)
            .await
    );
    assert_shape!(
        "admin_groups_list",
        app.admin(Method::GET, &format!("{t}/groups"), None).await
    );
    assert_shape!(
        "admin_group_deletion_preview",
        app.admin(
            Method::GET,
            &format!("{t}/groups/{employees}/deletion-preview"),
            None
        )
        .await
    );

    let disabled = app
        .scim(
            Method::PATCH,
            &format!("/Users/{ada}"),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]})),
        )
        .await;
    assert_eq!(disabled.status, 200, "{:?}", disabled.body);
    assert_shape!(
        "admin_report_disabled",
        app.admin(Method::GET, &format!("{t}/reports/disabled-users"), None)
            .await
    );
    let csv = app
        .send(
            request(
                Method::GET,
                &format!("/admin/v1{t}/reports/disabled-users"),
                None,
            )
            .insert_header((
                "authorization",
                format!("Bearer {}", crate::harness::ADMIN_TOKEN),
            ))
            .insert_header(("accept", "text/csv")),
        )
        .await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let text = csv.body.as_str().unwrap();
    let header = text.lines().next().unwrap();
    insta::assert_snapshot!("admin_report_disabled_csv_header", header);
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("{ada},ada@contoso.com,"))
    );

    assert_shape!(
        "admin_events",
        app.admin(
            Method::GET,
            &format!("{t}/events?after_seq=0&limit=3"),
            None
        )
        .await
    );
}

/// The shapes of the rule-set resources: every problem at once, one rule as a
/// resource (created, read), settings read and merged.
async fn rule_resources_and_settings(backend: Backend) {
    let app = TestApp::new(backend);
    let t = "/tenants/acme";
    let ada = app.create_user("ada@contoso.com").await;
    let employees = app.create_group("Employees", &[&ada]).await;
    let problems = app
        .admin(
            Method::PUT,
            &format!("{t}/rules?dry_run=true"),
            Some(json!({
                "default_role": "User",
                "rules": [
                    {"group": "Employees", "role": "Admin"},
                    {"group": "g-unknown", "role": "Nobody"},
                    {"filter": "title eq \"a\" or", "role": "User"},
                ]
            })),
        )
        .await;
    assert_shape!("admin_rules_problems", problems);
    let created = app
        .admin(
            Method::POST,
            &format!("{t}/rules"),
            Some(json!({"name": "staff", "group": {"id": employees}, "role": "Admin"})),
        )
        .await;
    assert_shape!("admin_rule_created", created);
    let id = created.body["rule"]["id"].as_str().unwrap().to_owned();
    assert_shape!(
        "admin_rule_get",
        app.admin(Method::GET, &format!("{t}/rules/{id}"), None)
            .await
    );
    assert_shape!(
        "admin_settings_get",
        app.admin(Method::GET, &format!("{t}/settings"), None).await
    );
    assert_shape!(
        "admin_settings_patch",
        app.admin(
            Method::PATCH,
            &format!("{t}/settings"),
            Some(json!({"user_delete": "hard"}))
        )
        .await
    );
}

both_backends!(
    tenants_and_tokens,
    rules_locks_and_reports,
    rule_resources_and_settings
);
