//! Rendering resources as SCIM shows them: `id`, the body, the membership
//! references (`$ref`s) and `meta` (`resourceType`, `created`, `lastModified`,
//! `location`, `version`), and the weak entity tags `W/"<id>/<version>"` that
//! `meta.version` and the `ETag` header carry, with their parsing.
//!
//! Everything comes in as plain parameters (ids, times, versions, a base URL),
//! so a store renders the documents its filters are defined on, and the server
//! its responses, with the same functions.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use scim_proto::render::{self, Meta, Reference};
//! use serde_json::json;
//!
//! let at = Utc.with_ymd_and_hms(2025, 3, 1, 9, 30, 0).unwrap();
//! let meta = Meta { created: at, last_modified: at, version: 3 };
//! let group = render::group(
//!     "g1",
//!     &json!({"displayName": "Sales"}),
//!     Some([Reference { id: "u1", display: Some("Ada") }]),
//!     &meta,
//!     Some("https://host/scim/v2"),
//! );
//! assert_eq!(group["members"][0]["$ref"], "https://host/scim/v2/Users/u1");
//! assert_eq!(group["meta"]["version"], render::resource_etag("g1", 3));
//! assert_eq!(group["meta"]["version"], r#"W/"g1/3""#);
//! assert!(render::Precondition::parse(r#"W/"g1/3""#).matches_resource("g1", 3));
//! assert!(!render::Precondition::parse(r#"W/"u1/3""#).matches_resource("g1", 3));
//! ```

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::schema::{GROUP_RESOURCE, ResourceType, USER_RESOURCE};

/// The weak entity tag of a tenant-wide entity's version (settings, rules,
/// catalogue, locks): `W/"<version>"`.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// The weak entity tag of version `version` of the SCIM resource `id`:
/// `W/"<id>/<version>"`, as in `meta.version` and the `ETag` header. The id
/// makes the tags of two resources at one version differ, so that one's tag is
/// no precondition for the other.
pub fn resource_etag(id: &str, version: i64) -> String {
    format!("W/\"{id}/{version}\"")
}

/// A parsed entity-tag list (`If-Match`, `If-None-Match`, a bulk operation's
/// `version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `*`: any current version.
    Any,
    /// The opaque tags of the list, without `W/` and quotes (weak and strong tags
    /// name the same thing); tags that are not ours name nothing.
    Tags(Vec<String>),
}

impl Precondition {
    /// Parses an entity-tag list.
    pub fn parse(value: &str) -> Precondition {
        if value.trim() == "*" {
            return Precondition::Any;
        }
        let tags = value
            .split(',')
            .map(|tag| {
                let tag = tag.trim();
                let tag = tag.strip_prefix("W/").unwrap_or(tag);
                tag.trim_matches('"').to_owned()
            })
            .filter(|tag| !tag.is_empty())
            .collect();
        Precondition::Tags(tags)
    }

    /// The versions of a tenant-wide entity ([`etag`]) the list requires: `None`
    /// for `*` (any version).
    pub fn expected_versions(self) -> Option<Vec<i64>> {
        match self {
            Precondition::Any => None,
            Precondition::Tags(tags) => Some(tags.iter().filter_map(|t| t.parse().ok()).collect()),
        }
    }

    /// The versions of the resource `id` ([`resource_etag`]) the list requires:
    /// `None` for `*`; another resource's tags require none, hence a 412.
    pub fn expected_resource_versions(self, id: &str) -> Option<Vec<i64>> {
        match self {
            Precondition::Any => None,
            Precondition::Tags(tags) => Some(
                tags.iter()
                    .filter_map(|tag| resource_version(tag, id))
                    .collect(),
            ),
        }
    }

    /// Whether version `version` of the resource `id` satisfies the list (weak
    /// comparison), as `If-None-Match` asks.
    pub fn matches_resource(&self, id: &str, version: i64) -> bool {
        match self {
            Precondition::Any => true,
            Precondition::Tags(tags) => tags
                .iter()
                .any(|tag| resource_version(tag, id) == Some(version)),
        }
    }
}

/// The version an opaque tag `<id>/<version>` names, if it is of resource `id`.
fn resource_version(tag: &str, id: &str) -> Option<i64> {
    let (tagged, version) = tag.rsplit_once('/')?;
    (tagged == id).then(|| version.parse().ok()).flatten()
}

