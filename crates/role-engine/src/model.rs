//! The serialisable inputs: rule sets, role catalogues and user snapshots.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// The built-in role of deleted and deactivated users. It needs no catalogue entry.
pub const DISABLED: &str = "Disabled";

/// A tenant's rule set: default role, ordered rules, settings and guard.
///
/// It is plain data, stored by the application and kept in version control by
/// operators; [`Engine::new`](crate::Engine::new) checks and compiles it.
///
/// In TOML:
///
/// ```
/// use role_engine::RuleSet;
///
/// let rules = RuleSet::from_toml(r#"
///     default_role = "Viewer"
///     lock_survives_deactivation = false
///     guard = { role = "Admin" }
///
///     [[rule]]
///     name = "staff"
///     group = { id = "0c2f6a1e", label = "Employees" }
///     role = "Loanee"
///
///     [[rule]]
///     filter = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT"'
///     role = "Technician"
/// "#)?;
/// assert_eq!(rules.rules.len(), 2);
/// assert_eq!(RuleSet::from_json(&rules.to_json()?)?, rules);
/// assert_eq!(RuleSet::from_toml(&rules.to_toml()?)?, rules);
/// # Ok::<(), role_engine::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// The role of a user no rule matches (in no group, or only in unmapped groups).
    pub default_role: String,
    /// Whether a role lock outlives deactivation in the identity provider. By
    /// default (`false`) deactivation wins and a locked user becomes `Disabled`.
    #[serde(default)]
    pub lock_survives_deactivation: bool,
    /// Last-holder protection: never leave the tenant without an active user in a role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<Guard>,
    /// The rules, in order: the first that matches decides. `"rules"` in JSON,
    /// `[[rule]]` sections in TOML.
    #[serde(default, rename = "rules", alias = "rule")]
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// A rule set with only a default role.
    pub fn new(default_role: impl Into<String>) -> RuleSet {
        RuleSet {
            default_role: default_role.into(),
            lock_survives_deactivation: false,
            guard: None,
            rules: Vec::new(),
        }
    }

    /// The same rule set with one more rule at the end.
    #[must_use]
    pub fn with_rule(mut self, rule: Rule) -> RuleSet {
        self.rules.push(rule);
        self
    }

    /// Gives every rule without an id one: the id of an unclaimed rule of
    /// `previous` that says the same (so that re-uploading a file without ids
    /// keeps them), else a fresh one from `new_id`. Ids already present are kept
    /// as they are ([`validate`](crate::validate) reports duplicates).
    pub fn assign_rule_ids(&mut self, previous: &RuleSet, mut new_id: impl FnMut() -> String) {
        let taken: Vec<String> = self.rules.iter().filter_map(|r| r.id.clone()).collect();
        let mut claimable: Vec<&Rule> = previous
            .rules
            .iter()
            .filter(|r| r.id.as_ref().is_some_and(|id| !taken.contains(id)))
            .collect();
        for rule in self.rules.iter_mut().filter(|r| r.id.is_none()) {
            rule.id = match claimable.iter().position(|p| p.same_content(rule)) {
                Some(i) => claimable.remove(i).id.clone(),
                None => Some(new_id()),
            };
        }
    }

    /// The position (counting from 1) of the rule with this id.
    pub fn position_of(&self, id: &str) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.id.as_deref() == Some(id))
            .map(|i| i + 1)
    }

    /// Reads a rule set from TOML.
    pub fn from_toml(text: &str) -> Result<RuleSet> {
        toml::from_str(text).map_err(|e| Error::Toml(e.to_string()))
    }

    /// Writes the rule set as TOML, in the layout of the reading example:
    /// settings first, then one `[[rule]]` table per rule with its group as an
    /// inline table.
    pub fn to_toml(&self) -> Result<String> {
        render_toml(self)
    }

    /// Reads a rule set from JSON.
    pub fn from_json(text: &str) -> Result<RuleSet> {
        serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))
    }

    /// Writes the rule set as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Json(e.to_string()))
    }

    /// The rule set after removing `role` from the catalogue: rules giving it are
    /// dropped, so its users fall back by the remaining rules.
    ///
    /// Refused for the built-in `Disabled`, for the default role and for the
    /// guarded role: the operator must choose a replacement first.
    pub fn without_role(&self, role: &str) -> Result<RuleSet> {
        if role == DISABLED {
            return Err(Error::BuiltInRole);
        }
        if self.default_role == role {
            return Err(Error::RemovesDefaultRole {
                role: role.to_owned(),
            });
        }
        if self.guard.as_ref().is_some_and(|g| g.role == role) {
            return Err(Error::RemovesGuardedRole {
                role: role.to_owned(),
            });
        }
        let mut edited = self.clone();
        edited.rules.retain(|r| r.role != role);
        Ok(edited)
    }
}

