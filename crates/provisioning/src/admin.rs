//! Admin use cases: tenants, tokens, settings, role catalogue, rule sets (with
//! dry runs), role locks, explanations, the sub-accounts list, the event log and
//! the disabled-users report.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use role_engine::{Catalogue, Change, Decision, Engine, Problem, Reason, RuleSet, UserSnapshot};
use scim_store::{
    AdminUserQuery, Event, EventKind, NewTenant, NewToken, ReadTx, RoleLock, Tenant, TenantUpdate,
    Token, User, UserStatus, Visibility, WriteTx,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::holdings::Holdings;
use crate::render::timestamp;
use crate::roles::{GuardPolicy, apply, event, recompute, snapshot};
use crate::service::{Provisioning, compile_context};
use crate::tenant::{TenantContext, TenantSettings, default_catalogue, default_rules, parse_rules};
use crate::token;
use crate::users::{find_user, locked_user, new_id};

/// Users loaded per batch when a whole tenant is decided (previews, rule edits).
const STREAM_BATCH: u64 = 2000;

/// A tenant as the admin API lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub created: String,
}

/// A token as the admin API lists it (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenInfo {
    /// Token id.
    pub id: String,
    /// Non-secret identifier (the token's first characters).
    pub prefix: String,
    /// Label.
    pub label: String,
    /// Issue time.
    pub created: String,
    /// Last use (updated at most once a minute).
    pub last_used: Option<String>,
    /// When it stops working, if scheduled (rotation overlap).
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

impl TokenInfo {
    fn from_row(t: &Token) -> TokenInfo {
        TokenInfo {
            id: t.id.clone(),
            prefix: t.prefix.clone(),
            label: t.label.clone(),
            created: timestamp(t.created),
            last_used: t.last_used.map(timestamp),
            expires_at: t.expires_at.map(timestamp),
            revoked_at: t.revoked_at.map(timestamp),
        }
    }
}

/// A newly issued token: the secret is in here once and nowhere else.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuedTokenInfo {
    /// The token's listing entry.
    pub token: TokenInfo,
    /// The secret, to hand to the identity provider now.
    pub secret: String,
}

/// The outcome of creating a tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: TenantInfo,
    /// Its first token.
    pub token: IssuedTokenInfo,
}

/// The result of a rule-set edit, saved or not.
#[derive(Debug, Clone, Serialize)]
pub struct RulesOutcome {
    /// Whether the rule set was saved (`false` for a dry run).
    pub saved: bool,
    /// What `validate` found; errors prevent saving.
    pub problems: Vec<Problem>,
    /// Users whose role would change (or is held by a lock).
    pub changes: Vec<Change>,
}

/// A user's lock, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LockInfo {
    /// The frozen role.
    pub role: String,
    /// Who set it.
    pub by: String,
    /// When.
    pub at: String,
    /// Why.
    pub reason: Option<String>,
}

/// One row of the sub-accounts list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubAccount {
    /// User id.
    pub id: String,
    /// `userName`.
    pub user_name: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `active`, `inactive` or `deleted`.
    pub status: &'static str,
    /// Current role.
    pub role: Option<String>,
    /// Why, in one line.
    pub reason: Option<String>,
    /// Why, structured (the role engine's reason).
    pub reason_detail: Option<Value>,
    /// The lock, if any.
    pub lock: Option<LockInfo>,
    /// Last SCIM change.
    pub last_modified: String,
    /// When the identity provider deleted it (soft delete).
    pub deleted_at: Option<String>,
}

/// One page of the sub-accounts list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubAccountPage {
    /// Users matching over all pages.
    pub total: u64,
    /// This page.
    pub users: Vec<SubAccount>,
}

