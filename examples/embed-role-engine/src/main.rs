//! An application embedding the role engine on its own: no SCIM server, no
//! database. It builds a rule set, decides and explains roles for a few users,
//! previews a rule edit before "saving" it, and runs the rule test file kept
//! next to this example (`examples/rules/asset-app.rules.toml`).
//!
//! Run with `cargo run -p embed-role-engine`; it exits non-zero if the rule
//! test file fails.

use std::collections::HashMap;
use std::io::{self, Write};
use std::process::ExitCode;

use role_engine::{
    Catalogue, Engine, GroupRef, Guard, RoleDef, Rule, RuleSet, UserSnapshot, preview,
    run_rule_tests, validate,
};
use serde_json::json;

/// The rule test file this example runs, compiled in so the binary works from any directory.
const RULES_FILE: &str = include_str!("../../rules/asset-app.rules.toml");

const EMPLOYEES: &str = "0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a";
const ADMINS: &str = "3f0c9a52-1d7e-4b8a-9c61-0a2b7d4e5f01";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn main() -> ExitCode {
    let mut out = io::stdout().lock();
    match run(&mut out) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            // Writing to stdout failed or a rule set did not load; nothing else to report to.
            let _ = writeln!(io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Everything the example does, written to `out`. `Ok(false)` when the rule
/// test file has failures.
fn run(out: &mut impl Write) -> Result<bool, Box<dyn std::error::Error>> {
    // 1. The tenant's roles and rules, as an app would build them from its settings page.
    let catalogue = Catalogue::new([
        RoleDef::privileged("Admin"),
        RoleDef::new("Technician"),
        RoleDef::new("Loanee"),
        RoleDef::new("Viewer"),
    ]);
    let mut rules = RuleSet::new("Viewer")
        .with_rule(Rule::group(
            GroupRef::labelled(ADMINS, "Asset App Admins"),
            "Admin",
        ))
        .with_rule(Rule::filter(
            format!(r#"{ENTERPRISE}:department eq "IT""#),
            "Technician",
        ))
        .with_rule(Rule::group(
            GroupRef::labelled(EMPLOYEES, "Employees"),
            "Loanee",
        ));
    rules.guard = Some(Guard {
        role: "Admin".to_owned(),
    });

    // 2. The tenant's users, as the provisioning layer would load them.
    let users = [
        UserSnapshot::new(json!({"id": "u1", "userName": "ada", "title": "Engineer"}))
            .with_groups([EMPLOYEES]),
        UserSnapshot::new(json!({"id": "u2", "userName": "ira", ENTERPRISE: {"department": "IT"}}))
            .with_groups([EMPLOYEES]),
        UserSnapshot::new(json!({"id": "u3", "userName": "olu"})).with_groups([ADMINS]),
        UserSnapshot::new(json!({"id": "u4", "userName": "sam", "active": false}))
            .with_groups([EMPLOYEES]),
        UserSnapshot::new(json!({"id": "u5", "userName": "nina"})),
    ];

    // 3. Validate before saving: no errors, no warnings here.
    let problems = validate(&rules, &catalogue, &users, None);
    writeln!(out, "validation: {} problem(s)", problems.len())?;
    for problem in &problems {
        writeln!(out, "  {problem}")?;
    }

    // 4. Decide and explain.
    let engine = Engine::new(rules.clone())?;
    writeln!(out, "\ndecisions:")?;
    for user in &users {
        writeln!(
            out,
            "  {}: {}",
            user.user_name().unwrap_or("?"),
            engine.decide(user)
        )?;
    }
    // The IdP renamed "Employees" to "Staff": the mapping holds, the explanation shows the new name.
    let names = HashMap::from([(EMPLOYEES.to_owned(), "Staff".to_owned())]);
    writeln!(
        out,
        "\nexplanation:\n{:#}",
        engine.explain(&users[1], &names)
    )?;
    writeln!(
        out,
        "\nas JSON for an admin screen:\n{}",
        serde_json::to_string_pretty(&engine.decide(&users[0]))?
    )?;

    // 5. Preview an edit: employees become Technicians too. Nothing is saved yet.
    let mut edited = rules;
    edited.rules[2].role = "Technician".to_owned();
    let edited = Engine::new(edited)?;
    let changes = preview(&engine, &edited, &users);
    writeln!(out, "\npreview of the edit ({} change(s)):", changes.len())?;
    for change in &changes {
        writeln!(out, "  {change}")?;
    }

    // 6. Run the operator's rule test file.
    let report = run_rule_tests(RULES_FILE)?;
    writeln!(
        out,
        "\nrules test examples/rules/asset-app.rules.toml: {report}"
    )?;
    Ok(report.is_success())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_runs_and_its_rule_file_passes() {
        let mut out = Vec::new();
        let passed = super::run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(passed, "{text}");
        assert!(text.contains("validation: 0 problem(s)"), "{text}");
        assert!(text.contains("ira: Technician: rule 2 matched"), "{text}");
        assert!(
            text.contains("sam: Disabled: deactivated in the identity provider"),
            "{text}"
        );
        assert!(
            text.contains(
                "ada: Loanee -> Technician (before: rule 3 matched (member of group Employees)"
            ),
            "{text}"
        );
        assert!(text.contains("ok: 15 cases passed"), "{text}");
    }
}
