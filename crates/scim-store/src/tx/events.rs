//! The per-tenant event log.
//!
//! Sequence numbers come from a counter on the tenant row, incremented in the
//! same transaction as the change the event records. The increment locks that row
//! on PostgreSQL (SQLite has one writer anyway), so numbers are handed out in
//! commit order and without gaps: a consumer that has read everything up to N and
//! asks for "after N" can never miss an event that commits later with a smaller
//! number. The price is that a tenant's event-writing transactions run one at a
//! time; tenants do not block each other.

use super::rows::{CountRow, EVENT_COLUMNS, EventRow};
use super::{Tx, check_json, check_text, to_json_text};
use crate::error::StoreError;
use crate::model::{Event, NewEvent};
use crate::sql::Sql;
use crate::time::{from_db, to_db};

pub(super) fn append(tx: &mut Tx<'_>, event: &NewEvent) -> Result<Event, StoreError> {
    for value in [&event.before, &event.after, &event.cause]
        .into_iter()
        .flatten()
    {
        check_json("event", value)?;
    }
    for value in [&event.resource_type, &event.resource_id, &event.request_id]
        .into_iter()
        .flatten()
    {
        check_text("event", value)?;
    }
    check_text("event kind", event.kind.as_str())?;
    tx.enter(&event.tenant_id)?;
    let mut next = Sql::from("UPDATE tenants SET event_seq = event_seq + 1 WHERE id = ");
    next.text(&event.tenant_id)
        .push(" RETURNING event_seq AS n");
    let seq = tx
        .first::<CountRow>(next)?
        .ok_or_else(|| StoreError::not_found("tenant", &event.tenant_id))?
        .n;
    let time = to_db(event.time);
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(to_json_text);
    let mut sql = Sql::from(&format!("INSERT INTO events ({EVENT_COLUMNS}) VALUES ("));
    sql.text(&event.tenant_id)
        .push(", ")
        .int(seq)
        .push(", ")
        .time(time)
        .push(", ")
        .text(event.kind.as_str())
        .push(", ")
        .opt_text(event.resource_type.as_deref())
        .push(", ")
        .opt_text(event.resource_id.as_deref())
        .push(", ")
        .opt_text(json(&event.before).as_deref())
        .push(", ")
        .opt_text(json(&event.after).as_deref())
        .push(", ")
        .opt_text(json(&event.cause).as_deref())
        .push(", ")
        .opt_text(event.request_id.as_deref())
        .push(")");
    tx.execute(sql)?;
    Ok(Event {
        tenant_id: event.tenant_id.clone(),
        seq,
        time: from_db(time),
        kind: event.kind.clone(),
        resource_type: event.resource_type.clone(),
        resource_id: event.resource_id.clone(),
        before: event.before.clone(),
        after: event.after.clone(),
        cause: event.cause.clone(),
        request_id: event.request_id.clone(),
    })
}

pub(super) fn after(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    after: i64,
    count: u64,
) -> Result<Vec<Event>, StoreError> {
    let mut sql = Sql::from(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = "
    ));
    sql.text(tenant_id)
        .push(" AND seq > ")
        .int(after)
        .push(" ORDER BY seq")
        .limit(count, 0);
    tx.load::<EventRow>(sql)?
        .into_iter()
        .map(EventRow::into_model)
        .collect()
}

pub(super) fn of_resource(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    resource_id: &str,
    count: u64,
) -> Result<Vec<Event>, StoreError> {
    let mut sql = Sql::from(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = "
    ));
    sql.text(tenant_id)
        .push(" AND resource_id = ")
        .text(resource_id)
        .push(" ORDER BY seq DESC")
        .limit(count, 0);
    tx.load::<EventRow>(sql)?
        .into_iter()
        .map(EventRow::into_model)
        .collect()
}
