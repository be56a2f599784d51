//! What can go wrong in a console request, and the page each answer is: one
//! match from error to response. Use-case errors arrive as the admin API's
//! [`ApiError`] (mapped by `scim_http::run_blocking`), so both front ends give
//! the same status for the same failure.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use maud::html;
use scim_http::ApiError;

use crate::layout;

/// A console request that failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No live session: the browser is sent to the sign-in page.
    #[error("sign-in required")]
    SignInRequired,
    /// A state-changing form without this session's CSRF token.
    #[error("the form's CSRF token does not match this session")]
    Csrf,
    /// A use case or credential check failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The system's random source failed (session ids, CSRF tokens).
    #[error("random source failed")]
    Randomness(#[from] getrandom::Error),
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::SignInRequired => StatusCode::SEE_OTHER,
            ConsoleError::Csrf => StatusCode::FORBIDDEN,
            ConsoleError::Api(e) => e.status,
            ConsoleError::Randomness(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            ConsoleError::SignInRequired => {
                // Nothing about the requested page is echoed: it may name a tenant.
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, crate::pages::SIGN_IN_PATH))
                    .finish();
            }
            ConsoleError::Csrf => {
                "This form has expired or did not come from this console. Go back, reload the page and try again.".to_owned()
            }
            ConsoleError::Api(e) => e.detail.clone(),
            ConsoleError::Randomness(e) => {
                tracing::error!(error = %e, "random source failed");
                "The server could not complete this request.".to_owned()
            }
        };
        let title = status.canonical_reason().unwrap_or("Error");
        let mut response = layout::respond(
            status,
            layout::bare_page(
                title,
                html! {
                    h1 { (title) }
                    p.error { (detail) }
                    p { a href=(crate::pages::HOME_PATH) { "Back to the console" } }
                },
            ),
        );
        if let ConsoleError::Api(ApiError {
            retry_after: Some(seconds),
            ..
        }) = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(*seconds));
        }
        response
    }
}
