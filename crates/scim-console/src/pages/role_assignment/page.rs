//! The role assignment page: the default role, the group mappings (every
//! group the identity provider pushed, with its members and a role picker),
//! the attribute rules, the two settings that decide roles; every form posts
//! to the preview. After a refused edit the page shows the problem next to
//! the field the edit came from.

use maud::{Markup, html};
use provisioning::{
    Catalogue, DISABLED, GroupInfo, Problem, ProblemKind, Provisioning, Rule, RuleSet,
    TenantContext, part_version,
};

use super::edit::{Edit, Field};
use super::{check_filter_path, preview_path};
use crate::pages::tenant_path;
use crate::signed_in::SignedIn;

/// The tenant's role assignment as stored, and the version edits are made on.
#[derive(Debug)]
pub(super) struct Assignment {
    pub(super) tenant_name: String,
    pub(super) rules: RuleSet,
    pub(super) catalogue: Catalogue,
    /// Every pushed group, by display name.
    pub(super) groups: Vec<GroupInfo>,
    pub(super) version: i64,
}

impl Assignment {
    /// Reads the tenant's rules, catalogue and every pushed group.
    pub(super) fn load(
        p: &Provisioning,
        tenant: &TenantContext,
    ) -> provisioning::Result<Assignment> {
        let mut groups = Vec::new();
        let mut cursor = None;
        loop {
            let page = p.group_list(tenant, cursor.as_deref(), None)?;
            groups.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let rules = tenant.engine.rules().clone();
        Ok(Assignment {
            tenant_name: tenant.display_name.clone(),
            version: part_version(&rules)?,
            rules,
            catalogue: tenant.catalogue.clone(),
            groups,
        })
    }

    /// The roles a rule or the default may give: the catalogue's and Disabled.
    fn roles(&self) -> Vec<&str> {
        let mut roles: Vec<&str> = self
            .catalogue
            .roles
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        roles.push(DISABLED);
        roles
    }

    /// The first rule naming `group`: the one that decides for its members.
    pub(super) fn group_rule(&self, group: &str) -> Option<(usize, &Rule)> {
        self.rules
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.group.as_ref().is_some_and(|g| g.id == group))
            .map(|(i, r)| (i + 1, r))
    }

    /// The rules the group table does not show, with their positions:
    /// attribute rules, and group rules for groups no longer pushed or named
    /// by an earlier rule.
    fn other_rules(&self) -> Vec<(usize, &Rule)> {
        self.rules
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (i + 1, r))
            .filter(|(position, rule)| match &rule.group {
                None => true,
                Some(g) => {
                    !self.groups.iter().any(|pushed| pushed.id == g.id)
                        || self.group_rule(&g.id).map(|(p, _)| p) != Some(*position)
                }
            })
            .collect()
    }

    /// A group's display name, or its id when it is no longer pushed.
    pub(super) fn group_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.pushed_name(id).unwrap_or(id)
    }

    /// The display name of a group the identity provider has pushed.
    fn pushed_name(&self, id: &str) -> Option<&str> {
        self.groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.display_name.as_str())
    }
}

/// A rule's condition in words.
pub(super) fn condition(a: &Assignment, rule: &Rule) -> Markup {
    html! {
        @if let Some(group) = &rule.group {
            @match a.pushed_name(&group.id) {
                // Its name now: the identity provider may have renamed it.
                Some(name) => { "member of " strong { (name) } }
                None => {
                    "member of " strong { (group.label.as_deref().unwrap_or(&group.id)) }
                    " "
                    span.gone { "(no longer pushed by the identity provider: this rule matches nobody)" }
                }
            }
            @if rule.filter.is_some() { " and " }
        }
        @if let Some(filter) = &rule.filter { code { (filter) } }
    }
}

/// What the page says above its sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Notice {
    /// An edit was saved; this many users changed role.
    Saved(u64),
    /// An edit was made on rules someone else changed since.
    Stale,
}

/// An edit that was not saved, with what to say next to its field.
#[derive(Debug)]
pub(super) struct Rejection {
    pub(super) edit: Edit,
    pub(super) problems: Vec<Markup>,
}

impl Rejection {
    /// The errors among `problems`, each in words.
    pub(super) fn of_problems(edit: Edit, problems: &[Problem]) -> Rejection {
        Rejection {
            edit,
            problems: problems
                .iter()
                .filter(|p| p.is_error())
                .map(problem)
                .collect(),
        }
    }
}

/// A validation problem in words; a filter's with where it stops parsing.
pub(super) fn problem(p: &Problem) -> Markup {
    match &p.kind {
        ProblemKind::InvalidFilter {
            filter,
            position,
            message,
        } => filter_problem(filter, *position, message),
        _ => html! { (p.to_string()) },
    }
}

