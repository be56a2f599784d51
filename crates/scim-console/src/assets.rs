//! The stylesheet and the one small script (Copy buttons, the rule filter
//! check as you type), compiled into the binary and
//! served from `/console/assets/` (no CDN, no build step).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const STYLESHEET: &str = include_str!("../assets/console.css");
const SCRIPT: &str = include_str!("../assets/console.js");

/// The stylesheet's path under the console prefix.
pub(crate) const STYLESHEET_PATH: &str = "/console/assets/console.css";
/// The script's path under the console prefix.
pub(crate) const SCRIPT_PATH: &str = "/console/assets/console.js";

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/console.css", web::get().to(stylesheet))
        .route("/assets/console.js", web::get().to(script));
}

async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// An asset; the headers middleware's `no-store` is replaced by a short cache
/// (assets hold no data, and change only with the binary).
fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body)
}
