//! Rule sets: validated and previewed with the role engine, saved with a
//! recomputation of every user.

use role_engine::{Change, Engine, Problem, RuleSet, RuleTests, UserSnapshot};
use scim_store::{ReadTx, TenantUpdate, User, Visibility};
use serde::Serialize;

use crate::context::RequestContext;
use crate::error::Result;
use crate::events::{Event, Recorder, TenantPart};
use crate::roles::{GuardPolicy, apply, snapshot};
use crate::service::{Provisioning, compile_context};
use crate::tenant::{TenantContext, TenantSettings, decision_inputs, stored_rules};
use crate::users::{check_version, new_id};

use super::catalogue::check_roles_in_use;
use super::groups::pushed_groups;
use super::tenants::change_tenant;
use super::versions::{locked_row, part_version};

/// A rule-set edit as the admin API receives it: a rule file (the rules, the
/// catalogue to store with them in the same transaction, cases that must
/// pass) and the `If-Match` versions of the stored rule set, if any.
#[derive(Debug, Clone)]
pub struct RulesEdit {
    /// The rule set, optional catalogue and cases.
    pub file: RuleTests,
    /// `If-Match`: the versions of the stored rule set the edit was made on.
    pub expected: Option<Vec<i64>>,
    /// Settings to store with the rules (`None`: the current ones). Either
    /// way the stored settings take the policy the file's rule set carries
    /// (`lock_survives_deactivation`, `guard`).
    pub settings: Option<TenantSettings>,
}

impl RulesEdit {
    /// An edit of the rules alone, without precondition.
    pub fn rules(rules: RuleSet) -> RulesEdit {
        RulesEdit {
            file: RuleTests {
                rule_set: rules,
                catalogue: None,
                cases: Vec::new(),
            },
            expected: None,
            settings: None,
        }
    }
}

/// Users loaded per batch when a whole tenant is decided (previews, rule edits).
const STREAM_BATCH: u64 = 2000;

/// The result of a rule-set edit, saved or not.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulesOutcome {
    /// Whether the rule set was saved (`false` for a dry run).
    pub saved: bool,
    /// What `validate` found; errors prevent saving.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub problems: Vec<Problem>,
    /// Users whose role would change (or is held by a lock).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
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
    /// Validates a rule set (every problem at once, group references checked
    /// against the groups the identity provider pushed, the file's cases run)
    /// and previews its effect; saves it with the file's catalogue, if any
    /// (recomputing every user's role in the same transaction), unless
    /// `dry_run` or it has errors. Rules without an id get one (the id of the
    /// stored rule that says the same, else a new one); group labels become the
    /// groups' current names.
    pub fn set_rules(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        edit: RulesEdit,
        dry_run: bool,
    ) -> Result<RulesOutcome> {
        let RulesEdit {
            file,
            expected,
            settings,
        } = edit;
        let expected = expected.as_deref();
        if dry_run {
            check_version(part_version(tenant.engine.rules())?, expected)?;
        }
        let mut rules = file.rule_set.clone();
        rules.assign_rule_ids(tenant.engine.rules(), new_id);
        let catalogue = file.catalogue.as_ref().unwrap_or(&tenant.catalogue);
        // Group deletions are found in the event log: every committed event
        // numbered first (PostgreSQL numbers them after commit).
        self.store().number_events(&tenant.id)?;
        let (users, groups) = self.read(|tx| {
            Ok((
                stream_users(tx, &tenant.id)?,
                pushed_groups(tx, &tenant.id, &rules)?,
            ))
        })?;
        for group in rules.rules.iter_mut().filter_map(|r| r.group.as_mut()) {
            if let Some(current) = groups.current.iter().find(|g| g.id == group.id) {
                group.label = Some(current.display_name.clone());
            }
        }
        let snapshots: Vec<UserSnapshot> = users.iter().map(|(_, s)| s.clone()).collect();
        let mut problems = role_engine::validate(&rules, catalogue, &snapshots, Some(&groups));
        // A rule set with a broken filter does not compile: its problems say
        // why, and there is nothing to preview.
        let Ok(new_engine) = Engine::new(rules.clone()) else {
            return Ok(RulesOutcome {
                saved: false,
                problems,
                changes: Vec::new(),
            });
        };
        problems.extend(file.case_problems(&new_engine));
        let changes = role_engine::preview(&tenant.engine, &new_engine, &snapshots);
        if dry_run || problems.iter().any(Problem::is_error) {
            return Ok(RulesOutcome {
                saved: false,
                problems,
                changes,
            });
        }
        let now = self.now();
        let value = stored_rules(&rules)?;
        let before = stored_rules(tenant.engine.rules())?;
        let new_settings = settings
            .unwrap_or_else(|| tenant.settings.clone())
            .with_policy_of(&rules);
        // Written every time, so a tenant whose policy was still read from
        // its stored rule set keeps it now that the rule set is stored without.
        let settings_value = serde_json::to_value(&new_settings)?;
        let settings_before = (new_settings != tenant.settings)
            .then(|| serde_json::to_value(&tenant.settings))
            .transpose()?;
        let new_catalogue = file
            .catalogue
            .as_ref()
            .map(serde_json::to_value)
            .transpose()?;
        let catalogue_before = serde_json::to_value(&tenant.catalogue)?;
        self.write(|tx| {
            if expected.is_some() {
                let row = locked_row(tx, &tenant.id, now)?;
                check_version(part_version(&decision_inputs(&row)?.1)?, expected)?;
            }
            let update = TenantUpdate {
                rule_set: Some(value.clone()),
                role_catalogue: new_catalogue.clone(),
                settings: Some(settings_value.clone()),
                ..TenantUpdate::default()
            };
            let recorder = Recorder::new(&tenant.id, ctx, now);
            let stored = change_tenant(tx, &recorder, &update, TenantPart::Rules, &before, &value)?;
            if let Some(before) = &settings_before {
                recorder.append(
                    tx,
                    Event::TenantChanged {
                        part: TenantPart::Settings,
                        before: before.clone(),
                        after: settings_value.clone(),
                    },
                )?;
            }
            if let (Some(after), Some(catalogue)) = (&new_catalogue, &file.catalogue) {
                recorder.append(
                    tx,
                    Event::TenantChanged {
                        part: TenantPart::Catalogue,
                        before: catalogue_before.clone(),
                        after: after.clone(),
                    },
                )?;
                check_roles_in_use(tx, &tenant.id, catalogue, &rules)?;
            }
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
