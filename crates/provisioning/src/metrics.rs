//! What a write did to roles, counted through the `metrics` facade only once
//! it committed: a write may run more than once (a re-run after a lost
//! deadlock) or roll back (a rule save refused once every user was checked),
//! and neither may count. The closure notes its counts on its thread (it runs
//! on the caller's), `Provisioning::write` drops them before each run and
//! emits them after a commit.

use std::cell::RefCell;

/// Users whose role changed, by `tenant`.
pub const ROLE_CHANGES: &str = "scim_role_changes_total";
/// Guard violations (an identity provider's change left a guarded role
/// without an active holder), by `tenant`.
pub const GUARD_VIOLATIONS: &str = "scim_guard_violations_total";
/// Webhook batches acknowledged with a 2xx, by `tenant`.
pub const WEBHOOK_DELIVERIES: &str = "scim_webhook_deliveries_total";
/// Webhook attempts that failed (a non-2xx answer or none), by `tenant`.
pub const WEBHOOK_FAILURES: &str = "scim_webhook_failures_total";
/// Events of the log not yet past a webhook endpoint's cursor after its last
/// delivery, by `tenant` and `webhook` (a gauge).
pub const WEBHOOK_LAG: &str = "scim_webhook_lag_events";

thread_local! {
    static PENDING: RefCell<Vec<(&'static str, String, u64)>> = const { RefCell::new(Vec::new()) };
}

/// Notes `n` more of counter `name` for `tenant`, to count if the write commits.
pub(crate) fn note(name: &'static str, tenant: &str, n: u64) {
    if n > 0 {
        PENDING.with(|p| p.borrow_mut().push((name, tenant.to_owned(), n)));
    }
}

/// Forgets what the current write noted (it starts again, or it failed).
pub(crate) fn discard() {
    PENDING.with(|p| p.borrow_mut().clear());
}

/// Counts what the write that just committed noted.
pub(crate) fn emit() {
    for (name, tenant, n) in PENDING.with(|p| std::mem::take(&mut *p.borrow_mut())) {
        metrics::counter!(name, "tenant" => tenant).increment(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_notes_since_the_last_discard_are_emitted_and_only_once() {
        note(ROLE_CHANGES, "acme", 3);
        discard();
        note(ROLE_CHANGES, "acme", 2);
        note(GUARD_VIOLATIONS, "acme", 0);
        let pending = PENDING.with(|p| p.borrow().clone());
        assert_eq!(pending, [(ROLE_CHANGES, "acme".to_owned(), 2)]);
        emit();
        assert!(PENDING.with(|p| p.borrow().is_empty()));
    }
}
