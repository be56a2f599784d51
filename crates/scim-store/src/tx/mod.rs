//! The implementation of [`ReadTx`](crate::ReadTx) and [`WriteTx`](crate::WriteTx)
//! over one connection inside one transaction.
//!
//! Submodules hold the operations by subject; the trait impls at the bottom only
//! dispatch to them, so each query exists once for both backends.

pub(crate) mod events;
mod groups;
pub(crate) mod rows;
mod tenants;
mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use diesel::RunQueryDsl;
use diesel::deserialize::QueryableByName;
use scim_proto::filter::CompiledFilter;
use serde_json::Value;

use crate::conn::{DbConnection, MultiBackend};
use crate::dialect::{self, Dialect, Gate};
use crate::error::{ResourceKind, StoreError};
use crate::model::{
    AdminUserQuery, Event, EventKind, Group, GroupRef, GroupUpdate, ListQuery, MemberPage,
    MemberRef, MembershipChange, NewEvent, NewGroup, NewTenant, NewToken, NewUser, Page, RoleLock,
    RoleUpdate, Tenant, TenantUpdate, Token, User, UserUpdate, UserWithGroups, Visibility,
};
use crate::query;
use crate::sql::Sql;
use crate::store::{ReadTx, WriteTx};

/// Bind-list chunk size: well below SQLite's 32766 and PostgreSQL's 65535 binds.
pub(crate) const CHUNK: usize = 5_000;

/// Tenant rows as write transactions of one store last read them, by id. Entering
/// a tenant reads only its stamp (version, created, updated) and reuses the
/// parsed row while the stamp is unchanged: no settings, catalogue and rule JSON
/// to read and parse on every write. Filled only with committed rows (see
/// [`Tx::committed_tenant`]), so a rolled-back change can never be served.
#[derive(Default)]
pub(crate) struct TenantCache(Mutex<HashMap<String, Arc<Tenant>>>);

/// More tenants than any deployment has: past it the cache starts over.
const TENANT_CACHE_MAX: usize = 10_000;

impl TenantCache {
    fn get(&self, id: &str) -> Option<Arc<Tenant>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    fn put(&self, tenant: Arc<Tenant>) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= TENANT_CACHE_MAX {
            map.clear();
        }
        map.insert(tenant.id.clone(), tenant);
    }
}

/// One open transaction.
pub(crate) struct Tx<'c> {
    conn: &'c mut DbConnection,
    dialect: Dialect,
    tenant_cache: &'c TenantCache,
    /// Tenants whose write gate this transaction holds (PostgreSQL), with the
    /// strongest mode taken.
    entered: Vec<Entered>,
    /// Tenants this transaction appended events to: once it commits, their events
    /// wait for the sequencer (PostgreSQL).
    appended: Vec<String>,
    /// A statement failed with a deadlock or a serialization failure: the database
    /// has given up this transaction, and the whole of it may be run again.
    conflicted: bool,
}

impl<'c> Tx<'c> {
    pub(crate) fn new(conn: &'c mut DbConnection, tenant_cache: &'c TenantCache) -> Tx<'c> {
        let dialect = Dialect::of(conn);
        Tx {
            conn,
            dialect,
            tenant_cache,
            entered: Vec::new(),
            appended: Vec::new(),
            conflicted: false,
        }
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether a statement failed with a transient conflict (see [`crate::error::is_conflict`]).
    pub(crate) fn conflicted(&self) -> bool {
        self.conflicted
    }

    /// The tenants this transaction appended events to.
    pub(crate) fn into_appended(self) -> Vec<String> {
        self.appended
    }

    pub(crate) fn note_appended(&mut self, tenant_id: &str) {
        if !self.appended.iter().any(|t| t == tenant_id) {
            self.appended.push(tenant_id.to_owned());
        }
    }

    /// Converts a failed statement's error, remembering conflicts.
    fn failed(&mut self, error: diesel::result::Error) -> StoreError {
        if crate::error::is_conflict(&error) {
            self.conflicted = true;
        }
        error.into()
    }

