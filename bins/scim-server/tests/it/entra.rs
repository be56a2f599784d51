//! Every request shape of `docs/idp-requests.md` section 1 (Entra ID), in
//! both PATCH dialects, against the real server.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, q, start};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn alice() -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "alice",
        "userName": "alice@contoso.com",
        "active": true,
        "displayName": "Alice Example",
        "emails": [{"primary": true, "type": "work", "value": "alice@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Alice Example", "familyName": "Example", "givenName": "Alice"},
        "title": "Engineer",
        "preferredLanguage": "en-US",
        "addresses": [{"type": "work", "formatted": "Bldg 1", "streetAddress": "1 Main St",
                       "locality": "Seattle", "region": "WA", "postalCode": "98052",
                       "country": "US", "primary": false}],
        "phoneNumbers": [{"type": "work", "value": "+1 425 555 0100"},
                         {"type": "mobile", "value": "+1 425 555 0101"}],
        "roles": [],
        ENTERPRISE: {"employeeNumber": "701984", "department": "R&D"}
    })
}

/// 2.2 Test Connection: a random-GUID userName filter and a groups probe, with
/// spaces as `+` and as `%20`, unknown query parameters, and no User-Agent.
fn test_connection(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    for path in [
        format!(
            "/Users?filter={}",
            q(r#"userName eq "7f3a9c1e-1b2c-4d5e-8f90-123456789abc""#)
        ),
        "/Users?filter=userName%20eq%20%227f3a9c1e%22&aadOptscim062020".to_owned(),
        format!(
            "/Groups?excludedAttributes=members&filter={}",
            q(r#"displayName eq "Sales""#)
        ),
    ] {
        let r = scim.get(&path);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.header("content-type"), Some("application/scim+json"));
        assert_eq!(
            r.body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        );
        assert_eq!(r.body["totalResults"], 0);
        assert_eq!(r.body["Resources"], json!([]));
    }
}

/// U1-U3, U7, U8: create with Entra's quirks, match case-insensitively, read,
/// disable and re-enable (still findable), delete (404 after, 404 again).
fn user_lifecycle(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    // U2 with the tolerated quirks: client meta, roles [], and a second POST
    // with nulls, "True" as a string and a malformed extension URN.
    let created = scim.post("/Users", &alice());
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        created.body["meta"]["location"].as_str()
    );
    assert_eq!(
        created.header("etag"),
        created.body["meta"]["version"].as_str()
    );
    assert_eq!(created.body["active"], true);
    assert_eq!(created.body[ENTERPRISE]["department"], "R&D");
    assert_eq!(created.body["meta"]["resourceType"], "User");
    assert!(
        created.body.get("roles").is_none(),
        "empty arrays are absent"
    );
    let nulls = scim.post(
        "/Users",
        &json!({
            "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
            "userName": "bob@contoso.com", "active": "True",
            "addresses": null, "phoneNumbers": null, "preferredLanguage": null, "title": null,
            ENTERPRISE: {"department": null, "manager": null}
        }),
    );
    assert_eq!(nulls.status, 201, "{}", nulls.text);
    assert_eq!(nulls.body["active"], true);
    assert!(nulls.body.get("title").is_none());

    // U1 matching, in another letter case (the validator checks it).
    let found = scim.get(&format!(
        "/Users?filter={}",
        q(r#"userName eq "ALICE@Contoso.com""#)
    ));
    assert_eq!(found.body["totalResults"], 1, "{}", found.text);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    // Duplicate create: 409 uniqueness, and the filter finds the conflicting user.
    let dup = scim.post(
        "/Users",
        &json!({"schemas": [USER], "userName": "Alice@CONTOSO.com"}),
    );
    dup.assert_error(409, Some("uniqueness"));

    // U3.
    let got = scim.get(&format!("/Users/{id}"));
    assert_eq!(got.status, 200);
    assert_eq!(got.body["emails"][0]["value"], "alice@contoso.com");

    // U7 legacy disable with a string, then the flag dialect's boolean.
    let off = scim.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert_eq!(off.status, 200, "{}", off.text);
    assert_eq!(off.body["active"], false);
    let listed = scim.get(&format!(
        "/Users?filter={}",
        q(r#"userName eq "alice@contoso.com""#)
    ));
    assert_eq!(
        listed.body["Resources"][0]["active"], false,
        "inactive users stay visible"
    );
    let on = scim.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "active", "value": true}]),
    );
    assert_eq!(on.body["active"], true);
    let lower = scim.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "Replace", "path": "active", "value": "false"}]),
    );
    assert_eq!(lower.body["active"], false);

    // U8.
    assert_eq!(scim.delete(&format!("/Users/{id}")).status, 204);
    scim.get(&format!("/Users/{id}")).assert_error(404, None);
    scim.delete(&format!("/Users/{id}")).assert_error(404, None);
    let gone = scim.get(&format!(
        "/Users?filter={}",
        q(r#"userName eq "alice@contoso.com""#)
    ));
    assert_eq!(gone.body["totalResults"], 0);
    // The userName is free again after a (soft) delete.
    assert_eq!(scim.post("/Users", &alice()).status, 201);
}

