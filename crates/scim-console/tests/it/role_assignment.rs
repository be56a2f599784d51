//! Role assignment: the page lists pushed groups and rules; every edit is
//! previewed (the dry run's sentence and users) before Save; a save is
//! recorded under the signed-in credential; an edit made on rules someone
//! else changed since is refused with the current state; bad input is shown
//! next to its field and changes nothing; the filter check as you type.

use provisioning::{
    EventQuery, Provisioning, Rule, RuleSet, RulesEdit, RulesRun, SubAccountQuery, TenantContext,
};
use serde_json::json;

use crate::both_backends;
use crate::harness::{
    Backend, Browser, OPERATOR_TOKEN, Page, TestConsole, field_value, idp_ctx, operator_ctx,
};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ROLES: &str = "/console/t/acme/roles";
const PREVIEW: &str = "/console/t/acme/roles/preview";
const SAVE: &str = "/console/t/acme/roles/save";

/// Pushes three users as the IdP would (ada with a title) and the group
/// "Field Staff" with ada and bob; returns the group's id.
fn push(app: &TestConsole) -> String {
    let p = app.provisioning();
    let tenant = p.tenant("acme").unwrap();
    let mut ctx = idp_ctx();
    let mut ids = Vec::new();
    for (name, title) in [
        ("ada@acme.test", "Technician"),
        ("bob@acme.test", "Clerk"),
        ("cy@acme.test", "Clerk"),
    ] {
        let user = json!({"schemas": [USER], "userName": name, "active": true, "title": title});
        ids.push(p.create_user(&tenant, &mut ctx, &user).unwrap().id);
    }
    let group = json!({"schemas": [GROUP], "displayName": "Field Staff",
                       "members": [{"value": ids[0]}, {"value": ids[1]}]});
    p.create_group(&tenant, &mut ctx, &group).unwrap().id
}

fn acme(p: &Provisioning) -> std::sync::Arc<TenantContext> {
    p.tenant("acme").unwrap()
}

fn rules(app: &TestConsole) -> RuleSet {
    acme(app.provisioning()).engine.rules().clone()
}

fn role_of(app: &TestConsole, user_name: &str) -> String {
    let p = app.provisioning();
    let page = p
        .sub_accounts(&acme(p), &SubAccountQuery::default())
        .unwrap();
    let user = page
        .items
        .iter()
        .find(|u| u.user_name == user_name)
        .unwrap();
    user.role.clone().unwrap_or_default()
}

/// Posts an edit from `page` (its CSRF token and rule-set version).
async fn submit(browser: &mut Browser<'_>, to: &str, page: &Page, fields: &[(&str, &str)]) -> Page {
    let csrf = page.csrf();
    let version = field_value(&page.body, "version").expect("a version field");
    let mut form = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    form.extend_from_slice(fields);
    browser.post(to, &form).await
}

/// The page with what varies from run to run (CSRF token, ids, versions) named.
fn stable(app: &TestConsole, page: &Page, group: &str) -> String {
    let mut html = page
        .body
        .replace(&page.csrf(), "[csrf]")
        .replace(group, "[group]");
    if let Some(version) = field_value(&page.body, "version") {
        html = html.replace(&version, "[version]");
    }
    for (i, rule) in rules(app).rules.iter().enumerate() {
        html = html.replace(rule.id.as_deref().unwrap(), &format!("[rule {}]", i + 1));
    }
    html
}

async fn the_page_shows_groups_rules_and_settings(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let empty = browser.get(ROLES).await;
    assert_eq!(empty.status, 200);
    assert!(
        empty
            .body
            .contains("The identity provider has pushed no groups yet.")
    );
    let home = browser.get("/console/t/acme").await;
    assert!(
        home.body.contains("href=\"/console/t/acme/roles\""),
        "linked from the tenant home"
    );

    let group = push(&app);
    let p = app.provisioning();
    let edit = RulesEdit::rules(
        RuleSet::new("User")
            .with_rule(Rule::group(provisioning::GroupRef::id(&group), "Admin"))
            .with_rule(Rule::filter("title eq \"Technician\"", "Admin")),
    );
    assert!(
        p.set_rules(
            &acme(p),
            &operator_ctx(),
            edit,
            RulesRun::Save(Default::default())
        )
        .unwrap()
        .saved
    );
    let page = browser.get(ROLES).await;
    assert_eq!(page.status, 200);
    insta::assert_snapshot!("role_assignment_page", stable(&app, &page, &group));
}

