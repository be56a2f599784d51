//! Configure SCIM: the Tenant URL, generating a token (shown once, recorded
//! under the signed-in credential), revoking one after confirmation, CSRF, and
//! the Connection section.

use provisioning::{ClientKind, EventQuery, RequestNote};

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

/// The Connection section: nothing yet, then the latest request and error,
/// the client recognised, the chart with its text alternative and totals.
async fn the_connection_section_shows_what_the_identity_provider_sent(backend: Backend) {
    let app = TestConsole::new(backend);
    let p = app.provisioning();
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let before = browser.get("/console/t/acme/scim").await;
    assert!(
        before
            .body
            .contains("No SCIM request has reached this tenant yet")
    );
    assert_eq!(
        element_text(&before.body, "connection-totals").as_deref(),
        Some(
            "Last 7 days: 0 requests, 0 errors (4xx and 5xx). Bars: requests per hour, with the errors among them in red."
        )
    );

    let request = |status: u16, client: ClientKind, id: &str| RequestNote {
        at: p.now(),
        method: "GET".into(),
        route: "/Users".into(),
        status,
        client,
        request_id: id.into(),
        scim_type: (status == 400).then(|| "invalidFilter".to_owned()),
        detail: (status == 400).then(|| "The filter <ends> early".to_owned()),
    };
    p.record_request("acme", request(200, ClientKind::Okta, "req-okta"));
    p.record_request("acme", request(400, ClientKind::EntraId, "req-entra"));
    p.record_request("acme", request(200, ClientKind::Other, "req-curl"));
    // Recorded in memory; the page shows them at once (it flushes first).
    let page = browser.get("/console/t/acme/scim").await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert_eq!(
        element_text(body, "connection-client").as_deref(),
        Some("Microsoft Entra ID"),
        "the latest recognised client"
    );
    assert!(
        element_text(body, "connection-last-request")
            .unwrap()
            .contains("UTC"),
        "{body}"
    );
    let last_error = &body[body.find("id=\"connection-last-error\"").unwrap()..];
    let last_error = &last_error[..last_error.find("</dd>").unwrap()];
    assert!(last_error.contains("req-entra"), "{last_error}");
    assert!(last_error.contains("invalidFilter"), "{last_error}");
    assert!(
        last_error.contains("The filter &lt;ends&gt; early"),
        "escaped: {last_error}"
    );
    assert!(
        last_error.contains("from Microsoft Entra ID"),
        "{last_error}"
    );
    assert!(
        element_text(body, "connection-totals")
            .unwrap()
            .starts_with("Last 7 days: 3 requests, 1 error (4xx and 5xx)."),
        "{body}"
    );
    // The chart: inline SVG with a title and description, one bar.
    assert!(body.contains(r#"aria-labelledby="connection-chart-title connection-chart-desc""#));
    assert_eq!(
        element_text(body, "connection-chart-desc")
            .unwrap()
            .split(';')
            .next(),
        Some("3 requests and 1 error in total")
    );
    assert_eq!(body.matches(r#"<rect class="requests""#).count(), 1);
    assert!(!body.contains("style="), "no inline style under the CSP");
}

both_backends!(
    the_connection_section_shows_what_the_identity_provider_sent,
    generating_a_token_shows_the_secret_once,
    a_tenant_admins_changes_carry_its_name,
    revoking_asks_first_then_stops_the_token,
);