/// U4: the legacy dialect, one capitalised op per attribute, filtered paths that
/// update in place or create the element.
fn legacy_patch_dialect(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let id = scim.post("/Users", &alice()).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = scim.patch_ops(
        &format!("/Users/{id}"),
        json!([
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x@contoso.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"},
            {"op": "Replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+1 425 555 0199"}
        ]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let u = &r.body;
    assert_eq!(u["displayName"], "Pvlo");
    assert_eq!(
        u["emails"],
        json!([{"primary": true, "type": "work", "value": "x@contoso.com"}])
    );
    assert_eq!(u["name"]["givenName"], "Gtfd");
    assert_eq!(
        u["name"]["formatted"], "Alice Example",
        "other sub-attributes are kept"
    );
    assert_eq!(u["externalId"], "Eqpj");
    assert_eq!(u[ENTERPRISE]["employeeNumber"], "Eqpj");
    assert_eq!(u[ENTERPRISE]["department"], "R&D");
    assert_eq!(u["nickName"], "Babs");
    assert_eq!(u["addresses"][0]["locality"], "Redmond");
    assert_eq!(
        u["phoneNumbers"].as_array().unwrap().len(),
        3,
        "the fax number was created"
    );
    assert_eq!(
        r.header("etag"),
        Some(format!("W/\"{id}/2\"").as_str()),
        "the second version of this user"
    );
    // The event log records which leniencies the request needed.
    let events = server.admin().get("/events?after_seq=0&limit=100");
    let updated = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "user.updated")
        .expect("user.updated event");
    let compat = updated["cause"]["compat"].as_array().unwrap();
    assert!(compat.contains(&json!("case-insensitive-op")), "{compat:?}");
    assert!(
        compat.contains(&json!("create-filtered-element")),
        "{compat:?}"
    );
}

/// U5: the `aadOptscim062020` dialect: one filtered op plus a path-less replace
/// with dotted and URN-qualified keys.
fn aad_opt_patch_dialect(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let id = scim.post("/Users", &alice()).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = scim.patch_ops(
        &format!("/Users/{id}"),
        json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "y@contoso.com"},
            {"op": "replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
            }},
            {"op": "add", "path": "nickName", "value": "Babs"}
        ]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["emails"][0]["value"], "y@contoso.com");
    assert_eq!(r.body["displayName"], "Bjfe");
    assert_eq!(r.body["name"]["givenName"], "Kkom");
    assert_eq!(r.body["name"]["familyName"], "Unua");
    assert!(
        r.body.get("name.givenName").is_none(),
        "dotted keys are paths, not attributes"
    );
    assert_eq!(r.body[ENTERPRISE]["employeeNumber"], "Aklq");
    // Userame change by path-less replace (validator "Update User userName").
    let renamed = scim.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "value": {"userName": "alice2@contoso.com"}}]),
    );
    assert_eq!(renamed.body["userName"], "alice2@contoso.com");
    let found = scim.get(&format!(
        "/Users?filter={}",
        q(r#"userName eq "alice2@contoso.com""#)
    ));
    assert_eq!(found.body["totalResults"], 1);
}

