//! Role locks: set or cleared, each followed by the user's recomputation.
//!
//! A lock names its role explicitly (defaulting to the current role would
//! freeze a deactivated user in `Disabled` past its reactivation), `Disabled`
//! only when asked for in so many words, and never on a user the identity
//! provider deleted. A user's lock state has an entity tag ([`lock_version`]),
//! so two admins cannot overwrite each other's lock unnoticed.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use role_engine::DISABLED;
use scim_store::{RoleLock, Visibility, WriteTx};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::events::{Event, Recorder};
use crate::roles::{GuardPolicy, recompute};
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::users::{check_version, find_user, locked_user};

use super::users::{SubAccount, sub_account};

/// A user's lock, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl LockInfo {
    /// This lock's entity-tag version ([`lock_version`]).
    pub fn version(&self) -> i64 {
        version_of(&self.role, &self.by, self.at, self.reason.as_deref())
    }
}

/// The entity-tag version of a user's lock state: 0 without a lock, else a
/// number derived from everything the lock says, so any change to it (another
/// role, another setter, a new time) gives another tag.
pub fn lock_version(lock: Option<&LockInfo>) -> i64 {
    lock.map_or(0, LockInfo::version)
}

fn version_of(role: &str, by: &str, at: DateTime<Utc>, reason: Option<&str>) -> i64 {
    let mut hash = Sha256::new();
    for part in [
        role,
        by,
        &at.timestamp_micros().to_string(),
        reason.unwrap_or(""),
    ] {
        hash.update(part.as_bytes());
        // A separator that no part contains, so parts cannot shift into each other.
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // Positive and never 0 (the tag of "no lock").
    (i64::from_be_bytes(first) & i64::MAX).max(1)
}

/// What a lock request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequest {
    /// The role to freeze the user in; always explicit.
    pub role: String,
    /// Why, shown with the lock.
    pub reason: Option<String>,
    /// Whether `Disabled` is meant (a lock that keeps the user out even when
    /// the identity provider reactivates it).
    pub allow_disabled: bool,
}

/// A lock request refused for what it asks, not for how it is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockRefused {
    /// `Disabled` without `allow_disabled`.
    #[error(
        "locking a user as Disabled keeps it out even after the identity provider reactivates \
         it; send \"allow_disabled\": true if that is what you mean"
    )]
    DisabledNotAllowed,
    /// The user was deleted by the identity provider.
    #[error("user '{user}' was deleted by the identity provider; a lock on it would never apply")]
    UserDeleted {
        /// The user's id.
        user: String,
    },
}

pub(super) fn lock_info(lock: &RoleLock) -> LockInfo {
    LockInfo {
        role: lock.role.clone(),
        by: lock.by.clone(),
        at: lock.at,
        reason: lock.reason.clone(),
    }
}

fn current_version(user: &scim_store::User) -> i64 {
    user.lock
        .as_ref()
        .map_or(0, |l| version_of(&l.role, &l.by, l.at, l.reason.as_deref()))
}

/// A lock being set or cleared, with the event that records it.
struct LockChange<'a> {
    lock: Option<&'a RoleLock>,
    event: Event<'a>,
}

impl Provisioning {
    /// Sets a role lock; `expected` are the lock versions `If-Match` allows
    /// ([`lock_version`]).
    pub fn set_lock(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        user_id: &str,
        request: &LockRequest,
        expected: Option<&[i64]>,
    ) -> Result<SubAccount> {
        let now = self.now();
        self.write(|tx| {
            // The catalogue and rules as committed now, kept until this commits.
            let fresh = self.current_context(tx, &tenant.id)?;
            let user = locked_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            check_version(current_version(&user), expected)?;
            if user.deleted_at.is_some() {
                return Err(LockRefused::UserDeleted {
                    user: user_id.to_owned(),
                }
                .into());
            }
            let role = request.role.clone();
            if role == DISABLED && !request.allow_disabled {
                return Err(LockRefused::DisabledNotAllowed.into());
            }
            if !fresh.catalogue.contains(&role) {
                return Err(Error::Invalid(format!(
                    "role '{role}' is not in the tenant's catalogue"
                )));
            }
            let lock = RoleLock {
                role: role.clone(),
                by: ctx.actor.name(),
                at: now,
                reason: request.reason.clone(),
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
        expected: Option<&[i64]>,
    ) -> Result<SubAccount> {
        let now = self.now();
        self.write(|tx| {
            let user = locked_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            check_version(current_version(&user), expected)?;
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn lock(role: &str, reason: Option<&str>) -> LockInfo {
        LockInfo {
            role: role.into(),
            by: "admin".into(),
            at: Utc
                .timestamp_opt(1_700_000_000, 0)
                .single()
                .unwrap_or_default(),
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn lock_versions_follow_the_lock() {
        let admin = lock("Admin", None);
        assert_eq!(lock_version(None), 0);
        assert!(admin.version() > 0);
        assert_eq!(admin.version(), lock("Admin", None).version());
        assert_ne!(admin.version(), lock("Viewer", None).version());
        assert_ne!(admin.version(), lock("Admin", Some("x")).version());
        let mut later = lock("Admin", None);
        later.at += chrono::Duration::microseconds(1);
        assert_ne!(admin.version(), later.version());
        // Parts cannot shift into each other.
        assert_ne!(
            lock("Ad", Some("min")).version(),
            lock("Admin", None).version()
        );
    }
}
