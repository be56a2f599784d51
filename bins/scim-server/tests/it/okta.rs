//! Okta's request shapes (`docs/idp-requests.md` section 2): paged matching
//! and imports, PUT as a full replace, path-less deactivation, group push.

use serde_json::json;

use crate::both_backends;
use crate::harness::{Backend, q, start};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn okta_user(user_name: &str) -> serde_json::Value {
    json!({
        "schemas": [USER],
        "userName": user_name,
        "name": {"givenName": "Oscar", "familyName": "Kta"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": "Oscar Kta",
        "locale": "en-US",
        "externalId": "00u1abcd",
        "groups": [],
        "password": "1mP0ssible!",
        "active": true
    })
}

/// Create (with password and `groups: []`), match with paging parameters,
/// imports paged by 100 with a stable order and exact totals.
fn create_match_and_import(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let created = scim.post("/Users", &okta_user("oscar@okta.example"));
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(
        created.body.get("password").is_none(),
        "passwords are never returned"
    );
    assert_eq!(created.body["name"]["givenName"], "Oscar");
    let matched = scim.get(&format!(
        "/Users?filter={}&startIndex=1&count=100",
        q(r#"userName eq "OSCAR@okta.example""#)
    ));
    assert_eq!(matched.body["totalResults"], 1);
    assert_eq!(matched.body["startIndex"], 1);
    assert_eq!(matched.body["itemsPerPage"], 1);
    scim.post("/Users", &okta_user("oscar@okta.example"))
        .assert_error(409, Some("uniqueness"));

    for i in 0..7 {
        scim.create_user(&format!("import{i}@okta.example"));
    }
    let mut seen = Vec::new();
    let mut start_index = 1;
    loop {
        let page = scim.get(&format!("/Users?startIndex={start_index}&count=3"));
        assert_eq!(page.body["totalResults"], 8, "{}", page.text);
        let items = page.body["Resources"].as_array().unwrap().clone();
        assert_eq!(page.body["itemsPerPage"], items.len());
        if items.is_empty() {
            break;
        }
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        start_index += 3;
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        (seen.len(), unique.len()),
        (8, 8),
        "every user once, across pages"
    );
    // count=0 answers only the total.
    let count_only = scim.get("/Users?count=0");
    assert_eq!(count_only.body["totalResults"], 8);
    assert_eq!(count_only.body["Resources"], json!([]));
}

/// PUT replaces the whole user: attributes not sent are cleared; deactivation
/// by PUT and by path-less PATCH.
fn put_replaces_and_pathless_deactivation(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let id = scim.post("/Users", &okta_user("pat@okta.example")).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut body = okta_user("pat@okta.example");
    body["name"]["givenName"] = json!("Patricia");
    body.as_object_mut().unwrap().remove("displayName");
    body["id"] = json!(id);
    let put = scim.put(&format!("/Users/{id}"), &body);
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.body["name"]["givenName"], "Patricia");
    assert!(
        put.body.get("displayName").is_none(),
        "PUT clears attributes it does not send"
    );
    assert_eq!(put.body["id"], id.as_str());

    body["active"] = json!(false);
    assert_eq!(
        scim.put(&format!("/Users/{id}"), &body).body["active"],
        false
    );
    body["active"] = json!(true);
    assert_eq!(
        scim.put(&format!("/Users/{id}"), &body).body["active"],
        true
    );
    let off = scim.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "value": {"active": false}}]),
    );
    assert_eq!(off.status, 200);
    assert_eq!(off.body["active"], false);
    // PUT without userName is rejected and changes nothing.
    let mut bad = body.clone();
    bad.as_object_mut().unwrap().remove("userName");
    scim.put(&format!("/Users/{id}"), &bad)
        .assert_error(400, Some("invalidValue"));
    assert_eq!(scim.get(&format!("/Users/{id}")).body["active"], false);
}

/// Group push: create with members, rename with the id in a path-less value on
/// every membership change, remove-by-filter plus add, full push by replace,
/// paged group listing, delete.
fn group_push(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let a = scim.create_user("a@okta.example");
    let b = scim.create_user("b@okta.example");
    let c = scim.create_user("c@okta.example");
    let created = scim.post("/Groups", &json!({"schemas": [GROUP], "displayName": "Engineering", "members": [{"value": a, "display": "A"}]}));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["members"][0]["value"], a.as_str());
    let g = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{g}");
    let r = scim.patch_ops(&path, json!([
        {"op": "replace", "value": {"id": g, "displayName": "Engineering Team"}},
        {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
        {"op": "add", "path": "members", "value": [{"value": b, "display": "B"}, {"value": c, "display": "C"}]}
    ]));
    assert_eq!(r.status, 204, "{}", r.text);
    let group = scim.get(&path);
    assert_eq!(group.body["displayName"], "Engineering Team");
    let mut members: Vec<String> = group.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    members.sort();
    let mut expected = vec![b.clone(), c.clone()];
    expected.sort();
    assert_eq!(members, expected);
    // Full push.
    scim.patch_ops(
        &path,
        json!([{"op": "replace", "path": "members", "value": [{"value": a}]}]),
    );
    assert_eq!(scim.get(&path).body["members"].as_array().unwrap().len(), 1);
    // AIW apps PUT groups.
    let put = scim.put(&path, &json!({"schemas": [GROUP], "displayName": "Engineering", "members": [{"value": b}, {"value": c}]}));
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.body["members"].as_array().unwrap().len(), 2);
    scim.create_group("Second");
    let listed = scim.get("/Groups?startIndex=1&count=100");
    assert_eq!(listed.body["totalResults"], 2);
    assert_eq!(listed.body["Resources"].as_array().unwrap().len(), 2);
    assert_eq!(scim.delete(&path).status, 204);
}

both_backends!(
    create_match_and_import,
    put_replaces_and_pathless_deactivation,
    group_push
);