/// A filter's problem and its position: the message, then the filter with
/// the spot marked (the message gives the position as a byte offset, which
/// the mark makes plain).
pub(super) fn filter_problem(filter: &str, position: Option<usize>, message: &str) -> Markup {
    let split = position.and_then(|at| Some((filter.get(..at)?, filter.get(at..)?)));
    html! {
        span.problem-text { "This filter cannot be used: " (message) }
        @if let Some((before, after)) = split {
            " "
            span.excerpt {
                "Where: "
                code { (before) mark { "▸" } (after) }
            }
        }
    }
}

/// The problems of a rejected edit, when it came from `field`.
fn problems_at(rejected: Option<&Rejection>, field: &Field) -> Markup {
    html! {
        @if let Some(r) = rejected.filter(|r| r.edit.field() == *field) {
            div.field-problem role="alert" {
                @for p in &r.problems { p { (p) } }
                p { "Nothing was changed." }
            }
        }
    }
}

/// A form posting one edit to the preview.
fn edit_form(
    signed_in: &SignedIn,
    slug: &str,
    version: i64,
    hidden: &[(&str, &str)],
    class: &str,
    body: Markup,
) -> Markup {
    html! {
        form class=(class) method="post" action=(preview_path(slug)) {
            input type="hidden" name="csrf" value=(signed_in.csrf());
            input type="hidden" name="version" value=(version);
            @for (name, value) in hidden { input type="hidden" name=(name) value=(value); }
            (body)
        }
    }
}

/// A role `<select>` with `current` selected; `none` adds a first option with
/// an empty value.
fn role_select(id: &str, name: &str, roles: &[&str], current: &str, none: Option<&str>) -> Markup {
    html! {
        select id=(id) name=(name) {
            @if let Some(text) = none { option value="" selected[current.is_empty()] { (text) } }
            @for role in roles { option value=(role) selected[*role == current] { (role) } }
        }
    }
}

/// Up and down buttons for the rule at `position` of `count`.
fn move_buttons(
    signed_in: &SignedIn,
    slug: &str,
    a: &Assignment,
    rule: &Rule,
    position: usize,
) -> Markup {
    let id = rule.id.as_deref().unwrap_or_default();
    let count = a.rules.rules.len();
    html! {
        @if position > 1 {
            (edit_form(signed_in, slug, a.version, &[("op", "move"), ("rule", id), ("direction", "up")], "inline",
                html! { button.small type="submit" aria-label=(format!("Move rule {position} up")) { "↑ Up" } }))
        }
        @if position < count {
            (edit_form(signed_in, slug, a.version, &[("op", "move"), ("rule", id), ("direction", "down")], "inline",
                html! { button.small type="submit" aria-label=(format!("Move rule {position} down")) { "↓ Down" } }))
        }
    }
}

fn notice(n: Notice) -> Markup {
    html! {
        @match n {
            Notice::Saved(changed) => p.notice #saved role="status" {
                "Saved. " (match changed { 0 => "No user changed role.".to_owned(), 1 => "1 user changed role.".to_owned(), n => format!("{n} users changed role.") })
            },
            Notice::Stale => p.warning #stale role="alert" {
                strong { "Someone else changed the rules since you opened this page; here is the current state. " }
                "Your change was not saved. Make it again if it is still needed."
            },
        }
    }
}

