//! The `If-Match` / `If-None-Match` preconditions of a request. Entity tags
//! themselves (`W/"<id>/<version>"` of SCIM resources, `W/"<version>"` of
//! tenant-wide entities, parsing tag lists) are `scim_proto::render`'s.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName};

pub use scim_proto::render::{Precondition, etag, resource_etag};

fn read(req: &HttpRequest, name: HeaderName) -> Option<Precondition> {
    let values: Vec<&str> = req
        .headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| Precondition::parse(&values.join(",")))
}

/// The request's `If-Match`, if any.
pub fn if_match(req: &HttpRequest) -> Option<Precondition> {
    read(req, header::IF_MATCH)
}

/// The request's `If-None-Match`, if any.
pub fn if_none_match(req: &HttpRequest) -> Option<Precondition> {
    read(req, header::IF_NONE_MATCH)
}
