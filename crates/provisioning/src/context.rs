//! Who is asking, and what the request carried: the part of every event's `cause`.

use scim_proto::CompatReport;
use serde_json::{Value, json};

/// Who caused a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The identity provider, authenticated by the token with this identifier.
    IdentityProvider {
        /// The token's non-secret identifier.
        token: String,
    },
    /// A caller of the admin API, named by the credential it authenticated with.
    Admin {
        /// The credential.
        credential: AdminCredential,
        /// With the operator token only: the person the host application says
        /// it acts for (`X-Admin-Name`). Recorded as the host's claim, apart
        /// from what was authenticated; an admin token's own name is its
        /// holder, so no claim is taken with one.
        on_behalf_of: Option<String>,
    },
    /// The operator, through the command line.
    Operator,
}

/// The credential an admin request authenticated with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminCredential {
    /// The operator token from the configuration: every tenant.
    OperatorToken,
    /// A tenant's admin token: that tenant only.
    AdminToken {
        /// The name it was issued with.
        name: String,
        /// Its non-secret identifier.
        token: String,
    },
}

impl Actor {
    fn to_json(&self) -> Value {
        match self {
            Actor::IdentityProvider { token } => {
                json!({"kind": "identity_provider", "token": token})
            }
            Actor::Admin {
                credential,
                on_behalf_of,
            } => {
                let mut actor = match credential {
                    AdminCredential::OperatorToken => {
                        json!({"kind": "admin", "credential": "operator_token"})
                    }
                    AdminCredential::AdminToken { name, token } => {
                        json!({"kind": "admin", "credential": "admin_token", "name": name, "token": token})
                    }
                };
                if let Some(person) = on_behalf_of {
                    actor["on_behalf_of"] = json!(person);
                }
                actor
            }
            Actor::Operator => json!({"kind": "operator"}),
        }
    }

    /// The actor an event's `cause.actor` records ([`Actor::to_json`]'s
    /// inverse); `None` for a shape it never writes.
    pub(crate) fn from_json(actor: &Value) -> Option<Actor> {
        let text = |key: &str| actor.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(match text("kind")?.as_str() {
            "identity_provider" => Actor::IdentityProvider {
                token: text("token")?,
            },
            "admin" => Actor::Admin {
                credential: match text("credential")?.as_str() {
                    "operator_token" => AdminCredential::OperatorToken,
                    "admin_token" => AdminCredential::AdminToken {
                        name: text("name")?,
                        token: text("token")?,
                    },
                    _ => return None,
                },
                on_behalf_of: text("on_behalf_of"),
            },
            "operator" => Actor::Operator,
            _ => return None,
        })
    }

    /// A short name for lock records (`set by`).
    pub fn name(&self) -> String {
        match self {
            Actor::IdentityProvider { token } => format!("idp:{token}"),
            Actor::Admin {
                credential: AdminCredential::AdminToken { name, .. },
                ..
            } => name.clone(),
            Actor::Admin {
                credential: AdminCredential::OperatorToken,
                on_behalf_of,
            } => on_behalf_of
                .as_ref()
                .map_or_else(|| "operator".to_owned(), |p| format!("operator for {p}")),
            Actor::Operator => "operator".to_owned(),
        }
    }
}

/// One request's context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// Correlates events with logs.
    pub request_id: String,
    /// The tenant's SCIM base URL (`https://host/scim/v2/acme`), for `meta.location` and `$ref`.
    pub base_url: String,
    /// Who is asking.
    pub actor: Actor,
    /// Client leniencies applied while reading this request.
    pub compat: CompatReport,
}

impl RequestContext {
    /// A context for `actor`.
    pub fn new(
        request_id: impl Into<String>,
        base_url: impl Into<String>,
        actor: Actor,
    ) -> RequestContext {
        RequestContext {
            request_id: request_id.into(),
            base_url: base_url.into(),
            actor,
            compat: CompatReport::new(),
        }
    }

    /// The `cause` recorded with events of this request; `why` adds a reason.
    pub(crate) fn cause(&self, why: Option<&str>) -> Value {
        let mut cause = json!({"actor": self.actor.to_json(), "request_id": self.request_id});
        if !self.compat.is_empty() {
            cause["compat"] = json!(self.compat.names());
        }
        if let Some(why) = why {
            cause["why"] = json!(why);
        }
        cause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_actors_read_back_as_themselves() {
        for actor in [
            Actor::IdentityProvider { token: "t1".into() },
            Actor::Operator,
            Actor::Admin {
                credential: AdminCredential::OperatorToken,
                on_behalf_of: Some("Bob".into()),
            },
            Actor::Admin {
                credential: AdminCredential::AdminToken {
                    name: "Alice".into(),
                    token: "a1".into(),
                },
                on_behalf_of: None,
            },
        ] {
            assert_eq!(Actor::from_json(&actor.to_json()), Some(actor));
        }
        assert_eq!(Actor::from_json(&json!({"kind": "robot"})), None);
    }
}
