//! The Role assignment page in headless Chromium against the real server: a
//! SCIM client pushes users and a group with members; the operator maps the
//! group to a role, sees the preview list the affected users, saves, and sees
//! their roles in the sub-accounts list; a filter is checked as it is typed;
//! and an edit previewed before someone else changed the rules through the
//! admin API is refused on Save, nothing overwritten. The page, the preview
//! and the refusal are checked as `browser::check_page` does (screenshot,
//! accessibility), the page and the preview on a phone-sized window too.

use fantoccini::Client;
use serde_json::json;

use crate::both_backends;
use crate::browser::{
    Driver, browser, check_page, check_page_on_a_phone, click, sign_in, wait_for,
};
use crate::harness::{ADMIN_TOKEN, Backend, Server, start};

async fn text(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.unwrap()
}

async fn map_group_and_refuse_a_stale_edit(backend: Backend, server: &Server, group: &str) {
    let driver = Driver::start();
    let client = browser(&driver).await;
    sign_in(&client, server, ADMIN_TOKEN).await;
    let roles = format!("{}/console/t/acme/roles", server.origin);
    client
        .goto(&format!("{}/console/t/acme", server.origin))
        .await
        .unwrap();
    click(&client, "ul.cards a[href='/console/t/acme/roles']").await;
    wait_for(&client, "#group-mappings").await;
    check_page(&client, backend, "roles").await;
    check_page_on_a_phone(&client, backend, "roles").await;

    // The filter is checked as it is typed (the page's script).
    let field = wait_for(&client, "#new-filter").await;
    field.send_keys("title eqq 1").await.unwrap();
    let problem = text(&client, "#new-filter-problem mark").await;
    assert_eq!(problem, "▸");
    assert!(
        text(&client, "#new-filter-problem")
            .await
            .contains("position 6")
    );
    // WebDriver scripts are not the page's: the CSP does not apply to them.
    client
        .execute(
            "document.getElementById('new-filter').scrollIntoView()",
            Vec::new(),
        )
        .await
        .unwrap();
    check_page(&client, backend, "roles-filter-check").await;

    // Map the pushed group to Admin: the preview lists its members.
    wait_for(&client, &format!("select[id='group-{group}']"))
        .await
        .select_by_value("Admin")
        .await
        .unwrap();
    click(&client, "#group-mappings tbody tr button[type=submit]").await;
    let summary = text(&client, "#preview-summary").await;
    assert_eq!(summary, "2 users change: 2 User → Admin.");
    let listed = text(&client, "#preview-users").await;
    assert!(
        listed.contains("ada@acme.test") && listed.contains("bob@acme.test"),
        "{listed}"
    );
    assert!(!listed.contains("cy@acme.test"), "{listed}");
    check_page(&client, backend, "roles-preview").await;
    check_page_on_a_phone(&client, backend, "roles-preview").await;
    click(&client, "#save").await;
    assert!(
        text(&client, "#saved")
            .await
            .contains("2 users changed role.")
    );

    client
        .goto(&format!("{}/console/t/acme/users", server.origin))
        .await
        .unwrap();
    let users = text(&client, "#users").await;
    for line in users.lines().filter(|l| l.contains("@acme.test")) {
        let expected = if line.contains("cy@") {
            " User "
        } else {
            " Admin "
        };
        assert!(line.contains(expected), "{line}");
    }

    // A stale edit: previewed, then someone else saves through the admin API.
    client.goto(&roles).await.unwrap();
    wait_for(&client, "#new-filter")
        .await
        .send_keys("title eq \"Clerk\"")
        .await
        .unwrap();
    wait_for(&client, "#new-filter-role")
        .await
        .select_by_value("Disabled")
        .await
        .unwrap();
    click(
        &client,
        "#attribute-rules-section form.wide button[type=submit]",
    )
    .await;
    // ada and bob stay Admin (the group rule comes first): only cy moves.
    assert_eq!(
        text(&client, "#preview-summary").await,
        "1 user changes: 1 User → Disabled."
    );
    let theirs = json!({"default_role": "User", "rules": [{"filter": "title eq \"Boss\"", "role": "Admin"}]});
    let put = server.admin().put("/rules", &theirs);
    assert_eq!(put.status, 200, "{}", put.text);
    click(&client, "#save").await;
    let stale = text(&client, "#stale").await;
    assert!(
        stale.contains("Someone else changed the rules since you opened this page"),
        "{stale}"
    );
    assert!(
        text(&client, "#attribute-rules")
            .await
            .contains("title eq \"Boss\""),
        "the current state"
    );
    check_page(&client, backend, "roles-stale").await;
    let stored = server.admin().get("/rules");
    assert_eq!(
        stored.body["rules"].as_array().map(Vec::len),
        Some(1),
        "{}",
        stored.text
    );
    assert_eq!(
        stored.body["rules"][0]["filter"], "title eq \"Boss\"",
        "nothing overwritten"
    );

    client.close().await.expect("end the WebDriver session");
}

