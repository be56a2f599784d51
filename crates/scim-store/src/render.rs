//! Full SCIM resources from stored rows, through `scim_proto::render` (the one
//! rendering of `id`, `meta`, `$ref`s and entity tags): this module only says
//! which row fields are which.
//!
//! This rendering is also what filters mean: the SQL translation is defined to
//! agree with `CompiledFilter::matches` on exactly these documents (the property
//! tests check it), including `meta` (times with microseconds, `version` as
//! `W/"<id>/<n>"`, `location` when a base URL is given), a user's `groups` (`value`,
//! `$ref`, `display`, `type: "direct"`) and a group's `members` (`value`, `$ref`,
//! `display`, `type: "User"`).

use scim_proto::render::{self, Meta, Reference};
use serde_json::Value;

use crate::model::{Group, GroupRef, MemberRef, User};

/// A user as a SCIM resource, with the given groups (omitted when empty).
/// `base_url` (for example `https://host/scim/v2/acme`) gives `meta.location` and
/// `groups[].$ref`.
pub fn user(user: &User, groups: &[GroupRef], base_url: Option<&str>) -> Value {
    let groups = groups.iter().map(|g| Reference {
        id: &g.group_id,
        display: Some(&g.display_name),
    });
    let meta = Meta {
        created: user.created,
        last_modified: user.last_modified,
        version: user.version,
    };
    render::user(&user.id, &user.resource, groups, &meta, base_url)
}

/// A group as a SCIM resource; `members` is added when given (even if empty).
pub fn group(group: &Group, members: Option<&[MemberRef]>, base_url: Option<&str>) -> Value {
    let members = members.map(|members| {
        members.iter().map(|m| Reference {
            id: &m.user_id,
            display: m.display_name.as_deref(),
        })
    });
    let meta = Meta {
        created: group.created,
        last_modified: group.last_modified,
        version: group.version,
    };
    render::group(&group.id, &group.resource, members, &meta, base_url)
}
