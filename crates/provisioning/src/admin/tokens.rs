//! Bearer tokens: the list, rotation with an overlap, revocation.

use chrono::{DateTime, Duration, Utc};
use scim_store::{NewToken, ReadTx, Token, TokenKind, WriteTx};
use serde::Serialize;

use crate::context::RequestContext;
use crate::error::{Error, ResourceKind, Result};
use crate::events::{Event, Recorder};
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::token;
use crate::users::new_id;

/// A token as the admin API lists it (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// Token id.
    pub id: String,
    /// Non-secret identifier (the token's first characters).
    pub prefix: String,
    /// Label.
    pub label: String,
    /// Issue time.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub created: DateTime<Utc>,
    /// Last use (updated at most once a minute).
    #[serde(serialize_with = "crate::time_format::serialize_option")]
    pub last_used: Option<DateTime<Utc>>,
    /// When it stops working, if scheduled (rotation overlap).
    #[serde(serialize_with = "crate::time_format::serialize_option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    #[serde(serialize_with = "crate::time_format::serialize_option")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenInfo {
    /// Whether the token authenticates at `now`: not revoked, not expired (the
    /// condition the store's authentication query applies).
    pub fn works_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }

    fn from_row(t: &Token) -> TokenInfo {
        TokenInfo {
            id: t.id.clone(),
            prefix: t.prefix.clone(),
            label: t.label.clone(),
            created: t.created,
            last_used: t.last_used,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A newly issued token: the secret is in here once and nowhere else.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedTokenInfo {
    /// The token's listing entry.
    pub token: TokenInfo,
    /// The secret, to hand to the identity provider now.
    pub secret: String,
}

pub(super) fn issue_token(
    tx: &mut WriteTx<'_>,
    tenant_id: &str,
    label: &str,
    now: DateTime<Utc>,
) -> Result<IssuedTokenInfo> {
    let issued = token::issue()?;
    let row = tx.tenant(tenant_id).tokens().insert(&NewToken {
        id: new_id(),
        kind: TokenKind::Scim,
        prefix: issued.identifier.clone(),
        hash: issued.hash.clone(),
        label: label.to_owned(),
        expires_at: None,
        now,
    })?;
    Ok(IssuedTokenInfo {
        token: TokenInfo::from_row(&row),
        secret: issued.secret,
    })
}

impl Provisioning {
    /// The tenant's tokens, newest first.
    pub fn list_tokens(&self, tenant: &TenantContext) -> Result<Vec<TokenInfo>> {
        let rows = self.read(|tx| Ok(tx.tenant(&tenant.id).tokens().all(TokenKind::Scim)?))?;
        Ok(rows.iter().map(TokenInfo::from_row).collect())
    }

    /// Issues a new token and schedules every other usable token to expire after
    /// `overlap` (default: the configured overlap), so the identity provider can be
    /// switched over without a failed sync.
    pub fn rotate_token(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        overlap: Option<Duration>,
    ) -> Result<IssuedTokenInfo> {
        let now = self.now();
        let until = now + overlap.unwrap_or(self.options.token_overlap);
        self.write(|tx| {
            let old = tx
                .tenant(&tenant.id)
                .tokens()
                .usable(TokenKind::Scim, now)?;
            let issued = issue_token(tx, &tenant.id, "rotated", now)?;
            for token in old {
                if token.expires_at.is_none_or(|at| at > until) {
                    tx.tenant(&tenant.id)
                        .tokens()
                        .set_expiry(&token.id, Some(until))?;
                }
            }
            Recorder::new(&tenant.id, ctx, now).append(
                tx,
                Event::TokenRotated {
                    token: &issued.token.id,
                    prefix: &issued.token.prefix,
                    previous_expire: until,
                },
            )?;
            Ok(issued)
        })
    }

    /// Revokes the token with this id or prefix, at once.
    pub fn revoke_token(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        id_or_prefix: &str,
    ) -> Result<TokenInfo> {
        let now = self.now();
        self.write(|tx| {
            let token = find_token(tx, &tenant.id, TokenKind::Scim, id_or_prefix)?;
            let row = tx.tenant(&tenant.id).tokens().revoke(&token.id, now)?;
            Recorder::new(&tenant.id, ctx, now).append(
                tx,
                Event::TokenRevoked {
                    token: &row.id,
                    prefix: &row.prefix,
                },
            )?;
            Ok(TokenInfo::from_row(&row))
        })
    }
}

/// The tenant's token of `kind` with this id or prefix; the admin and SCIM
/// token lists are looked up alike.
pub(super) fn find_token(
    tx: &mut ReadTx<'_>,
    tenant_id: &str,
    kind: TokenKind,
    id_or_prefix: &str,
) -> Result<Token> {
    tx.tenant(tenant_id)
        .tokens()
        .all(kind)?
        .into_iter()
        .find(|t| t.id == id_or_prefix || t.prefix == id_or_prefix)
        .ok_or_else(|| Error::NotFound {
            resource: ResourceKind::Token,
            id: id_or_prefix.to_owned(),
        })
}
