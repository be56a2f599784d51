//! The role semantics end to end: pushes from the identity provider move roles
//! as the decision precedence in `crates/role-engine/src/lib.rs` says, rule
//! edits are previewed before they are saved, locks hold, and everything lands
//! in the event log.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, Client, start};

fn role(admin: &Client, user: &str) -> (String, String) {
    let r = admin.get(&format!("/users/{user}"));
    assert_eq!(r.status, 200, "{}", r.text);
    (
        r.body["role"].as_str().unwrap_or("").to_owned(),
        r.body["reason"].as_str().unwrap_or("").to_owned(),
    )
}

fn setup_catalogue(admin: &Client) {
    let r = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "Admin", "privileged": true}, {"name": "Technician"}, {"name": "Loanee"}, {"name": "Viewer"}, {"name": "User"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

fn rules(employees: &str, admins: &str) -> Value {
    json!({
        "default_role": "Viewer",
        "rules": [
            {"group": {"id": admins, "label": "App Admins"}, "role": "Admin"},
            {"filter": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"IT\"", "role": "Technician"},
            {"group": {"id": employees, "label": "Employees"}, "role": "Loanee"}
        ]
    })
}

fn add_member(scim: &Client, group: &str, user: &str) {
    let r = scim.patch_ops(
        &format!("/Groups/{group}"),
        json!([{"op": "Add", "path": "members", "value": [{"value": user}]}]),
    );
    assert_eq!(r.status, 204, "{}", r.text);
}

fn remove_member(scim: &Client, group: &str, user: &str) {
    let r = scim.patch_ops(
        &format!("/Groups/{group}"),
        json!([{"op": "Remove", "path": "members", "value": [{"value": user}]}]),
    );
    assert_eq!(r.status, 204, "{}", r.text);
}

fn set_active(scim: &Client, user: &str, active: &str) {
    let r = scim.patch_ops(
        &format!("/Users/{user}"),
        json!([{"op": "Replace", "path": "active", "value": active}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Default role, mapped group, removal, deactivation, reactivation (memberships
/// kept), attribute rule, rename keeps the mapping, group deletion, soft delete.
fn push_driven_roles(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    setup_catalogue(&admin);
    let employees = scim.create_group("Employees");
    let admins = scim.create_group("App Admins");
    assert_eq!(
        admin.put("/rules", &rules(&employees, &admins)).body["saved"],
        true
    );

    let ada = scim.create_user("ada@contoso.com");
    assert_eq!(
        role(&admin, &ada).0,
        "Viewer",
        "a user in no group gets the default role"
    );
    add_member(&scim, &employees, &ada);
    let (r, why) = role(&admin, &ada);
    assert_eq!(r, "Loanee");
    assert!(why.contains("Employees"), "{why}");
    remove_member(&scim, &employees, &ada);
    assert_eq!(
        role(&admin, &ada).0,
        "Viewer",
        "removal falls back to the default role"
    );

    add_member(&scim, &employees, &ada);
    set_active(&scim, &ada, "False");
    assert_eq!(role(&admin, &ada).0, "Disabled");
    set_active(&scim, &ada, "True");
    assert_eq!(
        role(&admin, &ada).0,
        "Loanee",
        "reactivation restores the group role: memberships were kept"
    );

    // The department rule comes before the Employees rule.
    let dept = scim.patch_ops(
        &format!("/Users/{ada}"),
        json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "IT"}]),
    );
    assert_eq!(dept.status, 200);
    assert_eq!(role(&admin, &ada).0, "Technician");

    // A rename in the IdP keeps the mapping (rules reference ids).
    scim.patch_ops(
        &format!("/Groups/{admins}"),
        json!([{"op": "Replace", "path": "displayName", "value": "Application Administrators"}]),
    );
    add_member(&scim, &admins, &ada);
    let (r, why) = role(&admin, &ada);
    assert_eq!(r, "Admin");
    assert!(
        why.contains("Application Administrators") || why.contains("App Admins"),
        "{why}"
    );

    // Deleting the group recomputes its former members.
    assert_eq!(scim.delete(&format!("/Groups/{admins}")).status, 204);
    assert_eq!(role(&admin, &ada).0, "Technician");

    // IdP DELETE: soft delete, role Disabled, history kept, listed as deleted.
    assert_eq!(scim.delete(&format!("/Users/{ada}")).status, 204);
    let gone = admin.get(&format!("/users/{ada}"));
    assert_eq!(gone.body["status"], "deleted");
    assert_eq!(gone.body["role"], "Disabled");
    let changes: Vec<Value> = admin.get("/events?after_seq=0&limit=1000").body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "role.changed" && e["resource_id"] == ada.as_str())
        .map(|e| e["after"]["role"].clone())
        .collect();
    assert_eq!(
        changes,
        [
            "Viewer",
            "Loanee",
            "Viewer",
            "Loanee",
            "Disabled",
            "Loanee",
            "Technician",
            "Admin",
            "Technician",
            "Disabled"
        ]
        .map(Value::from)
        .to_vec(),
        "every role change is an event, in order"
    );
}

/// A rule edit is previewed (nothing saved), then saved and applied; the lock
/// freezes a user against group and rule changes; deactivation beats a lock by
/// default and not when the tenant lets locks survive.
fn rule_edits_and_locks(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    setup_catalogue(&admin);
    let employees = scim.create_group("Employees");
    let admins = scim.create_group("App Admins");
    let ada = scim.create_user("ada@contoso.com");
    let bob = scim.create_user("bob@contoso.com");
    add_member(&scim, &employees, &ada);
    add_member(&scim, &employees, &bob);
    assert_eq!(
        role(&admin, &ada).0,
        "User",
        "the tenant's initial rules give everyone User"
    );

    let preview = admin.put("/rules?dry_run=true", &rules(&employees, &admins));
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(preview.body["saved"], false);
    assert_eq!(preview.body["changes"].as_array().unwrap().len(), 2);
    assert_eq!(preview.body["changes"][0]["after"]["role"], "Loanee");
    assert_eq!(role(&admin, &ada).0, "User", "a dry run saves nothing");

    // Lock Bob as Admin before the edit: the edit leaves him alone.
    let lock = admin.put(
        &format!("/users/{bob}/lock"),
        &json!({"role": "Admin", "reason": "runs the app"}),
    );
    assert_eq!(lock.status, 200, "{}", lock.text);
    assert_eq!(lock.body["role"], "Admin");
    let saved = admin.put("/rules", &rules(&employees, &admins));
    assert_eq!(saved.body["saved"], true);
    assert_eq!(role(&admin, &ada).0, "Loanee");
    assert_eq!(
        role(&admin, &bob).0,
        "Admin",
        "a lock freezes the role against rule changes"
    );
    remove_member(&scim, &employees, &bob);
    assert_eq!(role(&admin, &bob).0, "Admin", "and against group changes");
    let explain = admin.get(&format!("/users/{bob}/explain"));
    assert!(
        explain.body["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("lock"),
        "{}",
        explain.text
    );

    // Deactivation wins over the lock by default...
    set_active(&scim, &bob, "False");
    assert_eq!(role(&admin, &bob).0, "Disabled");
    set_active(&scim, &bob, "True");
    assert_eq!(role(&admin, &bob).0, "Admin");
    // ...unless the rule set lets locks survive deactivation.
    let mut surviving = rules(&employees, &admins);
    surviving["lock_survives_deactivation"] = json!(true);
    admin.put("/rules", &surviving);
    set_active(&scim, &bob, "False");
    assert_eq!(role(&admin, &bob).0, "Admin");
    let report = admin.get("/reports/disabled-users");
    let row = report.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == bob.as_str())
        .expect("listed");
    assert_eq!(
        row["lock_kept_role"], "Admin",
        "a lock that outlived deactivation is visible"
    );
    // Clearing the lock recomputes from the rules.
    let cleared = admin.delete(&format!("/users/{bob}/lock"));
    assert_eq!(cleared.body["role"], "Disabled");
    assert!(cleared.body["lock"].is_null());
    // Rules with errors are refused and not saved.
    let bad = admin.put("/rules", &json!({"default_role": "Nobody", "rules": []}));
    bad.assert_problem(422);
    assert!(!bad.body["problems"].as_array().unwrap().is_empty());
}

/// The last-admin guard refuses an admin action that would leave no active Admin.
fn last_admin_guard(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    setup_catalogue(&admin);
    let admins = scim.create_group("App Admins");
    let employees = scim.create_group("Employees");
    let ada = scim.create_user("ada@contoso.com");
    add_member(&scim, &admins, &ada);
    let mut guarded = rules(&employees, &admins);
    guarded["guard"] = json!({"role": "Admin"});
    assert_eq!(admin.put("/rules", &guarded).body["saved"], true);
    assert_eq!(role(&admin, &ada).0, "Admin");
    // Locking the only admin into Viewer would leave no admin.
    let refused = admin.put(&format!("/users/{ada}/lock"), &json!({"role": "Viewer"}));
    refused.assert_problem(409);
    assert_eq!(
        role(&admin, &ada).0,
        "Admin",
        "a refused change changes nothing"
    );
    assert!(admin.get(&format!("/users/{ada}")).body["lock"].is_null());

    // Rules that would take Admin from its only holder are refused: the saved
    // rules, and what later writes decide with, stay the committed ones.
    let mut demoting = guarded.clone();
    demoting["rules"] = json!([
        {"group": {"id": admins, "label": "App Admins"}, "role": "Viewer"},
        {"group": {"id": employees, "label": "Employees"}, "role": "Admin"}
    ]);
    let refused = admin.put("/rules", &demoting);
    refused.assert_problem(422);
    assert_eq!(refused.body["problems"][0]["kind"], "guard_broken");
    let mut stored = admin.get("/rules").body["rules"].clone();
    for rule in stored.as_array_mut().unwrap() {
        rule.as_object_mut().unwrap().remove("id");
    }
    assert_eq!(
        stored, guarded["rules"],
        "saved rules get ids, nothing else"
    );
    assert_eq!(role(&admin, &ada).0, "Admin");
    let bob = scim.create_user("bob@contoso.com");
    add_member(&scim, &admins, &bob);
    assert_eq!(
        role(&admin, &bob).0,
        "Admin",
        "decided by the committed rules"
    );
}

/// The deletion preview of a group counts over all its members and pages the
/// users concerned: each exactly once, the locked one as held by its lock,
/// the member an earlier rule decides not at all.
fn group_deletion_preview_counts_and_pages(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    setup_catalogue(&admin);
    let employees = scim.create_group("Employees");
    let admins = scim.create_group("App Admins");
    let members: Vec<String> = (0..6)
        .map(|i| scim.create_user(&format!("member{i}@contoso.com")))
        .collect();
    for user in &members {
        add_member(&scim, &employees, user);
    }
    let outsider = scim.create_user("outsider@contoso.com");
    add_member(&scim, &admins, &members[0]);
    let saved = admin.put(
        "/rules",
        &json!({"default_role": "Viewer", "rules": [
            {"group": {"id": admins}, "role": "Admin"},
            {"group": {"id": employees}, "role": "Loanee"}
        ]}),
    );
    assert_eq!(saved.body["saved"], true, "{}", saved.text);
    let lock = admin.put(
        &format!("/users/{}/lock", members[1]),
        &json!({"role": "Loanee", "reason": "keeps the loan desk"}),
    );
    assert_eq!(lock.status, 200, "{}", lock.text);

    let path = format!("/groups/{employees}/deletion-preview");
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &after {
            Some(a) => format!("{path}?limit=2&after={a}"),
            None => format!("{path}?limit=2"),
        };
        let r = admin.get(&url);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["summary"]["changed"], 4, "{}", r.text);
        assert_eq!(r.body["summary"]["held_by_lock"], 1, "{}", r.text);
        assert_eq!(
            r.body["summary"]["transitions"],
            json!([{"from": "Loanee", "to": "Viewer", "count": 4}])
        );
        for entry in r.body["changes"].as_array().unwrap() {
            assert_eq!(
                (
                    entry["before"]["role"].as_str(),
                    entry["after"]["role"].as_str()
                ),
                (Some("Loanee"), Some("Viewer"))
            );
            seen.push((entry["user_id"].as_str().unwrap().to_owned(), "changes"));
        }
        for entry in r.body["held_by_lock"].as_array().unwrap() {
            seen.push((entry["user_id"].as_str().unwrap().to_owned(), "held"));
        }
        pages += 1;
        match r.body["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3, "five entries, two a page");
    seen.sort();
    let mut expected: Vec<(String, &str)> = members[2..]
        .iter()
        .map(|id| (id.clone(), "changes"))
        .chain([(members[1].clone(), "held")])
        .collect();
    expected.sort();
    assert_eq!(seen, expected);
    assert!(
        !seen
            .iter()
            .any(|(id, _)| id == &outsider || id == &members[0])
    );

    admin.get(&format!("{path}?limit=0")).assert_problem(400);
    admin.get(&format!("{path}?limit=1001")).assert_problem(400);
    admin.get(&format!("{path}?page=2")).assert_problem(400);
    admin
        .get("/groups/no-such-group/deletion-preview")
        .assert_problem(404);
}

both_backends!(
    push_driven_roles,
    rule_edits_and_locks,
    last_admin_guard,
    group_deletion_preview_counts_and_pages
);
