//! The discovery documents, behind the tenant's token.

use actix_web::http::Method;

use crate::harness::{Backend, TestApp};
use crate::{assert_shape, both_backends};

async fn discovery_shapes(backend: Backend) {
    let app = TestApp::new(backend);
    assert_shape!(
        "service_provider_config",
        app.scim(Method::GET, "/ServiceProviderConfig", None).await
    );
    assert_shape!(
        "resource_types",
        app.scim(Method::GET, "/ResourceTypes", None).await
    );
    assert_shape!(
        "schema_group",
        app.scim(
            Method::GET,
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
            None
        )
        .await
    );
    let schemas = app.scim(Method::GET, "/Schemas", None).await;
    assert_eq!(schemas.status, 200);
    let ids: Vec<&str> = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    insta::assert_json_snapshot!("schema_ids", ids);
    app.scim(Method::GET, "/Schemas/urn:nope", None)
        .await
        .assert_error(404, None);
    app.scim(Method::GET, "/Me", None)
        .await
        .assert_error(501, None);
}

both_backends!(discovery_shapes);
