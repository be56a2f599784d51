//! The rule set as an admin edits it, over real HTTP: the admin steps of
//! `docs/entra.md` as written from a fresh tenant, validation against the
//! groups the identity provider pushed, rules as resources, entity tags on
//! catalogue, rules and settings, and the one rule file format.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, Client, Resp, Server, start};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// One `curl` call of a documentation code block.
#[derive(Debug)]
struct Curl {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

/// The text between the first `'` after `from` and the next `'`.
fn quoted(text: &str, quote: char) -> Option<(&str, &str)> {
    let start = text.find(quote)? + 1;
    let len = text[start..].find(quote)?;
    Some((&text[start..start + len], &text[start + len + 1..]))
}

/// The `curl` calls of the first `sh` block after `heading` in `doc`, with
/// `$API` taken off the URLs (the client's base is the tenant's admin URL).
fn curls_after(doc: &str, heading: &str) -> Vec<Curl> {
    let section = &doc[doc.find(heading).expect("heading")..];
    let block = &section[section.find("```sh").expect("sh block") + 5..];
    let block = &block[..block.find("```").expect("end of block")];
    let mut calls = Vec::new();
    let mut rest = block;
    while let Some(at) = rest.find("\ncurl ") {
        rest = &rest[at + 6..];
        // A call ends at the first line that does not continue it (the body's
        // quotes span lines).
        let mut call = rest;
        let mut method = "GET".to_owned();
        let mut path = None;
        let mut headers = Vec::new();
        let mut body = None;
        loop {
            call = call.trim_start_matches([' ', '\\']);
            if call.starts_with('\n') || call.is_empty() {
                break;
            }
            if let Some(after) = call.strip_prefix("-X ") {
                let end = after.find(' ').unwrap();
                method = after[..end].to_owned();
                call = &after[end..];
            } else if let Some(after) = call.strip_prefix("-H ") {
                let (header, after) = quoted(after, '"').unwrap();
                if let Some((name, value)) = header.split_once(": ") {
                    headers.push((name.to_owned(), value.to_owned()));
                }
                call = after;
            } else if let Some(after) = call.strip_prefix("-d ") {
                let (text, after) = quoted(after, '\'').unwrap();
                body = Some(text.to_owned());
                call = after;
            } else if call.starts_with('"') {
                let (url, after) = quoted(call, '"').unwrap();
                path = Some(url.strip_prefix("$API").expect("$API url").to_owned());
                call = after;
            } else {
                panic!("unexpected curl argument: {call}");
            }
        }
        calls.push(Curl {
            method,
            path: path.expect("url"),
            headers,
            body,
        });
    }
    calls
}

fn create_user(scim: &Client, user_name: &str, department: Option<&str>) -> String {
    let mut user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "active": true,
    });
    if let Some(department) = department {
        user["schemas"]
            .as_array_mut()
            .unwrap()
            .push(json!(ENTERPRISE));
        user[ENTERPRISE] = json!({"department": department});
    }
    let r = scim.post("/Users", &user);
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