/// Filters of the sub-accounts list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubAccountQuery {
    /// Only this role.
    pub role: Option<String>,
    /// Only this status: `active`, `inactive` or `deleted`.
    pub status: Option<String>,
    /// Only locked / unlocked users.
    pub locked: Option<bool>,
    /// 0-based offset.
    pub offset: u64,
    /// Page size.
    pub count: u64,
}

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventInfo {
    /// Sequence number in the tenant's log.
    pub seq: i64,
    /// When.
    pub time: String,
    /// What, e.g. `role.changed`.
    pub kind: String,
    /// `User`, `Group`, ...
    pub resource_type: Option<String>,
    /// Which one.
    pub resource_id: Option<String>,
    /// State before.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
    /// Who and why, with the client leniencies the request needed.
    pub cause: Option<Value>,
    /// Request id.
    pub request_id: Option<String>,
}

impl EventInfo {
    fn from_row(e: Event) -> EventInfo {
        EventInfo {
            seq: e.seq,
            time: timestamp(e.time),
            kind: e.kind.as_str().to_owned(),
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            before: e.before,
            after: e.after,
            cause: e.cause,
            request_id: e.request_id,
        }
    }
}

/// A group as the role-mapping screen lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupInfo {
    /// Group id: what rules reference.
    pub id: String,
    /// Current display name.
    pub display_name: String,
    /// The identity provider's id for it (Entra ID: the object id).
    pub external_id: Option<String>,
    /// Number of members.
    pub members: u64,
    /// The roles rules give its members, in rule order (empty: unmapped).
    pub mapped_roles: Vec<String>,
}

/// One row of the disabled-users report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisabledUser {
    /// User id.
    pub id: String,
    /// `userName`.
    pub user_name: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `inactive` (deactivated) or `deleted`.
    pub status: &'static str,
    /// When provisioning disabled the user.
    pub disabled_at: String,
    /// What the host application says the user still holds.
    pub holdings: Holdings,
    /// Whether a lock kept another role although the user is deactivated (a
    /// tenant setting allows it; such users are listed so it stays visible).
    pub lock_kept_role: Option<String>,
}

fn status_of(user: &User) -> &'static str {
    if user.deleted_at.is_some() {
        "deleted"
    } else if user.active == Some(false) {
        "inactive"
    } else {
        "active"
    }
}

fn reason_line(user: &User) -> Option<String> {
    let reason: Reason = serde_json::from_value(user.role_reason.clone()?).ok()?;
    Some(reason.to_string())
}

fn lock_info(lock: &RoleLock) -> LockInfo {
    LockInfo {
        role: lock.role.clone(),
        by: lock.by.clone(),
        at: timestamp(lock.at),
        reason: lock.reason.clone(),
    }
}

fn sub_account(user: &User) -> SubAccount {
    SubAccount {
        id: user.id.clone(),
        user_name: user.user_name.clone(),
        display_name: user.display_name.clone(),
        status: status_of(user),
        role: user.role.clone(),
        reason: reason_line(user),
        reason_detail: user.role_reason.clone(),
        lock: user.lock.as_ref().map(lock_info),
        last_modified: timestamp(user.last_modified),
        deleted_at: user.deleted_at.map(timestamp),
    }
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

fn stream_users(tx: &mut dyn ReadTx, tenant_id: &str) -> Result<Vec<(User, UserSnapshot)>> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let batch = tx.user_batch(
            tenant_id,
            after.as_deref(),
            STREAM_BATCH,
            Visibility::IncludeDeleted,
        )?;
        let Some(last) = batch.last() else { break };
        after = Some(last.user.id.clone());
        let full = batch.len() as u64 == STREAM_BATCH;
        for item in batch {
            let snap = snapshot(&item.user, item.group_ids);
            out.push((item.user, snap));
        }
        if !full {
            break;
        }
    }
    Ok(out)
}

