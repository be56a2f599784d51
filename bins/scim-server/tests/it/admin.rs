//! The admin API: tenants, token rotation and revocation, the sub-accounts list,
//! the event log cursor, the disabled-users report, group listing.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{ADMIN_TOKEN, Backend, start};

fn tenants_and_tokens(backend: Backend) {
    let server = start(backend);
    let root = server.client("/admin/v1", ADMIN_TOKEN);
    root.clone_with_token("not-the-operator")
        .get("/tenants")
        .assert_problem(401);
    let created = root.post(
        "/tenants",
        &json!({"slug": "initech", "display_name": "Initech"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let first = created.body["token"]["secret"].as_str().unwrap().to_owned();
    root.post("/tenants", &json!({"slug": "initech"}))
        .assert_problem(409);
    root.post("/tenants", &json!({"slug": "Bad_Slug"}))
        .assert_problem(400);
    let slugs: Vec<String> = root
        .get("/tenants")
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(slugs, ["acme", "initech"]);

    let initech = server.client("/scim/v2/initech", &first);
    assert_eq!(initech.get("/Users").status, 200);
    // Rotation: the new token works and the old one keeps working for the overlap.
    let admin = server.client("/admin/v1/tenants/initech", ADMIN_TOKEN);
    let rotated = admin.post("/tokens/rotate", &json!({"overlap_hours": 24}));
    assert_eq!(rotated.status, 201, "{}", rotated.text);
    let second = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        server
            .client("/scim/v2/initech", &second)
            .get("/Users")
            .status,
        200
    );
    assert_eq!(
        initech.get("/Users").status,
        200,
        "the old token works during the overlap"
    );
    // Revocation is immediate; a zero overlap rotation retires the others at once.
    let tokens = admin.get("/tokens").body;
    let old_prefix = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| first.starts_with(t["prefix"].as_str().unwrap()))
        .unwrap()["prefix"]
        .clone();
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("secret").is_none()),
        "listings never show secrets"
    );
    assert_eq!(
        admin
            .delete(&format!("/tokens/{}", old_prefix.as_str().unwrap()))
            .status,
        200
    );
    initech.get("/Users").assert_error(401, None);
    let third = admin
        .post("/tokens/rotate", &json!({"overlap_hours": 0}))
        .body["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .client("/scim/v2/initech", &second)
        .get("/Users")
        .assert_error(401, None);
    assert_eq!(
        server
            .client("/scim/v2/initech", &third)
            .get("/Users")
            .status,
        200
    );
    let kinds: Vec<String> = admin.get("/events?after_seq=0").body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "tenant.created",
            "token.issued",
            "token.rotated",
            "token.revoked",
            "token.rotated"
        ]
    );
}

fn sub_accounts_events_and_reports(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let ada = scim.create_user("ada@contoso.com");
    // A create records the user, then its first role with the reason stored on it.
    let created: Vec<Value> = admin.get("/events?after_seq=0").body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource_id"] == ada.as_str())
        .cloned()
        .collect();
    let kinds: Vec<&str> = created
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["user.created", "role.changed"]);
    assert_eq!(created[1]["before"], json!({"role": null}));
    let sub = admin.get(&format!("/users/{ada}")).body;
    assert_eq!(created[1]["after"]["role"], sub["role"]);
    assert_eq!(created[1]["after"]["role"], "User", "the default role");
    assert!(created[1]["after"]["reason"].is_object());
    let bob = scim.create_user("bob@contoso.com");
    let group = scim.create_group("Staff");
    let joined = scim.patch_ops(
        &format!("/Groups/{group}"),
        json!([{"op": "add", "path": "members", "value": [{"value": ada}, {"value": bob}]}]),
    );
    assert_eq!(joined.status, 204, "{}", joined.text);
    scim.patch_ops(
        &format!("/Users/{bob}"),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    scim.delete(&format!("/Users/{ada}"));
    // Membership events name the user: joined in `after`, left in `before`.
    let mut of_group: Vec<(String, Value, Value)> = admin.get("/events?after_seq=0").body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource_id"] == group.as_str() && e["kind"] != "group.created")
        .map(|e| {
            let kind = e["kind"].as_str().unwrap().to_owned();
            (kind, e["before"].clone(), e["after"].clone())
        })
        .collect();
    of_group
        .sort_by_key(|(kind, before, after)| (kind.clone(), before.to_string(), after.to_string()));
    let mut want = vec![
        ("member.added".to_owned(), Value::Null, json!({"user": ada})),
        ("member.added".to_owned(), Value::Null, json!({"user": bob})),
        (
            "member.removed".to_owned(),
            json!({"user": ada}),
            Value::Null,
        ),
    ];
    want.sort_by_key(|(kind, before, after)| (kind.clone(), before.to_string(), after.to_string()));
    assert_eq!(of_group, want);

    let all = admin.get("/users");
    let statuses: Vec<(String, String)> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["user_name"].as_str().unwrap().to_owned(),
                u["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("ada@contoso.com".to_owned(), "deleted".to_owned()),
            ("bob@contoso.com".to_owned(), "inactive".to_owned())
        ]
    );
    let count = |query: &str| admin.get(query).body["items"].as_array().map(Vec::len);
    assert_eq!(count("/users?status=inactive"), Some(1));
    assert_eq!(count("/users?role=Disabled"), Some(2));
    admin.get("/users?status=sleeping").assert_problem(400);

    // The event log reads with a cursor.
    let first = admin.get("/events?after_seq=0&limit=3");
    assert_eq!(first.body["items"].as_array().unwrap().len(), 3);
    let next = first.body["next_after_seq"].as_i64().unwrap();
    let rest = admin.get(&format!("/events?after_seq={next}&limit=1000"));
    let seqs: Vec<i64> = rest.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs.first(), Some(&(next + 1)));
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "gapless and ordered: {seqs:?}"
    );

    let report = admin.get("/reports/disabled-users");
    assert_eq!(report.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(report.body["next"], serde_json::Value::Null);
    assert_eq!(
        report.body["items"][0]["holdings"]["count"],
        serde_json::Value::Null,
        "the bundled server does not know holdings"
    );
    let csv = admin.request("GET", "/reports/disabled-users?format=csv", None, &[]);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        lines[0],
        "id,user_name,display_name,status,disabled_at,holdings,holdings_summary,lock_kept_role"
    );
    assert_eq!(lines.len(), 3);
    assert!(csv.text.contains("bob@contoso.com") && csv.text.contains(",unknown,"));

    let groups = admin.get("/groups");
    assert_eq!(groups.body["items"][0]["id"], group.as_str());
    // Bob, deactivated, keeps his membership; Ada, deleted, left.
    assert_eq!(groups.body["items"][0]["members"], 1);
}

