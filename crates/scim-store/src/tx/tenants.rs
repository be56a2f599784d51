//! Tenants: the tenant-independent operations of a transaction (list, find by
//! slug, create) and a scope's own row (read, read for write, change, delete).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Tx;
use super::handle::{ReadTx, TenantScope, Write, WriteTx};
use crate::check::{check_id, check_json, check_text, to_json_text};
use crate::dialect::Gate;
use crate::error::{ResourceKind, StoreError};
use crate::model::{NewTenant, Tenant, TenantUpdate};
use crate::rows::{IdRow, TENANT_COLUMNS, TenantRow, TenantStampRow};
use crate::sql::Sql;
use crate::time::{from_db, to_db};

fn select() -> Sql {
    Sql::select(TENANT_COLUMNS, " FROM tenants ")
}

fn one(tx: &mut Tx<'_>, sql: Sql) -> Result<Option<Tenant>, StoreError> {
    tx.first::<TenantRow>(sql)?
        .map(TenantRow::into_model)
        .transpose()
}

pub(crate) fn by_id(tx: &mut Tx<'_>, id: &str) -> Result<Option<Tenant>, StoreError> {
    let mut sql = select();
    sql.push("WHERE id = ").text(id);
    one(tx, sql)
}

/// What tells one state of a tenant row from another (see [`super::gate::TenantCache`]).
pub(super) fn stamp(tx: &mut Tx<'_>, id: &str) -> Result<Option<TenantStampRow>, StoreError> {
    let mut sql = Sql::from("SELECT version, created, updated FROM tenants WHERE id = ");
    sql.text(id);
    tx.first::<TenantStampRow>(sql)
}

impl ReadTx<'_> {
    /// The tenant with this slug.
    pub fn tenant_by_slug(&mut self, slug: &str) -> Result<Option<Tenant>, StoreError> {
        let mut sql = select();
        sql.push("WHERE slug = ").text(slug);
        one(self.raw(), sql)
    }

    /// All tenants, by slug.
    pub fn tenants(&mut self) -> Result<Vec<Tenant>, StoreError> {
        let mut sql = select();
        sql.push("ORDER BY slug");
        self.raw()
            .load::<TenantRow>(sql)?
            .into_iter()
            .map(TenantRow::into_model)
            .collect()
    }
}

impl<M> TenantScope<'_, '_, M> {
    /// The tenant's row, if the tenant exists. In a write transaction, read the
    /// rules a write decides with through [`TenantScope::for_write`] instead.
    pub fn get(&mut self) -> Result<Option<Tenant>, StoreError> {
        let (tx, id) = self.parts();
        by_id(tx, id)
    }
}

fn slug_taken(tx: &mut Tx<'_>, slug: &str, except: Option<&str>) -> Result<bool, StoreError> {
    let mut sql = Sql::from("SELECT id FROM tenants WHERE slug = ");
    sql.text(slug);
    if let Some(id) = except {
        sql.push(" AND id <> ").text(id);
    }
    Ok(tx.first::<IdRow>(sql)?.is_some())
}

