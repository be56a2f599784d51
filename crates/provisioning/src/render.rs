//! Stored rows into SCIM resources: the body plus `id`, `meta` and the
//! membership attributes (`groups` of a user, `members` of a group).

use chrono::{DateTime, SecondsFormat, Utc};
use scim_proto::normalize::finish;
use scim_proto::schema::{GROUP_RESOURCE, USER_RESOURCE};
use scim_store::{Group, GroupRef, MemberRef, User};
use serde_json::{Map, Value, json};

/// A rendered SCIM resource with its id and version (for `Location` and `ETag`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScimResource {
    /// Server id.
    pub id: String,
    /// Version; the ETag is `W/"<version>"`.
    pub version: i64,
    /// The full canonical resource, before projection.
    pub resource: Value,
}

/// The timestamp format of `meta.created` / `meta.lastModified`.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The weak ETag of a version, as `meta.version` shows it.
pub fn version_tag(version: i64) -> String {
    format!("W/\"{version}\"")
}

fn meta(
    resource_type: &str,
    location: String,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    version: i64,
) -> Value {
    json!({
        "resourceType": resource_type,
        "created": timestamp(created),
        "lastModified": timestamp(modified),
        "location": location,
        "version": version_tag(version),
    })
}

fn body(resource: &Value) -> Map<String, Value> {
    match resource {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    }
}

/// A user as SCIM shows it. `groups` is `None` when the caller did not load them
/// (the projection excludes them).
pub fn user(user: &User, groups: Option<&[GroupRef]>, base_url: &str) -> ScimResource {
    let mut map = body(&user.resource);
    map.insert("id".into(), Value::String(user.id.clone()));
    if let Some(groups) = groups.filter(|g| !g.is_empty()) {
        let list = groups
            .iter()
            .map(|g| {
                json!({
                    "value": g.group_id,
                    "$ref": format!("{base_url}/Groups/{}", g.group_id),
                    "display": g.display_name,
                    "type": "direct",
                })
            })
            .collect();
        map.insert("groups".into(), Value::Array(list));
    }
    map.insert(
        "meta".into(),
        meta(
            "User",
            format!("{base_url}/Users/{}", user.id),
            user.created,
            user.last_modified,
            user.version,
        ),
    );
    ScimResource {
        id: user.id.clone(),
        version: user.version,
        resource: finish(Value::Object(map), &USER_RESOURCE),
    }
}

/// A group as SCIM shows it. `members` is `None` when not loaded.
pub fn group(group: &Group, members: Option<&[MemberRef]>, base_url: &str) -> ScimResource {
    let mut map = body(&group.resource);
    map.insert("id".into(), Value::String(group.id.clone()));
    if let Some(members) = members {
        let list = members
            .iter()
            .map(|m| {
                let mut member = json!({
                    "value": m.user_id,
                    "$ref": format!("{base_url}/Users/{}", m.user_id),
                    "type": "User",
                });
                if let Some(display) = &m.display_name {
                    member["display"] = Value::String(display.clone());
                }
                member
            })
            .collect();
        map.insert("members".into(), Value::Array(list));
    }
    map.insert(
        "meta".into(),
        meta(
            "Group",
            format!("{base_url}/Groups/{}", group.id),
            group.created,
            group.last_modified,
            group.version,
        ),
    );
    ScimResource {
        id: group.id.clone(),
        version: group.version,
        resource: finish(Value::Object(map), &GROUP_RESOURCE),
    }
}
