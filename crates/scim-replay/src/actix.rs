//! The in-process runner (feature `actix`): requests go straight into an
//! actix-web service built by `actix_web::test::init_service`, with no socket,
//! so an embedding application replays the conversations against its own
//! `App` in its tests.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;

use crate::Conversation;
use crate::error::ReplayError;
use crate::run::{Player, Report, Request, Response, describe_request};

/// The request type `init_service`'s service takes.
type ActixRequest = actix_http::Request;

impl Conversation {
    /// Plays the conversation against `app` (from
    /// `actix_web::test::init_service`), whose SCIM base path for the tenant
    /// is `base` (e.g. `/scim/v2/acme`), with the tenant's bearer `token`.
    pub async fn run_in_process<S, B>(
        &self,
        app: &S,
        base: &str,
        token: &str,
    ) -> Result<Report, ReplayError>
    where
        S: Service<ActixRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody + 'static,
    {
        let base = base.trim_end_matches('/');
        let mut player = Player::new(&self.file, token);
        for planned in player.plan() {
            let request = player.prepare(&planned)?;
            let response =
                call(app, base, &request)
                    .await
                    .map_err(|source| ReplayError::Transport {
                        step: planned.at().clone(),
                        request: describe_request(&request),
                        source,
                    })?;
            player.verify(&planned, &request, &response)?;
        }
        Ok(player.report())
    }
}

async fn call<S, B>(
    app: &S,
    base: &str,
    request: &Request,
) -> Result<Response, Box<dyn std::error::Error + Send + Sync>>
where
    S: Service<ActixRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let method = actix_web::http::Method::from_bytes(request.method.as_bytes())?;
    let mut test = TestRequest::default()
        .method(method)
        .uri(&format!("{base}{}", request.path));
    for (name, value) in &request.headers {
        test = test.insert_header((name.as_str(), value.as_str()));
    }
    if let Some(body) = &request.body {
        test = test.set_payload(body.clone());
    }
    // An error the service returns is a response too (actix renders it).
    let response = match app.call(test.to_request()).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            let response = error.error_response();
            let status = response.status();
            let headers = headers(response.headers());
            let body = actix_web::body::to_bytes(response.into_body())
                .await
                .map_err(|e| e.to_string())?;
            return Ok(Response {
                status: status.as_u16(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
    };
    let status = response.status().as_u16();
    let headers = headers(response.headers());
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|e| e.to_string())?;
    Ok(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn headers(map: &actix_web::http::header::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect()
}
