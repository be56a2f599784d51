//! Concurrent pushes: Entra ID sends membership PATCHes for one group in
//! parallel, and several server processes may share one PostgreSQL database.
//! No member and no role update may be lost, no stored role may be stale, and no
//! client may see a conflict between concurrent writes (on PostgreSQL a tenant's
//! writes run concurrently; deadlock victims are re-run by the store).

use std::sync::Arc;

use provisioning::EventQuery;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, Client, Server, second_server, start};

fn mapped_group(server: &Server) -> (Client, String) {
    let (scim, admin) = (server.scim(), server.admin());
    let c = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "User"}, {"name": "Viewer"}, {"name": "Loanee"}]}),
    );
    assert_eq!(c.status, 200, "{}", c.text);
    let group = scim.create_group("Employees");
    let saved = admin.put(
        "/rules",
        &json!({"default_role": "Viewer", "rules": [{"group": {"id": group}, "role": "Loanee"}]}),
    );
    assert_eq!(saved.body["saved"], true, "{}", saved.text);
    (scim, group)
}

fn parallel_member_patches(servers: &[&Server], scim: &Client, group: &str) {
    let users: Vec<String> = (0..40)
        .map(|i| scim.create_user(&format!("u{i}@contoso.com")))
        .collect();
    let clients: Vec<Arc<Client>> = servers.iter().map(|s| Arc::new(s.scim())).collect();
    let threads: Vec<_> = users
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            let client = Arc::clone(&clients[i % clients.len()]);
            let path = format!("/Groups/{group}");
            let value: Vec<_> = pair.iter().map(|u| json!({"value": u})).collect();
            std::thread::spawn(move || {
                let r = client.patch_ops(
                    &path,
                    json!([{"op": "Add", "path": "members", "value": value}]),
                );
                assert_eq!(r.status, 204, "{}", r.text);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let members = scim.get(&format!("/Groups/{group}")).body["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        members,
        users.len(),
        "20 concurrent PATCHes: the union of their members"
    );
    let loanees = servers[0].admin().get("/users?role=Loanee&limit=1000").body["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(
        loanees,
        Some(users.len()),
        "every member's role was recomputed"
    );
}

fn twenty_concurrent_membership_patches(backend: Backend) {
    let server = start(backend);
    let (scim, group) = mapped_group(&server);
    parallel_member_patches(&[&server], &scim, &group);
}

fn two_servers_share_one_database(backend: Backend) {
    let server = start(backend);
    let other = second_server(&server);
    let (scim, group) = mapped_group(&server);
    // The second process sees the rules the first one saved.
    parallel_member_patches(&[&server, &other], &scim, &group);
    // Concurrent creates of one userName through both: exactly one wins.
    let creators: Vec<_> = [&server, &other, &server, &other]
        .iter()
        .map(|s| {
            let client = s.scim();
            std::thread::spawn(move || client.post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "race@contoso.com"})).status)
        })
        .collect();
    let mut statuses: Vec<u16> = creators.into_iter().map(|t| t.join().unwrap()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409]);
}

/// Every listed user's stored role is the one the tenant's current rules give it.
fn assert_roles_current(server: &Server, users: &[String]) {
    let p = &server.provisioning;
    let tenant = p.tenant("acme").unwrap();
    for user in users {
        let stored = p.sub_account(&tenant, user).unwrap().role;
        let decided = p.decide_user(&tenant, user).unwrap().role;
        assert_eq!(stored.as_deref(), Some(decided.as_str()), "user {user}");
    }
}

/// Runs `work(thread, client)` on `threads` threads, alternating the servers.
fn on_threads<T: Send + 'static>(
    servers: &[&Server],
    threads: usize,
    work: impl Fn(usize, &Client) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let work = Arc::new(work);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (work, client) = (Arc::clone(&work), servers[t % servers.len()].scim());
            std::thread::spawn(move || work(t, &client))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// Rule edits (each recomputing every user) while users are created and patched
