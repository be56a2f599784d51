//! `healthcheck`: asks a running server's `/healthz`, for container health
//! checks (the image has no curl or wget: the binary probes itself).

use std::process::ExitCode;
use std::time::Duration;

/// How long the probe waits for an answer; container runtimes kill slower
/// checks anyway.
const TIMEOUT: Duration = Duration::from_secs(5);

/// `SUCCESS` when `<url>/healthz` answers 200; otherwise says why on stderr.
pub(crate) fn check(url: &str) -> ExitCode {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    let probe = format!("{}/healthz", url.trim_end_matches('/'));
    match agent.get(&probe).call() {
        Ok(response) if response.status() == 200 => ExitCode::SUCCESS,
        Ok(response) => {
            eprintln!("unhealthy: GET {probe} answered {}", response.status());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("unhealthy: GET {probe}: {e}");
            ExitCode::FAILURE
        }
    }
}
