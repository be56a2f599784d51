//! The SQLite WAL checkpointer: a background thread, so that commits never wait
//! for a checkpoint's copying.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::conn::{Manager, unavailable};
use crate::dialect;
use crate::error::StoreError;

/// How often the background connection checkpoints the SQLite WAL. Often enough
/// that the writer's own (blocking) checkpoint rarely has anything left to copy;
/// an idle check costs next to nothing.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(10);

/// A thread that checkpoints the SQLite WAL every `CHECKPOINT_INTERVAL` on its
/// own connection, so that the writer's commits never wait for a checkpoint's
/// copying and `fsync`s; it stops when the store is dropped.
pub(crate) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub(crate) fn start(manager: &Manager) -> Result<Checkpointer, StoreError> {
        let mut conn = manager.open().map_err(unavailable)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("scim-store-checkpoint".to_owned())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_INTERVAL)
                {
                    // A failed checkpoint (e.g. busy) is retried at the next tick.
                    let _ = dialect::checkpoint(&mut conn);
                }
            })
            .map_err(|e| StoreError::Unavailable {
                message: format!("cannot start the checkpoint thread: {e}"),
                source: Some(Box::new(e)),
            })?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
