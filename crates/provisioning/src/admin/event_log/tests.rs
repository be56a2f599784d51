use chrono::TimeZone;
use serde_json::json;

use super::*;

#[test]
fn events_serialise_kinds_and_times_as_the_admin_api_writes_them() {
    let time = Utc
        .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
        .single()
        .unwrap_or_default();
    let info = EventInfo::from_row(Event {
        tenant_id: "t1".into(),
        seq: 7,
        time,
        kind: EventKind::RoleChanged,
        resource_type: Some("User".into()),
        resource_id: Some("u1".into()),
        before: None,
        after: Some(json!({"role": "Admin"})),
        cause: None,
        request_id: Some("r1".into()),
        user_id: Some("u1".into()),
    });
    assert_eq!(info.kind, EventKind::RoleChanged);
    assert_eq!(
        serde_json::to_value(&info).unwrap_or_default(),
        json!({
            "seq": 7,
            "time": "2026-01-02T03:04:05.000000Z",
            "kind": "role.changed",
            "resource_type": "User",
            "resource_id": "u1",
            "before": null,
            "after": {"role": "Admin"},
            "cause": null,
            "request_id": "r1",
        })
    );
}

#[test]
fn event_queries_refuse_what_they_cannot_answer_and_never_cut_silently() {
    let ok = EventQuery::default().to_search().map(|s| s.limit);
    assert!(matches!(ok, Ok(100)), "{ok:?}");
    let at = |day| {
        Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0)
            .single()
            .unwrap_or_default()
    };
    for bad in [
        EventQuery {
            limit: Some(MAX_EVENT_PAGE + 1),
            ..EventQuery::default()
        },
        EventQuery {
            limit: Some(0),
            ..EventQuery::default()
        },
        EventQuery {
            kinds: vec!["role.changed".into(), "role.chnaged".into()],
            ..EventQuery::default()
        },
        EventQuery {
            user: Some("u1".into()),
            group: Some("g1".into()),
            ..EventQuery::default()
        },
        EventQuery {
            since: Some(at(2)),
            until: Some(at(2)),
            ..EventQuery::default()
        },
        EventQuery {
            after_seq: -1,
            ..EventQuery::default()
        },
    ] {
        let refused = bad.to_search();
        assert!(
            matches!(refused, Err(Error::Invalid(_))),
            "{bad:?}: {refused:?}"
        );
    }
    let search = EventQuery {
        kinds: vec!["role.changed".into(), "lock.set".into()],
        group: Some("g1".into()),
        limit: Some(MAX_EVENT_PAGE),
        ..EventQuery::default()
    }
    .to_search();
    assert!(
        matches!(&search, Ok(s) if s.kinds == [EventKind::RoleChanged, EventKind::LockSet]
            && s.resource_id.as_deref() == Some("g1")
            && s.limit == MAX_EVENT_PAGE),
        "{search:?}"
    );
}