/// through two servers: a write that decided with the old rules must not commit
/// after the edit that replaced them, or its user keeps a stale role.
fn rule_edits_and_concurrent_writes_leave_no_stale_role(backend: Backend) {
    let server = start(backend);
    let other = second_server(&server);
    let admin = server.admin();
    let c = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "Admin", "privileged": true}, {"name": "User"}, {"name": "Viewer"}]}),
    );
    assert_eq!(c.status, 200, "{}", c.text);
    let scim = server.scim();
    let seed: Arc<Vec<String>> = Arc::new(
        (0..20)
            .map(|i| scim.create_user(&format!("seed{i}@contoso.com")))
            .collect(),
    );
    const WRITERS: usize = 4;
    const EDITS: usize = 12;
    let editors = [server.admin(), other.admin()];
    let editor = std::thread::spawn(move || {
        for k in 0..EDITS {
            let default = if k % 2 == 0 { "Viewer" } else { "User" };
            let saved =
                editors[k % 2].put("/rules", &json!({"default_role": default, "rules": []}));
            assert_eq!(saved.body["saved"], true, "{}", saved.text);
        }
    });
    let writes = Arc::clone(&seed);
    // Two threads create users (a new user is invisible to a rule edit's
    // recomputation until it commits), two patch existing ones.
    let created = on_threads(&[&server, &other], WRITERS, move |t, scim| {
        let mut created = Vec::new();
        for i in 0..40 {
            if t % 2 == 0 {
                created.push(scim.create_user(&format!("w{t}-{i}@contoso.com")));
            } else {
                let user = &writes[(t * 7 + i) % writes.len()];
                let r = scim.patch_ops(
                    &format!("/Users/{user}"),
                    json!([{"op": "Replace", "path": "displayName", "value": format!("w{t} {i}")}]),
                );
                assert_eq!(r.status, 200, "{}", r.text);
            }
        }
        created
    });
    editor.join().unwrap();
    let mut users: Vec<String> = seed.to_vec();
    users.extend(created.into_iter().flatten());
    assert_roles_current(&server, &users);
    let holders = admin.get("/users?role=User&limit=1000").body["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(
        holders,
        Some(users.len()),
        "the last edit's default role, for all"
    );
    // A later edit would repair a stale role, so the log is checked too: in commit
    // order, every role change gives the default role of the rules saved last
    // before it (there are no groups, filters, locks or deactivations here).
    let p = &server.provisioning;
    let tenant = p.tenant("acme").unwrap();
    let (mut default, mut after, mut changes) = ("User".to_owned(), 0, 0);
    loop {
        let query = EventQuery {
            after_seq: after,
            limit: Some(1000),
            ..EventQuery::default()
        };
        let page = p.event_log(&tenant, &query).unwrap().items;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for event in &page {
            let state = event.after.clone().unwrap_or_default();
            match event.kind.as_str() {
                "rules.changed" => default = state["default_role"].as_str().unwrap().to_owned(),
                "role.changed" => {
                    changes += 1;
                    assert_eq!(
                        state["role"], default,
                        "event {} ({:?}) was decided with replaced rules",
                        event.seq, event.resource_id
                    );
                }
                _ => {}
            }
        }
    }
    assert!(changes >= users.len(), "every user got a role");
}

