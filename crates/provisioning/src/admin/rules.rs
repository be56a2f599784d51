//! Rule sets: validated and previewed with the role engine, saved with a
//! recomputation of every live user.
//!
//! A tenant may hold a million users, so nothing here holds them all: users
//! are read in id order, [`CHUNK`] at a time, folded into counts (a
//! [`PreviewSummary`], the validation's [`UserChecks`]) and, for a dry run, into
//! one page of entries; a save writes each chunk's decisions before reading the
//! next, inside one transaction, and checks the users on that same pass. Users deleted by the identity provider are
//! skipped: they are `Disabled` whatever the rules say.

use role_engine::{
    Change, Engine, GuardViolation, PreviewSummary, Problem, RulePreview, RuleSet, RuleTests,
    UserChecks, UserSnapshot,
};
use scim_store::{
    AdminUserQuery, BodyRead, ReadTx, TenantUpdate, User, UserStatus, Visibility, WriteTx,
};
use serde::Serialize;

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::events::{Event, Recorder, TenantPart};
use crate::progress::Progress;
use crate::roles::{active_holders, store_decisions, take_snapshot};
use crate::service::{Provisioning, compile_context};
use crate::tenant::{TenantContext, TenantSettings, decision_inputs, stored_rules};
use crate::users::{check_version, new_id};

use super::catalogue::check_roles_in_use;
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

/// What a save stores besides the decisions.
struct RulesSave<'a> {
    rules: &'a RuleSet,
    /// The catalogue to store with the rules (`None`: keep the current one).
    catalogue: Option<&'a role_engine::Catalogue>,
    /// The catalogue the users are checked against (the new one, else the current).
    checked_against: &'a role_engine::Catalogue,
    settings: Option<TenantSettings>,
    /// `If-Match`: the versions of the stored rule set the edit was made on.
    expected: Option<&'a [i64]>,
}

/// How a save ended: committed, or rolled back because the checks on the
/// users found errors (nothing stored).
enum SaveOutcome {
    Saved {
        user_problems: Vec<Problem>,
        summary: PreviewSummary,
        version: i64,
    },
    Invalid {
        user_problems: Vec<Problem>,
        summary: PreviewSummary,
    },
}

/// Why a save's transaction ends without committing.
enum SaveStop {
    Failed(Error),
    /// The user checks found errors: roll back, and report them.
    Invalid {
        user_problems: Vec<Problem>,
        summary: PreviewSummary,
    },
}

impl From<scim_store::StoreError> for SaveStop {
    fn from(e: scim_store::StoreError) -> SaveStop {
        SaveStop::Failed(e.into())
    }
}

impl From<Error> for SaveStop {
    fn from(e: Error) -> SaveStop {
        SaveStop::Failed(e)
    }
}

/// Users read per chunk when a whole tenant is decided: large enough that the
/// per-query cost vanishes, small enough that a chunk's rows stay a few MB.
const CHUNK: u64 = 2000;

/// The most preview entries one page lists.
pub const MAX_PREVIEW_PAGE: usize = 1000;

/// Which preview entries a dry run lists: those of users whose id comes after
/// `after` (the previous page's `next`), at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewPage {
    /// The cursor: the last user id of the previous page.
    pub after: Option<String>,
    /// Entries per page (at most [`MAX_PREVIEW_PAGE`]).
    pub limit: usize,
}

impl Default for PreviewPage {
    fn default() -> PreviewPage {
        PreviewPage {
            after: None,
            limit: 100,
        }
    }
}

/// How a rule-set edit runs.
#[derive(Debug, Clone)]
pub enum RulesRun {
    /// Validate and preview only; list one page of the entries.
    DryRun(PreviewPage),
    /// Save unless validation finds errors, advancing `progress` user by user.
    Save(Progress),
}

/// One page of a preview's entries. In the schema its fields are optional:
/// it is flattened into outcomes, and only dry runs list entries.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewEntries {
    /// Users whose role changes.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>, required = false))]
    pub changes: Vec<Change>,
    /// Locked users whose role only the lock keeps.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>, required = false))]
    pub held_by_lock: Vec<Change>,
    /// The cursor for the next page (`after`), when there are more entries.
    pub next: Option<String>,
}

impl PreviewEntries {
    fn len(&self) -> usize {
        self.changes.len() + self.held_by_lock.len()
    }

    /// Keeps `change` if it belongs to the page of `limit` entries after user
    /// `after` (changes arrive in user-id order); once the page is full, the
    /// next entry sets `next` instead.
    pub(crate) fn offer(&mut self, change: Change, after: Option<&str>, limit: usize) {
        let on_or_after_page =
            after.is_none_or(|a| change.user_id.as_deref().is_some_and(|id| id > a));
        if !on_or_after_page || self.next.is_some() {
            return;
        }
        if self.len() < limit {
            self.push(change);
        } else {
            self.next = entries_last_id(self);
        }
    }

