//! Users as the admin API sees them: the sub-accounts list, the explanation
//! of a user's role and the engine's decision for it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use role_engine::{Decision, Reason};
use scim_store::{GroupRef, ReadTx, User, UserOrder, UserSearch, UserStatus, Visibility};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::roles::snapshot;
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::users::find_user;

use super::locks::{LockInfo, lock_info};

/// A group a sub-account is a member of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberOf {
    /// Group id: what rules reference.
    pub id: String,
    /// Current display name.
    pub display_name: String,
}

/// One row of the sub-accounts list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubAccount {
    /// User id.
    pub id: String,
    /// `userName`.
    pub user_name: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `active`, `inactive` (deactivated by the IdP) or `deleted` (by the IdP).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: &'static str,
    /// Current role.
    pub role: Option<String>,
    /// Why, in one line.
    pub reason: Option<String>,
    /// Why, structured (the role engine's reason).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub reason_detail: Option<Value>,
    /// The lock, if any: who set it, when and why.
    pub lock: Option<LockInfo>,
    /// The groups it is a member of, by id.
    pub groups: Vec<MemberOf>,
    /// Last SCIM change: what the `last_change` order sorts by.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub last_modified: DateTime<Utc>,
    /// When the identity provider deleted it (soft delete).
    #[serde(serialize_with = "crate::time_format::serialize_option")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// One page of the sub-accounts list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubAccountPage {
    /// This page.
    pub items: Vec<SubAccount>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// A user's provisioning status, as the sub-accounts list filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubAccountStatus {
    /// Live and active.
    Active,
    /// Deactivated by the identity provider (`active` false or absent).
    Inactive,
    /// Deleted by the identity provider (kept with its history).
    Deleted,
}

/// What the sub-accounts list is sorted by; ties keep a fixed order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubAccountSort {
    /// `userName`, case-insensitively.
    #[default]
    UserName,
    /// `displayName`, case-insensitively; users without one first.
    DisplayName,
    /// The role; users without one first.
    Role,
    /// The last SCIM change.
    LastChange,
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// A search of the sub-accounts list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubAccountQuery {
    /// Case-insensitive prefix of `userName`, `displayName`, an e-mail or
    /// `externalId`.
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<String>,
    /// Only this status.
    pub status: Option<SubAccountStatus>,
    /// Only locked / unlocked users.
    pub locked: Option<bool>,
    /// The order.
    pub sort: SubAccountSort,
    /// Its direction.
    pub direction: SortDirection,
    /// A `next_cursor` of an earlier page of the same search order.
    pub cursor: Option<String>,
    /// Page size; `None`: the server's default.
    pub limit: Option<u64>,
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

/// The stored reason with its rule's group named as it is now (the user's
/// groups hold the deciding group when a group rule decided), as text and as
/// data; the stored row keeps the label of the last rule save.
fn current_reason(user: &User, groups: &[GroupRef]) -> (Option<String>, Option<Value>) {
    let Some(stored) = user.role_reason.clone() else {
        return (None, None);
    };
    let Ok(reason) = serde_json::from_value::<Reason>(stored.clone()) else {
        return (None, Some(stored));
    };
    let names: HashMap<String, String> = groups
        .iter()
        .map(|g| (g.group_id.clone(), g.display_name.clone()))
        .collect();
    let reason = reason.with_group_names(&names);
    let detail = serde_json::to_value(&reason).unwrap_or(stored);
    (Some(reason.to_string()), Some(detail))
}

fn row(user: &User, groups: Vec<GroupRef>) -> SubAccount {
    let (reason, reason_detail) = current_reason(user, &groups);
    SubAccount {
        id: user.id.clone(),
        user_name: user.user_name.clone(),
        display_name: user.display_name.clone(),
        status: status_of(user),
        role: user.role.clone(),
        reason,
        reason_detail,
        lock: user.lock.as_ref().map(lock_info),
        groups: groups
            .into_iter()
            .map(|g| MemberOf {
                id: g.group_id,
                display_name: g.display_name,
            })
            .collect(),
        last_modified: user.last_modified,
        deleted_at: user.deleted_at,
    }
}

/// `user` as the sub-accounts list shows it, with its groups read in `tx`.
pub(super) fn sub_account(tx: &mut ReadTx<'_>, user: &User) -> Result<SubAccount> {
    let groups = tx.tenant(&user.tenant_id).groups().of_user(&user.id)?;
    Ok(row(user, groups))
}

/// The page size a request asks for, within the server's bounds.
pub(super) fn page_size(limit: Option<u64>, options: &crate::service::Options) -> Result<u64> {
    let max = options.max_page_size;
    match limit {
        None => Ok(options.default_page_size.clamp(1, max)),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(Error::Invalid(format!(
            "limit must be between 1 and {max}, not {n}"
        ))),
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

    /// The sub-accounts list: every provisioned user with status, role, why,
    /// lock, groups and last change; searched, filtered, sorted, one page.
    pub fn sub_accounts(
        &self,
        tenant: &TenantContext,
        query: &SubAccountQuery,
    ) -> Result<SubAccountPage> {
        let search = UserSearch {
            q: query.q.clone(),
            role: query.role.clone(),
            status: query.status.map(|s| match s {
                SubAccountStatus::Active => UserStatus::Active,
                SubAccountStatus::Inactive => UserStatus::Inactive,
                SubAccountStatus::Deleted => UserStatus::Deleted,
            }),
            locked: query.locked,
            order: match query.sort {
                SubAccountSort::UserName => UserOrder::UserName,
                SubAccountSort::DisplayName => UserOrder::DisplayName,
                SubAccountSort::Role => UserOrder::Role,
                SubAccountSort::LastChange => UserOrder::LastChange,
            },
            descending: query.direction == SortDirection::Desc,
            cursor: query.cursor.clone(),
            limit: page_size(query.limit, &self.options)?,
        };
        self.read(|tx| {
            let page = tx.tenant(&tenant.id).users().search(&search)?;
            let ids: Vec<String> = page.items.iter().map(|u| u.id.clone()).collect();
            let mut groups = tx.tenant(&tenant.id).groups().of_users(&ids)?;
            Ok(SubAccountPage {
                items: page
                    .items
                    .iter()
                    .map(|u| row(u, groups.remove(&u.id).unwrap_or_default()))
                    .collect(),
                next_cursor: page.next_cursor,
            })
        })
    }

    /// One user of the sub-accounts list.
    pub fn sub_account(&self, tenant: &TenantContext, user_id: &str) -> Result<SubAccount> {
        self.read(|tx| {
            let user = find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            sub_account(tx, &user)
        })
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
