//! Command line and environment: every setting is a flag with an environment
//! variable of the same meaning (`--database-url` / `SCIM_DATABASE_URL`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use scim_http::extract::BodyTimeout;
use scim_http::forwarded::TrustedProxy;
use scim_http::{ConcurrencyLimit, RateLimit};

/// The SCIM 2.0 provisioning server and role-assignment engine.
#[derive(Debug, Clone, Parser)]
#[command(version, about, long_about = None)]
pub(crate) struct Cli {
    /// Database: `sqlite://path/to/file.db` or `postgres://user@host/db`.
    /// Default: a SQLite file in the data directory.
    #[arg(long, env = "SCIM_DATABASE_URL", global = true)]
    pub(crate) database_url: Option<String>,

    /// Database connections this process keeps at most (PostgreSQL; the readers
    /// of SQLite, which has one writer besides).
    #[arg(
        long,
        env = "SCIM_DB_POOL_SIZE",
        default_value_t = 8,
        value_parser = clap::value_parser!(u32).range(1..=1000),
        global = true
    )]
    pub(crate) db_pool_size: u32,

    /// Seconds a request waits for a database connection when all are in use
    /// before it is answered 503 with `Retry-After`. While the database is
    /// unreachable requests are answered at once, and the pool tries to
    /// reconnect at least every half of this.
    #[arg(
        long,
        env = "SCIM_DB_CONNECTION_TIMEOUT",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(1..=300),
        global = true
    )]
    pub(crate) db_connection_timeout: u64,

    /// Directory of the default SQLite database.
    #[arg(long, env = "SCIM_DATA_DIR", default_value = "data", global = true)]
    pub(crate) data_dir: PathBuf,

    /// Public origin of the server (`https://scim.example.com`), used in Tenant
    /// URLs, `meta.location` and `$ref`. Default: taken from each request's Host.
    #[arg(long, env = "SCIM_PUBLIC_URL", global = true)]
    pub(crate) public_url: Option<String>,

    /// Hours a rotated token keeps working next to its replacement.
    #[arg(
        long,
        env = "SCIM_TOKEN_OVERLAP_HOURS",
        default_value_t = 24,
        value_parser = overlap_hours(),
        global = true
    )]
    pub(crate) token_overlap_hours: i64,

    /// Log format.
    #[arg(
        long,
        env = "SCIM_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub(crate) log_format: LogFormat,

    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum Command {
    /// Serve SCIM and the admin API (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage a tenant's bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage a tenant's admin tokens (its part of the admin API).
    #[command(subcommand)]
    AdminToken(AdminTokenCommand),
    /// Work with rule sets.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Drive a running server as Entra ID or Okta does: Test Connection, an
    /// initial cycle, incremental cycles; then a summary.
    Simulate(SimulateArgs),
    /// Copy the SQLite database to PATH while the server runs (a consistent
    /// snapshot; PATH must not exist). For PostgreSQL use pg_dump.
    Backup {
        /// Where the copy goes (a new file).
        path: PathBuf,
    },
    /// Ask a running server's `/healthz` and exit 0 when it answers 200 (for
    /// container health checks: no curl needed in the image).
    Healthcheck {
        /// The server's origin.
        #[arg(
            long,
            env = "SCIM_HEALTHCHECK_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        url: String,
    },
}

/// The identity providers `simulate` can play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SimulatedIdp {
    /// Microsoft Entra ID (its compliant PATCH dialect when the URL ends in
    /// `?aadOptscim062020`).
    Entra,
    /// Okta.
    Okta,
}

