//! One user as its page shows it: the sub-accounts row, the identity
//! provider's external id, the full explanation of its role, the lock's
//! entity tag and the roles a lock may name.

use role_engine::DISABLED;
use scim_store::Visibility;
use serde_json::Value;

use crate::error::Result;
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::users::find_user;

use super::locks::lock_version;
use super::users::{SubAccount, sub_account};

/// A user with everything its page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct UserDetail {
    /// The user as the sub-accounts list shows it (status, role, lock, groups).
    pub account: SubAccount,
    /// `externalId`: the identity provider's own id for the user.
    pub external_id: Option<String>,
    /// The explanation of its role ([`Provisioning::explain_user`]).
    pub explanation: Value,
    /// The lock's entity-tag version, for a lock change made on what was shown.
    pub lock_version: i64,
    /// The roles a lock may name: the catalogue's, then `Disabled`.
    pub lockable_roles: Vec<String>,
}

impl Provisioning {
    /// One user with its explanation, lock version and the roles a lock may
    /// name; a user the identity provider deleted is found too.
    pub fn user_detail(&self, tenant: &TenantContext, user_id: &str) -> Result<UserDetail> {
        let (account, external_id) = self.read(|tx| {
            let user = find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            Ok((sub_account(tx, &user)?, user.external_id))
        })?;
        let explanation = self.explain_user(tenant, user_id)?;
        let mut lockable_roles: Vec<String> = tenant
            .catalogue
            .roles
            .iter()
            .map(|r| r.name.clone())
            .filter(|name| name != DISABLED)
            .collect();
        lockable_roles.push(DISABLED.to_owned());
        Ok(UserDetail {
            lock_version: lock_version(account.lock.as_ref()),
            account,
            external_id,
            explanation,
            lockable_roles,
        })
    }
}
