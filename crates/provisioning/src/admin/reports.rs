//! The disabled-users report.

use chrono::{DateTime, Utc};
use scim_store::{AdminUserQuery, EventKind, UserStatus};
use serde::Serialize;

use crate::error::Result;
use crate::holdings::Holdings;
use crate::service::Provisioning;
use crate::tenant::TenantContext;

use super::users::status_of;

/// One row of the disabled-users report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisabledUser {
    /// User id.
    pub id: String,
    /// `userName`.
    pub user_name: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `inactive` (deactivated) or `deleted`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: &'static str,
    /// When provisioning disabled the user.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub disabled_at: DateTime<Utc>,
    /// What the host application says the user still holds.
    pub holdings: Holdings,
    /// Whether a lock kept another role although the user is deactivated (a
    /// tenant setting allows it; such users are listed so it stays visible).
    pub lock_kept_role: Option<String>,
}

impl Provisioning {
    /// Users provisioning disabled (deactivated or deleted by the identity
    /// provider), when, and what the host application says they still hold.
    /// Locked users kept in another role while deactivated are listed too.
    pub fn disabled_report(&self, tenant: &TenantContext) -> Result<Vec<DisabledUser>> {
        // The history below reads numbered events only.
        self.store.number_events(&tenant.id)?;
        let rows = self.read(|tx| {
            let mut rows = Vec::new();
            for status in [UserStatus::Inactive, UserStatus::Deleted] {
                let page = tx.tenant(&tenant.id).users().admin_list(&AdminUserQuery {
                    status: Some(status),
                    count: u64::MAX,
                    ..AdminUserQuery::default()
                })?;
                let ids: Vec<String> = page.items.iter().map(|u| u.id.clone()).collect();
                let mut disabled = tx.tenant(&tenant.id).events().latest_of_resources(
                    &ids,
                    &[EventKind::UserDeactivated, EventKind::UserDeleted],
                )?;
                for user in page.items {
                    let disabled_at = disabled
                        .remove(&user.id)
                        .map_or(user.deleted_at.unwrap_or(user.last_modified), |e| e.time);
                    rows.push((user, disabled_at));
                }
            }
            Ok(rows)
        })?;
        let ids: Vec<String> = rows.iter().map(|(u, _)| u.id.clone()).collect();
        let mut holdings = self.holdings.holdings(&tenant.slug, &ids);
        let mut report: Vec<DisabledUser> = rows
            .into_iter()
            .map(|(user, at)| DisabledUser {
                status: status_of(&user),
                holdings: holdings.remove(&user.id).unwrap_or(Holdings::UNKNOWN),
                lock_kept_role: user.role.clone().filter(|r| r != role_engine::DISABLED),
                id: user.id,
                user_name: user.user_name,
                display_name: user.display_name,
                disabled_at: at,
            })
            .collect();
        report.sort_by(|a, b| {
            b.disabled_at
                .cmp(&a.disabled_at)
                .then_with(|| a.user_name.cmp(&b.user_name))
        });
        Ok(report)
    }
}
