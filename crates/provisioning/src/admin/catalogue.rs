//! The role catalogue.

use role_engine::{Catalogue, RuleSet};
use scim_store::{AdminUserQuery, TenantUpdate, WriteTx};

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::service::Provisioning;
use crate::tenant::{TenantContext, decision_inputs, parse_catalogue};
use crate::users::check_version;

use super::tenants::change_tenant;
use super::versions::{locked_row, part_version};
use crate::events::{Recorder, TenantPart};

/// Refuses a catalogue that drops a role `rules` or a lock of the tenant still
/// uses. Run inside the transaction that stores the catalogue, after it took
/// the tenant's exclusive write gate, so the locks checked stay as they are.
pub(super) fn check_roles_in_use(
    tx: &mut WriteTx<'_>,
    tenant_id: &str,
    catalogue: &Catalogue,
    rules: &RuleSet,
) -> Result<()> {
    let mut used: Vec<&str> = vec![rules.default_role.as_str()];
    used.extend(rules.rules.iter().map(|r| r.role.as_str()));
    used.extend(rules.guard.iter().map(|g| g.role.as_str()));
    if let Some(missing) = used.into_iter().find(|r| !catalogue.contains(r)) {
        return Err(Error::Invalid(format!(
            "role '{missing}' is still used by the rule set; change the rules before removing it, or send the catalogue with the rules in one PUT .../rules"
        )));
    }
    let locked = tx.tenant(tenant_id).users().admin_list(&AdminUserQuery {
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
}

impl Provisioning {
    /// Replaces the role catalogue. Refused while the rules, the guard or a lock
    /// still use a role it drops (preview the removal first), and when
    /// `expected` (`If-Match`) does not name the stored catalogue's version.
    pub fn set_catalogue(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        catalogue: Catalogue,
        expected: Option<&[i64]>,
    ) -> Result<Catalogue> {
        let now = self.now();
        let value = serde_json::to_value(&catalogue)?;
        let before = serde_json::to_value(&tenant.catalogue)?;
        self.write(|tx| {
            if expected.is_some() {
                let row = locked_row(tx, &tenant.id, now)?;
                check_version(
                    part_version(&parse_catalogue(&row.role_catalogue)?)?,
                    expected,
                )?;
            }
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
            check_roles_in_use(tx, &tenant.id, &catalogue, &decision_inputs(&stored)?.1)
        })?;
        Ok(catalogue)
    }
}