/// The sub-accounts list as a CSV or NDJSON download: every user the search
/// selects, in its order, across more than one streamed chunk (1,000 users),
/// exactly the users the JSON pages list.
fn users_export_streams_the_whole_search(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    for range in [0..1000, 1000..1150] {
        let operations: Vec<Value> = range
            .map(|i| {
                json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"),
                       "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                "userName": format!("exp{i:04}@contoso.com")}})
            })
            .collect();
        let r = scim.post(
            "/Bulk",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                    "Operations": operations}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let json_ids = |query: &str| {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("/users?{query}&limit=1000&cursor={c}"),
                None => format!("/users?{query}&limit=1000"),
            };
            let page = admin.get(&url);
            assert_eq!(page.status, 200, "{}", page.text);
            for item in page.body["items"].as_array().unwrap() {
                ids.push(item["id"].as_str().unwrap().to_owned());
            }
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return ids,
            }
        }
    };

    let csv = admin.request("GET", "/users?sort=user_name&format=csv", None, &[]);
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment; filename=\"users.csv\"")
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        lines[0],
        "id,user_name,display_name,status,role,reason,locked_by,lock_reason,groups,last_modified,deleted_at"
    );
    let csv_ids: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert_eq!(csv_ids.len(), 1150);
    assert_eq!(csv_ids, json_ids("sort=user_name"));
    assert!(
        lines[1].contains(",exp0000@contoso.com,,active,"),
        "{}",
        lines[1]
    );

    let ndjson = admin.request(
        "GET",
        "/users?q=exp1&order=desc",
        None,
        &[("accept", "application/x-ndjson")],
    );
    assert_eq!(ndjson.header("content-type"), Some("application/x-ndjson"));
    let nd_ids: Vec<String> = ndjson
        .text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // Names are zero-padded: only exp1000 to exp1149 start with "exp1".
    assert_eq!(nd_ids.len(), 150);
    assert_eq!(nd_ids, json_ids("q=exp1&order=desc"));

    admin.get("/users?format=csv&limit=5").assert_problem(400);
    admin
        .get("/users?format=csv&cursor=abc")
        .assert_problem(400);
    admin.get("/users?format=xml").assert_problem(400);
}

/// A catalogue that drops a role the rules or a lock still use is refused and
/// changes nothing; once nothing uses the role it can go.
fn catalogue_keeps_roles_in_use(backend: Backend) {
    let server = start(backend);
    let (scim, admin) = (server.scim(), server.admin());
    let three = json!({"roles": [{"name": "User"}, {"name": "Viewer"}, {"name": "Loanee"}]});
    assert_eq!(admin.put("/catalogue", &three).status, 200);
    let saved = admin.put("/rules", &json!({"default_role": "Viewer", "rules": []}));
    assert_eq!(saved.body["saved"], true, "{}", saved.text);
    let user = scim.create_user("kept@contoso.com");
    let lock = admin.put(&format!("/users/{user}/lock"), &json!({"role": "Loanee"}));
    assert_eq!(lock.status, 200, "{}", lock.text);

    admin
        .put(
            "/catalogue",
            &json!({"roles": [{"name": "User"}, {"name": "Loanee"}]}),
        )
        .assert_problem(400);
    admin
        .put(
            "/catalogue",
            &json!({"roles": [{"name": "User"}, {"name": "Viewer"}]}),
        )
        .assert_problem(400);
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&admin.get("/catalogue").body),
        ["User", "Viewer", "Loanee"]
    );

    assert_eq!(admin.delete(&format!("/users/{user}/lock")).status, 200);
    let r = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "User"}, {"name": "Viewer"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(names(&admin.get("/catalogue").body), ["User", "Viewer"]);
}

both_backends!(
    users_export_streams_the_whole_search,
    tenants_and_tokens,
    sub_accounts_events_and_reports,
    catalogue_keeps_roles_in_use
);
