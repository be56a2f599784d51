//! `serve`: the HTTP server, with TLS when given a certificate, graceful shutdown
//! on SIGINT/SIGTERM, and a first tenant created on an empty database.

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

fn tls_config(args: &ServeArgs) -> anyhow::Result<Option<rustls::ServerConfig>> {
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

pub(crate) fn serve(cli: &Cli, args: &ServeArgs, provisioning: Provisioning) -> anyhow::Result<()> {
    bootstrap(cli, &provisioning)?;
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
        provisioning,
        config,
    };
    let tls = tls_config(args)?;
    let mut server = HttpServer::new(move || {
        App::new()
            .configure(configure(state.clone()))
            .default_service(actix_web::web::to(scim_http::not_found))
    })
    .shutdown_timeout(30);
    if let Some(workers) = args.workers {
        server = server.workers(workers);
    }
    let server = match tls {
        Some(tls) => server.bind_rustls_0_23(args.bind, tls),
        None => server.bind(args.bind),
    }
    .with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(
        address = %args.bind,
        tls = args.tls_cert.is_some(),
        database = %crate::cli::redact(&cli.database_url()),
        "serving SCIM at {}",
        cli.tenant_url("{tenant}")
    );
    actix_web::rt::System::new()
        .block_on(server.run())
        .context("server stopped with an error")
}