/// One rule: a condition and the role it gives.
///
/// The condition is membership in a group, a SCIM filter over the user resource,
/// or both (then both must hold). A rule with neither is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The rule's stable id: the server gives one to a rule saved without it and
    /// keeps it across saves, so explanations, events and the admin API can name
    /// the rule whatever its position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// An optional name, shown in explanations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The group the user must belong to, by its stable id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupRef>,
    /// A SCIM filter the user resource must match, e.g. `title co "Manager"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The role given when the condition holds.
    pub role: String,
}

impl Rule {
    /// `member of group -> role`.
    pub fn group(group: GroupRef, role: impl Into<String>) -> Rule {
        Rule {
            id: None,
            name: None,
            group: Some(group),
            filter: None,
            role: role.into(),
        }
    }

    /// `user matches filter -> role`.
    pub fn filter(filter: impl Into<String>, role: impl Into<String>) -> Rule {
        Rule {
            id: None,
            name: None,
            group: None,
            filter: Some(filter.into()),
            role: role.into(),
        }
    }

    /// The same rule with a filter added to its condition.
    #[must_use]
    pub fn and_filter(mut self, filter: impl Into<String>) -> Rule {
        self.filter = Some(filter.into());
        self
    }

    /// The same rule with a name.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Rule {
        self.name = Some(name.into());
        self
    }

    /// The same rule with an id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Rule {
        self.id = Some(id.into());
        self
    }

    /// Whether both rules say the same, ids aside.
    fn same_content(&self, other: &Rule) -> bool {
        self.name == other.name
            && self.group.as_ref().map(|g| &g.id) == other.group.as_ref().map(|g| &g.id)
            && self.filter == other.filter
            && self.role == other.role
    }
}

/// A reference to a group by its stable server id, with an optional display label.
///
/// Only the id takes part in decisions, so renaming a group in the identity
/// provider keeps the mapping. The label is for people; explanations prefer the
/// group's current name when the caller supplies one (see [`GroupNames`]).
///
/// In TOML either `group = "0c2f6a1e"` or `group = { id = "0c2f6a1e", label = "Employees" }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(from = "GroupRefRepr")]
pub struct GroupRef {
    /// The group's stable id.
    pub id: String,
    /// A human label, usually the display name when the rule was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl GroupRef {
    /// A reference by id only.
    pub fn id(id: impl Into<String>) -> GroupRef {
        GroupRef {
            id: id.into(),
            label: None,
        }
    }

    /// A reference by id with a label.
    pub fn labelled(id: impl Into<String>, label: impl Into<String>) -> GroupRef {
        GroupRef {
            id: id.into(),
            label: Some(label.into()),
        }
    }

    /// The label, or the id when there is none.
    pub fn shown(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.id)
    }
}

impl fmt::Display for GroupRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown())
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum GroupRefRepr {
    Id(String),
    #[serde(rename_all = "snake_case")]
    Full {
        id: String,
        #[serde(default)]
        label: Option<String>,
    },
}

impl From<GroupRefRepr> for GroupRef {
    fn from(repr: GroupRefRepr) -> GroupRef {
        match repr {
            GroupRefRepr::Id(id) => GroupRef { id, label: None },
            GroupRefRepr::Full { id, label } => GroupRef { id, label },
        }
    }
}