/// U6: every manager shape, always returned as `{"value": id}` in the extension.
fn manager_shapes(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let boss = scim.create_user("boss@contoso.com");
    let id = scim.create_user("worker@contoso.com");
    let path = format!("/Users/{id}");
    let mgr = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
    for ops in [
        json!([{"op": "Add", "path": "manager", "value": [{"$ref": format!("http://x/Users/{boss}"), "value": boss}]}]),
        json!([{"op": "add", "path": mgr, "value": boss}]),
        json!([{"op": "replace", "path": mgr, "value": {"value": boss}}]),
    ] {
        let r = scim.patch_ops(&path, ops.clone());
        assert_eq!(r.status, 200, "{ops}: {}", r.text);
        assert_eq!(
            r.body[ENTERPRISE]["manager"]["value"],
            boss.as_str(),
            "{ops}"
        );
    }
    for ops in [
        json!([{"op": "replace", "path": mgr, "value": ""}]),
        json!([{"op": "remove", "path": mgr}]),
    ] {
        scim.patch_ops(&path, json!([{"op": "add", "path": mgr, "value": boss}]));
        let r = scim.patch_ops(&path, ops.clone());
        assert_eq!(r.status, 200, "{ops}: {}", r.text);
        assert!(r.body.get(ENTERPRISE).is_none(), "{ops}: {}", r.text);
    }
    // The legacy reference check query.
    let check = scim.get(&format!(
        "/Users?filter={}&attributes=id",
        q(&format!(
            "id eq \"{id}\" and userName eq \"worker@contoso.com\""
        ))
    ));
    assert_eq!(check.body["totalResults"], 1);
    assert_eq!(
        check.body["Resources"][0],
        json!({"schemas": [USER], "id": id})
    );
}

/// U9: role values JSON-encoded into strings (legacy) and as objects.
fn app_role_shapes(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let id = scim.create_user("r@contoso.com");
    let r = scim.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "Add", "path": "roles", "value": [{"value": "{\"id\":\"06b0\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["roles"][0]["value"], "Admin");
    let r = scim.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "roles", "value": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "display": "User", "value": "User"}]}]),
    );
    assert_eq!(
        r.body["roles"],
        json!([{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "display": "User", "value": "User"}])
    );
}

