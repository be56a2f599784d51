//! The per-tenant event log.
//!
//! Every event gets a position in its tenant's log, 1, 2, 3, ... without gaps and in
//! commit order: a consumer that has read everything up to N and asks for "after N"
//! never misses an event that commits later. How numbers are handed out depends on
//! the backend:
//!
//! - **SQLite** numbers an event when it is inserted (the tenant's highest number
//!   plus one): its single writer commits transactions in the order they write.
//! - **PostgreSQL** inserts events unnumbered (`seq` NULL), so that a tenant's write
//!   transactions share nothing and commit concurrently. The *sequencer*
//!   ([`number_pending`]) numbers them afterwards, in its own short transaction:
//!   holding the tenant's sequencer lock, it reads the highest number given so far
//!   and numbers the committed unnumbered events after it, in insertion (`id`) order.
//!   Readers see numbered events only.
//!
//! Why the sequencer is sound:
//!
//! - One sequencer per tenant at a time (an advisory lock held until its commit),
//!   and each starts from the highest number committed before it took the lock. So
//!   the numbers ever visible are always exactly 1..M: a run makes M+1..M+k visible
//!   at once, when it commits, and the next run starts at M+k+1.
//! - It picks events by `seq IS NULL`, never by an id watermark. Ids are handed out
//!   at insert, not at commit: an event with a small id can commit after one with a
//!   larger id was numbered. It is then simply found by a later run and gets a larger
//!   number, so a number, once given, is never followed by a smaller one. Insertion
//!   order only orders the events one run finds, which are all committed already and
//!   become visible together; within one transaction it is the order of appending.
//! - An event committed before a sequencer run starts is numbered by that run (its
//!   statement's snapshot sees it). `Store::events` runs the sequencer before it
//!   reads, so a consumer sees every event committed before its request. The store
//!   also runs it shortly after each commit that appended events, so numbers follow
//!   commits closely even when nobody reads.
//!
//! A transaction that holds the tenant's write gate exclusively (a rule save,
//! which may append a role change for every user) numbers its events as it
//! inserts them instead, so that the sequencer does not rewrite them all after
//! the commit: before its first event it takes the sequencer lock (held until
//! it ends) and numbers what is pending, both what others committed (they all
//! have: it holds the gate) and its own earlier events; then its events take
//! the numbers after the highest, in append order. No other transaction of the
//! tenant commits events and no sequencer runs until it ends, so when it
//! commits its numbers follow the highest visible one without a gap; if it
//! rolls back, they were never seen. A reader that finds events pending
//! meanwhile waits for the lock, as it would for a sequencer run.

use std::collections::HashMap;

use super::handle::{Events, Scoped, Write};
use super::{CHUNK, Tx, sorted_unique};
use crate::check::{check_json, check_text, to_json_text};
use crate::dialect;
use crate::error::StoreError;
use crate::model::{Event, EventKind, EventPage, EventSearch, NewEvent};
use crate::rows::{CountRow, EVENT_COLUMNS, EventRow};
use crate::sql::Sql;
use crate::time::to_db;

/// Most events one sequencer statement numbers: bounds its work (and the rows it
/// rewrites) after a long time without runs.
const NUMBER_BATCH: u64 = 5_000;

/// Events per INSERT statement (ten binds each).
const EVENT_ROWS: usize = 500;

fn check_event(event: &NewEvent) -> Result<(), StoreError> {
    for value in [&event.before, &event.after, &event.cause]
        .into_iter()
        .flatten()
    {
        check_json("event", value)?;
    }
    for value in [
        &event.resource_type,
        &event.resource_id,
        &event.request_id,
        &event.user_id,
    ]
    .into_iter()
    .flatten()
    {
        check_text("event", value)?;
    }
    check_text("event kind", event.kind.as_str())
}

impl Scoped<'_, '_, Write, Events> {
    /// Appends an event to the tenant's log. Its sequence number is given when it is
    /// inserted (SQLite) or by the sequencer after commit (PostgreSQL; see
    /// [`Store::number_events`](crate::Store::number_events)); either way it follows
    /// commit order.
    pub fn append(&mut self, event: &NewEvent) -> Result<(), StoreError> {
        self.append_all(std::slice::from_ref(event))
    }

    /// Appends events in order, as [`Scoped::append`] one by one would, in one
    /// statement per few hundred (a group change with many members, a rule change
    /// with many role changes). None is written unless all are valid.
    pub fn append_all(&mut self, events: &[NewEvent]) -> Result<(), StoreError> {
        for event in events {
            check_event(event)?;
        }
        let (tx, tenant_id) = self.parts();
        if events.is_empty() {
            return Ok(());
        }
        tx.enter(tenant_id)?;
        let on_insert = dialect::numbers_events_on_insert(tx.dialect());
        // Alone in the tenant (a rule save): numbered now, not rewritten by
        // the sequencer after commit (see the module doc).
        let number_now = on_insert || tx.holds_gate_exclusively(tenant_id);
        if number_now && !on_insert {
            number_after_lock(tx, tenant_id)?;
        }
        for rows in events.chunks(EVENT_ROWS) {
            insert_rows(tx, tenant_id, rows, number_now)?;
        }
        if !number_now {
            tx.note_appended(tenant_id);
        }
        Ok(())
    }
}

