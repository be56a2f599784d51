//! The accessibility check of a console page: axe-core (pinned in
//! `bins/scim-server/tests/axe/package.json`, installed there by `npm ci`,
//! which `cargo xtask test` runs) injected into the page over WebDriver and
//! run on the whole document. Violations of impact `serious` or `critical`
//! fail the test; the lesser ones are printed.
//!
//! The console's Content-Security-Policy allows no script but its own, and
//! that stays so: a WebDriver script is not the page's (chromedriver has the
//! browser evaluate it as a function body through the DevTools protocol,
//! which the page's CSP does not govern), so axe's source is sent as that
//! body, and axe itself needs no `eval`.

use std::path::PathBuf;
use std::sync::OnceLock;

use fantoccini::Client;
use serde_json::Value;

/// Where `npm ci` puts axe-core's browser build.
fn axe_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/axe/node_modules/axe-core/axe.min.js")
}

/// axe-core's source, read once per test process.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is not installed ({}: {e}); run `cargo xtask test` once, or \
                 `npm ci --prefix bins/scim-server/tests/axe` (needs node and npm)",
                path.display()
            )
        })
    })
}

/// Runs axe on the current document and hands its violations to WebDriver's
/// callback (the last argument of an asynchronous script).
const RUN: &str = "const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then(function (result) { done({ violations: result.violations }); })
  .catch(function (error) { done({ error: String(error) }); });";

/// The impacts that fail a page.
const FAILING: [&str; 2] = ["serious", "critical"];

/// One violation as the failure message shows it: rule, impact, help, and
/// the CSS targets of the elements it found.
fn describe(violation: &Value) -> String {
    let targets: Vec<String> = violation["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|node| {
            let target = node["target"].to_string();
            let summary = node["failureSummary"].as_str().unwrap_or_default();
            format!("    {target}: {}", summary.replace('\n', " "))
        })
        .collect();
    format!(
        "  {} ({}): {} <{}>\n{}",
        violation["id"].as_str().unwrap_or("?"),
        violation["impact"].as_str().unwrap_or("?"),
        violation["help"].as_str().unwrap_or_default(),
        violation["helpUrl"].as_str().unwrap_or_default(),
        targets.join("\n")
    )
}

/// Checks the page the browser shows now with axe-core: panics on any
/// serious or critical violation, naming the page, the rule and the elements.
pub(crate) async fn assert_accessible(client: &Client, page_name: &str) {
    let loaded = client
        .execute(
            &format!("{}\nreturn typeof axe.run;", axe_source()),
            Vec::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("axe-core did not load into {page_name}: {e}"));
    assert_eq!(loaded, "function", "axe-core on {page_name}");
    let answer = client
        .execute_async(RUN, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("axe-core did not run on {page_name}: {e}"));
    if let Some(error) = answer.get("error") {
        panic!("axe-core failed on {page_name}: {error}");
    }
    let violations = answer["violations"].as_array().cloned().unwrap_or_default();
    let (failing, minor): (Vec<&Value>, Vec<&Value>) = violations
        .iter()
        .partition(|v| FAILING.contains(&v["impact"].as_str().unwrap_or_default()));
    for violation in &minor {
        eprintln!(
            "accessibility note on {page_name}:\n{}",
            describe(violation)
        );
    }
    assert!(
        failing.is_empty(),
        "serious or critical accessibility violations on {page_name}:\n{}",
        failing
            .iter()
            .map(|v| describe(v))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
