//! The bundled SCIM 2.0 provisioning server.
//!
//! Thin on purpose: it reads configuration (flags and environment), sets up
//! logging, opens and migrates the store, and serves the routes of `scim-http`.
//! Everything else lives in the library crates, so an application that embeds
//! them gets the same behaviour.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod healthcheck;
mod metrics;
mod progress_bar;
mod serve;
mod simulate;
mod webhooks;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use provisioning::{
    Actor, Options, PreviewPage, Progress, Provisioning, RequestContext, RulesEdit, RulesRun,
    TenantRename, time_format,
};
use scim_store::Store;

use crate::cli::{AdminTokenCommand, Cli, Command, RulesCommand, TenantCommand, TokenCommand};

// Request handling allocates many small JSON values; glibc's malloc spent about
// 30% of a filtered GET in a profile, mimalloc a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::init_logging(&cli.log_format);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Opens (and migrates) the store named by the configuration.
fn open(cli: &Cli) -> anyhow::Result<Provisioning> {
    let url = cli.database_url();
    if let Some(path) = url.strip_prefix("sqlite://")
        && let Some(parent) = std::path::Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let store = Store::open(&url, cli.store_options())
        .with_context(|| format!("opening {}", cli::redact(&url)))?;
    store.migrate().context("applying migrations")?;
    let options = Options {
        token_overlap: chrono::Duration::hours(cli.token_overlap_hours),
        ..Options::default()
    };
    Ok(Provisioning::new(Arc::new(store)).with_options(options))
}