/// G1-G7: groups are created empty, matched by displayName without members,
/// renamed, filled and emptied by PATCH (204), and deleted.
fn group_lifecycle(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let u1 = scim.create_user("u1@contoso.com");
    let u2 = scim.create_user("u2@contoso.com");
    let u3 = scim.create_user("u3@contoso.com");
    // G2, with Microsoft's second schema URI and client meta.
    let created = scim.post(
        "/Groups",
        &json!({
            "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Sales",
            "meta": {"resourceType": "Group"}
        }),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["members"], json!([]));
    let g = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{g}");
    scim.post(
        "/Groups",
        &json!({"schemas": [GROUP], "displayName": "SALES"}),
    )
    .assert_error(409, Some("uniqueness"));

    // G4: several members in one op, `$ref: null`; idempotent.
    let add = scim.patch_ops(
        &path,
        json!([{"op": "Add", "path": "members", "value": [
            {"$ref": null, "value": u1}, {"value": u2}, {"value": u3}
        ]}]),
    );
    assert_eq!(add.status, 204, "{}", add.text);
    assert!(add.text.is_empty());
    assert_eq!(
        scim.patch_ops(
            &path,
            json!([{"op": "Add", "path": "members", "value": [{"value": u1}]}])
        )
        .status,
        204
    );

    // G1: matching never returns members; the group GET does, with displays.
    let matched = scim.get(&format!(
        "/Groups?excludedAttributes=members&filter={}",
        q(r#"displayName eq "sales""#)
    ));
    assert_eq!(matched.body["totalResults"], 1);
    assert!(matched.body["Resources"][0].get("members").is_none());
    let one = scim.get(&format!("{path}?excludedAttributes=members"));
    assert!(one.body.get("members").is_none());
    let full = scim.get(&path);
    assert_eq!(full.body["members"].as_array().unwrap().len(), 3);
    assert_eq!(full.body["members"][0]["type"], "User");
    assert!(
        full.body["members"][0]["display"]
            .as_str()
            .is_some_and(|d| d.ends_with("@contoso.com"))
    );
    // The user's groups attribute shows the membership.
    assert_eq!(
        scim.get(&format!("/Users/{u1}")).body["groups"][0]["value"],
        g.as_str()
    );

    // G5 legacy: remove with a value array removes only those.
    let legacy = scim.patch_ops(
        &path,
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": u2}]}]),
    );
    assert_eq!(legacy.status, 204);
    // G5 flag dialect: filter path; removing a non-member succeeds.
    assert_eq!(
        scim.patch_ops(
            &path,
            json!([{"op": "remove", "path": format!("members[value eq \"{u3}\"]")}])
        )
        .status,
        204
    );
    assert_eq!(
        scim.patch_ops(
            &path,
            json!([{"op": "remove", "path": "members[value eq \"not-a-member\"]"}])
        )
        .status,
        204
    );
    let members: Vec<Value> = scim.get(&path).body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].clone())
        .collect();
    assert_eq!(members, vec![json!(u1)]);

    // G3 rename, legacy and path-less; the validator's path-less externalId.
    scim.patch_ops(
        &path,
        json!([{"op": "Replace", "path": "displayName", "value": "Sales EMEA"}]),
    );
    scim.patch_ops(
        &path,
        json!([{"op": "replace", "value": {"externalId": "new-ext"}}]),
    );
    let renamed = scim.get(&format!("{path}?excludedAttributes=members"));
    assert_eq!(renamed.body["displayName"], "Sales EMEA");
    assert_eq!(renamed.body["externalId"], "new-ext");

    // G6: replace members with one value is a real replace.
    scim.patch_ops(
        &path,
        json!([{"op": "replace", "path": "members", "value": [{"value": u2}]}]),
    );
    assert_eq!(scim.get(&path).body["members"][0]["value"], u2.as_str());
    // Add then remove the same member in one request (validator preview test).
    scim.patch_ops(
        &path,
        json!([
            {"op": "add", "path": "members", "value": [{"value": u3}]},
            {"op": "remove", "path": format!("members[value eq \"{u3}\"]")}
        ]),
    );
    assert_eq!(scim.get(&path).body["members"].as_array().unwrap().len(), 1);
    // A client that asks for attributes gets the resource instead of 204.
    let shown = scim.patch_ops(
        &format!("{path}?attributes=displayName"),
        json!([{"op": "replace", "path": "displayName", "value": "Sales"}]),
    );
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["displayName"], "Sales");

    // G7.
    assert_eq!(scim.delete(&path).status, 204);
    scim.get(&path).assert_error(404, None);
    scim.delete(&path).assert_error(404, None);
    assert!(
        scim.get(&format!("/Users/{u2}"))
            .body
            .get("groups")
            .is_none()
    );
}

both_backends!(
    test_connection,
    user_lifecycle,
    legacy_patch_dialect,
    aad_opt_patch_dialect,
    manager_shapes,
    app_role_shapes,
    group_lifecycle,
);
