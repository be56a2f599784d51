//! Tenant settings: replaced whole (`PUT`) or merged (`PATCH`: fields left out
//! keep their values).

use scim_store::TenantUpdate;
use serde_json::{Map, Value};

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::service::Provisioning;
use crate::tenant::{TenantContext, TenantSettings, decision_inputs};
use crate::users::check_version;

use super::rules::{RulesEdit, RulesRun};
use super::tenants::change_tenant;
use super::versions::{locked_row, part_version};
use crate::events::{Recorder, TenantPart};
use crate::progress::Progress;

/// `patch` merged into `current`: each field given replaces the current one.
fn merged(current: &TenantSettings, patch: &Map<String, Value>) -> Result<TenantSettings> {
    let mut value = serde_json::to_value(current)?;
    if let Value::Object(fields) = &mut value {
        for (key, v) in patch {
            fields.insert(key.clone(), v.clone());
        }
    }
    serde_json::from_value(value).map_err(|e| Error::Invalid(format!("invalid settings: {e}")))
}

impl Provisioning {
    /// Replaces a tenant's settings (`expected`: the `If-Match` versions).
    pub fn set_settings(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        settings: TenantSettings,
        expected: Option<&[i64]>,
    ) -> Result<TenantSettings> {
        self.store_settings(tenant, ctx, expected, |_| Ok(settings.clone()))
    }

    /// Merges `patch` into a tenant's settings: fields left out keep their
    /// values, an unknown field or a wrong type changes nothing (`expected`:
    /// the `If-Match` versions).
    pub fn patch_settings(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        patch: &Map<String, Value>,
        expected: Option<&[i64]>,
    ) -> Result<TenantSettings> {
        self.store_settings(tenant, ctx, expected, |current| merged(current, patch))
    }

    /// Stores `edit` of the committed settings, read under the tenant's
    /// exclusive write gate so that two merges never lose each other's fields.
    /// A change to the settings roles are decided with (`guard`,
    /// `lock_survives_deactivation`) is a rule-set edit: validated (a guard the
    /// users would break is refused) and saved with every user decided again.
    fn store_settings(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        expected: Option<&[i64]>,
        edit: impl Fn(&TenantSettings) -> Result<TenantSettings>,
    ) -> Result<TenantSettings> {
        let proposed = edit(&tenant.settings)?;
        if !proposed.same_policy(&tenant.settings) {
            check_version(part_version(&tenant.settings)?, expected)?;
            let mut rules = tenant.engine.rules().clone();
            proposed.apply_policy(&mut rules);
            let mut rules_edit = RulesEdit::rules(rules);
            rules_edit.expected = Some(vec![part_version(tenant.engine.rules())?]);
            rules_edit.settings = Some(proposed.clone());
            let outcome =
                self.set_rules(tenant, ctx, rules_edit, RulesRun::Save(Progress::default()))?;
            if !outcome.saved {
                let errors: Vec<String> = outcome
                    .problems
                    .iter()
                    .filter(|p| p.is_error())
                    .map(ToString::to_string)
                    .collect();
                return Err(Error::Invalid(format!(
                    "the settings were not changed: {}",
                    errors.join("; ")
                )));
            }
            return Ok(proposed);
        }
        let now = self.now();
        self.write(|tx| {
            let row = locked_row(tx, &tenant.id, now)?;
            let current = decision_inputs(&row)?.0;
            check_version(part_version(&current)?, expected)?;
            let settings = edit(&current)?;
            let value = serde_json::to_value(&settings)?;
            let update = TenantUpdate {
                settings: Some(value.clone()),
                ..TenantUpdate::default()
            };
            change_tenant(
                tx,
                &Recorder::new(&tenant.id, ctx, now),
                &update,
                TenantPart::Settings,
                &serde_json::to_value(&current)?,
                &value,
            )?;
            Ok(settings)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::merged;
    use crate::tenant::{TenantSettings, UserDeleteMode};

    #[test]
    fn a_merge_keeps_the_fields_left_out() {
        let current = TenantSettings {
            user_delete: UserDeleteMode::Hard,
            ..TenantSettings::default()
        };
        let patch = json!({"strict_attributes": true});
        let out = merged(&current, patch.as_object().unwrap()).unwrap();
        assert_eq!(out.user_delete, UserDeleteMode::Hard);
        assert!(out.strict_attributes);
        let typo = json!({"strict_atributes": true});
        assert!(merged(&current, typo.as_object().unwrap()).is_err());
    }
}
