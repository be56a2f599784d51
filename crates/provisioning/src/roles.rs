//! Role recomputation: after any change that can move a role, the affected
//! users are decided again by the tenant's engine inside the same transaction,
//! and every role change is written to the event log with its reason
//! ([`crate::events`] says how).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use role_engine::{Decision, Guard, GuardBreach, Lock, UserSnapshot};
use scim_store::{AdminUserQuery, RoleUpdate, User, UserStatus, Visibility, WriteTx};
use serde_json::Value;

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::events::{Event, Recorder};
use crate::tenant::TenantContext;

/// Users decided per batch (bounds memory and statement sizes).
const BATCH: usize = 500;

/// How the last-admin guard applies to a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GuardPolicy {
    /// Refuse the change (admin actions: rule edits, lock changes).
    Enforce,
    /// Apply it, and record a `guard.violated` event per user who left the
    /// guarded role's last holders (identity-provider changes: the directory is
    /// authoritative, and refusing would make it retry forever).
    Flag,
}

/// A role change that was applied.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleChange {
    /// The user.
    pub user_id: String,
    /// Role before (`None` for a new user).
    pub from: Option<String>,
    /// Role after.
    pub to: String,
}

/// The engine's view of a stored user.
pub(crate) fn snapshot(user: &User, group_ids: Vec<String>) -> UserSnapshot {
    snapshot_of(user, user.resource.clone(), group_ids)
}

/// [`snapshot`] that moves the body out of `user` (leaving `null`) instead of
/// copying it: for passes over a whole tenant, which keep the user only for
/// its columns.
pub(crate) fn take_snapshot(user: &mut User, group_ids: Vec<String>) -> UserSnapshot {
    let resource = std::mem::take(&mut user.resource);
    snapshot_of(user, resource, group_ids)
}

fn snapshot_of(user: &User, resource: Value, group_ids: Vec<String>) -> UserSnapshot {
    let mut snap = UserSnapshot::new(with_id(resource, &user.id))
        .with_groups(group_ids)
        .with_deleted(user.deleted_at.is_some());
    if let Some(lock) = &user.lock {
        snap = snap.with_lock(Lock {
            role: lock.role.clone(),
            by: lock.by.clone(),
            at: lock.at,
            reason: lock.reason.clone(),
        });
    }
    snap
}

/// A user's stored body with its `id`, as rule filters see it.
fn with_id(mut resource: Value, id: &str) -> Value {
    if let Value::Object(map) = &mut resource {
        map.insert("id".into(), Value::String(id.to_owned()));
    }
    resource
}

/// The decision recorded with a user, as the engine would give it back.
pub(crate) fn stored_decision(user: &User) -> Option<Decision> {
    let role = user.role.clone()?;
    let reason = serde_json::from_value(user.role_reason.clone()?).ok()?;
    Some(Decision { role, reason })
}

/// How many users the store counts as active holders of `role` now (their
/// stored role, live and `active`), which after a change was written but before
/// its roles are stored mixes old roles with new statuses: see [`holders_before`].
pub(crate) fn active_holders(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    role: &str,
) -> Result<usize> {
    let page = tx.tenant(&tenant.id).users().admin_list(&AdminUserQuery {
        role: Some(role.to_owned()),
        status: Some(UserStatus::Active),
        locked: None,
        offset: 0,
        count: 0,
    })?;
    Ok(usize::try_from(page.total).unwrap_or(usize::MAX))
}

/// Whether [`active_holders`] counts this row (the same condition as the
/// store's `UserStatus::Active` with a role).
fn stored_as_active_holder(user: &User, role: &str) -> bool {
    user.role.as_deref() == Some(role) && user.deleted_at.is_none() && user.active != Some(false)
}

/// The guarded role's active holders before this change. The planned users'
/// rows may already carry the change (deactivated, deleted), so the store's
/// count is taken without them and they are counted by their stored decision,
/// which is still the one from before the change.
fn holders_before(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    guard: &Guard,
    planned: &[(User, Decision)],
    befores: &[Option<Decision>],
) -> Result<usize> {
    let stored = active_holders(tx, tenant, &guard.role)?;
    let planned_in_store = planned
        .iter()
        .filter(|(user, _)| stored_as_active_holder(user, &guard.role))
        .count();
    let planned_before = guard.count(befores.iter().flatten());
    Ok(stored
        .saturating_sub(planned_in_store)
        .saturating_add(planned_before))
}

