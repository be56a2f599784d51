//! Playing a conversation: its steps (repeats unrolled), then its checks, one
//! request at a time; each answer is checked before the next request is
//! filled in, since later requests name what earlier answers captured.
//!
//! [`Player`] does all of it but the sending, so the blocking runners
//! ([`Transport`]) and the in-process actix one share every rule.

use serde_json::Value;

use crate::error::{ReplayError, StepFailure, StepRef};
use crate::expect::{self, Mismatch, short};
use crate::format::{File, Step};
use crate::template::{ABSENT, ANY, Vars};

/// One request of a conversation, filled in, as a transport sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    pub method: String,
    /// Relative to the SCIM base URL (`/Users?filter=...`), as the client
    /// sends it (already URL-encoded).
    pub path: String,
    /// Every header to send: the client's, the bearer token, the content type.
    pub headers: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<String>,
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The headers (names in any letter case).
    pub headers: Vec<(String, String)>,
    /// The body as text (empty when there is none).
    pub body: String,
}

/// Sends a conversation's requests to a server: over HTTP
/// ([`crate::HttpTransport`]), or into an application in the same process.
pub trait Transport {
    /// Sends `request` and gives the whole response, or why none came.
    fn send(
        &mut self,
        request: &Request,
    ) -> Result<Response, Box<dyn std::error::Error + Send + Sync>>;
}

/// What a conversation that passed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The conversation's name.
    pub conversation: String,
    /// Requests sent (steps with their repeats, and checks).
    pub requests: usize,
}

/// One step to play: which, and its repeat counter.
#[derive(Debug, Clone)]
pub(crate) struct Planned<'c> {
    step: &'c Step,
    at: StepRef,
}

impl Planned<'_> {
    pub(crate) fn at(&self) -> &StepRef {
        &self.at
    }
}

/// A conversation being played: what it captured and how far it got.
#[derive(Debug)]
pub(crate) struct Player<'c> {
    file: &'c File,
    token: String,
    vars: Vars,
    sent: usize,
}

impl<'c> Player<'c> {
    pub(crate) fn new(file: &'c File, token: &str) -> Player<'c> {
        Player {
            file,
            token: token.to_owned(),
            vars: Vars::default(),
            sent: 0,
        }
    }

    /// Every request to send, in order: steps (repeats unrolled), then checks.
    pub(crate) fn plan(&self) -> Vec<Planned<'c>> {
        let file = self.file;
        let phases = [("step", &file.steps), ("check", &file.checks)];
        let mut plan = Vec::new();
        for (phase, steps) in phases {
            for (i, step) in steps.iter().enumerate() {
                let at = |iteration| StepRef {
                    conversation: file.name.clone(),
                    phase,
                    number: i + 1,
                    iteration,
                    name: step.name.clone(),
                };
                match &step.repeat {
                    None => plan.push(Planned { step, at: at(None) }),
                    Some(repeat) => plan.extend((1..=repeat.times).map(|n| Planned {
                        step,
                        at: at(Some(n)),
                    })),
                }
            }
        }
        plan
    }

