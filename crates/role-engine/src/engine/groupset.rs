//! Group sets for decisions: the bit set of a user's memberships in the groups
//! a rule set names, and the hasher of the group-id tables that fill it.

use std::hash::{BuildHasherDefault, Hasher};

/// Hashing for group-id tables, which every decision probes once per group of
/// the user: a multiply-rotate hash over 8-byte words, several times faster
/// than the default SipHash on 36-character ids. Flood resistance buys nothing
/// here: the tables hold only the ids a rule set names, so crafted lookups can
/// at worst walk the probe sequences of those few keys.
pub(crate) type IdHash = BuildHasherDefault<IdHasher>;

/// See [`IdHash`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A set of group slots. Most tenants map fewer than 128 groups, which fit in
/// one word pair without allocating.
#[derive(Debug, Clone)]
pub(crate) enum Bits {
    Small(u128),
    Large(Vec<u64>),
}

impl Bits {
    pub(crate) fn with_slots(slots: usize) -> Bits {
        if slots <= 128 {
            Bits::Small(0)
        } else {
            Bits::Large(vec![0; slots.div_ceil(64)])
        }
    }

    pub(crate) fn set(&mut self, slot: u32) {
        match self {
            Bits::Small(word) => {
                if slot < 128 {
                    *word |= 1 << slot;
                }
            }
            Bits::Large(words) => {
                if let Some(word) = words.get_mut((slot / 64) as usize) {
                    *word |= 1 << (slot % 64);
                }
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        match self {
            Bits::Small(word) => *word = 0,
            Bits::Large(words) => words.fill(0),
        }
    }

    pub(crate) fn has(&self, slot: u32) -> bool {
        match self {
            Bits::Small(word) => slot < 128 && word & (1 << slot) != 0,
            Bits::Large(words) => words
                .get((slot / 64) as usize)
                .is_some_and(|w| w & (1 << (slot % 64)) != 0),
        }
    }
}
