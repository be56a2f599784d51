//! Checking a rule set before it is saved.

use std::fmt;

use scim_proto::filter::{CompiledFilter, Filter, compile};
use scim_proto::schema::USER_RESOURCE;
use serde::Serialize;

use crate::engine::compile_filter;
use crate::error::Error;
use crate::model::{Catalogue, DISABLED, GroupRef, PushedGroups, RuleSet, UserSnapshot};

mod users;

pub use users::UserChecks;

/// How many pushed groups an unknown-group warning names before "and N more".
const GROUPS_NAMED: usize = 10;

/// Every problem with `rules` against the role `catalogue`, the tenant's
/// current `users` and the `groups` its identity provider pushed (`None` when
/// they are not known, as in an offline rule test: group references are then
/// not checked), most important first within each rule, rules in order.
///
/// Errors ([`Severity::Error`]) must be fixed before the rule set is saved;
/// warnings point at rules that are useless or risky. Reported:
///
/// - empty role names, rules without a condition, filters that do not parse or
///   do not fit the User schema (errors, with the byte position in the filter),
///   two rules with the same id (error);
/// - a group named by its display name where its id belongs (error, naming the
///   id), a group the identity provider never pushed (warning, naming those it
///   did), a group it deleted since (warning);
/// - roles missing from the catalogue, in the default role, a rule or the guard (errors);
/// - a guard on `Disabled`, and a guard the users would break: with these rules
///   none of `users` would be an active holder of the guarded role (errors;
///   skipped when `users` is empty, as in a tenant nobody was provisioned to yet);
/// - rules that can never fire because an earlier rule's condition is part of
///   theirs (`Shadowed`), or is the same (`Duplicate`) (warnings); conditions are
///   compared after the filter is bound to the schema, so `Title co "x"` and
///   `title co "X"` are the same;
/// - a privileged default role, and users locked to a role missing from the
///   catalogue (warnings).
///
/// ```
/// use role_engine::{Catalogue, GroupRef, ProblemKind, RoleDef, Rule, RuleSet, validate};
///
/// let rules = RuleSet::new("Viewer")
///     .with_rule(Rule::group(GroupRef::labelled("g-e", "Employees"), "Loanee"))
///     .with_rule(Rule::group(GroupRef::labelled("g-e", "Employees"), "Loanee").and_filter(r#"title pr"#))
///     .with_rule(Rule::filter("titel pr", "Loanee"))
///     .with_rule(Rule::group(GroupRef::id("g-t"), "Technican"));
/// let catalogue = Catalogue::new([RoleDef::new("Viewer"), RoleDef::new("Loanee"), RoleDef::new("Technician")]);
/// let problems = validate(&rules, &catalogue, &[], None);
/// let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
/// assert_eq!(lines, [
///     "warning: rule 2 can never fire: rule 1 matches every user it matches",
///     "error: rule 3: invalid filter 'titel pr': invalid filter at position 0: unknown attribute 'titel'",
///     "error: rule 4: role Technican is not in the catalogue",
/// ]);
/// assert!(matches!(problems[0].kind, ProblemKind::Shadowed { by: 1 }));
/// ```
pub fn validate(
    rules: &RuleSet,
    catalogue: &Catalogue,
    users: &[UserSnapshot],
    groups: Option<&PushedGroups>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let role_check = |problems: &mut Vec<Problem>, rule: Option<usize>, place: &str, role: &str| {
        if role.is_empty() {
            problems.push(Problem::error(
                rule,
                ProblemKind::EmptyRole {
                    place: place.to_owned(),
                },
            ));
        } else if !catalogue.contains(role) {
            problems.push(Problem::error(
                rule,
                ProblemKind::UnknownRole {
                    role: role.to_owned(),
                    place: place.to_owned(),
                },
            ));
        }
    };

    role_check(&mut problems, None, "default_role", &rules.default_role);
    if catalogue.is_privileged(&rules.default_role) {
        problems.push(Problem::warning(
            None,
            ProblemKind::PrivilegedDefault {
                role: rules.default_role.clone(),
            },
        ));
    }
    if let Some(guard) = &rules.guard {
        if guard.role == DISABLED {
            problems.push(Problem::error(None, ProblemKind::GuardOnDisabled));
        } else {
            role_check(&mut problems, None, "guard", &guard.role);
        }
    }

    // Conditions as sets of conjuncts, for the shadowing check; `None` when the
    // rule is broken and reported already.
    let mut compiled: Vec<Option<CompiledFilter>> = Vec::with_capacity(rules.rules.len());
    let mut usable = Vec::with_capacity(rules.rules.len());
    for (i, rule) in rules.rules.iter().enumerate() {
        let number = i + 1;
        let mut ok = true;
        if rule.group.is_none() && rule.filter.is_none() {
            problems.push(Problem::error(Some(number), ProblemKind::EmptyCondition));
            ok = false;
        }
        let filter = match &rule.filter {
            Some(text) => match compile_filter(number, text) {
                Ok((_, f)) => Some(f),
                Err(Error::InvalidFilter { source, .. }) => {
                    let position = match &source {
                        scim_proto::Error::InvalidFilter { position, .. } => Some(*position),
                        _ => None,
                    };
                    problems.push(Problem::error(
                        Some(number),
                        ProblemKind::InvalidFilter {
                            filter: text.clone(),
                            position,
                            message: source.to_string(),
                        },
                    ));
                    ok = false;
                    None
                }
                Err(other) => {
                    problems.push(Problem::error(
                        Some(number),
                        ProblemKind::InvalidFilter {
                            filter: text.clone(),
                            position: None,
                            message: other.to_string(),
                        },
                    ));
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if let (Some(group), Some(groups)) = (&rule.group, groups) {
            problems.extend(check_group(number, group, groups));
        }
        if let Some(id) = &rule.id
            && let Some(first) = rules.rules[..i]
                .iter()
                .position(|r| r.id.as_ref() == Some(id))
        {
            problems.push(Problem::error(
                Some(number),
                ProblemKind::DuplicateRuleId {
                    id: id.clone(),
                    of: first + 1,
                },
            ));
        }
        role_check(&mut problems, Some(number), "rule", &rule.role);
        compiled.push(filter);
        usable.push(ok);
    }

    let atoms: Vec<Option<Vec<Atom<'_>>>> = rules
        .rules
        .iter()
        .zip(&compiled)
        .zip(&usable)
        .map(|((rule, filter), ok)| {
            if !ok {
                return None;
            }
            let mut atoms = Vec::new();
            if let Some(group) = &rule.group {
                atoms.push(Atom::Group(&group.id));
            }
            if let (Some(text), Some(_)) = (&rule.filter, filter) {
                let parsed = Filter::parse(text).ok()?;
                conjuncts(&parsed, &mut atoms)?;
            }
            Some(atoms)
        })
        .collect();
    for (j, later) in atoms.iter().enumerate() {
        let Some(later) = later else { continue };
        let cover = atoms[..j].iter().enumerate().find_map(|(i, earlier)| {
            let earlier = earlier.as_ref()?;
            earlier
                .iter()
                .all(|a| later.contains(a))
                .then(|| (i, later.iter().all(|a| earlier.contains(a))))
        });
        if let Some((i, same)) = cover {
            let kind = if same {
                ProblemKind::Duplicate { of: i + 1 }
            } else {
                ProblemKind::Shadowed { by: i + 1 }
            };
            problems.push(Problem::warning(Some(j + 1), kind));
        }
    }
    // Whole-set problems first, then rule by rule (stable, so each rule keeps
    // its errors before its warnings as found).
    problems.sort_by_key(|p| (p.rule.unwrap_or(0), p.severity));

    let mut checks = UserChecks::new(rules, catalogue);
    for user in users {
        checks.observe(user);
    }
    problems.extend(checks.finish());
    for problem in &mut problems {
        problem.rule_id = problem
            .rule
            .and_then(|n| rules.rules.get(n - 1))
            .and_then(|r| r.id.clone());
    }
    problems
}

/// What is wrong with rule `number`'s reference to `group`, if anything.
fn check_group(number: usize, group: &GroupRef, groups: &PushedGroups) -> Option<Problem> {
    if groups.current.iter().any(|g| g.id == group.id) {
        return None;
    }
    if let Some(deleted) = groups.deleted.iter().find(|g| g.id == group.id) {
        return Some(Problem::warning(
            Some(number),
            ProblemKind::DeletedGroup {
                group: group.id.clone(),
                display_name: deleted.display_name.clone(),
            },
        ));
    }
    if let Some(named) = groups
        .current
        .iter()
        .find(|g| g.display_name.eq_ignore_ascii_case(&group.id))
    {
        return Some(Problem::error(
            Some(number),
            ProblemKind::GroupNameForId {
                display_name: group.id.clone(),
                id: named.id.clone(),
            },
        ));
    }
    Some(Problem::warning(
        Some(number),
        ProblemKind::UnknownGroup {
            group: group.id.clone(),
            pushed: groups
                .current
                .iter()
                .map(|g| format!("{} ({})", g.display_name, g.id))
                .collect(),
        },
    ))
}

/// One conjunct of a rule's condition. Filter conjuncts are compiled, so that
/// spelling differences the schema ignores (attribute case, `ne` versus
/// `not eq`) do not hide a duplicate.
#[derive(Debug, PartialEq)]
enum Atom<'a> {
    Group(&'a str),
    Test(CompiledFilter),
}

fn conjuncts<'a>(filter: &Filter, out: &mut Vec<Atom<'a>>) -> Option<()> {
    match filter {
        Filter::And(l, r) => {
            conjuncts(l, out)?;
            conjuncts(r, out)
        }
        other => {
            out.push(Atom::Test(compile(other, &USER_RESOURCE).ok()?));
            Some(())
        }
    }
}

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The rule set should not be saved.
    Error,
    /// The rule set works, but probably not as meant.
    Warning,
}

/// One finding of [`validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The rule concerned, counting from 1, if any.
    pub rule: Option<usize>,
    /// The concerned rule's id, if it has one.
    pub rule_id: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl Problem {
    pub(crate) fn error(rule: Option<usize>, kind: ProblemKind) -> Problem {
        Problem {
            severity: Severity::Error,
            rule,
            rule_id: None,
            kind,
        }
    }

    pub(crate) fn warning(rule: Option<usize>, kind: ProblemKind) -> Problem {
        Problem {
            severity: Severity::Warning,
            rule,
            rule_id: None,
            kind,
        }
    }

    /// Whether this problem must block saving.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Repr<'a> {
            severity: Severity,
            #[serde(skip_serializing_if = "Option::is_none")]
            rule: Option<usize>,
            #[serde(skip_serializing_if = "Option::is_none")]
            rule_id: Option<&'a str>,
            #[serde(flatten)]
            kind: &'a ProblemKind,
            summary: String,
        }
        Repr {
            severity: self.severity,
            rule: self.rule,
            rule_id: self.rule_id.as_deref(),
            kind: &self.kind,
            summary: self.to_string(),
        }
        .serialize(serializer)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}: ")?;
        let rule = self.rule.unwrap_or(0);
        match &self.kind {
            ProblemKind::EmptyRole { .. } if self.rule.is_some() => {
                write!(f, "rule {rule}: the role name is empty")
            }
            ProblemKind::EmptyRole { place } => write!(f, "{place}: the role name is empty"),
            ProblemKind::UnknownRole { role, .. } if self.rule.is_some() => {
                write!(f, "rule {rule}: role {role} is not in the catalogue")
            }
            ProblemKind::UnknownRole { role, place } => {
                write!(f, "{place}: role {role} is not in the catalogue")
            }
            ProblemKind::EmptyCondition => {
                write!(f, "rule {rule}: has neither a group nor a filter")
            }
            ProblemKind::InvalidFilter {
                filter, message, ..
            } => {
                write!(f, "rule {rule}: invalid filter '{filter}': {message}")
            }
            ProblemKind::DuplicateRuleId { id, of } => {
                write!(f, "rule {rule}: id {id} is already the id of rule {of}")
            }
            ProblemKind::GroupNameForId { display_name, id } => write!(
                f,
                "rule {rule}: '{display_name}' is a group's display name, but rules name groups by id: use \"{id}\""
            ),
            ProblemKind::UnknownGroup { group, pushed } => {
                write!(
                    f,
                    "rule {rule}: the identity provider never pushed a group with id '{group}', so the rule matches nobody; "
                )?;
                if pushed.is_empty() {
                    return f.write_str("it has pushed no groups yet");
                }
                write!(
                    f,
                    "it pushed {}",
                    pushed
                        .iter()
                        .take(GROUPS_NAMED)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
                if pushed.len() > GROUPS_NAMED {
                    write!(
                        f,
                        " and {} more (GET .../groups lists them)",
                        pushed.len() - GROUPS_NAMED
                    )?;
                }
                Ok(())
            }
            ProblemKind::DeletedGroup {
                group,
                display_name,
            } => write!(
                f,
                "rule {rule}: group {display_name} ({group}) was deleted by the identity provider, so the rule matches nobody"
            ),
            ProblemKind::Shadowed { by } => write!(
                f,
                "rule {rule} can never fire: rule {by} matches every user it matches"
            ),
            ProblemKind::Duplicate { of } => write!(
                f,
                "rule {rule} can never fire: it has the same condition as rule {of}"
            ),
            ProblemKind::PrivilegedDefault { role } => write!(
                f,
                "default_role: {role} is privileged, so every user no rule matches gets it"
            ),
            ProblemKind::GuardOnDisabled => {
                f.write_str("guard: the built-in role Disabled cannot be guarded")
            }
            ProblemKind::GuardBroken { role, users } => write!(
                f,
                "guard: with these rules none of the {users} users would be an active {role}; \
                 to save, first lock an active user as {role} (PUT .../users/{{id}}/lock with \
                 {{\"role\": \"{role}\"}}), or turn the guard off (PATCH .../settings with \
                 {{\"guard\": null}})"
            ),
            ProblemKind::CaseFailed { case, mismatches } => {
                write!(f, "case \"{case}\" failed: {}", mismatches.join("; "))
            }
            ProblemKind::LockedToUnknownRole { user, role } => write!(
                f,
                "user {user} is locked to role {role}, which is not in the catalogue"
            ),
        }
    }
}