impl SimulatedIdp {
    pub(crate) fn name(self) -> &'static str {
        match self {
            SimulatedIdp::Entra => "Entra ID",
            SimulatedIdp::Okta => "Okta",
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SimulateArgs {
    /// Which identity provider to play.
    #[arg(value_enum)]
    pub(crate) idp: SimulatedIdp,
    /// The Tenant URL (`http://127.0.0.1:8080/scim/v2/default`).
    #[arg(long)]
    pub(crate) url: String,
    /// The tenant's SCIM token (the Secret Token).
    #[arg(long, env = "SCIM_SIMULATE_TOKEN", hide_env_values = true)]
    pub(crate) token: String,
    /// People in the simulated directory.
    #[arg(long, default_value_t = 50)]
    pub(crate) users: usize,
    /// Groups pushed.
    #[arg(long, default_value_t = 5)]
    pub(crate) groups: usize,
    /// Incremental cycles after the initial one.
    #[arg(long, default_value_t = 2)]
    pub(crate) cycles: usize,
    /// Seed of the directory and of every change: the same seed, the same run.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// An admin token (the operator's or the tenant's), to count the resulting
    /// roles through the admin API.
    #[arg(long, env = "SCIM_ADMIN_TOKEN", hide_env_values = true)]
    pub(crate) admin_token: Option<String>,
    /// After the initial cycle, map the pushed groups to roles (App Admins to
    /// Admin, Managers to Manager, Contractors to Contractor, Employees to
    /// Employee) through the admin API, as a tenant admin would; needs
    /// `--admin-token`. It replaces the tenant's rules.
    #[arg(long)]
    pub(crate) map_groups: bool,
    /// The admin API's origin when it has its own listener (`--admin-bind`).
    /// Default: the Tenant URL's origin.
    #[arg(long)]
    pub(crate) admin_url: Option<String>,
}

impl SimulateArgs {
    /// The admin API base of the Tenant URL's tenant
    /// (`<origin>/admin/v1/tenants/<slug>`).
    pub(crate) fn admin_base(&self) -> anyhow::Result<String> {
        let url = self.url.split('?').next().unwrap_or_default();
        let Some((origin, rest)) = url.split_once("/scim/v2/") else {
            anyhow::bail!(
                "cannot find the tenant in --url '{}': a Tenant URL ends in /scim/v2/<tenant>",
                self.url
            );
        };
        let slug = rest.trim_end_matches('/');
        anyhow::ensure!(
            !slug.is_empty() && !slug.contains('/'),
            "cannot find the tenant in --url '{}': a Tenant URL ends in /scim/v2/<tenant>",
            self.url
        );
        let origin = self
            .admin_url
            .as_deref()
            .unwrap_or(origin)
            .trim_end_matches('/');
        Ok(format!("{origin}/admin/v1/tenants/{slug}"))
    }
}

impl Default for Command {
    fn default() -> Command {
        Command::Serve(ServeArgs::parse_from(["serve"]))
    }
}

#[derive(Debug, Clone, Parser)]
#[command(name = "serve")]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SCIM_BIND", default_value = "127.0.0.1:8080")]
    pub(crate) bind: SocketAddr,

    /// Serve the admin API on this address only (for example 127.0.0.1:9090),
    /// not on `--bind`. Default: both on `--bind`.
    #[arg(long, env = "SCIM_ADMIN_BIND")]
    pub(crate) admin_bind: Option<SocketAddr>,

    /// A proxy whose `X-Forwarded-Host`, `-Proto` and `-For` are believed, as a
    /// CIDR network or one address; repeatable (environment: comma-separated).
    /// Without it, forwarded headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "SCIM_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub(crate) trusted_proxies: Vec<TrustedProxy>,

    /// Largest request body, in bytes (a 1,000-member PATCH is about 80 KB).
    #[arg(long, env = "SCIM_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub(crate) body_limit: usize,

    /// PEM certificate chain: serve HTTPS directly (Entra ID only calls HTTPS).
    #[arg(long, env = "SCIM_TLS_CERT", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,

    /// PEM private key for `--tls-cert`.
    #[arg(long, env = "SCIM_TLS_KEY", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,

    /// Operator token that protects `/admin/v1`; without it the admin API is off.
    #[arg(long, env = "SCIM_ADMIN_TOKEN", hide_env_values = true)]
    pub(crate) admin_token: Option<String>,

    /// HTTP worker threads (default: one per CPU).
    #[arg(long, env = "SCIM_WORKERS")]
    pub(crate) workers: Option<usize>,

    /// Requests a second each tenant may send to the SCIM routes (beyond it,
    /// and its burst: 429 with Retry-After); 0 turns the limit off.
    #[arg(long, env = "SCIM_RATE_LIMIT", default_value_t = RateLimit::DEFAULT.per_second)]
    pub(crate) rate_limit: u32,

    /// Requests a tenant may send at once above `--rate-limit` after a quiet
    /// spell (the size of its token bucket).
    #[arg(
        long,
        env = "SCIM_RATE_BURST",
        default_value_t = RateLimit::DEFAULT.burst,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub(crate) rate_burst: u32,

    /// SCIM requests at work at once, all tenants together; more wait up to
    /// `--queue-wait-ms`, then get 503 with Retry-After. 0: no bound.
    #[arg(long, env = "SCIM_MAX_IN_FLIGHT", default_value_t = ConcurrencyLimit::DEFAULT_GLOBAL)]
    pub(crate) max_in_flight: usize,

    /// SCIM requests at work at once for one tenant; more wait up to
    /// `--queue-wait-ms`, then get 429 with Retry-After. 0: no bound.
    /// Default: the number of CPUs, at least 2.
    #[arg(
        long,
        env = "SCIM_MAX_IN_FLIGHT_PER_TENANT",
        default_value_t = ConcurrencyLimit::default_per_tenant()
    )]
    pub(crate) max_in_flight_per_tenant: usize,

    /// Milliseconds a SCIM request waits for a place before it is refused.
    #[arg(
        long,
        env = "SCIM_QUEUE_WAIT_MS",
        default_value_t = default_queue_wait_ms()
    )]
    pub(crate) queue_wait_ms: u64,

    /// Seconds a client has to send a request's head (on a new connection);
    /// a slower one gets 408 and is disconnected.
    #[arg(
        long,
        env = "SCIM_HEADER_TIMEOUT_SECS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub(crate) header_timeout_secs: u64,

    /// Seconds a client has to send a request's body; a slower one gets 408.
    #[arg(
        long,
        env = "SCIM_BODY_TIMEOUT_SECS",
        default_value_t = BodyTimeout::DEFAULT.0.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub(crate) body_timeout_secs: u64,

    #[command(flatten)]
    pub(crate) webhooks: crate::webhooks::WebhookArgs,
}

