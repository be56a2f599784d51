//! The process's metrics recorder: the Prometheus text exporter, installed
//! once, whose rendering `GET /metrics` serves (`scim_http::metrics`).

use std::sync::{Arc, OnceLock};

use anyhow::Context;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request durations' histogram buckets, in seconds: from a cached read to a
/// rule save over a large tenant.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder as the process's global one (once) and
/// gives what renders it.
pub(crate) fn install() -> anyhow::Result<scim_http::metrics::Render> {
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
    Ok(Arc::new(move || handle.render()))
}