fn create_group(scim: &Client, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let r = scim.post(
        "/Groups",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

fn role_of(admin: &Client, user: &str) -> String {
    let r = admin.get(&format!("/users/{user}"));
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["role"].as_str().unwrap().to_owned()
}

fn summaries(resp: &Resp) -> Vec<String> {
    resp.body["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", resp.text))
        .iter()
        .map(|p| p["summary"].as_str().unwrap().to_owned())
        .collect()
}

/// Sends `body` as TOML.
fn put_toml(admin: &Client, path: &str, body: &str) -> Resp {
    admin.request(
        "PUT",
        path,
        Some(body),
        &[("Content-Type", "application/toml")],
    )
}

/// The admin steps of `docs/entra.md` section 5, sent as written (the group
/// ids filled in) to a fresh tenant after a first push: each answers as the
/// guide says, and the roles are the ones it promises.
fn entra_guide_admin_steps(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let alice = create_user(&scim, "alice@contoso.com", None);
    let ira = create_user(&scim, "ira@contoso.com", Some("IT"));
    let ada = create_user(&scim, "ada@contoso.com", Some("Sales"));
    let nina = create_user(&scim, "nina@contoso.com", None);
    let app_admins = create_group(&scim, "App Admins", &[&alice]);
    let employees = create_group(&scim, "Employees", &[&ira, &ada]);

    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/entra.md"))
            .unwrap();
    let calls = curls_after(&doc, "## 5. Map groups to roles");
    let shape: Vec<(&str, &str)> = calls
        .iter()
        .map(|c| (c.method.as_str(), c.path.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            ("GET", "/groups"),
            ("PUT", "/rules?dry_run=true"),
            ("PUT", "/rules"),
            ("GET", "/users"),
        ]
    );
    let ids = HashMap::from([
        ("<id of group App Admins>", app_admins.as_str()),
        ("<id of group Employees>", employees.as_str()),
    ]);
    let mut answers = Vec::new();
    for call in &calls {
        let body = call.body.as_ref().map(|b| {
            ids.iter().fold(b.clone(), |text, (placeholder, id)| {
                text.replace(placeholder, id)
            })
        });
        let headers: Vec<(&str, &str)> = call
            .headers
            .iter()
            .filter(|(name, _)| name != "Authorization")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let r = admin.request(&call.method, &call.path, body.as_deref(), &headers);
        assert_eq!(r.status, 200, "{} {}: {}", call.method, call.path, r.text);
        answers.push(r);
        if call.path == "/rules?dry_run=true" {
            assert_eq!(answers[1].body["saved"], false);
            assert_eq!(summaries(&answers[1]), Vec::<String>::new());
            assert_eq!(role_of(&admin, &alice), "User", "a dry run saves nothing");
        }
    }
    let listed: Vec<&str> = answers[0].body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["display_name"].as_str())
        .collect();
    assert!(
        listed.contains(&"App Admins") && listed.contains(&"Employees"),
        "{}",
        answers[0].text
    );
    assert_eq!(answers[2].body["saved"], true, "{}", answers[2].text);
    for (user, expected) in [
        (&alice, "Admin"),
        (&ira, "Technician"),
        (&ada, "Loanee"),
        (&nina, "Viewer"),
    ] {
        assert_eq!(role_of(&admin, user), expected);
    }
    let catalogue: Vec<Value> = admin.get("/catalogue").body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(catalogue, ["Admin", "Technician", "Loanee", "Viewer"]);
}

/// The documented first step on its own fails on a fresh tenant, because the
/// default rules give `User`: the guide's combined call is the way (and the
/// refusal says so).
fn catalogue_alone_names_the_combined_call(backend: Backend) {
    let server = start(backend);
    let admin = server.admin();
    let r = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "Admin", "privileged": true}, {"name": "Viewer"}]}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("with the rules in one PUT .../rules"),
        "{}",
        r.text
    );
    // Refused together too when a locked user keeps a role the catalogue drops.
    let scim = server.scim();
    let kim = create_user(&scim, "kim@contoso.com", None);
    let lock = admin.put(&format!("/users/{kim}/lock"), &json!({"role": "Admin"}));
    assert_eq!(lock.status, 200, "{}", lock.text);
    let r = admin.put(
        "/rules",
        &json!({"default_role": "Viewer", "roles": [{"name": "Viewer"}], "rules": []}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        admin.get("/rules").body["default_role"],
        "User",
        "nothing changed"
    );
}

