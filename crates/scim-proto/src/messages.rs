//! The protocol messages of RFC 7644: ListResponse, SearchRequest, Error, Bulk,
//! plus the URNs that identify them. (PatchOp lives in [`crate::patch`].)

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ScimType};
use crate::normalize::{check_client_json, json_type};

/// URN of ListResponse.
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// URN of SearchRequest.
pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// URN of Error.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// URN of BulkRequest.
pub const BULK_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// URN of BulkResponse.
pub const BULK_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// A query result (RFC 7644 section 3.4.2), with RFC 9865 cursors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse {
    /// Always `[LIST_RESPONSE_URN]`.
    pub schemas: Vec<String>,
    /// Number of results matching the query, over all pages.
    pub total_results: u64,
    /// 1-based index of the first result of this page (index paging).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    /// Number of resources on this page.
    pub items_per_page: u64,
    /// Cursor of the next page (RFC 9865), if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Cursor of the previous page (RFC 9865), if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_cursor: Option<String>,
    /// The resources; present (possibly empty) even when nothing matched.
    #[serde(rename = "Resources")]
    pub resources: Vec<Value>,
}

impl ListResponse {
    /// An index-paged page.
    pub fn page(total_results: u64, start_index: u64, resources: Vec<Value>) -> ListResponse {
        ListResponse {
            schemas: vec![LIST_RESPONSE_URN.to_owned()],
            total_results,
            start_index: Some(start_index),
            items_per_page: resources.len() as u64,
            next_cursor: None,
            previous_cursor: None,
            resources,
        }
    }
}

/// The body of an error response (RFC 7644 section 3.12). `status` is a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    /// Always `[ERROR_URN]`.
    pub schemas: Vec<String>,
    /// The HTTP status code, as a string (`"404"`).
    pub status: String,
    /// The SCIM error type, for 400 and 409 errors that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<ScimType>,
    /// A human-readable explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ErrorResponse {
    /// An error body with the given status and detail.
    pub fn new(
        status: u16,
        scim_type: Option<ScimType>,
        detail: impl Into<String>,
    ) -> ErrorResponse {
        ErrorResponse {
            schemas: vec![ERROR_URN.to_owned()],
            status: status.to_string(),
            scim_type,
            detail: Some(detail.into()),
        }
    }
}

impl From<&Error> for ErrorResponse {
    fn from(error: &Error) -> ErrorResponse {
        ErrorResponse::new(error.status(), Some(error.scim_type()), error.to_string())
    }
}

/// Sort direction (RFC 7644 section 3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SortOrder {
    /// Smallest first (the default).
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

impl SortOrder {
    /// Parses `ascending` / `descending`, ignoring case.
    pub fn parse(s: &str) -> Option<SortOrder> {
        if s.eq_ignore_ascii_case("ascending") {
            Some(SortOrder::Ascending)
        } else if s.eq_ignore_ascii_case("descending") {
            Some(SortOrder::Descending)
        } else {
            None
        }
    }
}

/// A query, from URL parameters or a `POST .search` body (RFC 7644 section 3.4.3).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    /// `schemas` of a `.search` body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Attributes to return.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "list_or_string"
    )]
    pub attributes: Option<String>,
    /// Attributes not to return.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "list_or_string"
    )]
    pub excluded_attributes: Option<String>,
    /// The filter text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Attribute to sort by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    /// `ascending` or `descending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<String>,
    /// 1-based index of the first result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<i64>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// RFC 9865 cursor (empty string asks for the first cursor page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `.search` bodies carry `attributes` as an array; URLs as a comma-separated string.
fn list_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        One(String),
    }
    Ok(Option::<ListOrString>::deserialize(d)?.map(|v| match v {
        ListOrString::List(items) => items.join(","),
        ListOrString::One(s) => s,
    }))
}

