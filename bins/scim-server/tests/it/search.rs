//! `POST /.search`, at the root (users, then groups) and per resource type.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, start};

const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

fn ids(body: &Value) -> Vec<String> {
    body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Pages of the root search walk the users, then the groups, without gaps or
/// repeats, with one `totalResults` for both; projection applies per type.
fn root_search_pages_across_types(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let mut users: Vec<String> = (0..3)
        .map(|i| scim.create_user(&format!("searched{i}@contoso.com")))
        .collect();
    let mut groups: Vec<String> = (0..2)
        .map(|i| scim.create_group(&format!("Searched {i}")))
        .collect();
    users.sort();
    groups.sort();
    let expected: Vec<String> = users.iter().chain(&groups).cloned().collect();

    let mut seen = Vec::new();
    for start_index in [1, 3, 5] {
        let r = scim.post(
            "/.search",
            &json!({"schemas": [SEARCH], "startIndex": start_index, "count": 2,
                    "attributes": ["id"]}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["totalResults"], 5, "{}", r.text);
        assert_eq!(r.body["startIndex"], start_index);
        for resource in r.body["Resources"].as_array().unwrap() {
            assert!(resource.get("userName").is_none() && resource.get("displayName").is_none());
        }
        seen.extend(ids(&r.body));
    }
    assert_eq!(seen, expected);

    // A filter only the groups match; count 0 gives the total alone.
    let r = scim.post(
        "/.search",
        &json!({"schemas": [SEARCH], "filter": "displayName sw \"Searched \"", "count": 0}),
    );
    assert_eq!(r.body["totalResults"], 2, "{}", r.text);
    assert!(ids(&r.body).is_empty());

    // Per type: the same request body against /Users/.search.
    let r = scim.post(
        "/Users/.search",
        &json!({"schemas": [SEARCH], "filter": "userName eq \"searched1@contoso.com\""}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["Resources"][0]["userName"], "searched1@contoso.com");
}

both_backends!(root_search_pages_across_types);
