//! A tenant's webhook endpoints, and the delivery workers' queries: which
//! endpoints are due, the lease that lets one worker at a time deliver an
//! endpoint, and the outcome of an attempt.
//!
//! The lease is a conditional UPDATE (`... WHERE lease_until IS NULL OR
//! lease_until < now`): on PostgreSQL a second claimant of the same row waits
//! for the first one's commit and then finds the condition false (writes run
//! in READ COMMITTED, which re-checks the updated row), on SQLite the single
//! writer orders them. An outcome is written only by the lease's holder, so a
//! worker whose lease ran out cannot move a cursor another one now owns.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::Text;

use super::handle::{ReadTx, Scoped, Webhooks, Write};
use crate::check::{check_id, check_text};
use crate::error::{ResourceKind, StoreError};
use crate::model::EventKind;
use crate::sql::Sql;
use crate::time::{from_db, opt_from_db, to_db};
use crate::webhook::{DeliveryOutcome, DueWebhook, NewWebhook, Webhook, WebhookState};

/// Columns of [`WebhookRow`].
const WEBHOOK_COLUMNS: &str = "tenant_id, id, url, kinds, secret, previous_secret, \
     previous_secret_until, state, cursor_seq, batch_end_seq, attempts, next_attempt_at, \
     last_error, lease_owner, lease_until, created, updated";

/// Reads columns of `webhook_endpoints` by name.
#[derive(QueryableByName)]
#[diesel(table_name = crate::schema::webhook_endpoints)]
struct WebhookRow {
    tenant_id: String,
    id: String,
    url: String,
    kinds: String,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_until: Option<NaiveDateTime>,
    state: String,
    cursor_seq: i64,
    batch_end_seq: Option<i64>,
    attempts: i64,
    next_attempt_at: NaiveDateTime,
    last_error: Option<String>,
    lease_owner: Option<String>,
    lease_until: Option<NaiveDateTime>,
    created: NaiveDateTime,
    updated: NaiveDateTime,
}

impl WebhookRow {
    fn into_model(self) -> Result<Webhook, StoreError> {
        let state = WebhookState::parse(&self.state).ok_or_else(|| StoreError::Database {
            message: format!("stored webhook state '{}' is unknown", self.state),
            source: None,
        })?;
        let kinds: Vec<String> =
            serde_json::from_str(&self.kinds).map_err(|e| StoreError::Database {
                message: format!("stored webhook kinds do not read: {e}"),
                source: None,
            })?;
        Ok(Webhook {
            id: self.id,
            tenant_id: self.tenant_id,
            url: self.url,
            kinds: kinds.iter().map(|k| EventKind::parse(k)).collect(),
            secret: self.secret,
            previous_secret: self.previous_secret,
            previous_secret_until: opt_from_db(self.previous_secret_until),
            state,
            cursor_seq: self.cursor_seq,
            batch_end_seq: self.batch_end_seq,
            attempts: self.attempts,
            next_attempt_at: from_db(self.next_attempt_at),
            last_error: self.last_error,
            lease_owner: self.lease_owner,
            lease_until: opt_from_db(self.lease_until),
            created: from_db(self.created),
            updated: from_db(self.updated),
        })
    }
}

/// A due endpoint, as the poll names it.
#[derive(QueryableByName)]
struct DueRow {
    #[diesel(sql_type = Text)]
    tenant_id: String,
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    id: String,
}