    /// The request of `planned`, with what earlier answers captured.
    pub(crate) fn prepare(&mut self, planned: &Planned<'_>) -> Result<Request, ReplayError> {
        let template = |source| ReplayError::Template {
            step: planned.at.clone(),
            source,
        };
        if let (Some(repeat), Some(n)) = (&planned.step.repeat, planned.at.iteration) {
            self.vars.set(&repeat.var, n.to_string());
        }
        let spec = &planned.step.request;
        let mut headers: Vec<(String, String)> = Vec::new();
        for (name, value) in self.file.headers.iter().chain(&spec.headers) {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name.clone(), self.vars.fill(value).map_err(template)?));
        }
        let has = |headers: &[(String, String)], name: &str| {
            headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        if !has(&headers, "authorization") {
            headers.push(("Authorization".to_owned(), format!("Bearer {}", self.token)));
        }
        let body = match &spec.body {
            None => None,
            Some(body) => Some(self.vars.fill_value(body).map_err(template)?.to_string()),
        };
        if body.is_some() && !has(&headers, "content-type") {
            headers.push((
                "Content-Type".to_owned(),
                "application/scim+json; charset=utf-8".to_owned(),
            ));
        }
        Ok(Request {
            method: spec.method.to_ascii_uppercase(),
            path: self.vars.fill(&spec.path).map_err(template)?,
            headers,
            body,
        })
    }

    /// Checks `response` against `planned`'s expectations and keeps what it
    /// captures.
    pub(crate) fn verify(
        &mut self,
        planned: &Planned<'_>,
        request: &Request,
        response: &Response,
    ) -> Result<(), ReplayError> {
        self.sent += 1;
        let fail = |mismatch: Mismatch| {
            ReplayError::Failed(Box::new(StepFailure {
                step: planned.at.clone(),
                request: describe_request(request),
                mismatch,
                response: describe_response(response),
            }))
        };
        let template = |source| ReplayError::Template {
            step: planned.at.clone(),
            source,
        };
        let expect = &planned.step.expect;
        if response.status != expect.status {
            return Err(fail(Mismatch {
                at: "status".to_owned(),
                expected: expect.status.to_string(),
                actual: response.status.to_string(),
            }));
        }
        for (name, wanted) in &expect.headers {
            let wanted = self.vars.fill(wanted).map_err(template)?;
            let actual = response
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str());
            let ok = match (wanted.as_str(), actual) {
                (ABSENT, None) | (ANY, Some(_)) => true,
                (wanted, Some(actual)) => wanted == actual,
                (_, None) => false,
            };
            if !ok {
                return Err(fail(Mismatch {
                    at: format!("header {name}"),
                    expected: wanted,
                    actual: actual.unwrap_or("absent").to_owned(),
                }));
            }
        }
        let needs_body = expect.body.is_some() || !expect.capture.is_empty();
        let body: Option<Value> = if response.body.trim().is_empty() {
            None
        } else if needs_body {
            Some(serde_json::from_str(&response.body).map_err(|e| {
                fail(Mismatch {
                    at: "body".to_owned(),
                    expected: "JSON".to_owned(),
                    actual: format!("not JSON ({e})"),
                })
            })?)
        } else {
            None
        };
        if let Some(pattern) = &expect.body {
            let pattern = self.vars.fill_value(pattern).map_err(template)?;
            expect::check(&pattern, body.as_ref(), "").map_err(fail)?;
        }
        for (name, pointer) in &expect.capture {
            let found = body.as_ref().and_then(|b| b.pointer(pointer));
            let value = match found {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                other => {
                    return Err(fail(Mismatch {
                        at: pointer.clone(),
                        expected: format!("a string or number to capture as {name}"),
                        actual: other.map_or_else(|| "absent".to_owned(), short),
                    }));
                }
            };
            match name.strip_suffix("[]") {
                Some(list) => self.vars.push(list, value),
                None => self.vars.set(name, value),
            }
        }
        Ok(())
    }

    pub(crate) fn report(self) -> Report {
        Report {
            conversation: self.file.name.clone(),
            requests: self.sent,
        }
    }

    /// Plays the whole conversation through a blocking transport.
    pub(crate) fn play(mut self, transport: &mut dyn Transport) -> Result<Report, ReplayError> {
        for planned in self.plan() {
            let request = self.prepare(&planned)?;
            let response = transport
                .send(&request)
                .map_err(|source| ReplayError::Transport {
                    step: planned.at().clone(),
                    request: describe_request(&request),
                    source,
                })?;
            self.verify(&planned, &request, &response)?;
        }
        Ok(self.report())
    }
}

/// Method, path and body (cut short), for failure messages; the token is not
/// shown.
pub(crate) fn describe_request(request: &Request) -> String {
    match &request.body {
        None => format!("{} {}", request.method, request.path),
        Some(body) => format!("{} {} {}", request.method, request.path, cut(body)),
    }
}

fn describe_response(response: &Response) -> String {
    format!("{} {}", response.status, cut(&response.body))
}

fn cut(text: &str) -> String {
    const MAX: usize = 600;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}
