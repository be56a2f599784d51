//! `serve`: the HTTP server, with TLS when given a certificate, the admin API
//! on its own listener when given `--admin-bind`, graceful shutdown on
//! SIGINT/SIGTERM, and a first tenant created on an empty database once the
//! TLS settings have been read and the addresses bound (so a bad certificate or
//! a busy port is reported before anything is written or printed).

use std::fs::File;
use std::io::BufReader;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer};
use anyhow::Context;
use provisioning::Provisioning;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use scim_console::Console;
use scim_http::extract::{BodyLimit, BodyTimeout};
use scim_http::{HttpConfig, ScimState, configure_admin, configure_scim};

use crate::cli::{Cli, ServeArgs};

/// On first start, a tenant `default` and its token, printed once, so the single
/// run command is enough to point an identity provider at the server.
fn bootstrap(cli: &Cli, provisioning: &Provisioning) -> anyhow::Result<()> {
    if !provisioning.list_tenants()?.is_empty() {
        return Ok(());
    }
    let created = provisioning.create_tenant(&crate::operator(), "default", "Default tenant")?;
    println!("Created tenant 'default' on an empty database.");
    crate::print_credentials(cli, "default", &created.token.secret);
    println!("Paste both into Entra ID or Okta; rotate with `scim-server token rotate default`.");
    Ok(())
}

