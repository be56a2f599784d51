//! Test support for the durability test (`tests/it/durability.rs`): creates users
//! `crash-<n>` in a tenant, one transaction each, printing `acked <id>` after each
//! commit, until it is killed.
//!
//! Usage: `scim-store-crash-writer <database url> <tenant id>`

use std::io::Write;
use std::process::ExitCode;

use scim_store::{NewUser, Store, StoreOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, tenant] = args.as_slice() else {
        return fail("usage: scim-store-crash-writer <database url> <tenant id>");
    };
    let store = match Store::open(url, StoreOptions::default()) {
        Ok(store) => store,
        Err(e) => return fail(&e.to_string()),
    };
    let mut out = std::io::stdout().lock();
    for n in 0_u64.. {
        let id = format!("crash-{n}");
        let created = store.write(|tx| {
            tx.tenant(tenant).users().insert(&NewUser {
                id: id.clone(),
                resource: serde_json::json!({"userName": id}),
                role: None,
                role_reason: None,
                now: chrono::Utc::now(),
            })
        });
        if let Err(e) = created {
            return fail(&e.to_string());
        }
        // The acknowledgement a client would get: only after the commit returned.
        if writeln!(out, "acked {id}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "scim-store-crash-writer: {message}");
    ExitCode::FAILURE
}
