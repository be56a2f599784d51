//! The discovery documents: `/Schemas`, `/ResourceTypes` and `/ServiceProviderConfig`
//! (RFC 7643 sections 5 to 7), rendered from the schema data.

use serde_json::{Map, Value, json};

use super::{AttributeDef, ResourceType, Schema};

const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SPC_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

fn attribute_document(def: &AttributeDef) -> Value {
    let mut doc = Map::new();
    doc.insert("name".into(), def.name.into());
    doc.insert("type".into(), to_value(def.ty));
    doc.insert("multiValued".into(), def.multi_valued.into());
    doc.insert("description".into(), def.description.into());
    doc.insert("required".into(), def.required.into());
    if !def.sub_attributes.is_empty() {
        doc.insert(
            "subAttributes".into(),
            def.sub_attributes.iter().map(attribute_document).collect(),
        );
    }
    if !def.canonical_values.is_empty() {
        doc.insert("canonicalValues".into(), def.canonical_values.into());
    }
    // caseExact is meaningful for string-like types only.
    if matches!(
        def.ty,
        super::AttributeType::String
            | super::AttributeType::Reference
            | super::AttributeType::Binary
    ) {
        doc.insert("caseExact".into(), def.case_exact.into());
    }
    doc.insert("mutability".into(), to_value(def.mutability));
    doc.insert("returned".into(), to_value(def.returned));
    if def.ty != super::AttributeType::Complex {
        doc.insert("uniqueness".into(), to_value(def.uniqueness));
    }
    if !def.reference_types.is_empty() {
        doc.insert("referenceTypes".into(), def.reference_types.into());
    }
    Value::Object(doc)
}

fn to_value<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The `/Schemas/{id}` document of one schema.
///
/// `base_url` is the tenant's SCIM base (e.g. `https://h/scim/v2/acme`); it is used
/// for `meta.location`.
pub fn schema_document(schema: &Schema, base_url: &str) -> Value {
    json!({
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(attribute_document).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Schema",
            "location": format!("{base_url}/Schemas/{}", schema.id),
        }
    })
}

/// The `/ResourceTypes/{name}` document of one resource type.
pub fn resource_type_document(rt: &ResourceType, base_url: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_URN],
        "id": rt.name,
        "name": rt.name,
        "endpoint": rt.endpoint,
        "description": rt.description,
        "schema": rt.schema.id,
        "schemaExtensions": rt.extensions.iter().map(|e| json!({
            "schema": e.schema.id,
            "required": e.required,
        })).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{base_url}/ResourceTypes/{}", rt.name),
        }
    })
}

/// What a server supports, rendered as the `/ServiceProviderConfig` document.
///
/// The fields are the capabilities a deployment actually has, so the document
/// never promises something the routes refuse (e.g. `bulk_supported`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderConfig {
    /// Link to human documentation.
    pub documentation_uri: Option<String>,
    /// Whether `/Bulk` is served.
    pub bulk_supported: bool,
    /// Maximum operations in one bulk request.
    pub bulk_max_operations: u32,
    /// Maximum bulk payload in bytes.
    pub bulk_max_payload_size: u64,
    /// Maximum resources one query returns.
    pub filter_max_results: u32,
    /// Whether ETags and `If-Match` are supported.
    pub etag_supported: bool,
    /// Whether cursor paging (RFC 9865) is supported.
    pub cursor_paging: bool,
    /// Default page size for queries.
    pub default_page_size: u32,
}

impl Default for ServiceProviderConfig {
    fn default() -> Self {
        ServiceProviderConfig {
            documentation_uri: None,
            bulk_supported: false,
            bulk_max_operations: 0,
            bulk_max_payload_size: 0,
            filter_max_results: 1000,
            etag_supported: true,
            cursor_paging: true,
            default_page_size: 100,
        }
    }
}

impl ServiceProviderConfig {
    /// The `/ServiceProviderConfig` document.
    pub fn document(&self, base_url: &str) -> Value {
        let mut doc = json!({
            "schemas": [SPC_URN],
            "patch": {"supported": true},
            "bulk": {
                "supported": self.bulk_supported,
                "maxOperations": self.bulk_max_operations,
                "maxPayloadSize": self.bulk_max_payload_size,
            },
            "filter": {"supported": true, "maxResults": self.filter_max_results},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            "etag": {"supported": self.etag_supported},
            "pagination": {
                "cursor": self.cursor_paging,
                "index": true,
                "defaultPaginationMethod": "index",
                "defaultPageSize": self.default_page_size,
                "maxPageSize": self.filter_max_results,
                "cursorTimeout": 3600,
            },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A per-tenant secret sent as `Authorization: Bearer <token>`.",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{base_url}/ServiceProviderConfig"),
            }
        });
        if let (Some(uri), Some(obj)) = (&self.documentation_uri, doc.as_object_mut()) {
            obj.insert("documentationUri".into(), uri.clone().into());
        }
        doc
    }
}

#[cfg(test)]
mod tests;
