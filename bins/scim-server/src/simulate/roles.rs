//! `--map-groups`: after the initial cycle, a rule set that maps the pushed
//! groups to roles, saved through the admin API as a tenant admin would, so
//! the incremental cycles show roles following group changes.

use serde_json::{Value, json};

use super::Session;
use super::http::Http;
use super::plan::Plan;

/// Which group names map to which role, in rule order (the first rule a user
/// matches decides).
const MAPPING: [(&str, &str); 4] = [
    ("App Admins", "Admin"),
    ("Managers", "Manager"),
    ("Contractors", "Contractor"),
    ("Employees", "Employee"),
];

/// Saves the rules; fails when the admin API refuses them.
pub(crate) fn map_groups(
    admin_base: &str,
    admin_token: &str,
    session: &Session,
    plan: &Plan,
) -> anyhow::Result<()> {
    let mut rules = Vec::new();
    for (name, role) in MAPPING {
        let pushed = plan.groups.iter().flatten().find_map(|(group, _)| {
            (group.display_name == name)
                .then(|| session.groups[group.index].clone())
                .flatten()
        });
        if let Some(id) = pushed {
            rules.push(json!({"group": {"id": id, "label": name}, "role": role}));
        }
    }
    let mut roles: Vec<Value> = MAPPING
        .iter()
        .map(|(_, role)| json!({"name": role, "privileged": *role == "Admin"}))
        .collect();
    roles.push(json!({"name": "User"}));
    let body = json!({"default_role": "User", "roles": roles, "rules": rules});
    let mut admin = Http::new(admin_base, admin_token, Some("scim-server simulate"))?;
    let saved = admin.send("PUT", "/rules", Some(&body));
    anyhow::ensure!(
        saved.ok(),
        "saving the group-to-role rules (--map-groups): PUT {admin_base}/rules answered {}: {}",
        saved.status,
        saved.text
    );
    Ok(())
}
