//! What every SCIM handler reads from a request: the bearer token, the request
//! id, the tenant's base URL and the query parameters.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::Query;
use provisioning::{Provisioning, RequestContext};
use scim_proto::ScimType;

use crate::convert::run_blocking;
use crate::error::ApiError;
use crate::middleware::request_id;
use crate::state::ScimState;

/// The bearer token of the request; any problem is the same 401.
pub(crate) fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::unauthorized)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or_else(ApiError::unauthorized)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::unauthorized());
    }
    Ok(token.to_owned())
}

/// Per-request facts the use cases need.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) slug: String,
    pub(crate) token: String,
    pub(crate) request_id: String,
    pub(crate) base_url: String,
}

impl Call {
    /// Reads the call; fails with 401 before anything else when the token is missing.
    pub(crate) fn read(req: &HttpRequest, state: &ScimState) -> Result<Call, ApiError> {
        let slug = req
            .match_info()
            .get("tenant")
            .unwrap_or_default()
            .to_owned();
        let token = bearer(req)?;
        let origin = match &state.config.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let info = req.connection_info();
                format!("{}://{}", info.scheme(), info.host())
            }
        };
        Ok(Call {
            base_url: format!("{origin}{}/{slug}", state.config.scim_prefix),
            slug,
            token,
            request_id: request_id(req),
        })
    }

    /// Authenticates and runs `f` on a blocking thread (the store is synchronous).
    pub(crate) async fn run<T: Send + 'static>(
        self,
        state: &ScimState,
        f: impl FnOnce(
            &Provisioning,
            &provisioning::TenantContext,
            &mut RequestContext,
        ) -> provisioning::Result<T>
        + Send
        + 'static,
    ) -> Result<T, ApiError> {
        let provisioning = state.provisioning.clone();
        run_blocking(self.request_id.clone(), move || {
            let (tenant, actor) = provisioning.authenticate(&self.slug, &self.token)?;
            let mut ctx = RequestContext::new(self.request_id, self.base_url, actor);
            f(&provisioning, &tenant, &mut ctx)
        })
        .await
    }
}

/// The SCIM query parameters (RFC 7644 section 3.4.2), matched case-insensitively;
/// unknown ones (such as Entra's `aadOptscim062020`) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QueryParams {
    pub(crate) attributes: Option<String>,
    pub(crate) excluded_attributes: Option<String>,
    pub(crate) filter: Option<String>,
    pub(crate) sort_by: Option<String>,
    pub(crate) sort_order: Option<String>,
    pub(crate) start_index: Option<i64>,
    pub(crate) count: Option<i64>,
    pub(crate) cursor: Option<String>,
}

fn integer(name: &str, value: &str) -> Result<i64, ApiError> {
    value.trim().parse::<i64>().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{name} must be an integer, not '{value}'"),
        )
        .with_type(ScimType::InvalidValue)
    })
}

fn append(slot: &mut Option<String>, value: String) {
    match slot {
        Some(existing) => {
            existing.push(',');
            existing.push_str(&value);
        }
        None => *slot = Some(value),
    }
}

impl QueryParams {
    pub(crate) fn read(req: &HttpRequest) -> Result<QueryParams, ApiError> {
        let pairs =
            Query::<Vec<(String, String)>>::from_query(req.query_string()).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("The query string is malformed: {e}"),
                )
                .with_type(ScimType::InvalidSyntax)
            })?;
        let mut params = QueryParams::default();
        for (name, value) in pairs.into_inner() {
            match name.to_ascii_lowercase().as_str() {
                "attributes" => append(&mut params.attributes, value),
                "excludedattributes" => append(&mut params.excluded_attributes, value),
                "filter" => params.filter = Some(value),
                "sortby" => params.sort_by = Some(value),
                "sortorder" => params.sort_order = Some(value),
                "startindex" => params.start_index = Some(integer("startIndex", &value)?),
                "count" => params.count = Some(integer("count", &value)?),
                "cursor" => params.cursor = Some(value),
                _ => {}
            }
        }
        Ok(params)
    }

    pub(crate) fn asks_projection(&self) -> bool {
        self.attributes.is_some() || self.excluded_attributes.is_some()
    }
}