async fn an_edit_is_previewed_then_saved(backend: Backend) {
    let app = TestConsole::new(backend);
    let group = push(&app);
    let admin = app
        .provisioning()
        .issue_admin_token(&acme(app.provisioning()), &operator_ctx(), "Alice Admin")
        .unwrap()
        .secret;
    let mut browser = app.signed_in(&admin).await;
    let page = browser.get(ROLES).await;
    let before = rules(&app);

    let preview = submit(
        &mut browser,
        PREVIEW,
        &page,
        &[("op", "map_group"), ("group", &group), ("role", "Admin")],
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("2 users change: 2 User → Admin."),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("ada@acme.test") && preview.body.contains("bob@acme.test"));
    assert!(
        !preview.body.contains("cy@acme.test"),
        "only the affected users are listed"
    );
    assert_eq!(rules(&app), before, "a preview saves nothing");
    assert_eq!(role_of(&app, "ada@acme.test"), "User");

    // Save posts the same edit, on the version the preview was made on.
    let saved = submit(
        &mut browser,
        SAVE,
        &preview,
        &[("op", "map_group"), ("group", &group), ("role", "Admin")],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.header("location"), "/console/t/acme/roles?saved=2");
    assert_eq!(role_of(&app, "ada@acme.test"), "Admin");
    assert_eq!(role_of(&app, "cy@acme.test"), "User");
    let after = browser.get(saved.header("location")).await;
    assert!(after.body.contains("Saved. 2 users changed role."));
    assert!(after.body.contains("rule 1 of 1"));

    let p = app.provisioning();
    let events = p.event_log(&acme(p), &EventQuery::default()).unwrap().items;
    let changed = events
        .iter()
        .rev()
        .find(|e| e.kind.to_string() == "rules.changed")
        .expect("rules.changed");
    assert_eq!(
        changed.cause.as_ref().unwrap()["actor"]["name"],
        "Alice Admin"
    );

    // Back to "no rule": the rule goes, and the roles with it.
    let page = browser.get(ROLES).await;
    let unmap = submit(
        &mut browser,
        PREVIEW,
        &page,
        &[("op", "map_group"), ("group", &group), ("role", "")],
    )
    .await;
    assert!(
        unmap.body.contains("2 users change: 2 Admin → User."),
        "{}",
        unmap.body
    );
    let saved = submit(
        &mut browser,
        SAVE,
        &unmap,
        &[("op", "map_group"), ("group", &group), ("role", "")],
    )
    .await;
    assert_eq!(saved.status, 303);
    assert!(rules(&app).rules.is_empty());
}

async fn attribute_rules_are_added_moved_and_removed(backend: Backend) {
    let app = TestConsole::new(backend);
    push(&app);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    for (filter, role) in [
        ("title eq \"Clerk\"", "Disabled"),
        ("title eq \"Technician\"", "Admin"),
    ] {
        let page = browser.get(ROLES).await;
        let fields = [("op", "add_filter"), ("filter", filter), ("role", role)];
        let preview = submit(&mut browser, PREVIEW, &page, &fields).await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert_eq!(
            submit(&mut browser, SAVE, &preview, &fields).await.status,
            303
        );
    }
    assert_eq!(role_of(&app, "bob@acme.test"), "Disabled");
    let second = rules(&app).rules[1].id.clone().unwrap();
    let page = browser.get(ROLES).await;
    let fields = [
        ("op", "move"),
        ("rule", second.as_str()),
        ("direction", "up"),
    ];
    let preview = submit(&mut browser, PREVIEW, &page, &fields).await;
    assert!(
        preview.body.contains("Rule 2 moves up one place."),
        "{}",
        preview.body
    );
    assert!(
        preview.body.contains("No user changes role."),
        "{}",
        preview.body
    );
    assert_eq!(
        submit(&mut browser, SAVE, &preview, &fields).await.status,
        303
    );
    assert_eq!(rules(&app).rules[0].id.as_deref(), Some(second.as_str()));

    let page = browser.get(ROLES).await;
    let fields = [("op", "remove"), ("rule", second.as_str())];
    let preview = submit(&mut browser, PREVIEW, &page, &fields).await;
    assert!(
        preview.body.contains("1 user changes: 1 Admin → User."),
        "{}",
        preview.body
    );
    assert_eq!(rules(&app).rules.len(), 2, "removing asks first");
    assert_eq!(
        submit(&mut browser, SAVE, &preview, &fields).await.status,
        303
    );
    assert_eq!(rules(&app).rules.len(), 1);
    assert_eq!(role_of(&app, "ada@acme.test"), "User");
}

