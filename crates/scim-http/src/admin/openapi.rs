//! The admin API's OpenAPI 3.1 document, generated from the handlers'
//! `#[utoipa::path]` annotations and the types' schemas, served at
//! `GET {admin prefix}/openapi.json`.
//!
//! It sits behind the admin credential like every other admin route: the
//! document holds no secret, but whoever uses it (the console, a host
//! application's client generator) holds a credential anyway, and one rule for
//! the whole prefix keeps `--admin-bind` and the auth middleware simple.

use std::sync::LazyLock;

use actix_web::HttpRequest;
use actix_web::http::{Method, StatusCode};
use actix_web::web;
use serde_json::Value;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

use super::auth::Admin;
use super::{Reply, json_ok};
use crate::error::PROBLEM_JSON;
use crate::routing::Routes;

/// An RFC 9457 problem document, as every admin error is answered.
#[derive(Debug, ToSchema)]
#[schema(as = Problem)]
#[allow(dead_code)] // Only its schema is used: errors are rendered by `ApiError::problem`.
pub(crate) struct ProblemDocument {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[schema(rename = "type", example = "about:blank")]
    kind: String,
    /// The status's reason phrase.
    #[schema(example = "Not Found")]
    title: String,
    /// The HTTP status.
    #[schema(example = 404)]
    status: u16,
    /// What went wrong, for a person to act on.
    detail: String,
    /// Validation problems (rule sets), when there are any: severity, rule
    /// position and id, and the problem's `kind` with its details.
    #[schema(value_type = Option<Vec<Object>>)]
    problems: Option<Vec<Value>>,
}

/// The document: every admin operation (see the `paths` list) with its schemas.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "scim-roles admin API",
        description = "Tenants, tokens, settings, the role catalogue and rules, users with \
                       their roles and locks, groups, the event log, reports and webhooks. Errors are \
                       RFC 9457 problem documents (`application/problem+json`). Resources that \
                       admins edit carry an `ETag`; their writes take `If-Match` and answer 412 \
                       when it is stale.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        openapi_json,
        super::tenants::list_tenants,
        super::tenants::create_tenant,
        super::tenants::get_tenant,
        super::tenants::rename_tenant,
        super::tenants::delete_tenant,
        super::settings::get_settings,
        super::settings::put_settings,
        super::settings::patch_settings,
        super::tokens::list_tokens,
        super::tokens::rotate_token,
        super::tokens::revoke_token,
        super::connection::get_connection,
        super::admin_tokens::list_admin_tokens,
        super::admin_tokens::issue_admin_token,
        super::admin_tokens::revoke_admin_token,
        super::catalogue::get_catalogue,
        super::catalogue::put_catalogue,
        super::rules::get_rules,
        super::rules::put_rules,
        super::rules::create_rule,
        super::rules::get_rule,
        super::rules::replace_rule,
        super::rules::delete_rule,
        super::rules::move_rule,
        super::users::list_users,
        super::users::get_user,
        super::users::explain_user,
        super::locks::get_lock,
        super::locks::set_lock,
        super::locks::clear_lock,
        super::events::events,
        super::events::head,
        super::groups::list_groups,
        super::groups::group_deletion_preview,
        super::reports::disabled_report,
        super::jobs::get_job,
        super::webhooks::list_webhooks,
        super::webhooks::create_webhook,
        super::webhooks::get_webhook,
        super::webhooks::update_webhook,
        super::webhooks::delete_webhook,
        super::webhooks::rotate_webhook_secret,
        super::webhooks::redeliver_webhook,
        super::webhooks::enable_webhook,
    ),
    components(schemas(ProblemDocument)),
    modifiers(&Conventions),
    security(("bearer" = [])),
)]
struct AdminApi;

/// What holds for every operation, stated once: the bearer scheme and the 401
/// every operation can answer. (The server, the admin prefix, is set per
/// request by [`document`].)
struct Conventions;

