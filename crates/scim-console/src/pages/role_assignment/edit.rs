//! One edit of the role assignment, as the page's forms send it, and running
//! it through the rule-set use cases: previewed (`RulesRun::DryRun`) or saved,
//! always on the rule-set version the page was rendered from, so a change
//! someone else saved in between is reported, never overwritten.

use provisioning::{
    GroupRef, Guard, PreviewPage, Progress, Provisioning, RequestContext, Rule, RuleEdit, RuleSet,
    RulesEdit, RulesOutcome, RulesRun, TenantContext, part_version,
};
use serde::Deserialize;

/// Which way a rule moves in the ordered list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Direction {
    Up,
    Down,
}

/// What happens to a locked user the identity provider deactivates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum LockPolicy {
    /// The lock keeps the role (`lock_survives_deactivation`).
    Kept,
    /// Deactivation wins: the user becomes Disabled.
    Ends,
}

/// An edit, told apart by the form's `op` field. Fields are strings or
/// unit enums: a flattened form reaches them as text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(super) enum Edit {
    /// The role of users no rule matches.
    DefaultRole { default_role: String },
    /// The role a pushed group's members get; empty: the group's rule goes.
    MapGroup { group: String, role: String },
    /// One step up or down the rule order.
    Move { rule: String, direction: Direction },
    /// A new attribute rule, last in the order.
    AddFilter { filter: String, role: String },
    /// A rule removed.
    Remove { rule: String },
    /// The two settings that decide roles.
    Settings { lock: LockPolicy, guard: String },
}

/// A submitted edit: the session's CSRF token and the rule-set version the
/// page showed.
#[derive(Debug, Deserialize)]
pub(super) struct EditForm {
    pub(super) csrf: String,
    pub(super) version: i64,
    #[serde(flatten)]
    pub(super) edit: Edit,
}

/// Where on the page an edit's problems are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Field {
    DefaultRole,
    Group(String),
    Rule(String),
    NewFilter,
    Settings,
}

/// What running an edit came to.
#[derive(Debug, Clone)]
pub(super) enum Attempt {
    /// The rules changed since the page was rendered: nothing was done.
    Stale,
    /// Refused before the role engine saw it, with what to tell the user.
    Refused(String),
    /// Validated and previewed, and saved unless a dry run or an error.
    Ran(RulesOutcome),
}

impl Edit {
    /// The form fields that submit this edit again (the preview's Save).
    pub(super) fn fields(&self) -> Vec<(&'static str, String)> {
        let direction = |d: &Direction| match d {
            Direction::Up => "up",
            Direction::Down => "down",
        };
        match self {
            Edit::DefaultRole { default_role } => vec![
                ("op", "default_role".into()),
                ("default_role", default_role.clone()),
            ],
            Edit::MapGroup { group, role } => vec![
                ("op", "map_group".into()),
                ("group", group.clone()),
                ("role", role.clone()),
            ],
            Edit::Move { rule, direction: d } => vec![
                ("op", "move".into()),
                ("rule", rule.clone()),
                ("direction", direction(d).into()),
            ],
            Edit::AddFilter { filter, role } => vec![
                ("op", "add_filter".into()),
                ("filter", filter.clone()),
                ("role", role.clone()),
            ],
            Edit::Remove { rule } => vec![("op", "remove".into()), ("rule", rule.clone())],
            Edit::Settings { lock, guard } => vec![
                ("op", "settings".into()),
                (
                    "lock",
                    match lock {
                        LockPolicy::Kept => "kept",
                        LockPolicy::Ends => "ends",
                    }
                    .into(),
                ),
                ("guard", guard.clone()),
            ],
        }
    }

    /// Where this edit's problems belong on the page.
    pub(super) fn field(&self) -> Field {
        match self {
            Edit::DefaultRole { .. } => Field::DefaultRole,
            Edit::MapGroup { group, .. } => Field::Group(group.clone()),
            Edit::Move { rule, .. } | Edit::Remove { rule } => Field::Rule(rule.clone()),
            Edit::AddFilter { .. } => Field::NewFilter,
            Edit::Settings { .. } => Field::Settings,
        }
    }

    /// Previews (`dry_run`, listing up to `listed` users) or saves this edit
    /// of the rules at `version`.
    pub(super) fn run(
        self,
        p: &Provisioning,
        tenant: &TenantContext,
        ctx: &RequestContext,
        version: i64,
        run: Run,
    ) -> provisioning::Result<Attempt> {
        match self.prepare(tenant, version)? {
            Ok(prepared) => prepared.run(p, tenant, ctx, run),
            Err(attempt) => Ok(attempt),
        }
    }