/// A display name where an id belongs is an error naming the id; a group the
/// IdP never pushed and one it deleted are warnings; a broken filter is one
/// more problem, with its position. A save with errors answers 422, a dry run 200.
fn validation_knows_the_pushed_groups(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let app_admins = create_group(&scim, "App Admins", &[]);
    let gone = create_group(&scim, "Contractors", &[]);
    assert_eq!(scim.delete(&format!("/Groups/{gone}")).status, 204);
    let rules = json!({
        "default_role": "User",
        "rules": [
            {"group": "App Admins", "role": "Admin"},
            {"group": "no-such-group", "role": "Admin"},
            {"group": {"id": gone, "label": "Contractors"}, "role": "User"},
            {"filter": "title eq", "role": "User"},
        ]
    });
    let saved = admin.put("/rules", &rules);
    assert_eq!(saved.status, 422, "{}", saved.text);
    assert_eq!(
        summaries(&saved),
        [
            format!(
                "error: rule 1: 'App Admins' is a group's display name, but rules name groups by id: use \"{app_admins}\""
            ),
            format!(
                "warning: rule 2: the identity provider never pushed a group with id 'no-such-group', so the rule matches nobody; it pushed App Admins ({app_admins})"
            ),
            format!(
                "warning: rule 3: group Contractors ({gone}) was deleted by the identity provider, so the rule matches nobody"
            ),
            "error: rule 4: invalid filter 'title eq': invalid filter at position 8: expected a value, found the end".to_owned(),
        ]
    );
    assert_eq!(saved.body["problems"][3]["position"], 8);
    let preview = admin.put("/rules?dry_run=true", &rules);
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(summaries(&preview).len(), 4);
}