/// The name of the shared 401 response.
const UNAUTHORIZED: &str = "Unauthorized";

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.security_schemes.insert(
            "bearer".to_owned(),
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The operator token (every tenant; the only credential that creates, \
                         renames or deletes tenants) or a tenant's admin token (that tenant \
                         only). SCIM tokens are refused.",
                    ))
                    .build(),
            ),
        );
        components.responses.insert(
            UNAUTHORIZED.to_owned(),
            RefOr::T(
                ResponseBuilder::new()
                    .description(
                        "No credential, or not an admin credential (`WWW-Authenticate: Bearer \
                         realm=\"admin\"`).",
                    )
                    .content(
                        PROBLEM_JSON,
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    )
                    .build(),
            ),
        );
        for item in doc.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                operation.responses.responses.insert(
                    "401".to_owned(),
                    RefOr::Ref(Ref::from_response_name(UNAUTHORIZED)),
                );
            }
        }
    }
}

/// The document as generated, without a server.
static DOCUMENT: LazyLock<Document> = LazyLock::new(AdminApi::openapi);

/// The document of an admin API mounted at `prefix`.
pub(crate) fn document(prefix: &str) -> Document {
    let mut doc = DOCUMENT.clone();
    doc.servers = Some(vec![Server::new(prefix)]);
    doc
}

/// This OpenAPI document; its server is the admin prefix it was asked under.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "This OpenAPI 3.1 document.", content_type = "application/json", body = Object)),
)]
async fn openapi_json(_admin: Admin, req: HttpRequest) -> Reply {
    let path = req.path();
    let prefix = path.strip_suffix("/openapi.json").unwrap_or(path);
    Ok(json_ok(StatusCode::OK, &document(prefix)))
}

/// This resource's routes.
pub(super) fn routes(r: &mut Routes<'_>) {
    r.resource("/openapi.json", vec![(Method::GET, web::to(openapi_json))]);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::BTreeSet;

    use super::*;
    use crate::routing::ServedRoute;

    /// The (method, path) pairs the document describes.
    fn documented(doc: &Document) -> BTreeSet<(String, String)> {
        let mut pairs = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            let methods = [
                ("GET", &item.get),
                ("PUT", &item.put),
                ("POST", &item.post),
                ("DELETE", &item.delete),
                ("PATCH", &item.patch),
                ("HEAD", &item.head),
                ("OPTIONS", &item.options),
                ("TRACE", &item.trace),
            ];
            for (method, operation) in methods {
                if operation.is_some() {
                    pairs.insert((method.to_owned(), path.clone()));
                }
            }
        }
        pairs
    }

    fn served() -> BTreeSet<(String, String)> {
        crate::admin::served_routes()
            .into_iter()
            .map(|ServedRoute { method, path }| (method.as_str().to_owned(), path))
            .collect()
    }

    #[test]
    fn the_document_describes_exactly_the_routes_served() {
        let served = served();
        let documented = documented(&document("/admin/v1"));
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty(),
            "served but not in the document: {undocumented:?}"
        );
        assert!(
            unserved.is_empty(),
            "in the document but not served: {unserved:?}"
        );
        assert!(served.len() > 20, "{served:?}");
    }

    /// Every `$ref` in `value`.
    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Value::String(target)) => found.push(target),
                        _ => refs(v, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_and_every_ref_resolves() {
        let text = document("/admin/v1").to_pretty_json().unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        let version = json["openapi"].as_str().unwrap();
        assert!(version.starts_with("3.1."), "{version}");
        // utoipa's own OpenAPI types read it back (every schema and operation
        // well-formed; only a `"default": null` does not survive the trip).
        let parsed: Document = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed.paths.paths.len(),
            json["paths"].as_object().unwrap().len()
        );
        let mut found = Vec::new();
        refs(&json, &mut found);
        assert!(!found.is_empty());
        for target in found {
            let pointer = target
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{target} is not local"));
            assert!(json.pointer(pointer).is_some(), "{target} does not resolve");
        }
        for op in json["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
        {
            assert!(op["responses"]["401"].is_object(), "{op}");
        }
    }

    #[test]
    fn the_server_is_the_prefix_it_is_mounted_under() {
        let doc = document("/internal/admin");
        let servers = doc.servers.unwrap();
        assert_eq!(servers.len(), 1);
        assert_eq!(servers[0].url, "/internal/admin");
    }

    #[test]
    fn document_snapshot() {
        let json: Value = serde_json::to_value(document("/admin/v1")).unwrap();
        insta::assert_json_snapshot!("admin_openapi", json);
    }
}
