use std::error::Error as _;

use super::*;

#[test]
fn store_not_found_kinds_map_to_resources() {
    use scim_store::ResourceKind as Store;
    let cases = [
        (Store::User, ResourceKind::User, "User 'x' not found"),
        (Store::Group, ResourceKind::Group, "Group 'x' not found"),
        (Store::Tenant, ResourceKind::Tenant, "Tenant 'x' not found"),
        (Store::Token, ResourceKind::Token, "Token 'x' not found"),
    ];
    for (store, expected, message) in cases {
        let error = Error::from(StoreError::NotFound {
            kind: store,
            id: "x".into(),
        });
        assert!(
            matches!(&error, Error::NotFound { resource, id } if *resource == expected && id == "x"),
            "{error:?}"
        );
        assert_eq!(error.to_string(), message);
    }
}

#[test]
fn storage_failures_keep_the_store_error_as_source() {
    let error = Error::from(StoreError::Database {
        message: "disk on fire".into(),
        source: None,
    });
    assert!(matches!(error, Error::Storage(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "internal error: database error: disk on fire"
    );
    let source = error.source().map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("database error: disk on fire"));

    let error = Error::from(StoreError::Unavailable {
        reason: Unavailability::Unreachable,
        message: "connection refused".into(),
        source: None,
    });
    assert!(
        matches!(
            error,
            Error::Unavailable {
                reason: Unavailability::Unreachable,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "storage unavailable (database unreachable): connection refused"
    );
    assert!(error.source().is_some());
}

#[test]
fn conflicts_name_the_attribute() {
    let error = Error::from(StoreError::Conflict {
        attribute: "userName",
    });
    assert!(matches!(
        error,
        Error::Conflict {
            attribute: "userName"
        }
    ));
    assert_eq!(
        error.to_string(),
        "a resource with the same userName already exists in this tenant"
    );
}
