//! The process's metrics recorder: the Prometheus text exporter, installed
//! once, whose rendering `GET /metrics` serves (`scim_http::metrics`), and the
//! store's gauges (pool use, the SQLite WAL's size), read at each scrape: they
//! cost a lock and a `stat`, so a scrape shows them as they are, with no
//! thread to keep them fresh in between.

use std::sync::{Arc, OnceLock};

use anyhow::Context;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use provisioning::Provisioning;
use scim_store::Store;

/// Request durations' histogram buckets, in seconds: from a cached read to a
/// rule save over a large tenant.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Connections of a pool, by `pool` and `state` (`in_use`, `idle`).
pub(crate) const POOL_CONNECTIONS: &str = "scim_db_pool_connections";
/// The most connections a pool opens, by `pool`.
pub(crate) const POOL_MAX: &str = "scim_db_pool_max_connections";
/// The SQLite write-ahead log's size in bytes (SQLite only).
pub(crate) const WAL_BYTES: &str = "scim_sqlite_wal_bytes";

/// Installs the Prometheus recorder as the process's global one (once) and
/// gives what renders it, with `store`'s gauges as they are at that moment.
pub(crate) fn install(provisioning: Provisioning) -> anyhow::Result<scim_http::metrics::Render> {
    let handle = match HANDLE.get() {
        Some(handle) => handle.clone(),
        None => {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(scim_http::metrics::DURATION.to_owned()),
                    &DURATION_BUCKETS,
                )
                .context("histogram buckets")?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).context("installing the metrics recorder")?;
            HANDLE.get_or_init(|| handle).clone()
        }
    };
    Ok(Arc::new(move || {
        record_store(provisioning.store());
        handle.render()
    }))
}

/// Sets the store's gauges to what it reports now.
fn record_store(store: &Store) {
    for pool in store.pool_use() {
        let name = pool.pool;
        metrics::gauge!(POOL_CONNECTIONS, "pool" => name, "state" => "in_use")
            .set(f64::from(pool.in_use));
        metrics::gauge!(POOL_CONNECTIONS, "pool" => name, "state" => "idle")
            .set(f64::from(pool.idle));
        metrics::gauge!(POOL_MAX, "pool" => name).set(f64::from(pool.max));
    }
    match store.wal_size() {
        // Gauges are floats: exact up to 2^53 bytes.
        Some(Ok(bytes)) => metrics::gauge!(WAL_BYTES).set(bytes as f64),
        // The gauge keeps its last value; the log says why it is stale.
        Some(Err(error)) => tracing::warn!(%error, "cannot read the SQLite WAL's size"),
        None => {}
    }
}