/// What [`validate`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProblemKind {
    /// A role name is empty.
    EmptyRole {
        /// `default_role`, `guard` or `rule`.
        place: String,
    },
    /// A role is not in the catalogue.
    UnknownRole {
        /// The role.
        role: String,
        /// `default_role`, `guard` or `rule`.
        place: String,
    },
    /// A rule has neither a group nor a filter.
    EmptyCondition,
    /// A rule's filter does not parse or does not fit the User schema.
    InvalidFilter {
        /// The filter as written.
        filter: String,
        /// The byte offset in `filter` where the error was found, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        position: Option<usize>,
        /// What is wrong with it.
        message: String,
    },
    /// Two rules have the same id.
    DuplicateRuleId {
        /// The id.
        id: String,
        /// The earlier rule's number.
        of: usize,
    },
    /// A rule names a group by its display name where the group's id belongs.
    GroupNameForId {
        /// What the rule gives as the group's id: a pushed group's display name.
        display_name: String,
        /// The id of the group with that display name.
        id: String,
    },
    /// A rule names a group id the identity provider never pushed.
    UnknownGroup {
        /// The id the rule names.
        group: String,
        /// The groups the identity provider did push, as `name (id)`.
        pushed: Vec<String>,
    },
    /// A rule names a group the identity provider deleted.
    DeletedGroup {
        /// The group's id.
        group: String,
        /// The name it last had.
        display_name: String,
    },
    /// An earlier rule's condition is part of this rule's, so this rule never fires.
    Shadowed {
        /// The earlier rule's number.
        by: usize,
    },
    /// An earlier rule has the same condition.
    Duplicate {
        /// The earlier rule's number.
        of: usize,
    },
    /// The default role is privileged.
    PrivilegedDefault {
        /// The role.
        role: String,
    },
    /// The guard protects `Disabled`, which makes no sense.
    GuardOnDisabled,
    /// Under the rules, no user would be an active holder of the guarded role.
    GuardBroken {
        /// The guarded role.
        role: String,
        /// How many users were considered.
        users: usize,
    },
    /// A test case given with the rules fails under them.
    CaseFailed {
        /// The case's name.
        case: String,
        /// Each expectation that failed.
        mismatches: Vec<String>,
    },
    /// A user is locked to a role the catalogue does not have.
    LockedToUnknownRole {
        /// The user's `userName` (or id).
        user: String,
        /// The locked role.
        role: String,
    },
}

#[cfg(test)]
mod tests;
