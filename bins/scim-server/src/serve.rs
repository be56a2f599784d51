//! `serve`: the HTTP server, with TLS when given a certificate, graceful shutdown
//! on SIGINT/SIGTERM, and a first tenant created on an empty database once the
//! TLS settings have been read and the address bound (so a bad certificate or
//! a busy port is reported before anything is written or printed).

use std::fs::File;
use std::io::BufReader;
use std::sync::Arc;

use actix_web::{App, HttpServer};
use anyhow::Context;
use provisioning::Provisioning;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use scim_http::extract::BodyLimit;
use scim_http::{HttpConfig, ScimState, configure};

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
fn stop_on_signals(handle: &actix_web::dev::ServerHandle) {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    for (kind, name) in [
        (SignalKind::interrupt(), "SIGINT"),
        (SignalKind::terminate(), "SIGTERM"),
    ] {
        let handle = handle.clone();
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
                    let graceful = handle.clone();
                    actix_web::rt::spawn(async move { graceful.stop(true).await });
                    if received.recv().await.is_some() {
                        tracing::warn!("{name} received again: stopping without waiting");
                        handle.stop(false).await;
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for {name}"),
        }
    }
}

/// Elsewhere: Ctrl-C, gracefully.
#[cfg(not(unix))]
fn stop_on_signals(handle: &actix_web::dev::ServerHandle) {
    let handle = handle.clone();
    actix_web::rt::spawn(async move {
        if actix_web::rt::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received: graceful shutdown, finishing requests in flight");
            handle.stop(true).await;
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
        admin_token: args.admin_token.clone(),
        public_url: cli.public_url.clone(),
        ..HttpConfig::default()
    };
    if config.admin_token.is_none() {
        tracing::info!(
            "admin API disabled: set SCIM_ADMIN_TOKEN (or --admin-token) to enable /admin/v1"
        );
    }
    let state = ScimState {
        provisioning: provisioning.clone(),
        config,
    };
    let mut server = HttpServer::new(move || {
        App::new()
            .configure(configure(state.clone()))
            .default_service(actix_web::web::to(scim_http::not_found))
    })
    .shutdown_timeout(30)
    .disable_signals();
    if let Some(workers) = args.workers {
        server = server.workers(workers);
    }
    let server = match tls {
        Some(tls) => server.bind_rustls_0_23(args.bind, tls),
        None => server.bind(args.bind),
    }
    .with_context(|| format!("binding {}", args.bind))?;
    bootstrap(cli, &provisioning)?;
    tracing::info!(
        address = %args.bind,
        tls = args.tls_cert.is_some(),
        database = %crate::cli::redact(&cli.database_url()),
        "serving SCIM at {}",
        cli.tenant_url("{tenant}")
    );
    actix_web::rt::System::new()
        .block_on(async move {
            let server = server.run();
            stop_on_signals(&server.handle());
            server.await
        })
        .context("server stopped with an error")
}
