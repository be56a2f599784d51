//! A tenant's connection status: hourly request counts, added to by every
//! server process, and the latest requests of each sort.
//!
//! Counts are upserts that add (`requests = requests + excluded.requests`), so
//! batches from several processes sum up whatever order they commit in; a
//! latest request replaces the stored one only when it is later, so a slow
//! process cannot put an older request back. Rows are written in key order, so
//! two flushes never wait for each other's rows crosswise.

use chrono::{DateTime, Utc};

use super::handle::{Connection, Scoped, Write};
use crate::check::check_text;
use crate::connection::{ConnectionBatch, HourCount, LatestRequests, RequestNote};
use crate::error::StoreError;
use crate::rows::{HOUR_COLUMNS, HourRow, REQUEST_COLUMNS, RequestRow};
use crate::sql::Sql;
use crate::time::to_db;

/// The sorts of latest request, as the `sort` column names them, in key order.
const ERROR: &str = "error";
const RECOGNISED: &str = "recognised";
const REQUEST: &str = "request";

impl<M> Scoped<'_, '_, M, Connection> {
    /// The hours from `since` on that had requests, oldest first.
    pub fn hours_since(&mut self, since: DateTime<Utc>) -> Result<Vec<HourCount>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::select(HOUR_COLUMNS, " FROM connection_hours WHERE tenant_id = ");
        sql.text(tenant_id)
            .push(" AND hour >= ")
            .time(to_db(since))
            .push(" ORDER BY hour");
        Ok(tx
            .load::<HourRow>(sql)?
            .into_iter()
            .map(HourRow::into_model)
            .collect())
    }

    /// The latest requests.
    pub fn latest(&mut self) -> Result<LatestRequests, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::select(
            REQUEST_COLUMNS,
            " FROM connection_requests WHERE tenant_id = ",
        );
        sql.text(tenant_id);
        let mut latest = LatestRequests::default();
        for row in tx.load::<RequestRow>(sql)? {
            let slot = match row.sort.as_str() {
                REQUEST => &mut latest.request,
                ERROR => &mut latest.error,
                RECOGNISED => &mut latest.recognised,
                _ => continue,
            };
            *slot = Some(row.into_model()?);
        }
        Ok(latest)
    }
}

impl Scoped<'_, '_, Write, Connection> {
    /// Adds a batch: its counts to their hours' rows, its latest requests where
    /// they are later than the stored ones; deletes hours before
    /// `batch.prune_before`.
    pub fn add(&mut self, batch: &ConnectionBatch) -> Result<(), StoreError> {
        let latest = [
            (ERROR, &batch.latest.error),
            (RECOGNISED, &batch.latest.recognised),
            (REQUEST, &batch.latest.request),
        ];
        for note in latest.iter().filter_map(|(_, note)| note.as_ref()) {
            for (field, value) in [
                ("method", &note.method),
                ("route", &note.route),
                ("request id", &note.request_id),
            ] {
                check_text(field, value)?;
            }
            for value in [&note.scim_type, &note.detail].into_iter().flatten() {
                check_text("error", value)?;
            }
        }
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let mut hours = batch.hours.clone();
        hours.sort_by_key(|h| h.hour);
        for hour in &hours {
            let mut sql = Sql::from(
                "INSERT INTO connection_hours (tenant_id, hour, requests, errors) VALUES (",
            );
            sql.text(tenant_id)
                .push(", ")
                .time(to_db(hour.hour))
                .push(", ")
                .int(hour.requests)
                .push(", ")
                .int(hour.errors)
                .push(
                    ") ON CONFLICT (tenant_id, hour) DO UPDATE SET \
                     requests = connection_hours.requests + excluded.requests, \
                     errors = connection_hours.errors + excluded.errors",
                );
            tx.execute(sql)?;
        }
        for (sort, note) in latest {
            if let Some(note) = note {
                tx.execute(upsert_latest(tenant_id, sort, note))?;
            }
        }
        let mut prune = Sql::from("DELETE FROM connection_hours WHERE tenant_id = ");
        prune
            .text(tenant_id)
            .push(" AND hour < ")
            .time(to_db(batch.prune_before));
        tx.execute(prune)?;
        Ok(())
    }
}

/// Stores `note` as the tenant's latest request of `sort` unless a later one
/// is stored.
fn upsert_latest(tenant_id: &str, sort: &str, note: &RequestNote) -> Sql {
    let mut sql = Sql::from(&format!(
        "INSERT INTO connection_requests (tenant_id, {REQUEST_COLUMNS}) VALUES ("
    ));
    sql.text(tenant_id)
        .push(", ")
        .text(sort)
        .push(", ")
        .time(to_db(note.at))
        .push(", ")
        .text(&note.method)
        .push(", ")
        .text(&note.route)
        .push(", ")
        .int(i64::from(note.status))
        .push(", ")
        .text(note.client.as_str())
        .push(", ")
        .text(&note.request_id)
        .push(", ")
        .opt_text(note.scim_type.as_deref())
        .push(", ")
        .opt_text(note.detail.as_deref())
        .push(
            ") ON CONFLICT (tenant_id, sort) DO UPDATE SET at = excluded.at, \
             method = excluded.method, route = excluded.route, status = excluded.status, \
             client = excluded.client, request_id = excluded.request_id, \
             scim_type = excluded.scim_type, detail = excluded.detail \
             WHERE excluded.at > connection_requests.at",
        );
    sql
}
