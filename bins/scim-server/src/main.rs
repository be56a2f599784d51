//! The bundled SCIM 2.0 provisioning server.
//!
//! Thin on purpose: it reads configuration (flags and environment), sets up
//! logging, opens and migrates the store, and serves the routes of `scim-http`.
//! Everything else lives in the library crates, so an application that embeds
//! them gets the same behaviour.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod progress_bar;
mod serve;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use provisioning::{
    Actor, Options, PreviewPage, Progress, Provisioning, RequestContext, RulesEdit, time_format,
};
use scim_store::{Store, StoreOptions};

use crate::cli::{Cli, Command, RulesCommand, TenantCommand, TokenCommand};

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
    let store = Store::open(&url, StoreOptions::default())
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
    let rules = if file.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))?
    } else {
        role_engine::RuleSet::from_toml(&text)
            .with_context(|| format!("parsing {}", file.display()))?
    };
    let provisioning = open(cli)?;
    let tenant = provisioning.tenant(slug)?;
    let progress = Progress::default();
    let edit = if dry_run {
        RulesEdit::DryRun(PreviewPage {
            after: None,
            limit: 1,
        })
    } else {
        RulesEdit::Save(progress.clone())
    };
    let outcome = progress_bar::with_progress_bar("deciding users", &progress, || {
        provisioning.set_rules(&tenant, &operator(), rules, edit)
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

fn operator() -> RequestContext {
    RequestContext::new("cli", "", Actor::Operator)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.clone().unwrap_or_default() {
        Command::Serve(args) => {
            let provisioning = open(&cli)?;
            serve::serve(&cli, &args, provisioning)?;
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
        Command::Token(TokenCommand::Revoke { slug, token }) => {
            let provisioning = open(&cli)?;
            let tenant = provisioning.tenant(&slug)?;
            let revoked = provisioning.revoke_token(&tenant, &operator(), &token)?;
            println!("revoked token {} ({})", revoked.prefix, revoked.id);
        }
        Command::Token(TokenCommand::List { slug }) => {
            let provisioning = open(&cli)?;
            let tenant = provisioning.tenant(&slug)?;
            for t in provisioning.list_tokens(&tenant)? {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(at), _) => format!("revoked {}", time_format::format(at)),
                    (None, Some(at)) => format!("expires {}", time_format::format(at)),
                    (None, None) => "active".to_owned(),
                };
                println!(
                    "{}\t{}\t{}\tlast used {}",
                    t.prefix,
                    t.id,
                    state,
                    t.last_used
                        .map_or_else(|| "never".to_owned(), time_format::format)
                );
            }
        }
        Command::Rules(RulesCommand::Test { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let report = role_engine::run_rule_tests(&text)
                .with_context(|| format!("loading {}", file.display()))?;
            print!("{report}");
            if !report.is_success() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Rules(RulesCommand::Apply {
            slug,
            file,
            dry_run,
        }) => return apply_rules(&cli, &slug, &file, dry_run),
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a tenant's Tenant URL and a secret token, once.
pub(crate) fn print_credentials(cli: &Cli, slug: &str, secret: &str) {
    println!("Tenant URL:   {}", cli.tenant_url(slug));
    println!("Secret Token: {secret}");
    println!("(The token is shown once; only its hash is stored.)");
}