fn default_queue_wait_ms() -> u64 {
    u64::try_from(ConcurrencyLimit::DEFAULT_WAIT.as_millis()).unwrap_or(u64::MAX)
}

impl ServeArgs {
    /// The rate limit of `--rate-limit` and `--rate-burst`.
    pub(crate) fn rate_limit(&self) -> RateLimit {
        RateLimit {
            per_second: self.rate_limit,
            burst: self.rate_burst,
        }
    }

    /// The concurrency bound of `--max-in-flight`, `--max-in-flight-per-tenant`
    /// and `--queue-wait-ms`.
    pub(crate) fn concurrency(&self) -> ConcurrencyLimit {
        ConcurrencyLimit {
            global: self.max_in_flight,
            per_tenant: self.max_in_flight_per_tenant,
            wait: Duration::from_millis(self.queue_wait_ms),
        }
    }
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum TenantCommand {
    /// Create a tenant; prints its Tenant URL and a token once.
    Create {
        /// URL segment: lowercase letters, digits, dashes.
        slug: String,
        /// Name for humans.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List tenants with their Tenant URLs.
    List,
    /// Change a tenant's slug (its Tenant URL: the identity provider must be
    /// given the new one; tokens keep working) or display name.
    Rename {
        /// The tenant.
        slug: String,
        /// The new slug.
        #[arg(long = "to")]
        new_slug: Option<String>,
        /// The new name for humans.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Delete a tenant with all its users, groups, tokens and events. Asks for
    /// the slug again unless `--confirm <slug>` gives it.
    Delete {
        /// The tenant.
        slug: String,
        /// The slug again, to delete without being asked.
        #[arg(long)]
        confirm: Option<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum AdminTokenCommand {
    /// Issue an admin token for a tenant; prints it once.
    Create {
        /// The tenant.
        slug: String,
        /// Who or what will hold it; recorded with every change it makes.
        #[arg(long)]
        name: String,
    },
    /// List a tenant's admin tokens (never the secrets).
    List {
        /// The tenant.
        slug: String,
    },
    /// Revoke an admin token now, by id or by its prefix (`scimadm_xxxxxxx`).
    Revoke {
        /// The tenant.
        slug: String,
        /// Token id or prefix.
        token: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum TokenCommand {
    /// Issue a new token; the old ones keep working for the overlap, then stop.
    Rotate {
        /// The tenant.
        slug: String,
        /// Overlap in hours, 0 to 8760 (default: --token-overlap-hours).
        #[arg(long, value_parser = overlap_hours())]
        overlap_hours: Option<i64>,
    },
    /// Revoke a token now, by id or by its prefix (`scim_xxxxxxx`).
    Revoke {
        /// The tenant.
        slug: String,
        /// Token id or prefix.
        token: String,
        /// Revoke it even when it is the tenant's last working token (the
        /// identity provider then fails with 401 until it gets a new one).
        #[arg(long)]
        force: bool,
    },
    /// List a tenant's tokens (never the secrets).
    List {
        /// The tenant.
        slug: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum RulesCommand {
    /// Run a rule test file (TOML); exits non-zero when a case fails.
    Test {
        /// The file.
        file: PathBuf,
    },
    /// Save a tenant's rule set from a file (TOML, or JSON when it ends in
    /// `.json`), deciding every user again with a progress bar; `--dry-run`
    /// prints what would change instead.
    Apply {
        /// The tenant.
        slug: String,
        /// The rule set file.
        file: PathBuf,
        /// Preview only: print the counts by transition and the problems.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Token overlaps: whole hours from none to a year.
fn overlap_hours() -> clap::builder::RangedI64ValueParser<i64> {
    clap::value_parser!(i64).range(0..=24 * 365)
}

/// Where a printed Tenant URL's origin came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OriginSource {
    /// `--public-url` / `SCIM_PUBLIC_URL`.
    PublicUrl,
    /// The listen address (`--bind` / `SCIM_BIND`, or its default) and the
    /// scheme its TLS settings give.
    Bind {
        /// Whether the address listens on every interface (`0.0.0.0`, `::`),
        /// which no client can call by that name.
        unspecified: bool,
    },
}

impl std::fmt::Display for OriginSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OriginSource::PublicUrl => f.write_str("(Tenant URL from --public-url.)"),
            OriginSource::Bind { unspecified: false } => f.write_str(
                "(Tenant URL from the listen address, --bind / SCIM_BIND, and its TLS settings; \
                 behind a proxy or another host name, pass --public-url.)",
            ),
            OriginSource::Bind { unspecified: true } => f.write_str(
                "(Tenant URL from the listen address, which is every interface: clients cannot \
                 use it as it is; pass --public-url with the name they reach the server by.)",
            ),
        }
    }
}

impl Cli {
    /// The connection settings of `--db-pool-size` and `--db-connection-timeout`.
    pub(crate) fn store_options(&self) -> scim_store::StoreOptions {
        scim_store::StoreOptions {
            max_connections: self.db_pool_size,
            connection_timeout: std::time::Duration::from_secs(self.db_connection_timeout),
            ..scim_store::StoreOptions::default()
        }
    }

    pub(crate) fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("scim.sqlite3").display()))
    }

    /// The Tenant URL an identity provider is given.
    pub(crate) fn tenant_url(&self, slug: &str) -> String {
        self.tenant_url_and_source(slug).0
    }

    /// The Tenant URL and where its origin came from: `--public-url`, else the
    /// server's configured listen address and TLS (the `serve` flags, or for
    /// other commands the same settings from the environment).
    pub(crate) fn tenant_url_and_source(&self, slug: &str) -> (String, OriginSource) {
        let (origin, source) = self.scim_origin_and_source();
        (format!("{origin}/scim/v2/{slug}"), source)
    }

    /// The origin of the Tenant URLs (`https://host[:port]`, no path).
    pub(crate) fn scim_origin(&self) -> String {
        self.scim_origin_and_source().0
    }

    fn scim_origin_and_source(&self) -> (String, OriginSource) {
        let configured;
        let serve = match &self.command {
            Some(Command::Serve(args)) => args,
            _ => {
                configured = ServeArgs::parse_from(["serve"]);
                &configured
            }
        };
        match &self.public_url {
            Some(url) => (
                url.trim_end_matches('/').to_owned(),
                OriginSource::PublicUrl,
            ),
            None => (
                origin_of(serve),
                OriginSource::Bind {
                    unspecified: serve.bind.ip().is_unspecified(),
                },
            ),
        }
    }
}

fn origin_of(args: &ServeArgs) -> String {
    let scheme = if args.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{}", args.bind)
}

/// A database URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Sets up `tracing`: `RUST_LOG` filters (default `info`), text or JSON lines,
/// on stderr; colours only when stderr is a terminal (escape codes would end up
/// verbatim in files and log collectors).
pub(crate) fn init_logging(format: &LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_database_urls() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/scim"),
            "postgres://app:***@db:5432/scim"
        );
        assert_eq!(redact("postgres://app@db/scim"), "postgres://app@db/scim");
        assert_eq!(
            redact("sqlite://data/scim.sqlite3"),
            "sqlite://data/scim.sqlite3"
        );
    }

    #[test]
    fn trusted_proxies_repeat_and_are_checked() {
        let cli = Cli::parse_from([
            "scim-server",
            "serve",
            "--trusted-proxy",
            "10.0.0.0/8",
            "--trusted-proxy",
            "::1",
            "--admin-bind",
            "127.0.0.1:9090",
        ]);
        let Some(Command::Serve(args)) = cli.command else {
            panic!("serve expected");
        };
        let shown: Vec<String> = args
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["10.0.0.0/8", "::1/128"]);
        assert_eq!(args.admin_bind, Some("127.0.0.1:9090".parse().unwrap()));
        let bad = Cli::try_parse_from(["scim-server", "serve", "--trusted-proxy", "10.0.0.1/8"])
            .unwrap_err()
            .to_string();
        assert!(bad.contains("10.0.0.0/8"), "{bad}");
    }

    #[test]
    fn no_subcommand_means_serve_with_defaults() {
        let cli = Cli::parse_from(["scim-server"]);
        assert!(cli.command.is_none());
        assert_eq!(cli.database_url(), "sqlite://data/scim.sqlite3");
        assert_eq!(
            cli.tenant_url("default"),
            "http://127.0.0.1:8080/scim/v2/default"
        );
        let cli = Cli::parse_from([
            "scim-server",
            "--public-url",
            "https://scim.example.com/",
            "tenant",
            "list",
        ]);
        assert_eq!(
            cli.tenant_url("acme"),
            "https://scim.example.com/scim/v2/acme"
        );
    }

    #[test]
    fn tenant_urls_follow_the_serve_settings_and_say_where_from() {
        let cli = Cli::parse_from([
            "scim-server",
            "serve",
            "--bind",
            "10.0.0.5:9443",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
        ]);
        assert_eq!(
            cli.tenant_url_and_source("acme"),
            (
                "https://10.0.0.5:9443/scim/v2/acme".to_owned(),
                OriginSource::Bind { unspecified: false }
            )
        );
        let cli = Cli::parse_from(["scim-server", "serve", "--bind", "0.0.0.0:8080"]);
        let (_, source) = cli.tenant_url_and_source("acme");
        assert_eq!(source, OriginSource::Bind { unspecified: true });
        assert!(source.to_string().contains("--public-url"));
        let cli = Cli::parse_from(["scim-server", "--public-url", "https://x.example", "serve"]);
        assert_eq!(cli.tenant_url_and_source("a").1, OriginSource::PublicUrl);
    }

    #[test]
    fn the_admin_api_of_a_tenant_url() {
        let args = |url: &str, admin: Option<&str>| {
            let mut argv = vec![
                "scim-server",
                "simulate",
                "okta",
                "--url",
                url,
                "--token",
                "t",
            ];
            if let Some(admin) = admin {
                argv.extend(["--admin-url", admin]);
            }
            match Cli::parse_from(argv).command {
                Some(Command::Simulate(args)) => args,
                _ => panic!("simulate expected"),
            }
        };
        assert_eq!(
            args("http://h:8080/scim/v2/acme?aadOptscim062020", None)
                .admin_base()
                .unwrap(),
            "http://h:8080/admin/v1/tenants/acme"
        );
        assert_eq!(
            args("http://h:8080/scim/v2/acme/", Some("http://h:9090/"))
                .admin_base()
                .unwrap(),
            "http://h:9090/admin/v1/tenants/acme"
        );
        for bad in [
            "http://h:8080/acme",
            "http://h/scim/v2/",
            "http://h/scim/v2/a/b",
        ] {
            let error = args(bad, None).admin_base().unwrap_err().to_string();
            assert!(error.contains("/scim/v2/<tenant>"), "{bad}: {error}");
        }
    }

    #[test]
    fn overlaps_are_between_none_and_a_year() {
        for bad in ["-3", "8761"] {
            let parsed = Cli::try_parse_from([
                "scim-server",
                "token",
                "rotate",
                "acme",
                &format!("--overlap-hours={bad}"),
            ]);
            assert!(parsed.is_err(), "{bad}");
            assert!(
                Cli::try_parse_from(["scim-server", &format!("--token-overlap-hours={bad}")])
                    .is_err(),
                "{bad}"
            );
        }
        assert!(
            Cli::try_parse_from([
                "scim-server",
                "token",
                "rotate",
                "acme",
                "--overlap-hours=0"
            ])
            .is_ok()
        );
    }
}
