//! A user's page: identity, role and why, groups; the lock switch (CSRF,
//! errors by the field, the lock version, the confirmation before unlocking,
//! the event recorded under the signed-in credential); the history.

use provisioning::{EventQuery, SubAccount};

use crate::both_backends;
use crate::harness::{
    Backend, OPERATOR_TOKEN, TestConsole, element, field_value, lines, redact, redact_times,
};

fn account(app: &TestConsole, id: &str) -> SubAccount {
    let p = app.provisioning();
    p.sub_account(&p.tenant("acme").unwrap(), id).unwrap()
}

/// Ada in Employees (rule 1: Loanee), Bob in nothing (the default, Viewer).
async fn tenant_with_rules(app: &TestConsole) -> (String, String, String) {
    let idp = app.idp();
    let ada = idp.user("ada@acme.test", "ext-ada");
    let bob = idp.user("bob@acme.test", "ext-bob");
    let employees = idp.group("Employees", &[&ada]);
    app.rules(&[(&employees, "Loanee")], None).await;
    (ada, bob, employees)
}

async fn the_page_shows_identity_role_why_and_groups(backend: Backend) {
    let app = TestConsole::new(backend);
    let (ada, _, employees) = tenant_with_rules(&app).await;
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let list = browser.get("/console/t/acme/users").await;
    let path = format!("/console/t/acme/users/{ada}");
    assert!(
        list.body.contains(&format!("href=\"{path}\"")),
        "the list links each user to its page"
    );
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let names = [(ada.as_str(), "ada"), (employees.as_str(), "employees")];
    insta::assert_snapshot!(
        "identity",
        lines(&redact(&element(&page.body, "dl", "identity"), &names))
    );
    insta::assert_snapshot!(
        "why",
        lines(&redact(&element(&page.body, "section", "why"), &names))
    );
    let history = element(&page.body, "section", "history");
    assert!(history.contains("joined the group"), "{history}");
    assert!(
        history.contains("role User → Loanee: Loanee: rule 1 matched (member of group Employees)"),
        "{history}"
    );
    assert!(page.body.contains("Not locked"));
    let missing = browser.get("/console/t/acme/users/no-such-user").await;
    assert_eq!(missing.status, 404);
}

