//! Signing in (the operator token or a tenant's admin token, checked by the
//! admin API's gate) and out. The sign-in form carries its own CSRF token,
//! paired with a short-lived cookie, so no other site can sign a browser in
//! under its own credential.

use std::time::Instant;

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use scim_http::AdminGate;
use serde::Deserialize;

use super::{CsrfForm, HOME_PATH, SIGN_IN_PATH, see_other};
use crate::error::ConsoleError;
use crate::layout;
use crate::session::{random_token, same_secret};
use crate::signed_in::{SESSION_COOKIE, SignedIn, console, console_cookie};

/// The cookie pairing a sign-in form with the browser it was sent to.
const SIGN_IN_COOKIE: &str = "scim_console_sign_in";

/// How long a sign-in form stays usable.
const SIGN_IN_FORM_LIFETIME: CookieDuration = CookieDuration::hours(1);

/// Longest token accepted from the form (tokens are far shorter).
const MAX_TOKEN_LEN: usize = 512;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sign-in", web::get().to(form))
        .route("/sign-in", web::post().to(submit))
        .route("/sign-out", web::post().to(sign_out));
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    csrf: String,
    token: String,
}

fn sign_in_page(csrf: &str, refused: bool) -> Markup {
    layout::bare_page(
        "Sign in",
        html! {
            h1 { "Sign in" }
            @if refused {
                p.error role="alert" { "That token was not accepted. Use the operator token or an admin token of your tenant (SCIM tokens do not open the console)." }
            }
            form.stack method="post" action=(SIGN_IN_PATH) {
                input type="hidden" name="csrf" value=(csrf);
                label for="token" { "Operator token or admin token" }
                input #token type="password" name="token" autocomplete="off" required autofocus;
                button type="submit" { "Sign in" }
            }
        },
    )
}

/// The sign-in page, with a fresh form token (or the console, if signed in).
async fn form(req: HttpRequest, signed_in: Option<SignedIn>) -> Result<HttpResponse, ConsoleError> {
    if signed_in.is_some() {
        return Ok(see_other(HOME_PATH));
    }
    let csrf = random_token()?;
    let mut cookie = console_cookie(&req, SIGN_IN_COOKIE, csrf.clone());
    cookie.set_max_age(SIGN_IN_FORM_LIFETIME);
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .content_type(ContentType::html())
        .body(sign_in_page(&csrf, false).into_string()))
}

/// Checks the token; on success starts a session and goes to the console.
async fn submit(
    req: HttpRequest,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, ConsoleError> {
    let paired = req
        .cookie(SIGN_IN_COOKIE)
        .is_some_and(|c| !form.csrf.is_empty() && same_secret(&form.csrf, c.value()));
    if !paired {
        return Err(ConsoleError::Csrf);
    }
    let console = console(&req)?;
    let presented = form.token.trim().to_owned();
    let refused = || layout::respond(StatusCode::UNAUTHORIZED, sign_in_page(&form.csrf, true));
    if presented.is_empty() || presented.len() > MAX_TOKEN_LEN {
        return Ok(refused());
    }
    let identity = match AdminGate::new(&console.state)
        .check(scim_http::middleware::request_id(&req), presented, None)
        .await
    {
        Ok(identity) => identity,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => return Ok(refused()),
        Err(e) => return Err(e.into()),
    };
    tracing::info!(actor = %identity.actor.name(), "console sign-in");
    let session = console.sessions.start(identity, Instant::now())?;
    let mut spent = console_cookie(&req, SIGN_IN_COOKIE, String::new());
    spent.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, HOME_PATH))
        .cookie(console_cookie(&req, SESSION_COOKIE, session))
        .cookie(spent)
        .finish())
}

/// Ends the session and clears its cookie.
async fn sign_out(
    req: HttpRequest,
    signed_in: SignedIn,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(&form.csrf)?;
    console(&req)?.sessions.end(signed_in.session_id());
    let mut gone = console_cookie(&req, SESSION_COOKIE, String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, SIGN_IN_PATH))
        .cookie(gone)
        .finish())
}