/// `rules apply`: saves (or previews) a rule file on a tenant.
fn apply_rules(
    cli: &Cli,
    slug: &str,
    file: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    // The one rule file format (rules, catalogue, cases), as uploaded.
    let file_rules = if file.extension().is_some_and(|e| e == "json") {
        role_engine::RuleTests::from_json(&text)
    } else {
        role_engine::RuleTests::from_toml(&text)
    }
    .with_context(|| format!("parsing {}", file.display()))?;
    let provisioning = open(cli)?;
    let tenant = provisioning.tenant(slug)?;
    let progress = Progress::default();
    let run = if dry_run {
        RulesRun::DryRun(PreviewPage {
            after: None,
            limit: 1,
        })
    } else {
        RulesRun::Save(progress.clone())
    };
    let edit = RulesEdit {
        file: file_rules,
        expected: None,
        settings: None,
    };
    let outcome = progress_bar::with_progress_bar("deciding users", "users", &progress, || {
        provisioning.set_rules(&tenant, &operator(), edit, run)
    })?;
    for problem in &outcome.problems {
        println!("{problem}");
    }
    for transition in &outcome.summary.transitions {
        println!("{transition}");
    }
    println!(
        "{} users change role, {} keep theirs by a lock",
        outcome.summary.changed, outcome.summary.held_by_lock
    );
    if dry_run {
        println!("dry run: nothing saved");
    } else if outcome.saved {
        println!("saved");
    } else {
        println!("not saved: fix the errors above");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// `backup`: a consistent copy of the SQLite database, taken beside a running
/// server (the store is opened without migrating: the copy is of the database
/// as it is).
fn backup(cli: &Cli, target: &std::path::Path) -> anyhow::Result<()> {
    let url = cli.database_url();
    if let Some(path) = url.strip_prefix("sqlite://") {
        anyhow::ensure!(
            std::path::Path::new(path).exists(),
            "no database at {path} (set --data-dir or --database-url)"
        );
    }
    let store = Store::open(
        &url,
        scim_store::StoreOptions {
            max_connections: 1,
            ..cli.store_options()
        },
    )
    .with_context(|| format!("opening {}", cli::redact(&url)))?;
    store.backup(target)?;
    println!("backed up {} to {}", cli::redact(&url), target.display());
    Ok(())
}

fn operator() -> RequestContext {
    RequestContext::new("cli", "", Actor::Operator)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.clone().unwrap_or_default() {
        Command::Serve(args) => {
            // A bad certificate or key is reported before the database is touched.
            let tls = serve::tls_config(&args)?;
            let provisioning = open(&cli)?;
            serve::serve(&cli, &args, provisioning, tls)?;
        }
        Command::Migrate => {
            open(&cli)?;
            println!("migrations applied to {}", cli::redact(&cli.database_url()));
        }
        Command::Tenant(TenantCommand::Create { slug, display_name }) => {
            let provisioning = open(&cli)?;
            let created = provisioning.create_tenant(
                &operator(),
                &slug,
                display_name.as_deref().unwrap_or(""),
            )?;
            print_credentials(&cli, &created.tenant.slug, &created.token.secret);
        }
        Command::Tenant(TenantCommand::List) => {
            let provisioning = open(&cli)?;
            for tenant in provisioning.list_tenants()? {
                println!(
                    "{}\t{}\t{}",
                    tenant.slug,
                    tenant.display_name,
                    cli.tenant_url(&tenant.slug)
                );
            }
        }
        Command::Tenant(TenantCommand::Rename {
            slug,
            new_slug,
            display_name,
        }) => {
            let provisioning = open(&cli)?;
            let rename = TenantRename {
                slug: new_slug,
                display_name,
            };
            let renamed = provisioning.rename_tenant(&operator(), &slug, &rename)?;
            println!(
                "renamed tenant '{slug}' to '{}' ({})",
                renamed.slug, renamed.display_name
            );
            if renamed.slug != slug {
                println!("New Tenant URL: {}", cli.tenant_url(&renamed.slug));
                println!("Give it to the identity provider; the old URL now answers 404.");
            }
        }
        Command::Tenant(TenantCommand::Delete { slug, confirm }) => {
            let confirmed = match confirm {
                Some(given) => given,
                None => ask(&format!(
                    "This deletes tenant '{slug}' with all its users, groups, tokens and events.\nType the slug again to confirm: "
                ))?,
            };
            if confirmed.trim() != slug {
                anyhow::bail!("not deleted: '{}' is not '{slug}'", confirmed.trim());
            }
            let provisioning = open(&cli)?;
            let deleted = provisioning.delete_tenant(&operator(), &slug)?;
            println!("deleted tenant '{}' ({})", deleted.slug, deleted.id);
        }
        Command::AdminToken(AdminTokenCommand::Create { slug, name }) => {
            let provisioning = open(&cli)?;
            let tenant = provisioning.tenant(&slug)?;
            let issued = provisioning.issue_admin_token(&tenant, &operator(), &name)?;
            println!("Admin token '{name}' for tenant '{slug}':");
            println!("{}", issued.secret);
            println!("(The token is shown once; only its hash is stored.)");
        }
        Command::AdminToken(AdminTokenCommand::List { slug }) => {
            let provisioning = open(&cli)?;
            let tenant = provisioning.tenant(&slug)?;
            println!("PREFIX\tID\tNAME\tSTATE\tLAST USED");
            for t in provisioning.list_admin_tokens(&tenant)? {
                let state = t.revoked_at.map_or_else(
                    || "active".to_owned(),
                    |at| format!("revoked {}", time_format::format(at)),
                );
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.prefix,
                    t.id,
                    t.name,
                    state,
                    t.last_used
                        .map_or_else(|| "never".to_owned(), time_format::format)
                );
            }
        }
        Command::AdminToken(AdminTokenCommand::Revoke { slug, token }) => {
            let provisioning = open(&cli)?;
            let tenant = provisioning.tenant(&slug)?;
            let revoked = provisioning.revoke_admin_token(&tenant, &operator(), &token)?;
            println!(
                "revoked admin token {} '{}' ({})",
                revoked.prefix, revoked.name, revoked.id
            );
        }
        Command::Token(TokenCommand::Rotate {
            slug,
            overlap_hours,
        }) => {
            let provisioning = open(&cli)?;
            let tenant = provisioning.tenant(&slug)?;
            let overlap = overlap_hours.map(chrono::Duration::hours);
            let issued = provisioning.rotate_token(&tenant, &operator(), overlap)?;
            print_credentials(&cli, &slug, &issued.secret);
            println!(
                "Previous tokens keep working for {} hours, then stop.",
                overlap_hours.unwrap_or(cli.token_overlap_hours)
            );
        }
        Command::Token(TokenCommand::Revoke { slug, token, force }) => {
            let provisioning = open(&cli)?;
            let tenant = provisioning.tenant(&slug)?;
            if !force {
                refuse_revoking_the_last_token(&provisioning, &tenant, &slug, &token)?;
            }
            let revoked = provisioning.revoke_token(&tenant, &operator(), &token)?;
            println!("revoked token {} ({})", revoked.prefix, revoked.id);
        }
        Command::Token(TokenCommand::List { slug }) => {
            let provisioning = open(&cli)?;
            let tenant = provisioning.tenant(&slug)?;
            print_tokens(&provisioning.list_tokens(&tenant)?, provisioning.now());
        }
        Command::Rules(RulesCommand::Test { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let report = role_engine::run_rule_tests(&text)
                .with_context(|| format!("loading {}", file.display()))?;
            println!("{report}");
            if !report.is_success() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Rules(RulesCommand::Apply {
            slug,
            file,
            dry_run,
        }) => return apply_rules(&cli, &slug, &file, dry_run),
        Command::Simulate(args) => {
            if !simulate::simulate(&args)? {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Backup { path } => backup(&cli, &path)?,
        Command::Healthcheck { url } => return Ok(healthcheck::check(&url)),
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks the operator a question on the terminal; the answer's line.
fn ask(question: &str) -> anyhow::Result<String> {
    use std::io::Write;
    print!("{question}");
    std::io::stdout().flush().context("writing the question")?;
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(answer)
}

/// Prints a tenant's Tenant URL (and where its origin came from) and a secret
/// token, once.
pub(crate) fn print_credentials(cli: &Cli, slug: &str, secret: &str) {
    let (url, source) = cli.tenant_url_and_source(slug);
    println!("Tenant URL:   {url}");
    println!("Secret Token: {secret}");
    println!("{source}");
    println!("(The token is shown once; only its hash is stored.)");
}

/// Fails when `token` is the tenant's last working token: revoking it cuts the
/// identity provider off until someone pastes a new one (`--force` does it).
fn refuse_revoking_the_last_token(
    provisioning: &Provisioning,
    tenant: &provisioning::TenantContext,
    slug: &str,
    token: &str,
) -> anyhow::Result<()> {
    let now = provisioning.now();
    let tokens = provisioning.list_tokens(tenant)?;
    let target = tokens.iter().find(|t| t.id == token || t.prefix == token);
    let others_work = tokens
        .iter()
        .any(|t| t.works_at(now) && target.is_none_or(|target| target.id != t.id));
    match target {
        Some(target) if target.works_at(now) && !others_work => anyhow::bail!(
            "token {} is the last working token of tenant '{slug}': revoking it makes every \
             request of the identity provider fail with 401 until it is given a new token. \
             Rotate first (`scim-server token rotate {slug}`), or pass --force to revoke it anyway",
            target.prefix
        ),
        _ => Ok(()),
    }
}

/// The token list: a header, then one line per token with its state now.
fn print_tokens(tokens: &[provisioning::TokenInfo], now: chrono::DateTime<chrono::Utc>) {
    println!("PREFIX\tID\tSTATE\tLAST USED");
    for t in tokens {
        let state = match (t.revoked_at, t.expires_at) {
            (Some(at), _) => format!("revoked {}", time_format::format(at)),
            (None, Some(at)) if at <= now => format!("expired {}", time_format::format(at)),
            (None, Some(at)) => format!("active, expires {}", time_format::format(at)),
            (None, None) => "active".to_owned(),
        };
        println!(
            "{}\t{}\t{}\t{}",
            t.prefix,
            t.id,
            state,
            t.last_used
                .map_or_else(|| "never".to_owned(), time_format::format)
        );
    }
}
