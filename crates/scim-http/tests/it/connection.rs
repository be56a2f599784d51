//! The connection status: SCIM requests are counted with their client and
//! route, and the admin API shows them (a week of hours, the latest request
//! and error).

use actix_web::http::Method;
use serde_json::json;

use crate::harness::{Backend, TestApp, request};
use crate::{assert_shape, both_backends};

async fn requests_show_in_the_connection_status(backend: Backend) {
    let app = TestApp::new(backend);
    let okta = request(
        Method::GET,
        "/scim/v2/acme/Users?startIndex=1&count=100",
        None,
    )
    .insert_header(("authorization", format!("Bearer {}", app.token)))
    .insert_header(("user-agent", "Okta SCIM Client 1.0.0"));
    assert_eq!(app.send(okta).await.status, 200);
    // Entra ID sends no User-Agent.
    let missing = app.scim(Method::GET, "/Users/no-such-user", None).await;
    assert_eq!(missing.status, 404);
    let bad_filter = app
        .scim(Method::GET, "/Users?filter=userName%20sw", None)
        .await;
    assert_eq!(bad_filter.status, 400);
    // A wrong token is an error the identity provider gets: counted too.
    let refused = request(Method::GET, "/scim/v2/acme/Users", None)
        .insert_header(("authorization", "Bearer scim_wrong"))
        .insert_header(("user-agent", "curl/8.5.0"));
    assert_eq!(app.send(refused).await.status, 401);

    let mut status = app
        .admin(Method::GET, "/tenants/acme/connection", None)
        .await;
    assert_eq!(status.status, 200, "{:?}", status.body);
    let hours = status.body["hours"].as_array().unwrap().clone();
    assert_eq!(hours.len(), 7 * 24);
    assert_eq!(status.body["totals"], json!({"requests": 4, "errors": 3}));
    // The hours add up to the totals (one hour, or two when the test ran
    // across an hour's end); the last is the current hour.
    let sum = |field: &str| {
        hours
            .iter()
            .map(|h| h[field].as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!((sum("requests"), sum("errors")), (4, 3));
    assert!(hours.last().unwrap()["requests"].as_i64().unwrap() > 0);
    status.body["hours"] = json!(format!("[{} hours]", hours.len()));
    assert_shape!("admin_connection_status", status);

    let unknown = app
        .admin(Method::GET, "/tenants/nobody/connection", None)
        .await;
    unknown.assert_problem(404);
}

both_backends!(requests_show_in_the_connection_status);
