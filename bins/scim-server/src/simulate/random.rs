//! A small seeded generator (SplitMix64): the simulator's data must be the
//! same on every run with the same seed, and needs no cryptographic quality.

#[derive(Debug, Clone)]
pub(crate) struct Random {
    state: u64,
}

impl Random {
    pub(crate) fn new(seed: u64) -> Random {
        Random { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`0` when `bound` is 0).
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        let bound = u64::try_from(bound).unwrap_or(u64::MAX);
        if bound == 0 {
            return 0;
        }
        usize::try_from(self.next() % bound).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::Random;

    #[test]
    fn a_seed_gives_one_sequence_within_bounds() {
        let mut a = Random::new(42);
        let mut b = Random::new(42);
        let drawn: Vec<usize> = (0..100).map(|_| a.below(7)).collect();
        assert_eq!(drawn, (0..100).map(|_| b.below(7)).collect::<Vec<_>>());
        assert!(drawn.iter().all(|&n| n < 7));
        // All values appear: not stuck on one.
        assert_eq!(
            drawn
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            7
        );
        assert_eq!(Random::new(1).below(0), 0);
    }
}
