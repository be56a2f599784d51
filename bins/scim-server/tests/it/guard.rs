//! The last-admin guard against identity-provider changes: the change always
//! applies, a `guard.violated` event names the user, the request and the role,
//! and the refused rule saves that follow say how to get out.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, Client, start};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn role(admin: &Client, user: &str) -> String {
    let r = admin.get(&format!("/users/{user}"));
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["role"].as_str().unwrap_or("").to_owned()
}

fn events(admin: &Client) -> Vec<Value> {
    let r = admin.get("/events?after_seq=0&limit=1000");
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

fn violations(admin: &Client) -> Vec<Value> {
    events(admin)
        .into_iter()
        .filter(|e| e["kind"] == "guard.violated")
        .collect()
}

fn add_member(scim: &Client, group: &str, user: &str) {
    let r = scim.patch_ops(
        &format!("/Groups/{group}"),
        json!([{"op": "Add", "path": "members", "value": [{"value": user}]}]),
    );
    assert_eq!(r.status, 204, "{}", r.text);
}

/// Entra's deactivation PATCH (string boolean).
fn entra_set_active(scim: &Client, user: &str, active: &str) {
    let r = scim.patch_ops(
        &format!("/Users/{user}"),
        json!([{"op": "Replace", "path": "active", "value": active}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

/// A tenant with one admin (Ada, through the group App Admins), one other user
/// (Bob) and rules guarding Admin. Returns (ada, bob, admins group, rules).
fn one_admin(scim: &Client, admin: &Client) -> (String, String, String, Value) {
    let r = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "Admin", "privileged": true}, {"name": "Viewer"}, {"name": "User"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let admins = scim.create_group("App Admins");
    let ada = scim.create_user("ada@contoso.com");
    let bob = scim.create_user("bob@contoso.com");
    add_member(scim, &admins, &ada);
    let rules = json!({
        "default_role": "Viewer",
        "rules": [{"group": {"id": admins, "label": "App Admins"}, "role": "Admin"}],
        "guard": {"role": "Admin"},
    });
    let saved = admin.put("/rules", &rules);
    assert_eq!(saved.body["saved"], true, "{}", saved.text);
    assert_eq!(role(admin, &ada), "Admin");
    (ada, bob, admins, rules)
}

#[track_caller]
fn assert_violation(event: &Value, user: &str, user_name: &str) {
    assert_eq!(event["resource_type"], "User", "{event}");
    assert_eq!(event["resource_id"], user, "{event}");
    assert_eq!(event["after"]["role"], "Admin", "{event}");
    assert_eq!(event["after"]["user_name"], user_name, "{event}");
    assert_eq!(event["after"]["active_holders"], 0, "{event}");
    let request = event["request_id"].as_str().unwrap_or("");
    assert!(!request.is_empty(), "{event}");
    assert_eq!(event["cause"]["request_id"], request, "{event}");
    assert_eq!(
        event["cause"]["actor"]["kind"], "identity_provider",
        "{event}"
    );
    let why = event["cause"]["why"].as_str().unwrap_or("");
    assert!(why.contains("was applied"), "{why}");
    assert!(why.contains(user_name), "{why}");
    assert!(!why.contains("refused:"), "{why}");
}

/// Entra's PATCH `active: "False"` on the only admin applies and is recorded;
/// the rule save it blocks names the way out, which works.
fn entra_deactivation_of_the_last_admin(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let (ada, bob, _, rules) = one_admin(&scim, &admin);

    entra_set_active(&scim, &ada, "False");
    assert_eq!(role(&admin, &ada), "Disabled", "the IdP's change applies");
    let found = violations(&admin);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_violation(&found[0], &ada, "ada@contoso.com");
    let deactivation = events(&admin)
        .into_iter()
        .find(|e| e["kind"] == "user.deactivated")
        .unwrap();
    assert_eq!(
        found[0]["request_id"], deactivation["request_id"],
        "the violation names the request that caused it"
    );
    assert!(
        events(&admin)
            .iter()
            .all(|e| !e["cause"].to_string().contains("refused:")),
        "no event calls an applied change refused"
    );

    // Saving rules that keep the guard is refused, and says what to do.
    let refused = admin.put("/rules", &rules);
    assert_eq!(refused.status, 422, "{}", refused.text);
    let summary = refused.body["problems"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("lock an active user as Admin"),
        "{summary}"
    );
    assert!(summary.contains("turn the guard off"), "{summary}");

    // The way out: lock someone as Admin, then the save goes through.
    let lock = admin.put(&format!("/users/{bob}/lock"), &json!({"role": "Admin"}));
    assert_eq!(lock.status, 200, "{}", lock.text);
    let saved = admin.put("/rules", &rules);
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["saved"], true);
}

/// The other way out the refusal names: the guard turned off in the settings,
/// after which rules save again.
fn guard_turned_off_after_a_violation(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let (ada, _, _, mut rules) = one_admin(&scim, &admin);
    entra_set_active(&scim, &ada, "False");
    assert_eq!(admin.put("/rules", &rules).status, 422);

    let off = admin.patch("/settings", &json!({"guard": null}));
    assert_eq!(off.status, 200, "{}", off.text);
    assert_eq!(off.body["guard"], Value::Null);
    rules.as_object_mut().unwrap().remove("guard");
    let saved = admin.put("/rules", &rules);
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["saved"], true);
}

/// Okta's PUT with `active: false` on the only admin is recorded too, and a
/// second admin makes the same change harmless.
fn okta_deactivation_of_the_last_admin(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let (ada, _, _, _) = one_admin(&scim, &admin);
    let put = scim.put(
        &format!("/Users/{ada}"),
        &json!({"schemas": [USER], "userName": "ada@contoso.com", "displayName": "ada@contoso.com", "active": false}),
    );
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(role(&admin, &ada), "Disabled");
    let found = violations(&admin);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_violation(&found[0], &ada, "ada@contoso.com");
}

/// Deleting the mapped group, or the user, is applied and recorded the same way;
/// with another admin left, nothing is recorded.
fn group_and_user_deletion(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let (ada, bob, admins, _) = one_admin(&scim, &admin);
    add_member(&scim, &admins, &bob);
    // Two admins: losing one is fine.
    entra_set_active(&scim, &bob, "False");
    assert!(violations(&admin).is_empty());

    assert_eq!(scim.delete(&format!("/Groups/{admins}")).status, 204);
    assert_eq!(role(&admin, &ada), "Viewer");
    let found = violations(&admin);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_violation(&found[0], &ada, "ada@contoso.com");

    // A user deleted while being the only admin.
    let carol = scim.create_user("carol@contoso.com");
    let lock = admin.put(&format!("/users/{carol}/lock"), &json!({"role": "Admin"}));
    assert_eq!(lock.status, 200, "{}", lock.text);
    assert_eq!(scim.delete(&format!("/Users/{carol}")).status, 204);
    let found = violations(&admin);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_violation(&found[1], &carol, "carol@contoso.com");
}

both_backends!(
    entra_deactivation_of_the_last_admin,
    guard_turned_off_after_a_violation,
    okta_deactivation_of_the_last_admin,
    group_and_user_deletion
);
