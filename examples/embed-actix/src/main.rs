//! An existing actix-web application that embeds the SCIM server.
//!
//! The host here is a toy asset manager: it lends equipment to its users and has
//! its own routes (`/api/...`). It depends on `scim-http` and actix-web only:
//! `ScimState::open` opens and migrates the store, one `configure` call mounts
//! the SCIM and admin routes, and the disabled-users report learns what each
//! user still holds from the host's `HoldingsProvider` over its own inventory.
//!
//! ```sh
//! cargo run -p embed-actix            # serves on 127.0.0.1:8081, SQLite in ./data-embed
//! ```

#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::{App, HttpResponse, HttpServer, web};
use scim_http::{
    Actor, Holdings, HoldingsProvider, HttpConfig, RequestContext, ScimState, configure,
};
use serde_json::json;

/// The host application's own data: which user holds which items.
#[derive(Debug, Default)]
struct Inventory {
    loans: Mutex<HashMap<String, Vec<String>>>,
}

impl Inventory {
    fn lend(&self, user_id: &str, item: &str) {
        self.loans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(user_id.to_owned())
            .or_default()
            .push(item.to_owned());
    }
}

/// What the disabled-users report shows for each user: the host's own count.
impl HoldingsProvider for Inventory {
    fn holdings(&self, _tenant: &str, user_ids: &[String]) -> HashMap<String, Holdings> {
        let loans = self.loans.lock().unwrap_or_else(PoisonError::into_inner);
        user_ids
            .iter()
            .map(|id| {
                let items = loans.get(id).cloned().unwrap_or_default();
                let holdings = Holdings {
                    count: Some(items.len() as u64),
                    summary: (!items.is_empty()).then(|| items.join(", ")),
                };
                (id.clone(), holdings)
            })
            .collect()
    }
}

/// The host's own route: lend an item to a (SCIM-provisioned) user.
async fn lend(
    inventory: web::Data<Arc<Inventory>>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (user_id, item) = path.into_inner();
    inventory.lend(&user_id, &item);
    HttpResponse::Ok().json(json!({"user": user_id, "item": item}))
}

/// Opens the store and builds the SCIM state with the host's holdings.
/// `admin_token` protects `/admin/v1`.
fn scim_state(
    database_url: &str,
    inventory: Arc<Inventory>,
    admin_token: &str,
) -> std::io::Result<ScimState> {
    let config = HttpConfig {
        admin_token: Some(admin_token.to_owned()),
        ..HttpConfig::default()
    };
    Ok(ScimState::open(database_url, config)
        .map_err(std::io::Error::other)?
        .with_holdings(inventory))
}

/// The host's `App`: its own routes next to the SCIM ones.
fn app(
    state: ScimState,
    inventory: Arc<Inventory>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(inventory))
        .route("/api/users/{user}/loans/{item}", web::post().to(lend))
        .configure(configure(state))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    std::fs::create_dir_all("data-embed")?;
    let inventory = Arc::new(Inventory::default());
    let admin_token = std::env::var("EMBED_ADMIN_TOKEN").unwrap_or_else(|_| "change-me".to_owned());
    let state = scim_state(
        "sqlite://data-embed/scim.sqlite3",
        Arc::clone(&inventory),
        &admin_token,
    )?;
    if state
        .provisioning
        .list_tenants()
        .map_err(std::io::Error::other)?
        .is_empty()
    {
        let created = state
            .provisioning
            .create_tenant(
                &RequestContext::new("setup", "", Actor::Operator),
                "default",
                "Default",
            )
            .map_err(std::io::Error::other)?;
        println!("Tenant URL:   http://127.0.0.1:8081/scim/v2/default");
        println!("Secret Token: {}", created.token.secret);
    }
    HttpServer::new(move || app(state.clone(), Arc::clone(&inventory)))
        .bind(("127.0.0.1", 8081))?
        .run()
        .await
}

#[cfg(test)]
mod tests {
    use actix_web::test;
    use scim_http::RateLimit;
    use serde_json::Value;

    use super::*;

    #[actix_web::test]
    async fn the_disabled_users_report_shows_the_hosts_holdings() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("scim.sqlite3").display());
        let inventory = Arc::new(Inventory::default());
        let state = scim_state(&url, Arc::clone(&inventory), "admin").unwrap();
        let token = state
            .provisioning
            .create_tenant(
                &RequestContext::new("t", "", Actor::Operator),
                "acme",
                "Acme",
            )
            .unwrap()
            .token
            .secret;
        let app = test::init_service(app(state, inventory)).await;
        let bearer = ("Authorization", format!("Bearer {token}"));

        // The IdP creates a user; the host lends it a laptop; the IdP disables it.
        let created: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::post()
                .uri("/scim/v2/acme/Users")
                .insert_header(bearer.clone())
                .set_json(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@acme.example"}))
                .to_request(),
        )
        .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let lent = test::call_service(
            &app,
            test::TestRequest::post()
                .uri(&format!("/api/users/{id}/loans/laptop-42"))
                .to_request(),
        )
        .await;
        assert!(lent.status().is_success());
        let patched = test::call_service(
            &app,
            test::TestRequest::patch()
                .uri(&format!("/scim/v2/acme/Users/{id}"))
                .insert_header(bearer)
                .set_json(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                                 "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}))
                .to_request(),
        )
        .await;
        assert!(patched.status().is_success());

        let report: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri("/admin/v1/tenants/acme/reports/disabled-users")
                .insert_header(("Authorization", "Bearer admin"))
                .to_request(),
        )
        .await;
        assert_eq!(report["items"][0]["user_name"], "ada@acme.example");
        assert_eq!(
            report["items"][0]["holdings"],
            json!({"count": 1, "summary": "laptop-42"})
        );
    }

    /// Entra ID's and Okta's conversations (the replay kit's) against this
    /// app's own `App`, in process: the SCIM routes as mounted here serve
    /// what those identity providers send, next to the host's routes.
    #[actix_web::test]
    async fn identity_provider_conversations_pass_against_the_app() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("scim.sqlite3").display());
        let inventory = Arc::new(Inventory::default());
        // A conversation sends hundreds of requests in a blink: the default
        // rate limit would answer some of them 429.
        let config = HttpConfig {
            rate_limit: RateLimit::OFF,
            ..HttpConfig::default()
        };
        let holdings: Arc<Inventory> = Arc::clone(&inventory);
        let state = ScimState::open(&url, config)
            .unwrap()
            .with_holdings(holdings);
        // Each conversation expects an empty tenant of its own.
        let mut runs = Vec::new();
        for conversation in scim_replay::bundled().unwrap() {
            let slug = conversation.name().to_owned();
            let token = state
                .provisioning
                .create_tenant(&RequestContext::new("t", "", Actor::Operator), &slug, &slug)
                .unwrap()
                .token
                .secret;
            runs.push((conversation, slug, token));
        }
        let app = test::init_service(app(state, inventory)).await;
        for (conversation, slug, token) in &runs {
            let report = conversation
                .run_in_process(&app, &format!("/scim/v2/{slug}"), token)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(report.requests > 0);
        }
    }
}
