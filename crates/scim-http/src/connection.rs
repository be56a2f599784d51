//! Middleware on the SCIM routes: counts every request for its tenant's
//! connection status (`provisioning`'s connection log, in memory, flushed in
//! the background), with its route, status, client and, for an error, what
//! the client was told. Inside the access log, so the request id is set.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, web};
use provisioning::{ClientKind, RequestNote};

use crate::middleware::{ErrorNote, request_id};
use crate::state::ScimState;

/// The route `req` matched below the tenant URL (`/Users/{id}`), or its path
/// there when no route matched (a 404).
fn route(req: &HttpRequest) -> String {
    const TENANT: &str = "{tenant}";
    let below = |text: &str, marker: &str| {
        text.split_once(marker)
            .map(|(_, rest)| rest.to_owned())
            .filter(|rest| !rest.is_empty())
    };
    let slug = req.match_info().get("tenant").unwrap_or_default();
    req.match_pattern()
        .and_then(|pattern| below(&pattern, TENANT))
        .or_else(|| below(req.path(), &format!("/{slug}")))
        .unwrap_or_else(|| "/".to_owned())
}

/// Middleware: records the request in the tenant's connection status.
pub(crate) async fn record_connection(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .map(|v| v.to_str().unwrap_or("?"));
    let client = ClientKind::recognise(user_agent, req.query_string());
    let result = next.call(req).await;
    // An `Err` is an error no responder has turned into a response yet (actix
    // renders it later): rare on these routes, and not counted.
    if let Ok(response) = &result {
        record(response, client);
    }
    result
}

fn record<B>(response: &ServiceResponse<B>, client: ClientKind) {
    let request = response.request();
    let (Some(state), Some(slug)) = (
        request.app_data::<web::Data<ScimState>>(),
        request.match_info().get("tenant"),
    ) else {
        return;
    };
    let status = response.status();
    let note = response.response().extensions().get::<ErrorNote>().cloned();
    let failed = status.is_client_error() || status.is_server_error();
    let provisioning = &state.provisioning;
    provisioning.record_request(
        slug,
        RequestNote {
            at: provisioning.now(),
            method: request.method().as_str().to_owned(),
            route: route(request),
            status: status.as_u16(),
            client,
            request_id: request_id(request),
            scim_type: note.as_ref().and_then(|n| n.scim_type.clone()),
            detail: failed.then(|| note.map_or_else(String::new, |n| n.detail)),
        },
    );
}
