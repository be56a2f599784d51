use chrono::TimeZone;
use role_engine::{Decision, Reason};
use serde_json::json;

use super::*;
use crate::context::Actor;

fn ctx() -> RequestContext {
    RequestContext::new("req-1", "https://h/scim/v2/t", Actor::Operator)
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
        .single()
        .unwrap_or_default()
}

#[test]
fn user_change_kinds_follow_the_active_flag() {
    let active = json!({"userName": "a", "active": true});
    let inactive = json!({"userName": "a", "active": false});
    let absent = json!({"userName": "a"});
    assert_eq!(
        user_change_kind(&active, &inactive),
        EventKind::UserDeactivated
    );
    assert_eq!(
        user_change_kind(&absent, &inactive),
        EventKind::UserDeactivated
    );
    assert_eq!(
        user_change_kind(&inactive, &active),
        EventKind::UserReactivated
    );
    assert_eq!(
        user_change_kind(&inactive, &absent),
        EventKind::UserReactivated
    );
    assert_eq!(user_change_kind(&active, &absent), EventKind::UserUpdated);
}

#[test]
fn a_new_display_name_is_a_rename() {
    let a = json!({"displayName": "a"});
    let a2 = json!({"displayName": "a", "externalId": "x"});
    let b = json!({"displayName": "b"});
    assert_eq!(group_change_kind(&a, &a2), EventKind::GroupUpdated);
    assert_eq!(group_change_kind(&a, &b), EventKind::GroupRenamed);
}

#[test]
fn rows_carry_the_request_time() {
    let ctx = ctx();
    let row = Recorder::new("t1", &ctx, at()).row(Event::MemberRemoved {
        group: "g1",
        user: "u1",
    });
    assert_eq!(
        row,
        NewEvent {
            time: at(),
            kind: EventKind::MemberRemoved,
            resource_type: Some("Group".into()),
            resource_id: Some("g1".into()),
            before: Some(json!({"user": "u1"})),
            after: None,
            cause: Some(json!({"actor": {"kind": "operator"}, "request_id": "req-1"})),
            request_id: Some("req-1".into()),
            user_id: Some("u1".into()),
        }
    );
}

#[test]
fn a_role_change_is_caused_by_its_decision() {
    let ctx = ctx();
    let change = RoleChange {
        user_id: "u1".into(),
        from: None,
        to: "viewer".into(),
    };
    let decision = Decision {
        role: "viewer".into(),
        reason: Reason::Default,
    };
    let row = Recorder::new("t1", &ctx, at()).row(Event::RoleChanged {
        change: &change,
        decision: &decision,
        reason: json!("r"),
    });
    assert_eq!(row.kind, EventKind::RoleChanged);
    assert_eq!(row.resource_type.as_deref(), Some("User"));
    assert_eq!(row.resource_id.as_deref(), Some("u1"));
    assert_eq!(row.before, Some(json!({"role": null})));
    assert_eq!(row.after, Some(json!({"role": "viewer", "reason": "r"})));
    assert_eq!(
        row.cause,
        Some(json!({
            "actor": {"kind": "operator"},
            "request_id": "req-1",
            "why": decision.to_string(),
        }))
    );
}

#[test]
fn a_guard_violation_names_the_user_the_role_and_the_way_out() {
    let ctx = ctx();
    let breach = GuardBreach {
        role: "Admin".into(),
        user_id: "u1".into(),
        user_name: "ada@contoso.com".into(),
        active_holders_before: 1,
    };
    let row = Recorder::new("t1", &ctx, at()).row(Event::GuardViolated { breach: &breach });
    assert_eq!(row.kind, EventKind::GuardViolated);
    assert_eq!(row.kind.as_str(), "guard.violated");
    assert_eq!(row.resource_type.as_deref(), Some("User"));
    assert_eq!(row.resource_id.as_deref(), Some("u1"));
    assert_eq!(row.request_id.as_deref(), Some("req-1"));
    assert_eq!(
        row.before,
        Some(json!({"role": "Admin", "active_holders": 1}))
    );
    assert_eq!(
        row.after,
        Some(json!({"role": "Admin", "active_holders": 0, "user_name": "ada@contoso.com"}))
    );
    let cause = row.cause.unwrap();
    assert_eq!(cause["request_id"], "req-1");
    let why = cause["why"].as_str().unwrap();
    assert!(!why.contains("refused:"), "{why}");
    for part in [
        "ada@contoso.com",
        "u1",
        "Admin",
        "was applied",
        "lock a user as Admin",
    ] {
        assert!(why.contains(part), "{part}: {why}");
    }
}

#[test]
fn tenant_events_are_about_the_recorders_tenant() {
    let ctx = ctx();
    let recorder = Recorder::new("t1", &ctx, at());
    let row = recorder.row(Event::TenantChanged {
        part: TenantPart::Rules,
        before: json!(1),
        after: json!(2),
    });
    assert_eq!(row.kind, EventKind::RulesChanged);
    assert_eq!(row.resource_type.as_deref(), Some("Tenant"));
    assert_eq!(row.resource_id.as_deref(), Some("t1"));
    let row = recorder.row(Event::TokenRotated {
        token: "k1",
        prefix: "p",
        previous_expire: at(),
    });
    assert_eq!(
        row.after,
        Some(json!({"prefix": "p", "previous_tokens_expire": timestamp(at())}))
    );
}