/// Rules are resources: ids given on save and kept by a re-upload, one rule
/// created, replaced, moved and deleted; explanations name the rule's id and
/// its group's current name.
fn rules_are_resources(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let ada = create_user(&scim, "ada@contoso.com", None);
    let staff = create_group(&scim, "Staff", &[&ada]);
    let file = json!({
        "default_role": "User",
        "rules": [
            {"group": {"id": staff, "label": "Staff"}, "role": "Admin"},
            {"filter": "title pr", "role": "User"},
        ]
    });
    assert_eq!(admin.put("/rules", &file).body["saved"], true);
    let listed = admin.get("/rules").body["rules"].clone();
    let ids: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(admin.put("/rules", &file).body["saved"], true);
    assert_eq!(
        admin.get("/rules").body["rules"],
        listed,
        "a re-upload keeps the ids"
    );

    let created = admin.post(
        "/rules?position=1",
        &json!({"filter": "userName sw \"x\"", "role": "User", "name": "x-people"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["rule"]["position"], 1);
    let new_id = created.body["rule"]["id"].as_str().unwrap().to_owned();
    let one = admin.get(&format!("/rules/{new_id}"));
    assert_eq!((one.status, &one.body["name"]), (200, &json!("x-people")));

    let moved = admin.post(&format!("/rules/{new_id}/move"), &json!({"position": 3}));
    assert_eq!(moved.status, 200, "{}", moved.text);
    let order: Vec<Value> = admin.get("/rules").body["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(order, [json!(ids[0]), json!(ids[1]), json!(new_id)]);

    let replaced = admin.put(
        &format!("/rules/{new_id}"),
        &json!({"filter": "userName sw \"y\"", "role": "User"}),
    );
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(replaced.body["rule"]["position"], 3);
    let bad_move = admin.post(&format!("/rules/{new_id}/move"), &json!({"position": 9}));
    assert_eq!(bad_move.status, 400, "{}", bad_move.text);
    assert_eq!(admin.delete(&format!("/rules/{new_id}")).status, 200);
    assert_eq!(admin.get(&format!("/rules/{new_id}")).status, 404);
    assert_eq!(admin.delete(&format!("/rules/{new_id}")).status, 404);

    // The IdP renames the group: the explanation names the rule by id and the
    // group by its new name.
    let r = scim.patch_ops(
        &format!("/Groups/{staff}"),
        json!([{"op": "Replace", "path": "displayName", "value": "Employees"}]),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let why = admin.get(&format!("/users/{ada}/explain"));
    assert_eq!(why.status, 200, "{}", why.text);
    assert_eq!(
        why.body["decision"]["reason"]["id"],
        json!(ids[0]),
        "{}",
        why.text
    );
    assert_eq!(
        why.body["decision"]["reason"]["group"]["label"],
        "Employees"
    );
    // So do the sub-accounts list and the event that gave Ada the role,
    // written before the rename.
    let listed = admin.get(&format!("/users/{ada}"));
    assert_eq!(
        listed.body["reason_detail"]["group"]["label"], "Employees",
        "{}",
        listed.text
    );
    let reason = listed.body["reason"].as_str().unwrap();
    assert!(reason.contains("Employees"), "{reason}");
    let events = admin.get(&format!("/events?kind=role.changed&user={ada}"));
    assert_eq!(events.status, 200, "{}", events.text);
    let by_rule = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["after"]["reason"]["step"] == "rule")
        .unwrap_or_else(|| panic!("{}", events.text))
        .clone();
    assert_eq!(by_rule["after"]["reason"]["id"], json!(ids[0]));
    assert_eq!(
        by_rule["after"]["reason"]["group"]["label"], "Employees",
        "{by_rule}"
    );
    let why = by_rule["cause"]["why"].as_str().unwrap();
    assert!(why.contains("Employees") && !why.contains("Staff"), "{why}");
}

/// Catalogue, rules and settings carry entity tags; a stale `If-Match` is a
/// 412 that changes nothing, a current one and none at all are accepted.
fn entity_tags_guard_concurrent_edits(backend: Backend) {
    let server = start(backend);
    let admin = server.admin();
    for (path, first, second) in [
        (
            "/catalogue",
            json!({"roles": [{"name": "Admin"}, {"name": "User"}, {"name": "A"}]}),
            json!({"roles": [{"name": "Admin"}, {"name": "User"}, {"name": "B"}]}),
        ),
        (
            "/rules",
            json!({"default_role": "User", "rules": [{"filter": "title pr", "role": "Admin"}]}),
            json!({"default_role": "User", "rules": []}),
        ),
        (
            "/settings",
            json!({"user_delete": "hard", "strict_attributes": false}),
            json!({"user_delete": "soft", "strict_attributes": true}),
        ),
    ] {
        let tag = admin.get(path).header("etag").unwrap().to_owned();
        let put = |body: &Value, tag: Option<&str>| {
            let headers: Vec<(&str, &str)> = tag.map(|t| ("If-Match", t)).into_iter().collect();
            admin.request("PUT", path, Some(&body.to_string()), &headers)
        };
        // One admin saves on the version both read...
        let saved = put(&first, Some(&tag));
        assert_eq!(saved.status, 200, "{path}: {}", saved.text);
        let new_tag = saved.header("etag").unwrap().to_owned();
        assert_ne!(new_tag, tag, "{path}");
        assert_eq!(admin.get(path).header("etag"), Some(new_tag.as_str()));
        // ...the other's save on the old version is refused and changes nothing.
        let stale = put(&second, Some(&tag));
        assert_eq!(stale.status, 412, "{path}: {}", stale.text);
        assert_eq!(admin.get(path).header("etag"), Some(new_tag.as_str()));
        // Without If-Match, the write applies to whatever is current.
        assert_eq!(put(&second, None).status, 200, "{path}");
    }
    // Parts are tagged separately: a settings change leaves the rules' tag valid.
    let rules_tag = admin.get("/rules").header("etag").unwrap().to_owned();
    assert_eq!(
        admin
            .patch("/settings", &json!({"strict_attributes": false}))
            .status,
        200
    );
    assert_eq!(admin.get("/rules").header("etag"), Some(rules_tag.as_str()));
    // A one-rule edit with a stale tag is refused too.
    let stale = admin.request(
        "POST",
        "/rules",
        Some(&json!({"filter": "title pr", "role": "User"}).to_string()),
        &[("If-Match", "W/\"1\"")],
    );
    assert_eq!(stale.status, 412, "{}", stale.text);
}

/// `PATCH .../settings` merges: fields left out keep their values; a typo
/// changes nothing.
fn settings_merge(backend: Backend) {
    let server = start(backend);
    let admin = server.admin();
    let read = admin.get("/settings");
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(
        read.body,
        json!({"user_delete": "soft", "strict_attributes": false, "lock_survives_deactivation": false, "guard": null})
    );
    let patched = admin.patch("/settings", &json!({"user_delete": "hard"}));
    assert_eq!(patched.status, 200, "{}", patched.text);
    let patched = admin.patch("/settings", &json!({"strict_attributes": true}));
    assert_eq!(
        patched.body,
        json!({"user_delete": "hard", "strict_attributes": true, "lock_survives_deactivation": false, "guard": null})
    );
    let typo = admin.patch("/settings", &json!({"strict_atributes": false}));
    assert_eq!(typo.status, 400, "{}", typo.text);
    assert_eq!(
        admin.get("/settings").body["strict_attributes"],
        json!(true)
    );
}

/// `guard` and `lock_survives_deactivation` are tenant settings: a PATCH
/// decides every user again, a guard the users would break is refused, and
/// the rule file shows (and, uploaded, sets) them.
fn decision_settings(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let kim = create_user(&scim, "kim@contoso.com", None);
    let lock = admin.put(&format!("/users/{kim}/lock"), &json!({"role": "Admin"}));
    assert_eq!(lock.status, 200, "{}", lock.text);
    let r = scim.patch_ops(
        &format!("/Users/{kim}"),
        json!([{"op": "Replace", "path": "active", "value": false}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(role_of(&admin, &kim), "Disabled");

    let patched = admin.patch("/settings", &json!({"lock_survives_deactivation": true}));
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(
        role_of(&admin, &kim),
        "Admin",
        "decided again under the setting"
    );
    assert_eq!(admin.get("/rules").body["lock_survives_deactivation"], true);

    // No active Admin: a guard on Admin is refused and changes nothing.
    let refused = admin.patch("/settings", &json!({"guard": {"role": "Admin"}}));
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("guard"), "{}", refused.text);
    assert_eq!(admin.get("/settings").body["guard"], Value::Null);
    let lee = create_user(&scim, "lee@contoso.com", None);
    assert_eq!(role_of(&admin, &lee), "User");
    let guarded = admin.patch("/settings", &json!({"guard": {"role": "User"}}));
    assert_eq!(guarded.status, 200, "{}", guarded.text);
    // A rule file names them; uploaded, it sets them.
    let file = "default_role = \"User\"\nlock_survives_deactivation = false\nguard = { role = \"User\" }\n";
    let saved = put_toml(&admin, "/rules", file);
    assert_eq!(saved.body["saved"], true, "{}", saved.text);
    let settings = admin.get("/settings").body;
    assert_eq!(settings["lock_survives_deactivation"], false);
    assert_eq!(settings["guard"], json!({"role": "User"}));
    assert_eq!(role_of(&admin, &kim), "Disabled");
}

/// The example rule file uploads as it is (catalogue, rules and cases), and
/// the download carries the catalogue in the same format.
fn the_rule_file_uploads_and_downloads(backend: Backend) {
    let server: Server = start(backend);
    let admin = server.admin();
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/rules/asset-app.rules.toml"),
    )
    .unwrap();
    let saved = put_toml(&admin, "/rules", &example);
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["saved"], true, "{}", saved.text);
    let roles = admin.get("/catalogue").body["roles"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(roles, 6);
    let download = admin.get("/rules?format=toml");
    assert_eq!(download.header("content-type"), Some("application/toml"));
    let text = download.body.as_str().unwrap().to_owned();
    assert!(
        text.contains("[[rule]]") && text.contains("[[role]]"),
        "{text}"
    );
    assert!(!text.contains("[[rules]]"), "{text}");
    // Downloaded, it uploads again unchanged.
    let again = put_toml(&admin, "/rules", &text);
    assert_eq!(again.body["saved"], true, "{}", again.text);
    assert_eq!(
        admin.get("/rules?format=toml").body.as_str(),
        Some(text.as_str())
    );
    // Cases that fail refuse the upload.
    let failing = example.replace("expect = \"Approver\"", "expect = \"Viewer\"");
    let refused = put_toml(&admin, "/rules", &failing);
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        summaries(&refused)
            .iter()
            .any(|s| s.contains("an employee who manages approves loans")),
        "{}",
        refused.text
    );
}

both_backends!(
    entra_guide_admin_steps,
    catalogue_alone_names_the_combined_call,
    validation_knows_the_pushed_groups,
    rules_are_resources,
    entity_tags_guard_concurrent_edits,
    settings_merge,
    decision_settings,
    the_rule_file_uploads_and_downloads,
);
