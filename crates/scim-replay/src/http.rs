//! The blocking HTTP transport (ureq): a server at a base URL, as the
//! identity provider reaches it. ureq sends no `User-Agent` of its own here,
//! so each request carries only the conversation's (Entra ID sends none).

use std::time::Duration;

use crate::run::{Request, Response, Transport};

/// Sends requests to `<base><path>` (base: the tenant's SCIM URL, e.g.
/// `http://127.0.0.1:8080/scim/v2/acme`).
#[derive(Debug)]
pub struct HttpTransport {
    agent: ureq::Agent,
    base: String,
}

/// How long one request may take, whole.
const TIMEOUT: Duration = Duration::from_secs(60);

impl HttpTransport {
    /// A transport to `base` (a trailing `/` is ignored). `https://` needs
    /// the crate's `rustls` feature.
    pub fn new(base: &str) -> HttpTransport {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(ureq::config::AutoHeaderValue::None)
            .timeout_global(Some(TIMEOUT))
            .build()
            .into();
        HttpTransport {
            agent,
            base: base.trim_end_matches('/').to_owned(),
        }
    }
}

impl Transport for HttpTransport {
    fn send(
        &mut self,
        request: &Request,
    ) -> Result<Response, Box<dyn std::error::Error + Send + Sync>> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(format!("{}{}", self.base, request.path));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let mut response = self
            .agent
            .run(builder.body(request.body.clone().unwrap_or_default())?)?;
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        Ok(Response {
            status: response.status().as_u16(),
            headers,
            body: response.body_mut().read_to_string()?,
        })
    }
}