async fn a_stale_edit_is_told_so_and_not_saved(backend: Backend) {
    let app = TestConsole::new(backend);
    let group = push(&app);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let page = browser.get(ROLES).await;
    let fields = [
        ("op", "map_group"),
        ("group", group.as_str()),
        ("role", "Admin"),
    ];
    let preview = submit(&mut browser, PREVIEW, &page, &fields).await;
    assert_eq!(preview.status, 200);

    // Someone else saves meanwhile.
    let p = app.provisioning();
    let theirs = RulesEdit::rules(
        RuleSet::new("User").with_rule(Rule::filter("title eq \"Clerk\"", "Disabled")),
    );
    assert!(
        p.set_rules(
            &acme(p),
            &operator_ctx(),
            theirs,
            RulesRun::Save(Default::default())
        )
        .unwrap()
        .saved
    );
    let stored = rules(&app);

    let save = submit(&mut browser, SAVE, &preview, &fields).await;
    assert_eq!(save.status, 409, "{}", save.body);
    assert!(save.body.contains(
        "Someone else changed the rules since you opened this page; here is the current state."
    ));
    assert!(
        save.body.contains("title eq &quot;Clerk&quot;"),
        "the fresh state is shown"
    );
    assert_eq!(rules(&app), stored, "nothing overwritten");
    let again = submit(&mut browser, PREVIEW, &page, &fields).await;
    assert_eq!(
        again.status, 409,
        "a preview on the old version is refused too"
    );
    assert_eq!(role_of(&app, "ada@acme.test"), "User");
}