fn issue_token(
    tx: &mut dyn WriteTx,
    tenant_id: &str,
    label: &str,
    now: DateTime<Utc>,
) -> Result<IssuedTokenInfo> {
    let issued = token::issue().map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    let row = tx.insert_token(&NewToken {
        id: new_id(),
        tenant_id: tenant_id.to_owned(),
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

/// Stores a change to the tenant row with the event recording it (`before` and
/// `after` are the changed part); returns the row as stored.
#[allow(
    clippy::too_many_arguments,
    reason = "the change and its event, each needed"
)]
fn change_tenant(
    tx: &mut dyn WriteTx,
    tenant: &TenantContext,
    ctx: &RequestContext,
    now: DateTime<Utc>,
    update: &TenantUpdate,
    kind: EventKind,
    before: &Value,
    after: &Value,
) -> Result<Tenant> {
    let stored = tx.update_tenant(&tenant.id, update, now)?;
    event(
        tx,
        &tenant.id,
        ctx,
        now,
        kind,
        ("Tenant", &tenant.id),
        Some(before.clone()),
        Some(after.clone()),
    )?;
    Ok(stored)
}

/// A lock being set or cleared, with the event that records it.
struct LockChange<'a> {
    lock: Option<&'a RoleLock>,
    kind: EventKind,
    before: Option<Value>,
    after: Option<Value>,
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
        let to_json =
            |v: Result<Value, serde_json::Error>| v.map_err(|e| Error::Internal(e.to_string()));
        let settings = to_json(serde_json::to_value(TenantSettings::default()))?;
        let catalogue = to_json(serde_json::to_value(default_catalogue()))?;
        let rules = to_json(serde_json::to_value(default_rules()))?;
        let result = self.write(|tx| {
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
            event(
                tx,
                &tenant.id,
                ctx,
                now,
                EventKind::TenantCreated,
                ("Tenant", &tenant.id),
                None,
                Some(json!({"slug": slug})),
            )?;
            let token = issue_token(tx, &tenant.id, "initial", now)?;
            event(
                tx,
                &tenant.id,
                ctx,
                now,
                EventKind::TokenIssued,
                ("Token", &token.token.id),
                None,
                Some(json!({"prefix": token.token.prefix})),
            )?;
            Ok(CreatedTenant {
                tenant: TenantInfo {
                    id: tenant.id.clone(),
                    slug: tenant.slug.clone(),
                    display_name: tenant.display_name.clone(),
                    settings: TenantSettings::default(),
                    created: timestamp(tenant.created),
                },
                token,
            })
        });
        self.forget_tokens();
        result
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
                    created: timestamp(t.created),
                })
            })
            .collect()
    }

    /// Replaces a tenant's settings.
    pub fn set_settings(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        settings: TenantSettings,
    ) -> Result<TenantSettings> {
        let now = self.now();
        let value = serde_json::to_value(&settings).map_err(|e| Error::Internal(e.to_string()))?;
        let before =
            serde_json::to_value(&tenant.settings).map_err(|e| Error::Internal(e.to_string()))?;
        self.write(|tx| {
            let update = TenantUpdate {
                settings: Some(value.clone()),
                ..TenantUpdate::default()
            };
            change_tenant(
                tx,
                tenant,
                ctx,
                now,
                &update,
                EventKind::SettingsChanged,
                &before,
                &value,
            )?;
            Ok(())
        })?;
        Ok(settings)
    }

    /// The tenant's tokens, newest first.
    pub fn list_tokens(&self, tenant: &TenantContext) -> Result<Vec<TokenInfo>> {
        let rows = self.read(|tx| Ok(tx.tokens(&tenant.id)?))?;
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
        let result = self.write(|tx| {
            let old = tx.usable_tokens(&tenant.id, now)?;
            let issued = issue_token(tx, &tenant.id, "rotated", now)?;
            for token in old {
                if token.expires_at.is_none_or(|at| at > until) {
                    tx.set_token_expiry(&tenant.id, &token.id, Some(until))?;
                }
            }
            event(
                tx,
                &tenant.id,
                ctx,
                now,
                EventKind::TokenRotated,
                ("Token", &issued.token.id),
                None,
                Some(json!({"prefix": issued.token.prefix, "previous_tokens_expire": timestamp(until)})),
            )?;
            Ok(issued)
        });
        self.forget_tokens();
        result
    }

    /// Revokes the token with this id or prefix, at once.
    pub fn revoke_token(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        id_or_prefix: &str,
    ) -> Result<TokenInfo> {
        let now = self.now();
        let result = self.write(|tx| {
            let token = tx
                .tokens(&tenant.id)?
                .into_iter()
                .find(|t| t.id == id_or_prefix || t.prefix == id_or_prefix)
                .ok_or_else(|| Error::NotFound {
                    resource: "Token",
                    id: id_or_prefix.to_owned(),
                })?;
            let row = tx.revoke_token(&tenant.id, &token.id, now)?;
            event(
                tx,
                &tenant.id,
                ctx,
                now,
                EventKind::TokenRevoked,
                ("Token", &row.id),
                None,
                Some(json!({"prefix": row.prefix})),
            )?;
            Ok(TokenInfo::from_row(&row))
        });
        self.forget_tokens();
        result
    }

    /// Replaces the role catalogue. Refused while the rules, the guard or a lock
    /// still use a role it drops (preview the removal first).
    pub fn set_catalogue(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        catalogue: Catalogue,
    ) -> Result<Catalogue> {
        let now = self.now();
        let value = serde_json::to_value(&catalogue).map_err(|e| Error::Internal(e.to_string()))?;
        let before =
            serde_json::to_value(&tenant.catalogue).map_err(|e| Error::Internal(e.to_string()))?;
        self.write(|tx| {
            let update = TenantUpdate {
                role_catalogue: Some(value.clone()),
                ..TenantUpdate::default()
            };
            // The change comes first: it takes the tenant's exclusive write gate, so
            // the rules and locks checked below are the committed ones and stay so
            // until this commits; a failed check rolls it back.
            let stored = change_tenant(
                tx,
                tenant,
                ctx,
                now,
                &update,
                EventKind::CatalogueChanged,
                &before,
                &value,
            )?;
            let rules = parse_rules(&stored.rule_set)?;
            let mut used: Vec<&str> = vec![rules.default_role.as_str()];
            used.extend(rules.rules.iter().map(|r| r.role.as_str()));
            used.extend(rules.guard.iter().map(|g| g.role.as_str()));
            if let Some(missing) = used.into_iter().find(|r| !catalogue.contains(r)) {
                return Err(Error::Invalid(format!(
                    "role '{missing}' is still used by the rule set; change the rules before removing it"
                )));
            }
            let locked = tx.admin_users(
                &tenant.id,
                &AdminUserQuery {
                    locked: Some(true),
                    count: u64::MAX,
                    ..AdminUserQuery::default()
                },
            )?;
            if let Some(user) = locked.items.iter().find(|u| {
                u.lock
                    .as_ref()
                    .is_some_and(|l| !catalogue.contains(&l.role))
            }) {
                return Err(Error::Invalid(format!(
                    "user '{}' is locked to a role the new catalogue drops; clear the lock first",
                    user.user_name
                )));
            }
            Ok(())
        })?;
        Ok(catalogue)
    }

    /// Validates a rule set and previews its effect; saves it (recomputing every
    /// user's role in the same transaction) unless `dry_run` or it has errors.
    pub fn set_rules(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        rules: RuleSet,
        dry_run: bool,
    ) -> Result<RulesOutcome> {
        let new_engine = Engine::new(rules.clone())?;
        let users = self.read(|tx| stream_users(tx, &tenant.id))?;
        let snapshots: Vec<UserSnapshot> = users.iter().map(|(_, s)| s.clone()).collect();
        let problems = role_engine::validate(&rules, &tenant.catalogue, &snapshots);
        let changes = role_engine::preview(&tenant.engine, &new_engine, &snapshots);
        if dry_run || problems.iter().any(Problem::is_error) {
            return Ok(RulesOutcome {
                saved: false,
                problems,
                changes,
            });
        }
        let now = self.now();
        let value = serde_json::to_value(&rules).map_err(|e| Error::Internal(e.to_string()))?;
        let before = serde_json::to_value(tenant.engine.rules())
            .map_err(|e| Error::Internal(e.to_string()))?;
        self.write(|tx| {
            let update = TenantUpdate {
                rule_set: Some(value.clone()),
                ..TenantUpdate::default()
            };
            let stored = change_tenant(
                tx,
                tenant,
                ctx,
                now,
                &update,
                EventKind::RulesChanged,
                &before,
                &value,
            )?;
            // Everyone is decided again (not only the previewed changes, and
            // including users created since the preview): the stored reasons
            // must name the new rule numbers too.
            // Decided from the users as streamed (one read of the tenant): the
            // exclusive tenant gate this write holds keeps them from changing.
            // Not cached: this transaction may still roll back (the guard).
            let fresh = compile_context(&stored)?;
            let planned = stream_users(tx, &tenant.id)?
                .into_iter()
                .map(|(user, snap)| {
                    let decision = fresh.engine.decide(&snap);
                    (user, decision)
                })
                .collect();
            apply(tx, &fresh, ctx, planned, GuardPolicy::Enforce, now)?;
            Ok(())
        })?;
        Ok(RulesOutcome {
            saved: true,
            problems,
            changes,
        })
    }

    /// The full explanation of a user's role.
    pub fn explain_user(&self, tenant: &TenantContext, user_id: &str) -> Result<Value> {
        let (user, groups) = self.read(|tx| {
            let user = find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            let groups = tx.groups_of_user(&tenant.id, user_id)?;
            Ok((user, groups))
        })?;
        let names: HashMap<String, String> = groups
            .iter()
            .map(|g| (g.group_id.clone(), g.display_name.clone()))
            .collect();
        let snap = snapshot(&user, groups.into_iter().map(|g| g.group_id).collect());
        let explanation = tenant.engine.explain(&snap, &names);
        let mut value =
            serde_json::to_value(&explanation).map_err(|e| Error::Internal(e.to_string()))?;
        value["text"] = Value::String(explanation.to_string());
        Ok(value)
    }

    /// Sets a role lock. `role` defaults to the user's current role.
    pub fn set_lock(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        user_id: &str,
        role: Option<&str>,
        reason: Option<&str>,
    ) -> Result<SubAccount> {
        let now = self.now();
        self.write(|tx| {
            // The catalogue and rules as committed now, kept until this commits.
            let fresh = self.current_context(tx, &tenant.id)?;
            let user = locked_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            let role = role
                .map(str::to_owned)
                .or_else(|| user.role.clone())
                .unwrap_or_else(|| fresh.engine.rules().default_role.clone());
            if !fresh.catalogue.contains(&role) {
                return Err(Error::Invalid(format!(
                    "role '{role}' is not in the tenant's catalogue"
                )));
            }
            let lock = RoleLock {
                role: role.clone(),
                by: ctx.actor.name(),
                at: now,
                reason: reason.map(str::to_owned),
            };
            let after = json!({"role": role, "by": lock.by, "reason": lock.reason});
            let change = LockChange {
                lock: Some(&lock),
                kind: EventKind::LockSet,
                before: user.lock.as_ref().map(|l| json!({"role": l.role})),
                after: Some(after),
            };
            self.change_lock(tx, &fresh, ctx, user_id, change, now)
        })
    }

    /// Clears a role lock; the user's role is recomputed from the rules.
    pub fn clear_lock(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        user_id: &str,
    ) -> Result<SubAccount> {
        let now = self.now();
        self.write(|tx| {
            let user = locked_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            match &user.lock {
                Some(lock) => {
                    let change = LockChange {
                        lock: None,
                        kind: EventKind::LockCleared,
                        before: Some(json!({"role": lock.role})),
                        after: None,
                    };
                    let fresh = self.current_context(tx, &tenant.id)?;
                    self.change_lock(tx, &fresh, ctx, user_id, change, now)
                }
                None => Ok(sub_account(&user)),
            }
        })
    }

    /// Stores the changed lock, records its event and recomputes the user's
    /// role, in the caller's transaction; `tenant` is the context read in it.
    fn change_lock(
        &self,
        tx: &mut dyn WriteTx,
        tenant: &TenantContext,
        ctx: &RequestContext,
        user_id: &str,
        change: LockChange<'_>,
        now: DateTime<Utc>,
    ) -> Result<SubAccount> {
        tx.set_user_lock(&tenant.id, user_id, change.lock)?;
        event(
            tx,
            &tenant.id,
            ctx,
            now,
            change.kind,
            ("User", user_id),
            change.before,
            change.after,
        )?;
        recompute(
            tx,
            tenant,
            ctx,
            BTreeSet::from([user_id.to_owned()]),
            GuardPolicy::Enforce,
            now,
        )?;
        let user = find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
        Ok(sub_account(&user))
    }

    /// The sub-accounts list: every provisioned user with status, role, why, lock
    /// and last change.
    pub fn sub_accounts(
        &self,
        tenant: &TenantContext,
        query: &SubAccountQuery,
    ) -> Result<SubAccountPage> {
        let status = match query.status.as_deref() {
            None | Some("") => None,
            Some("active") => Some(UserStatus::Active),
            Some("inactive") => Some(UserStatus::Inactive),
            Some("deleted") => Some(UserStatus::Deleted),
            Some(other) => {
                return Err(Error::Invalid(format!(
                    "status must be active, inactive or deleted, not '{other}'"
                )));
            }
        };
        let page = self.read(|tx| {
            Ok(tx.admin_users(
                &tenant.id,
                &AdminUserQuery {
                    role: query.role.clone(),
                    status,
                    locked: query.locked,
                    offset: query.offset,
                    count: query.count.min(self.options.max_page_size),
                },
            )?)
        })?;
        Ok(SubAccountPage {
            total: page.total,
            users: page.items.iter().map(sub_account).collect(),
        })
    }

    /// One user of the sub-accounts list.
    pub fn sub_account(&self, tenant: &TenantContext, user_id: &str) -> Result<SubAccount> {
        let user =
            self.read(|tx| find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted))?;
        Ok(sub_account(&user))
    }

    /// The event log after sequence `after`, at most `limit` entries, including
    /// every event committed before the call.
    pub fn events(&self, tenant: &TenantContext, after: i64, limit: u64) -> Result<Vec<EventInfo>> {
        let events = self.store.events(&tenant.id, after, limit.clamp(1, 1000))?;
        Ok(events.into_iter().map(EventInfo::from_row).collect())
    }

    /// Users provisioning disabled (deactivated or deleted by the identity
    /// provider), when, and what the host application says they still hold.
    /// Locked users kept in another role while deactivated are listed too.
    pub fn disabled_report(&self, tenant: &TenantContext) -> Result<Vec<DisabledUser>> {
        // The history below reads numbered events only.
        self.store.number_events(&tenant.id)?;
        let rows = self.read(|tx| {
            let mut rows = Vec::new();
            for status in [UserStatus::Inactive, UserStatus::Deleted] {
                let page = tx.admin_users(
                    &tenant.id,
                    &AdminUserQuery {
                        status: Some(status),
                        count: u64::MAX,
                        ..AdminUserQuery::default()
                    },
                )?;
                let ids: Vec<String> = page.items.iter().map(|u| u.id.clone()).collect();
                let mut disabled = tx.latest_events_of_resources(
                    &tenant.id,
                    &ids,
                    &[EventKind::UserDeactivated, EventKind::UserDeleted],
                )?;
                for user in page.items {
                    let disabled_at = disabled
                        .remove(&user.id)
                        .map_or(user.deleted_at.unwrap_or(user.last_modified), |e| e.time);
                    rows.push((user, disabled_at));
                }
            }
            Ok(rows)
        })?;
        let ids: Vec<String> = rows.iter().map(|(u, _)| u.id.clone()).collect();
        let mut holdings = self.holdings.holdings(&tenant.slug, &ids);
        let mut report: Vec<DisabledUser> = rows
            .into_iter()
            .map(|(user, at)| DisabledUser {
                status: status_of(&user),
                holdings: holdings.remove(&user.id).unwrap_or(Holdings::UNKNOWN),
                lock_kept_role: user.role.clone().filter(|r| r != role_engine::DISABLED),
                id: user.id,
                user_name: user.user_name,
                display_name: user.display_name,
                disabled_at: timestamp(at),
            })
            .collect();
        report.sort_by(|a, b| {
            b.disabled_at
                .cmp(&a.disabled_at)
                .then_with(|| a.user_name.cmp(&b.user_name))
        });
        Ok(report)
    }

    /// The groups pushed by the identity provider, with the roles they map to.
    pub fn group_list(
        &self,
        tenant: &TenantContext,
        offset: u64,
        count: u64,
    ) -> Result<(u64, Vec<GroupInfo>)> {
        let rules = tenant.engine.rules();
        self.read(|tx| {
            let paging = scim_store::Paging::Index {
                start_index: offset + 1,
                count: count.min(self.options.max_page_size),
            };
            let page = tx.groups(
                &tenant.id,
                &scim_store::ListQuery {
                    filter: None,
                    sort: None,
                    paging: &paging,
                    base_url: None,
                },
            )?;
            let mut out = Vec::with_capacity(page.items.len());
            for group in page.items {
                let members = group.member_count;
                let mapped_roles = rules
                    .rules
                    .iter()
                    .filter(|r| r.group.as_ref().is_some_and(|g| g.id == group.id))
                    .map(|r| r.role.clone())
                    .collect();
                out.push(GroupInfo {
                    id: group.id,
                    display_name: group.display_name,
                    external_id: group.external_id,
                    members,
                    mapped_roles,
                });
            }
            Ok((page.total, out))
        })
    }

    /// What deleting a group would do to its members' roles.
    pub fn preview_group_deletion(
        &self,
        tenant: &TenantContext,
        group_id: &str,
    ) -> Result<Vec<Change>> {
        let users = self.read(|tx| {
            if tx.group(&tenant.id, group_id)?.is_none() {
                return Err(Error::NotFound {
                    resource: "Group",
                    id: group_id.to_owned(),
                });
            }
            let members = tx.member_ids(&tenant.id, group_id)?;
            let mut groups = tx.groups_of_users(&tenant.id, &members)?;
            let mut snaps = Vec::new();
            for user in tx.users_by_ids(&tenant.id, &members, Visibility::IncludeDeleted)? {
                let g = groups
                    .remove(&user.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|g| g.group_id)
                    .collect();
                snaps.push(snapshot(&user, g));
            }
            Ok(snaps)
        })?;
        Ok(role_engine::preview_group_deletion(
            &tenant.engine,
            group_id,
            &users,
        ))
    }

    /// The decision the engine gives a user now (for tests and tools).
    pub fn decide_user(&self, tenant: &TenantContext, user_id: &str) -> Result<Decision> {
        let snap = self.read(|tx| {
            let user = find_user(tx, &tenant.id, user_id, Visibility::IncludeDeleted)?;
            let groups = tx
                .groups_of_user(&tenant.id, user_id)?
                .into_iter()
                .map(|g| g.group_id)
                .collect();
            Ok(snapshot(&user, groups))
        })?;
        Ok(tenant.engine.decide(&snap))
    }
}

#[cfg(test)]
mod tests {
    use super::check_slug;

    #[test]
    fn tenant_slugs_are_url_segments() {
        for ok in ["acme", "a", "acme-eu-2", "0day"] {
            assert!(check_slug(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Acme",
            "acme_eu",
            "-acme",
            "acme-",
            "a/b",
            "ac me",
            &"a".repeat(64),
        ] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }
}
