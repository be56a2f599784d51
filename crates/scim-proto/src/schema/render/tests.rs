//! The discovery documents as snapshots: a change to what `/Schemas`,
//! `/ResourceTypes` or `/ServiceProviderConfig` say is a reviewed diff.

use super::*;
use crate::schema::{
    ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, GROUP_SCHEMA, USER_RESOURCE, USER_SCHEMA,
};

const BASE: &str = "https://example.com/scim/v2/acme";

#[test]
fn user_schema() {
    insta::assert_json_snapshot!(schema_document(&USER_SCHEMA, BASE));
}

#[test]
fn enterprise_user_schema() {
    insta::assert_json_snapshot!(schema_document(&ENTERPRISE_USER_SCHEMA, BASE));
}

#[test]
fn group_schema() {
    insta::assert_json_snapshot!(schema_document(&GROUP_SCHEMA, BASE));
}

#[test]
fn resource_types() {
    insta::assert_json_snapshot!([
        resource_type_document(&USER_RESOURCE, BASE),
        resource_type_document(&GROUP_RESOURCE, BASE),
    ]);
}

#[test]
fn default_service_provider_config() {
    insta::assert_json_snapshot!(ServiceProviderConfig::default().document(BASE));
}

#[test]
fn service_provider_config_with_bulk_and_documentation() {
    let config = ServiceProviderConfig {
        documentation_uri: Some("https://example.com/docs".to_owned()),
        bulk_supported: true,
        bulk_max_operations: 1000,
        bulk_max_payload_size: 1_048_576,
        ..ServiceProviderConfig::default()
    };
    insta::assert_json_snapshot!(config.document(BASE));
}
