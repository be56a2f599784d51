//! Upgrades: a database made with the first schema (the fixture
//! `tests/fixtures/upgrade/data.sql`, made by `make.sh` beside it) is migrated
//! to the current one by a server starting on it, and everything in it still
//! works: the SCIM token, users, groups, memberships, roles and the lock, the
//! event log (numbering and each user's history, which later migrations
//! derive), and writes from there on.

use std::collections::BTreeMap;

use scim_store::testing::TestDatabase;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, Server, q, start_on};

/// The SCIM token of the fixture's tenant `acme`, as `make.sh` printed it.
const TOKEN: &str = "scim_a2qHxLx2kXbMT61i2b1ySuP5rYdtvBGrqGv4mEiQV2G";

/// The first migration's version, as diesel records it (its folder's date and
/// number).
const FIRST_MIGRATION: &str = "20261128000001";

/// A database at the first schema holding the fixture's rows, with the first
/// migration recorded as applied (and only it).
fn first_schema_database(backend: Backend) -> TestDatabase {
    let db = TestDatabase::create(backend);
    db.execute(match backend {
        Backend::Sqlite => include_str!(
            "../../../../crates/scim-store/migrations/sqlite/2026-11-28-000001_initial/up.sql"
        ),
        Backend::Postgres => include_str!(
            "../../../../crates/scim-store/migrations/postgres/2026-11-28-000001_initial/up.sql"
        ),
    });
    db.execute(&format!(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP); \
         INSERT INTO __diesel_schema_migrations (version) VALUES ('{FIRST_MIGRATION}');"
    ));
    db.execute(include_str!("../fixtures/upgrade/data.sql"));
    db
}

fn user(server: &Server, user_name: &str) -> Value {
    let found = server.scim().get(&format!(
        "/Users?filter={}",
        q(&format!("userName eq \"{user_name}\""))
    ));
    assert_eq!(found.status, 200, "{}", found.text);
    found.body["Resources"][0].clone()
}

fn events(server: &Server, query: &str) -> Vec<Value> {
    let page = server
        .admin()
        .get(&format!("/events?after_seq=0&limit=1000{query}"));
    assert_eq!(page.status, 200, "{}", page.text);
    page.body["items"].as_array().unwrap().clone()
}

fn upgrades_with_its_data(backend: Backend) {
    let server = start_on(first_schema_database(backend), TOKEN);
    let scim = server.scim();

    // The token still opens the tenant; users, the inactive one, the deleted one.
    let users = scim.get("/Users?count=0");
    assert_eq!(users.status, 200, "{}", users.text);
    assert_eq!(users.body["totalResults"], 11);
    assert_eq!(user(&server, "john.allen7@example.com")["active"], false);
    assert_eq!(user(&server, "grace.dijkstra11@example.com"), Value::Null);
    let admin_user = user(&server, "niklaus.hoare5@example.com");
    assert_eq!(admin_user["externalId"], "sim-000005");

    // Groups and memberships.
    let groups = scim.get("/Groups");
    assert_eq!(groups.body["totalResults"], 2, "{}", groups.text);
    let memberships: usize = groups.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["members"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(memberships, 6);

    // Roles and the lock, as the admin API reads them.
    let page = server.admin().get("/users?limit=1000");
    assert_eq!(page.status, 200, "{}", page.text);
    let mut roles = BTreeMap::new();
    for u in page.body["items"].as_array().unwrap() {
        if u["status"] != "deleted" {
            *roles
                .entry(u["role"].as_str().unwrap().to_owned())
                .or_insert(0) += 1;
        }
    }
    assert_eq!(
        roles,
        BTreeMap::from([
            ("Admin".to_owned(), 1),
            ("Auditor".to_owned(), 1),
            ("Disabled".to_owned(), 1),
            ("User".to_owned(), 8)
        ])
    );
    let locked = user(&server, "alan.turing10@example.com");
    let lock = server
        .admin()
        .get(&format!("/users/{}/lock", locked["id"].as_str().unwrap()));
    assert_eq!(lock.body["lock"]["role"], "Auditor", "{}", lock.text);
    // externalId search reads the folded column a later migration filled.
    let searched = server.admin().get("/users?q=sim-000005");
    assert_eq!(
        searched.body["items"][0]["user_name"],
        "niklaus.hoare5@example.com"
    );
    let explained = server.admin().get(&format!(
        "/users/{}/explain",
        admin_user["id"].as_str().unwrap()
    ));
    assert_eq!(explained.status, 200, "{}", explained.text);

    // The event log: numbered 1..=61 without gaps; a user's history includes
    // its membership events (events.user_id, derived by a later migration).
    let log = events(&server, "");
    let seqs: Vec<u64> = log.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=61).collect::<Vec<_>>());
    let tenant = server.provisioning.tenant("acme").unwrap();
    let history = server
        .provisioning
        .activity(
            &tenant,
            &provisioning::ActivityQuery {
                user: admin_user["id"].as_str().map(str::to_owned),
                ..provisioning::ActivityQuery::default()
            },
        )
        .unwrap();
    let kinds: Vec<&str> = history
        .items
        .iter()
        .map(|e| e.event.kind.as_str())
        .collect();
    assert!(kinds.contains(&"member.added"), "{kinds:?}");
    assert!(kinds.contains(&"user.created"), "{kinds:?}");

    // Writes go on: a reactivation decides the role again and the log
    // continues from 62.
    let john = user(&server, "john.allen7@example.com");
    let on = scim.patch_ops(
        &format!("/Users/{}", john["id"].as_str().unwrap()),
        json!([{"op": "Replace", "path": "active", "value": "True"}]),
    );
    assert_eq!(on.status, 200, "{}", on.text);
    let after = events(&server, "");
    let new: Vec<(u64, &str)> = after[61..]
        .iter()
        .map(|e| (e["seq"].as_u64().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(new.first().map(|e| e.0), Some(62), "{new:?}");
    assert!(new.iter().any(|e| e.1 == "role.changed"), "{new:?}");
    let created = scim.post(
        "/Users",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "new@example.com"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
}

both_backends!(upgrades_with_its_data);
