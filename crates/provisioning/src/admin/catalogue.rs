//! The role catalogue.

use role_engine::Catalogue;
use scim_store::{AdminUserQuery, TenantUpdate};

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::service::Provisioning;
use crate::tenant::{TenantContext, parse_rules};

use super::tenants::change_tenant;
use crate::events::{Recorder, TenantPart};

impl Provisioning {
    /// Replaces the role catalogue. Refused while the rules, the guard or a lock
    /// still use a role it drops (preview the removal first).
    pub fn set_catalogue(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        catalogue: Catalogue,
    ) -> Result<Catalogue> {
        let now = self.now();
        let value = serde_json::to_value(&catalogue)?;
        let before = serde_json::to_value(&tenant.catalogue)?;
        self.write(|tx| {
            let update = TenantUpdate {
                role_catalogue: Some(value.clone()),
                ..TenantUpdate::default()
            };
            // The change comes first: it takes the tenant's exclusive write gate, so
            // the rules and locks checked below are the committed ones and stay so
            // until this commits; a failed check rolls it back.
            let stored = change_tenant(
                tx,
                &Recorder::new(&tenant.id, ctx, now),
                &update,
                TenantPart::Catalogue,
                &before,
                &value,
            )?;
            let rules = parse_rules(&stored.rule_set)?;
            let mut used: Vec<&str> = vec![rules.default_role.as_str()];
            used.extend(rules.rules.iter().map(|r| r.role.as_str()));
            used.extend(rules.guard.iter().map(|g| g.role.as_str()));
            if let Some(missing) = used.into_iter().find(|r| !catalogue.contains(r)) {
                return Err(Error::Invalid(format!(
                    "role '{missing}' is still used by the rule set; change the rules before removing it"
                )));
            }
            let locked = tx.tenant(&tenant.id).users().admin_list(&AdminUserQuery {
                    locked: Some(true),
                    count: u64::MAX,
                    ..AdminUserQuery::default()
                })?;
            if let Some(user) = locked.items.iter().find(|u| {
                u.lock
                    .as_ref()
                    .is_some_and(|l| !catalogue.contains(&l.role))
            }) {
                return Err(Error::Invalid(format!(
                    "user '{}' is locked to a role the new catalogue drops; clear the lock first",
                    user.user_name
                )));
            }
            Ok(())
        })?;
        Ok(catalogue)
    }
}
