//! The SCIM endpoints of one tenant: `/Users`, `/Groups`, `.search` (RFC 7644
//! section 3), and the routes of all of them (discovery in `discovery.rs`,
//! `/Bulk` in `bulk.rs`).
//!
//! One generic handler serves both resource types (`create::<Users>`). Its
//! arguments are extracted in order, which is the order of the checks: the
//! body (read as JSON), then the call (the bearer header), then the query
//! parameters; the token itself is verified when the use case runs.

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use provisioning::{ListRequest, ListResult, ScimResource};
use scim_proto::messages::{ListResponse, SearchRequest};
use scim_proto::project::Projection;
use scim_proto::schema::{GROUP_RESOURCE, ResourceType, USER_RESOURCE};
use serde_json::Value;

use crate::discovery;
use crate::error::{ApiError, SCIM_JSON};
use crate::etag::resource_etag;
use crate::extract::ScimJson;
use crate::request::{IfNoneMatch, QueryParams, ResourceId, ResourceIfMatch, TenantCall};
use crate::routing::Routes;
use crate::state::ScimState;

type Reply = Result<HttpResponse, ApiError>;

/// A SCIM JSON response.
pub(crate) fn json_response(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    json_with_type(status, SCIM_JSON, body)
}

/// A JSON response with the given content type. A body that cannot be serialised
/// (none of the types sent can fail) becomes a 500 SCIM error, not an empty body.
pub(crate) fn json_with_type(
    status: StatusCode,
    content_type: &'static str,
    body: &impl serde::Serialize,
) -> HttpResponse {
    match serde_json::to_string(body) {
        Ok(text) => HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
            .body(text),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("response not serialisable: {e}"),
        )
        .error_response(),
    }
}

fn resource_response(
    status: StatusCode,
    resource: &ScimResource,
    projection: &Projection,
    rt: &ResourceType,
) -> HttpResponse {
    let body = projection.apply(&resource.resource, rt);
    let mut response = json_response(status, &body);
    if let Ok(value) = HeaderValue::from_str(&resource_etag(&resource.id, resource.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    if let Some(Ok(location)) = resource.resource["meta"]["location"]
        .as_str()
        .map(HeaderValue::from_str)
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn list_response(result: ListResult, projection: &Projection, rt: &ResourceType) -> HttpResponse {
    let resources: Vec<Value> = result
        .resources
        .iter()
        .map(|r| projection.apply(r, rt))
        .collect();
    let mut list = ListResponse::page(result.total, result.start_index.unwrap_or(1), resources);
    if result.start_index.is_none() {
        list.start_index = None;
    }
    list.next_cursor = result.next_cursor;
    list.previous_cursor = result.previous_cursor;
    json_response(StatusCode::OK, &list)
}

/// Which membership attribute a resource type has.
fn membership_attribute(rt: &ResourceType) -> &'static str {
    if rt.name == "Group" {
        "members"
    } else {
        "groups"
    }
}

/// Everything that does not depend on the resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Users,
    Groups,
}

impl Kind {
    fn rt(self) -> &'static ResourceType {
        match self {
            Kind::Users => &USER_RESOURCE,
            Kind::Groups => &GROUP_RESOURCE,
        }
    }
}

/// The resource type a route serves, as a type, so that one generic handler
/// serves `/Users` and `/Groups` (`list::<Users>`).
trait Served {
    const KIND: Kind;
}

/// `/Users` routes.
enum Users {}
/// `/Groups` routes.
enum Groups {}

impl Served for Users {
    const KIND: Kind = Kind::Users;
}
impl Served for Groups {
    const KIND: Kind = Kind::Groups;
}

async fn list_with(
    kind: Kind,
    call: TenantCall,
    params: QueryParams,
    search: Option<SearchRequest>,
) -> Reply {
    let search = search.unwrap_or_default();
    let rt = kind.rt();
    let attributes = search.attributes.or(params.attributes);
    let excluded = search.excluded_attributes.or(params.excluded_attributes);
    let projection = Projection::parse(attributes.as_deref(), excluded.as_deref(), rt)?;
    let request = ListRequest {
        filter: search.filter.or(params.filter),
        sort_by: search.sort_by.or(params.sort_by),
        sort_order: search.sort_order.or(params.sort_order),
        start_index: search.start_index.or(params.start_index),
        count: search.count.or(params.count),
        cursor: search.cursor.or(params.cursor),
        with_memberships: projection.returns(rt, None, membership_attribute(rt)),
    };
    let result = call
        .run(move |p, tenant, ctx| match kind {
            Kind::Users => p.list_users(tenant, ctx, &request),
            Kind::Groups => p.list_groups(tenant, ctx, &request),
        })
        .await?;
    Ok(list_response(result, &projection, rt))
}

