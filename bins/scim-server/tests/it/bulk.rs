//! `/Bulk` with `bulkId` references and `failOnErrors`.

use serde_json::json;

use crate::both_backends;
use crate::harness::{Backend, start};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn bulk_with_references(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let r = scim.post(
        "/Bulk",
        &json!({
            "schemas": [BULK],
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "u1",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bulk1@contoso.com"}},
                {"method": "POST", "path": "/Groups", "bulkId": "g1",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Bulk",
                          "members": [{"value": "bulkId:u1"}]}},
                {"method": "PATCH", "path": "/Users/bulkId:u1",
                 "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations": [{"op": "replace", "path": "title", "value": "Bulked"}]}},
                {"method": "POST", "path": "/Users", "bulkId": "dup",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "BULK1@contoso.com"}}
            ]
        }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let ops = r.body["Operations"].as_array().unwrap();
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "201", "200", "409"], "{}", r.text);
    assert_eq!(ops[3]["response"]["scimType"], "uniqueness");
    let user_location = ops[0]["location"].as_str().unwrap();
    let user_id = user_location.rsplit('/').next().unwrap();
    let group = scim.get(&format!(
        "/Groups/{}",
        ops[1]["location"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
    ));
    assert_eq!(group.body["members"][0]["value"], user_id);
    assert_eq!(
        scim.get(&format!("/Users/{user_id}")).body["title"],
        "Bulked"
    );

    // failOnErrors: stop after the first error.
    let r = scim.post(
        "/Bulk",
        &json!({
            "schemas": [BULK],
            "failOnErrors": 1,
            "Operations": [
                {"method": "DELETE", "path": "/Users/nope"},
                {"method": "POST", "path": "/Users", "bulkId": "late",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "never@contoso.com"}}
            ]
        }),
    );
    assert_eq!(r.body["Operations"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["Operations"][0]["status"], "404");
    assert_eq!(scim.get("/Users").body["totalResults"], 1);
    // An unresolved bulkId is an error of that operation only.
    let r = scim.post("/Bulk", &json!({"schemas": [BULK], "Operations": [{"method": "DELETE", "path": "/Users/bulkId:missing"}]}));
    assert_eq!(r.body["Operations"][0]["status"], "409");
}

/// An operation's `version` is an `If-Match`: stale or malformed, the operation
/// fails with 412 and changes nothing; current, it applies.
fn bulk_versions(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let id = scim.create_user("versioned@contoso.com");
    let patch = |version: &str| {
        json!({"method": "PATCH", "path": format!("/Users/{id}"), "version": version,
               "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "replace", "path": "title", "value": version}]}})
    };
    let r = scim.post(
        "/Bulk",
        &json!({"schemas": [BULK], "Operations": [
            patch(&format!("W/\"{id}/9\"")), patch("not-a-tag"), patch("W/\"1\""),
            patch(&format!("W/\"{id}/1\""))]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let statuses: Vec<&str> = r.body["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    // A bare version is no longer this resource's tag.
    assert_eq!(statuses, ["412", "412", "412", "200"], "{}", r.text);
    assert_eq!(
        scim.get(&format!("/Users/{id}")).body["title"],
        format!("W/\"{id}/1\"")
    );
}

both_backends!(bulk_with_references, bulk_versions);
