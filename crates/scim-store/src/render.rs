//! Full SCIM resources from stored rows: the body plus `id`, `meta` and the
//! membership attribute.
//!
//! This rendering is also what filters mean: the SQL translation is defined to
//! agree with `CompiledFilter::matches` on exactly these documents (the property
//! tests check it), including `meta` (times with microseconds, `version` as
//! `W/"<n>"`, `location` when a base URL is given), a user's `groups` (`value`,
//! `$ref`, `display`, `type: "direct"`) and a group's `members` (`value`, `$ref`,
//! `display`, `type: "User"`).

use serde_json::{Map, Value, json};

use crate::model::{Group, GroupRef, MemberRef, User};
use crate::time::rfc3339;

fn meta(
    resource_type: &str,
    endpoint: &str,
    id: &str,
    created: chrono::DateTime<chrono::Utc>,
    last_modified: chrono::DateTime<chrono::Utc>,
    version: i64,
    base_url: Option<&str>,
) -> Value {
    let mut meta = Map::new();
    meta.insert("resourceType".to_owned(), json!(resource_type));
    meta.insert("created".to_owned(), json!(rfc3339(created)));
    meta.insert("lastModified".to_owned(), json!(rfc3339(last_modified)));
    if let Some(base) = base_url {
        meta.insert(
            "location".to_owned(),
            json!(format!("{base}/{endpoint}/{id}")),
        );
    }
    meta.insert("version".to_owned(), json!(etag(version)));
    Value::Object(meta)
}

/// The weak entity tag of a version: `W/"<version>"`, as in `meta.version`.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

fn body(resource: &Value) -> Map<String, Value> {
    resource.as_object().cloned().unwrap_or_default()
}

/// A user as a SCIM resource, with the given groups (omitted when empty).
/// `base_url` (for example `https://host/scim/v2/acme`) gives `meta.location` and
/// `groups[].$ref`.
pub fn user(user: &User, groups: &[GroupRef], base_url: Option<&str>) -> Value {
    let mut out = Map::new();
    out.insert("id".to_owned(), json!(user.id));
    out.extend(body(&user.resource));
    if !groups.is_empty() {
        let groups = groups
            .iter()
            .map(|g| {
                let mut entry = Map::new();
                entry.insert("value".to_owned(), json!(g.group_id));
                if let Some(base) = base_url {
                    entry.insert(
                        "$ref".to_owned(),
                        json!(format!("{base}/Groups/{}", g.group_id)),
                    );
                }
                entry.insert("display".to_owned(), json!(g.display_name));
                entry.insert("type".to_owned(), json!("direct"));
                Value::Object(entry)
            })
            .collect();
        out.insert("groups".to_owned(), Value::Array(groups));
    }
    out.insert(
        "meta".to_owned(),
        meta(
            "User",
            "Users",
            &user.id,
            user.created,
            user.last_modified,
            user.version,
            base_url,
        ),
    );
    Value::Object(out)
}

/// A group as a SCIM resource; `members` is added when given (even if empty).
pub fn group(group: &Group, members: Option<&[MemberRef]>, base_url: Option<&str>) -> Value {
    let mut out = Map::new();
    out.insert("id".to_owned(), json!(group.id));
    out.extend(body(&group.resource));
    if let Some(members) = members {
        let members = members
            .iter()
            .map(|m| {
                let mut entry = Map::new();
                entry.insert("value".to_owned(), json!(m.user_id));
                if let Some(base) = base_url {
                    entry.insert(
                        "$ref".to_owned(),
                        json!(format!("{base}/Users/{}", m.user_id)),
                    );
                }
                if let Some(name) = &m.display_name {
                    entry.insert("display".to_owned(), json!(name));
                }
                entry.insert("type".to_owned(), json!("User"));
                Value::Object(entry)
            })
            .collect();
        out.insert("members".to_owned(), Value::Array(members));
    }
    out.insert(
        "meta".to_owned(),
        meta(
            "Group",
            "Groups",
            &group.id,
            group.created,
            group.last_modified,
            group.version,
            base_url,
        ),
    );
    Value::Object(out)
}
