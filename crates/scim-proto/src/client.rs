//! Which provisioning client sent a request, recognised from its shape.
//!
//! The connection status names the identity provider behind a tenant's
//! requests. Only what every request carries is looked at, so recognising costs
//! a few string comparisons: Okta announces itself in `User-Agent` (`Okta SCIM
//! Client 1.0.0`); Microsoft Entra ID sends no `User-Agent` at all, and its
//! Tenant URL may carry its dialect flag `aadOptscim062020` as a query parameter
//! (see `docs/idp-requests.md`). Anything else (scripts, other identity
//! providers, a proxy that adds a `User-Agent` to Entra's calls) is
//! [`ClientKind::Other`].

use serde::Serialize;

/// The Entra ID dialect flag, appended to the Tenant URL by admins.
const ENTRA_DIALECT_FLAG: &str = "aadoptscim062020";

/// A provisioning client, as far as its requests tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientKind {
    /// Microsoft Entra ID (formerly Azure AD).
    EntraId,
    /// Okta.
    Okta,
    /// Anything not recognised.
    Other,
}

impl ClientKind {
    /// Every kind, in declaration order.
    pub const ALL: [ClientKind; 3] = [ClientKind::EntraId, ClientKind::Okta, ClientKind::Other];

    /// Recognises the client from the request's `User-Agent` (absent: `None`)
    /// and raw query string.
    ///
    /// ```
    /// use scim_proto::ClientKind;
    /// assert_eq!(ClientKind::recognise(Some("Okta SCIM Client 1.0.0"), ""), ClientKind::Okta);
    /// assert_eq!(ClientKind::recognise(None, "filter=userName%20eq%20%22x%22"), ClientKind::EntraId);
    /// assert_eq!(ClientKind::recognise(Some("curl/8.5.0"), ""), ClientKind::Other);
    /// ```
    pub fn recognise(user_agent: Option<&str>, query: &str) -> ClientKind {
        let user_agent = user_agent.map(str::trim).filter(|ua| !ua.is_empty());
        if user_agent.is_some_and(|ua| ua.to_ascii_lowercase().starts_with("okta")) {
            return ClientKind::Okta;
        }
        let entra_flag = query.split('&').any(|parameter| {
            let name = parameter
                .split_once('=')
                .map_or(parameter, |(name, _)| name);
            name.eq_ignore_ascii_case(ENTRA_DIALECT_FLAG)
        });
        if user_agent.is_none() || entra_flag {
            ClientKind::EntraId
        } else {
            ClientKind::Other
        }
    }

    /// Stable kebab-case name, as stored and serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::EntraId => "entra-id",
            ClientKind::Okta => "okta",
            ClientKind::Other => "other",
        }
    }

    /// The kind named `name` ([`ClientKind::as_str`]).
    pub fn parse(name: &str) -> Option<ClientKind> {
        ClientKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            ClientKind::EntraId => "Microsoft Entra ID",
            ClientKind::Okta => "Okta",
            ClientKind::Other => "Other client",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ClientKind;

    #[test]
    fn recognises_clients_by_their_requests_shape() {
        let cases = [
            (
                Some("Okta SCIM Client 1.0.0"),
                "startIndex=1&count=100",
                ClientKind::Okta,
            ),
            (Some("okta-scim/2"), "", ClientKind::Okta),
            (None, "", ClientKind::EntraId),
            (Some("  "), "", ClientKind::EntraId),
            (
                Some("python-requests/2.31"),
                "aadOptscim062020",
                ClientKind::EntraId,
            ),
            (
                Some("python-requests/2.31"),
                "filter=x&AADOPTSCIM062020=1",
                ClientKind::EntraId,
            ),
            (
                Some("python-requests/2.31"),
                "filter=aadOptscim062020",
                ClientKind::Other,
            ),
            (Some("Mozilla/5.0"), "", ClientKind::Other),
        ];
        for (user_agent, query, expected) in cases {
            assert_eq!(
                ClientKind::recognise(user_agent, query),
                expected,
                "{user_agent:?} {query:?}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in ClientKind::ALL {
            assert_eq!(ClientKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(ClientKind::parse("entra"), None);
    }
}
