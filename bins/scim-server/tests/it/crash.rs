//! A rule save killed mid-way (SIGKILL while its job reports progress) leaves
//! the old rules and roles or the new ones, never a mix: the save is one
//! transaction however many chunks of users it writes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use provisioning::{Actor, Provisioning, RequestContext};
use scim_store::testing::{Backend, TestDatabase};
use scim_store::{BodyRead, NewUser, Store, StoreError, StoreOptions, Visibility};
use serde_json::json;

use crate::harness::Client;
use crate::process::{ADMIN_TOKEN, ServerProcess};

/// Several of the save's chunks (2,000 users each), so it is killed between two.
const USERS: usize = 9_000;

fn seed(store: &Arc<Store>) -> String {
    let ctx = RequestContext::new("seed", String::new(), Actor::Operator);
    let provisioning = Provisioning::new(store.clone());
    let tenant = provisioning
        .create_tenant(&ctx, "acme", "Acme")
        .unwrap()
        .tenant
        .id;
    let catalogue = json!({"roles": [{"name": "Admin", "privileged": true}, {"name": "User"}, {"name": "Loanee"}]});
    let tenant_ctx = provisioning.tenant("acme").unwrap();
    provisioning
        .set_catalogue(
            &tenant_ctx,
            &ctx,
            serde_json::from_value(catalogue).unwrap(),
            None,
        )
        .unwrap();
    let now = Utc::now();
    for start in (0..USERS).step_by(3_000) {
        store
            .write(|tx| {
                for i in start..start + 3_000 {
                    tx.tenant(&tenant).users().insert(&NewUser {
                        id: format!("{i:08x}-0000-7000-8000-000000000000"),
                        resource: json!({"userName": format!("u{i}@x.test"), "active": true}),
                        role: Some("User".into()),
                        role_reason: Some(json!({"step": "default"})),
                        now,
                    })?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
    tenant
}

fn save_killed_mid_way_leaves_old_or_new(backend: Backend) {
    let database = TestDatabase::create(backend);
    let store = Arc::new(database.open(StoreOptions::default()));
    let tenant = seed(&store);

    let mut server = ServerProcess::start(&database.url, &[]);
    let started = server.admin("acme").put(
        "/rules?async=true",
        &json!({"default_role": "Loanee", "rules": []}),
    );
    assert_eq!(started.status, 202, "{}", started.text);
    let jobs = Client::new(&server.origin, ADMIN_TOKEN);
    let location = started.header("location").unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    let (done, total) = loop {
        let status = jobs.get(&location).body;
        let done = status["done"].as_u64().unwrap();
        if done > 0 || status["status"] != "running" {
            break (done, status["total"].as_u64().unwrap());
        }
        assert!(Instant::now() < deadline, "no progress: {status}");
    };
    server.kill();
    assert!(
        done < total,
        "killed after {done} of {total} users: the save should still have been running"
    );

    // What a fresh start finds.
    let reopened = Store::open(&database.url, StoreOptions::default()).unwrap();
    let (rules, roles) = reopened
        .read(|tx| {
            let rules = tx.tenant(&tenant).get()?.unwrap().rule_set;
            let mut roles = std::collections::BTreeMap::<String, usize>::new();
            let mut after: Option<String> = None;
            loop {
                let batch = tx.tenant(&tenant).users().batch(
                    after.as_deref(),
                    1_000,
                    Visibility::Live,
                    BodyRead::Full,
                )?;
                let Some(last) = batch.last() else { break };
                after = Some(last.user.id.clone());
                for item in batch {
                    *roles.entry(item.user.role.unwrap_or_default()).or_default() += 1;
                }
            }
            Ok::<_, StoreError>((rules, roles))
        })
        .unwrap();
    let default_role = rules["default_role"].as_str().unwrap().to_owned();
    assert_eq!(
        roles,
        [(default_role.clone(), USERS)].into(),
        "rules say {default_role}; roles must all follow them"
    );
}

crate::both_backends!(save_killed_mid_way_leaves_old_or_new);