    /// Runs a query and maps its rows.
    pub(crate) fn load<R>(&mut self, sql: Sql) -> Result<Vec<R>, StoreError>
    where
        R: QueryableByName<MultiBackend> + 'static,
    {
        sql.load::<R>(self.conn).map_err(|e| self.failed(e))
    }

    /// Runs a query expected to return at most one row.
    pub(crate) fn first<R>(&mut self, sql: Sql) -> Result<Option<R>, StoreError>
    where
        R: QueryableByName<MultiBackend> + 'static,
    {
        Ok(self.load::<R>(sql)?.into_iter().next())
    }

    /// Runs a statement, returning the number of affected rows.
    pub(crate) fn execute(&mut self, sql: Sql) -> Result<usize, StoreError> {
        sql.execute(self.conn).map_err(|e| self.failed(e))
    }

    /// Runs an INSERT or UPDATE whose only expected unique violation is a
    /// duplicate of `attribute`: the checks before it already rule out the others
    /// (row locks or the single writer keep them true), so this only maps what a
    /// bug or a caller reusing an id would hit.
    pub(crate) fn execute_unique(
        &mut self,
        sql: Sql,
        attribute: &'static str,
    ) -> Result<usize, StoreError> {
        use diesel::result::{DatabaseErrorKind, Error};
        match sql.execute(self.conn) {
            Ok(n) => Ok(n),
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
                let what = format!(
                    "{} {}",
                    info.message(),
                    info.constraint_name().unwrap_or("")
                );
                let attribute = if what.contains("user_name") {
                    "userName"
                } else if what.contains("display_name") {
                    "displayName"
                } else {
                    attribute
                };
                Err(StoreError::Conflict { attribute })
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    /// Called before the first write to a tenant's data in this transaction: takes
    /// the tenant's write gate in shared mode (PostgreSQL) and reads the tenant,
    /// failing if it does not exist. Any number of transactions hold a tenant's gate
    /// in shared mode at once; changes to the tenant itself take it exclusively
    /// ([`Tx::enter_exclusive`]), so they wait for the writes in flight and the writes
    /// arriving later wait for them. So the row read here stays the committed one
    /// until this transaction ends (but for its own changes), which keeps what a
    /// write decides with it valid until it commits.
    pub(crate) fn enter(&mut self, tenant_id: &str) -> Result<(), StoreError> {
        self.enter_with(tenant_id, Gate::Shared)
    }

    /// [`Tx::enter`] for a change to the tenant row itself (rules, settings,
    /// catalogue, slug) or its deletion: waits until no other transaction holds the
    /// gate, and keeps all others out until commit.
    pub(crate) fn enter_exclusive(&mut self, tenant_id: &str) -> Result<(), StoreError> {
        self.enter_with(tenant_id, Gate::Exclusive)
    }

    fn enter_with(&mut self, tenant_id: &str, gate: Gate) -> Result<(), StoreError> {
        let held = self
            .entered
            .iter()
            .find(|e| e.tenant_id == tenant_id)
            .map(|e| e.gate);
        if held.is_some_and(|held| held >= gate) {
            return Ok(());
        }
        if let Some(lock) = dialect::tenant_gate(self.dialect, tenant_id, gate) {
            self.execute(lock)?;
        }
        if held.is_none() {
            // A separate statement, so that its snapshot is taken after the gate:
            // a tenant deleted or changed while this transaction waited is seen so.
            let tenant = self.committed_tenant(tenant_id)?;
            self.mark_entered(tenant_id, gate, Some(tenant));
        } else {
            self.mark_entered(tenant_id, gate, None);
        }
        Ok(())
    }

    /// The tenant's committed row, read when first entering it (so this
    /// transaction has not changed it) with the gate held (so nobody else can
    /// until this transaction ends): from the cache when the stamp is unchanged.
    fn committed_tenant(&mut self, tenant_id: &str) -> Result<Arc<Tenant>, StoreError> {
        let stamp = tenants::stamp(self, tenant_id)?
            .ok_or_else(|| StoreError::not_found(ResourceKind::Tenant, tenant_id))?;
        if let Some(cached) = self.tenant_cache.get(tenant_id).filter(|t| stamp.is_of(t)) {
            return Ok(cached);
        }
        let tenant = Arc::new(
            tenants::by_id(self, tenant_id)?
                .ok_or_else(|| StoreError::not_found(ResourceKind::Tenant, tenant_id))?,
        );
        self.tenant_cache.put(Arc::clone(&tenant));
        Ok(tenant)
    }

    /// Records the gate as held and, when given, the tenant row as this transaction
    /// now sees it (a tenant this transaction has just created is invisible to all
    /// others until commit, so it holds the gate without locking).
    pub(crate) fn mark_entered(
        &mut self,
        tenant_id: &str,
        gate: Gate,
        tenant: Option<Arc<Tenant>>,
    ) {
        match self.entered.iter_mut().find(|e| e.tenant_id == tenant_id) {
            Some(entered) => {
                entered.gate = entered.gate.max(gate);
                if tenant.is_some() {
                    entered.tenant = tenant;
                }
            }
            None => self.entered.push(Entered {
                tenant_id: tenant_id.to_owned(),
                gate,
                tenant,
            }),
        }
    }

    /// Forgets the tenant row read when entering (after this transaction changed or
    /// deleted it), keeping the gate.
    pub(crate) fn forget_tenant(&mut self, tenant_id: &str) {
        if let Some(entered) = self.entered.iter_mut().find(|e| e.tenant_id == tenant_id) {
            entered.tenant = None;
        }
    }

    /// The tenant as read after taking its gate (or after this transaction's own
    /// change to it), entering first if needed.
    pub(crate) fn entered_tenant(&mut self, tenant_id: &str) -> Result<Tenant, StoreError> {
        self.enter(tenant_id)?;
        let cached = self
            .entered
            .iter()
            .find(|e| e.tenant_id == tenant_id)
            .and_then(|e| e.tenant.clone());
        // The one copy of the row a caller gets; the transaction and the store's
        // cache share theirs.
        if let Some(tenant) = cached {
            return Ok(Tenant::clone(&tenant));
        }
        let tenant = tenants::by_id(self, tenant_id)?
            .ok_or_else(|| StoreError::not_found(ResourceKind::Tenant, tenant_id))?;
        self.mark_entered(tenant_id, Gate::Shared, Some(Arc::new(tenant.clone())));
        Ok(tenant)
    }
}

/// A tenant whose write gate a transaction holds.
struct Entered {
    tenant_id: String,
    gate: Gate,
    /// The row as this transaction sees it, when known: nobody else can change it
    /// while the gate is held.
    tenant: Option<Arc<Tenant>>,
}

/// A row type the SCIM list queries page through: users or groups.
pub(super) trait Listed: QueryableByName<MultiBackend> + Sized + 'static {
    /// What a row becomes.
    type Model;
    /// The resource kind (table and alias).
    const KIND: query::Kind;
    /// The selected columns.
    const COLUMNS: &'static str;
    /// The row's id, the order's tie-breaker.
    fn row_id(&self) -> &str;
    /// Rows to models.
    fn into_models(rows: Vec<Self>) -> Result<Vec<Self::Model>, StoreError>;
    /// What a resource's SCIM form lists besides its body: a user's groups, a
    /// group's members.
    type Related;
    /// A model's id.
    fn model_id(model: &Self::Model) -> &str;
    /// The related references of each of `ids`, read in one query per chunk.
    fn related(
        tx: &mut Tx<'_>,
        tenant_id: &str,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<Self::Related>>, StoreError>;
    /// The SCIM form that filters are evaluated on.
    fn render(model: &Self::Model, related: &[Self::Related], base_url: Option<&str>) -> Value;
}

/// Which of `inexact`, ids of the tenant's inexact resources (see `crate::doc`),
/// are live and match `filter`, decided in Rust on their rendered form.
fn inexact_matches<R: Listed>(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    inexact: &[String],
    filter: &CompiledFilter,
    base_url: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let (table, a) = (R::KIND.table(), R::KIND.alias());
    let mut sql = Sql::select(R::COLUMNS, &format!(" FROM {table} {a} WHERE "));
    sql.append(query::inexact_where(R::KIND, tenant_id, inexact));
    let models = R::into_models(tx.load::<R>(sql)?)?;
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = models.iter().map(|m| R::model_id(m).to_owned()).collect();
    let mut related = R::related(tx, tenant_id, &ids)?;
    Ok(models
        .iter()
        .filter(|m| {
            let refs = related.remove(R::model_id(m)).unwrap_or_default();
            filter.matches(&R::render(m, &refs, base_url))
        })
        .map(|m| R::model_id(m).to_owned())
        .collect())
}

/// One page of a SCIM list query: the filter in SQL where it is exact, with the
/// inexact resources' verdicts from Rust spliced in as id lists.
pub(super) fn list<R: Listed>(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    q: &ListQuery<'_>,
) -> Result<Page<R::Model>, StoreError> {
    users::check_base_url(q.base_url)?;
    let mut condition = query::base_where(R::KIND, tenant_id, true);
    if let Some(filter) = q.filter {
        // Almost always none: one probe of an empty index range.
        let inexact = inexact_ids(tx, R::KIND, tenant_id)?;
        let mut rust = Vec::new();
        for chunk in inexact.chunks(CHUNK) {
            rust.extend(inexact_matches::<R>(
                tx, tenant_id, chunk, filter, q.base_url,
            )?);
        }
        condition.push(" AND ").append(query::filter_where(
            R::KIND,
            tx.dialect(),
            tenant_id,
            q.base_url,
            filter,
            &rust,
        )?);
    }
    let order = query::order(R::KIND, tx.dialect(), q.sort)?;
    let page = query::fetch_page::<R>(
        tx,
        tenant_id,
        R::COLUMNS,
        &condition,
        &order,
        q.paging,
        R::row_id,
    )?;
    Ok(Page {
        items: R::into_models(page.rows)?,
        total: page.total,
        next_cursor: page.next,
        previous_cursor: page.previous,
    })
}

/// Fails with `PreconditionFailed` unless `expected` is absent or `actual`.
pub(crate) fn check_version(expected: Option<i64>, actual: i64) -> Result<(), StoreError> {
    match expected {
        Some(expected) if expected != actual => {
            Err(StoreError::PreconditionFailed { expected, actual })
        }
        _ => Ok(()),
    }
}

/// Locks the tenant's rows of `kind` with these ids, in id order (PostgreSQL; on
/// SQLite the single writer already excludes everyone), after entering the
/// tenant.
fn lock_rows(
    tx: &mut Tx<'_>,
    kind: query::Kind,
    tenant_id: &str,
    ids: &[String],
) -> Result<(), StoreError> {
    tx.enter(tenant_id)?;
    if tx.dialect() == Dialect::Sqlite {
        return Ok(());
    }
    let (table, a) = (kind.table(), kind.alias());
    for chunk in sorted_unique(ids).chunks(CHUNK) {
        let mut sql = Sql::from(&format!(
            "SELECT {a}.id FROM {table} {a} WHERE {a}.tenant_id = "
        ));
        sql.text(tenant_id)
            .push(&format!(" AND {a}.id IN "))
            .text_list(chunk)
            .push(&format!(" ORDER BY {a}.id"));
        dialect::lock_rows(tx.dialect(), &mut sql);
        tx.load::<rows::IdRow>(sql)?;
    }
    Ok(())
}

/// `UPDATE {table} SET {set}` for one tenant-scoped row (after entering the
/// tenant); `NotFound` naming `what` when there is no such row.
pub(crate) fn update_row(
    tx: &mut Tx<'_>,
    table: &str,
    what: ResourceKind,
    tenant_id: &str,
    id: &str,
    set: Sql,
) -> Result<(), StoreError> {
    tx.enter(tenant_id)?;
    let mut sql = Sql::from(&format!("UPDATE {table} SET "));
    sql.append(set)
        .push(" WHERE tenant_id = ")
        .text(tenant_id)
        .push(" AND id = ")
        .text(id);
    if tx.execute(sql)? == 0 {
        return Err(StoreError::not_found(what, id));
    }
    Ok(())
}

/// Ids of the tenant's inexact resources of `kind`.
fn inexact_ids(
    tx: &mut Tx<'_>,
    kind: query::Kind,
    tenant_id: &str,
) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::from("SELECT resource_id AS id FROM inexact_resources WHERE tenant_id = ");
    sql.text(tenant_id)
        .push(" AND kind = ")
        .text(kind.resource_type());
    Ok(tx
        .load::<rows::IdRow>(sql)?
        .into_iter()
        .map(|row| row.id)
        .collect())
}

/// Keeps `inexact_resources` in step with a row's `filter_exact`: `was` is the
/// stored value before the change (`None` for a new row), `now` the new one
/// (`None` when the row is deleted).
pub(crate) fn record_exactness(
    tx: &mut Tx<'_>,
    kind: crate::query::Kind,
    tenant_id: &str,
    id: &str,
    was: Option<bool>,
    now: Option<bool>,
) -> Result<(), StoreError> {
    let was_listed = was == Some(false);
    let listed = now == Some(false);
    if was_listed == listed {
        return Ok(());
    }
    let mut sql = if listed {
        let mut sql =
            Sql::from("INSERT INTO inexact_resources (tenant_id, kind, resource_id) VALUES (");
        sql.text(tenant_id)
            .push(", ")
            .text(kind.resource_type())
            .push(", ")
            .text(id)
            .push(") ON CONFLICT DO NOTHING");
        sql
    } else {
        let mut sql = Sql::from("DELETE FROM inexact_resources WHERE tenant_id = ");
        sql.text(tenant_id)
            .push(" AND kind = ")
            .text(kind.resource_type())
            .push(" AND resource_id = ")
            .text(id);
        sql
    };
    tx.execute(std::mem::take(&mut sql))?;
    Ok(())
}

/// Ids are chosen by callers; they must be lowercase (so that attributes compared
/// case-insensitively, like a user's `groups.value`, need no folding) and usable
/// as text on both backends.
pub(crate) fn check_id(kind: &str, id: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.len() > 255 {
        return Err(StoreError::invalid(format!(
            "{kind} id must have 1 to 255 bytes"
        )));
    }
    if id.contains('\0') || id.to_lowercase() != id {
        return Err(StoreError::invalid(format!(
            "{kind} id '{id}' must be lowercase and free of NUL characters"
        )));
    }
    Ok(())
}

/// PostgreSQL text cannot hold NUL, and SQLite's string functions stop at it: the
/// store refuses it everywhere, on both backends alike.
pub(crate) fn check_text(field: &str, value: &str) -> Result<(), StoreError> {
    if value.contains('\0') {
        return Err(StoreError::invalid(format!(
            "{field} contains a NUL character"
        )));
    }
    Ok(())
}

/// [`check_text`] for every key and string of a JSON value.
pub(crate) fn check_json(field: &str, value: &Value) -> Result<(), StoreError> {
    match value {
        Value::String(s) => check_text(field, s),
        Value::Array(items) => items.iter().try_for_each(|v| check_json(field, v)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            check_text(field, k)?;
            check_json(field, v)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

pub(crate) fn to_json_text(value: &Value) -> String {
    value.to_string()
}

pub(crate) fn parse_json(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Database {
        message: format!("stored JSON does not parse: {e}"),
        source: Some(Box::new(e)),
    })
}

/// Sorted, deduplicated copy of a list of ids.
pub(crate) fn sorted_unique(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl ReadTx for Tx<'_> {
    fn tenant(&mut self, id: &str) -> Result<Option<Tenant>, StoreError> {
        tenants::by_id(self, id)
    }

    fn tenant_by_slug(&mut self, slug: &str) -> Result<Option<Tenant>, StoreError> {
        tenants::by_slug(self, slug)
    }

    fn tenants(&mut self) -> Result<Vec<Tenant>, StoreError> {
        tenants::all(self)
    }

    fn tokens(&mut self, tenant_id: &str) -> Result<Vec<Token>, StoreError> {
        tenants::tokens(self, tenant_id, None)
    }

    fn usable_tokens(
        &mut self,
        tenant_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Token>, StoreError> {
        tenants::tokens(self, tenant_id, Some(now))
    }

    fn user(
        &mut self,
        tenant_id: &str,
        id: &str,
        visibility: Visibility,
    ) -> Result<Option<User>, StoreError> {
        users::by_id(self, tenant_id, id, visibility)
    }

    fn users_by_ids(
        &mut self,
        tenant_id: &str,
        ids: &[String],
        visibility: Visibility,
    ) -> Result<Vec<User>, StoreError> {
        users::by_ids(self, tenant_id, ids, visibility)
    }

    fn user_by_user_name(
        &mut self,
        tenant_id: &str,
        user_name: &str,
        visibility: Visibility,
    ) -> Result<Option<User>, StoreError> {
        users::by_user_name(self, tenant_id, user_name, visibility)
    }

    fn users(&mut self, tenant_id: &str, query: &ListQuery<'_>) -> Result<Page<User>, StoreError> {
        list::<rows::UserRow>(self, tenant_id, query)
    }

    fn admin_users(
        &mut self,
        tenant_id: &str,
        query: &AdminUserQuery,
    ) -> Result<Page<User>, StoreError> {
        users::admin_list(self, tenant_id, query)
    }

    fn user_batch(
        &mut self,
        tenant_id: &str,
        after: Option<&str>,
        limit: u64,
        visibility: Visibility,
    ) -> Result<Vec<UserWithGroups>, StoreError> {
        users::batch(self, tenant_id, after, limit, visibility)
    }

    fn group(&mut self, tenant_id: &str, id: &str) -> Result<Option<Group>, StoreError> {
        groups::by_id(self, tenant_id, id)
    }

    fn group_by_display_name(
        &mut self,
        tenant_id: &str,
        display_name: &str,
    ) -> Result<Option<Group>, StoreError> {
        groups::by_display_name(self, tenant_id, display_name)
    }

    fn groups(
        &mut self,
        tenant_id: &str,
        query: &ListQuery<'_>,
    ) -> Result<Page<Group>, StoreError> {
        list::<rows::GroupRow>(self, tenant_id, query)
    }

    fn members(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        offset: u64,
        count: u64,
    ) -> Result<MemberPage, StoreError> {
        groups::members(self, tenant_id, group_id, offset, count)
    }

    fn members_of_groups(
        &mut self,
        tenant_id: &str,
        group_ids: &[String],
    ) -> Result<HashMap<String, Vec<MemberRef>>, StoreError> {
        groups::members_of_groups(self, tenant_id, group_ids)
    }

    fn member_ids(&mut self, tenant_id: &str, group_id: &str) -> Result<Vec<String>, StoreError> {
        groups::member_ids(self, tenant_id, group_id)
    }

    fn is_member(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, StoreError> {
        groups::is_member(self, tenant_id, group_id, user_id)
    }

    fn groups_of_user(
        &mut self,
        tenant_id: &str,
        user_id: &str,
    ) -> Result<Vec<GroupRef>, StoreError> {
        let mut map = groups::groups_of_users(self, tenant_id, &[user_id.to_owned()])?;
        Ok(map.remove(user_id).unwrap_or_default())
    }

    fn groups_of_users(
        &mut self,
        tenant_id: &str,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<GroupRef>>, StoreError> {
        groups::groups_of_users(self, tenant_id, user_ids)
    }

    fn events(
        &mut self,
        tenant_id: &str,
        after: i64,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError> {
        events::after(self, tenant_id, after, limit)
    }

    fn events_of_resource(
        &mut self,
        tenant_id: &str,
        resource_id: &str,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError> {
        events::of_resource(self, tenant_id, resource_id, limit)
    }

    fn latest_events_of_resources(
        &mut self,
        tenant_id: &str,
        resource_ids: &[String],
        kinds: &[EventKind],
    ) -> Result<HashMap<String, Event>, StoreError> {
        events::latest_of_resources(self, tenant_id, resource_ids, kinds)
    }
}

impl WriteTx for Tx<'_> {
    fn insert_tenant(&mut self, tenant: &NewTenant) -> Result<Tenant, StoreError> {
        tenants::insert(self, tenant)
    }

    fn tenant_for_write(&mut self, id: &str) -> Result<Tenant, StoreError> {
        tenants::for_write(self, id)
    }

    fn update_tenant(
        &mut self,
        id: &str,
        update: &TenantUpdate,
        now: DateTime<Utc>,
    ) -> Result<Tenant, StoreError> {
        tenants::update(self, id, update, now)
    }

    fn delete_tenant(&mut self, id: &str) -> Result<(), StoreError> {
        tenants::delete(self, id)
    }

    fn insert_token(&mut self, token: &NewToken) -> Result<Token, StoreError> {
        tenants::insert_token(self, token)
    }

    fn revoke_token(
        &mut self,
        tenant_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError> {
        tenants::revoke_token(self, tenant_id, id, now)
    }

    fn touch_token(
        &mut self,
        tenant_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        tenants::touch_token(self, tenant_id, id, now)
    }

    fn set_token_expiry(
        &mut self,
        tenant_id: &str,
        id: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Token, StoreError> {
        tenants::set_token_expiry(self, tenant_id, id, expires_at)
    }

    fn insert_user(&mut self, user: &NewUser) -> Result<User, StoreError> {
        users::insert(self, user)
    }

    fn update_user(&mut self, update: &UserUpdate) -> Result<User, StoreError> {
        users::update(self, update)
    }

    fn set_user_role(
        &mut self,
        tenant_id: &str,
        id: &str,
        role: Option<&str>,
        reason: Option<&Value>,
    ) -> Result<(), StoreError> {
        users::set_role(self, tenant_id, id, role, reason)
    }

    fn user_for_update(
        &mut self,
        tenant_id: &str,
        id: &str,
        visibility: Visibility,
    ) -> Result<Option<User>, StoreError> {
        users::for_update(self, tenant_id, id, visibility)
    }

    fn set_user_roles(&mut self, tenant_id: &str, roles: &[RoleUpdate]) -> Result<(), StoreError> {
        users::set_roles(self, tenant_id, roles)
    }

    fn set_user_lock(
        &mut self,
        tenant_id: &str,
        id: &str,
        lock: Option<&RoleLock>,
    ) -> Result<(), StoreError> {
        users::set_lock(self, tenant_id, id, lock)
    }

    fn soft_delete_user(
        &mut self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        users::soft_delete(self, tenant_id, id, expected_version, now)
    }

    fn hard_delete_user(
        &mut self,
        tenant_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        users::hard_delete(self, tenant_id, id, now)
    }

    fn lock_users(&mut self, tenant_id: &str, ids: &[String]) -> Result<(), StoreError> {
        lock_rows(self, query::Kind::User, tenant_id, ids)
    }

    fn lock_groups(&mut self, tenant_id: &str, ids: &[String]) -> Result<(), StoreError> {
        lock_rows(self, query::Kind::Group, tenant_id, ids)
    }

    fn insert_group(&mut self, group: &NewGroup) -> Result<Group, StoreError> {
        groups::insert(self, group)
    }

    fn update_group(&mut self, update: &GroupUpdate) -> Result<Group, StoreError> {
        groups::update(self, update)
    }

    fn delete_group(
        &mut self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<Vec<String>, StoreError> {
        groups::delete(self, tenant_id, id, expected_version)
    }

    fn add_members(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        user_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<MembershipChange, StoreError> {
        groups::add_members(self, tenant_id, group_id, user_ids, now)
    }

    fn remove_members(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        user_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<MembershipChange, StoreError> {
        groups::remove_members(self, tenant_id, group_id, user_ids, now)
    }

    fn replace_members(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        user_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<MembershipChange, StoreError> {
        groups::replace_members(self, tenant_id, group_id, user_ids, now)
    }

    fn remove_user_from_groups(
        &mut self,
        tenant_id: &str,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        groups::remove_user_from_groups(self, tenant_id, user_id, now)
    }

    fn append_event(&mut self, event: &NewEvent) -> Result<(), StoreError> {
        events::append(self, std::slice::from_ref(event))
    }

    fn append_events(&mut self, events: &[NewEvent]) -> Result<(), StoreError> {
        events::append(self, events)
    }
}