/// Current display names of groups, by id, used by explanations so that a
/// renamed group shows its new name.
///
/// Implemented for maps from id to name and for `()` (no names: rule labels are used).
pub trait GroupNames {
    /// The current display name of the group with this id, if known.
    fn name_of(&self, id: &str) -> Option<&str>;
}

impl GroupNames for () {
    fn name_of(&self, _id: &str) -> Option<&str> {
        None
    }
}

impl<S: std::hash::BuildHasher> GroupNames for std::collections::HashMap<String, String, S> {
    fn name_of(&self, id: &str) -> Option<&str> {
        self.get(id).map(String::as_str)
    }
}

impl GroupNames for BTreeMap<String, String> {
    fn name_of(&self, id: &str) -> Option<&str> {
        self.get(id).map(String::as_str)
    }
}

/// A group as the identity provider pushed it: what [`validate`](crate::validate)
/// checks a rule's group reference against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedGroup {
    /// The group's stable id, what rules reference.
    pub id: String,
    /// Its display name (for a deleted group: the last one it had).
    pub display_name: String,
}

impl PushedGroup {
    /// A group with this id and display name.
    pub fn new(id: impl Into<String>, display_name: impl Into<String>) -> PushedGroup {
        PushedGroup {
            id: id.into(),
            display_name: display_name.into(),
        }
    }
}

/// The groups of a tenant as far as rules are concerned: those the identity
/// provider pushed and still has, and those it deleted since.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedGroups {
    /// The groups that exist.
    pub current: Vec<PushedGroup>,
    /// Groups the identity provider deleted (only those rules may still name
    /// need be given).
    pub deleted: Vec<PushedGroup>,
}

/// "Never leave the tenant without an active user in this role."
///
/// [`validate`](crate::validate) reports a rule set under which the current
/// users would break it, and [`Guard::check`] tells the provisioning layer
/// whether a pending change would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Guard {
    /// The protected role, typically the application's admin role.
    pub role: String,
}

/// One role of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    /// The role's name, matched exactly.
    pub name: String,
    /// Whether the role grants elevated rights; such roles are flagged, e.g. as a default role.
    #[serde(default)]
    pub privileged: bool,
}

impl RoleDef {
    /// An ordinary role.
    pub fn new(name: impl Into<String>) -> RoleDef {
        RoleDef {
            name: name.into(),
            privileged: false,
        }
    }

    /// A privileged role.
    pub fn privileged(name: impl Into<String>) -> RoleDef {
        RoleDef {
            name: name.into(),
            privileged: true,
        }
    }
}

/// A tenant's roles. The built-in `Disabled` is always part of it implicitly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// The roles. `[[role]]` in TOML.
    #[serde(default, rename = "roles", alias = "role")]
    pub roles: Vec<RoleDef>,
}

impl Catalogue {
    /// A catalogue of the given roles.
    pub fn new(roles: impl IntoIterator<Item = RoleDef>) -> Catalogue {
        Catalogue {
            roles: roles.into_iter().collect(),
        }
    }

    /// Whether `role` exists (the built-in `Disabled` always does).
    pub fn contains(&self, role: &str) -> bool {
        role == DISABLED || self.roles.iter().any(|r| r.name == role)
    }

    /// Whether `role` is marked privileged.
    pub fn is_privileged(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.name == role && r.privileged)
    }
}

/// A role lock: the user's role is frozen whatever groups or rules say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// The frozen role.
    pub role: String,
    /// Who locked it.
    pub by: String,
    /// When, as given by the caller.
    pub at: DateTime<Utc>,
    /// Why, if said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Everything the engine needs to know about one user.
///
/// ```
/// use role_engine::UserSnapshot;
/// use serde_json::json;
///
/// let user = UserSnapshot::new(json!({"id": "u1", "userName": "ada", "active": false}))
///     .with_groups(["g-employees"]);
/// assert!(!user.is_active());
/// assert_eq!(user.user_name(), Some("ada"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSnapshot {
    /// The user in canonical SCIM form (see `scim-proto`); `active` absent means active.
    pub resource: Value,
    /// Ids of the groups the user belongs to, in any order.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The role lock, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<Lock>,
    /// Whether the identity provider deleted the user (soft delete).
    #[serde(default)]
    pub deleted: bool,
}

