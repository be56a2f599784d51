//! Running a closure in a transaction: begin, commit or roll back, and re-run a
//! write transaction that the database gave up (see [`Store::write`](crate::Store::write)).

use std::time::Duration;

use super::events::number_pending;
use super::{ReadTx, TenantCache, Tx, WriteTx};
use crate::conn::Pool;
use crate::db::DbConnection;
use crate::dialect::{self, TxKind};
use crate::error::{StoreError, Unavailability};

/// Runs `f` in a read transaction on `conn`.
pub(crate) fn run_read<T, E: From<StoreError>>(
    conn: &mut DbConnection,
    tenant_cache: &TenantCache,
    f: impl FnOnce(&mut ReadTx<'_>) -> Result<T, E>,
) -> Result<T, E> {
    dialect::begin(conn, TxKind::Read).map_err(StoreError::from)?;
    let result = f(&mut ReadTx::new(Tx::new(conn, tenant_cache)));
    match result {
        Ok(value) => {
            dialect::commit(conn).map_err(StoreError::from)?;
            Ok(value)
        }
        Err(error) => {
            // A failed rollback leaves the connection marked broken; it is then
            // discarded (pool) or replaced (SQLite writer) before its next use.
            let _ = dialect::rollback(conn);
            Err(error)
        }
    }
}

/// Most runs of one write transaction that lost a conflict (see [`Store::write`]).
const MAX_ATTEMPTS: u32 = 8;

/// How one run of a write transaction ended.
pub(crate) enum Attempt<T, E> {
    /// Committed (`Ok`) or given up (`Err`); with the tenants whose events the
    /// commit left unnumbered.
    Finished(Result<T, E>, Vec<String>),
    /// The database gave the transaction up (deadlock, serialization failure):
    /// nothing of it was committed, and running it again may succeed. Holds what `f`
    /// returned.
    Conflicted(Result<T, E>),
}

/// Runs `attempt` until it finishes, at most [`MAX_ATTEMPTS`] times, pausing a
/// little longer after each conflict so that the winner can commit first.
pub(crate) fn retrying<T, E: From<StoreError>>(
    mut attempt: impl FnMut() -> Result<Attempt<T, E>, StoreError>,
) -> (Result<T, E>, Vec<String>) {
    let mut runs = 1;
    loop {
        match attempt() {
            Err(e) => return (Err(e.into()), Vec::new()),
            Ok(Attempt::Finished(result, appended)) => return (result, appended),
            Ok(Attempt::Conflicted(result)) if runs >= MAX_ATTEMPTS => {
                let error = match result {
                    Err(e) => e,
                    Ok(_) => StoreError::Unavailable {
                        reason: Unavailability::Busy,
                        message: format!("gave up after {runs} conflicting runs"),
                        source: None,
                    }
                    .into(),
                };
                return (Err(error), Vec::new());
            }
            Ok(Attempt::Conflicted(_)) => {
                std::thread::sleep(backoff(runs));
                runs += 1;
            }
        }
    }
}

/// A pause that grows with the number of runs and varies between threads, so that
/// two transactions that deadlocked do not meet again in lockstep.
fn backoff(runs: u32) -> Duration {
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_micros() % 1000);
    Duration::from_micros(u64::from(runs.min(6)) * 1000 + u64::from(jitter))
}

/// One run of a write transaction on `conn`.
pub(crate) fn run_write<T, E: From<StoreError>>(
    conn: &mut DbConnection,
    tenant_cache: &TenantCache,
    f: &mut impl FnMut(&mut WriteTx<'_>) -> Result<T, E>,
) -> Attempt<T, E> {
    if let Err(e) = dialect::begin(conn, TxKind::Write) {
        return Attempt::Finished(Err(StoreError::from(e).into()), Vec::new());
    }
    let mut write = WriteTx::new(Tx::new(conn, tenant_cache));
    let result = f(&mut write);
    let tx = write.into_inner();
    let conflicted = tx.conflicted();
    let appended = tx.into_appended();
    if conflicted {
        // Whatever `f` made of the failed statement, nothing of it may commit.
        let _ = dialect::rollback(conn);
        return Attempt::Conflicted(result);
    }
    match result {
        Ok(value) => match dialect::commit(conn) {
            Ok(()) => Attempt::Finished(Ok(value), appended),
            Err(e) => Attempt::Finished(Err(StoreError::from(e).into()), Vec::new()),
        },
        Err(error) => {
            // A failed rollback leaves the connection marked broken; it is then
            // discarded (pool) or replaced (SQLite writer) before its next use.
            let _ = dialect::rollback(conn);
            Attempt::Finished(Err(error), Vec::new())
        }
    }
}

/// One sequencer run (see `tx::events`) for one tenant, in its own transaction.
pub(crate) fn number_events_with(pool: &Pool, tenant_id: &str) -> Result<u64, StoreError> {
    retrying(|| {
        let mut conn = pool.get()?;
        // Numbering does not enter the tenant: no cache to share.
        Ok(run_write(
            &mut conn,
            &TenantCache::default(),
            &mut |tx: &mut WriteTx<'_>| number_pending(tx.raw(), tenant_id),
        ))
    })
    .0
}
