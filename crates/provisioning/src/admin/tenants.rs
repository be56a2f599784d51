//! Tenants: creation (with the default catalogue, rules and a first token), the
//! list, renaming and deletion, and the one way a change to the tenant row is
//! stored.

use chrono::{DateTime, Utc};
use scim_store::{NewTenant, Tenant, TenantUpdate, WriteTx};
use serde::Serialize;
use serde_json::Value;

use crate::context::RequestContext;
use crate::error::{Error, ResourceKind, Result};
use crate::events::{Event, Recorder, TenantPart};
use crate::service::Provisioning;
use crate::tenant::{TenantSettings, default_catalogue, default_rules};
use crate::users::new_id;

use super::tokens::{IssuedTokenInfo, issue_token};

/// A tenant as the admin API lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantInfo {
    /// Tenant id.
    pub id: String,
    /// URL segment.
    pub slug: String,
    /// Name for humans.
    pub display_name: String,
    /// Settings.
    pub settings: TenantSettings,
    /// Creation time.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub created: DateTime<Utc>,
}

/// The outcome of creating a tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: TenantInfo,
    /// Its first token.
    pub token: IssuedTokenInfo,
}

/// A change of a tenant's names; `None` keeps the current one.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TenantRename {
    /// The new slug: the Tenant URL changes, its tokens keep working there.
    pub slug: Option<String>,
    /// The new name for humans.
    pub display_name: Option<String>,
}

/// A slug is a URL segment: lowercase letters, digits and dashes (Okta refuses
/// base URLs with underscores).
fn check_slug(slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "'{slug}' is not a valid tenant slug: use 1 to 63 lowercase letters, digits and inner dashes"
        )))
    }
}

/// Stores a change to the tenant row with the event recording it (`before` and
/// `after` are the changed part); returns the row as stored.
pub(super) fn change_tenant(
    tx: &mut WriteTx<'_>,
    recorder: &Recorder<'_>,
    update: &TenantUpdate,
    part: TenantPart,
    before: &Value,
    after: &Value,
) -> Result<Tenant> {
    let stored = tx.tenant(recorder.tenant_id).update(update, recorder.now)?;
    recorder.append(
        tx,
        Event::TenantChanged {
            part,
            before: before.clone(),
            after: after.clone(),
        },
    )?;
    Ok(stored)
}

impl Provisioning {
    /// Creates a tenant with the default catalogue and rules, and its first token.
    pub fn create_tenant(
        &self,
        ctx: &RequestContext,
        slug: &str,
        display_name: &str,
    ) -> Result<CreatedTenant> {
        check_slug(slug)?;
        let now = self.now();
        let settings = serde_json::to_value(TenantSettings::default())?;
        let catalogue = serde_json::to_value(default_catalogue())?;
        let rules = serde_json::to_value(default_rules())?;
        self.write(|tx| {
            let tenant = tx.insert_tenant(&NewTenant {
                id: new_id(),
                slug: slug.to_owned(),
                display_name: if display_name.is_empty() {
                    slug.to_owned()
                } else {
                    display_name.to_owned()
                },
                settings: settings.clone(),
                role_catalogue: catalogue.clone(),
                rule_set: rules.clone(),
                now,
            })?;
            let recorder = Recorder::new(&tenant.id, ctx, now);
            recorder.append(tx, Event::TenantCreated { slug })?;
            let token = issue_token(tx, &tenant.id, "initial", now)?;
            recorder.append(
                tx,
                Event::TokenIssued {
                    token: &token.token.id,
                    prefix: &token.token.prefix,
                },
            )?;
            Ok(CreatedTenant {
                tenant: TenantInfo {
                    id: tenant.id.clone(),
                    slug: tenant.slug.clone(),
                    display_name: tenant.display_name.clone(),
                    settings: TenantSettings::default(),
                    created: tenant.created,
                },
                token,
            })
        })
    }

    /// Renames the tenant `slug`: a new slug moves its Tenant URL (the old one
    /// answers 404 from then on; tokens, users and rules stay), a new display
    /// name is for humans. Recorded as `tenant.renamed`.
    pub fn rename_tenant(
        &self,
        ctx: &RequestContext,
        slug: &str,
        rename: &TenantRename,
    ) -> Result<TenantInfo> {
        if let Some(new_slug) = &rename.slug {
            check_slug(new_slug)?;
        }
        if rename
            .display_name
            .as_deref()
            .is_some_and(|n| n.trim().is_empty())
        {
            return Err(Error::Invalid(
                "a tenant's display name must not be empty".to_owned(),
            ));
        }
        let tenant = self.tenant(slug)?;
        let now = self.now();
        let result = self.write(|tx| {
            let current = tx.tenant(&tenant.id).for_write()?;
            let update = TenantUpdate {
                slug: rename.slug.clone(),
                display_name: rename.display_name.clone(),
                ..TenantUpdate::default()
            };
            let stored = tx.tenant(&tenant.id).update(&update, now)?;
            Recorder::new(&tenant.id, ctx, now).append(
                tx,
                Event::TenantRenamed {
                    before: serde_json::json!({"slug": current.slug, "display_name": current.display_name}),
                    after: serde_json::json!({"slug": stored.slug, "display_name": stored.display_name}),
                },
            )?;
            Ok(stored)
        });
        let stored = result?;
        Ok(TenantInfo {
            id: stored.id,
            slug: stored.slug,
            display_name: stored.display_name,
            settings: tenant.settings.clone(),
            created: stored.created,
        })
    }

    /// Deletes the tenant `slug` and everything it owns: users, groups, tokens
    /// and its event log. The event log goes with it, so the deletion is
    /// recorded in the server's log (`scim_audit` target) with who asked.
    pub fn delete_tenant(&self, ctx: &RequestContext, slug: &str) -> Result<TenantInfo> {
        let tenant = self.tenant(slug)?;
        let result = self.write(|tx| {
            let found = tx
                .tenant(&tenant.id)
                .get()?
                .ok_or_else(|| Error::NotFound {
                    resource: ResourceKind::Tenant,
                    id: slug.to_owned(),
                })?;
            tx.tenant(&tenant.id).delete()?;
            Ok(found)
        });
        let deleted = result?;
        tracing::warn!(
            target: "scim_audit",
            tenant_id = %deleted.id,
            slug = %deleted.slug,
            request_id = %ctx.request_id,
            actor = %ctx.actor.name(),
            "tenant deleted with all its data"
        );
        Ok(TenantInfo {
            id: deleted.id,
            slug: deleted.slug,
            display_name: deleted.display_name,
            settings: tenant.settings.clone(),
            created: deleted.created,
        })
    }

    /// All tenants.
    pub fn list_tenants(&self) -> Result<Vec<TenantInfo>> {
        let tenants = self.read(|tx| Ok(tx.tenants()?))?;
        tenants
            .iter()
            .map(|t| {
                let ctx = self.context_of(t)?;
                Ok(TenantInfo {
                    id: t.id.clone(),
                    slug: t.slug.clone(),
                    display_name: t.display_name.clone(),
                    settings: ctx.settings.clone(),
                    created: t.created,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