impl UserSnapshot {
    /// An unlocked, not deleted user in no group.
    pub fn new(resource: Value) -> UserSnapshot {
        UserSnapshot {
            resource,
            groups: Vec::new(),
            lock: None,
            deleted: false,
        }
    }

    /// The same user in these groups (replacing any before).
    #[must_use]
    pub fn with_groups<I, S>(mut self, groups: I) -> UserSnapshot
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups = groups.into_iter().map(Into::into).collect();
        self
    }

    /// The same user with a lock.
    #[must_use]
    pub fn with_lock(mut self, lock: Lock) -> UserSnapshot {
        self.lock = Some(lock);
        self
    }

    /// The same user, marked deleted or not.
    #[must_use]
    pub fn with_deleted(mut self, deleted: bool) -> UserSnapshot {
        self.deleted = deleted;
        self
    }

    /// The same user with `active` set.
    #[must_use]
    pub fn with_active(mut self, active: bool) -> UserSnapshot {
        if let Value::Object(map) = &mut self.resource {
            map.insert("active".to_owned(), Value::Bool(active));
        }
        self
    }

    /// Whether the resource's `active` flag allows the user in. Absent means
    /// active; `false` (or the string `"false"` in any case, which some clients
    /// send) means inactive.
    pub fn is_active(&self) -> bool {
        match self.resource.get("active") {
            Some(Value::Bool(active)) => *active,
            Some(Value::String(s)) => !s.eq_ignore_ascii_case("false"),
            _ => true,
        }
    }

    /// The resource's `id`, if it has one.
    pub fn id(&self) -> Option<&str> {
        self.resource.get("id").and_then(Value::as_str)
    }

    /// The resource's `userName`, if it has one.
    pub fn user_name(&self) -> Option<&str> {
        self.resource.get("userName").and_then(Value::as_str)
    }

    /// Whether the user belongs to the group with this id.
    pub fn in_group(&self, id: &str) -> bool {
        self.groups.iter().any(|g| g == id)
    }
}

#[cfg(test)]
mod tests;

/// The one spelling of a rule file's sections in TOML: each `[[rule]]`,
/// `[[role]]` and `[[case]]` section is one element of the JSON array named in
/// the plural. Readers accept either spelling in either format.
const TOML_SECTIONS: [(&str, &str); 3] = [("rules", "rule"), ("roles", "role"), ("cases", "case")];

/// Writes `value` as TOML with every nested table inline except the elements
/// of top-level arrays of tables, which become `[[key]]` sections (named in the
/// singular, [`TOML_SECTIONS`]): the hand-written layout, rather than
/// `[rules.group]` sub-tables.
pub(crate) fn render_toml<T: Serialize>(value: &T) -> Result<String> {
    use std::fmt::Write;

    let table = toml::Table::try_from(value).map_err(|e| Error::Toml(e.to_string()))?;
    let sections = |v: &toml::Value| match v {
        toml::Value::Array(items) => !items.is_empty() && items.iter().all(toml::Value::is_table),
        _ => false,
    };
    let mut out = String::new();
    for (key, v) in table.iter().filter(|(_, v)| !sections(v)) {
        let _ = writeln!(out, "{} = {v}", toml_key(key));
    }
    for (key, v) in table.iter().filter(|(_, v)| sections(v)) {
        let section = TOML_SECTIONS
            .iter()
            .find(|(plural, _)| plural == key)
            .map_or(key.as_str(), |(_, singular)| singular);
        for item in v.as_array().into_iter().flatten() {
            let _ = write!(out, "\n[[{}]]\n", toml_key(section));
            for (field, v) in item.as_table().into_iter().flatten() {
                let _ = writeln!(out, "{} = {v}", toml_key(field));
            }
        }
    }
    Ok(out)
}

/// A bare key where TOML allows one, else a quoted one.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_owned()
    } else {
        toml::Value::String(key.to_owned()).to_string()
    }
}
