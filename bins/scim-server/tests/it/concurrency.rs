//! Concurrent pushes: Entra ID sends membership PATCHes for one group in
//! parallel, and several server processes may share one PostgreSQL database.
//! No member and no role update may be lost.

use std::sync::Arc;

use serde_json::json;

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
    let loanees = servers[0].admin().get("/users?role=Loanee&count=1000").body["total"].clone();
    assert_eq!(
        loanees,
        json!(users.len()),
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

both_backends!(
    twenty_concurrent_membership_patches,
    two_servers_share_one_database
);
