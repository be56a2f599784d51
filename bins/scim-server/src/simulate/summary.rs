//! The simulation's summary: requests, errors and time; the operations sent;
//! what the simulated directory holds at the end and what the server holds
//! (users, groups and memberships over SCIM; roles, counted per role, from the
//! admin API when given an admin token).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use anyhow::Context;

use super::http::Http;
use super::plan::Plan;
use super::{Session, SimulateArgs};

/// Users, groups and memberships, as the server holds them or the directory
/// should have them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    active: usize,
    inactive: usize,
    groups: usize,
    memberships: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} users ({} active, {} inactive), {} groups, {} memberships",
            self.active + self.inactive,
            self.active,
            self.inactive,
            self.groups,
            self.memberships
        )
    }
}

#[derive(Debug)]
pub(crate) struct Summary {
    idp: &'static str,
    requests: u64,
    errors: u64,
    first_errors: Vec<String>,
    elapsed: Duration,
    operations: BTreeMap<&'static str, usize>,
    directory: Counts,
    server: Counts,
    /// Live users per role; `None` without an admin token.
    roles: Option<BTreeMap<String, usize>>,
}

impl Summary {
    pub(crate) fn read(
        args: &SimulateArgs,
        session: &Session,
        plan: &Plan,
        elapsed: Duration,
        user_agent: Option<&str>,
    ) -> anyhow::Result<Summary> {
        let mut operations = BTreeMap::new();
        for operation in &plan.operations {
            *operations.entry(operation.kind()).or_default() += 1;
        }
        let (active, inactive) = plan.expected_users();
        let (groups, memberships) = plan.expected_groups();
        let directory = Counts {
            active,
            inactive,
            groups,
            memberships,
        };
        // Read back as the identity provider (an Okta import pages through
        // users and groups the same way), so the tenant's connection status
        // goes on naming it.
        let mut scim = Http::new(&args.url, &args.token, user_agent)?;
        let server = server_counts(&mut scim).context("reading back users and groups")?;
        let roles = match &args.admin_token {
            Some(token) => Some(
                roles(&args.admin_base()?, token)
                    .context("reading roles from the admin API (--admin-url, --admin-token)")?,
            ),
            None => None,
        };
        Ok(Summary {
            idp: args.idp.name(),
            requests: session.http.requests,
            errors: session.http.errors,
            first_errors: session.http.first_errors.clone(),
            elapsed,
            operations,
            directory,
            server,
            roles,
        })
    }
}

/// The admin API read-back's `User-Agent`.
const READER: &str = "scim-server simulate";

fn server_counts(scim: &mut Http) -> anyhow::Result<Counts> {
    let total = |scim: &mut Http, path: &str| -> anyhow::Result<usize> {
        let reply = scim.send("GET", path, None);
        anyhow::ensure!(reply.ok(), "GET {path}: {} {}", reply.status, reply.text);
        reply.body["totalResults"]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .with_context(|| format!("GET {path}: no totalResults in {}", reply.text))
    };
    let active = total(scim, "/Users?filter=active+eq+true&count=0")?;
    let inactive = total(scim, "/Users?filter=active+eq+false&count=0")?;
    let mut groups = 0;
    let mut memberships = 0;
    let mut start = 1;
    loop {
        let path = format!("/Groups?startIndex={start}&count=100");
        let reply = scim.send("GET", &path, None);
        anyhow::ensure!(reply.ok(), "GET {path}: {} {}", reply.status, reply.text);
        let page = reply.body["Resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if page.is_empty() {
            break;
        }
        groups += page.len();
        memberships += page
            .iter()
            .map(|g| g["members"].as_array().map_or(0, Vec::len))
            .sum::<usize>();
        start += page.len();
    }
    Ok(Counts {
        active,
        inactive,
        groups,
        memberships,
    })
}

/// Every user that is not deleted, counted by role, over the admin API's
/// cursor pages.
fn roles(admin_base: &str, token: &str) -> anyhow::Result<BTreeMap<String, usize>> {
    let mut admin = Http::new(admin_base, token, Some(READER))?;
    let mut roles = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/users?limit=1000&cursor={}", super::http::encode(cursor)),
            None => "/users?limit=1000".to_owned(),
        };
        let reply = admin.send("GET", &path, None);
        anyhow::ensure!(
            reply.ok(),
            "GET {admin_base}{path}: {} {}",
            reply.status,
            reply.text
        );
        for user in reply.body["items"].as_array().into_iter().flatten() {
            if user["status"] == "deleted" {
                continue;
            }
            let role = user["role"].as_str().unwrap_or("(none)").to_owned();
            *roles.entry(role).or_default() += 1;
        }
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    Ok(roles)
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "simulated {}: {} requests, {} errors, {:.1} s",
            self.idp,
            self.requests,
            self.errors,
            self.elapsed.as_secs_f64()
        )?;
        let operations: Vec<String> = self
            .operations
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        writeln!(f, "operations: {}", operations.join(", "))?;
        for error in &self.first_errors {
            writeln!(f, "error: {error}")?;
        }
        writeln!(f, "directory: {}", self.directory)?;
        writeln!(f, "server: {}", self.server)?;
        match &self.roles {
            Some(roles) => {
                let roles: Vec<String> = roles.iter().map(|(r, n)| format!("{r} {n}")).collect();
                write!(f, "roles: {}", roles.join(", "))
            }
            None => write!(
                f,
                "roles: not read (pass --admin-token, and --admin-url for a separate admin listener)"
            ),
        }
    }
}