/// Reads a protocol message from a request body: a JSON object (serde would
/// otherwise read an array positionally into the fields) whose `schemas` name
/// the message (RFC 7644 sections 3.4.3 and 3.7), with no name given twice.
fn read_message<T: serde::de::DeserializeOwned>(body: Value, urn: &str) -> Result<T, Error> {
    let name = urn.rsplit(':').next().unwrap_or(urn);
    let Some(object) = body.as_object() else {
        return Err(Error::InvalidSyntax(format!(
            "a {name} must be a JSON object, not {}",
            json_type(&body)
        )));
    };
    check_client_json(&body)?;
    let named = match crate::attr::get(object, "schemas") {
        Some(Value::Array(uris)) => uris
            .iter()
            .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(urn))),
        _ => false,
    };
    if !named {
        return Err(Error::InvalidSyntax(format!(
            "a {name} needs 'schemas': [\"{urn}\"]"
        )));
    }
    serde_json::from_value(body).map_err(|e| Error::InvalidSyntax(format!("not a {name}: {e}")))
}

impl SearchRequest {
    /// Reads a `.search` body.
    pub fn from_json(body: Value) -> Result<SearchRequest, Error> {
        read_message(body, SEARCH_REQUEST_URN)
    }
}

impl BulkRequest {
    /// Reads a `/Bulk` body. RFC 7644 section 3.7 requires a `bulkId` on every
    /// `POST` operation, unique in the request; the whole request is refused
    /// before any operation runs when one lacks it.
    pub fn from_json(body: Value) -> Result<BulkRequest, Error> {
        let request: BulkRequest = read_message(body, BULK_REQUEST_URN)?;
        let mut seen = std::collections::HashSet::new();
        for (i, op) in request.operations.iter().enumerate() {
            if !op.method.eq_ignore_ascii_case("POST") {
                continue;
            }
            match op.bulk_id.as_deref().map(str::trim) {
                None | Some("") => {
                    return Err(Error::InvalidSyntax(format!(
                        "Operations[{i}]: a POST operation needs a non-empty 'bulkId'"
                    )));
                }
                Some(id) if !seen.insert(id) => {
                    return Err(Error::InvalidSyntax(format!(
                        "Operations[{i}]: bulkId '{}' is used by an earlier POST",
                        crate::filter::excerpt(id)
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(request)
    }
}

/// One operation of a bulk request (RFC 7644 section 3.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    /// `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// Client-chosen id that later operations reference as `bulkId:<id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// Expected version (`If-Match` equivalent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Resource path relative to the base URL, e.g. `/Users` or `/Groups/{id}`.
    pub path: String,
    /// The body of the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// A bulk request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    /// Always `[BULK_REQUEST_URN]`.
    pub schemas: Vec<String>,
    /// Stop after this many errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on_errors: Option<u32>,
    /// The operations, in order.
    #[serde(rename = "Operations")]
    pub operations: Vec<BulkOperation>,
}

/// The result of one bulk operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationResult {
    /// The operation's method.
    pub method: String,
    /// The operation's bulkId, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The resource version after the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The resource's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// HTTP status of the operation, as a string.
    pub status: String,
    /// The error body for failed operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

/// A bulk response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResponse {
    /// Always `[BULK_RESPONSE_URN]`.
    pub schemas: Vec<String>,
    /// One result per operation that was attempted.
    #[serde(rename = "Operations")]
    pub operations: Vec<BulkOperationResult>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_list_response_has_resources_and_integer_paging() {
        let list = ListResponse::page(0, 1, Vec::new());
        assert_eq!(
            serde_json::to_value(&list).unwrap(),
            json!({"schemas": [LIST_RESPONSE_URN], "totalResults": 0, "startIndex": 1,
                   "itemsPerPage": 0, "Resources": []})
        );
    }

    #[test]
    fn error_status_is_a_string() {
        let err = Error::NoTarget("nothing there".into());
        assert_eq!(
            serde_json::to_value(ErrorResponse::from(&err)).unwrap(),
            json!({"schemas": [ERROR_URN], "status": "400", "scimType": "noTarget",
                   "detail": "no target: nothing there"})
        );
    }

    #[test]
    fn search_request_accepts_attribute_arrays() {
        let req: SearchRequest = serde_json::from_value(json!({
            "schemas": [SEARCH_REQUEST_URN],
            "attributes": ["displayName", "userName"],
            "excludedAttributes": "members",
            "filter": "userName sw \"a\"",
            "startIndex": 1, "count": 10
        }))
        .unwrap();
        assert_eq!(req.attributes.as_deref(), Some("displayName,userName"));
        assert_eq!(req.excluded_attributes.as_deref(), Some("members"));
        assert_eq!(req.count, Some(10));
        assert_eq!(SortOrder::parse("DESCENDING"), Some(SortOrder::Descending));
    }

    #[test]
    fn bulk_messages_round_trip() {
        let body = json!({
            "schemas": [BULK_REQUEST_URN],
            "failOnErrors": 1,
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "qwerty", "data": {"userName": "a"}},
                {"method": "PATCH", "path": "/Groups/bulkId:ytrewq", "version": "W/\"1\"", "data": {}}
            ]
        });
        let req = BulkRequest::from_json(body.clone()).unwrap();
        assert_eq!(req.operations[0].bulk_id.as_deref(), Some("qwerty"));
        assert_eq!(serde_json::to_value(&req).unwrap(), body);
    }

    #[test]
    fn messages_are_objects_and_bulk_posts_name_a_unique_bulk_id() {
        let post = |bulk_id: Value| json!({"method": "post", "path": "/Users", "bulkId": bulk_id});
        for body in [
            json!([{"method": "POST", "path": "/Users", "bulkId": "a"}]),
            json!({"schemas": [BULK_REQUEST_URN], "Operations": [{"method": "POST", "path": "/Users"}]}),
            json!({"schemas": [BULK_REQUEST_URN], "Operations": [post(json!(""))]}),
            json!({"schemas": [BULK_REQUEST_URN], "Operations": [post(json!(" "))]}),
            json!({"schemas": [BULK_REQUEST_URN], "Operations": [post(json!(null))]}),
            json!({"schemas": [BULK_REQUEST_URN], "Operations": [post(json!("a")), post(json!("a"))]}),
        ] {
            let err = BulkRequest::from_json(body.clone()).unwrap_err();
            assert_eq!(err.scim_type(), ScimType::InvalidSyntax, "{body}");
        }
        // Other methods need no bulkId.
        BulkRequest::from_json(json!({"schemas": [BULK_REQUEST_URN],
            "Operations": [{"method": "DELETE", "path": "/Users/x"}, post(json!("a"))]}))
        .unwrap();
        for body in [
            json!([]),
            json!(["filter"]),
            json!("userName pr"),
            json!(1),
            json!({"filter": "userName pr"}),
            json!({"schemas": [BULK_REQUEST_URN]}),
            json!({"schemas": SEARCH_REQUEST_URN}),
        ] {
            let err = SearchRequest::from_json(body.clone()).unwrap_err();
            assert_eq!(err.scim_type(), ScimType::InvalidSyntax, "{body}");
        }
        let twice = json!({"schemas": [SEARCH_REQUEST_URN], "filter": "a pr", "FILTER": "b pr"});
        let err = SearchRequest::from_json(twice).unwrap_err();
        assert_eq!(err.scim_type(), ScimType::InvalidValue);
        SearchRequest::from_json(json!({"Schemas": [SEARCH_REQUEST_URN]})).unwrap();
        let err =
            BulkRequest::from_json(json!({"schemas": [SEARCH_REQUEST_URN], "Operations": []}))
                .unwrap_err();
        assert_eq!(err.scim_type(), ScimType::InvalidSyntax);
    }
}
