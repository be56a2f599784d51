//! Unit tests of cursors.

use super::*;
use crate::dialect::Dialect;
use crate::kind::Kind;
use crate::model::SortBy;
use crate::query::sort::order;

#[test]
fn cursors_round_trip_and_reject_other_orders() {
    let order = |path: Option<&str>| {
        let sort = path.map(|p| SortBy {
            path: scim_proto::filter::AttrPath::parse(p).unwrap(),
            descending: false,
        });
        order(Kind::User, Dialect::Sqlite, sort.as_ref()).unwrap()
    };
    let by_name = order(Some("userName"));
    let cursor = Cursor {
        backward: true,
        position: Position {
            key: Some(KeyValue::Text("ǅ\"x".into())),
            id: "u1".into(),
        },
        order: by_name.fingerprint.clone(),
    };
    let text = cursor.encode();
    assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(Cursor::decode(&text, &by_name).unwrap(), cursor);
    assert!(matches!(
        Cursor::decode(&text, &order(None)),
        Err(StoreError::InvalidCursor(_))
    ));
    assert!(matches!(
        Cursor::decode(&text, &order(Some("meta.created"))),
        Err(StoreError::InvalidCursor(_))
    ));
}