    /// Checks this edit against the rules at `version`: the change to run, or
    /// why there is none (the rules changed since, or the edit makes no sense).
    pub(super) fn prepare(
        self,
        tenant: &TenantContext,
        version: i64,
    ) -> provisioning::Result<Result<Prepared, Attempt>> {
        let current = tenant.engine.rules();
        if part_version(current)? != version {
            return Ok(Err(Attempt::Stale));
        }
        Ok(match self.change(current)? {
            Change::Refused(message) => Err(Attempt::Refused(message)),
            change => Ok(Prepared { change, version }),
        })
    }

    /// This edit as a change of `current`: a one-rule edit where it is one.
    fn change(self, current: &RuleSet) -> provisioning::Result<Change> {
        Ok(match self {
            Edit::DefaultRole { default_role } => Change::Whole(RuleSet {
                default_role,
                ..current.clone()
            }),
            Edit::Settings { lock, guard } => Change::Whole(RuleSet {
                lock_survives_deactivation: lock == LockPolicy::Kept,
                guard: (!guard.is_empty()).then_some(Guard { role: guard }),
                ..current.clone()
            }),
            Edit::MapGroup { group, role } => {
                let mapped = current
                    .rules
                    .iter()
                    .find(|r| r.group.as_ref().is_some_and(|g| g.id == group));
                match (mapped, role.is_empty()) {
                    (None, true) => {
                        return Ok(Change::Refused(
                            "This group has no rule: choose the role its members get.".into(),
                        ));
                    }
                    (None, false) => Change::One(RuleEdit::Create {
                        rule: Rule::group(GroupRef::id(group), role),
                        position: None,
                    }),
                    (Some(rule), true) => Change::One(RuleEdit::Delete { id: rule_id(rule) }),
                    (Some(rule), false) => Change::One(RuleEdit::Replace {
                        id: rule_id(rule),
                        rule: Rule {
                            role,
                            ..rule.clone()
                        },
                    }),
                }
            }
            Edit::Move { rule, direction } => {
                let Some(at) = current.position_of(&rule) else {
                    return Err(provisioning::Error::NotFound {
                        resource: provisioning::ResourceKind::Rule,
                        id: rule,
                    });
                };
                let position = match direction {
                    Direction::Up => at.saturating_sub(1),
                    Direction::Down => at + 1,
                };
                Change::One(RuleEdit::Move { id: rule, position })
            }
            Edit::AddFilter { filter, role } => {
                if filter.trim().is_empty() {
                    return Ok(Change::Refused(
                        "Enter a SCIM filter, for example title eq \"Technician\".".into(),
                    ));
                }
                Change::One(RuleEdit::Create {
                    rule: Rule::filter(filter, role),
                    position: None,
                })
            }
            Edit::Remove { rule } => Change::One(RuleEdit::Delete { id: rule }),
        })
    }
}

/// A stored rule's id (every stored rule has one: the server assigns them).
fn rule_id(rule: &Rule) -> String {
    rule.id.clone().unwrap_or_default()
}

/// How an edit runs.
#[derive(Debug, Clone)]
pub(super) enum Run {
    /// A preview listing at most `listed` users.
    DryRun { listed: usize },
    /// A save, counting the users decided in `Progress`.
    Save(Progress),
}

/// An edit checked against the rules it was made on ([`Edit::prepare`]),
/// ready to run: now, or as a job.
pub(super) struct Prepared {
    change: Change,
    version: i64,
}

impl Prepared {
    /// Previews or saves the change; a save whose rules someone else saved
    /// in between is [`Attempt::Stale`].
    pub(super) fn run(
        self,
        p: &Provisioning,
        tenant: &TenantContext,
        ctx: &RequestContext,
        run: Run,
    ) -> provisioning::Result<Attempt> {
        let version = self.version;
        let run = match run {
            Run::DryRun { listed } => RulesRun::DryRun(PreviewPage {
                after: None,
                limit: listed,
            }),
            Run::Save(progress) => RulesRun::Save(progress),
        };
        let ran = match self.change {
            Change::Refused(message) => return Ok(Attempt::Refused(message)),
            Change::Whole(rules) => {
                let edit = RulesEdit {
                    expected: Some(vec![version]),
                    ..RulesEdit::rules(rules)
                };
                p.set_rules(tenant, ctx, edit, run)
            }
            Change::One(edit) => p
                .edit_rule(tenant, ctx, edit, Some(vec![version]), run)
                .map(|o| o.outcome),
        };
        match ran {
            Ok(outcome) => Ok(Attempt::Ran(outcome)),
            // Someone saved between the check and this save's commit.
            Err(provisioning::Error::PreconditionFailed { .. }) => Ok(Attempt::Stale),
            Err(e) => Err(e),
        }
    }
}

/// An edit as the use cases take it.
enum Change {
    Whole(RuleSet),
    One(RuleEdit),
    Refused(String),
}
