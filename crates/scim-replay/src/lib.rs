//! A replay kit for SCIM service providers: conversations of Microsoft Entra
//! ID and Okta with a server, as data files, and a runner that plays them
//! against a SCIM base URL ([`Conversation::run_against_url`]), any
//! [`Transport`], or an actix-web `App` in the same process
//! (`Conversation::run_in_process`, feature `actix`), checking each response
//! and, at the end, the state the conversation left.
//!
//! # Where the conversations come from
//!
//! They were **transcribed from documented identity-provider behaviour**, not
//! captured from a live tenant: the request shapes, headers and sequences of
//! `docs/idp-requests.md` (Microsoft's and Okta's published SCIM guidance and
//! the deviations servers have met in practice), the same shapes the server's
//! `simulate` command sends. Names, ids and addresses are made up
//! (`contoso.test`, `okta.test`). What a real tenant sends may differ in
//! ways nobody has documented; a conversation recorded from one would be a
//! welcome addition.
//!
//! The bundled ones ([`bundled`]; files in `conversations/`):
//!
//! - `entra-test-connection`: Test Connection (a random-GUID `userName`
//!   filter and a groups probe, both an empty list);
//! - `entra-user-legacy`: match, create, and Entra's default PATCH dialect
//!   (capitalised ops, `"False"` as a string, one op per attribute), then
//!   disable, re-enable, delete;
//! - `entra-user-compliant`: the `aadOptscim062020` dialect (lower-case ops,
//!   a path-less replace with dotted and URN keys, JSON booleans);
//! - `entra-large-group`: 200 users, a group created empty and filled by two
//!   `Add members` of 100, removals in both dialects, a rename;
//! - `okta-users`: credential test, match and create with paging parameters,
//!   paging through users, a `GET` then a whole-user `PUT`, deactivation by
//!   `PUT active=false`;
//! - `okta-group-push`: a pushed group, membership pushes that restate the
//!   group's id and name, a full push, a paged group listing, an unlink.
//!
//! Each expects a **tenant of its own, empty** at the start (final-state
//! checks count what is there).
//!
//! # The file format
//!
//! One JSON file per conversation; see the `format` module for the whole
//! grammar. A step is a request (method, path relative to the SCIM base,
//! headers, body) and what the answer must be (status, headers, a body
//! pattern naming only what the client relies on, and captures such as the
//! new user's id as `user:alice`, which later steps name as
//! `{{user:alice}}`). A step may repeat (`"repeat": {"times": 200, "as":
//! "n"}`), and a body may expand a captured list (`$each`), which keeps a
//! 200-member group a few lines long. `checks` are steps played after all the
//! others: the final state.
//!
//! # Running them
//!
//! ```no_run
//! for conversation in scim_replay::bundled()? {
//!     // A fresh tenant for each, with its SCIM token.
//!     let report = conversation.run_against_url("http://127.0.0.1:8080/scim/v2/acme", "scim_...")?;
//!     assert!(report.requests > 0);
//! }
//! # Ok::<(), scim_replay::ReplayError>(())
//! ```
//!
//! A failure names the conversation, the step (and repeat), the request sent,
//! what was expected and what came ([`StepFailure`]).

mod error;
mod expect;
mod format;
mod http;
mod run;
mod template;

#[cfg(feature = "actix")]
mod actix;

use std::path::Path;

pub use error::{ReplayError, StepFailure, StepRef};
pub use expect::Mismatch;
pub use http::HttpTransport;
pub use run::{Report, Request, Response, Transport};
pub use template::TemplateError;

use crate::format::{File, Step};
use crate::run::Player;

/// One conversation, read from its file.
#[derive(Debug, Clone)]
pub struct Conversation {
    file: File,
}

/// The conversations this crate ships, by file name.
const BUNDLED: &[(&str, &str)] = &[
    (
        "entra-test-connection.json",
        include_str!("../conversations/entra-test-connection.json"),
    ),
    (
        "entra-user-legacy.json",
        include_str!("../conversations/entra-user-legacy.json"),
    ),
    (
        "entra-user-compliant.json",
        include_str!("../conversations/entra-user-compliant.json"),
    ),
    (
        "entra-large-group.json",
        include_str!("../conversations/entra-large-group.json"),
    ),
    (
        "okta-users.json",
        include_str!("../conversations/okta-users.json"),
    ),
    (
        "okta-group-push.json",
        include_str!("../conversations/okta-group-push.json"),
    ),
];

/// The conversations this crate ships (compiled in: no files to find).
pub fn bundled() -> Result<Vec<Conversation>, ReplayError> {
    BUNDLED
        .iter()
        .map(|(name, text)| Conversation::parse(text, name))
        .collect()
}

