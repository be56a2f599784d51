//! A background thread that does one thing at a fixed interval until its owner
//! is dropped: the WAL checkpointer and the event sequencer.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::{StoreError, Unavailability};

/// A thread running `tick` every interval; dropping it stops and joins the thread.
pub(crate) struct Ticker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts thread `name`, which runs `tick` every `interval`; `what` names it in
    /// the error when the thread cannot start.
    pub(crate) fn start(
        name: &str,
        what: &str,
        interval: Duration,
        mut tick: impl FnMut() + Send + 'static,
    ) -> Result<Ticker, StoreError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    tick();
                }
            })
            .map_err(|e| StoreError::Unavailable {
                reason: Unavailability::Busy,
                message: format!("cannot start the {what} thread: {e}"),
                source: Some(Box::new(e)),
            })?;
        Ok(Ticker {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
