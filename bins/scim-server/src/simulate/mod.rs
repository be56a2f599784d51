//! `scim-server simulate entra|okta`: drives a running server as that
//! identity provider does, so the server can be seen working without one.
//!
//! `plan.rs` decides, from a seed, the directory and every operation (the Test
//! Connection probes, the initial cycle, the incremental ones); `entra.rs` and
//! `okta.rs` turn each operation into that provider's requests; `http.rs`
//! sends them and counts; `roles.rs` maps groups to roles as a tenant admin
//! would (`--map-groups`); `summary.rs` reads back what the server holds.

mod entra;
mod http;
mod okta;
mod plan;
mod random;
mod roles;
mod summary;

use std::time::Instant;

use provisioning::Progress;

pub(crate) use self::http::Http;
use self::plan::{Operation, Plan, Shape};
use crate::cli::{SimulateArgs, SimulatedIdp};

/// The ids the server gave the simulated people and groups, by directory
/// position (`None`: not created, or deleted).
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) http: Http,
    pub(crate) users: Vec<Option<String>>,
    pub(crate) groups: Vec<Option<String>>,
}

impl Session {
    /// The server ids of the people named, skipping those it never created.
    pub(crate) fn user_ids(&self, people: &[usize]) -> Vec<String> {
        people
            .iter()
            .filter_map(|&i| self.users.get(i).cloned().flatten())
            .collect()
    }
}

/// One identity provider's way of sending an operation.
pub(crate) trait Dialect {
    /// The `User-Agent` it sends (`None`: the header is absent).
    fn user_agent(&self) -> Option<&'static str>;
    /// Sends `operation`; only a failed Test Connection stops the run.
    fn run(&self, session: &mut Session, operation: &Operation) -> anyhow::Result<()>;
}

/// Runs the simulation and prints its summary; `Ok(false)` when the server
/// refused or failed some requests.
pub(crate) fn simulate(args: &SimulateArgs) -> anyhow::Result<bool> {
    let dialect: Box<dyn Dialect + Send + Sync> = match args.idp {
        SimulatedIdp::Entra => Box::new(entra::Entra),
        SimulatedIdp::Okta => Box::new(okta::Okta),
    };
    let plan = Plan::new(Shape {
        users: args.users,
        groups: args.groups,
        cycles: args.cycles,
        seed: args.seed,
        // Okta deactivates and never deletes users; Entra deletes after a
        // hard delete in the directory.
        deletes_users: args.idp == SimulatedIdp::Entra,
        map_groups: args.map_groups,
    });
    let admin = match (&args.admin_token, args.map_groups) {
        (Some(token), _) => Some((args.admin_base()?, token.clone())),
        (None, true) => {
            anyhow::bail!("--map-groups saves rules through the admin API: pass --admin-token")
        }
        (None, false) => None,
    };
    let mut session = Session {
        http: Http::new(&args.url, &args.token, dialect.user_agent())?,
        users: vec![None; plan.people.len()],
        groups: vec![None; plan.groups.len()],
    };
    let progress = Progress::default();
    progress.start(u64::try_from(plan.operations.len()).unwrap_or(u64::MAX));
    let started = Instant::now();
    let label = format!("simulating {}", args.idp.name());
    let outcome = crate::progress_bar::with_progress_bar(&label, "operations", &progress, || {
        for operation in &plan.operations {
            match (operation, &admin) {
                (Operation::MapGroupsToRoles, Some((base, token))) => {
                    roles::map_groups(base, token, &session, &plan)?;
                }
                _ => dialect.run(&mut session, operation)?,
            }
            progress.advance(1);
        }
        Ok::<(), anyhow::Error>(())
    });
    let elapsed = started.elapsed();
    outcome?;
    let report = summary::Summary::read(args, &session, &plan, elapsed, dialect.user_agent())?;
    println!("{report}");
    Ok(session.http.errors == 0)
}