/// Group PATCHes adding and removing overlapping members (in one request, on the
/// same and on different groups), user PATCHes (renames included) and user
/// deletions, all at once through two servers: every request succeeds, roles end
/// up as the rules decide, and deleted users are left in no group.
fn overlapping_group_and_user_patches_never_fail(backend: Backend) {
    let server = start(backend);
    let other = second_server(&server);
    let (scim, admin) = (server.scim(), server.admin());
    let c = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "Admin", "privileged": true}, {"name": "User"}, {"name": "Technician"}, {"name": "Loanee"}, {"name": "Viewer"}]}),
    );
    assert_eq!(c.status, 200, "{}", c.text);
    let groups: Vec<String> = (0..3)
        .map(|g| scim.create_group(&format!("G{g}")))
        .collect();
    let saved = admin.put(
        "/rules",
        &json!({"default_role": "User", "rules": [
            {"group": {"id": groups[0]}, "role": "Technician"},
            {"group": {"id": groups[1]}, "role": "Loanee"},
            {"group": {"id": groups[2]}, "role": "Viewer"}
        ]}),
    );
    assert_eq!(saved.body["saved"], true, "{}", saved.text);
    let users: Arc<Vec<String>> = Arc::new(
        (0..16)
            .map(|i| scim.create_user(&format!("u{i}@contoso.com")))
            .collect(),
    );
    let doomed: Arc<Vec<String>> = Arc::new(
        (0..4)
            .map(|i| scim.create_user(&format!("doomed{i}@contoso.com")))
            .collect(),
    );
    const ROUNDS: usize = 15;
    let members = |ids: Vec<&String>| -> Value {
        Value::Array(ids.into_iter().map(|id| json!({"value": id})).collect())
    };
    let (g, u, d) = (
        Arc::new(groups.clone()),
        Arc::clone(&users),
        Arc::clone(&doomed),
    );
    let failures = on_threads(&[&server, &other], 9, move |t, scim| {
        let mut failures = Vec::new();
        let mut check = |r: crate::harness::Resp, expected: u16| {
            if r.status != expected {
                failures.push(format!("thread {t}: {} {}", r.status, r.text));
            }
        };
        for round in 0..ROUNDS {
            match t {
                // Two threads per group (the same group concurrently too).
                0..=5 => {
                    let group = &g[t % 3];
                    let add: Vec<&String> = (0..4)
                        .map(|k| &u[(round * 3 + t + k * 5) % u.len()])
                        .collect();
                    let remove: Vec<&String> = (0..3)
                        .map(|k| &u[(round * 5 + t * 3 + k * 7 + 1) % u.len()])
                        .collect();
                    let doomed_one = &d[(round + t) % d.len()];
                    let mut add = add;
                    add.push(doomed_one);
                    check(
                        scim.patch_ops(
                            &format!("/Groups/{group}"),
                            json!([
                                {"op": "Add", "path": "members", "value": members(add)},
                                {"op": "Remove", "path": "members", "value": members(remove)}
                            ]),
                        ),
                        204,
                    );
                }
                // User PATCHes, renames among them (a change of a key column).
                6 | 7 => {
                    let user = &u[(round * 7 + t) % u.len()];
                    let ops = if round % 4 == 0 {
                        json!([{"op": "Replace", "path": "userName", "value": format!("r{t}-{round}@contoso.com")}])
                    } else {
                        json!([{"op": "Replace", "path": "displayName", "value": format!("t{t} r{round}")}])
                    };
                    check(scim.patch_ops(&format!("/Users/{user}"), ops), 200);
                }
                // Deletions of users the group threads keep adding.
                _ => {
                    if round % 4 == 1 {
                        let user = &d[round / 4];
                        check(scim.delete(&format!("/Users/{user}")), 204);
                    }
                }
            }
        }
        failures
    });
    let failures: Vec<String> = failures.into_iter().flatten().collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_roles_current(&server, &users);
    let store = server.provisioning.store();
    let tenant = server.provisioning.tenant("acme").unwrap();
    for user in doomed.iter() {
        let left = store
            .read(|tx| tx.tenant(&tenant.id).groups().of_user(user))
            .unwrap();
        assert!(left.is_empty(), "deleted user {user} is still in {left:?}");
    }
    for group in &groups {
        let listed = scim.get(&format!("/Groups/{group}")).body["members"]
            .as_array()
            .map_or(0, Vec::len);
        let counted = store
            .read(|tx| tx.tenant(&tenant.id).groups().members(group, 0, 0))
            .unwrap()
            .total;
        assert_eq!(listed as u64, counted, "member count of {group}");
    }
}

both_backends!(
    twenty_concurrent_membership_patches,
    two_servers_share_one_database,
    rule_edits_and_concurrent_writes_leave_no_stale_role,
    overlapping_group_and_user_patches_never_fail,
);
