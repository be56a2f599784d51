//! Small builders shared by the test modules.

use scim_proto::filter::{CompiledFilter, Filter, compile};
use scim_proto::schema::{GROUP_RESOURCE, USER_RESOURCE};
use scim_store::{Group, ListQuery, NewGroup, NewUser, Paging, Store, User};
use serde_json::{Value, json};

use crate::harness::at;

pub(crate) fn user_body(user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "active": true,
        "displayName": format!("{user_name} Display"),
        "emails": [{"value": format!("{user_name}@example.com"), "type": "work", "primary": true}],
    })
}

pub(crate) fn add_user(store: &Store, tenant_id: &str, id: &str, body: Value) -> User {
    store
        .write(|tx| {
            tx.tenant(tenant_id).users().insert(&NewUser {
                id: id.into(),
                resource: body.clone(),
                role: None,
                role_reason: None,
                now: at(1),
            })
        })
        .unwrap_or_else(|e| panic!("create user {id}: {e}"))
}

pub(crate) fn add_group(store: &Store, tenant_id: &str, id: &str, name: &str) -> Group {
    store
        .write(|tx| {
            tx.tenant(tenant_id).groups().insert(&NewGroup {
                id: id.into(),
                resource: json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": name,
                }),
                now: at(1),
            })
        })
        .unwrap_or_else(|e| panic!("create group {id}: {e}"))
}

pub(crate) fn user_filter(text: &str) -> CompiledFilter {
    compile(&Filter::parse(text).expect("parse"), &USER_RESOURCE).expect("compile")
}

pub(crate) fn group_filter(text: &str) -> CompiledFilter {
    compile(&Filter::parse(text).expect("parse"), &GROUP_RESOURCE).expect("compile")
}

/// Ids of the tenant's users matching `filter` (all on one page, id order).
pub(crate) fn user_ids(store: &Store, tenant_id: &str, filter: &str) -> Vec<String> {
    let filter = user_filter(filter);
    let paging = Paging::Index {
        start_index: 1,
        count: 10_000,
    };
    let query = ListQuery {
        filter: Some(&filter),
        sort: None,
        paging: &paging,
        base_url: None,
    };
    store
        .read(|tx| tx.tenant(tenant_id).users().list(&query))
        .expect("query users")
        .items
        .into_iter()
        .map(|u| u.id)
        .collect()
}

pub(crate) fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}
