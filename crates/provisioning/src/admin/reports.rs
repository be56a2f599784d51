//! The disabled-users report.

use chrono::{DateTime, Utc};
use scim_store::EventKind;
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

/// One page of the disabled-users report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisabledPage {
    /// The users, in id order (ids are time-ordered: oldest provisioned first).
    pub items: Vec<DisabledUser>,
    /// The cursor for the next page (`after`), when there may be more.
    pub next: Option<String>,
}

/// The most users one page of the report lists.
pub const MAX_REPORT_PAGE: usize = 1000;

impl Provisioning {
    /// A page of the users provisioning disabled (deactivated or deleted by
    /// the identity provider): those with ids after `after`, at most `limit`
    /// (capped at [`MAX_REPORT_PAGE`]), when each was disabled, and what the
    /// host application says they still hold. Locked users kept in another
    /// role while deactivated are listed too. One read per page, so a report
    /// of any size is produced page by page in bounded memory.
    pub fn disabled_report(
        &self,
        tenant: &TenantContext,
        after: Option<&str>,
        limit: usize,
    ) -> Result<DisabledPage> {
        let limit = limit.clamp(1, MAX_REPORT_PAGE);
        // The history below reads numbered events only.
        self.store.number_events(&tenant.id)?;
        let rows = self.read(|tx| {
            let users = tx
                .tenant(&tenant.id)
                .users()
                .disabled_batch(after, limit as u64)?;
            let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
            let mut disabled = tx
                .tenant(&tenant.id)
                .events()
                .latest_of_resources(&ids, &[EventKind::UserDeactivated, EventKind::UserDeleted])?;
            Ok(users
                .into_iter()
                .map(|user| {
                    let disabled_at = disabled
                        .remove(&user.id)
                        .map_or(user.deleted_at.unwrap_or(user.last_modified), |e| e.time);
                    (user, disabled_at)
                })
                .collect::<Vec<_>>())
        })?;
        let next = (rows.len() == limit)
            .then(|| rows.last().map(|(u, _)| u.id.clone()))
            .flatten();
        let ids: Vec<String> = rows.iter().map(|(u, _)| u.id.clone()).collect();
        let mut holdings = self.holdings.holdings(&tenant.slug, &ids);
        let items = rows
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
        Ok(DisabledPage { items, next })
    }
}