    fn push(&mut self, change: Change) {
        if change.changes_role() {
            self.changes.push(change);
        } else {
            self.held_by_lock.push(change);
        }
    }
}

/// The result of a rule-set edit, saved or not. Its size depends on the page
/// asked for and on the roles, not on the number of users.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulesOutcome {
    /// Whether the rule set was saved (`false` for a dry run).
    pub saved: bool,
    /// What `validate` found; errors prevent saving.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub problems: Vec<Problem>,
    /// The counts over the whole tenant.
    pub summary: PreviewSummary,
    /// A dry run's page of entries (a save lists none: the role changes are
    /// in the event log).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = PreviewEntries))]
    pub entries: Option<PreviewEntries>,
    /// The saved rule set's version (its entity tag), after a save.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// A part of a preview read in one transaction, for downloads.
#[derive(Debug, Clone)]
pub struct PreviewChunk {
    /// The entries among the users read.
    pub entries: Vec<Change>,
    /// How many users were read.
    pub read: usize,
    /// Where the next chunk starts (`None`: this was the last).
    pub next: Option<String>,
}

/// Reads the tenant's live users after `after`, a chunk at a time, in id
/// order, handing each chunk to `f` until `f` says stop or the users run out.
/// Returns the id of the last user read when `f` stopped early.
/// What of each user a pass deciding with `engines` reads: the stored bodies
/// only when a rule tests attributes (they are most of a row, and parsing them
/// most of a pass's time).
fn body_for(engines: &[&Engine]) -> BodyRead {
    if engines.iter().any(|engine| engine.reads_attributes()) {
        BodyRead::Full
    } else {
        BodyRead::Columns
    }
}

fn for_each_chunk(
    tx: &mut ReadTx<'_>,
    tenant_id: &str,
    after: Option<&str>,
    body: BodyRead,
    mut f: impl FnMut(Vec<(User, UserSnapshot)>) -> Result<bool>,
) -> Result<Option<String>> {
    let mut after = after.map(str::to_owned);
    loop {
        let batch =
            tx.tenant(tenant_id)
                .users()
                .batch(after.as_deref(), CHUNK, Visibility::Live, body)?;
        let Some(last) = batch.last() else {
            return Ok(None);
        };
        after = Some(last.user.id.clone());
        let full = batch.len() as u64 == CHUNK;
        let chunk = batch
            .into_iter()
            .map(|mut item| {
                let snap = take_snapshot(&mut item.user, item.group_ids);
                (item.user, snap)
            })
            .collect();
        if !f(chunk)? {
            return Ok(after);
        }
        if !full {
            return Ok(None);
        }
    }
}

/// How many live users a tenant has (a save's total, for progress).
fn live_users(tx: &mut ReadTx<'_>, tenant_id: &str) -> Result<u64> {
    let mut total = 0;
    for status in [UserStatus::Active, UserStatus::Inactive] {
        let query = AdminUserQuery {
            status: Some(status),
            ..AdminUserQuery::default()
        };
        total += tx.tenant(tenant_id).users().admin_list(&query)?.total;
    }
    Ok(total)
}