fn kinds_text(kinds: &[EventKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(EventKind::as_str).collect();
    serde_json::Value::from(names).to_string()
}

fn check_target(url: &str, kinds: &[EventKind]) -> Result<(), StoreError> {
    check_text("webhook url", url)?;
    kinds
        .iter()
        .try_for_each(|k| check_text("webhook kind", k.as_str()))
}

impl ReadTx<'_> {
    /// Up to `limit` endpoints of any tenant that a worker may deliver now:
    /// active, due (`next_attempt_at <= now`), not leased (or the lease ran
    /// out), with numbered events after their cursor. Longest waiting first.
    pub fn due_webhooks(
        &mut self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<DueWebhook>, StoreError> {
        let now = to_db(now);
        let mut sql = Sql::from(
            "SELECT w.tenant_id, t.slug, w.id FROM webhook_endpoints w \
             JOIN tenants t ON t.id = w.tenant_id \
             WHERE w.state = 'active' AND w.next_attempt_at <= ",
        );
        sql.time(now)
            .push(" AND (w.lease_until IS NULL OR w.lease_until < ")
            .time(now)
            .push(
                ") AND EXISTS (SELECT 1 FROM events e WHERE e.tenant_id = w.tenant_id \
                 AND e.seq > w.cursor_seq) ORDER BY w.next_attempt_at, w.tenant_id, w.id",
            )
            .limit(limit, 0);
        Ok(self
            .raw()
            .load::<DueRow>(sql)?
            .into_iter()
            .map(|r| DueWebhook {
                tenant_id: r.tenant_id,
                tenant_slug: r.slug,
                id: r.id,
            })
            .collect())
    }
}

impl<M> Scoped<'_, '_, M, Webhooks> {
    /// The tenant's endpoints, oldest first.
    pub fn all(&mut self) -> Result<Vec<Webhook>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::select(
            WEBHOOK_COLUMNS,
            " FROM webhook_endpoints WHERE tenant_id = ",
        );
        sql.text(tenant_id).push(" ORDER BY created, id");
        tx.load::<WebhookRow>(sql)?
            .into_iter()
            .map(WebhookRow::into_model)
            .collect()
    }

    /// One endpoint.
    pub fn get(&mut self, id: &str) -> Result<Option<Webhook>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::select(
            WEBHOOK_COLUMNS,
            " FROM webhook_endpoints WHERE tenant_id = ",
        );
        sql.text(tenant_id).push(" AND id = ").text(id);
        tx.first::<WebhookRow>(sql)?
            .map(WebhookRow::into_model)
            .transpose()
    }
}

impl Scoped<'_, '_, Write, Webhooks> {
    fn found(&mut self, id: &str) -> Result<Webhook, StoreError> {
        self.get(id)?
            .ok_or_else(|| StoreError::not_found(ResourceKind::Webhook, id))
    }

