//! Standard Webhooks signatures: secrets are `whsec_` and the base64 of 24
//! random bytes; a signature is `v1,` and the base64 of HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}` keyed with the secret's bytes.
//! Several signatures (during a secret rotation) go space-separated in one
//! `webhook-signature` header; a receiver accepts the message if any matches.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The prefix of a signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Bytes of a new secret's key (192 bits, as the convention's examples use).
const KEY_BYTES: usize = 24;

/// A new random signing secret.
pub(crate) fn new_secret() -> Result<String, getrandom::Error> {
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key)?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(key)))
}

/// The key of a `whsec_` secret. A stored secret is always one this module
/// made; one that does not decode signs with its text's bytes, so delivery
/// never stops over it (receivers would then refuse it, visibly).
fn key_of(secret: &str) -> Vec<u8> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD
        .decode(encoded)
        .unwrap_or_else(|_| encoded.as_bytes().to_vec())
}

/// One `v1,<base64>` signature of a message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key_of(secret)) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header value: one signature per secret, the
/// current one first.
pub(crate) fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|s| sign(s, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn every_part_of_the_message_is_signed() {
        let secret = new_secret().unwrap();
        let base = sign(&secret, "id", 1, "{}");
        assert_ne!(base, sign(&secret, "id2", 1, "{}"));
        assert_ne!(base, sign(&secret, "id", 2, "{}"));
        assert_ne!(base, sign(&secret, "id", 1, "{ }"));
        assert_ne!(base, sign(&new_secret().unwrap(), "id", 1, "{}"));
    }

    #[test]
    fn secrets_are_prefixed_random_keys() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(key_of(&a).len(), KEY_BYTES);
    }

    #[test]
    fn a_rotation_sends_both_signatures() {
        let header = signature_header(&["whsec_bmV3", "whsec_b2xk"], "m", 5, "x");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(
            parts,
            [
                sign("whsec_bmV3", "m", 5, "x"),
                sign("whsec_b2xk", "m", 5, "x")
            ]
        );
    }
}
