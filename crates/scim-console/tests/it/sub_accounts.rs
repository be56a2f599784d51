//! The sub-accounts list: users pushed over SCIM appear with their status;
//! search, filters and paging; unreadable filters are a 400 page.

use serde_json::json;

use crate::both_backends;
use crate::harness::{Backend, OPERATOR_TOKEN, TestConsole, idp_ctx};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Pushes users as the IdP would, and a group "Field Staff" with the first one
/// as member.
fn push_users(app: &TestConsole, names: &[(&str, bool)]) {
    let p = app.provisioning();
    let tenant = p.tenant("acme").unwrap();
    let mut ctx = idp_ctx();
    let mut ids = Vec::new();
    for (name, active) in names {
        let created = p
            .create_user(
                &tenant,
                &mut ctx,
                &json!({"schemas": [USER], "userName": name, "active": active}),
            )
            .unwrap();
        ids.push(created.id);
    }
    p.create_group(
        &tenant,
        &mut ctx,
        &json!({"schemas": [GROUP], "displayName": "Field Staff", "members": [{"value": ids[0]}]}),
    )
    .unwrap();
}

async fn pushed_users_are_listed_and_filtered(backend: Backend) {
    let app = TestConsole::new(backend);
    push_users(&app, &[("alice@acme.test", true), ("bob@acme.test", false)]);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let all = browser.get("/console/t/acme/users").await;
    assert_eq!(all.status, 200);
    assert!(all.body.contains("alice@acme.test") && all.body.contains("bob@acme.test"));
    assert!(
        all.body.contains("Field Staff"),
        "each row names its groups"
    );
    // The form as a browser submits it: every field, unset ones empty.
    let inactive = browser
        .get("/console/t/acme/users?q=&role=&status=inactive&locked=&sort=user_name&order=asc")
        .await;
    assert_eq!(inactive.status, 200);
    assert!(inactive.body.contains("bob@acme.test"));
    assert!(!inactive.body.contains("alice@acme.test"));
    let searched = browser.get("/console/t/acme/users?q=ali").await;
    assert!(searched.body.contains("alice@acme.test") && !searched.body.contains("bob@"));
    let none = browser.get("/console/t/acme/users?locked=locked").await;
    assert!(none.body.contains("No user matches."));
    let bad = browser.get("/console/t/acme/users?status=sleeping").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("<h1>Bad Request</h1>"));
}

/// The page offers the search as CSV: the admin API's export of the same
/// search, every user it selects.
async fn the_search_downloads_as_csv(backend: Backend) {
    let app = TestConsole::new(backend);
    push_users(
        &app,
        &[
            ("alice@acme.test", true),
            ("bob@acme.test", false),
            ("carl@acme.test", false),
        ],
    );
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let page = browser.get("/console/t/acme/users?status=inactive").await;
    assert!(page.body.contains("id=\"download-users\""), "{}", page.body);
    assert!(page.body.contains("action=\"/console/t/acme/users.csv\""));
    // The form as a browser submits it.
    let csv = browser
        .get("/console/t/acme/users.csv?status=inactive&locked=&sort=user_name&order=desc")
        .await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.header("content-disposition").contains("users.csv"));
    let names: Vec<&str> = csv
        .body
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(names, ["carl@acme.test", "bob@acme.test"]);
    let req = actix_web::test::TestRequest::get()
        .uri("/admin/v1/tenants/acme/users?status=inactive&sort=user_name&order=desc&format=csv")
        .insert_header(("authorization", format!("Bearer {OPERATOR_TOKEN}")));
    let api = app.send_request(req).await;
    assert_eq!(csv.body, api.body, "the same CSV as the admin API");
    let none = browser.get("/console/t/acme/users?locked=locked").await;
    assert!(!none.body.contains("download-users"), "nothing to download");
    let other = browser.get("/console/t/nowhere/users.csv").await;
    assert_eq!(other.status, 404);
}

both_backends!(
    pushed_users_are_listed_and_filtered,
    the_search_downloads_as_csv
);
