//! Role locks: set or cleared, each followed by the user's recomputation.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use scim_store::{RoleLock, Visibility, WriteTx};
use serde::Serialize;

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::events::{Event, Recorder};
use crate::roles::{GuardPolicy, recompute};
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::users::{find_user, locked_user};

use super::users::{SubAccount, sub_account};

/// A user's lock, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LockInfo {
    /// The frozen role.
    pub role: String,
    /// Who set it.
    pub by: String,
    /// When.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: Option<String>,
}

pub(super) fn lock_info(lock: &RoleLock) -> LockInfo {
    LockInfo {
        role: lock.role.clone(),
        by: lock.by.clone(),
        at: lock.at,
        reason: lock.reason.clone(),
    }
}

/// A lock being set or cleared, with the event that records it.
struct LockChange<'a> {
    lock: Option<&'a RoleLock>,
    event: Event<'a>,
}

impl Provisioning {
    /// Sets a role lock. `role` defaults to the user's current role.
    pub fn set_lock(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        user_id: &str,
        role: Option<&str>,
        reason: Option<&str>,
    ) -> Result<SubAccount> {
        let now = self.now();
        self.write(|tx| {
            // The catalogue and rules as committed now, kept until this commits.
            let fresh = self.current_context(tx, &tenant.id)?;
            let user = locked_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            let role = role
                .map(str::to_owned)
                .or_else(|| user.role.clone())
                .unwrap_or_else(|| fresh.engine.rules().default_role.clone());
            if !fresh.catalogue.contains(&role) {
                return Err(Error::Invalid(format!(
                    "role '{role}' is not in the tenant's catalogue"
                )));
            }
            let lock = RoleLock {
                role: role.clone(),
                by: ctx.actor.name(),
                at: now,
                reason: reason.map(str::to_owned),
            };
            let change = LockChange {
                lock: Some(&lock),
                event: Event::LockSet {
                    user: user_id,
                    previous: user.lock.as_ref().map(|l| l.role.as_str()),
                    lock: &lock,
                },
            };
            self.change_lock(tx, &fresh, ctx, user_id, change, now)
        })
    }

    /// Clears a role lock; the user's role is recomputed from the rules.
    pub fn clear_lock(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        user_id: &str,
    ) -> Result<SubAccount> {
        let now = self.now();
        self.write(|tx| {
            let user = locked_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            match &user.lock {
                Some(lock) => {
                    let change = LockChange {
                        lock: None,
                        event: Event::LockCleared {
                            user: user_id,
                            role: &lock.role,
                        },
                    };
                    let fresh = self.current_context(tx, &tenant.id)?;
                    self.change_lock(tx, &fresh, ctx, user_id, change, now)
                }
                None => sub_account(tx, &user),
            }
        })
    }

    /// Stores the changed lock, records its event and recomputes the user's
    /// role, in the caller's transaction; `tenant` is the context read in it.
    fn change_lock(
        &self,
        tx: &mut WriteTx<'_>,
        tenant: &TenantContext,
        ctx: &RequestContext,
        user_id: &str,
        change: LockChange<'_>,
        now: DateTime<Utc>,
    ) -> Result<SubAccount> {
        tx.tenant(&tenant.id)
            .users()
            .set_lock(user_id, change.lock)?;
        Recorder::new(&tenant.id, ctx, now).append(tx, change.event)?;
        recompute(
            tx,
            tenant,
            ctx,
            BTreeSet::from([user_id.to_owned()]),
            GuardPolicy::Enforce,
            now,
        )?;
        let user = find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
        sub_account(tx, &user)
    }
}