async fn locking_is_checked_recorded_and_holds_against_the_idp(backend: Backend) {
    let app = TestConsole::new(backend);
    let (ada, _, _) = tenant_with_rules(&app).await;
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let path = format!("/console/t/acme/users/{ada}");
    let lock = format!("{path}/lock");
    let page = browser.get(&path).await;
    let csrf = page.csrf();
    assert_eq!(field_value(&page.body, "version").as_deref(), Some("0"));

    let forged = browser
        .post(&lock, &[("csrf", "x"), ("role", "Admin"), ("version", "0")])
        .await;
    assert_eq!(forged.status, 403);
    let no_role = browser
        .post(
            &lock,
            &[
                ("csrf", &csrf),
                ("role", ""),
                ("reason", "x"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(no_role.status, 422);
    assert!(
        no_role.body.contains("id=\"lock-role-error\""),
        "{}",
        no_role.body
    );
    assert!(
        no_role
            .body
            .contains("Choose the role to lock this user as.")
    );
    let disabled = browser
        .post(
            &lock,
            &[
                ("csrf", &csrf),
                ("role", "Disabled"),
                ("reason", "left"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(disabled.status, 422);
    assert!(
        disabled.body.contains("id=\"allow-disabled-error\""),
        "{}",
        disabled.body
    );
    assert_eq!(
        field_value(&disabled.body, "reason").as_deref(),
        Some("left"),
        "the form keeps what was typed"
    );
    let unknown = browser
        .post(
            &lock,
            &[("csrf", &csrf), ("role", "Boss"), ("version", "0")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("id=\"lock-role-error\""));
    assert!(
        account(&app, &ada).lock.is_none(),
        "nothing changed on bad input"
    );

    let locked = browser
        .post(
            &lock,
            &[
                ("csrf", &csrf),
                ("role", "Admin"),
                ("reason", "runs the pilot"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(locked.status, 303, "{}", locked.body);
    assert_eq!(locked.header("location"), path);
    let now = account(&app, &ada);
    assert_eq!(now.role.as_deref(), Some("Admin"));
    assert_eq!(now.lock.as_ref().map(|l| l.by.as_str()), Some("operator"));
    let p = app.provisioning();
    let acme = p.tenant("acme").unwrap();
    let events = p.event_log(&acme, &EventQuery::default()).unwrap().items;
    let set = events
        .iter()
        .rev()
        .find(|e| e.kind.as_str() == "lock.set")
        .unwrap();
    assert_eq!(
        set.cause.as_ref().unwrap()["actor"]["credential"],
        "operator_token"
    );

    // A form made on the unlocked state no longer applies.
    let stale = browser
        .post(
            &lock,
            &[("csrf", &csrf), ("role", "Viewer"), ("version", "0")],
        )
        .await;
    assert_eq!(stale.status, 422);
    assert!(
        stale.body.contains("Someone changed this user"),
        "{}",
        stale.body
    );
    assert_eq!(account(&app, &ada).role.as_deref(), Some("Admin"));

    // The identity provider moves Ada into another group: the lock holds.
    let idp = app.idp();
    let contractors = idp.group("Contractors", &[]);
    idp.add_member(&contractors, &ada);
    let page = browser.get(&path).await;
    let state = element(&page.body, "p", "lock-state");
    assert!(
        state.contains("Locked as <strong>Admin</strong> by operator"),
        "{state}"
    );
    assert!(state.contains("runs the pilot"));
    assert!(element(&page.body, "dd", "role").contains("Admin"));
    assert!(element(&page.body, "dd", "groups").contains("Contractors"));
    let history = element(&page.body, "section", "history");
    assert!(
        history.contains("role locked as Admin (runs the pilot)"),
        "{history}"
    );

    // Unlocking asks first, then the rules decide again.
    let unlock = format!("{path}/unlock");
    let confirm = browser.get(&unlock).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm
            .body
            .contains("the rules decide this user's role again")
    );
    assert!(account(&app, &ada).lock.is_some(), "asking changes nothing");
    let version = field_value(&confirm.body, "version").unwrap();
    let forged = browser
        .post(&unlock, &[("csrf", "x"), ("version", &version)])
        .await;
    assert_eq!(forged.status, 403);
    let done = browser
        .post(&unlock, &[("csrf", &confirm.csrf()), ("version", &version)])
        .await;
    assert_eq!(done.status, 303);
    let after = account(&app, &ada);
    assert!(after.lock.is_none());
    assert_eq!(after.role.as_deref(), Some("Loanee"));
    let history = redact_times(&browser.get(&path).await.body);
    assert!(history.contains("lock on Admin lifted"));
}

async fn a_tenant_admins_lock_carries_its_name(backend: Backend) {
    let app = TestConsole::new(backend);
    let (_, bob, _) = tenant_with_rules(&app).await;
    let p = app.provisioning();
    let acme = p.tenant("acme").unwrap();
    let admin = p
        .issue_admin_token(&acme, &crate::harness::operator_ctx(), "Alice Admin")
        .unwrap()
        .secret;
    let mut browser = app.signed_in(&admin).await;
    let path = format!("/console/t/acme/users/{bob}");
    let page = browser.get(&path).await;
    let locked = browser
        .post(
            &format!("{path}/lock"),
            &[
                ("csrf", &page.csrf()),
                ("role", "Disabled"),
                ("allow_disabled", "yes"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(locked.status, 303, "{}", locked.body);
    let bob_now = account(&app, &bob);
    assert_eq!(bob_now.role.as_deref(), Some("Disabled"));
    assert_eq!(bob_now.lock.unwrap().by, "Alice Admin");
    let page = browser.get(&path).await;
    let history = element(&page.body, "section", "history");
    assert!(history.contains("Alice Admin"), "{history}");
}

async fn history_pages_go_back_in_time(backend: Backend) {
    let app = TestConsole::new(backend);
    let (ada, _, _) = tenant_with_rules(&app).await;
    let idp = app.idp();
    for i in 0..25 {
        let group = idp.group(&format!("Team {i:02}"), &[]);
        idp.add_member(&group, &ada);
    }
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let path = format!("/console/t/acme/users/{ada}");
    let first = browser.get(&path).await;
    let history = element(&first.body, "section", "history");
    assert!(
        history.contains("Team 24") && !history.contains("Team 04"),
        "{history}"
    );
    let start = history.find("?before=").expect("an older page") + 8;
    let before: String = history[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let older = browser.get(&format!("{path}?before={before}")).await;
    let history = element(&older.body, "section", "history");
    assert!(
        history.contains("Team 04") && !history.contains("Team 24"),
        "{history}"
    );
    assert!(
        history.contains("user created"),
        "the oldest page ends with the creation"
    );
}

both_backends!(
    the_page_shows_identity_role_why_and_groups,
    locking_is_checked_recorded_and_holds_against_the_idp,
    a_tenant_admins_lock_carries_its_name,
    history_pages_go_back_in_time,
);
