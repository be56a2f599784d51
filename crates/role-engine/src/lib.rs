//! Role assignment as a pure function: from "who is this user in the directory"
//! to "which access role does the application give them, and why".
//!
//! A tenant describes its roles in a [`Catalogue`] and its assignment policy in a
//! [`RuleSet`]: a default role, ordered rules (`member of group -> role`,
//! `user matches SCIM filter -> role`, or both), whether a role lock survives
//! deactivation, and an optional [`Guard`] that keeps at least one active user
//! in a role. [`Engine::new`] checks and compiles a rule set once; then
//!
//! - [`Engine::decide`] gives a [`Decision`] (role and [`Reason`]) for a
//!   [`UserSnapshot`] — the provisioning layer calls it on every change;
//! - [`Engine::explain`] gives the full [`Explanation`]: each step, each rule
//!   with matched / not matched and why, for admin screens;
//! - [`preview`], [`preview_group_deletion`] and [`preview_role_removal`] list
//!   the [`Change`]s an edit would cause before it is saved;
//! - [`validate`] lists the [`Problem`]s of a rule set: unknown roles, rules that
//!   can never fire, invalid filters, a guard the users would break;
//! - [`Guard::check`] tells whether a pending change would leave the guarded
//!   role without an active holder ([`GuardViolation`] when an admin change is
//!   refused, [`GuardBreach`] when an identity-provider change is applied anyway);
//! - [`run_rule_tests`] runs a rule test file ([`RuleTests`]), so operators can
//!   unit-test their rules in isolation.
//!
//! # Decision precedence
//!
//! 1. Deleted by the identity provider: `Disabled` ([`DISABLED`]).
//! 2. Inactive (`active` is `false`): `Disabled`, unless the user is locked and
//!    the rule set's `lock_survives_deactivation` is set.
//! 3. Locked: the locked role, whatever groups or rules say.
//! 4. The first rule, in order, whose whole condition holds: its role.
//! 5. Otherwise the default role (no group, or only unmapped groups).
//!
//! Groups are referenced by their stable id, never by display name, so a rename
//! in the identity provider keeps the mapping; a decision depends neither on the
//! order of the user's groups nor on the order of its attributes. Filters have
//! exactly the semantics of [`scim_proto::filter`].
//!
//! ```
//! use role_engine::{Engine, GroupRef, Rule, RuleSet, UserSnapshot};
//! use serde_json::json;
//!
//! let rules = RuleSet::new("Viewer")
//!     .with_rule(Rule::filter(
//!         r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT""#,
//!         "Technician",
//!     ))
//!     .with_rule(Rule::group(GroupRef::labelled("7a1c", "Employees"), "Loanee"));
//! let engine = Engine::new(rules)?;
//!
//! let ada = UserSnapshot::new(json!({
//!     "userName": "ada",
//!     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "IT"}
//! }))
//! .with_groups(["7a1c"]);
//! assert_eq!(engine.decide(&ada).role, "Technician");
//! assert_eq!(engine.decide(&ada.clone().with_active(false)).role, "Disabled");
//! # Ok::<(), role_engine::Error>(())
//! ```
//!
//! # What it deliberately does not do
//!
//! No I/O of any kind: it stores nothing, reads no clock (lock times come in
//! with the snapshot) and draws no random numbers; it depends on no async
//! runtime, web framework or database crate. It does not normalise client
//! JSON (that is `scim-proto`'s job: snapshots are canonical resources), does
//! not record audit events and does not decide *when* to recompute: the
//! provisioning layer calls it on every membership, activity, lock and rule
//! change and stores the results. It does not parallelise either: callers that
//! want threads can split the users themselves.

mod engine;
mod error;
mod explain;
mod guard;
mod model;
mod preview;
mod ruletest;
mod validate;

#[cfg(test)]
mod test_support;

pub use engine::{Decision, Engine, Reason, Step, UnknownStep};
pub use error::{Error, Result};
pub use explain::{ConditionTrace, Explanation, RuleOutcome, RuleTrace, StepOutcome, StepTrace};
pub use guard::{GuardBreach, GuardViolation};
pub use model::{
    Catalogue, DISABLED, GroupNames, GroupRef, Guard, Lock, PushedGroup, PushedGroups, RoleDef,
    Rule, RuleSet, UserSnapshot,
};
pub use preview::{
    Change, Effect, PreviewSummary, RulePreview, Transition, preview, preview_group_deletion,
    preview_role_removal,
};
pub use ruletest::{CaseFailure, CaseLock, RuleTests, TestCase, TestReport, run_rule_tests};
pub use validate::{Problem, ProblemKind, Severity, UserChecks, validate};
