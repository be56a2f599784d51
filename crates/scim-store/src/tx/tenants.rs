//! Tenants and their tokens.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::rows::{IdRow, TENANT_COLUMNS, TOKEN_COLUMNS, TenantRow, TenantStampRow, TokenRow};
use super::{Tx, check_id, check_json, check_text, to_json_text, update_row};
use crate::dialect::Gate;
use crate::error::{ResourceKind, StoreError};
use crate::model::{NewTenant, NewToken, Tenant, TenantUpdate, Token};
use crate::sql::Sql;
use crate::time::{from_db, opt_to_db, to_db};

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

/// What tells one state of a tenant row from another (see [`super::TenantCache`]).
pub(super) fn stamp(tx: &mut Tx<'_>, id: &str) -> Result<Option<TenantStampRow>, StoreError> {
    let mut sql = Sql::from("SELECT version, created, updated FROM tenants WHERE id = ");
    sql.text(id);
    tx.first::<TenantStampRow>(sql)
}

pub(super) fn by_slug(tx: &mut Tx<'_>, slug: &str) -> Result<Option<Tenant>, StoreError> {
    let mut sql = select();
    sql.push("WHERE slug = ").text(slug);
    one(tx, sql)
}

pub(super) fn all(tx: &mut Tx<'_>) -> Result<Vec<Tenant>, StoreError> {
    let mut sql = select();
    sql.push("ORDER BY slug");
    tx.load::<TenantRow>(sql)?
        .into_iter()
        .map(TenantRow::into_model)
        .collect()
}

/// The tenant as a write transaction must decide with: read after taking the
/// tenant's write gate, so no change to it can commit before this transaction does.
pub(super) fn for_write(tx: &mut Tx<'_>, id: &str) -> Result<Tenant, StoreError> {
    tx.entered_tenant(id)
}

fn slug_taken(tx: &mut Tx<'_>, slug: &str, except: Option<&str>) -> Result<bool, StoreError> {
    let mut sql = Sql::from("SELECT id FROM tenants WHERE slug = ");
    sql.text(slug);
    if let Some(id) = except {
        sql.push(" AND id <> ").text(id);
    }
    Ok(tx.first::<IdRow>(sql)?.is_some())
}

pub(super) fn insert(tx: &mut Tx<'_>, tenant: &NewTenant) -> Result<Tenant, StoreError> {
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

pub(super) fn update(
    tx: &mut Tx<'_>,
    id: &str,
    update: &TenantUpdate,
    now: DateTime<Utc>,
) -> Result<Tenant, StoreError> {
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
    let updated = one(tx, sql)?.ok_or_else(|| StoreError::not_found(ResourceKind::Tenant, id))?;
    // What this transaction now sees of the row, until it commits.
    tx.mark_entered(id, Gate::Exclusive, Some(Arc::new(updated.clone())));
    Ok(updated)
}

pub(super) fn delete(tx: &mut Tx<'_>, id: &str) -> Result<(), StoreError> {
    tx.enter_exclusive(id)?;
    // Memberships go with users and groups (ON DELETE CASCADE), they with the tenant.
    let mut sql = Sql::from("DELETE FROM tenants WHERE id = ");
    sql.text(id);
    tx.execute(sql)?;
    tx.forget_tenant(id);
    Ok(())
}

pub(super) fn tokens(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    usable_at: Option<DateTime<Utc>>,
) -> Result<Vec<Token>, StoreError> {
    let mut sql = Sql::select(TOKEN_COLUMNS, " FROM tokens WHERE tenant_id = ");
    sql.text(tenant_id);
    if let Some(now) = usable_at {
        sql.push(" AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ")
            .time(to_db(now))
            .push(")");
    }
    sql.push(" ORDER BY created DESC, id");
    Ok(tx
        .load::<TokenRow>(sql)?
        .into_iter()
        .map(TokenRow::into_model)
        .collect())
}

pub(super) fn insert_token(tx: &mut Tx<'_>, token: &NewToken) -> Result<Token, StoreError> {
    check_id("token", &token.id)?;
    for (field, value) in [
        ("prefix", &token.prefix),
        ("hash", &token.hash),
        ("label", &token.label),
    ] {
        check_text(field, value)?;
    }
    tx.enter(&token.tenant_id)?;
    let mut exists = Sql::from("SELECT id FROM tokens WHERE id = ");
    exists.text(&token.id);
    if tx.first::<IdRow>(exists)?.is_some() {
        return Err(StoreError::Conflict { attribute: "id" });
    }
    let mut sql = Sql::from(
        "INSERT INTO tokens (id, tenant_id, prefix, hash, label, created, expires_at) VALUES (",
    );
    sql.text(&token.id)
        .push(", ")
        .text(&token.tenant_id)
        .push(", ")
        .text(&token.prefix)
        .push(", ")
        .text(&token.hash)
        .push(", ")
        .text(&token.label)
        .push(", ")
        .time(to_db(token.now))
        .push(", ")
        .opt_time(opt_to_db(token.expires_at))
        .push(") RETURNING ")
        .push(TOKEN_COLUMNS);
    tx.first::<TokenRow>(sql)?
        .map(TokenRow::into_model)
        .ok_or_else(|| StoreError::not_found(ResourceKind::Token, &token.id))
}

/// Changes a token's row (`set`: `column = value, ...`) and returns it as written.
fn update_token(tx: &mut Tx<'_>, tenant_id: &str, id: &str, set: Sql) -> Result<Token, StoreError> {
    tx.enter(tenant_id)?;
    let mut sql = Sql::from("UPDATE tokens SET ");
    sql.append(set)
        .push(" WHERE tenant_id = ")
        .text(tenant_id)
        .push(" AND id = ")
        .text(id)
        .push(" RETURNING ")
        .push(TOKEN_COLUMNS);
    tx.first::<TokenRow>(sql)?
        .map(TokenRow::into_model)
        .ok_or_else(|| StoreError::not_found(ResourceKind::Token, id))
}

pub(super) fn revoke_token(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Token, StoreError> {
    let mut set = Sql::from("revoked_at = COALESCE(revoked_at, ");
    set.time(to_db(now)).push(")");
    update_token(tx, tenant_id, id, set)
}

pub(super) fn touch_token(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut set = Sql::from("last_used = ");
    set.time(to_db(now));
    update_row(tx, "tokens", ResourceKind::Token, tenant_id, id, set)
}

pub(super) fn set_token_expiry(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    id: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Token, StoreError> {
    let mut set = Sql::from("expires_at = ");
    set.opt_time(opt_to_db(expires_at));
    update_token(tx, tenant_id, id, set)
}