/// One INSERT of `rows`, all of `tenant_id`, numbered (`number_now`) or left
/// to the sequencer. Where events are numbered on insert (SQLite, one writer),
/// one event takes the next number in the statement itself; otherwise the
/// numbers after the tenant's last are read first.
fn insert_rows(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    rows: &[NewEvent],
    number_now: bool,
) -> Result<(), StoreError> {
    let on_insert = dialect::numbers_events_on_insert(tx.dialect());
    let first_seq = if number_now && (rows.len() > 1 || !on_insert) {
        let mut next = Sql::from("SELECT ");
        next.append(dialect::last_event_seq(tenant_id))
            .push(" + 1 AS n");
        let row = tx.first::<CountRow>(next)?;
        Some(row.map_or(1, |r| r.n))
    } else {
        None
    };
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(to_json_text);
    let mut sql = Sql::from("INSERT INTO events (");
    sql.push(EVENT_COLUMNS).push(") VALUES ");
    for (i, event) in rows.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(").text(tenant_id).push(", ");
        match first_seq {
            Some(first) => sql.int(first + i64::try_from(i).unwrap_or(i64::MAX)),
            None => sql.append(dialect::new_event_seq(tx.dialect(), tenant_id)),
        };
        sql.push(", ")
            .time(to_db(event.time))
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
            .push(", ")
            .opt_text(event.user_id.as_deref())
            .push(")");
    }
    // One statement text per row count: worth caching for the usual one or two.
    if rows.len() > 2 {
        sql.no_cache();
    }
    tx.execute(sql)?;
    Ok(())
}

/// The numbered events of `tenant_id` that pass `search`'s filters (not its
/// limit), for the caller to order and cut.
fn filtered(tenant_id: &str, search: &EventSearch) -> Sql {
    let mut sql = Sql::select(EVENT_COLUMNS, " FROM events WHERE tenant_id = ");
    // `seq > after_seq` also leaves out unnumbered events (NULL compares false).
    sql.text(tenant_id)
        .push(" AND seq > ")
        .int(search.after_seq);
    if !search.kinds.is_empty() {
        let kinds: Vec<&str> = search.kinds.iter().map(EventKind::as_str).collect();
        sql.push(" AND kind IN ").text_list(&kinds);
    }
    if let Some(id) = &search.resource_id {
        sql.push(" AND resource_id = ").text(id.as_str());
    }
    if let Some(id) = &search.user_id {
        sql.push(" AND user_id = ").text(id.as_str());
    }
    if let Some(since) = search.since {
        sql.push(" AND time >= ").time(to_db(since));
    }
    if let Some(until) = search.until {
        sql.push(" AND time < ").time(to_db(until));
    }
    sql
}

fn load_events(tx: &mut Tx<'_>, sql: Sql) -> Result<Vec<Event>, StoreError> {
    tx.load::<EventRow>(sql)?
        .into_iter()
        .map(EventRow::into_model)
        .collect()
}

/// The sequencer: numbers the tenant's committed unnumbered events after its highest
/// number, in insertion order, and returns how many it numbered. Run it in a
/// transaction of its own (its lock is held until commit, and what it numbers becomes
/// visible at commit); a no-op where events are numbered on insert.
pub(crate) fn number_pending(tx: &mut Tx<'_>, tenant_id: &str) -> Result<u64, StoreError> {
    let Some(lock) = dialect::sequencer_lock(tx.dialect(), tenant_id) else {
        return Ok(0);
    };
    // Nothing pending (the usual case for a reader): no lock, no write, no fsync.
    let mut any = Sql::from("SELECT id AS n FROM events WHERE tenant_id = ");
    any.text(tenant_id).push(" AND seq IS NULL LIMIT 1");
    if tx.first::<CountRow>(any)?.is_none() {
        return Ok(0);
    }
    tx.execute(lock)?;
    number_locked(tx, tenant_id)
}

/// Takes the tenant's sequencer lock (held until this transaction ends) and
/// numbers every unnumbered event it sees: those committed by others and its
/// own earlier ones. A no-op where events are numbered on insert.
fn number_after_lock(tx: &mut Tx<'_>, tenant_id: &str) -> Result<u64, StoreError> {
    let Some(lock) = dialect::sequencer_lock(tx.dialect(), tenant_id) else {
        return Ok(0);
    };
    tx.execute(lock)?;
    number_locked(tx, tenant_id)
}

