//! `/Bulk`: results in order, `bulkId` references, per-operation errors.

use actix_web::http::Method;
use serde_json::json;

use crate::harness::{Backend, GROUP, TestApp, USER};
use crate::{assert_shape, both_backends};

async fn bulk_shape(backend: Backend) {
    let app = TestApp::new(backend);
    let response = app
        .scim(
            Method::POST,
            "/Bulk",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "Operations": [
                    {"method": "POST", "path": "/Users", "bulkId": "ada",
                     "data": {"schemas": [USER], "userName": "ada@contoso.com"}},
                    {"method": "POST", "path": "/Groups", "bulkId": "staff",
                     "data": {"schemas": [GROUP], "displayName": "Staff", "members": [{"value": "bulkId:ada"}]}},
                    {"method": "POST", "path": "/Users", "bulkId": "ada-again",
                     "data": {"schemas": [USER], "userName": "ada@contoso.com"}},
                    {"method": "DELETE", "path": "/Groups/bulkId:nobody"}
                ]
            })),
        )
        .await;
    assert_shape!("bulk", response);
}

both_backends!(bulk_shape);
