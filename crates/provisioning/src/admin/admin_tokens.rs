//! A tenant's admin tokens: credentials for that tenant's part of the admin
//! API, each with a name that every event it causes records. Issued, listed and
//! revoked like SCIM tokens (stored as hashes), but never accepted on SCIM, as
//! SCIM tokens are never accepted here.

use chrono::{DateTime, Utc};
use scim_store::{NewToken, Token, TokenKind};
use serde::Serialize;

use super::tokens::find_token;
use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::events::{Event, Recorder};
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::token;
use crate::users::new_id;

/// Longest admin token name.
const MAX_NAME_CHARS: usize = 100;

/// An admin token as listed (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminTokenInfo {
    /// Token id.
    pub id: String,
    /// Non-secret identifier (the token's first characters).
    pub prefix: String,
    /// Who or what holds it; events name it.
    pub name: String,
    /// Issue time.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub created: DateTime<Utc>,
    /// Last use (updated at most once a minute).
    #[serde(serialize_with = "crate::time_format::serialize_option")]
    pub last_used: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    #[serde(serialize_with = "crate::time_format::serialize_option")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl AdminTokenInfo {
    fn from_row(t: &Token) -> AdminTokenInfo {
        AdminTokenInfo {
            id: t.id.clone(),
            prefix: t.prefix.clone(),
            name: t.label.clone(),
            created: t.created,
            last_used: t.last_used,
            revoked_at: t.revoked_at,
        }
    }
}

/// A newly issued admin token: the secret is in here once and nowhere else.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedAdminToken {
    /// The token's listing entry.
    pub token: AdminTokenInfo,
    /// The secret, to hand to its holder now.
    pub secret: String,
}

/// A name is for humans and logs: 1 to 100 characters, no control characters.
fn check_name(name: &str) -> Result<()> {
    let length = name.chars().count();
    if name.trim().is_empty() || length > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "an admin token's name must be 1 to {MAX_NAME_CHARS} characters without control characters"
        )));
    }
    Ok(())
}

impl Provisioning {
    /// Issues an admin token for `tenant` named `name` (unique among the
    /// tenant's admin tokens that are not revoked).
    pub fn issue_admin_token(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        name: &str,
    ) -> Result<IssuedAdminToken> {
        check_name(name)?;
        let now = self.now();
        self.write(|tx| {
            let taken = tx
                .tenant(&tenant.id)
                .tokens()
                .all(TokenKind::Admin)?
                .iter()
                .any(|t| t.revoked_at.is_none() && t.label == name);
            if taken {
                return Err(Error::Conflict { attribute: "name" });
            }
            let issued = token::issue_admin()?;
            let row = tx.tenant(&tenant.id).tokens().insert(&NewToken {
                id: new_id(),
                kind: TokenKind::Admin,
                prefix: issued.identifier.clone(),
                hash: issued.hash.clone(),
                label: name.to_owned(),
                expires_at: None,
                now,
            })?;
            Recorder::new(&tenant.id, ctx, now).append(
                tx,
                Event::AdminTokenIssued {
                    token: &row.id,
                    prefix: &row.prefix,
                    name,
                },
            )?;
            Ok(IssuedAdminToken {
                token: AdminTokenInfo::from_row(&row),
                secret: issued.secret.clone(),
            })
        })
    }

    /// The tenant's admin tokens, newest first.
    pub fn list_admin_tokens(&self, tenant: &TenantContext) -> Result<Vec<AdminTokenInfo>> {
        let rows = self.read(|tx| Ok(tx.tenant(&tenant.id).tokens().all(TokenKind::Admin)?))?;
        Ok(rows.iter().map(AdminTokenInfo::from_row).collect())
    }

    /// Revokes the admin token with this id or prefix, at once.
    pub fn revoke_admin_token(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        id_or_prefix: &str,
    ) -> Result<AdminTokenInfo> {
        let now = self.now();
        self.write(|tx| {
            let token = find_token(tx, &tenant.id, TokenKind::Admin, id_or_prefix)?;
            let row = tx.tenant(&tenant.id).tokens().revoke(&token.id, now)?;
            Recorder::new(&tenant.id, ctx, now).append(
                tx,
                Event::AdminTokenRevoked {
                    token: &row.id,
                    prefix: &row.prefix,
                    name: &row.label,
                },
            )?;
            Ok(AdminTokenInfo::from_row(&row))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_are_short_printable_text() {
        assert!(check_name("ci pipeline").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("   ").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(101)).is_err());
        assert!(check_name(&"é".repeat(100)).is_ok());
    }
}