/// The text of `meta.created` and `meta.lastModified` (RFC 3339, UTC, with
/// microseconds), also used for the other times the server shows.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The URL of a resource: `<base_url>/Users/<id>` or `<base_url>/Groups/<id>`,
/// as in `meta.location` and `$ref`.
pub fn location(base_url: &str, rt: &ResourceType, id: &str) -> String {
    format!("{base_url}{}/{id}", rt.endpoint)
}

/// A resource's version and times, for its `meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// `meta.created`.
    pub created: DateTime<Utc>,
    /// `meta.lastModified`.
    pub last_modified: DateTime<Utc>,
    /// The version, shown as the entity tag `meta.version`.
    pub version: i64,
}

/// A related resource, listed in a user's `groups` or a group's `members`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference<'a> {
    /// Its id (`value`).
    pub id: &'a str,
    /// Its display name (`display`), if any.
    pub display: Option<&'a str>,
}

/// `meta` of the resource `id` of type `rt`; `location` only with a base URL.
pub fn meta(rt: &ResourceType, id: &str, meta: &Meta, base_url: Option<&str>) -> Value {
    let mut out = Map::new();
    out.insert("resourceType".to_owned(), json!(rt.name));
    out.insert("created".to_owned(), json!(timestamp(meta.created)));
    out.insert(
        "lastModified".to_owned(),
        json!(timestamp(meta.last_modified)),
    );
    if let Some(base) = base_url {
        out.insert("location".to_owned(), json!(location(base, rt, id)));
    }
    out.insert("version".to_owned(), json!(resource_etag(id, meta.version)));
    Value::Object(out)
}

/// A user: `id`, the `body` (an object without `id`, `meta` and `groups`), its
/// `groups` (`value`, `$ref` with a base URL, `display`, `type: "direct"`;
/// omitted when there are none) and `meta`.
pub fn user<'a>(
    id: &str,
    body: &Value,
    groups: impl IntoIterator<Item = Reference<'a>>,
    meta: &Meta,
    base_url: Option<&str>,
) -> Value {
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|g| reference(g, &GROUP_RESOURCE, "direct", base_url))
        .collect();
    resource(
        &USER_RESOURCE,
        id,
        body,
        ("groups", (!groups.is_empty()).then_some(groups)),
        meta,
        base_url,
    )
}

/// A group: `id`, the `body` (an object without `id`, `meta` and `members`), its
/// `members` when given, even if empty (`value`, `$ref` with a base URL,
/// `display` when known, `type: "User"`) and `meta`.
pub fn group<'a, M: IntoIterator<Item = Reference<'a>>>(
    id: &str,
    body: &Value,
    members: Option<M>,
    meta: &Meta,
    base_url: Option<&str>,
) -> Value {
    let members = members.map(|members| {
        members
            .into_iter()
            .map(|m| reference(m, &USER_RESOURCE, "User", base_url))
            .collect()
    });
    resource(
        &GROUP_RESOURCE,
        id,
        body,
        ("members", members),
        meta,
        base_url,
    )
}

fn resource(
    rt: &ResourceType,
    id: &str,
    body: &Value,
    (related_name, related): (&str, Option<Vec<Value>>),
    meta: &Meta,
    base_url: Option<&str>,
) -> Value {
    let mut out = Map::new();
    out.insert("id".to_owned(), json!(id));
    if let Value::Object(body) = body {
        out.extend(body.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(related) = related {
        out.insert(related_name.to_owned(), Value::Array(related));
    }
    out.insert("meta".to_owned(), self::meta(rt, id, meta, base_url));
    Value::Object(out)
}

/// One entry of `groups` or `members`; `rt` is the referenced resource's type.
fn reference(to: Reference<'_>, rt: &ResourceType, kind: &str, base_url: Option<&str>) -> Value {
    let mut entry = Map::new();
    entry.insert("value".to_owned(), json!(to.id));
    if let Some(base) = base_url {
        entry.insert("$ref".to_owned(), json!(location(base, rt, to.id)));
    }
    if let Some(display) = to.display {
        entry.insert("display".to_owned(), json!(display));
    }
    entry.insert("type".to_owned(), json!(kind));
    Value::Object(entry)
}

#[cfg(test)]
mod tests;
