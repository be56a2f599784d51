//! The background event sequencer of PostgreSQL stores (see `tx::events`).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::conn::Pool;
use crate::error::StoreError;
use crate::ticker::Ticker;
use crate::tx::run::number_events_with;

/// How long after a commit that appended events the background sequencer numbers
/// them, at the latest.
const SEQUENCER_INTERVAL: Duration = Duration::from_millis(100);

/// A thread that numbers, every [`SEQUENCER_INTERVAL`], the events that this
/// process's committed transactions appended, so that the log stays close behind
/// the commits without waiting for a reader. Other processes number their own; a
/// process that dies first leaves its events to the next reader's run. Stops when
/// the store is dropped.
pub(crate) struct Sequencer {
    pending: Arc<Mutex<BTreeSet<String>>>,
    _ticker: Ticker,
}

impl Sequencer {
    pub(crate) fn start(pool: Pool) -> Result<Sequencer, StoreError> {
        let pending: Arc<Mutex<BTreeSet<String>>> = Arc::default();
        let queue = Arc::clone(&pending);
        let ticker = Ticker::start(
            "scim-store-sequencer",
            "sequencer",
            SEQUENCER_INTERVAL,
            move || {
                let tenants =
                    std::mem::take(&mut *queue.lock().unwrap_or_else(PoisonError::into_inner));
                for tenant in tenants {
                    if number_events_with(&pool, &tenant).is_err() {
                        // Retried at the next tick (a reader's run covers it too).
                        queue
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(tenant);
                    }
                }
            },
        )?;
        Ok(Sequencer {
            pending,
            _ticker: ticker,
        })
    }

    /// Queues tenants whose events a commit left unnumbered.
    pub(crate) fn note(&self, tenants: Vec<String>) {
        if !tenants.is_empty() {
            self.pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(tenants);
        }
    }
}