fn role_assignment_in_a_browser(backend: Backend) {
    let server = start(backend);
    let scim = server.scim();
    let mut ids = Vec::new();
    for (name, title) in [
        ("ada@acme.test", "Clerk"),
        ("bob@acme.test", "Clerk"),
        ("cy@acme.test", "Clerk"),
    ] {
        let r = scim.post(
            "/Users",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": name, "active": true, "title": title}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let r = scim.post(
        "/Groups",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Field Staff",
                "members": [{"value": ids[0]}, {"value": ids[1]}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let group = r.body["id"].as_str().unwrap().to_owned();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the WebDriver client")
        .block_on(map_group_and_refuse_a_stale_edit(backend, &server, &group));
}

/// Starts two saves of tenant `acme` as jobs without a rule edit behind them:
/// one still running (it never ends; 42,000 of 100,000 users decided) and one
/// that ended without saving. Their pages are what a large tenant's save shows.
fn save_jobs(server: &Server) -> (String, String) {
    let tenant_id = server.provisioning.tenant("acme").unwrap().id.clone();
    actix_web::rt::System::new().block_on(async move {
        let progress = provisioning::Progress::default();
        progress.start(100_000);
        progress.advance(42_000);
        let running = scim_http::spawn_job(
            tenant_id.clone(),
            "rules.save",
            progress,
            std::future::pending(),
        );
        let failed = scim_http::spawn_job(
            tenant_id.clone(),
            "rules.save",
            provisioning::Progress::default(),
            async {
                Err(scim_http::ApiError::new(
                    actix_web::http::StatusCode::PRECONDITION_FAILED,
                    "Someone else saved the role assignment while this save ran: nothing was saved.",
                ))
            },
        );
        while scim_http::job_status(&tenant_id, &failed).is_some_and(|j| j.status == "running") {
            actix_web::rt::task::yield_now().await;
        }
        (running, failed)
    })
}

async fn save_pages(backend: Backend, server: &Server, running: &str, failed: &str) {
    let driver = Driver::start();
    let client = browser(&driver).await;
    sign_in(&client, server, ADMIN_TOKEN).await;
    let saves = format!("{}/console/t/acme/roles/saves", server.origin);
    client.goto(&format!("{saves}/{running}")).await.unwrap();
    wait_for(&client, "#save-progress").await;
    assert!(
        text(&client, "#saving p[role=status]")
            .await
            .contains("42000 of 100000 users decided")
    );
    // The page loads itself again every second: stop that, so the checks
    // below see one page.
    client
        .execute(
            "let id = setTimeout(function () {}, 0); while (id >= 0) { clearTimeout(id); id -= 1; }",
            Vec::new(),
        )
        .await
        .unwrap();
    check_page(&client, backend, "roles-saving").await;
    check_page_on_a_phone(&client, backend, "roles-saving").await;
    client.goto(&format!("{saves}/{failed}")).await.unwrap();
    assert!(
        text(&client, "#save-failed")
            .await
            .contains("nothing was saved")
    );
    check_page(&client, backend, "roles-save-failed").await;
    client.close().await.expect("end the WebDriver session");
}

/// A large tenant's save, followed on its own page: the progress while it
/// runs, and why nothing was saved when it ends refused.
fn save_progress_in_a_browser(backend: Backend) {
    let server = start(backend);
    let (running, failed) = save_jobs(&server);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the WebDriver client")
        .block_on(save_pages(backend, &server, &running, &failed));
}

both_backends!(role_assignment_in_a_browser, save_progress_in_a_browser);