/// A `SearchRequest` body (`POST .../.search`).
#[derive(Debug, Clone)]
struct SearchBody(SearchRequest);

impl FromRequest for SearchBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<SearchBody, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = ScimJson::from_request(req, payload);
        Box::pin(async move { Ok(SearchBody(SearchRequest::from_json(body.await?.0)?)) })
    }
}

fn projection(params: &QueryParams, rt: &ResourceType) -> Result<Projection, ApiError> {
    Ok(Projection::parse(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
        rt,
    )?)
}

async fn get_one<K: Served>(
    call: TenantCall,
    params: QueryParams,
    path: web::Path<ResourceId>,
    if_none_match: IfNoneMatch,
) -> Reply {
    let (kind, id) = (K::KIND, path.into_inner().id);
    let rt = kind.rt();
    let projection = projection(&params, rt)?;
    let with = projection.returns(rt, None, membership_attribute(rt));
    let resource = call
        .run(move |p, tenant, ctx| match kind {
            Kind::Users => p.get_user(tenant, ctx, &id, with),
            Kind::Groups => p.get_group(tenant, ctx, &id, with),
        })
        .await?;
    if if_none_match
        .0
        .is_some_and(|p| p.matches_resource(&resource.id, resource.version))
    {
        let mut response = HttpResponse::NotModified().finish();
        if let Ok(value) = HeaderValue::from_str(&resource_etag(&resource.id, resource.version)) {
            response.headers_mut().insert(header::ETAG, value);
        }
        return Ok(response);
    }
    Ok(resource_response(
        StatusCode::OK,
        &resource,
        &projection,
        rt,
    ))
}

async fn create<K: Served>(body: ScimJson, call: TenantCall, params: QueryParams) -> Reply {
    let (kind, body) = (K::KIND, body.0);
    let rt = kind.rt();
    let projection = projection(&params, rt)?;
    let resource = call
        .run(move |p, tenant, ctx| match kind {
            Kind::Users => p.create_user(tenant, ctx, &body),
            Kind::Groups => p.create_group(tenant, ctx, &body),
        })
        .await?;
    Ok(resource_response(
        StatusCode::CREATED,
        &resource,
        &projection,
        rt,
    ))
}

/// What a PUT or PATCH names: the resource (path), its new content (body) and
/// the versions `If-Match` requires.
struct Change {
    id: String,
    body: Value,
    expected: ResourceIfMatch,
}

impl FromRequest for Change {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Change, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = ScimJson::from_request(req, payload);
        let path = web::Path::<ResourceId>::extract(req);
        let expected = ResourceIfMatch::extract(req);
        Box::pin(async move {
            Ok(Change {
                body: body.await?.0,
                id: path.await?.into_inner().id,
                expected: expected.await?,
            })
        })
    }
}

async fn replace<K: Served>(change: Change, call: TenantCall, params: QueryParams) -> Reply {
    let kind = K::KIND;
    let rt = kind.rt();
    let projection = projection(&params, rt)?;
    let Change { id, body, expected } = change;
    let expected = expected.versions_of(&id);
    let resource = call
        .run(move |p, tenant, ctx| match kind {
            Kind::Users => p.replace_user(tenant, ctx, &id, &body, expected.as_deref()),
            Kind::Groups => p.replace_group(tenant, ctx, &id, &body, expected.as_deref()),
        })
        .await?;
    Ok(resource_response(
        StatusCode::OK,
        &resource,
        &projection,
        rt,
    ))
}

