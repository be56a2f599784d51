//! `POST /Bulk` (RFC 7644 section 3.7): operations applied in order, each in its
//! own transaction, with `bulkId` references resolved from earlier creations
//! and `failOnErrors` honoured.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use provisioning::{Provisioning, RequestContext, TenantContext};
use scim_proto::ScimType;
use scim_proto::messages::{
    BULK_RESPONSE_URN, BulkOperation, BulkOperationResult, BulkRequest, BulkResponse,
};
use serde_json::Value;

use crate::convert::api_error;
use crate::error::ApiError;
use crate::etag::{Precondition, resource_etag};
use crate::extract::ScimJson;
use crate::request::TenantCall;
use crate::scim::json_response;
use crate::state::ScimState;

/// Replaces `bulkId:<id>` strings by the ids created earlier in the request.
fn resolve(value: &mut Value, ids: &HashMap<String, String>) -> Result<(), String> {
    match value {
        Value::String(s) => {
            if let Some(bulk_id) = s.strip_prefix("bulkId:") {
                match ids.get(bulk_id) {
                    Some(id) => *s = id.clone(),
                    None => {
                        return Err(format!(
                            "bulkId '{bulk_id}' does not refer to a resource created earlier in this request"
                        ));
                    }
                }
            }
            Ok(())
        }
        Value::Array(items) => items.iter_mut().try_for_each(|v| resolve(v, ids)),
        Value::Object(map) => map.values_mut().try_for_each(|v| resolve(v, ids)),
        _ => Ok(()),
    }
}

struct Done {
    status: StatusCode,
    location: Option<String>,
    version: Option<i64>,
    id: Option<String>,
}

fn execute(
    p: &Provisioning,
    tenant: &TenantContext,
    ctx: &mut RequestContext,
    op: &BulkOperation,
    ids: &HashMap<String, String>,
) -> Result<Done, ApiError> {
    let conflict = |m: String| ApiError::new(StatusCode::CONFLICT, m);
    // `bulkId:<id>` may stand for any path segment (`/Users/bulkId:qwerty`).
    let path = op
        .path
        .trim_end_matches('/')
        .split('/')
        .map(|segment| {
            let mut value = Value::String(segment.to_owned());
            resolve(&mut value, ids).map(|()| value.as_str().unwrap_or_default().to_owned())
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(conflict)?
        .join("/");
    let mut data = op.data.clone().unwrap_or(Value::Null);
    resolve(&mut data, ids).map_err(conflict)?;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    // Read like `If-Match`: a tag that is not this resource's matches no version (412).
    let target = segments.get(1).copied().unwrap_or_default();
    let expected = op
        .version
        .as_deref()
        .map(Precondition::parse)
        .and_then(|p| p.expected_resource_versions(target));
    let expected = expected.as_deref();
    let bad_path = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("'{}' is not a /Users or /Groups path", op.path),
        )
        .with_type(ScimType::InvalidPath)
    };
    let request_id = ctx.request_id.clone();
    let map = |e| api_error(e, &request_id);
    let method = op.method.to_ascii_uppercase();
    let resource = match (method.as_str(), segments.as_slice()) {
        ("POST", ["Users"]) => Some((
            StatusCode::CREATED,
            p.create_user(tenant, ctx, &data).map_err(map)?,
        )),
        ("POST", ["Groups"]) => Some((
            StatusCode::CREATED,
            p.create_group(tenant, ctx, &data).map_err(map)?,
        )),
        ("PUT", ["Users", id]) => Some((
            StatusCode::OK,
            p.replace_user(tenant, ctx, id, &data, expected)
                .map_err(map)?,
        )),
        ("PUT", ["Groups", id]) => Some((
            StatusCode::OK,
            p.replace_group(tenant, ctx, id, &data, expected)
                .map_err(map)?,
        )),
        ("PATCH", ["Users", id]) => Some((
            StatusCode::OK,
            p.patch_user(tenant, ctx, id, &data, expected)
                .map_err(map)?,
        )),
        ("PATCH", ["Groups", id]) => {
            let version = p
                .patch_group(tenant, ctx, id, &data, expected)
                .map_err(map)?;
            return Ok(Done {
                status: StatusCode::NO_CONTENT,
                location: Some(format!("{}/Groups/{id}", ctx.base_url)),
                version: Some(version),
                id: Some((*id).to_owned()),
            });
        }
        ("DELETE", ["Users", id]) => {
            p.delete_user(tenant, ctx, id, expected).map_err(map)?;
            None
        }
        ("DELETE", ["Groups", id]) => {
            p.delete_group(tenant, ctx, id, expected).map_err(map)?;
            None
        }
        ("POST" | "PUT" | "PATCH" | "DELETE", _) => return Err(bad_path()),
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("'{}' is not a bulk method", op.method),
            )
            .with_type(ScimType::InvalidSyntax));
        }
    };
    Ok(match resource {
        Some((status, r)) => Done {
            status,
            location: r.resource["meta"]["location"].as_str().map(str::to_owned),
            version: Some(r.version),
            id: Some(r.id),
        },
        None => Done {
            status: StatusCode::NO_CONTENT,
            location: None,
            version: None,
            id: None,
        },
    })
}

/// The body is read as JSON first, then the credentials, then the JSON is
/// read as a `BulkRequest`.
pub(crate) async fn bulk(
    body: ScimJson,
    call: TenantCall,
    state: web::Data<ScimState>,
) -> Result<HttpResponse, ApiError> {
    let request = BulkRequest::from_json(body.0)?;
    let max = state.provisioning.options().bulk_max_operations;
    if request.operations.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} operations; at most {max} are accepted per bulk request",
                request.operations.len()
            ),
        ));
    }
    let fail_on_errors = request.fail_on_errors;
    let results = call
        .run(move |p, tenant, ctx| {
            let mut ids = HashMap::new();
            let mut results = Vec::new();
            let mut errors = 0u32;
            for op in &request.operations {
                if fail_on_errors.is_some_and(|limit| limit > 0 && errors >= limit) {
                    break;
                }
                let outcome = execute(p, tenant, ctx, op, &ids);
                results.push(match outcome {
                    Ok(done) => {
                        if let (Some(bulk_id), Some(id), "POST") = (
                            &op.bulk_id,
                            &done.id,
                            op.method.to_ascii_uppercase().as_str(),
                        ) {
                            ids.insert(bulk_id.clone(), id.clone());
                        }
                        BulkOperationResult {
                            method: op.method.clone(),
                            bulk_id: op.bulk_id.clone(),
                            version: done
                                .id
                                .as_deref()
                                .zip(done.version)
                                .map(|(id, version)| resource_etag(id, version)),
                            location: done.location,
                            status: done.status.as_u16().to_string(),
                            response: None,
                        }
                    }
                    Err(error) => {
                        errors += 1;
                        BulkOperationResult {
                            method: op.method.clone(),
                            bulk_id: op.bulk_id.clone(),
                            version: None,
                            location: None,
                            status: error.status.as_u16().to_string(),
                            response: serde_json::to_value(error.body()).ok(),
                        }
                    }
                });
            }
            Ok(results)
        })
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &BulkResponse {
            schemas: vec![BULK_RESPONSE_URN.to_owned()],
            operations: results,
        },
    ))
}
