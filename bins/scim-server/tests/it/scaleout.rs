//! Scale-out: three server processes (the binary) on one PostgreSQL database,
//! with client threads sending membership PATCHes to the same groups, If-Match
//! updates to the same users and creates of the same userNames through all
//! three at once. Afterwards, checked against what the acknowledged requests
//! imply: no member lost or duplicated, no user duplicated, no acknowledged
//! update lost, stale versions refused with 412, and every user's stored role
//! the role engine's decision on the final state (the admin API's explanation)
//! and the rules' answer for that state.
//!
//! PostgreSQL only: several processes on one SQLite file is not a supported
//! set-up (one writer per process, `docs/ARCHITECTURE.md`, *Concurrency*).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Barrier};
use std::time::Instant;

use scim_store::testing::Backend;
use serde_json::{Value, json};

use crate::harness::Client;
use crate::process::{ServerProcess, database_with_tenant};

const PROCESSES: usize = 3;
const USERS: usize = 12;
const GROUPS: usize = 3;
const MEMBER_THREADS: usize = 6;
const UPDATE_THREADS: usize = 6;
const ROUNDS: usize = 15;
const DUPLICATE_NAMES: usize = 5;

/// The rules: a title, then two groups (the third is unmapped), else `User`.
fn expected_role(title: &str, groups: &BTreeSet<usize>) -> &'static str {
    if title == "Lead" {
        "Technician"
    } else if groups.contains(&0) {
        "Loanee"
    } else if groups.contains(&1) {
        "Viewer"
    } else {
        "User"
    }
}

/// The version number in a user's `meta.version` (`W/"<id>/<version>"`).
fn version(user: &Value) -> u64 {
    let tag = user["meta"]["version"].as_str().unwrap();
    tag.trim_end_matches('"')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// A deterministic coin per thread, round and item, so a run can be repeated.
fn coin(thread: usize, round: usize, item: usize) -> bool {
    (thread * 31 + round * 17 + item * 7) % 5 < 2
}

/// What one membership thread's acknowledged PATCHes imply: for each (group,
/// user) pair it owns, member or not after its last acknowledged request.
type Membership = BTreeMap<(usize, usize), bool>;

/// Membership thread `t` owns the pairs `(g, u)` with `(g * USERS + u) %
/// MEMBER_THREADS == t`; each round it sends one PATCH adding some of its
/// pairs of one group and removing the others, all threads on the same group at
/// once.
fn membership_thread(
    t: usize,
    scim: &Client,
    groups: &[String],
    users: &[String],
) -> (Membership, Vec<String>) {
    let (mut implied, mut failures) = (Membership::new(), Vec::new());
    for round in 0..ROUNDS {
        let g = round % GROUPS;
        let owned: Vec<usize> = (0..USERS)
            .filter(|u| (g * USERS + u) % MEMBER_THREADS == t)
            .collect();
        let (add, remove): (Vec<usize>, Vec<usize>) =
            owned.iter().partition(|u| coin(t, round, **u));
        let values =
            |ids: &[usize]| -> Value { ids.iter().map(|u| json!({"value": users[*u]})).collect() };
        let mut ops = Vec::new();
        if !add.is_empty() {
            ops.push(json!({"op": "add", "path": "members", "value": values(&add)}));
        }
        if !remove.is_empty() {
            ops.push(json!({"op": "remove", "path": "members", "value": values(&remove)}));
        }
        let r = scim.patch_ops(&format!("/Groups/{}", groups[g]), Value::Array(ops));
        if r.status == 204 || r.status == 200 {
            for u in add {
                implied.insert((g, u), true);
            }
            for u in remove {
                implied.insert((g, u), false);
            }
        } else {
            failures.push(format!("membership thread {t}: {} {}", r.status, r.text));
        }
    }
    (implied, failures)
}

/// An acknowledged user update: the version it was based on, the version it
/// made, and the title it set.
struct Update {
    user: usize,
    base: u64,
    made: u64,
    title: String,
}

/// What the update threads saw.
#[derive(Default)]
struct Updates {
    acked: Vec<Update>,
    /// Concurrent updates refused because another one came first.
    conflicts: usize,
    /// Replays of a tag known to be stale, all refused.
    stale_refused: usize,
    failures: Vec<String>,
}

/// Update thread `t`: reads a user, sets its title with `If-Match` on what it
/// read (412 when another update came first), and after each of its own
/// acknowledged updates replays the tag it started from, which must be 412.
fn update_thread(t: usize, scim: &Client, users: &[String]) -> Updates {
    let mut seen = Updates::default();
    for round in 0..ROUNDS {
        // Neighbouring threads pick the same user in the same round.
        let u = (round * 5 + t / 2) % USERS;
        let path = format!("/Users/{}", users[u]);
        let current = scim.get(&path);
        if current.status != 200 {
            seen.failures
                .push(format!("update thread {t}: GET {}", current.text));
            continue;
        }
        let tag = current.header("etag").unwrap().to_owned();
        let title = if coin(t, round, u) { "Lead" } else { "Staff" };
        let set = |tag: &str| {
            scim.request(
                "PATCH",
                &path,
                Some(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
                    {"op": "replace", "path": "title", "value": title},
                    // Never the stored value, so every update is a change.
                    {"op": "replace", "path": "displayName", "value": format!("t{t} r{round}")}
                ]}).to_string()),
                &[("If-Match", tag)],
            )
        };
        let r = set(&tag);
        match r.status {
            200 => {
                seen.acked.push(Update {
                    user: u,
                    base: version(&current.body),
                    made: version(&r.body),
                    title: title.to_owned(),
                });
                let replay = set(&tag);
                if replay.status == 412 {
                    seen.stale_refused += 1;
                } else {
                    seen.failures.push(format!(
                        "update thread {t}: a stale If-Match got {} {}",
                        replay.status, replay.text
                    ));
                }
            }
            412 => seen.conflicts += 1,
            _ => seen
                .failures
                .push(format!("update thread {t}: {} {}", r.status, r.text)),
        }
    }
    seen
}

