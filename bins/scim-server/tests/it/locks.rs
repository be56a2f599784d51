//! Role locks over HTTP: an explicit role is required, `Disabled` only when
//! asked for, no locks on users the identity provider deleted, and `If-Match`
//! on the lock's entity tag.

use serde_json::json;

use crate::both_backends;
use crate::harness::{Backend, Client, start};

fn user_state(admin: &Client, user: &str) -> (String, serde_json::Value) {
    let r = admin.get(&format!("/users/{user}"));
    assert_eq!(r.status, 200, "{}", r.text);
    (
        r.body["role"].as_str().unwrap_or("").to_owned(),
        r.body["lock"].clone(),
    )
}

fn catalogue(admin: &Client) {
    let r = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "Admin", "privileged": true}, {"name": "Viewer"}, {"name": "User"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

/// An empty body, `{}` and a blank role are refused and lock nothing; in
/// particular a deactivated user is not frozen in `Disabled`.
fn a_lock_needs_an_explicit_role(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    catalogue(&admin);
    let ada = scim.create_user("ada@contoso.com");
    let deactivated = scim.patch_ops(
        &format!("/Users/{ada}"),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert_eq!(deactivated.status, 200, "{}", deactivated.text);
    let before = user_state(&admin, &ada);
    assert_eq!(before.0, "Disabled");
    let path = format!("/users/{ada}/lock");
    for body in [
        None,
        Some("{}"),
        Some(r#"{"role": " "}"#),
        Some(r#"{"reason": "x"}"#),
    ] {
        let r = admin.request("PUT", &path, body, &[]);
        assert_eq!(r.status, 400, "{body:?}: {}", r.text);
        assert!(r.text.contains("explicit role"), "{}", r.text);
    }
    assert_eq!(user_state(&admin, &ada), before, "nothing was locked");
}

/// `Disabled` as a lock role needs `allow_disabled: true`.
fn disabled_only_when_asked_for(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    catalogue(&admin);
    let ada = scim.create_user("ada@contoso.com");
    let path = format!("/users/{ada}/lock");
    let refused = admin.put(&path, &json!({"role": "Disabled"}));
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("allow_disabled"), "{}", refused.text);
    assert!(user_state(&admin, &ada).1.is_null());
    let locked = admin.put(&path, &json!({"role": "Disabled", "allow_disabled": true}));
    assert_eq!(locked.status, 200, "{}", locked.text);
    assert_eq!(user_state(&admin, &ada).0, "Disabled");
    assert_eq!(user_state(&admin, &ada).1["role"], "Disabled");
}

/// A user the identity provider deleted cannot be locked (409).
fn no_locks_on_deleted_users(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    catalogue(&admin);
    let ada = scim.create_user("ada@contoso.com");
    assert_eq!(scim.delete(&format!("/Users/{ada}")).status, 204);
    let refused = admin.put(&format!("/users/{ada}/lock"), &json!({"role": "Admin"}));
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(
        refused.text.contains("deleted by the identity provider"),
        "{}",
        refused.text
    );
    let (role, lock) = user_state(&admin, &ada);
    assert_eq!(role, "Disabled");
    assert!(lock.is_null());
}

/// The lock state has an entity tag; a stale `If-Match` is a 412 that changes
/// nothing, the current one goes through.
fn locks_honour_if_match(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    catalogue(&admin);
    let ada = scim.create_user("ada@contoso.com");
    let path = format!("/users/{ada}/lock");
    let none = admin.get(&path);
    assert_eq!(none.status, 200, "{}", none.text);
    assert!(none.body["lock"].is_null());
    let unlocked_tag = none.header("etag").unwrap().to_owned();

    let first = admin.request(
        "PUT",
        &path,
        Some(r#"{"role": "Admin"}"#),
        &[("If-Match", &unlocked_tag)],
    );
    assert_eq!(first.status, 200, "{}", first.text);
    let admin_tag = first.header("etag").unwrap().to_owned();
    assert_ne!(admin_tag, unlocked_tag);
    let shown = admin.get(&path);
    assert_eq!(shown.header("etag"), Some(admin_tag.as_str()));
    assert_eq!(shown.body["lock"]["role"], "Admin");

    // A second admin still holding the unlocked state's tag.
    let stale = admin.request(
        "PUT",
        &path,
        Some(r#"{"role": "Viewer"}"#),
        &[("If-Match", &unlocked_tag)],
    );
    assert_eq!(stale.status, 412, "{}", stale.text);
    let stale_clear = admin.request("DELETE", &path, None, &[("If-Match", &unlocked_tag)]);
    assert_eq!(stale_clear.status, 412, "{}", stale_clear.text);
    assert_eq!(
        user_state(&admin, &ada).1["role"],
        "Admin",
        "nothing changed"
    );

    let cleared = admin.request("DELETE", &path, None, &[("If-Match", &admin_tag)]);
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(cleared.header("etag"), Some(unlocked_tag.as_str()));
    assert!(user_state(&admin, &ada).1.is_null());
}

both_backends!(
    a_lock_needs_an_explicit_role,
    disabled_only_when_asked_for,
    no_locks_on_deleted_users,
    locks_honour_if_match
);
