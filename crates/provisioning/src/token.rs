//! Bearer tokens: generated from the operating system's randomness, shown once,
//! stored only as a SHA-256 hash with a short non-secret prefix, and compared in
//! constant time.
//!
//! A token looks like `scim_` followed by 43 base62 characters (about 256 bits of
//! entropy). Because tokens are long random secrets, a plain SHA-256 is the
//! right hash: there is nothing for a slow password hash to protect against.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Every SCIM token starts with this, so a leaked one is recognisable in logs and scanners.
pub const TOKEN_PREFIX: &str = "scim_";
/// Every admin token starts with this: recognisable, and told from a SCIM token at a glance.
pub const ADMIN_TOKEN_PREFIX: &str = "scimadm_";
/// Random characters after the prefix kept in the token's non-secret identifier.
const IDENTIFIER_RANDOM_CHARS: usize = 7;
/// Characters of a SCIM token kept as its non-secret identifier (the `scim_` part included).
pub const IDENTIFIER_LEN: usize = TOKEN_PREFIX.len() + IDENTIFIER_RANDOM_CHARS;
const SECRET_CHARS: usize = 43;
const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A freshly issued token: the secret is returned to the caller once and never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The full token, to show to the operator once.
    pub secret: String,
    /// Its first characters, stored to tell tokens apart in listings and logs.
    pub identifier: String,
    /// SHA-256 of the full token, hex-encoded: what the store keeps.
    pub hash: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("identifier", &self.identifier)
            .finish_non_exhaustive()
    }
}

/// Generates a new SCIM token.
pub fn issue() -> Result<IssuedToken, getrandom::Error> {
    issue_with_prefix(TOKEN_PREFIX)
}

/// Generates a new admin token.
pub fn issue_admin() -> Result<IssuedToken, getrandom::Error> {
    issue_with_prefix(ADMIN_TOKEN_PREFIX)
}

fn issue_with_prefix(prefix: &str) -> Result<IssuedToken, getrandom::Error> {
    let mut secret = String::with_capacity(prefix.len() + SECRET_CHARS);
    secret.push_str(prefix);
    let mut buf = [0u8; 64];
    while secret.len() < prefix.len() + SECRET_CHARS {
        getrandom::fill(&mut buf)?;
        // Rejection sampling keeps the characters uniform: 248 = 4 * 62.
        for b in buf.iter().filter(|b| **b < 248) {
            if secret.len() == prefix.len() + SECRET_CHARS {
                break;
            }
            secret.push(char::from(ALPHABET[usize::from(*b % 62)]));
        }
    }
    Ok(IssuedToken {
        identifier: identifier(&secret),
        hash: hash(&secret),
        secret,
    })
}

/// The non-secret identifier of a token: its prefix and the first random
/// characters (any presented string has one, whatever its shape).
pub fn identifier(secret: &str) -> String {
    let prefix = if secret.starts_with(ADMIN_TOKEN_PREFIX) {
        ADMIN_TOKEN_PREFIX
    } else {
        TOKEN_PREFIX
    };
    secret
        .chars()
        .take(prefix.len() + IDENTIFIER_RANDOM_CHARS)
        .collect()
}

/// SHA-256 of a token, hex-encoded.
pub fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}

/// Whether `presented` hashes to `stored_hash`, compared in constant time.
pub fn verify(presented: &str, stored_hash: &str) -> bool {
    hashes_match(&hash(presented), stored_hash)
}

/// Whether two token hashes are equal, compared in constant time: checking one
/// presented token against several stored ones hashes it once.
pub fn hashes_match(presented_hash: &str, stored_hash: &str) -> bool {
    presented_hash
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_differ() {
        let a = issue().unwrap();
        let b = issue().unwrap();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), TOKEN_PREFIX.len() + SECRET_CHARS);
        assert!(a.secret.starts_with(TOKEN_PREFIX));
        assert!(
            a.secret[TOKEN_PREFIX.len()..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric())
        );
        assert_eq!(a.identifier, &a.secret[..IDENTIFIER_LEN]);
        assert!(verify(&a.secret, &a.hash));
        assert!(!verify(&b.secret, &a.hash));
        assert!(!verify("", &a.hash));
        assert!(
            !format!("{a:?}").contains(&a.secret),
            "Debug must not print the secret"
        );
    }

    #[test]
    fn admin_tokens_have_their_own_prefix_and_identifier() {
        let a = issue_admin().unwrap();
        assert!(a.secret.starts_with(ADMIN_TOKEN_PREFIX));
        assert_eq!(a.secret.len(), ADMIN_TOKEN_PREFIX.len() + SECRET_CHARS);
        assert_eq!(a.identifier, &a.secret[..ADMIN_TOKEN_PREFIX.len() + 7]);
        assert_eq!(identifier(&a.secret), a.identifier);
        assert_eq!(identifier("short"), "short");
    }

    #[test]
    fn secrets_carry_at_least_128_bits_of_entropy() {
        // 43 characters drawn uniformly from 62: 43 * log2(62) = 256 bits.
        let bits = SECRET_CHARS as f64 * (ALPHABET.len() as f64).log2();
        assert!(bits >= 128.0, "{bits}");
        assert_eq!(ALPHABET.len(), 62);
        // Uniform draws: every character turns up about equally often over many
        // tokens of both kinds. Chi-square with 61 degrees of freedom has mean 61
        // and standard deviation 11; 150 is 8 deviations out (a generator with
        // modulo bias, `b % 62` without the rejection, scores about 500).
        const TOKENS: usize = 2000;
        let mut counts = [0u64; 62];
        for i in 0..TOKENS {
            let token = if i % 2 == 0 { issue() } else { issue_admin() }.unwrap();
            let prefix = if i % 2 == 0 {
                TOKEN_PREFIX
            } else {
                ADMIN_TOKEN_PREFIX
            };
            let random = &token.secret[prefix.len()..];
            assert_eq!(random.len(), SECRET_CHARS);
            for b in random.bytes() {
                let at = ALPHABET.iter().position(|a| *a == b).unwrap();
                counts[at] += 1;
            }
        }
        let expected = (TOKENS * SECRET_CHARS) as f64 / 62.0;
        let chi_square: f64 = counts
            .iter()
            .map(|c| (*c as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi_square < 150.0, "chi-square {chi_square:.1}: {counts:?}");
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
