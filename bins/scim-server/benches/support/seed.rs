//! The tenant `bench`: `SCALE_USERS` Entra-shaped users written straight
//! through the store (5,000 per transaction, with the role and reason the
//! default rules give, and the `user.created` event the SCIM create would
//! have logged), and a group holding every tenth user. Not one by one over
//! HTTP: 100,000 SCIM creates would take far longer than the calls measured.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use provisioning::{Actor, Provisioning, RequestContext};
use scim_store::testing::{Backend, TestDatabase};
use scim_store::{EventKind, NewEvent, NewGroup, NewUser, Store, StoreError, StoreOptions};
use serde_json::{Value, json};

/// The seeded tenant's slug.
pub(crate) const TENANT: &str = "bench";
/// The group holding every tenth user.
pub(crate) const GROUP: &str = "scale-group-tenth";
#[allow(
    dead_code,
    reason = "scale's attribute rule names it; console does not"
)]
pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The id of the `i`th user (UUID-shaped, in seeding order).
pub(crate) fn user_id(i: usize) -> String {
    format!("{i:08x}-0000-7000-8000-000000000000")
}

/// The `userName` of the `i`th user.
pub(crate) fn user_name(i: usize) -> String {
    format!("user{i:07}@contoso.example")
}

/// A user as Entra ID provisions one (about 700 bytes of JSON).
fn body(i: usize) -> Value {
    let name = user_name(i);
    let department = ["IT", "Sales", "HR", "Operations"][i % 4];
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": name,
        "externalId": format!("0f8c{i:08x}-5b1e-4a8e-9d3c-2a7b6c5d4e3f"),
        "active": true,
        "displayName": format!("Given{i} Example"),
        "title": "Senior Software Engineer",
        "name": {"givenName": format!("Given{i}"), "familyName": "Example"},
        "emails": [{"value": name, "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
        ENTERPRISE: {
            "employeeNumber": format!("{i}"),
            "department": department,
            "costCenter": "CC-100"
        }
    })
}

/// The event a SCIM create of `resource` logs.
fn created(id: &str, resource: Value, now: chrono::DateTime<Utc>) -> NewEvent {
    NewEvent {
        time: now,
        kind: EventKind::UserCreated,
        resource_type: Some("User".into()),
        resource_id: Some(id.to_owned()),
        before: None,
        after: Some(resource),
        cause: None,
        request_id: Some("seed".into()),
        user_id: Some(id.to_owned()),
    }
}

/// The seeded database: its URL and the store and use cases over it.
#[allow(
    dead_code,
    reason = "scale needs only the URL; console adds to the tenant"
)]
pub(crate) struct Seeded {
    pub(crate) url: String,
    pub(crate) store: Arc<Store>,
    pub(crate) provisioning: Provisioning,
    /// Seconds the seeding took; 0 for a kept database already seeded.
    pub(crate) seconds: f64,
}

/// Creates the tenant [`TENANT`] and its users, unless the database has them
/// already (a kept one).
pub(crate) fn seed(url: &str, users: usize) -> Seeded {
    let started = Instant::now();
    let store = Arc::new(Store::open(url, StoreOptions::default()).expect("open the store"));
    store.migrate().expect("migrate");
    let provisioning = Provisioning::new(store.clone());
    let seeded = |seconds| Seeded {
        url: url.to_owned(),
        store: store.clone(),
        provisioning: provisioning.clone(),
        seconds,
    };
    if provisioning.tenant(TENANT).is_ok() {
        return seeded(0.0);
    }
    let ctx = RequestContext::new("seed", String::new(), Actor::Operator);
    let created_tenant = provisioning
        .create_tenant(&ctx, TENANT, "Bench")
        .expect("create the tenant");
    let tenant = created_tenant.tenant.id;
    let now = Utc::now();
    let reason = json!({"step": "default"});
    for start in (0..users).step_by(5_000) {
        store
            .write(|tx| {
                let range = start..(start + 5_000).min(users);
                let mut events = Vec::with_capacity(range.len());
                for i in range {
                    let resource = body(i);
                    events.push(created(&user_id(i), resource.clone(), now));
                    tx.tenant(&tenant).users().insert(&NewUser {
                        id: user_id(i),
                        resource,
                        role: Some("User".into()),
                        role_reason: Some(reason.clone()),
                        now,
                    })?;
                }
                tx.tenant(&tenant).events().append_all(&events)
            })
            .expect("insert users");
    }
    let members: Vec<String> = (0..users).step_by(10).map(user_id).collect();
    store
        .write(|tx| {
            tx.tenant(&tenant).groups().insert(&NewGroup {
                id: GROUP.into(),
                resource: json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tenth"}),
                now,
            })?;
            for chunk in members.chunks(5_000) {
                tx.tenant(&tenant).groups().add_members(GROUP, chunk, now)?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("insert the group");
    // As autovacuum would a little later: without statistics, PostgreSQL reads
    // each chunk of a fresh million-user tenant through a bitmap scan and a sort.
    store.analyze().expect("analyze");
    seeded(started.elapsed().as_secs_f64())
}

/// The database to run on: a kept one when `SCALE_KEEP_SQLITE` (a file) or
/// `SCALE_KEEP_POSTGRES` (a database URL) names it, else a fresh one (dropped
/// with the returned guard).
pub(crate) fn database(backend: Backend) -> (String, Option<TestDatabase>) {
    let kept = match backend {
        Backend::Sqlite => std::env::var("SCALE_KEEP_SQLITE")
            .ok()
            .map(|file| format!("sqlite://{file}")),
        Backend::Postgres => std::env::var("SCALE_KEEP_POSTGRES").ok(),
    };
    match kept {
        Some(url) => (url, None),
        None => {
            let fresh = TestDatabase::create(backend);
            (fresh.url.clone(), Some(fresh))
        }
    }
}

/// `SCALE_USERS`, 100,000 unless set.
pub(crate) fn users() -> usize {
    std::env::var("SCALE_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// `SCALE_BACKENDS` (`sqlite,postgres` unless set), with their names.
pub(crate) fn backends() -> Vec<(Backend, &'static str)> {
    let listed = std::env::var("SCALE_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    listed
        .split(',')
        .map(|backend| match backend.trim() {
            "sqlite" => (Backend::Sqlite, "SQLite"),
            "postgres" => (Backend::Postgres, "PostgreSQL"),
            other => panic!("unknown backend {other}: use sqlite and/or postgres"),
        })
        .collect()
}