/// The TLS settings of `--tls-cert` / `--tls-key`, read and checked (`None`
/// without them).
pub(crate) fn tls_config(args: &ServeArgs) -> anyhow::Result<Option<rustls::ServerConfig>> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else {
        return Ok(None);
    };
    let certs = CertificateDer::pem_reader_iter(BufReader::new(
        File::open(cert).with_context(|| format!("opening {}", cert.display()))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .with_context(|| format!("reading certificates from {}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_reader(BufReader::new(
        File::open(key).with_context(|| format!("opening {}", key.display()))?,
    ))
    .with_context(|| format!("reading the private key from {}", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("TLS protocol versions")?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .context("TLS certificate and key do not match")?;
    Ok(Some(config))
}

/// Stops the server gracefully on SIGINT or SIGTERM: actix's own handling
/// stops at once on SIGINT ("forced shutdown"), cutting off requests in flight,
/// so both signals are handled here the same way. The handlers are installed
/// when this is called (inside the runtime, before the server runs), so no
/// signal arriving once the server answers can take the default action.
#[cfg(unix)]
fn stop_on_signals(handles: &[actix_web::dev::ServerHandle]) {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    for (kind, name) in [
        (SignalKind::interrupt(), "SIGINT"),
        (SignalKind::terminate(), "SIGTERM"),
    ] {
        let handles = handles.to_vec();
        match signal(kind) {
            Ok(mut received) => {
                actix_web::rt::spawn(async move {
                    if received.recv().await.is_none() {
                        return;
                    }
                    tracing::info!(
                        "{name} received: graceful shutdown, finishing requests in flight \
                         (send it again to stop at once)"
                    );
                    for graceful in handles.clone() {
                        actix_web::rt::spawn(async move { graceful.stop(true).await });
                    }
                    if received.recv().await.is_some() {
                        tracing::warn!("{name} received again: stopping without waiting");
                        for handle in &handles {
                            handle.stop(false).await;
                        }
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for {name}"),
        }
    }
}

/// Elsewhere: Ctrl-C, gracefully.
#[cfg(not(unix))]
fn stop_on_signals(handles: &[actix_web::dev::ServerHandle]) {
    let handles = handles.to_vec();
    actix_web::rt::spawn(async move {
        if actix_web::rt::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received: graceful shutdown, finishing requests in flight");
            for handle in &handles {
                handle.stop(true).await;
            }
        }
    });
}

pub(crate) fn serve(
    cli: &Cli,
    args: &ServeArgs,
    provisioning: Provisioning,
    tls: Option<rustls::ServerConfig>,
) -> anyhow::Result<()> {
    let config = HttpConfig {
        body_limit: BodyLimit(args.body_limit),
        body_timeout: BodyTimeout(Duration::from_secs(args.body_timeout_secs)),
        rate_limit: args.rate_limit(),
        concurrency: args.concurrency(),
        admin_token: args.admin_token.clone(),
        public_url: cli.public_url.clone(),
        trusted_proxies: args.trusted_proxies.clone(),
        ..HttpConfig::default()
    };
    if config.admin_token.is_none() {
        tracing::info!(
            "no operator token: only tenants' admin tokens open /admin/v1 (set SCIM_ADMIN_TOKEN or --admin-token for all tenants)"
        );
    }
    let state = ScimState::new(provisioning.clone()).with_config(config);
    let metrics = crate::metrics::install(provisioning.clone())?;
    let (scim, admin) = match args.admin_bind {
        None => (
            listen(
                &state,
                Routes::ScimAndAdmin,
                args,
                args.bind,
                tls,
                None,
                &metrics,
            )?,
            None,
        ),
        Some(address) => {
            // The console on the admin listener shows Tenant URLs of the SCIM one.
            let scim_origin = cli.scim_origin();
            let admin = listen(
                &state,
                Routes::Admin,
                args,
                address,
                tls.clone(),
                Some(scim_origin),
                &metrics,
            )?;
            tracing::info!(address = %address, "serving the admin API on its own listener");
            (
                listen(&state, Routes::Scim, args, args.bind, tls, None, &metrics)?,
                Some(admin),
            )
        }
    };
    bootstrap(cli, &provisioning)?;
    // Dropped when the servers have stopped: the last counts are written then.
    let _flusher = provisioning
        .start_connection_flusher(CONNECTION_FLUSH_INTERVAL)
        .context("starting the connection status writer")?;
    // Stopped (after the attempt in flight) when the servers have stopped.
    let _webhooks = crate::webhooks::start(&provisioning, args.webhooks.options())
        .context("starting the webhook delivery worker")?;
    tracing::info!(
        address = %args.bind,
        tls = args.tls_cert.is_some(),
        database = %crate::cli::redact(&cli.database_url()),
        "serving SCIM at {}",
        cli.tenant_url("{tenant}")
    );
    actix_web::rt::System::new()
        .block_on(async move {
            let handles: Vec<_> = std::iter::once(scim.handle())
                .chain(admin.as_ref().map(actix_web::dev::Server::handle))
                .collect();
            stop_on_signals(&handles);
            let admin = admin.map(actix_web::rt::spawn);
            scim.await?;
            if let Some(admin) = admin {
                admin.await.map_err(std::io::Error::other)??;
            }
            Ok::<(), std::io::Error>(())
        })
        .context("server stopped with an error")
}

/// How often the SCIM requests counted in memory are written to the store for
/// the tenants' connection status: one short transaction per interval.
const CONNECTION_FLUSH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// Which routes a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Routes {
    /// SCIM and the admin API (no `--admin-bind`).
    ScimAndAdmin,
    /// SCIM only (`--bind` when `--admin-bind` is given).
    Scim,
    /// The admin API only (`--admin-bind`).
    Admin,
}

/// Binds one listener serving `routes` (with TLS when configured; `/metrics`
/// where the admin API is); it stops when `stop_on_signals` tells it to, not
/// on actix's own signal handling.
fn listen(
    state: &ScimState,
    routes: Routes,
    args: &ServeArgs,
    address: SocketAddr,
    tls: Option<rustls::ServerConfig>,
    scim_origin: Option<String>,
    metrics: &scim_http::metrics::Render,
) -> anyhow::Result<actix_web::dev::Server> {
    let state = state.clone();
    let metrics = metrics.clone();
    // One console per listener that serves the admin API, built here so that
    // all of its workers share one session table.
    let console = (routes != Routes::Scim).then(|| {
        let console = Console::new(state.clone());
        match &scim_origin {
            Some(origin) => console.with_scim_origin(origin.clone()),
            None => console,
        }
    });
    let mut server = HttpServer::new(move || {
        let state = state.clone();
        let console = console.clone();
        let metrics = metrics.clone();
        App::new()
            .configure(move |cfg| {
                if routes != Routes::Admin {
                    configure_scim(state.clone())(cfg);
                }
                if routes != Routes::Scim {
                    scim_http::metrics::configure_metrics(&state, metrics)(cfg);
                    configure_admin(state)(cfg);
                }
                if let Some(console) = console {
                    scim_console::configure(console)(cfg);
                }
            })
            .default_service(actix_web::web::to(scim_http::not_found))
    })
    .shutdown_timeout(30)
    // A request head must arrive within this (actix times only a connection's
    // first request: later ones are bounded by the keep-alive timeout only
    // until their first byte); then 408 and, a second later at most, the
    // connection is closed even if the client reads nothing.
    .client_request_timeout(Duration::from_secs(args.header_timeout_secs))
    .client_disconnect_timeout(Duration::from_secs(1))
    .disable_signals();
    if let Some(workers) = args.workers {
        server = server.workers(workers);
    }
    let server = match tls {
        Some(tls) => server.bind_rustls_0_23(address, tls),
        None => server.bind(address),
    }
    .with_context(|| format!("binding {address}"))?;
    Ok(server.run())
}