async fn bad_input_shows_next_to_the_field(backend: Backend) {
    let app = TestConsole::new(backend);
    push(&app);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let page = browser.get(ROLES).await;
    let before = rules(&app);

    let bad = submit(
        &mut browser,
        PREVIEW,
        &page,
        &[
            ("op", "add_filter"),
            ("filter", "title eqq 1"),
            ("role", "Admin"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let at = bad.body.find("id=\"new-filter-problem\"").unwrap();
    assert!(
        bad.body[at..].contains("Where: <code>title <mark>▸</mark>eqq 1</code>"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"title eqq 1\""),
        "what was typed stays in the field"
    );

    let empty = submit(
        &mut browser,
        PREVIEW,
        &page,
        &[("op", "add_filter"), ("filter", " "), ("role", "Admin")],
    )
    .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Enter a SCIM filter"));

    let unknown = submit(
        &mut browser,
        SAVE,
        &page,
        &[("op", "default_role"), ("default_role", "Boss")],
    )
    .await;
    assert_eq!(unknown.status, 422);
    let at = unknown.body.find("id=\"default-role-section\"").unwrap();
    assert!(
        unknown.body[at..].contains("role Boss is not in the catalogue"),
        "{}",
        unknown.body
    );

    // A guard nobody would hold: refused, next to the settings.
    let guard = submit(
        &mut browser,
        SAVE,
        &page,
        &[("op", "settings"), ("lock", "ends"), ("guard", "Admin")],
    )
    .await;
    assert_eq!(guard.status, 422, "{}", guard.body);
    let at = guard.body.find("id=\"settings-section\"").unwrap();
    assert!(
        guard.body[at..].contains("would be an active Admin"),
        "{}",
        guard.body
    );

    let forged = browser
        .post(
            SAVE,
            &[
                ("csrf", "x"),
                ("version", "0"),
                ("op", "default_role"),
                ("default_role", "Admin"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let garbled = submit(&mut browser, SAVE, &page, &[("op", "explode")]).await;
    assert_eq!(garbled.status, 400);
    assert_eq!(rules(&app), before, "nothing changed");

    // A setting that is fine is saved.
    let lock = submit(
        &mut browser,
        SAVE,
        &page,
        &[("op", "settings"), ("lock", "kept"), ("guard", "")],
    )
    .await;
    assert_eq!(lock.status, 303, "{}", lock.body);
    assert!(rules(&app).lock_survives_deactivation);
}

async fn filters_are_checked_as_typed(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let bad = browser
        .get("/console/t/acme/roles/check-filter?filter=title%20eqq%201")
        .await;
    assert_eq!(bad.status, 200);
    assert!(
        bad.body
            .contains("Where: <code>title <mark>▸</mark>eqq 1</code>"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("<mark>"), "{}", bad.body);
    let good = browser
        .get("/console/t/acme/roles/check-filter?filter=title%20pr")
        .await;
    assert_eq!(good.body, "");
    let page = browser.get(ROLES).await;
    assert!(
        page.body
            .contains("data-check-url=\"/console/t/acme/roles/check-filter\"")
    );
    let signed_out = app
        .browser()
        .get("/console/t/acme/roles/check-filter?filter=x")
        .await;
    assert_eq!(signed_out.status, 303, "signed out: sign in first");
    let other = browser
        .get("/console/t/nosuch/roles/check-filter?filter=x")
        .await;
    assert_eq!(other.status, 404);
}

async fn a_long_preview_lists_the_first_users_and_counts_the_rest(backend: Backend) {
    let app = TestConsole::new(backend);
    push(&app);
    let p = app.provisioning();
    let mut ctx = idp_ctx();
    for i in 0..53 {
        let user = json!({"schemas": [USER], "userName": format!("clerk{i:02}@acme.test"), "title": "Clerk"});
        p.create_user(&acme(p), &mut ctx, &user).unwrap();
    }
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let page = browser.get(ROLES).await;
    let fields = [
        ("op", "add_filter"),
        ("filter", "title eq \"Clerk\""),
        ("role", "Disabled"),
    ];
    let preview = submit(&mut browser, PREVIEW, &page, &fields).await;
    assert!(
        preview
            .body
            .contains("55 users change: 55 User → Disabled."),
        "{}",
        preview.body
    );
    assert_eq!(
        preview
            .body
            .matches("<td>User</td><td>Disabled</td>")
            .count(),
        50,
        "{}",
        preview.body
    );
    assert!(preview.body.contains("and 5 more"), "{}", preview.body);
}

/// A rule's group reads under the name the identity provider gives it now,
/// and a rule whose group the identity provider deleted says it matches nobody.
async fn rules_follow_renamed_and_deleted_groups(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let group = push(&app);
    let p = app.provisioning();
    let labelled = provisioning::GroupRef::labelled(&group, "Field Staff");
    let edit = RulesEdit::rules(
        RuleSet::new("User")
            .with_rule(Rule::group(labelled.clone(), "Admin"))
            .with_rule(Rule::group(labelled, "User").and_filter("title pr")),
    );
    let saved = p.set_rules(
        &acme(p),
        &operator_ctx(),
        edit,
        RulesRun::Save(Default::default()),
    );
    assert!(saved.unwrap().saved);
    let rename = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Technicians"}]});
    p.patch_group(&acme(p), &mut idp_ctx(), &group, &rename, None)
        .unwrap();
    let page = browser.get(ROLES).await;
    // The second rule names the group in the attribute rules' table.
    assert!(
        page.body
            .contains("member of <strong>Technicians</strong> and"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Field Staff"), "{}", page.body);
    // So do the role changes in Activity, written before the rename.
    let activity = browser
        .get("/console/t/acme/activity?kind=role.changed")
        .await;
    assert!(
        activity.body.contains("Technicians") && !activity.body.contains("Field Staff"),
        "{}",
        activity.body
    );

    p.delete_group(&acme(p), &idp_ctx(), &group, None).unwrap();
    let page = browser.get(ROLES).await;
    assert!(
        page.body
            .contains("no longer pushed by the identity provider"),
        "{}",
        page.body
    );
}

/// Follows a save's progress page until it sends the browser elsewhere (or
/// says the save failed): the pages seen while it ran, and the last answer.
async fn follow_save(browser: &mut Browser<'_>, saved: &Page) -> (Vec<Page>, Page) {
    assert_eq!(saved.status, 303, "{}", saved.body);
    let job = saved.header("location").to_owned();
    assert!(job.starts_with("/console/t/acme/roles/saves/"), "{job}");
    let mut running = Vec::new();
    for _ in 0..200 {
        let page = browser.get(&job).await;
        if page.status == 200 && page.body.contains("data-reload-after") {
            running.push(page);
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        }
        return (running, page);
    }
    panic!("the save at {job} did not end");
}

/// A save that outlasts the console's wait (a large tenant; here the wait is
/// zero) is followed on its own page: how many users are decided while it
/// runs, then the Role assignment page with the count; a save refused by the
/// users' checks says why there, and nothing changes.
async fn a_long_save_is_followed_on_its_progress_page(backend: Backend) {
    let app = TestConsole::new(backend).with_save_wait(std::time::Duration::ZERO);
    let group = push(&app);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let page = browser.get(ROLES).await;
    let fields = [
        ("op", "map_group"),
        ("group", group.as_str()),
        ("role", "Admin"),
    ];
    let preview = submit(&mut browser, PREVIEW, &page, &fields).await;
    let saved = submit(&mut browser, SAVE, &preview, &fields).await;
    let (running, end) = follow_save(&mut browser, &saved).await;
    for page in &running {
        assert!(page.body.contains("users decided"), "{}", page.body);
        assert!(page.body.contains("<progress"), "{}", page.body);
    }
    assert_eq!(end.status, 303, "{}", end.body);
    assert_eq!(end.header("location"), "/console/t/acme/roles?saved=2");
    assert_eq!(role_of(&app, "ada@acme.test"), "Admin");

    // Refused once every user was checked: the reason on the save's page.
    let page = browser.get(ROLES).await;
    let before = rules(&app);
    let guard = [
        ("op", "settings"),
        ("lock", "ends"),
        ("guard", "Technician"),
    ];
    let saved = submit(&mut browser, SAVE, &page, &guard).await;
    let (_, end) = follow_save(&mut browser, &saved).await;
    assert_eq!(end.status, 409, "{}", end.body);
    assert!(end.body.contains("Nothing was saved."), "{}", end.body);
    assert!(end.body.contains("Technician"), "{}", end.body);
    assert_eq!(rules(&app), before, "nothing saved");

    let unknown = browser.get("/console/t/acme/roles/saves/no-such-job").await;
    assert_eq!(unknown.status, 404);

    // A save still running (a job that never ends, half way through): its
    // progress, and the page loads itself again.
    let progress = provisioning::Progress::default();
    progress.start(10);
    progress.advance(4);
    let tenant_id = acme(app.provisioning()).id.clone();
    let id = scim_http::spawn_job(tenant_id, "rules.save", progress, std::future::pending());
    let running = browser
        .get(&format!("/console/t/acme/roles/saves/{id}"))
        .await;
    assert_eq!(running.status, 200, "{}", running.body);
    assert!(
        running.body.contains("4 of 10 users decided"),
        "{}",
        running.body
    );
    assert!(
        running
            .body
            .contains("<progress id=\"save-progress\" value=\"4\" max=\"10\">"),
        "{}",
        running.body
    );
    assert!(running.body.contains("data-reload-after=\"1000\""));
    // Another tenant's admin cannot see it.
    let other = browser
        .get(&format!("/console/t/nowhere/roles/saves/{id}"))
        .await;
    assert_eq!(other.status, 404);
}

both_backends!(
    a_long_save_is_followed_on_its_progress_page,
    rules_follow_renamed_and_deleted_groups,
    a_long_preview_lists_the_first_users_and_counts_the_rest,
    the_page_shows_groups_rules_and_settings,
    an_edit_is_previewed_then_saved,
    attribute_rules_are_added_moved_and_removed,
    a_stale_edit_is_told_so_and_not_saved,
    bad_input_shows_next_to_the_field,
    filters_are_checked_as_typed,
);
