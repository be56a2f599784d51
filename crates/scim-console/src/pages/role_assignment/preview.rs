//! The preview of an edit: what it is, the role engine's dry run in one
//! sentence ("14 users change: 12 Loanee → Technician, 2 Viewer → Loanee;
//! 3 locked users keep their role"), the users it affects (the first
//! [`LISTED`], then "and N more"), its warnings, and Save (the same edit, on
//! the same rule-set version) or Cancel.

use maud::{Markup, html};
use provisioning::{Change, Effect, PreviewSummary, RulesOutcome};

use super::edit::{Direction, Edit, LockPolicy};
use super::page::{Assignment, condition, problem};
use super::{roles_path, save_path};
use crate::pages::tenant_path;
use crate::signed_in::SignedIn;

/// The most users a preview lists.
pub(super) const LISTED: usize = 50;

/// `n` with the singular or plural noun.
fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The dry run's counts as one sentence.
pub(super) fn sentence(s: &PreviewSummary) -> String {
    let mut out = if s.changed == 0 {
        "No user changes role".to_owned()
    } else {
        let moves: Vec<String> = s
            .transitions
            .iter()
            .map(|t| format!("{} {} → {}", t.count, t.from, t.to))
            .collect();
        format!(
            "{}: {}",
            count(s.changed, "user changes", "users change"),
            moves.join(", ")
        )
    };
    if s.held_by_lock > 0 {
        out.push_str("; ");
        out.push_str(&count(
            s.held_by_lock,
            "locked user keeps their role",
            "locked users keep their role",
        ));
    }
    out
}

/// The edit in words.
fn describe(edit: &Edit, a: &Assignment) -> Markup {
    let position = |id: &str| a.rules.position_of(id).unwrap_or_default();
    html! {
        @match edit {
            Edit::DefaultRole { default_role } => {
                "Users no rule matches get " strong { (default_role) } " instead of " strong { (a.rules.default_role) } "."
            }
            Edit::MapGroup { group, role } if role.is_empty() => {
                "The rule for group " strong { (a.group_name(group)) } " is removed."
            }
            Edit::MapGroup { group, role } => {
                "Members of group " strong { (a.group_name(group)) } " get " strong { (role) }
                @if let Some((position, _)) = a.group_rule(group) { " (rule " (position) ")." } @else { " (a new last rule)." }
            }
            Edit::Move { rule, direction } => {
                "Rule " (position(rule)) " moves " (match direction { Direction::Up => "up", Direction::Down => "down" }) " one place."
            }
            Edit::AddFilter { filter, role } => {
                "A new last rule: users matching " code { (filter) } " get " strong { (role) } "."
            }
            Edit::Remove { rule } => {
                @if let Some(r) = a.rules.rules.iter().find(|r| r.id.as_deref() == Some(rule.as_str())) {
                    "Rule " (position(rule)) " (" (condition(a, r)) " gets " (r.role) ") is removed."
                }
            }
            Edit::Settings { lock, guard } => {
                (match lock {
                    LockPolicy::Kept => "A lock keeps a deactivated user's role",
                    LockPolicy::Ends => "Deactivation wins over a lock",
                })
                "; "
                @if guard.is_empty() { "no guard." } @else { "the guard keeps an active " strong { (guard) } "." }
            }
        }
    }
}

fn who(change: &Change) -> &str {
    change
        .user_name
        .as_deref()
        .or(change.user_id.as_deref())
        .unwrap_or("(unnamed user)")
}

fn entry(change: &Change) -> Markup {
    html! {
        tr {
            td { (who(change)) }
            td { (change.before.role) }
            @match &change.effect {
                Effect::RoleChanges => {
                    td { (change.after.role) }
                    td { (change.after.reason) }
                }
                Effect::HeldByLock { rules_after, .. } => {
                    td { (change.after.role) " (locked)" }
                    td { "the lock keeps the role; the rules alone would give " (rules_after.role) }
                }
            }
        }
    }
}

/// The preview page of `edit` (made on `version`).
pub(super) fn render(
    signed_in: &SignedIn,
    slug: &str,
    a: &Assignment,
    edit: &Edit,
    version: i64,
    outcome: &RulesOutcome,
) -> Markup {
    let summary = &outcome.summary;
    let (changes, held) = outcome.entries.as_ref().map_or((&[][..], &[][..]), |e| {
        (&e.changes[..], &e.held_by_lock[..])
    });
    let listed = (changes.len() + held.len()) as u64;
    let more = (summary.changed + summary.held_by_lock).saturating_sub(listed);
    let warnings: Vec<Markup> = outcome.problems.iter().map(problem).collect();
    html! {
        (crate::layout::tenant_nav(slug))
        p.crumbs { a href=(tenant_path(slug)) { (a.tenant_name) } " / " a href=(roles_path(slug)) { "Role assignment" } " / Preview" }
        h1 { "Preview" }
        p #preview-edit { (describe(edit, a)) }
        p.summary #preview-summary { (sentence(summary)) "." }
        @if !warnings.is_empty() {
            div.warning #preview-warnings {
                p { "Warnings (they do not stop the save):" }
                ul { @for w in &warnings { li { (w) } } }
            }
        }
        @if listed > 0 {
            (crate::layout::scrolling_table("Users the change affects", html! { table #preview-users {
                thead { tr { th { "User" } th { "Role now" } th { "Role after" } th { "Why" } } }
                tbody {
                    @for change in changes { (entry(change)) }
                    @for change in held { (entry(change)) }
                }
            } }))
            @if more > 0 { p #preview-more { "and " (more) " more" } }
        }
        form.row method="post" action=(save_path(slug)) {
            input type="hidden" name="csrf" value=(signed_in.csrf());
            input type="hidden" name="version" value=(version);
            @for (name, value) in edit.fields() { input type="hidden" name=(name) value=(value); }
            button #save type="submit" { "Save" }
            a.button-link #cancel href=(roles_path(slug)) { "Cancel" }
        }
    }
}

#[cfg(test)]
mod tests {
    use provisioning::{PreviewSummary, Transition};

    use super::sentence;

    fn moves(list: &[(&str, &str, u64)]) -> Vec<Transition> {
        list.iter()
            .map(|(from, to, count)| Transition {
                from: (*from).to_owned(),
                to: (*to).to_owned(),
                count: *count,
            })
            .collect()
    }

    #[test]
    fn the_summary_reads_as_the_issue_asks() {
        let s = PreviewSummary {
            changed: 14,
            held_by_lock: 3,
            transitions: moves(&[("Loanee", "Technician", 12), ("Viewer", "Loanee", 2)]),
        };
        assert_eq!(
            sentence(&s),
            "14 users change: 12 Loanee → Technician, 2 Viewer → Loanee; 3 locked users keep their role"
        );
        let one = PreviewSummary {
            changed: 1,
            held_by_lock: 1,
            transitions: moves(&[("User", "Admin", 1)]),
        };
        assert_eq!(
            sentence(&one),
            "1 user changes: 1 User → Admin; 1 locked user keeps their role"
        );
        assert_eq!(sentence(&PreviewSummary::default()), "No user changes role");
    }
}
