//! Users as the admin API sees them: the sub-accounts list, the explanation
//! of a user's role and the engine's decision for it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use role_engine::{Decision, Reason};
use scim_store::{AdminUserQuery, User, UserStatus, Visibility};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::roles::snapshot;
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::users::find_user;

use super::locks::{LockInfo, lock_info};

/// One row of the sub-accounts list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubAccount {
    /// User id.
    pub id: String,
    /// `userName`.
    pub user_name: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `active`, `inactive` or `deleted`.
    pub status: &'static str,
    /// Current role.
    pub role: Option<String>,
    /// Why, in one line.
    pub reason: Option<String>,
    /// Why, structured (the role engine's reason).
    pub reason_detail: Option<Value>,
    /// The lock, if any.
    pub lock: Option<LockInfo>,
    /// Last SCIM change.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub last_modified: DateTime<Utc>,
    /// When the identity provider deleted it (soft delete).
    #[serde(serialize_with = "crate::time_format::serialize_option")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// One page of the sub-accounts list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubAccountPage {
    /// Users matching over all pages.
    pub total: u64,
    /// This page.
    pub users: Vec<SubAccount>,
}

/// Filters of the sub-accounts list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubAccountQuery {
    /// Only this role.
    pub role: Option<String>,
    /// Only this status: `active`, `inactive` or `deleted`.
    pub status: Option<String>,
    /// Only locked / unlocked users.
    pub locked: Option<bool>,
    /// 0-based offset.
    pub offset: u64,
    /// Page size.
    pub count: u64,
}

pub(super) fn status_of(user: &User) -> &'static str {
    if user.deleted_at.is_some() {
        "deleted"
    } else if user.active == Some(false) {
        "inactive"
    } else {
        "active"
    }
}

fn reason_line(user: &User) -> Option<String> {
    let reason: Reason = serde_json::from_value(user.role_reason.clone()?).ok()?;
    Some(reason.to_string())
}

pub(super) fn sub_account(user: &User) -> SubAccount {
    SubAccount {
        id: user.id.clone(),
        user_name: user.user_name.clone(),
        display_name: user.display_name.clone(),
        status: status_of(user),
        role: user.role.clone(),
        reason: reason_line(user),
        reason_detail: user.role_reason.clone(),
        lock: user.lock.as_ref().map(lock_info),
        last_modified: user.last_modified,
        deleted_at: user.deleted_at,
    }
}

impl Provisioning {
    /// The full explanation of a user's role.
    pub fn explain_user(&self, tenant: &TenantContext, user_id: &str) -> Result<Value> {
        let (user, groups) = self.read(|tx| {
            let user = find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            let groups = tx.tenant(&tenant.id).groups().of_user(user_id)?;
            Ok((user, groups))
        })?;
        let names: HashMap<String, String> = groups
            .iter()
            .map(|g| (g.group_id.clone(), g.display_name.clone()))
            .collect();
        let snap = snapshot(&user, groups.into_iter().map(|g| g.group_id).collect());
        let explanation = tenant.engine.explain(&snap, &names);
        let mut value = serde_json::to_value(&explanation)?;
        value["text"] = Value::String(explanation.to_string());
        Ok(value)
    }

    /// The sub-accounts list: every provisioned user with status, role, why, lock
    /// and last change.
    pub fn sub_accounts(
        &self,
        tenant: &TenantContext,
        query: &SubAccountQuery,
    ) -> Result<SubAccountPage> {
        let status = match query.status.as_deref() {
            None | Some("") => None,
            Some("active") => Some(UserStatus::Active),
            Some("inactive") => Some(UserStatus::Inactive),
            Some("deleted") => Some(UserStatus::Deleted),
            Some(other) => {
                return Err(Error::Invalid(format!(
                    "status must be active, inactive or deleted, not '{other}'"
                )));
            }
        };
        let page = self.read(|tx| {
            Ok(tx.tenant(&tenant.id).users().admin_list(&AdminUserQuery {
                role: query.role.clone(),
                status,
                locked: query.locked,
                offset: query.offset,
                count: query.count.min(self.options.max_page_size),
            })?)
        })?;
        Ok(SubAccountPage {
            total: page.total,
            users: page.items.iter().map(sub_account).collect(),
        })
    }

    /// One user of the sub-accounts list.
    pub fn sub_account(&self, tenant: &TenantContext, user_id: &str) -> Result<SubAccount> {
        let user =
            self.read(|tx| find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted))?;
        Ok(sub_account(&user))
    }

    /// The decision the engine gives a user now (for tests and tools).
    pub fn decide_user(&self, tenant: &TenantContext, user_id: &str) -> Result<Decision> {
        let snap = self.read(|tx| {
            let user = find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            let groups = tx
                .tenant(&tenant.id)
                .groups()
                .of_user(user_id)?
                .into_iter()
                .map(|g| g.group_id)
                .collect();
            Ok(snapshot(&user, groups))
        })?;
        Ok(tenant.engine.decide(&snap))
    }
}