impl Conversation {
    /// Reads the conversation file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Conversation, ReplayError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ReplayError::Read {
            path: path.to_owned(),
            source,
        })?;
        Conversation::parse(&text, &path.display().to_string())
    }

    /// Reads a conversation from its JSON text.
    pub fn from_json(text: &str) -> Result<Conversation, ReplayError> {
        Conversation::parse(text, "text")
    }

    fn parse(text: &str, origin: &str) -> Result<Conversation, ReplayError> {
        let file: File = serde_json::from_str(text).map_err(|source| ReplayError::Parse {
            origin: origin.to_owned(),
            source,
        })?;
        validate(&file).map_err(|problem| ReplayError::Invalid {
            origin: origin.to_owned(),
            problem,
        })?;
        Ok(Conversation { file })
    }

    /// Its name (`entra-large-group`).
    pub fn name(&self) -> &str {
        &self.file.name
    }

    /// The identity provider it plays (`Microsoft Entra ID`, `Okta`).
    pub fn client(&self) -> &str {
        &self.file.client
    }

    /// What it shows, in a sentence or two.
    pub fn description(&self) -> &str {
        &self.file.description
    }

    /// Plays it against the tenant whose SCIM base URL is `base` (e.g.
    /// `http://127.0.0.1:8080/scim/v2/acme`), with its bearer `token`.
    pub fn run_against_url(&self, base: &str, token: &str) -> Result<Report, ReplayError> {
        self.run_with(&mut HttpTransport::new(base), token)
    }

    /// Plays it through `transport`, with the tenant's bearer `token`.
    pub fn run_with(
        &self,
        transport: &mut dyn Transport,
        token: &str,
    ) -> Result<Report, ReplayError> {
        Player::new(&self.file, token).play(transport)
    }
}

/// The rules serde cannot state.
fn validate(file: &File) -> Result<(), String> {
    const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    const RESERVED: [&str; 3] = ["any", "absent", "item"];
    if file.steps.is_empty() {
        return Err("a conversation has steps".to_owned());
    }
    // What earlier steps captured: scalars, and lists (`name[]`).
    let mut scalars = std::collections::HashSet::new();
    let mut lists = std::collections::HashSet::new();
    let all = file.steps.iter().map(|s| ("step", s));
    for (i, (phase, step)) in all
        .chain(file.checks.iter().map(|s| ("check", s)))
        .enumerate()
    {
        let Step {
            name,
            repeat,
            request,
            expect,
        } = step;
        let here = format!("{phase} '{name}' (#{})", i + 1);
        if !METHODS.contains(&request.method.as_str()) {
            return Err(format!(
                "{here}: method {} is not one of {METHODS:?}",
                request.method
            ));
        }
        if !request.path.starts_with('/') {
            return Err(format!(
                "{here}: a path starts with / (relative to the SCIM base)"
            ));
        }
        if let Some(repeat) = repeat
            && (repeat.times == 0
                || repeat.var.is_empty()
                || RESERVED.contains(&repeat.var.as_str()))
        {
            return Err(format!(
                "{here}: repeat needs times >= 1 and a name of its own"
            ));
        }
        for name in used(request, expect) {
            let known = match &name {
                Used::Scalar(n) => {
                    scalars.contains(n.as_str())
                        || repeat.as_ref().is_some_and(|r| &r.var == n)
                        || RESERVED.contains(&n.as_str())
                }
                Used::List(n) => lists.contains(n.as_str()),
            };
            if !known {
                return Err(format!("{here}: {name} is captured by no earlier step"));
            }
        }
        if let Some((var, pointer)) = expect
            .capture
            .iter()
            .find(|(var, pointer)| !pointer.starts_with('/') || RESERVED.contains(&var.as_str()))
        {
            return Err(format!(
                "{here}: capture {var} from '{pointer}': a JSON pointer (/id) into a name of its own"
            ));
        }
        for var in expect.capture.keys() {
            match var.strip_suffix("[]") {
                Some(list) => lists.insert(list),
                None => scalars.insert(var.as_str()),
            };
        }
    }
    Ok(())
}

/// A placeholder or a list a step names.
#[derive(Debug)]
enum Used {
    Scalar(String),
    List(String),
}

impl std::fmt::Display for Used {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Used::Scalar(name) => write!(f, "{{{{{name}}}}}"),
            Used::List(name) => write!(f, "the list {name} ($each)"),
        }
    }
}

/// Every placeholder and `$each` list of a step's request and expectations.
fn used(request: &format::Request, expect: &format::Expect) -> Vec<Used> {
    fn text(s: &str, out: &mut Vec<Used>) {
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else { break };
            out.push(Used::Scalar(after[..end].trim().to_owned()));
            rest = &after[end + 2..];
        }
    }
    fn value(v: &serde_json::Value, out: &mut Vec<Used>) {
        match v {
            serde_json::Value::String(s) => text(s, out),
            serde_json::Value::Array(items) => items.iter().for_each(|i| value(i, out)),
            serde_json::Value::Object(object) => {
                if let Some(list) = object.get("$each").and_then(serde_json::Value::as_str) {
                    out.push(Used::List(list.to_owned()));
                }
                for (k, v) in object {
                    text(k, out);
                    value(v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    text(&request.path, &mut out);
    request
        .headers
        .values()
        .chain(expect.headers.values())
        .for_each(|h| text(h, &mut out));
    request
        .body
        .iter()
        .chain(&expect.body)
        .for_each(|b| value(b, &mut out));
    out
}

#[cfg(test)]
mod tests;
