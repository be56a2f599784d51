//! The text form of every cursor the store hands out: hex-encoded JSON, opaque
//! to clients and safe in a URL without escaping.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StoreError;

/// Longer texts are refused before decoding.
const MAX_LEN: usize = 4_096;

/// `value` as a cursor.
pub(crate) fn encode(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    json.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The value of a cursor made by [`encode`]; [`StoreError::InvalidCursor`] for
/// any other text.
pub(crate) fn decode<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    let bad = || StoreError::InvalidCursor("not a cursor of this server".to_owned());
    if text.len() > MAX_LEN || !text.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_other_texts_are_refused() {
        let text = encode(&("alice", 7));
        assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            decode::<(String, i32)>(&text).ok(),
            Some(("alice".into(), 7))
        );
        for bad in ["", "zz", "abc", "7b", &"00".repeat(3_000)] {
            assert!(
                matches!(
                    decode::<(String, i32)>(bad),
                    Err(StoreError::InvalidCursor(_))
                ),
                "{bad}"
            );
        }
    }
}
