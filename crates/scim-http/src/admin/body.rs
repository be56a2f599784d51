//! The admin API's request bodies and query strings, as extractors whose
//! errors leave as problem documents. They run after the credential was
//! checked (see `auth.rs`), so a wrong credential never gets a body's error.

use actix_web::dev::Payload;
use actix_web::error::QueryPayloadError;
use actix_web::http::StatusCode;
use actix_web::web::QueryConfig;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use role_engine::RuleTests;
use scim_proto::ScimType;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::extract::RawBody;

/// 400 `invalidValue`.
pub(crate) fn bad_request(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, detail).with_type(ScimType::InvalidValue)
}

/// How `web::Query` fails on the admin routes: a 400.
pub(crate) fn query_config() -> QueryConfig {
    QueryConfig::default().error_handler(|e: QueryPayloadError, _| {
        bad_request(format!("Invalid query parameters: {e}")).into()
    })
}

fn parse_json<T: DeserializeOwned>(body: &RawBody) -> Result<T, ApiError> {
    serde_json::from_slice(&body.bytes).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, format!("Invalid JSON body: {e}"))
            .with_type(ScimType::InvalidSyntax)
    })
}

fn is_empty(body: &RawBody) -> bool {
    body.bytes.iter().all(u8::is_ascii_whitespace)
}

/// Reads the raw body, then `parse` turns it into the extractor's value.
fn read_then<T: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    parse: impl FnOnce(RawBody) -> Result<T, ApiError> + 'static,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    let body = RawBody::from_request(req, payload);
    Box::pin(async move { parse(body.await?) })
}

/// A JSON body of type `T` (400 `invalidSyntax` when it is not one).
#[derive(Debug, Clone)]
pub(crate) struct AdminJson<T>(pub(crate) T);

impl<T: DeserializeOwned + 'static> FromRequest for AdminJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<AdminJson<T>, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        read_then(req, payload, |body| parse_json(&body).map(AdminJson))
    }
}

/// A JSON body of type `T`, or `T::default()` when the body is empty.
#[derive(Debug, Clone)]
pub(crate) struct OptionalJson<T>(pub(crate) T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<OptionalJson<T>, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        read_then(req, payload, |body| {
            if is_empty(&body) {
                Ok(OptionalJson(T::default()))
            } else {
                parse_json(&body).map(OptionalJson)
            }
        })
    }
}

/// A rule file (rule set, optional catalogue, optional cases): JSON, or TOML
/// with `Content-Type: application/toml`.
#[derive(Debug, Clone)]
pub(crate) struct RulesBody(pub(crate) RuleTests);

impl FromRequest for RulesBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<RulesBody, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        read_then(req, payload, |body| {
            let rules = if body.media_type.contains("toml") {
                let text = std::str::from_utf8(&body.bytes)
                    .map_err(|_| bad_request("the TOML body is not UTF-8"))?;
                RuleTests::from_toml(text).map_err(|e| bad_request(e.to_string()))?
            } else {
                parse_json::<RuleTests>(&body)?
            };
            Ok(RulesBody(rules))
        })
    }
}

/// The optional body of a token rotation.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = Rotation)]
pub(crate) struct RotateBody {
    /// Hours the previous tokens keep working (0 to 8760; default 24).
    #[serde(default)]
    overlap_hours: Option<i64>,
}

/// How long a rotation lets the previous tokens work (`None`: the default);
/// the body is optional, `overlap_hours` at most a year.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Overlap(pub(crate) Option<chrono::Duration>);

impl FromRequest for Overlap {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Overlap, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = OptionalJson::<RotateBody>::from_request(req, payload);
        Box::pin(async move {
            let hours = body.await?.0.overlap_hours;
            if hours.is_some_and(|h| !(0..=24 * 365).contains(&h)) {
                return Err(bad_request("overlap_hours must be between 0 and 8760"));
            }
            Ok(Overlap(hours.map(chrono::Duration::hours)))
        })
    }
}
