//! The SQLite WAL checkpointer: a background thread, so that commits never wait
//! for a checkpoint's copying.

use std::time::Duration;

use crate::conn::{Manager, unavailable};
use crate::dialect;
use crate::error::StoreError;
use crate::ticker::Ticker;

/// How often the background connection checkpoints the SQLite WAL. Often enough
/// that the writer's own (blocking) checkpoint rarely has anything left to copy;
/// an idle check costs next to nothing.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(10);

/// A thread that checkpoints the SQLite WAL every `CHECKPOINT_INTERVAL` on its
/// own connection, so that the writer's commits never wait for a checkpoint's
/// copying and `fsync`s; it stops when the store is dropped.
pub(crate) struct Checkpointer {
    _ticker: Ticker,
}

impl Checkpointer {
    pub(crate) fn start(manager: &Manager) -> Result<Checkpointer, StoreError> {
        let mut conn = manager.open().map_err(unavailable)?;
        let ticker = Ticker::start(
            "scim-store-checkpoint",
            "checkpoint",
            CHECKPOINT_INTERVAL,
            move || {
                // A failed checkpoint (e.g. busy) is retried at the next tick.
                let _ = dialect::checkpoint(&mut conn);
            },
        )?;
        Ok(Checkpointer { _ticker: ticker })
    }
}
