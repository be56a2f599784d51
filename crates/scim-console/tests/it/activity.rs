//! Activity: the event log newest first, its filters (errors next to the
//! field), cursor pages, the compatibility rules under each identity provider
//! request, guard violations marked.

use crate::both_backends;
use crate::harness::{Backend, OPERATOR_TOKEN, TestConsole, element, operator_ctx};

/// The rows of the events table (after the header row).
fn rows(html: &str) -> impl Iterator<Item = &str> {
    html.split("<tr").skip(2)
}

/// The `seq` numbers of the rows of the events table, in page order.
fn seqs(html: &str) -> Vec<i64> {
    rows(html)
        .filter_map(|row| {
            let start = row.find("<td>")? + 4;
            row[start..].split('<').next().and_then(|n| n.parse().ok())
        })
        .collect()
}

async fn the_log_reads_newest_first_with_compat_rules_and_guard_violations(backend: Backend) {
    let app = TestConsole::new(backend);
    let idp = app.idp();
    let ada = idp.user("ada@acme.test", "ext-ada");
    let admins = idp.group("App Admins", &[&ada]);
    app.rules(&[(&admins, "Admin")], Some("Admin")).await;
    // Entra's deactivation: a capitalised op and a string boolean. Ada is the
    // last active Admin: the change applies and violates the guard.
    idp.deactivate(&ada);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let page = browser.get("/console/t/acme/activity").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let order = seqs(&page.body);
    assert!(order.len() > 5, "{order:?}");
    assert!(
        order.windows(2).all(|w| w[0] > w[1]),
        "newest first: {order:?}"
    );
    let row = rows(&page.body)
        .find(|row| row.contains("guard.violated"))
        .expect("a guard violation row");
    assert!(row.starts_with(" class=\"guard-violation\""), "{row}");
    assert!(
        row.contains("Guard violation"),
        "marked in words, not colour alone"
    );
    let deactivation = rows(&page.body)
        .find(|row| row.contains("user.deactivated"))
        .expect("the deactivation");
    for rule in ["case-insensitive-op", "boolean-string"] {
        assert!(deactivation.contains(rule), "{rule}: {deactivation}");
    }
    assert!(
        deactivation.contains("Entra sends"),
        "with the rule's description"
    );
    assert!(
        deactivation.contains("idp:scim_test"),
        "who: the identity provider's token"
    );

    let deactivations = browser
        .get("/console/t/acme/activity?kind=user.deactivated&user=&group=&from=&to=")
        .await;
    assert_eq!(seqs(&deactivations.body).len(), 1);
    assert!(
        deactivations
            .body
            .contains("deactivated by the identity provider")
    );
    let by_name = browser
        .get("/console/t/acme/activity?user=ADA%40acme.test")
        .await;
    assert_eq!(by_name.status, 200);
    assert!(
        by_name.body.contains("joined the group"),
        "a user's memberships are its events"
    );
    assert!(!by_name.body.contains("rules changed"));
    let by_group = browser
        .get("/console/t/acme/activity?group=App+Admins")
        .await;
    assert!(by_group.body.contains("group created") && !by_group.body.contains("user created"));
}

async fn bad_filters_are_explained_next_to_their_field(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    for (query, field, words) in [
        ("kind=role.chnaged", "kind", "is not a kind of event"),
        (
            "user=nobody",
            "user",
            "No user has the user name or id 'nobody'",
        ),
        (
            "group=nothing",
            "group",
            "No group has the name or id 'nothing'",
        ),
        ("from=yesterday", "from", "is not a date and time"),
        (
            "from=2026-12-07T10:00&to=2026-12-07T09:00",
            "to",
            "The end must be after the start.",
        ),
    ] {
        let page = browser
            .get(&format!("/console/t/acme/activity?{query}"))
            .await;
        assert_eq!(page.status, 400, "{query}");
        let error = element(&page.body, "p", &format!("{field}-error"));
        assert!(error.contains(words), "{query}: {error}");
        assert!(
            page.body
                .contains(&format!("aria-describedby=\"{field}-error\"")),
            "{query}"
        );
    }
    let in_range = browser
        .get("/console/t/acme/activity?from=2000-01-01T00:00&to=2100-01-01T00:00")
        .await;
    assert_eq!(in_range.status, 200);
    assert!(in_range.body.contains("tenant.created"));
}

async fn older_pages_follow_the_cursor_with_the_filters(backend: Backend) {
    let app = TestConsole::new(backend);
    let idp = app.idp();
    for i in 0..60 {
        idp.user(&format!("user{i:02}@acme.test"), &format!("ext-{i}"));
    }
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let first = browser
        .get("/console/t/acme/activity?kind=user.created")
        .await;
    let newest = seqs(&first.body);
    assert_eq!(newest.len(), 50);
    assert!(first.body.contains("user59@acme.test") && !first.body.contains("user09@"));
    let before = newest.last().unwrap();
    assert!(
        first
            .body
            .contains(&format!("name=\"before\" value=\"{before}\""))
    );
    assert!(
        first.body.contains("name=\"kind\" value=\"user.created\""),
        "the filter is kept"
    );
    let older = browser
        .get(&format!(
            "/console/t/acme/activity?kind=user.created&before={before}"
        ))
        .await;
    let rest = seqs(&older.body);
    assert_eq!(rest.len(), 10);
    assert!(rest.iter().all(|s| s < before));
    assert!(older.body.contains("user00@acme.test"));
    assert!(!older.body.contains("Older events"), "the last page");
}

/// The people pages of another tenant answer a tenant admin exactly like a
/// tenant that does not exist, and a signed-out browser learns nothing.
async fn another_tenants_people_pages_are_out_of_reach(backend: Backend) {
    let app = TestConsole::new(backend);
    let p = app.provisioning();
    p.create_tenant(&operator_ctx(), "initech", "Initech")
        .unwrap();
    let admin = p
        .issue_admin_token(&p.tenant("acme").unwrap(), &operator_ctx(), "Alice Admin")
        .unwrap()
        .secret;
    let ada = app.idp().user("ada@acme.test", "ext-ada");
    let paths = [
        "/console/t/initech/activity".to_owned(),
        "/console/t/initech/reports/disabled-users".to_owned(),
        "/console/t/initech/reports/disabled-users.csv".to_owned(),
        format!("/console/t/initech/users/{ada}"),
    ];
    let mut signed_out = app.browser();
    for path in &paths {
        let page = signed_out.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.header("location"), "/console/sign-in");
    }
    let mut browser = app.signed_in(&admin).await;
    for path in &paths {
        let other = browser.get(path).await;
        let absent = browser.get(&path.replace("initech", "nosuch")).await;
        assert_eq!(other.status, 404, "{path}");
        assert_eq!(
            other.body.replace("initech", "X"),
            absent.body.replace("nosuch", "X"),
            "{path}"
        );
    }
    let own = browser.get(&format!("/console/t/acme/users/{ada}")).await;
    let forged = browser
        .post(
            &format!("/console/t/initech/users/{ada}/lock"),
            &[("csrf", &own.csrf()), ("role", "Admin"), ("version", "0")],
        )
        .await;
    assert_eq!(forged.status, 404);
    assert!(
        p.sub_account(&p.tenant("acme").unwrap(), &ada)
            .unwrap()
            .lock
            .is_none()
    );
}

both_backends!(
    another_tenants_people_pages_are_out_of_reach,
    the_log_reads_newest_first_with_compat_rules_and_guard_violations,
    bad_filters_are_explained_next_to_their_field,
    older_pages_follow_the_cursor_with_the_filters,
);