impl WriteTx<'_> {
    /// Creates a tenant (with an empty event log).
    pub fn insert_tenant(&mut self, tenant: &NewTenant) -> Result<Tenant, StoreError> {
        let tx = self.raw();
        check_id("tenant", &tenant.id)?;
        check_text("slug", &tenant.slug)?;
        check_text("display name", &tenant.display_name)?;
        for (field, value) in [
            ("settings", &tenant.settings),
            ("role catalogue", &tenant.role_catalogue),
            ("rule set", &tenant.rule_set),
        ] {
            check_json(field, value)?;
        }
        if slug_taken(tx, &tenant.slug, None)? {
            return Err(StoreError::Conflict { attribute: "slug" });
        }
        if by_id(tx, &tenant.id)?.is_some() {
            return Err(StoreError::Conflict { attribute: "id" });
        }
        let now = to_db(tenant.now);
        let mut sql = Sql::from(
            "INSERT INTO tenants (id, slug, display_name, settings, role_catalogue, rule_set, \
             created, updated) VALUES (",
        );
        sql.text(&tenant.id)
            .push(", ")
            .text(&tenant.slug)
            .push(", ")
            .text(&tenant.display_name)
            .push(", ")
            .text(to_json_text(&tenant.settings))
            .push(", ")
            .text(to_json_text(&tenant.role_catalogue))
            .push(", ")
            .text(to_json_text(&tenant.rule_set))
            .push(", ")
            .time(now)
            .push(", ")
            .time(now)
            .push(")");
        tx.execute(sql)?;
        let created = Tenant {
            id: tenant.id.clone(),
            slug: tenant.slug.clone(),
            display_name: tenant.display_name.clone(),
            settings: tenant.settings.clone(),
            role_catalogue: tenant.role_catalogue.clone(),
            rule_set: tenant.rule_set.clone(),
            created: from_db(now),
            updated: from_db(now),
            version: 1,
        };
        // The row is invisible to other transactions until commit: nobody else can
        // write to this tenant before then.
        tx.mark_entered(&tenant.id, Gate::Exclusive, Some(Arc::new(created.clone())));
        Ok(created)
    }
}

impl TenantScope<'_, '_, Write> {
    /// The tenant, read after taking its write gate in shared mode: no change to the
    /// tenant (rules, settings, catalogue) can commit between this read and this
    /// transaction's commit, so what is decided with it stays valid. Read the rules
    /// a write decides with through this, never through [`TenantScope::get`].
    pub fn for_write(&mut self) -> Result<Tenant, StoreError> {
        let (tx, id) = self.parts();
        tx.entered_tenant(id)
    }

    /// Changes the tenant. Takes the tenant's write gate exclusively: waits for the
    /// tenant's write transactions in flight and holds back new ones until commit.
    pub fn update(
        &mut self,
        update: &TenantUpdate,
        now: DateTime<Utc>,
    ) -> Result<Tenant, StoreError> {
        let (tx, id) = self.parts();
        tx.enter_exclusive(id)?;
        let mut sql = Sql::from("UPDATE tenants SET version = version + 1, updated = ");
        sql.time(to_db(now));
        if let Some(slug) = &update.slug {
            check_text("slug", slug)?;
            if slug_taken(tx, slug, Some(id))? {
                return Err(StoreError::Conflict { attribute: "slug" });
            }
            sql.push(", slug = ").text(slug);
        }
        if let Some(name) = &update.display_name {
            check_text("display name", name)?;
            sql.push(", display_name = ").text(name);
        }
        for (column, value) in [
            ("settings", &update.settings),
            ("role_catalogue", &update.role_catalogue),
            ("rule_set", &update.rule_set),
        ] {
            if let Some(value) = value {
                check_json(column, value)?;
                sql.push(", ")
                    .push(column)
                    .push(" = ")
                    .text(to_json_text(value));
            }
        }
        sql.push(" WHERE id = ")
            .text(id)
            .push(" RETURNING ")
            .push(TENANT_COLUMNS);
        let updated =
            one(tx, sql)?.ok_or_else(|| StoreError::not_found(ResourceKind::Tenant, id))?;
        // What this transaction now sees of the row, until it commits.
        tx.mark_entered(id, Gate::Exclusive, Some(Arc::new(updated.clone())));
        Ok(updated)
    }

    /// Deletes the tenant and everything it owns (taking the gate exclusively).
    pub fn delete(&mut self) -> Result<(), StoreError> {
        let (tx, id) = self.parts();
        tx.enter_exclusive(id)?;
        // Events have no foreign key on PostgreSQL (migration
        // `events_tenant_key`); memberships go with users and groups (ON DELETE
        // CASCADE), they with the tenant.
        let mut events = Sql::from("DELETE FROM events WHERE tenant_id = ");
        events.text(id);
        tx.execute(events)?;
        let mut sql = Sql::from("DELETE FROM tenants WHERE id = ");
        sql.text(id);
        tx.execute(sql)?;
        tx.forget_tenant(id);
        Ok(())
    }
}