async fn patch<K: Served>(change: Change, call: TenantCall, params: QueryParams) -> Reply {
    let kind = K::KIND;
    let rt = kind.rt();
    let projection = projection(&params, rt)?;
    let Change { id, body, expected } = change;
    let expected = expected.versions_of(&id);
    match kind {
        Kind::Users => {
            let resource = call
                .run(move |p, tenant, ctx| {
                    p.patch_user(tenant, ctx, &id, &body, expected.as_deref())
                })
                .await?;
            Ok(resource_response(
                StatusCode::OK,
                &resource,
                &projection,
                rt,
            ))
        }
        Kind::Groups => {
            // Entra ID expects 204 for group PATCH and never wants the member list
            // back; a client that asks for attributes gets the resource.
            let render = params.asks_projection();
            let with = projection.returns(rt, None, "members");
            let tagged = id.clone();
            let outcome = call
                .run(move |p, tenant, ctx| {
                    let version = p.patch_group(tenant, ctx, &id, &body, expected.as_deref())?;
                    if render {
                        p.get_group(tenant, ctx, &id, with).map(Ok)
                    } else {
                        Ok(Err(version))
                    }
                })
                .await?;
            match outcome {
                Ok(resource) => Ok(resource_response(
                    StatusCode::OK,
                    &resource,
                    &projection,
                    rt,
                )),
                Err(version) => {
                    let mut response = HttpResponse::NoContent().finish();
                    if let Ok(value) = HeaderValue::from_str(&resource_etag(&tagged, version)) {
                        response.headers_mut().insert(header::ETAG, value);
                    }
                    Ok(response)
                }
            }
        }
    }
}

async fn delete<K: Served>(
    call: TenantCall,
    path: web::Path<ResourceId>,
    expected: ResourceIfMatch,
) -> Reply {
    let (kind, id) = (K::KIND, path.into_inner().id);
    let expected = expected.versions_of(&id);
    call.run(move |p, tenant, ctx| match kind {
        Kind::Users => p.delete_user(tenant, ctx, &id, expected.as_deref()),
        Kind::Groups => p.delete_group(tenant, ctx, &id, expected.as_deref()),
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list<K: Served>(call: TenantCall, params: QueryParams) -> Reply {
    list_with(K::KIND, call, params, None).await
}

async fn search<K: Served>(search: SearchBody, call: TenantCall, params: QueryParams) -> Reply {
    list_with(K::KIND, call, params, Some(search.0)).await
}

/// `POST /.search` at the root: users and groups the filter applies to, users
/// first. The page is cut from that concatenation in the store: users from
/// `startIndex`, then groups from where the users ran out.
async fn search_root(search: SearchBody, call: TenantCall, state: web::Data<ScimState>) -> Reply {
    let search = search.0;
    let options = state.provisioning.options();
    let start = u64::try_from(search.start_index.unwrap_or(1).max(1)).unwrap_or(1);
    let count = search
        .count
        .map_or(options.default_page_size, |c| u64::try_from(c).unwrap_or(0))
        .min(options.max_page_size);
    // A filter outside the grammar is refused whatever the types.
    if let Some(filter) = search
        .filter
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        scim_proto::filter::Filter::parse(filter)?;
    }
    let request = move |start_index: u64, count: u64| ListRequest {
        filter: search.filter.clone(),
        start_index: Some(i64::try_from(start_index).unwrap_or(i64::MAX)),
        count: Some(i64::try_from(count).unwrap_or(i64::MAX)),
        ..ListRequest::default()
    };
    // A filter naming attributes one type lacks simply selects none of it; one
    // that fits neither type is refused as it would be at either endpoint.
    let (users, groups) = call
        .run(move |p, tenant, ctx| {
            let (users, users_unbound) = match p.list_users(tenant, ctx, &request(start, count)) {
                Err(e @ provisioning::Error::Scim(scim_proto::Error::InvalidFilter { .. })) => {
                    (empty(), Some(e))
                }
                other => (other?, None),
            };
            let group_start = (start - 1).saturating_sub(users.total) + 1;
            let room = count.saturating_sub(users.resources.len() as u64);
            let groups = match p.list_groups(tenant, ctx, &request(group_start, room)) {
                Err(provisioning::Error::Scim(scim_proto::Error::InvalidFilter { .. })) => {
                    match users_unbound {
                        Some(error) => return Err(error),
                        None => empty(),
                    }
                }
                other => other?,
            };
            Ok((users, groups))
        })
        .await?;
    let user_projection = Projection::parse(
        search.attributes.as_deref(),
        search.excluded_attributes.as_deref(),
        &USER_RESOURCE,
    )?;
    let group_projection = Projection::parse(
        search.attributes.as_deref(),
        search.excluded_attributes.as_deref(),
        &GROUP_RESOURCE,
    )?;
    let page: Vec<Value> = users
        .resources
        .iter()
        .map(|r| user_projection.apply(r, &USER_RESOURCE))
        .chain(
            groups
                .resources
                .iter()
                .map(|r| group_projection.apply(r, &GROUP_RESOURCE)),
        )
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &ListResponse::page(users.total + groups.total, start, page),
    ))
}

