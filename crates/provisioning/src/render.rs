//! Stored rows into SCIM resources: the body plus `id`, `meta` and the
//! membership attributes (`groups` of a user, `members` of a group).

use std::collections::HashMap;

use scim_proto::normalize::finish;
use scim_proto::schema::{GROUP_RESOURCE, USER_RESOURCE};
use scim_store::{Group, GroupRef, MemberRef, User};
use serde_json::Value;

/// A rendered SCIM resource with its id and version (for `Location` and `ETag`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScimResource {
    /// Server id.
    pub id: String,
    /// Version; the ETag is `scim_proto::render::resource_etag(id, version)`.
    pub version: i64,
    /// The full canonical resource, before projection.
    pub resource: Value,
}

/// The timestamp format of the admin API (tokens, events, reports): the same
/// as `meta.created` / `meta.lastModified`.
pub(crate) use scim_proto::render::timestamp;

/// A user as SCIM shows it: the store's rendering (the documents filters are
/// defined on), in schema order. `groups` is `None` when the caller did not load
/// them (the projection excludes them).
pub fn user(user: &User, groups: Option<&[GroupRef]>, base_url: &str) -> ScimResource {
    let rendered = scim_store::render::user(user, groups.unwrap_or_default(), Some(base_url));
    ScimResource {
        id: user.id.clone(),
        version: user.version,
        resource: finish(rendered, &USER_RESOURCE),
    }
}

/// A group as SCIM shows it. `members` is `None` when not loaded.
pub fn group(group: &Group, members: Option<&[MemberRef]>, base_url: &str) -> ScimResource {
    let rendered = scim_store::render::group(group, members, Some(base_url));
    ScimResource {
        id: group.id.clone(),
        version: group.version,
        resource: finish(rendered, &GROUP_RESOURCE),
    }
}

/// The SCIM bodies of a page of resources, each with its related references (a
/// user's groups, a group's members) when `with_related`, read for the whole page
/// by one `fetch` of the page's ids.
pub(crate) fn page<T, R>(
    items: &[T],
    with_related: bool,
    id: impl Fn(&T) -> &str,
    fetch: impl FnOnce(&[String]) -> crate::error::Result<HashMap<String, Vec<R>>>,
    render: impl Fn(&T, Option<&[R]>) -> ScimResource,
) -> crate::error::Result<Vec<Value>> {
    let mut related = if with_related && !items.is_empty() {
        let ids: Vec<String> = items.iter().map(|item| id(item).to_owned()).collect();
        fetch(&ids)?
    } else {
        HashMap::new()
    };
    Ok(items
        .iter()
        .map(|item| {
            let refs = related.remove(id(item)).unwrap_or_default();
            render(item, with_related.then_some(refs.as_slice())).resource
        })
        .collect())
}