/// The sequencer's numbering, its lock held.
fn number_locked(tx: &mut Tx<'_>, tenant_id: &str) -> Result<u64, StoreError> {
    // Statements after the lock see every number committed by earlier runs.
    let mut total = 0;
    loop {
        let mut sql = Sql::from("WITH last AS (SELECT ");
        sql.append(dialect::last_event_seq(tenant_id))
            .push(
                " AS seq), \
                 pending AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM events \
                 WHERE tenant_id = ",
            )
            .text(tenant_id)
            .push(&format!(
                " AND seq IS NULL ORDER BY id LIMIT {NUMBER_BATCH}"
            ))
            .push(
                ") UPDATE events SET seq = last.seq + pending.n FROM last, pending \
                 WHERE events.id = pending.id",
            );
        let numbered = u64::try_from(tx.execute(sql)?).unwrap_or(u64::MAX);
        total += numbered;
        if numbered < NUMBER_BATCH {
            return Ok(total);
        }
    }
}

impl<M> Scoped<'_, '_, M, Events> {
    /// Up to `limit` events with sequence numbers greater than `after`, in order.
    ///
    /// Only numbered events are read. On PostgreSQL events are numbered by the
    /// sequencer after their transaction commits, so this can lag behind the
    /// commits; [`Store::events`](crate::Store::events) numbers everything committed first. Either way a
    /// consumer that has read up to N and asks for "after N" never misses an event:
    /// numbers are handed out gaplessly and in commit order, never below one already
    /// visible.
    pub fn after(&mut self, after: i64, count: u64) -> Result<Vec<Event>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::select(EVENT_COLUMNS, " FROM events WHERE tenant_id = ");
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

    /// The newest event number (0 for an empty log). On PostgreSQL, run the
    /// sequencer first ([`Store::number_events`](crate::Store::number_events)) to
    /// count every committed event.
    pub fn head(&mut self) -> Result<i64, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::from("SELECT ");
        sql.append(dialect::last_event_seq(tenant_id)).push(" AS n");
        Ok(tx.first::<CountRow>(sql)?.map_or(0, |r| r.n))
    }

    /// Up to `search.limit` numbered events after `search.after_seq` that pass its
    /// filters, in order, and where the next page starts (see [`EventPage`]).
    pub fn search(&mut self, search: &EventSearch) -> Result<EventPage, StoreError> {
        if search.limit == 0 {
            return Err(StoreError::invalid("a page holds at least one event"));
        }
        let head = self.head()?;
        let (tx, tenant_id) = self.parts();
        let mut sql = filtered(tenant_id, search);
        // Read in the same snapshot as the head: nothing above it is seen, so
        // a page that is not full has looked at everything up to it.
        sql.push(" AND seq <= ").int(head);
        sql.push(" ORDER BY seq").limit(search.limit, 0);
        let events = load_events(tx, sql)?;
        let next_after_seq = match events.last() {
            Some(last) if events.len() as u64 == search.limit => last.seq,
            _ => head.max(search.after_seq),
        };
        Ok(EventPage {
            events,
            next_after_seq,
        })
    }

    /// Up to `search.limit` numbered events that pass its filters, newest
    /// first, numbered below `before_seq` when given (the last event of the
    /// previous page: pages of a reader going back in time).
    pub fn newest_first(
        &mut self,
        search: &EventSearch,
        before_seq: Option<i64>,
    ) -> Result<Vec<Event>, StoreError> {
        if search.limit == 0 {
            return Err(StoreError::invalid("a page holds at least one event"));
        }
        let (tx, tenant_id) = self.parts();
        let mut sql = filtered(tenant_id, search);
        if let Some(before) = before_seq {
            sql.push(" AND seq < ").int(before);
        }
        sql.push(" ORDER BY seq DESC").limit(search.limit, 0);
        load_events(tx, sql)
    }

    /// The latest `limit` numbered events about one resource, newest first.
    pub fn of_resource(&mut self, resource_id: &str, count: u64) -> Result<Vec<Event>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::select(EVENT_COLUMNS, " FROM events WHERE tenant_id = ");
        sql.text(tenant_id)
            .push(" AND resource_id = ")
            .text(resource_id)
            .push(" AND seq IS NOT NULL ORDER BY seq DESC")
            .limit(count, 0);
        tx.load::<EventRow>(sql)?
            .into_iter()
            .map(EventRow::into_model)
            .collect()
    }

    /// The latest numbered event of one of `kinds` about each of `resource_ids`,
    /// keyed by resource id (resources without one are absent).
    pub fn latest_of_resources(
        &mut self,
        resource_ids: &[String],
        kinds: &[EventKind],
    ) -> Result<HashMap<String, Event>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let kinds: Vec<&str> = kinds.iter().map(EventKind::as_str).collect();
        let mut out = HashMap::new();
        for chunk in sorted_unique(resource_ids).chunks(CHUNK) {
            let mut sql = Sql::select(EVENT_COLUMNS, " FROM events WHERE tenant_id = ");
            sql.text(tenant_id)
                .push(" AND resource_id IN ")
                .text_list(chunk)
                .push(" AND kind IN ")
                .text_list(&kinds)
                .push(" AND seq IS NOT NULL ORDER BY resource_id, seq DESC");
            for row in tx.load::<EventRow>(sql)? {
                let event = row.into_model()?;
                if let Some(id) = event.resource_id.clone() {
                    // Newest first within a resource: keep the first seen.
                    out.entry(id).or_insert(event);
                }
            }
        }
        Ok(out)
    }
}
