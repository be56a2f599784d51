//! Rule sets: validated and previewed with the role engine, saved with a
//! recomputation of every user.

use role_engine::{Change, Engine, Problem, RuleSet, UserSnapshot};
use scim_store::{ReadTx, TenantUpdate, User, Visibility};
use serde::Serialize;

use crate::context::RequestContext;
use crate::error::Result;
use crate::roles::{GuardPolicy, apply, snapshot};
use crate::service::{Provisioning, compile_context};
use crate::tenant::TenantContext;

use super::tenants::change_tenant;
use crate::events::{Recorder, TenantPart};

/// Users loaded per batch when a whole tenant is decided (previews, rule edits).
const STREAM_BATCH: u64 = 2000;

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

fn stream_users(tx: &mut ReadTx<'_>, tenant_id: &str) -> Result<Vec<(User, UserSnapshot)>> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let batch = tx.tenant(tenant_id).users().batch(
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

impl Provisioning {
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
        let value = serde_json::to_value(&rules)?;
        let before = serde_json::to_value(tenant.engine.rules())?;
        self.write(|tx| {
            let update = TenantUpdate {
                rule_set: Some(value.clone()),
                ..TenantUpdate::default()
            };
            let stored = change_tenant(
                tx,
                &Recorder::new(&tenant.id, ctx, now),
                &update,
                TenantPart::Rules,
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
}
