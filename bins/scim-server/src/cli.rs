//! Command line and environment: every setting is a flag with an environment
//! variable of the same meaning (`--database-url` / `SCIM_DATABASE_URL`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// The SCIM 2.0 provisioning server and role-assignment engine.
#[derive(Debug, Clone, Parser)]
#[command(version, about, long_about = None)]
pub(crate) struct Cli {
    /// Database: `sqlite://path/to/file.db` or `postgres://user@host/db`.
    /// Default: a SQLite file in the data directory.
    #[arg(long, env = "SCIM_DATABASE_URL", global = true)]
    pub(crate) database_url: Option<String>,

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
    /// Work with rule sets.
    #[command(subcommand)]
    Rules(RulesCommand),
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
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum TokenCommand {
    /// Issue a new token; the old ones keep working for the overlap, then stop.
    Rotate {
        /// The tenant.
        slug: String,
        /// Overlap in hours (default: --token-overlap-hours).
        #[arg(long)]
        overlap_hours: Option<i64>,
    },
    /// Revoke a token now, by id or by its prefix (`scim_xxxxxxx`).
    Revoke {
        /// The tenant.
        slug: String,
        /// Token id or prefix.
        token: String,
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

impl Cli {
    pub(crate) fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("scim.sqlite3").display()))
    }

    /// The Tenant URL an identity provider is given.
    pub(crate) fn tenant_url(&self, slug: &str) -> String {
        let origin = match (&self.public_url, &self.command) {
            (Some(url), _) => url.trim_end_matches('/').to_owned(),
            (None, Some(Command::Serve(args))) => origin_of(args),
            (None, _) => origin_of(&ServeArgs::parse_from(["serve"])),
        };
        format!("{origin}/scim/v2/{slug}")
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

/// Sets up `tracing`: `RUST_LOG` filters (default `info`), text or JSON lines.
pub(crate) fn init_logging(format: &LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
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
}
