//! Writing the in-memory tally to the store: on demand, and every few seconds
//! on a thread of its own.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use scim_store::StoreError;

use super::status::first_hour;
use crate::error::Result;
use crate::service::Provisioning;

impl Provisioning {
    /// Writes the requests counted since the last flush to the store, in one
    /// transaction. On failure nothing is lost: the counts go back to memory
    /// for the next flush. Tenants deleted meanwhile are skipped.
    pub fn flush_connection_log(&self) -> Result<()> {
        let taken = self.connection_log.take();
        if taken.is_empty() {
            return Ok(());
        }
        let mut slugs: Vec<&String> = taken.keys().collect();
        slugs.sort();
        // The hours before those the status shows are of no more use.
        let prune_before = first_hour(self.now());
        let written = self.write(|tx| {
            for slug in &slugs {
                let Some(tenant) = tx.tenant_by_slug(slug)? else {
                    continue;
                };
                let batch = taken[*slug].batch(prune_before);
                match tx.tenant(&tenant.id).connection().add(&batch) {
                    // Deleted between the lookup and the write gate.
                    Err(StoreError::NotFound { .. }) => {}
                    other => other?,
                }
            }
            Ok(())
        });
        if written.is_err() {
            self.connection_log.restore(taken);
        }
        written
    }

    /// Flushes the connection log every `every` on a thread of its own until
    /// the returned guard is dropped, which flushes a last time (at shutdown).
    ///
    /// # Errors
    ///
    /// When the thread cannot be started.
    pub fn start_connection_flusher(&self, every: Duration) -> std::io::Result<ConnectionFlusher> {
        let (stop, stopped) = mpsc::channel::<()>();
        let provisioning = self.clone();
        let thread = std::thread::Builder::new()
            .name("connection-flusher".to_owned())
            .spawn(move || {
                loop {
                    let stopping =
                        !matches!(stopped.recv_timeout(every), Err(RecvTimeoutError::Timeout));
                    if let Err(error) = provisioning.flush_connection_log() {
                        // Kept in memory and retried at the next tick.
                        tracing::warn!(error = %error, "could not write the connection status");
                    }
                    if stopping {
                        break;
                    }
                }
            })?;
        Ok(ConnectionFlusher {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// The flushing thread of [`Provisioning::start_connection_flusher`]; dropping
/// it flushes a last time and joins the thread.
#[derive(Debug)]
pub struct ConnectionFlusher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for ConnectionFlusher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
