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
