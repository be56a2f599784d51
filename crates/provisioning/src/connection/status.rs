//! The use case: a tenant's connection status, as the admin API and the
//! console show it.

use chrono::{DateTime, TimeDelta, Utc};
use scim_proto::ClientKind;
use scim_store::{HourCount, RequestNote};
use serde::Serialize;

use super::log::hour_of;
use crate::error::Result;
use crate::service::Provisioning;
use crate::tenant::TenantContext;

/// How many hours the status covers: seven days, ending with the current hour.
pub const CONNECTION_HOURS: u32 = 7 * 24;

/// A tenant's connection with its identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionStatus {
    /// The identity provider, from its latest request that was recognised as
    /// one (`entra-id` or `okta`); `null` when none was.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "entra-id"))]
    pub client: Option<ClientKind>,
    /// The latest request.
    pub last_request: Option<RequestInfo>,
    /// The latest failed request (4xx or 5xx).
    pub last_error: Option<RequestInfo>,
    /// The requests of the last seven days, one entry per hour, oldest first,
    /// the current hour last; hours without requests are zeros.
    pub hours: Vec<HourPoint>,
    /// The sums of `hours`.
    pub totals: ConnectionTotals,
}

/// One SCIM request, as the status shows it (no query string and no body:
/// they may hold people's names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestInfo {
    /// When it was answered.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub at: DateTime<Utc>,
    /// The HTTP method.
    pub method: String,
    /// The route below the Tenant URL (`/Users/{id}`), or the path when no
    /// route matched.
    pub route: String,
    /// The status answered.
    pub status: u16,
    /// The client it came from: `entra-id`, `okta` or `other`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "okta"))]
    pub client: ClientKind,
    /// Its `X-Request-Id`, to find it in the access log.
    pub request_id: String,
    /// The error's `scimType`, when it had one.
    pub scim_type: Option<String>,
    /// The error's detail, when it was an error.
    pub detail: Option<String>,
}

impl From<RequestNote> for RequestInfo {
    fn from(note: RequestNote) -> RequestInfo {
        RequestInfo {
            at: note.at,
            method: note.method,
            route: note.route,
            status: note.status,
            client: note.client,
            request_id: note.request_id,
            scim_type: note.scim_type,
            detail: note.detail,
        }
    }
}

/// The requests of one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourPoint {
    /// The start of the hour.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub hour: DateTime<Utc>,
    /// Requests answered.
    pub requests: i64,
    /// Of those, answered with a 4xx or 5xx status.
    pub errors: i64,
}

/// Requests and errors over the whole period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionTotals {
    /// Requests answered.
    pub requests: i64,
    /// Of those, answered with a 4xx or 5xx status.
    pub errors: i64,
}

/// The first of the `CONNECTION_HOURS` hours that end with `now`'s.
pub(super) fn first_hour(now: DateTime<Utc>) -> DateTime<Utc> {
    hour_of(now) - TimeDelta::hours(i64::from(CONNECTION_HOURS) - 1)
}

/// The `CONNECTION_HOURS` hours ending with `now`'s, with `stored`'s counts
/// and zeros elsewhere.
fn week_of_hours(now: DateTime<Utc>, stored: &[HourCount]) -> Vec<HourPoint> {
    let first = first_hour(now);
    (0..i64::from(CONNECTION_HOURS))
        .map(|n| {
            let hour = first + TimeDelta::hours(n);
            let count = stored.iter().find(|c| c.hour == hour);
            HourPoint {
                hour,
                requests: count.map_or(0, |c| c.requests),
                errors: count.map_or(0, |c| c.errors),
            }
        })
        .collect()
}

impl Provisioning {
    /// The tenant's connection status. This process's requests are flushed
    /// first, so they show at once; other processes' show within their flush
    /// interval.
    pub fn connection_status(&self, tenant: &TenantContext) -> Result<ConnectionStatus> {
        if let Err(error) = self.flush_connection_log() {
            // The status is still worth showing, a few seconds behind.
            tracing::warn!(error = %error, "could not write the connection status");
        }
        let now = self.now();
        let since = first_hour(now);
        let (stored, latest) = self.read(|tx| {
            let mut scope = tx.tenant(&tenant.id);
            let stored = scope.connection().hours_since(since)?;
            Ok((stored, scope.connection().latest()?))
        })?;
        let hours = week_of_hours(now, &stored);
        let totals = hours
            .iter()
            .fold(ConnectionTotals::default(), |sum, h| ConnectionTotals {
                requests: sum.requests + h.requests,
                errors: sum.errors + h.errors,
            });
        Ok(ConnectionStatus {
            client: latest.recognised.as_ref().map(|r| r.client),
            last_request: latest.request.map(RequestInfo::from),
            last_error: latest.error.map(RequestInfo::from),
            hours,
            totals,
        })
    }
}