impl Provisioning {
    /// Validates a rule set (every problem at once, group references checked
    /// against the groups the identity provider pushed, the file's cases run)
    /// and previews its effect over every live user; unless `run` is a dry run
    /// or validation finds errors, saves it with the file's catalogue, if any,
    /// deciding every live user again in the same transaction. A save reads
    /// the users once: the checks that need them run as they are decided, and
    /// an error among those rolls the save back. Rules without
    /// an id get one (the id of the stored rule that says the same, else a new
    /// one); group labels become the groups' current names.
    pub fn set_rules(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        edit: RulesEdit,
        run: RulesRun,
    ) -> Result<RulesOutcome> {
        let RulesEdit {
            file,
            expected,
            settings,
        } = edit;
        let page = match &run {
            RulesRun::DryRun(page) => Some(page),
            RulesRun::Save(_) => None,
        };
        if page.is_some() {
            check_version(part_version(tenant.engine.rules())?, expected.as_deref())?;
        }
        let mut rules = file.rule_set.clone();
        rules.assign_rule_ids(tenant.engine.rules(), new_id);
        let catalogue = file.catalogue.as_ref().unwrap_or(&tenant.catalogue);
        let groups = self.pushed_groups(&tenant.id, &rules)?;
        for group in rules.rules.iter_mut().filter_map(|r| r.group.as_mut()) {
            if let Some(current) = groups.current.iter().find(|g| g.id == group.id) {
                group.label = Some(current.display_name.clone());
            }
        }
        // A rule set with a broken filter does not compile: its problems say
        // why, and there is nothing to preview.
        let Ok(new_engine) = Engine::new(rules.clone()) else {
            return Ok(RulesOutcome {
                saved: false,
                problems: role_engine::validate(&rules, catalogue, &[], Some(&groups)),
                summary: PreviewSummary::default(),
                entries: page.map(|_| PreviewEntries::default()),
                version: None,
            });
        };
        let rule_problems = role_engine::validate(&rules, catalogue, &[], Some(&groups));
        let case_problems = file.case_problems(&new_engine);
        // The problems in their order: the rules', the users', the cases'.
        let problems = |user_problems: Vec<Problem>| {
            let mut all = rule_problems.clone();
            all.extend(user_problems);
            all.extend(case_problems.iter().cloned());
            all
        };
        let known_invalid = rule_problems
            .iter()
            .chain(&case_problems)
            .any(Problem::is_error);
        let progress = match run {
            RulesRun::Save(progress) if !known_invalid => progress,
            _ => {
                let (user_problems, summary, entries) =
                    self.read(|tx| dry_run(tx, tenant, &rules, catalogue, &new_engine, page))?;
                return Ok(RulesOutcome {
                    saved: false,
                    problems: problems(user_problems),
                    summary,
                    entries: page.map(|_| entries),
                    version: None,
                });
            }
        };
        // A save reads the users once: the user-dependent checks run on the
        // pass that decides them, and an error among them rolls it back.
        let save = RulesSave {
            rules: &rules,
            catalogue: file.catalogue.as_ref(),
            checked_against: catalogue,
            settings,
            expected: expected.as_deref(),
        };
        let (saved, user_problems, summary, version) =
            match self.save_rules(tenant, ctx, save, &progress)? {
                SaveOutcome::Saved {
                    user_problems,
                    summary,
                    version,
                } => (true, user_problems, summary, Some(version)),
                SaveOutcome::Invalid {
                    user_problems,
                    summary,
                } => (false, user_problems, summary, None),
            };
        Ok(RulesOutcome {
            saved,
            problems: problems(user_problems),
            summary,
            entries: None,
            version,
        })
    }

    /// The preview entries among the live users after `after` (one chunk, in
    /// one read), comparing the tenant's rules `old` with `new`; `index` numbers
    /// the first user read. For streamed downloads, chunk by chunk.
    pub fn preview_chunk(
        &self,
        tenant_id: &str,
        old: &Engine,
        new: &Engine,
        after: Option<&str>,
        index: usize,
    ) -> Result<PreviewChunk> {
        let mut dry_run = RulePreview::new(old, new);
        let mut entries = Vec::new();
        let mut read = 0;
        let next = self.read(|tx| {
            for_each_chunk(tx, tenant_id, after, body_for(&[old, new]), |chunk| {
                for (_, snap) in &chunk {
                    entries.extend(dry_run.compare(index + read, snap));
                    read += 1;
                }
                // One chunk per call: the caller sends it before reading on.
                Ok(false)
            })
        })?;
        Ok(PreviewChunk {
            entries,
            read,
            next,
        })
    }

    /// Saves the rules (with the catalogue and settings of `save`) and decides
    /// every live user again, a chunk at a time, in one transaction, checking
    /// the users on the way; returns the counts of what changed, the users'
    /// problems and the tenant's new version, or, when those problems include
    /// an error, the problems and counts of a save rolled back.
    fn save_rules(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        save: RulesSave<'_>,
        progress: &Progress,
    ) -> Result<SaveOutcome> {
        let RulesSave {
            rules,
            catalogue,
            checked_against,
            settings,
            expected,
        } = save;
        let now = self.now();
        let value = stored_rules(rules)?;
        let before = stored_rules(tenant.engine.rules())?;
        let new_settings = settings
            .unwrap_or_else(|| tenant.settings.clone())
            .with_policy_of(rules);
        // Written every time, so a tenant whose policy was still read from
        // its stored rule set keeps it now that the rule set is stored without.
        let settings_value = serde_json::to_value(&new_settings)?;
        let settings_before = (new_settings != tenant.settings)
            .then(|| serde_json::to_value(&tenant.settings))
            .transpose()?;
        let new_catalogue = catalogue.map(serde_json::to_value).transpose()?;
        let catalogue_before = serde_json::to_value(&tenant.catalogue)?;
        let written = self.write_as(|tx| {
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
            if let (Some(after), Some(catalogue)) = (&new_catalogue, catalogue) {
                recorder.append(
                    tx,
                    Event::TenantChanged {
                        part: TenantPart::Catalogue,
                        before: catalogue_before.clone(),
                        after: after.clone(),
                    },
                )?;
                check_roles_in_use(tx, &tenant.id, catalogue, rules)?;
            }
            // Not cached: this transaction may still roll back (the guard).
            let fresh = compile_context(&stored)?;
            progress.start(live_users(tx, &tenant.id)?);
            let guarded = fresh.engine.rules().guard.as_ref().map(|g| g.role.clone());
            let holders_before = match &guarded {
                Some(role) => active_holders(tx, &fresh, role)?,
                None => 0,
            };
            let mut checks = UserChecks::new(rules, checked_against);
            let summary = decide_all(tx, tenant, &fresh, ctx, &mut checks, progress, now)?;
            let user_problems = checks.finish();
            if user_problems.iter().any(Problem::is_error) {
                return Err(SaveStop::Invalid {
                    user_problems,
                    summary,
                });
            }
            // The guard is checked on the whole edit, not chunk by chunk: a
            // chunk may take the last holder away that a later one gives back.
            if let Some(role) = guarded
                && holders_before > 0
                && active_holders(tx, &fresh, &role)? == 0
            {
                return Err(SaveStop::Failed(Error::Refused(GuardViolation {
                    role,
                    active_holders: holders_before,
                })));
            }
            Ok(SaveOutcome::Saved {
                user_problems,
                summary,
                version: part_version(fresh.engine.rules())?,
            })
        });
        match written {
            Ok(saved) => Ok(saved),
            Err(SaveStop::Invalid {
                user_problems,
                summary,
            }) => Ok(SaveOutcome::Invalid {
                user_problems,
                summary,
            }),
            Err(SaveStop::Failed(error)) => Err(error),
        }
    }
}

