//! The headers on every console response. The Content-Security-Policy allows
//! the console's own stylesheet and script and nothing else: no inline script
//! or style, no framing, forms posting only back to the console, and the
//! script fetching only from the console (the role page's filter check).

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;

/// The console's Content-Security-Policy.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Middleware adding the CSP and its companions (pages are never cached, never
/// sniffed, never framed, and send no referrer).
pub(crate) fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::CACHE_CONTROL, "no-store"))
}
