//! The disabled-users report: who provisioning disabled, since when, the
//! holdings the host reports; pages; the CSV download is the admin API's.

use crate::both_backends;
use crate::harness::{Backend, OPERATOR_TOKEN, TestConsole, element, lines, redact, redact_times};

async fn disabled_users_are_listed_with_their_holdings_and_csv(backend: Backend) {
    let app = TestConsole::new(backend);
    let idp = app.idp();
    let ada = idp.user("ada@acme.test", "ext-ada");
    let eve = idp.user("=eve@acme.test", "ext-eve");
    idp.deactivate(&eve);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let page = browser.get("/console/t/acme/reports/disabled-users").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let table = lines(&redact_times(&redact(
        &element(&page.body, "table", "disabled"),
        &[(&eve, "eve")],
    )));
    insta::assert_snapshot!("disabled_table", table);
    assert!(
        !table.contains("ada@"),
        "active users are not in the report"
    );
    let _ = ada;

    let csv = browser
        .get("/console/t/acme/reports/disabled-users.csv")
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .contains("disabled-users.csv")
    );
    let req = actix_web::test::TestRequest::get()
        .uri("/admin/v1/tenants/acme/reports/disabled-users?format=csv")
        .insert_header(("authorization", format!("Bearer {OPERATOR_TOKEN}")));
    let api = app.send_request(req).await;
    assert_eq!(csv.body, api.body, "the same CSV as the admin API");
    assert!(
        csv.body.contains("'=eve@acme.test"),
        "neutralised like the API's"
    );
    assert_eq!(csv.body.lines().count(), 2);
}

async fn the_report_pages_and_says_when_it_is_empty(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let empty = browser.get("/console/t/acme/reports/disabled-users").await;
    assert!(empty.body.contains("No user is disabled."));
    let idp = app.idp();
    for i in 0..55 {
        let id = idp.user(&format!("gone{i:02}@acme.test"), &format!("x{i}"));
        idp.deactivate(&id);
    }
    let first = browser.get("/console/t/acme/reports/disabled-users").await;
    assert!(first.body.contains("gone00@") && !first.body.contains("gone54@"));
    let start = first
        .body
        .find("name=\"after\" value=\"")
        .expect("a next page")
        + 20;
    let after: String = first.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let next = browser
        .get(&format!(
            "/console/t/acme/reports/disabled-users?after={after}"
        ))
        .await;
    assert!(next.body.contains("gone54@") && !next.body.contains("gone00@"));
    assert!(!next.body.contains("Next page"));
    let other = browser
        .get("/console/t/nowhere/reports/disabled-users.csv")
        .await;
    assert_eq!(other.status, 404);
}

both_backends!(
    disabled_users_are_listed_with_their_holdings_and_csv,
    the_report_pages_and_says_when_it_is_empty,
);