    /// `UPDATE webhook_endpoints SET {set}, updated = now` of one endpoint;
    /// `NotFound` when there is none.
    fn update(&mut self, id: &str, set: Sql, now: DateTime<Utc>) -> Result<Webhook, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = set;
        sql.push(", updated = ").time(to_db(now));
        super::update_row(
            tx,
            ("webhook_endpoints", "id"),
            ResourceKind::Webhook,
            tenant_id,
            id,
            sql,
        )?;
        self.found(id)
    }

    /// Creates an endpoint.
    pub fn insert(&mut self, new: &NewWebhook) -> Result<Webhook, StoreError> {
        check_id("webhook", &new.id)?;
        check_target(&new.url, &new.kinds)?;
        check_text("webhook secret", &new.secret)?;
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let now = to_db(new.now);
        let mut sql = Sql::from(&format!(
            "INSERT INTO webhook_endpoints ({WEBHOOK_COLUMNS}) VALUES ("
        ));
        sql.text(tenant_id)
            .push(", ")
            .text(new.id.as_str())
            .push(", ")
            .text(new.url.as_str())
            .push(", ")
            .text(kinds_text(&new.kinds))
            .push(", ")
            .text(new.secret.as_str())
            .push(", NULL, NULL, ")
            .text(WebhookState::Active.as_str())
            .push(", ")
            .int(new.cursor_seq)
            .push(", NULL, 0, ")
            .time(now)
            .push(", NULL, NULL, NULL, ")
            .time(now)
            .push(", ")
            .time(now)
            .push(")");
        tx.execute_unique(sql, "id")?;
        self.found(&new.id)
    }

    /// Sets where an endpoint delivers and what.
    pub fn set_target(
        &mut self,
        id: &str,
        url: &str,
        kinds: &[EventKind],
        now: DateTime<Utc>,
    ) -> Result<Webhook, StoreError> {
        check_target(url, kinds)?;
        let mut set = Sql::from("url = ");
        set.text(url).push(", kinds = ").text(kinds_text(kinds));
        self.update(id, set, now)
    }

    /// Deletes an endpoint.
    pub fn delete(&mut self, id: &str) -> Result<(), StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let mut sql = Sql::from("DELETE FROM webhook_endpoints WHERE tenant_id = ");
        sql.text(tenant_id).push(" AND id = ").text(id);
        if tx.execute(sql)? == 0 {
            return Err(StoreError::not_found(ResourceKind::Webhook, id));
        }
        Ok(())
    }

    /// Replaces the signing secret; the one it replaces stays valid (signed
    /// with too) until `previous_until`.
    pub fn rotate_secret(
        &mut self,
        id: &str,
        secret: &str,
        previous_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Webhook, StoreError> {
        check_text("webhook secret", secret)?;
        let mut set = Sql::from("previous_secret = secret, secret = ");
        set.text(secret)
            .push(", previous_secret_until = ")
            .time(to_db(previous_until));
        self.update(id, set, now)
    }

    /// Makes an endpoint active and due now with no failures counted; with
    /// `cursor_seq`, delivery starts again after that event number (manual
    /// redelivery), else where it stopped.
    pub fn reactivate(
        &mut self,
        id: &str,
        cursor_seq: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Webhook, StoreError> {
        let mut set = Sql::from("state = ");
        set.text(WebhookState::Active.as_str())
            .push(", attempts = 0, last_error = NULL, next_attempt_at = ")
            .time(to_db(now));
        if let Some(cursor) = cursor_seq {
            // A new batch from there; the lease holder's outcome, if one is
            // in flight, no longer applies.
            set.push(
                ", batch_end_seq = NULL, lease_owner = NULL, lease_until = NULL, cursor_seq = ",
            )
            .int(cursor);
        }
        self.update(id, set, now)
    }

    /// Takes the endpoint's lease for `owner` until `until`, if it is active,
    /// due and not leased by another worker; the endpoint as leased, or `None`.
    pub fn claim(
        &mut self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<Webhook>, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let now = to_db(now);
        let mut sql = Sql::from("UPDATE webhook_endpoints SET lease_owner = ");
        sql.text(owner)
            .push(", lease_until = ")
            .time(to_db(until))
            .push(" WHERE tenant_id = ")
            .text(tenant_id)
            .push(" AND id = ")
            .text(id)
            .push(" AND state = 'active' AND next_attempt_at <= ")
            .time(now)
            .push(" AND (lease_until IS NULL OR lease_until < ")
            .time(now)
            .push(" OR lease_owner = ")
            .text(owner)
            .push(")");
        if tx.execute(sql)? == 0 {
            return Ok(None);
        }
        self.get(id)
    }

    /// Writes an attempt's outcome if `owner` still holds the lease; whether
    /// it did.
    pub fn record(
        &mut self,
        id: &str,
        owner: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut set = Sql::new();
        match outcome {
            DeliveryOutcome::Started { batch_end_seq } => {
                set.push("batch_end_seq = ").int(*batch_end_seq);
            }
            DeliveryOutcome::Delivered { cursor_seq } => {
                set.push("cursor_seq = ").int(*cursor_seq).push(
                    ", batch_end_seq = NULL, attempts = 0, last_error = NULL, \
                         lease_owner = NULL, lease_until = NULL",
                );
            }
            DeliveryOutcome::Failed {
                batch_end_seq,
                error,
                next_attempt_at,
                disable,
            } => {
                check_text("webhook error", error)?;
                let state = if *disable {
                    WebhookState::Disabled
                } else {
                    WebhookState::Active
                };
                set.push("batch_end_seq = ")
                    .int(*batch_end_seq)
                    .push(", attempts = attempts + 1, last_error = ")
                    .text(error.as_str())
                    .push(", next_attempt_at = ")
                    .time(to_db(*next_attempt_at))
                    .push(", state = ")
                    .text(state.as_str())
                    .push(", lease_owner = NULL, lease_until = NULL");
            }
        }
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let mut sql = Sql::from("UPDATE webhook_endpoints SET ");
        sql.append(set)
            .push(", updated = ")
            .time(to_db(now))
            .push(" WHERE tenant_id = ")
            .text(tenant_id)
            .push(" AND id = ")
            .text(id)
            .push(" AND lease_owner = ")
            .text(owner);
        Ok(tx.execute(sql)? == 1)
    }
}
