//! A tenant as the use cases see it: settings, role catalogue and compiled rules.

use std::sync::Arc;

use role_engine::{Catalogue, Engine, Guard, RoleDef, RuleSet};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::error::{Error, Result};

/// What a SCIM `DELETE /Users/{id}` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct TenantSettings {
    /// What a SCIM DELETE of a user does.
    pub user_delete: UserDeleteMode,
    /// Reject attributes no schema defines with `invalidValue` (default: ignore them).
    pub strict_attributes: bool,
    /// Whether a role lock outlives deactivation in the identity provider. By
    /// default (`false`) deactivation wins and a locked user becomes `Disabled`.
    pub lock_survives_deactivation: bool,
    /// Last-holder protection: never leave the tenant without an active user in
    /// this role (`null`: none).
    pub guard: Option<Guard>,
}

impl TenantSettings {
    /// Whether `other` decides roles differently (the settings rules are
    /// decided with differ).
    pub(crate) fn same_policy(&self, other: &TenantSettings) -> bool {
        self.lock_survives_deactivation == other.lock_survives_deactivation
            && self.guard == other.guard
    }

    /// `rules` decided under these settings: the engine reads the two
    /// settings that change decisions from its rule set.
    pub(crate) fn apply_policy(&self, rules: &mut RuleSet) {
        rules.lock_survives_deactivation = self.lock_survives_deactivation;
        rules.guard.clone_from(&self.guard);
    }

    /// These settings with the policy `rules` carry (a rule file's).
    pub(crate) fn with_policy_of(mut self, rules: &RuleSet) -> TenantSettings {
        self.lock_survives_deactivation = rules.lock_survives_deactivation;
        self.guard.clone_from(&rules.guard);
        self
    }
}

/// The settings that used to be fields of the stored rule set.
const POLICY_KEYS: [&str; 2] = ["lock_survives_deactivation", "guard"];

/// A tenant row's settings and the rule set its engine decides with (the
/// stored rules under the settings' policy). Settings stored before the policy
/// moved there take it from the stored rule set.
pub(crate) fn decision_inputs(tenant: &scim_store::Tenant) -> Result<(TenantSettings, RuleSet)> {
    let mut settings_value = tenant.settings.clone();
    if let (serde_json::Value::Object(settings), serde_json::Value::Object(rules)) =
        (&mut settings_value, &tenant.rule_set)
    {
        for key in POLICY_KEYS {
            if let (false, Some(old)) = (settings.contains_key(key), rules.get(key)) {
                settings.insert(key.to_owned(), old.clone());
            }
        }
    }
    let settings = parse_settings(&settings_value)?;
    let mut rules = parse_rules(&tenant.rule_set)?;
    settings.apply_policy(&mut rules);
    Ok((settings, rules))
}

/// The rule set as stored: without the settings it is decided under.
pub(crate) fn stored_rules(rules: &RuleSet) -> Result<serde_json::Value> {
    let mut value = serde_json::to_value(rules)?;
    if let serde_json::Value::Object(fields) = &mut value {
        for key in POLICY_KEYS {
            fields.remove(key);
        }
    }
    Ok(value)
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

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use role_engine::Guard;
    use serde_json::{Value, json};

    use super::{TenantSettings, decision_inputs, stored_rules};

    fn row(settings: Value, rule_set: Value) -> scim_store::Tenant {
        scim_store::Tenant {
            id: "t".into(),
            slug: "t".into(),
            display_name: "t".into(),
            settings,
            role_catalogue: Value::Null,
            rule_set,
            created: DateTime::UNIX_EPOCH,
            updated: DateTime::UNIX_EPOCH,
            version: 1,
        }
    }

    /// A rule set stored when the guard and `lock_survives_deactivation` were
    /// its fields: the settings take them, and the rules decide with them.
    #[test]
    fn the_policy_moves_from_stored_rule_sets_to_the_settings() {
        let legacy = row(
            json!({"user_delete": "soft"}),
            json!({"default_role": "User", "lock_survives_deactivation": true, "guard": {"role": "Admin"}, "rules": []}),
        );
        let (settings, rules) = decision_inputs(&legacy).unwrap();
        let guard = Some(Guard {
            role: "Admin".into(),
        });
        assert!(settings.lock_survives_deactivation);
        assert_eq!(settings.guard, guard);
        assert!(rules.lock_survives_deactivation);
        assert_eq!(rules.guard, guard);
        // Stored without them; settings that name them win over old fields.
        let stored = stored_rules(&rules).unwrap();
        assert!(
            stored.get("guard").is_none() && stored.get("lock_survives_deactivation").is_none()
        );
        let moved = row(
            serde_json::to_value(TenantSettings::default()).unwrap(),
            legacy.rule_set.clone(),
        );
        let (settings, rules) = decision_inputs(&moved).unwrap();
        assert_eq!((settings.guard, rules.guard), (None, None));
        assert!(!rules.lock_survives_deactivation);
    }
}
