//! The background event sequencer of PostgreSQL stores (see `tx::events`).

use std::collections::BTreeSet;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::conn::Pool;
use crate::error::StoreError;
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
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sequencer {
    pub(crate) fn start(pool: Pool) -> Result<Sequencer, StoreError> {
        let pending: Arc<Mutex<BTreeSet<String>>> = Arc::default();
        let (stop, stopped) = mpsc::channel::<()>();
        let queue = Arc::clone(&pending);
        let thread = std::thread::Builder::new()
            .name("scim-store-sequencer".to_owned())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(SEQUENCER_INTERVAL)
                {
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
                }
            })
            .map_err(|e| StoreError::Unavailable {
                message: format!("cannot start the sequencer thread: {e}"),
                source: Some(Box::new(e)),
            })?;
        Ok(Sequencer {
            pending,
            stop: Some(stop),
            thread: Some(thread),
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

impl Drop for Sequencer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