fn empty() -> ListResult {
    ListResult {
        total: 0,
        start_index: Some(1),
        resources: Vec::new(),
        next_cursor: None,
        previous_cursor: None,
    }
}

/// 405 with the methods the resource does support.
pub(crate) fn not_allowed(
    allowed: impl Into<std::sync::Arc<str>>,
) -> impl Fn(HttpRequest) -> std::future::Ready<HttpResponse> + Clone {
    let allowed: std::sync::Arc<str> = allowed.into();
    move |req: HttpRequest| {
        let error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "{} is not allowed on {}; allowed: {allowed}",
                req.method(),
                req.path()
            ),
        );
        // The error stays attached, so the admin API can render it as a problem document.
        let mut response = HttpResponse::from_error(error);
        // Method names are header-safe, so this always succeeds.
        if let Ok(value) = HeaderValue::from_str(&allowed) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        std::future::ready(response)
    }
}

/// 404 for paths no route serves.
pub(crate) async fn not_found(req: HttpRequest) -> HttpResponse {
    let error = if req.method() == Method::OPTIONS {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "OPTIONS is not supported")
    } else {
        ApiError::not_found(format!("No SCIM endpoint at {}", req.path()))
    };
    actix_web::ResponseError::error_response(&error)
}

/// The routes of one tenant, to mount under `{prefix}/{tenant}`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    register(&mut Routes::on(cfg));
}

/// Registers every SCIM route; `.search` before `{id}`, which would match it.
pub(crate) fn register(r: &mut Routes<'_>) {
    r.resource(
        "/Users",
        vec![
            (Method::GET, web::to(list::<Users>)),
            (Method::POST, web::to(create::<Users>)),
        ],
    );
    r.resource(
        "/Users/.search",
        vec![(Method::POST, web::to(search::<Users>))],
    );
    r.resource(
        "/Users/{id}",
        vec![
            (Method::GET, web::to(get_one::<Users>)),
            (Method::PUT, web::to(replace::<Users>)),
            (Method::PATCH, web::to(patch::<Users>)),
            (Method::DELETE, web::to(delete::<Users>)),
        ],
    );
    r.resource(
        "/Groups",
        vec![
            (Method::GET, web::to(list::<Groups>)),
            (Method::POST, web::to(create::<Groups>)),
        ],
    );
    r.resource(
        "/Groups/.search",
        vec![(Method::POST, web::to(search::<Groups>))],
    );
    r.resource(
        "/Groups/{id}",
        vec![
            (Method::GET, web::to(get_one::<Groups>)),
            (Method::PUT, web::to(replace::<Groups>)),
            (Method::PATCH, web::to(patch::<Groups>)),
            (Method::DELETE, web::to(delete::<Groups>)),
        ],
    );
    r.resource("/.search", vec![(Method::POST, web::to(search_root))]);
    r.resource("/Bulk", vec![(Method::POST, web::to(crate::bulk::bulk))]);
    r.resource("/Me", vec![(Method::GET, web::to(discovery::me))]);
    r.resource(
        "/ServiceProviderConfig",
        vec![(Method::GET, web::to(discovery::service_provider_config))],
    );
    r.resource("/Schemas", vec![(Method::GET, web::to(discovery::schemas))]);
    r.resource(
        "/Schemas/{id}",
        vec![(Method::GET, web::to(discovery::schema))],
    );
    r.resource(
        "/ResourceTypes",
        vec![(Method::GET, web::to(discovery::resource_types))],
    );
    r.resource(
        "/ResourceTypes/{id}",
        vec![(Method::GET, web::to(discovery::resource_type))],
    );
}
