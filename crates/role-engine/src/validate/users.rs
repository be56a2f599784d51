//! The problems of a rule set that depend on the tenant's users, found user by
//! user, so a caller can stream a tenant of any size through them.

use crate::engine::Engine;
use crate::model::{Catalogue, DISABLED, RuleSet, UserSnapshot};

use super::{Problem, ProblemKind};

/// The user-dependent part of [`validate`](crate::validate): locks on roles
/// missing from the catalogue, and a guard no user would satisfy. Feed it
/// every user ([`UserChecks::observe`]), then take the problems
/// ([`UserChecks::finish`]); `validate(rules, catalogue, &[])` gives the rest.
#[derive(Debug)]
pub struct UserChecks<'a> {
    catalogue: &'a Catalogue,
    /// The compiled rules and the guarded role, when there is a guard to check.
    guard: Option<(Engine, &'a str)>,
    users: usize,
    holders: usize,
    problems: Vec<Problem>,
}

impl<'a> UserChecks<'a> {
    /// Checks against `rules` and `catalogue`.
    pub fn new(rules: &'a RuleSet, catalogue: &'a Catalogue) -> UserChecks<'a> {
        let guard = rules
            .guard
            .as_ref()
            .filter(|g| g.role != DISABLED)
            .and_then(|g| Some((Engine::new(rules.clone()).ok()?, g.role.as_str())));
        UserChecks {
            catalogue,
            guard,
            users: 0,
            holders: 0,
            problems: Vec::new(),
        }
    }

    /// Checks one user.
    pub fn observe(&mut self, user: &UserSnapshot) {
        self.users += 1;
        if let Some(lock) = &user.lock
            && !self.catalogue.contains(&lock.role)
        {
            self.problems.push(Problem::warning(
                None,
                ProblemKind::LockedToUnknownRole {
                    user: user
                        .user_name()
                        .or(user.id())
                        .unwrap_or("(unnamed)")
                        .to_owned(),
                    role: lock.role.clone(),
                },
            ));
        }
        if let Some((engine, role)) = &self.guard
            && engine.decide(user).is_active_holder_of(role)
        {
            self.holders += 1;
        }
    }

    /// The problems found. A guard is checked only when there were users (a
    /// tenant nobody was provisioned to yet cannot satisfy it).
    pub fn finish(mut self) -> Vec<Problem> {
        if let (Some((_, role)), true) = (&self.guard, self.users > 0)
            && self.holders == 0
        {
            self.problems.push(Problem::error(
                None,
                ProblemKind::GuardBroken {
                    role: (*role).to_owned(),
                    users: self.users,
                },
            ));
        }
        self.problems
    }
}