/// Each process creates the same userNames: one 201 per name, the others 409.
fn create_thread(scim: &Client) -> Vec<u16> {
    (0..DUPLICATE_NAMES)
        .map(|k| {
            scim.post(
                "/Users",
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("twin{k}@scale.test")}),
            )
            .status
        })
        .collect()
}

#[test]
fn three_processes_on_one_postgres() {
    let started = Instant::now();
    let (database, token) = database_with_tenant(Backend::Postgres);
    let servers: Vec<ServerProcess> = (0..PROCESSES)
        .map(|_| ServerProcess::start(&database.url, &[]))
        .collect();
    let (scim, admin) = (servers[0].scim("acme", &token), servers[0].admin("acme"));
    let c = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "User"}, {"name": "Technician"}, {"name": "Loanee"}, {"name": "Viewer"}]}),
    );
    assert_eq!(c.status, 200, "{}", c.text);
    let groups: Arc<Vec<String>> = Arc::new(
        (0..GROUPS)
            .map(|g| scim.create_group(&format!("G{g}")))
            .collect(),
    );
    let saved = admin.put(
        "/rules",
        &json!({"default_role": "User", "rules": [
            {"filter": "title eq \"Lead\"", "role": "Technician"},
            {"group": {"id": groups[0]}, "role": "Loanee"},
            {"group": {"id": groups[1]}, "role": "Viewer"}
        ]}),
    );
    assert_eq!(saved.body["saved"], true, "{}", saved.text);
    let users: Arc<Vec<String>> = Arc::new(
        (0..USERS)
            .map(|u| scim.create_user(&format!("u{u}@scale.test")))
            .collect(),
    );

    let threads = MEMBER_THREADS + UPDATE_THREADS + PROCESSES;
    let barrier = Arc::new(Barrier::new(threads));
    let client = |i: usize| servers[i % PROCESSES].scim("acme", &token);
    let members: Vec<_> = (0..MEMBER_THREADS)
        .map(|t| {
            let (scim, barrier) = (client(t), Arc::clone(&barrier));
            let (groups, users) = (Arc::clone(&groups), Arc::clone(&users));
            std::thread::spawn(move || {
                barrier.wait();
                membership_thread(t, &scim, &groups, &users)
            })
        })
        .collect();
    let updaters: Vec<_> = (0..UPDATE_THREADS)
        .map(|t| {
            let (scim, barrier, users) = (client(t), Arc::clone(&barrier), Arc::clone(&users));
            std::thread::spawn(move || {
                barrier.wait();
                update_thread(t, &scim, &users)
            })
        })
        .collect();
    let creators: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let (scim, barrier) = (client(p), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                create_thread(&scim)
            })
        })
        .collect();
    let mut failures = Vec::new();
    let mut implied = Membership::new();
    for t in members {
        let (owned, failed) = t.join().unwrap();
        implied.extend(owned);
        failures.extend(failed);
    }
    let mut updates = Updates::default();
    for t in updaters {
        let seen = t.join().unwrap();
        updates.acked.extend(seen.acked);
        updates.conflicts += seen.conflicts;
        updates.stale_refused += seen.stale_refused;
        failures.extend(seen.failures);
    }
    let created: Vec<Vec<u16>> = creators.into_iter().map(|t| t.join().unwrap()).collect();

    // Members: each group holds exactly the pairs the acknowledged PATCHes left in.
    let reader = servers[1].scim("acme", &token);
    let mut member_of: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); USERS];
    let mut members_checked = 0;
    for (g, group) in groups.iter().enumerate() {
        let listed: Vec<String> = reader.get(&format!("/Groups/{group}")).body["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|v| v["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let distinct: BTreeSet<&String> = listed.iter().collect();
        if distinct.len() != listed.len() {
            failures.push(format!("group G{g} lists a member twice: {listed:?}"));
        }
        let expected: BTreeSet<&String> = (0..USERS)
            .filter(|u| implied.get(&(g, *u)) == Some(&true))
            .map(|u| &users[u])
            .collect();
        if distinct != expected {
            failures.push(format!(
                "group G{g}: stored {distinct:?}, acknowledged {expected:?}"
            ));
        }
        for u in (0..USERS).filter(|u| expected.contains(&users[*u])) {
            member_of[u].insert(g);
        }
        members_checked += expected.len();
    }

    // Users: no acknowledged update lost (no two on one version), the last one's
    // title stored, and the role the rules give for the final state.
    let last_title: Vec<String> = (0..USERS)
        .map(|u| {
            let mine: Vec<&Update> = updates.acked.iter().filter(|a| a.user == u).collect();
            let bases: BTreeSet<u64> = mine.iter().map(|a| a.base).collect();
            if bases.len() != mine.len() {
                failures.push(format!("user {u}: two acknowledged updates of one version"));
            }
            mine.iter()
                .max_by_key(|a| a.made)
                .map_or_else(String::new, |last| last.title.clone())
        })
        .collect();
    let admin = servers[2].admin("acme");
    for (u, id) in users.iter().enumerate() {
        let stored = reader.get(&format!("/Users/{id}"));
        let title = stored.body["title"].as_str().unwrap_or("");
        if title != last_title[u] {
            failures.push(format!(
                "user {u}: title {title:?}, last acknowledged {:?}",
                last_title[u]
            ));
        }
        let role = admin.get(&format!("/users/{id}")).body["role"].clone();
        let decided = admin.get(&format!("/users/{id}/explain")).body["decision"]["role"].clone();
        let expected = expected_role(&last_title[u], &member_of[u]);
        if role != expected || decided != expected {
            failures.push(format!(
                "user {u}: stored role {role}, engine's decision {decided}, rules give {expected} (title {:?}, groups {:?})",
                last_title[u], member_of[u]
            ));
        }
    }

    // Twins: one 201 per name, and one user of that name.
    for k in 0..DUPLICATE_NAMES {
        let mut statuses: Vec<u16> = created.iter().map(|c| c[k]).collect();
        statuses.sort_unstable();
        if statuses != [201, 409, 409] {
            failures.push(format!("twin{k}: {statuses:?}"));
        }
        let found = reader.get(&format!(
            "/Users?filter=userName+eq+%22twin{k}%40scale.test%22"
        ));
        if found.body["totalResults"] != 1 {
            failures.push(format!("twin{k}: {}", found.text));
        }
    }
    let mut servers = servers;
    for s in &mut servers {
        assert!(s.running(), "a server died:\n{}", s.log());
    }

    // Membership PATCHes; a read and an update per round, and a replay per
    // acknowledged update; the twins.
    let requests = MEMBER_THREADS * ROUNDS
        + UPDATE_THREADS * ROUNDS * 2
        + updates.acked.len()
        + PROCESSES * DUPLICATE_NAMES;
    eprintln!(
        "scale-out: {PROCESSES} processes, about {requests} concurrent requests; \
         {} member pairs checked against {} acknowledged membership states; \
         {} user updates acknowledged, {} refused as concurrent (412), {} stale replays refused (412); \
         {} failures; {:?} in all",
        members_checked,
        implied.len(),
        updates.acked.len(),
        updates.conflicts,
        updates.stale_refused,
        failures.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(updates.conflicts > 0, "the updates should have collided");
}
