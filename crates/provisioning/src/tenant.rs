//! A tenant as the use cases see it: settings, role catalogue and compiled rules.

use std::sync::Arc;

use role_engine::{Catalogue, Engine, RoleDef, RuleSet};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::error::{Error, Result};

/// What a SCIM `DELETE /Users/{id}` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserDeleteMode {
    /// The user leaves SCIM views (404), its memberships end and its role becomes
    /// `Disabled`; the row, role history and app-side data stay. The default:
    /// a DELETE never silently destroys what the host application still needs.
    #[default]
    Soft,
    /// The user and its memberships are removed; only the event log remembers it.
    Hard,
}

/// Per-tenant settings, stored as JSON with the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantSettings {
    /// What a SCIM DELETE of a user does.
    pub user_delete: UserDeleteMode,
    /// Reject attributes no schema defines with `invalidValue` (default: ignore them).
    pub strict_attributes: bool,
}

/// The catalogue a new tenant starts with.
pub fn default_catalogue() -> Catalogue {
    Catalogue::new([RoleDef::privileged("Admin"), RoleDef::new("User")])
}

/// The rule set a new tenant starts with: everyone gets `User` until an admin maps groups.
pub fn default_rules() -> RuleSet {
    RuleSet::new("User")
}

/// A tenant ready for use: its stored row plus parsed settings and compiled rules.
#[derive(Debug, Clone)]
pub struct TenantContext {
    /// Tenant id.
    pub id: String,
    /// URL segment.
    pub slug: String,
    /// Name for humans.
    pub display_name: String,
    /// Settings.
    pub settings: TenantSettings,
    /// Role catalogue.
    pub catalogue: Catalogue,
    /// The compiled rule set.
    pub engine: Arc<Engine>,
}

impl TenantContext {
    /// Options for reading client resources under this tenant's settings.
    pub fn normalize_options(&self) -> scim_proto::normalize::NormalizeOptions {
        scim_proto::normalize::NormalizeOptions {
            unknown_attributes: if self.settings.strict_attributes {
                scim_proto::normalize::UnknownAttributes::Reject
            } else {
                scim_proto::normalize::UnknownAttributes::Ignore
            },
        }
    }
}

pub(crate) fn parse_settings(value: &serde_json::Value) -> Result<TenantSettings> {
    if value.is_null() {
        return Ok(TenantSettings::default());
    }
    serde_json::from_value(value.clone()).map_err(|source| Error::StoredData {
        what: "stored tenant settings",
        source,
    })
}

pub(crate) fn parse_catalogue(value: &serde_json::Value) -> Result<Catalogue> {
    if value.is_null() {
        return Ok(default_catalogue());
    }
    serde_json::from_value(value.clone()).map_err(|source| Error::StoredData {
        what: "stored role catalogue",
        source,
    })
}

pub(crate) fn parse_rules(value: &serde_json::Value) -> Result<RuleSet> {
    if value.is_null() {
        return Ok(default_rules());
    }
    let mut rules: RuleSet =
        serde_json::from_value(value.clone()).map_err(|source| Error::StoredData {
            what: "stored rule set",
            source,
        })?;
    // Rule sets stored before rules had ids: each rule is named by its position
    // and content until the next save keeps that id (`assign_rule_ids`).
    for (i, rule) in rules.rules.iter_mut().enumerate() {
        if rule.id.is_none() {
            let content = serde_json::to_vec(&(i, &*rule))?;
            let digest = sha2::Sha256::digest(content);
            let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            rule.id = Some(format!("r-{hex}"));
        }
    }
    Ok(rules)
}