/// The whole page.
pub(super) fn render(
    signed_in: &SignedIn,
    slug: &str,
    a: &Assignment,
    shown: Option<Notice>,
    rejected: Option<&Rejection>,
) -> Markup {
    let roles = a.roles();
    let guard_roles: Vec<&str> = roles.iter().copied().filter(|r| *r != DISABLED).collect();
    let guard = a.rules.guard.as_ref().map_or("", |g| g.role.as_str());
    let typed = match rejected.map(|r| &r.edit) {
        Some(Edit::AddFilter { filter, role }) => (filter.as_str(), role.as_str()),
        _ => ("", ""),
    };
    let others = a.other_rules();
    html! {
        (crate::layout::tenant_nav(slug))
        p.crumbs { a href=(tenant_path(slug)) { (a.tenant_name) } " / Role assignment" }
        h1 { "Role assignment" }
        @if let Some(n) = shown { (notice(n)) }
        p.hint { "Rules are tried in order; the first that matches a user decides their role. Every change is previewed before it is saved." }

        section #default-role-section {
            h2 { "Default role" }
            (edit_form(signed_in, slug, a.version, &[("op", "default_role")], "row", html! {
                label for="default-role" { "Users no rule matches get" }
                (role_select("default-role", "default_role", &roles, &a.rules.default_role, None))
                button type="submit" { "Preview" }
            }))
            (problems_at(rejected, &Field::DefaultRole))
        }

        section #groups-section {
            h2 { "Group mappings" }
            @if a.groups.is_empty() {
                p #no-groups { "The identity provider has pushed no groups yet." }
            } @else {
                (crate::layout::scrolling_table("Group mappings", html! { table #group-mappings {
                    thead { tr { th { "Group" } th { "Members" } th { "Role" } th { "Rule" } } }
                    tbody {
                        @for group in &a.groups {
                            @let rule = a.group_rule(&group.id);
                            @let select_id = format!("group-{}", group.id);
                            tr {
                                td { label for=(select_id) { (group.display_name) } }
                                td { (group.members) }
                                td {
                                    (edit_form(signed_in, slug, a.version, &[("op", "map_group"), ("group", &group.id)], "row", html! {
                                        (role_select(&select_id, "role", &roles, rule.map_or("", |(_, r)| r.role.as_str()), Some("no rule")))
                                        button.small type="submit" { "Preview" }
                                    }))
                                    (problems_at(rejected, &Field::Group(group.id.clone())))
                                }
                                td {
                                    @if let Some((position, rule)) = rule {
                                        span.position { "rule " (position) " of " (a.rules.rules.len()) }
                                        (move_buttons(signed_in, slug, a, rule, position))
                                        (problems_at(rejected, &Field::Rule(rule.id.clone().unwrap_or_default())))
                                    } @else { span.hint { "—" } }
                                }
                            }
                        }
                    }
                } }))
            }
        }

        section #attribute-rules-section {
            h2 { "Attribute rules" }
            p.hint { "A rule whose condition is a SCIM filter on the user, for example " code { "title eq \"Technician\"" } "." }
            @if others.is_empty() {
                p #no-attribute-rules { "No attribute rules." }
            } @else {
                (crate::layout::scrolling_table("Attribute rules", html! { table #attribute-rules {
                    thead { tr { th { "Rule" } th { "Condition" } th { "Role" } th { "Order" } th { span.visually-hidden { "Remove" } } } }
                    tbody {
                        @for (position, rule) in &others {
                            @let id = rule.id.as_deref().unwrap_or_default();
                            tr {
                                td { (position) }
                                td { (condition(a, rule)) }
                                td { (rule.role) }
                                td { (move_buttons(signed_in, slug, a, rule, *position)) }
                                td {
                                    (edit_form(signed_in, slug, a.version, &[("op", "remove"), ("rule", id)], "inline", html! {
                                        button.small.danger type="submit" aria-label=(format!("Remove rule {position}")) { "Remove…" }
                                    }))
                                    (problems_at(rejected, &Field::Rule(id.to_owned())))
                                }
                            }
                        }
                    }
                } }))
            }
            (edit_form(signed_in, slug, a.version, &[("op", "add_filter")], "stack wide", html! {
                h3 { "Add an attribute rule" }
                label for="new-filter" { "SCIM filter" }
                input #new-filter type="text" name="filter" value=(typed.0) autocomplete="off" spellcheck="false"
                    aria-describedby="new-filter-problem" data-check-url=(check_filter_path(slug));
                div #new-filter-problem.field-problem aria-live="polite" {
                    @if let Some(r) = rejected.filter(|r| r.edit.field() == Field::NewFilter) {
                        @for p in &r.problems { p { (p) } }
                        p { "Nothing was changed." }
                    }
                }
                label for="new-filter-role" { "Role for users it matches" }
                (role_select("new-filter-role", "role", &roles, typed.1, None))
                div { button type="submit" { "Preview" } }
            }))
        }

        section #settings-section {
            h2 { "Settings" }
            (edit_form(signed_in, slug, a.version, &[("op", "settings")], "stack wide", html! {
                fieldset {
                    legend { "When the identity provider deactivates a user whose role is locked" }
                    label { input type="radio" name="lock" value="kept" checked[a.rules.lock_survives_deactivation]; " the lock keeps their role" }
                    label { input type="radio" name="lock" value="ends" checked[!a.rules.lock_survives_deactivation]; " deactivation wins: the user is Disabled" }
                }
                label for="guard" { "Guard: never leave the tenant without an active user in role" }
                (role_select("guard", "guard", &guard_roles, guard, Some("no guard")))
                div { button type="submit" { "Preview" } }
            }))
            (problems_at(rejected, &Field::Settings))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::filter_problem;

    #[test]
    fn a_filter_problem_marks_the_character() {
        let html = filter_problem("title eqq 1", Some(6), "bad operator").into_string();
        assert!(html.contains("Where: <code>"), "{html}");
        assert!(
            html.contains("<code>title <mark>▸</mark>eqq 1</code>"),
            "{html}"
        );
        let no_split = filter_problem("é", Some(1), "x").into_string();
        assert!(
            !no_split.contains("Where:"),
            "not a char boundary: {no_split}"
        );
    }
}
