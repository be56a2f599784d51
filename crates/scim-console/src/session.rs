//! The session table: signed-in browsers by random session id, in this
//! process's memory (sessions do not survive a restart and are not shared
//! between server processes). Each session has a fixed lifetime from sign-in
//! and its own CSRF token. Time comes in as a parameter.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use scim_http::AdminIdentity;
use subtle::ConstantTimeEq;

/// Random bytes in a session id or CSRF token (hex-encoded, twice as many
/// characters).
const TOKEN_BYTES: usize = 32;

/// A fresh random token, hex-encoded.
pub(crate) fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether a presented secret equals the expected one, in constant time.
pub(crate) fn same_secret(presented: &str, expected: &str) -> bool {
    presented.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// One signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    /// Who signed in.
    pub(crate) identity: AdminIdentity,
    /// The token every state-changing form of this session must carry.
    pub(crate) csrf: String,
    expires: Instant,
}

impl Session {
    /// Whether `presented` is this session's CSRF token.
    pub(crate) fn csrf_matches(&self, presented: &str) -> bool {
        same_secret(presented, &self.csrf)
    }
}

/// The signed-in sessions of this process.
#[derive(Debug)]
pub struct Sessions {
    lifetime: Duration,
    by_id: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// An empty table whose sessions last `lifetime` from sign-in.
    pub fn new(lifetime: Duration) -> Sessions {
        Sessions {
            lifetime,
            by_id: Mutex::new(HashMap::new()),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // The table holds no invariant a panicking holder could break halfway.
        self.by_id.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a session for `identity`; returns its id. Expired sessions are
    /// dropped here, so the table holds live sessions only.
    pub(crate) fn start(
        &self,
        identity: AdminIdentity,
        now: Instant,
    ) -> Result<String, getrandom::Error> {
        let id = random_token()?;
        let session = Session {
            identity,
            csrf: random_token()?,
            expires: now + self.lifetime,
        };
        let mut table = self.table();
        table.retain(|_, s| s.expires > now);
        table.insert(id.clone(), session);
        Ok(id)
    }

    /// The live session with this id.
    pub(crate) fn get(&self, id: &str, now: Instant) -> Option<Session> {
        let mut table = self.table();
        match table.get(id) {
            Some(s) if s.expires > now => Some(s.clone()),
            Some(_) => {
                table.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends the session with this id (signing out); unknown ids are ignored.
    pub(crate) fn end(&self, id: &str) {
        self.table().remove(id);
    }

    /// How many sessions the table holds (live or not yet swept).
    pub fn len(&self) -> usize {
        self.table().len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use provisioning::{Actor, AdminCredential};
    use scim_http::AdminReach;

    use super::*;

    fn operator() -> AdminIdentity {
        AdminIdentity {
            reach: AdminReach::AllTenants,
            actor: Actor::Admin {
                credential: AdminCredential::OperatorToken,
                on_behalf_of: None,
            },
        }
    }

    #[test]
    fn a_session_lives_until_its_lifetime_is_over() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let id = sessions.start(operator(), t0).unwrap();
        assert_eq!(
            sessions
                .get(&id, t0 + Duration::from_secs(59))
                .unwrap()
                .identity,
            operator()
        );
        assert!(sessions.get(&id, t0 + Duration::from_secs(60)).is_none());
        assert!(
            sessions.is_empty(),
            "an expired session is dropped when seen"
        );
    }

    #[test]
    fn sign_out_ends_only_that_session() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let a = sessions.start(operator(), t0).unwrap();
        let b = sessions.start(operator(), t0).unwrap();
        assert_ne!(a, b);
        sessions.end(&a);
        assert!(sessions.get(&a, t0).is_none());
        assert!(sessions.get(&b, t0).is_some());
    }

    #[test]
    fn starting_a_session_sweeps_expired_ones() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let t0 = Instant::now();
        sessions.start(operator(), t0).unwrap();
        sessions
            .start(operator(), t0 + Duration::from_secs(61))
            .unwrap();
        assert_eq!(sessions.len(), 1);
    }

    #[test]
    fn session_ids_carry_256_random_bits() {
        // 32 bytes from the operating system, hex: 64 characters of 0-9a-f.
        const { assert!(TOKEN_BYTES * 8 >= 128) };
        let ids: Vec<String> = (0..64).map(|_| random_token().unwrap()).collect();
        for id in &ids {
            assert_eq!(id.len(), 2 * TOKEN_BYTES);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
        }
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        // Every hex digit turns up in each position's share: no byte is fixed.
        let joined: String = ids.concat();
        assert!(
            b"0123456789abcdef"
                .iter()
                .all(|d| joined.as_bytes().contains(d))
        );
    }

    #[test]
    fn each_session_has_its_own_csrf_token() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let a = sessions
            .get(&sessions.start(operator(), t0).unwrap(), t0)
            .unwrap();
        let b = sessions
            .get(&sessions.start(operator(), t0).unwrap(), t0)
            .unwrap();
        assert_eq!(a.csrf.len(), 2 * TOKEN_BYTES);
        assert!(a.csrf_matches(&a.csrf.clone()));
        assert!(!a.csrf_matches(&b.csrf));
        assert!(!a.csrf_matches(""));
    }
}