/// Decides `user_ids` again and stores what changed. Returns the role changes.
///
/// `tenant` must be the context read inside this transaction
/// ([`crate::service::Provisioning::current_context`]), so that a rule edit
/// committed a moment ago (in this process or another) is the one applied.
pub(crate) fn recompute(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    ctx: &RequestContext,
    user_ids: BTreeSet<String>,
    guard: GuardPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<RoleChange>> {
    let ids: Vec<String> = user_ids.into_iter().collect();
    let mut planned = Vec::new();
    for chunk in ids.chunks(BATCH) {
        tx.tenant(&tenant.id).users().lock(chunk)?;
        let mut groups: HashMap<String, Vec<String>> = tx
            .tenant(&tenant.id)
            .groups()
            .of_users(chunk)?
            .into_iter()
            .map(|(user, refs)| (user, refs.into_iter().map(|g| g.group_id).collect()))
            .collect();
        for user in tx
            .tenant(&tenant.id)
            .users()
            .by_ids(chunk, Visibility::IncludeDeleted)?
        {
            let snap = snapshot(&user, groups.remove(&user.id).unwrap_or_default());
            let decision = tenant.engine.decide(&snap);
            planned.push((user, decision));
        }
    }
    apply(tx, tenant, ctx, planned, guard, now)
}

/// [`recompute`] for one user already loaded and locked, with its group ids;
/// `fresh` is the context read inside this transaction.
pub(crate) fn recompute_loaded(
    tx: &mut WriteTx<'_>,
    fresh: &TenantContext,
    ctx: &RequestContext,
    user: User,
    group_ids: Vec<String>,
    now: DateTime<Utc>,
) -> Result<Vec<RoleChange>> {
    let decision = fresh.engine.decide(&snapshot(&user, group_ids));
    apply(
        tx,
        fresh,
        ctx,
        vec![(user, decision)],
        GuardPolicy::Flag,
        now,
    )
}

/// Stores decisions for users already loaded, checking the guard first.
pub(crate) fn apply(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    ctx: &RequestContext,
    planned: Vec<(User, Decision)>,
    guard: GuardPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<RoleChange>> {
    let mut breaches = Vec::new();
    if let Some(guard_def) = tenant.engine.rules().guard.clone() {
        let befores: Vec<Option<Decision>> =
            planned.iter().map(|(u, _)| stored_decision(u)).collect();
        // Only a user that had a role can leave the guarded role's active holders,
        // and only the users whose standing as holders changes count (a locked
        // admin deactivated keeps the role but stops holding it): with none, the
        // guard cannot object and the holders need not be counted.
        let pairs: Vec<(&User, &Decision, &Decision)> = planned
            .iter()
            .zip(&befores)
            .filter_map(|((user, after), before)| before.as_ref().map(|b| (user, b, after)))
            .filter(|(_, before, after)| guard_def.counts(before) != guard_def.counts(after))
            .collect();
        if !pairs.is_empty() {
            let holders = holders_before(tx, tenant, &guard_def, &planned, &befores)?;
            let checked = tenant
                .engine
                .check_guard(holders, pairs.iter().map(|(_, b, a)| (*b, *a)));
            if let Err(violation) = checked {
                match guard {
                    GuardPolicy::Enforce => return Err(Error::Refused(violation)),
                    GuardPolicy::Flag => {
                        breaches = pairs
                            .iter()
                            .filter(|(_, before, after)| guard_def.leaves(before, after))
                            .map(|(user, _, _)| GuardBreach {
                                role: guard_def.role.clone(),
                                user_id: user.id.clone(),
                                user_name: user.user_name.clone(),
                                active_holders_before: holders,
                            })
                            .collect();
                    }
                }
            }
        }
    }
    store_decisions(tx, tenant, ctx, planned, &breaches, now)
}

/// Stores decisions for users already loaded, with an event per role change
/// and a `guard.violated` event per breach the guard found but let apply,
/// without checking the guard: callers check it ([`apply`]) or count the
/// holders around a larger change themselves (a rule edit, chunk by chunk).
pub(crate) fn store_decisions(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    ctx: &RequestContext,
    planned: Vec<(User, Decision)>,
    breaches: &[GuardBreach],
    now: DateTime<Utc>,
) -> Result<Vec<RoleChange>> {
    let recorder = Recorder::new(&tenant.id, ctx, now);
    let mut changes = Vec::new();
    let mut updates = Vec::new();
    let mut events = Vec::new();
    for (user, decision) in planned {
        let reason = serde_json::to_value(&decision.reason)?;
        let unchanged = user.role.as_deref() == Some(decision.role.as_str())
            && user.role_reason.as_ref() == Some(&reason);
        if unchanged {
            continue;
        }
        updates.push(RoleUpdate {
            user_id: user.id.clone(),
            role: Some(decision.role.clone()),
            reason: Some(reason.clone()),
        });
        if user.role.as_deref() == Some(decision.role.as_str()) {
            // Same role for a new reason: kept silently, the explanation is current.
            continue;
        }
        let change = RoleChange {
            user_id: user.id.clone(),
            from: user.role.clone(),
            to: decision.role.clone(),
        };
        events.push(recorder.row(Event::RoleChanged {
            change: &change,
            decision: &decision,
            reason,
        }));
        changes.push(change);
    }
    for breach in breaches {
        warn_breach(tenant, ctx, breach);
        events.push(recorder.row(Event::GuardViolated { breach }));
    }
    // The users are distinct (one decision each): one statement per few hundred.
    tx.tenant(&tenant.id).users().set_roles(&updates)?;
    tx.tenant(&tenant.id).events().append_all(&events)?;
    crate::metrics::note(
        crate::metrics::ROLE_CHANGES,
        &tenant.slug,
        changes.len() as u64,
    );
    crate::metrics::note(
        crate::metrics::GUARD_VIOLATIONS,
        &tenant.slug,
        breaches.len() as u64,
    );
    Ok(changes)
}

/// The guard's record of a user removed for good (a hard delete leaves no
/// row to recompute): when the user was the guarded role's last active holder,
/// a `guard.violated` event, as for the changes [`apply`] flags.
pub(crate) fn flag_removal(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    ctx: &RequestContext,
    removed: &User,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(guard) = &tenant.engine.rules().guard else {
        return Ok(());
    };
    let held = stored_decision(removed).is_some_and(|d| guard.counts(&d));
    if !held || active_holders(tx, tenant, &guard.role)? > 0 {
        return Ok(());
    }
    let breach = GuardBreach {
        role: guard.role.clone(),
        user_id: removed.id.clone(),
        user_name: removed.user_name.clone(),
        active_holders_before: 1,
    };
    record_breach(tx, tenant, ctx, &breach, now)
}

/// Logs a breach and appends its event.
fn record_breach(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    ctx: &RequestContext,
    breach: &GuardBreach,
    now: DateTime<Utc>,
) -> Result<()> {
    warn_breach(tenant, ctx, breach);
    Recorder::new(&tenant.id, ctx, now).append(tx, Event::GuardViolated { breach })?;
    crate::metrics::note(crate::metrics::GUARD_VIOLATIONS, &tenant.slug, 1);
    Ok(())
}

fn warn_breach(tenant: &TenantContext, ctx: &RequestContext, breach: &GuardBreach) {
    tracing::warn!(
        tenant = %tenant.slug,
        request_id = %ctx.request_id,
        user = %breach.user_id,
        role = %breach.role,
        "guard violated: {breach}"
    );
}

/// A new user's role, decided before its row is written (it is in no group and
/// has no lock), with the reason as stored. No guard check: a user without a role
/// cannot take one from the guarded role's holders.
pub(crate) fn new_user_decision(
    tenant: &TenantContext,
    id: &str,
    resource: &Value,
) -> Result<(Decision, Value)> {
    let decision = tenant
        .engine
        .decide(&UserSnapshot::new(with_id(resource.clone(), id)));
    let reason = serde_json::to_value(&decision.reason)?;
    Ok((decision, reason))
}
