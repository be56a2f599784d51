//! The discovery documents of one tenant (RFC 7644 section 4):
//! `/ServiceProviderConfig`, `/Schemas`, `/ResourceTypes`, and `/Me`, which we
//! do not serve. Each needs the caller's token checked, nothing else.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use scim_proto::messages::ListResponse;
use scim_proto::schema::{
    ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, GROUP_SCHEMA, ResourceType, USER_RESOURCE, USER_SCHEMA,
    resource_type_document, schema_document,
};
use serde_json::Value;

use crate::error::ApiError;
use crate::request::{ResourceId, TenantCall};
use crate::scim::json_response;
use crate::state::ScimState;

type Reply = Result<HttpResponse, ApiError>;

/// Discovery needs only the caller's tenant and token checked; answers the
/// base URL the documents' `meta.location`s are built from.
async fn authenticated_base(call: TenantCall) -> Result<String, ApiError> {
    let base = call.base_url().to_owned();
    call.run(|_, _, _| Ok(())).await?;
    Ok(base)
}

fn discovery_list(docs: Vec<Value>) -> HttpResponse {
    json_response(
        StatusCode::OK,
        &ListResponse::page(docs.len() as u64, 1, docs),
    )
}

pub(crate) async fn service_provider_config(
    call: TenantCall,
    state: web::Data<ScimState>,
) -> Reply {
    let base = authenticated_base(call).await?;
    Ok(json_response(
        StatusCode::OK,
        &state.service_provider_config().document(&base),
    ))
}

const SCHEMAS: [&scim_proto::schema::Schema; 3] =
    [&USER_SCHEMA, &ENTERPRISE_USER_SCHEMA, &GROUP_SCHEMA];
const RESOURCE_TYPES: [&ResourceType; 2] = [&USER_RESOURCE, &GROUP_RESOURCE];

pub(crate) async fn schemas(call: TenantCall) -> Reply {
    let base = authenticated_base(call).await?;
    Ok(discovery_list(
        SCHEMAS.iter().map(|s| schema_document(s, &base)).collect(),
    ))
}

pub(crate) async fn schema(call: TenantCall, path: web::Path<ResourceId>) -> Reply {
    let base = authenticated_base(call).await?;
    let id = path.into_inner().id;
    let schema = SCHEMAS
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&id))
        .ok_or_else(|| ApiError::not_found(format!("Schema '{id}' not found")))?;
    Ok(json_response(
        StatusCode::OK,
        &schema_document(schema, &base),
    ))
}

pub(crate) async fn resource_types(call: TenantCall) -> Reply {
    let base = authenticated_base(call).await?;
    Ok(discovery_list(
        RESOURCE_TYPES
            .iter()
            .map(|r| resource_type_document(r, &base))
            .collect(),
    ))
}

pub(crate) async fn resource_type(call: TenantCall, path: web::Path<ResourceId>) -> Reply {
    let base = authenticated_base(call).await?;
    let id = path.into_inner().id;
    let rt = RESOURCE_TYPES
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(&id))
        .ok_or_else(|| ApiError::not_found(format!("ResourceType '{id}' not found")))?;
    Ok(json_response(
        StatusCode::OK,
        &resource_type_document(rt, &base),
    ))
}

pub(crate) async fn me(call: TenantCall) -> Reply {
    authenticated_base(call).await?;
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "/Me is not supported: tokens authenticate identity providers, not users.",
    ))
}
