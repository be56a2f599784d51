//! How far a long use case has got, readable from another thread while it runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A progress figure shared between the use case that advances it and whoever
/// reports it (a job's status resource). Cheap to clone; clones share the figure.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    done: AtomicU64,
    total: AtomicU64,
}

impl Progress {
    /// Starts over with `total` units of work (a re-run transaction starts again).
    pub fn start(&self, total: u64) {
        self.counts.done.store(0, Ordering::Relaxed);
        self.counts.total.store(total, Ordering::Relaxed);
    }

    /// Records `n` more units done.
    pub fn advance(&self, n: u64) {
        self.counts.done.fetch_add(n, Ordering::Relaxed);
    }

    /// `(done, total)` so far. `done` may pass `total` when work was added
    /// while it ran (users created during a save).
    pub fn get(&self) -> (u64, u64) {
        (
            self.counts.done.load(Ordering::Relaxed),
            self.counts.total.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn clones_share_the_figure_and_start_resets_it() {
        let progress = Progress::default();
        let reporter = progress.clone();
        progress.start(10);
        progress.advance(4);
        assert_eq!(reporter.get(), (4, 10));
        progress.start(12);
        assert_eq!(reporter.get(), (0, 12));
    }
}
