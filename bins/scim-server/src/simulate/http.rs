//! The simulator's HTTP client: one bearer token, one base URL (with Entra's
//! `aadOptscim062020` flag carried on every request when the Tenant URL has
//! it), and the counts the summary reports.
//!
//! ureq (blocking, rustls with ring, webpki roots): the simulator sends one
//! request at a time as an identity provider's cycle does, so an async client
//! and its runtime would add nothing; ureq is already the tests' client, and
//! its TLS is the rustls the server uses, so no system OpenSSL is linked.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::Value;

/// A response: its status and its body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Reply {
    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `id` of the first resource of a ListResponse, when there is one.
    pub(crate) fn first_id(&self) -> Option<String> {
        self.body["Resources"][0]["id"].as_str().map(str::to_owned)
    }
}

/// The most refused requests the summary lists one by one.
const ERRORS_SHOWN: usize = 5;

#[derive(Debug)]
pub(crate) struct Http {
    agent: ureq::Agent,
    base: String,
    /// Query parameters every request carries (`aadOptscim062020`).
    flags: Option<String>,
    token: String,
    pub(crate) requests: u64,
    pub(crate) errors: u64,
    /// The first few failures: method, path, status (0: no answer), detail.
    pub(crate) first_errors: Vec<String>,
}

impl Http {
    /// A client of `url` (a Tenant URL, possibly with a query string) sending
    /// `user_agent` (none at all when `None`, as Entra ID).
    pub(crate) fn new(url: &str, token: &str, user_agent: Option<&str>) -> anyhow::Result<Http> {
        let (base, flags) = match url.split_once('?') {
            Some((base, flags)) => (base, Some(flags.to_owned()).filter(|f| !f.is_empty())),
            None => (url, None),
        };
        anyhow::ensure!(
            base.starts_with("http://") || base.starts_with("https://"),
            "--url must be an http:// or https:// Tenant URL, not '{url}'"
        );
        let user_agent = match user_agent {
            Some(agent) => ureq::config::AutoHeaderValue::Provided(Arc::new(agent.to_owned())),
            None => ureq::config::AutoHeaderValue::None,
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(user_agent)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(Http {
            agent,
            base: base.trim_end_matches('/').to_owned(),
            flags,
            token: token.to_owned(),
            requests: 0,
            errors: 0,
            first_errors: Vec::new(),
        })
    }

    /// Whether the Tenant URL carried `flag` in its query string.
    pub(crate) fn has_flag(&self, flag: &str) -> bool {
        self.flags
            .as_deref()
            .is_some_and(|flags| flags.split('&').any(|f| f == flag))
    }

    fn url(&self, path: &str) -> String {
        match &self.flags {
            None => format!("{}{path}", self.base),
            Some(flags) if path.contains('?') => format!("{}{path}&{flags}", self.base),
            Some(flags) => format!("{}{path}?{flags}", self.base),
        }
    }

    /// Sends one request; a refusal or a failure to answer is counted and
    /// noted, and is the caller's to act on (an identity provider goes on with
    /// its cycle).
    pub(crate) fn send(&mut self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.requests += 1;
        let reply = self.exchange(method, path, body).unwrap_or_else(|e| Reply {
            status: 0,
            body: Value::Null,
            text: format!("{e:#}"),
        });
        if !reply.ok() {
            self.errors += 1;
            if self.first_errors.len() < ERRORS_SHOWN {
                let detail = reply.body["detail"]
                    .as_str()
                    .map_or_else(|| reply.text.chars().take(200).collect(), str::to_owned);
                self.first_errors
                    .push(format!("{method} {path}: {} {detail}", reply.status));
            }
        }
        reply
    }

    fn exchange(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Reply> {
        let url = self.url(path);
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Accept", "application/scim+json");
        if body.is_some() {
            request = request.header("Content-Type", "application/scim+json; charset=utf-8");
        }
        let request = request
            .body(body.map(Value::to_string).unwrap_or_default())
            .with_context(|| format!("building {method} {url}"))?;
        let mut response = self
            .agent
            .run(request)
            .with_context(|| format!("{method} {url}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .with_context(|| format!("reading the answer to {method} {url}"))?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Reply { status, body, text })
    }
}

/// URL-encodes a filter the way Entra ID does: spaces as `+`.
pub(crate) fn encode(filter: &str) -> String {
    let mut out = String::with_capacity(filter.len() * 3 / 2);
    for b in filter.bytes() {
        match b {
            b' ' => out.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A filter's string literal: JSON string syntax, as RFC 7644 asks.
pub(crate) fn literal(value: &str) -> String {
    Value::String(value.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_encoded_as_entra_sends_them() {
        assert_eq!(
            encode(&format!("userName eq {}", literal("a+b@x.com"))),
            "userName+eq+%22a%2Bb%40x.com%22"
        );
    }

    #[test]
    fn the_tenant_urls_flags_ride_on_every_request() {
        let http = Http::new("http://h:1/scim/v2/acme/?aadOptscim062020", "t", None).unwrap();
        assert!(http.has_flag("aadOptscim062020"));
        assert_eq!(
            http.url("/Users?filter=x"),
            "http://h:1/scim/v2/acme/Users?filter=x&aadOptscim062020"
        );
        assert_eq!(
            http.url("/Users/1"),
            "http://h:1/scim/v2/acme/Users/1?aadOptscim062020"
        );
        let plain = Http::new("https://h/scim/v2/acme", "t", None).unwrap();
        assert!(!plain.has_flag("aadOptscim062020"));
        assert_eq!(plain.url("/Groups"), "https://h/scim/v2/acme/Groups");
        assert!(Http::new("h/scim", "t", None).is_err());
    }
}
