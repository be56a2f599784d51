//! A rule save killed mid-way (SIGKILL while its job reports progress) leaves
//! the old rules and roles or the new ones, never a mix: the save is one
//! transaction however many chunks of users it writes.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use provisioning::{Actor, Provisioning, RequestContext};
use scim_store::testing::{Backend, TestDatabase};
use scim_store::{BodyRead, NewUser, Store, StoreError, StoreOptions, Visibility};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_scim-server");
const ADMIN_TOKEN: &str = "crash-test-admin-token";
/// Several of the save's chunks (2,000 users each), so it is killed between two.
const USERS: usize = 9_000;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

    let data_dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Running(
        Command::new(BIN)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("SCIM_DATABASE_URL", &database.url)
            .env("SCIM_DATA_DIR", data_dir.path())
            .env("SCIM_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let base = format!("http://127.0.0.1:{port}/admin/v1");
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let location = loop {
        let started = agent
            .put(&format!("{base}/tenants/acme/rules?async=true"))
            .header("Authorization", &auth)
            .send_json(json!({"default_role": "Loanee", "rules": []}));
        match started {
            Ok(r) if r.status() == 202 => {
                break r.headers()["location"].to_str().unwrap().to_owned();
            }
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => panic!("the save did not start: {other:?}"),
        }
    };
    let status_url = format!("http://127.0.0.1:{port}{location}");
    let (done, total) = loop {
        let status: Value = agent
            .get(&status_url)
            .header("Authorization", &auth)
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        let done = status["done"].as_u64().unwrap();
        if done > 0 || status["status"] != "running" {
            break (done, status["total"].as_u64().unwrap());
        }
        assert!(Instant::now() < deadline, "no progress: {status}");
    };
    server.0.kill().unwrap();
    server.0.wait().unwrap();
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
