//! Microsoft Entra ID's requests (`docs/idp-requests.md`, section 1): no
//! `User-Agent`; matching by `filter=... eq` without paging; users created with
//! core and enterprise attributes; PATCH in the default dialect (capitalised
//! ops, one per attribute, `active` as `"True"`/`"False"`, member removal by a
//! value array) or, when the Tenant URL carries `aadOptscim062020`, the
//! compliant one (lower-case ops, booleans, a path-less replace with dotted
//! keys, member removal by a filtered path); groups created empty, then filled
//! by `Add members`.

use serde_json::{Value, json};

use super::http::{encode, literal};
use super::plan::{Group, Operation, Person};
use super::{Dialect, Session};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const MICROSOFT_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The Tenant URL flag that selects the compliant PATCH dialect.
const COMPLIANT_FLAG: &str = "aadOptscim062020";
/// Members per `Add members` request (Entra batches them).
const MEMBERS_PER_PATCH: usize = 100;

#[derive(Debug)]
pub(crate) struct Entra;

impl Dialect for Entra {
    fn user_agent(&self) -> Option<&'static str> {
        None
    }

    fn run(&self, session: &mut Session, operation: &Operation) -> anyhow::Result<()> {
        let compliant = session.http.has_flag(COMPLIANT_FLAG);
        match operation {
            Operation::TestConnection => test_connection(session),
            Operation::CreateUser(person) => {
                create_user(session, person);
                Ok(())
            }
            Operation::CreateGroup(group, members) => {
                create_group(session, group, members, compliant);
                Ok(())
            }
            Operation::UpdateUser(person) => {
                let ops = if compliant {
                    json!([{"op": "replace", "value": {
                        "title": person.title,
                        format!("{ENTERPRISE}:department"): person.department,
                    }}])
                } else {
                    json!([
                        {"op": "Replace", "path": "title", "value": person.title},
                        {"op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": person.department}
                    ])
                };
                patch_user(session, person.index, ops);
                Ok(())
            }
            Operation::SetActive(person) => {
                let ops = if compliant {
                    json!([{"op": "replace", "path": "active", "value": person.active}])
                } else {
                    // The legacy dialect's booleans are strings.
                    let value = if person.active { "True" } else { "False" };
                    json!([{"op": "Replace", "path": "active", "value": value}])
                };
                patch_user(session, person.index, ops);
                Ok(())
            }
            Operation::DeleteUser(index) => {
                if let Some(id) = session.users[*index].take() {
                    session.http.send("DELETE", &format!("/Users/{id}"), None);
                }
                Ok(())
            }
            Operation::AddMembers(group, people) => {
                add_members(session, group.index, people, compliant);
                Ok(())
            }
            Operation::RemoveMembers(group, people) => {
                remove_members(session, group, people, compliant);
                Ok(())
            }
            Operation::DeleteGroup(index) => {
                if let Some(id) = session.groups[*index].take() {
                    session.http.send("DELETE", &format!("/Groups/{id}"), None);
                }
                Ok(())
            }
            // The admin's, not Entra's (the runner sends it).
            Operation::MapGroupsToRoles => Ok(()),
        }
    }
}

/// A user that cannot exist and a group probe: both must answer 200 with an
/// empty list, or Entra's Test Connection fails and nothing is provisioned.
fn test_connection(session: &mut Session) -> anyhow::Result<()> {
    for path in [
        format!(
            "/Users?filter={}",
            encode(&format!(
                "userName eq {}",
                literal("5e0c7a0b-3c1d-4a6e-9f21-6b8d2c4e7a10")
            ))
        ),
        format!(
            "/Groups?excludedAttributes=members&filter={}",
            encode(&format!(
                "displayName eq {}",
                literal("Test Connection probe")
            ))
        ),
    ] {
        let reply = session.http.send("GET", &path, None);
        anyhow::ensure!(
            reply.ok() && reply.body["totalResults"] == 0,
            "Test Connection failed: GET {path} answered {}: {}",
            reply.status,
            reply.text
        );
    }
    Ok(())
}

