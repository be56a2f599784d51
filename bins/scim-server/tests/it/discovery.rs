//! `/ServiceProviderConfig`, `/Schemas`, `/ResourceTypes`: rendered from the
//! schema data, so they agree with what the server does.

use serde_json::json;

use crate::both_backends;
use crate::harness::{Backend, start};

fn discovery_documents(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let spc = scim.get("/ServiceProviderConfig");
    assert_eq!(spc.status, 200);
    assert_eq!(
        spc.body["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(spc.body["patch"]["supported"], true);
    assert_eq!(
        spc.body["bulk"]["supported"], true,
        "/Bulk is served, and the document says so"
    );
    assert_eq!(spc.body["etag"]["supported"], true);
    assert_eq!(spc.body["filter"]["supported"], true);
    assert_eq!(
        spc.body["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );

    let schemas = scim.get("/Schemas");
    assert_eq!(schemas.body["totalResults"], 3);
    let ids: Vec<&str> = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:core:2.0:Group",
        ]
    );
    let user = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
    let user_name = user.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "userName")
        .unwrap();
    assert_eq!(user_name["caseExact"], false);
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["required"], true);
    scim.get("/Schemas/urn:nope").assert_error(404, None);

    let types = scim.get("/ResourceTypes");
    assert_eq!(types.body["totalResults"], 2);
    let user_type = scim.get("/ResourceTypes/User");
    assert_eq!(user_type.body["endpoint"], "/Users");
    assert_eq!(user_type.body["schemaExtensions"][0]["required"], false);
    assert_eq!(
        scim.get("/ResourceTypes/Group").body["schema"],
        "urn:ietf:params:scim:schemas:core:2.0:Group"
    );
}

both_backends!(discovery_documents);