/// The user-dependent validation and the preview over every live user in
/// one read, keeping the counts and the entries of `page` (if any).
fn dry_run(
    tx: &mut ReadTx<'_>,
    tenant: &TenantContext,
    rules: &RuleSet,
    catalogue: &role_engine::Catalogue,
    new_engine: &Engine,
    page: Option<&PreviewPage>,
) -> Result<(Vec<Problem>, PreviewSummary, PreviewEntries)> {
    let mut checks = UserChecks::new(rules, catalogue);
    let mut preview = RulePreview::new(&tenant.engine, new_engine);
    let mut summary = PreviewSummary::default();
    let mut entries = PreviewEntries::default();
    let (after, limit) = page.map_or((None, 0), |p| {
        (p.after.as_deref(), p.limit.min(MAX_PREVIEW_PAGE))
    });
    let mut index = 0;
    let body = body_for(&[&tenant.engine, new_engine]);
    for_each_chunk(tx, &tenant.id, None, body, |chunk| {
        for (_, snap) in chunk {
            checks.observe(&snap);
            if let Some(change) = preview.compare(index, &snap) {
                summary.add(&change);
                if page.is_some() {
                    entries.offer(change, after, limit);
                }
            }
            index += 1;
        }
        Ok(true)
    })?;
    Ok((checks.finish(), summary, entries))
}

/// The user id of the last entry of a page (entries are in user id order,
/// split in two lists).
fn entries_last_id(entries: &PreviewEntries) -> Option<String> {
    let last = |list: &[Change]| list.last().and_then(|c| c.user_id.clone());
    match (last(&entries.changes), last(&entries.held_by_lock)) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Decides every live user by `fresh` and stores what changed, a chunk at a
/// time; counts the changes as a preview from `tenant`'s rules would, and
/// shows every user to `checks`.
fn decide_all(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    fresh: &TenantContext,
    ctx: &RequestContext,
    checks: &mut UserChecks<'_>,
    progress: &Progress,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<PreviewSummary> {
    let mut preview = RulePreview::new(&tenant.engine, &fresh.engine);
    let mut summary = PreviewSummary::default();
    let mut index = 0;
    // Reading through the write transaction: the exclusive tenant gate this
    // write holds keeps the users from changing under it.
    let mut after: Option<String> = None;
    let body = body_for(&[&tenant.engine, &fresh.engine]);
    loop {
        let batch =
            tx.tenant(&tenant.id)
                .users()
                .batch(after.as_deref(), CHUNK, Visibility::Live, body)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.user.id.clone());
        let full = batch.len() as u64 == CHUNK;
        let n = batch.len() as u64;
        let planned = batch
            .into_iter()
            .map(|mut item| {
                let snap = take_snapshot(&mut item.user, item.group_ids);
                checks.observe(&snap);
                if let Some(change) = preview.compare(index, &snap) {
                    summary.add(&change);
                }
                index += 1;
                let decision = fresh.engine.decide(&snap);
                (item.user, decision)
            })
            .collect();
        store_decisions(tx, fresh, ctx, planned, &[], now)?;
        progress.advance(n);
        if !full {
            break;
        }
    }
    Ok(summary)
}