fn create_user(session: &mut Session, person: &Person) {
    let filter = encode(&format!("userName eq {}", literal(&person.user_name)));
    let matched = session
        .http
        .send("GET", &format!("/Users?filter={filter}"), None);
    if let Some(id) = matched.first_id() {
        session.users[person.index] = Some(id);
        return;
    }
    if !matched.ok() {
        return;
    }
    let created = session.http.send("POST", "/Users", Some(&user(person)));
    session.users[person.index] = created.body["id"].as_str().map(str::to_owned);
}

/// The attributes Entra's default mapping sends, with its quirks: a
/// client-side `meta`, `roles: []`, `active` as a string.
fn user(person: &Person) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": person.external_id,
        "userName": person.user_name,
        "active": if person.active { "True" } else { "False" },
        "displayName": person.display_name(),
        "emails": [{"primary": true, "type": "work", "value": person.user_name}],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": person.display_name(),
            "familyName": person.family_name,
            "givenName": person.given_name
        },
        "title": person.title,
        "preferredLanguage": "en-US",
        "roles": [],
        ENTERPRISE: {
            "employeeNumber": person.employee_number,
            "department": person.department
        }
    })
}

fn patch_user(session: &mut Session, index: usize, ops: Value) {
    if let Some(id) = session.users[index].clone() {
        session.http.send(
            "PATCH",
            &format!("/Users/{id}"),
            Some(&json!({"schemas": [PATCH_OP], "Operations": ops})),
        );
    }
}

/// Matched by displayName without members, created empty, then filled.
fn create_group(session: &mut Session, group: &Group, members: &[usize], compliant: bool) {
    let filter = encode(&format!("displayName eq {}", literal(&group.display_name)));
    let matched = session.http.send(
        "GET",
        &format!("/Groups?excludedAttributes=members&filter={filter}"),
        None,
    );
    let id = match matched.first_id() {
        Some(id) => Some(id),
        None if matched.ok() => {
            let body = json!({
                "schemas": [GROUP, MICROSOFT_GROUP],
                "externalId": format!("sim-group-{:03}", group.index),
                "displayName": group.display_name,
                "members": []
            });
            let created = session.http.send("POST", "/Groups", Some(&body));
            created.body["id"].as_str().map(str::to_owned)
        }
        None => None,
    };
    session.groups[group.index] = id;
    add_members(session, group.index, members, compliant);
}

fn add_members(session: &mut Session, group: usize, people: &[usize], compliant: bool) {
    let Some(id) = session.groups[group].clone() else {
        return;
    };
    let op = if compliant { "add" } else { "Add" };
    for chunk in session.user_ids(people).chunks(MEMBERS_PER_PATCH) {
        let values: Vec<Value> = chunk
            .iter()
            .map(|member| json!({"$ref": null, "value": member}))
            .collect();
        let body = json!({"schemas": [PATCH_OP], "Operations": [
            {"op": op, "path": "members", "value": values}
        ]});
        session
            .http
            .send("PATCH", &format!("/Groups/{id}"), Some(&body));
    }
}

/// The default dialect removes by a value array, the compliant one by one
/// filtered path per member.
fn remove_members(session: &mut Session, group: &Group, people: &[usize], compliant: bool) {
    let Some(id) = session.groups[group.index].clone() else {
        return;
    };
    for chunk in session.user_ids(people).chunks(MEMBERS_PER_PATCH) {
        let ops: Vec<Value> = if compliant {
            chunk
                .iter()
                .map(|member| {
                    json!({"op": "remove", "path": format!("members[value eq {}]", literal(member))})
                })
                .collect()
        } else {
            let values: Vec<Value> = chunk.iter().map(|m| json!({"value": m})).collect();
            vec![json!({"op": "Remove", "path": "members", "value": values})]
        };
        let body = json!({"schemas": [PATCH_OP], "Operations": ops});
        session
            .http
            .send("PATCH", &format!("/Groups/{id}"), Some(&body));
    }
}
