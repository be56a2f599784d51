//! The console's people pages in headless Chromium against the real server:
//! a SCIM client pushes users and groups, the admin API maps the groups to
//! roles; in the browser an operator locks a user's role and sees a later
//! SCIM group change leave it alone, sees an Entra deactivation as Disabled in
//! the sub-accounts list and in the disabled-users report, and filters the
//! Activity page by kind. Each page is checked as `browser::check_page` does
//! (screenshot, accessibility), the user page and Activity on a phone-sized
//! window too.

use std::time::Instant;

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::both_backends;
use crate::browser::{
    Driver, WAIT, browser, check_page, check_page_on_a_phone, click, sign_in, wait_for,
};
use crate::harness::{ADMIN_TOKEN, Backend, Server, start};

/// Waits until the element's text contains `needle`; returns the text.
async fn wait_text(client: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = wait_for(client, css).await.text().await.unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never said {needle:?}: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Users Ada and Bob in Employees (Loanee); IT Admins (Admin) empty.
struct Pushed {
    ada: String,
    bob: String,
    employees: String,
}

fn push_and_map(server: &Server) -> Pushed {
    let scim = server.scim();
    let ada = scim.create_user("ada@acme.test");
    let bob = scim.create_user("bob@acme.test");
    let employees = scim.create_group("Employees");
    let it_admins = scim.create_group("IT Admins");
    let added = scim.patch_ops(
        &format!("/Groups/{employees}"),
        json!([{"op": "add", "path": "members", "value": [{"value": ada}, {"value": bob}]}]),
    );
    assert_eq!(added.status, 204, "{}", added.text);
    let rules = server.admin().put(
        "/rules",
        &json!({
            "default_role": "Viewer",
            "roles": [{"name": "Admin"}, {"name": "Loanee"}, {"name": "Viewer"}],
            "rules": [
                {"group": {"id": it_admins}, "role": "Admin"},
                {"group": {"id": employees}, "role": "Loanee"},
            ],
        }),
    );
    assert_eq!(rules.status, 200, "{}", rules.text);
    Pushed {
        ada,
        bob,
        employees,
    }
}

async fn people_pages(backend: Backend, server: &Server, pushed: &Pushed) {
    let driver = Driver::start();
    let client = browser(&driver).await;
    let origin = &server.origin;
    sign_in(&client, server, ADMIN_TOKEN).await;

    // The sub-accounts list leads to Ada's page: her role and why.
    client
        .goto(&format!("{origin}/console/t/acme/users"))
        .await
        .unwrap();
    let user_page = format!("/console/t/acme/users/{}", pushed.ada);
    click(&client, &format!("a[href='{user_page}']")).await;
    wait_text(&client, "#role", "Loanee").await;
    let why = wait_for(&client, "#why").await.text().await.unwrap();
    assert!(
        why.contains("rule 2 matched (member of group Employees)"),
        "{why}"
    );
    assert!(why.contains("rule 1 -> Admin: not matched"), "{why}");
    check_page(&client, backend, "user-page").await;
    check_page_on_a_phone(&client, backend, "user-page").await;

    // Lock her as Admin, with a reason.
    client
        .find(Locator::Css("#lock-role"))
        .await
        .unwrap()
        .select_by_value("Admin")
        .await
        .unwrap();
    client
        .find(Locator::Css("#lock-reason"))
        .await
        .unwrap()
        .send_keys("runs the pilot")
        .await
        .unwrap();
    click(&client, "#lock form button[type=submit]").await;
    let state = wait_text(&client, "#lock-state", "Locked as Admin").await;
    assert!(
        state.contains("by operator") && state.contains("runs the pilot"),
        "{state}"
    );
    check_page(&client, backend, "user-locked").await;

    // The identity provider takes her out of Employees: the lock holds.
    let removed = server.scim().patch_ops(
        &format!("/Groups/{}", pushed.employees),
        json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", pushed.ada)}]),
    );
    assert_eq!(removed.status, 204, "{}", removed.text);
    client.refresh().await.unwrap();
    wait_text(&client, "#groups", "none").await;
    assert_eq!(
        wait_for(&client, "#role").await.text().await.unwrap(),
        "Admin"
    );
    let history = wait_text(&client, "#history", "left the group").await;
    assert!(
        history.contains("role locked as Admin (runs the pilot)"),
        "{history}"
    );

    // Entra deactivates Bob: Disabled in the list and in the report.
    let deactivated = server.scim().patch_ops(
        &format!("/Users/{}", pushed.bob),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert!(deactivated.status < 300, "{}", deactivated.text);
    client
        .goto(&format!("{origin}/console/t/acme/users?status=inactive"))
        .await
        .unwrap();
    let list = wait_text(&client, "#users", "bob@acme.test").await;
    assert!(
        list.contains("Disabled") && list.contains("inactive"),
        "{list}"
    );
    assert!(!list.contains("ada@acme.test"));
    check_page(&client, backend, "sub-accounts-disabled").await;
    click(
        &client,
        "nav.tenant a[href='/console/t/acme/reports/disabled-users']",
    )
    .await;
    let report = wait_text(&client, "#disabled", "bob@acme.test").await;
    assert!(
        report.contains("unknown"),
        "the bundled server knows no holdings: {report}"
    );
    let csv = wait_for(&client, "#download-csv").await;
    assert_eq!(
        csv.attr("href").await.unwrap().as_deref(),
        Some("/console/t/acme/reports/disabled-users.csv")
    );
    check_page(&client, backend, "disabled-report").await;

    // Activity: everything, newest first, then only the lock.
    click(&client, "nav.tenant a[href='/console/t/acme/activity']").await;
    let log = wait_text(&client, "table.events", "user.deactivated").await;
    assert!(
        log.contains("boolean-string") && log.contains("case-insensitive-op"),
        "{log}"
    );
    assert!(
        log.find("user.deactivated") < log.find("lock.set"),
        "newest first: {log}"
    );
    check_page(&client, backend, "activity").await;
    check_page_on_a_phone(&client, backend, "activity").await;
    client
        .find(Locator::Css("#kind"))
        .await
        .unwrap()
        .select_by_value("lock.set")
        .await
        .unwrap();
    click(&client, "form.filters button[type=submit]").await;
    wait_text(&client, "table.events", "role locked as Admin").await;
    let filtered = wait_for(&client, "table.events tbody")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !filtered.contains("user.created") && !filtered.contains("user.deactivated"),
        "{filtered}"
    );
    assert_eq!(filtered.lines().count(), 1, "one lock: {filtered}");
    check_page(&client, backend, "activity-filtered").await;

    client.close().await.expect("end the WebDriver session");
}

fn the_people_pages_in_a_browser(backend: Backend) {
    let server = start(backend);
    let pushed = push_and_map(&server);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the WebDriver client")
        .block_on(people_pages(backend, &server, &pushed));
}

both_backends!(the_people_pages_in_a_browser);
