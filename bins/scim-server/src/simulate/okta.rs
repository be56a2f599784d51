//! Okta's requests (`docs/idp-requests.md`, section 2): `User-Agent: Okta SCIM
//! Client 1.0.0`; matching with `startIndex=1&count=100`; users created with
//! `password`, `locale` and `groups: []`; profile updates as a `GET` then a
//! `PUT` of the whole user; (de)activation by a path-less `replace`; groups
//! pushed with their members, and on every membership change a path-less
//! `replace {id, displayName}` with `remove members[value eq ...]` and
//! `add members` in one request; users are never deleted.

use serde_json::{Value, json};

use super::http::{encode, literal};
use super::plan::{Group, Operation, Person};
use super::{Dialect, Session};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Members per group push request, keeping bodies far below the server's limit.
const MEMBERS_PER_REQUEST: usize = 200;

#[derive(Debug)]
pub(crate) struct Okta;

impl Dialect for Okta {
    fn user_agent(&self) -> Option<&'static str> {
        Some("Okta SCIM Client 1.0.0")
    }

    fn run(&self, session: &mut Session, operation: &Operation) -> anyhow::Result<()> {
        match operation {
            Operation::TestConnection => return test_connection(session),
            Operation::CreateUser(person) => create_user(session, person),
            Operation::CreateGroup(group, members) => create_group(session, group, members),
            Operation::UpdateUser(person) => {
                if let Some(id) = session.users[person.index].clone() {
                    // Okta reads the user, then sends it whole.
                    let path = format!("/Users/{id}");
                    if session.http.send("GET", &path, None).ok() {
                        let mut body = user(person);
                        body["id"] = json!(id);
                        session.http.send("PUT", &path, Some(&body));
                    }
                }
            }
            Operation::SetActive(person) => {
                if let Some(id) = session.users[person.index].clone() {
                    let body = json!({"schemas": [PATCH_OP], "Operations": [
                        {"op": "replace", "value": {"active": person.active}}
                    ]});
                    session
                        .http
                        .send("PATCH", &format!("/Users/{id}"), Some(&body));
                }
            }
            // Okta deactivates; the plan never asks it to delete a user. The
            // admin's rule save is not Okta's (the runner sends it).
            Operation::DeleteUser(_) | Operation::MapGroupsToRoles => {}
            Operation::AddMembers(group, people) => push_members(session, group, &[], people),
            Operation::RemoveMembers(group, people) => push_members(session, group, people, &[]),
            Operation::DeleteGroup(index) => {
                if let Some(id) = session.groups[*index].take() {
                    session.http.send("DELETE", &format!("/Groups/{id}"), None);
                }
            }
        }
        Ok(())
    }
}

/// Okta's credential test reads a page of users; the match query must work too.
fn test_connection(session: &mut Session) -> anyhow::Result<()> {
    for path in [
        "/Users?startIndex=1&count=1".to_owned(),
        format!(
            "/Users?filter={}&startIndex=1&count=100",
            encode(&format!(
                "userName eq {}",
                literal("okta-test-connection@example.com")
            ))
        ),
        "/Groups?startIndex=1&count=1".to_owned(),
    ] {
        let reply = session.http.send("GET", &path, None);
        anyhow::ensure!(
            reply.ok() && reply.body["totalResults"].is_u64(),
            "Test API Credentials failed: GET {path} answered {}: {}",
            reply.status,
            reply.text
        );
    }
    Ok(())
}

fn user(person: &Person) -> Value {
    json!({
        "schemas": [USER],
        "userName": person.user_name,
        "name": {"givenName": person.given_name, "familyName": person.family_name},
        "emails": [{"primary": true, "value": person.user_name, "type": "work"}],
        "displayName": person.display_name(),
        "title": person.title,
        "locale": "en-US",
        "externalId": person.external_id,
        "groups": [],
        "active": person.active
    })
}

fn create_user(session: &mut Session, person: &Person) {
    let filter = encode(&format!("userName eq {}", literal(&person.user_name)));
    let matched = session.http.send(
        "GET",
        &format!("/Users?filter={filter}&startIndex=1&count=100"),
        None,
    );
    if let Some(id) = matched.first_id() {
        session.users[person.index] = Some(id);
        return;
    }
    if !matched.ok() {
        return;
    }
    let mut body = user(person);
    // Okta may send a password; the server must accept and never return it.
    body["password"] = json!(format!("Sim-{}-pw!", person.external_id));
    let created = session.http.send("POST", "/Users", Some(&body));
    session.users[person.index] = created.body["id"].as_str().map(str::to_owned);
}

/// Group push: created with its first members, the rest added by membership
/// pushes.
fn create_group(session: &mut Session, group: &Group, members: &[usize]) {
    let filter = encode(&format!("displayName eq {}", literal(&group.display_name)));
    let matched = session.http.send(
        "GET",
        &format!("/Groups?filter={filter}&startIndex=1&count=100"),
        None,
    );
    let (first, rest) = members.split_at(members.len().min(MEMBERS_PER_REQUEST));
    match matched.first_id() {
        Some(id) => {
            session.groups[group.index] = Some(id);
            push_members(session, group, &[], members);
        }
        None if matched.ok() => {
            let values: Vec<Value> = session
                .user_ids(first)
                .into_iter()
                .map(|id| json!({"value": id}))
                .collect();
            let body =
                json!({"schemas": [GROUP], "displayName": group.display_name, "members": values});
            let created = session.http.send("POST", "/Groups", Some(&body));
            session.groups[group.index] = created.body["id"].as_str().map(str::to_owned);
            push_members(session, group, &[], rest);
        }
        None => {}
    }
}

/// One membership push per chunk: the group's id and name restated, then the
/// removals by filter and the additions.
fn push_members(session: &mut Session, group: &Group, removed: &[usize], added: &[usize]) {
    let Some(id) = session.groups[group.index].clone() else {
        return;
    };
    let removed = session.user_ids(removed);
    let added = session.user_ids(added);
    let chunks = removed.len().max(added.len()).div_ceil(MEMBERS_PER_REQUEST);
    for chunk in 0..chunks {
        let range = |ids: &[String]| -> Vec<String> {
            ids.iter()
                .skip(chunk * MEMBERS_PER_REQUEST)
                .take(MEMBERS_PER_REQUEST)
                .cloned()
                .collect()
        };
        let mut ops =
            vec![json!({"op": "replace", "value": {"id": id, "displayName": group.display_name}})];
        ops.extend(range(&removed).into_iter().map(|member| {
            json!({"op": "remove", "path": format!("members[value eq {}]", literal(&member))})
        }));
        let adding: Vec<Value> = range(&added)
            .into_iter()
            .map(|member| json!({"value": member}))
            .collect();
        if !adding.is_empty() {
            ops.push(json!({"op": "add", "path": "members", "value": adding}));
        }
        let body = json!({"schemas": [PATCH_OP], "Operations": ops});
        session
            .http
            .send("PATCH", &format!("/Groups/{id}"), Some(&body));
    }
}
