//! A tenant's bearer tokens (hashes only: the store never sees a secret), and
//! the one lookup across tenants: tokens by their identifier.

use chrono::{DateTime, Utc};

use super::handle::{ReadTx, Scoped, Tokens, Write};
use super::{Tx, update_row};
use crate::check::{check_id, check_text};
use crate::error::{ResourceKind, StoreError};
use crate::model::{NewToken, Token, TokenKind};
use crate::rows::{IdRow, TOKEN_COLUMNS, TokenRow};
use crate::sql::Sql;
use crate::time::{opt_to_db, to_db};

impl<M> Scoped<'_, '_, M, Tokens> {
    /// All tokens of the tenant of this kind, newest first.
    pub fn all(&mut self, kind: TokenKind) -> Result<Vec<Token>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::select(TOKEN_COLUMNS, " FROM tokens WHERE tenant_id = ");
        sql.text(tenant_id);
        tokens(tx, sql, kind, None)
    }

    /// The tokens of this kind that may authenticate at `now` (not revoked,
    /// not expired).
    pub fn usable(
        &mut self,
        kind: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<Vec<Token>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::select(TOKEN_COLUMNS, " FROM tokens WHERE tenant_id = ");
        sql.text(tenant_id);
        tokens(tx, sql, kind, Some(now))
    }
}

impl ReadTx<'_> {
    /// The tokens of this kind, of any tenant, with this identifier that may
    /// authenticate at `now`: for a request that names no tenant (the admin
    /// API) or a tenant that is not there (a SCIM client of a renamed tenant).
    pub fn usable_tokens_with_prefix(
        &mut self,
        kind: TokenKind,
        prefix: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Token>, StoreError> {
        let mut sql = Sql::select(TOKEN_COLUMNS, " FROM tokens WHERE prefix = ");
        sql.text(prefix);
        tokens(self.raw(), sql, kind, Some(now))
    }
}

/// The tokens `sql` selects (up to an open `WHERE`) of this kind, newest first;
/// only those usable at `usable_at` if given.
fn tokens(
    tx: &mut Tx<'_>,
    mut sql: Sql,
    kind: TokenKind,
    usable_at: Option<DateTime<Utc>>,
) -> Result<Vec<Token>, StoreError> {
    sql.push(" AND kind = ").text(kind.as_str());
    if let Some(now) = usable_at {
        sql.push(" AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ")
            .time(to_db(now))
            .push(")");
    }
    sql.push(" ORDER BY created DESC, id");
    tx.load::<TokenRow>(sql)?
        .into_iter()
        .map(TokenRow::into_model)
        .collect()
}

impl Scoped<'_, '_, Write, Tokens> {
    /// Stores a token.
    pub fn insert(&mut self, token: &NewToken) -> Result<Token, StoreError> {
        let (tx, tenant_id) = self.parts();
        check_id("token", &token.id)?;
        for (field, value) in [
            ("prefix", &token.prefix),
            ("hash", &token.hash),
            ("label", &token.label),
        ] {
            check_text(field, value)?;
        }
        tx.enter(tenant_id)?;
        let mut exists = Sql::from("SELECT id FROM tokens WHERE id = ");
        exists.text(&token.id);
        if tx.first::<IdRow>(exists)?.is_some() {
            return Err(StoreError::Conflict { attribute: "id" });
        }
        let mut sql = Sql::from(
            "INSERT INTO tokens (id, tenant_id, kind, prefix, hash, label, created, expires_at) \
             VALUES (",
        );
        sql.text(&token.id)
            .push(", ")
            .text(tenant_id)
            .push(", ")
            .text(token.kind.as_str())
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
            .transpose()?
            .ok_or_else(|| StoreError::not_found(ResourceKind::Token, &token.id))
    }

    /// Revokes a token (idempotent: an earlier revocation time is kept).
    pub fn revoke(&mut self, id: &str, now: DateTime<Utc>) -> Result<Token, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut set = Sql::from("revoked_at = COALESCE(revoked_at, ");
        set.time(to_db(now)).push(")");
        update_token(tx, tenant_id, id, set)
    }

    /// Records that a token authenticated a request.
    pub fn touch(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut set = Sql::from("last_used = ");
        set.time(to_db(now));
        update_row(
            tx,
            ("tokens", "id"),
            ResourceKind::Token,
            tenant_id,
            id,
            set,
        )
    }

    /// Sets or clears a token's expiry (rotation overlap).
    pub fn set_expiry(
        &mut self,
        id: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Token, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut set = Sql::from("expires_at = ");
        set.opt_time(opt_to_db(expires_at));
        update_token(tx, tenant_id, id, set)
    }
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
        .transpose()?
        .ok_or_else(|| StoreError::not_found(ResourceKind::Token, id))
}
