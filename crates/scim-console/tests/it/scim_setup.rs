//! Configure SCIM: the Tenant URL, generating a token (shown once, recorded
//! under the signed-in credential), revoking one after confirmation, CSRF.

use provisioning::EventQuery;

use crate::both_backends;
use crate::harness::{Backend, OPERATOR_TOKEN, TestConsole, element_text, operator_ctx};

async fn generating_a_token_shows_the_secret_once(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let setup = browser.get("/console/t/acme/scim").await;
    assert_eq!(setup.status, 200);
    assert_eq!(
        element_text(&setup.body, "tenant-url").as_deref(),
        Some("http://localhost:8080/scim/v2/acme")
    );
    let forged = browser
        .post("/console/t/acme/scim/tokens", &[("csrf", "x")])
        .await;
    assert_eq!(forged.status, 403);
    let p = app.provisioning();
    let acme = p.tenant("acme").unwrap();
    assert_eq!(
        p.list_tokens(&acme).unwrap().len(),
        1,
        "a forged form changes nothing"
    );

    let issued = browser
        .post("/console/t/acme/scim/tokens", &[("csrf", &setup.csrf())])
        .await;
    assert_eq!(issued.status, 200);
    assert!(issued.body.contains("shown only once"));
    let secret = element_text(&issued.body, "new-token").unwrap();
    let (tenant, _) = p
        .authenticate("acme", &secret)
        .expect("the new token works");
    assert_eq!(tenant.slug, "acme");

    let after = browser.get("/console/t/acme/scim").await;
    assert!(
        !after.body.contains(&secret),
        "the list never shows a secret"
    );
    let tokens = p.list_tokens(&acme).unwrap();
    assert_eq!(tokens.len(), 2);
    for token in &tokens {
        assert!(after.body.contains(&token.prefix));
    }
    let events = p.event_log(&acme, &EventQuery::default()).unwrap().items;
    let rotated = events
        .iter()
        .rev()
        .find(|e| e.kind.to_string() == "token.rotated")
        .expect("a token.rotated event");
    let cause = rotated.cause.as_ref().unwrap();
    assert_eq!(cause["actor"]["credential"], "operator_token", "{cause}");
}

async fn a_tenant_admins_changes_carry_its_name(backend: Backend) {
    let app = TestConsole::new(backend);
    let p = app.provisioning();
    let acme = p.tenant("acme").unwrap();
    let admin = p
        .issue_admin_token(&acme, &operator_ctx(), "Alice Admin")
        .unwrap()
        .secret;
    let mut browser = app.signed_in(&admin).await;
    let setup = browser.get("/console/t/acme/scim").await;
    let issued = browser
        .post("/console/t/acme/scim/tokens", &[("csrf", &setup.csrf())])
        .await;
    assert_eq!(issued.status, 200);
    let events = p.event_log(&acme, &EventQuery::default()).unwrap().items;
    let rotated = events
        .iter()
        .rev()
        .find(|e| e.kind.to_string() == "token.rotated")
        .unwrap();
    assert_eq!(
        rotated.cause.as_ref().unwrap()["actor"]["name"],
        "Alice Admin"
    );
}

async fn revoking_asks_first_then_stops_the_token(backend: Backend) {
    let app = TestConsole::new(backend);
    let p = app.provisioning();
    let acme = p.tenant("acme").unwrap();
    let token = p.list_tokens(&acme).unwrap().remove(0);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let path = format!("/console/t/acme/scim/tokens/{}/revoke", token.prefix);
    let confirm = browser.get(&path).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("cannot be undone"));
    assert!(
        p.list_tokens(&acme).unwrap()[0].revoked_at.is_none(),
        "asking changes nothing"
    );
    let forged = browser.post(&path, &[("csrf", "x")]).await;
    assert_eq!(forged.status, 403);
    assert!(p.list_tokens(&acme).unwrap()[0].revoked_at.is_none());
    let done = browser.post(&path, &[("csrf", &confirm.csrf())]).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.header("location"), "/console/t/acme/scim");
    assert!(p.list_tokens(&acme).unwrap()[0].revoked_at.is_some());
    let unknown = browser
        .get("/console/t/acme/scim/tokens/nosuchprefix/revoke")
        .await;
    assert_eq!(unknown.status, 404);
}

both_backends!(
    generating_a_token_shows_the_secret_once,
    a_tenant_admins_changes_carry_its_name,
    revoking_asks_first_then_stops_the_token,
);
