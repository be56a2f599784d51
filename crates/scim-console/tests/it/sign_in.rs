//! Signing in and out: cookies, CSRF on the sign-in form, wrong tokens, the
//! redirect of signed-out browsers, the security headers.

use scim_console::headers::CONTENT_SECURITY_POLICY;

use crate::both_backends;
use crate::harness::{Backend, OPERATOR_TOKEN, TestConsole};

async fn signed_out_browsers_are_sent_to_sign_in_without_tenant_names(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.browser();
    for path in [
        "/console",
        "/console/tenants",
        "/console/t/acme",
        "/console/t/acme/scim",
        "/console/t/nowhere/scim",
        "/console/no-such-page",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.header("location"), "/console/sign-in", "{path}");
        assert!(!page.body.contains("acme"), "{path}: {}", page.body);
    }
    let posted = browser
        .post("/console/t/acme/scim/tokens", &[("csrf", "x")])
        .await;
    assert_eq!(posted.status, 303);
    assert_eq!(
        app.provisioning()
            .list_tokens(&app.provisioning().tenant("acme").unwrap())
            .unwrap()
            .len(),
        1
    );
}

async fn the_operator_token_signs_in_with_a_strict_session_cookie(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.browser();
    let form = browser.get("/console/sign-in").await;
    assert_eq!(form.status, 200);
    let pairing = form.set_cookie("scim_console_sign_in").unwrap();
    assert!(
        pairing.contains("HttpOnly") && pairing.contains("SameSite=Strict"),
        "{pairing}"
    );
    let signed = browser
        .post(
            "/console/sign-in",
            &[("csrf", &form.csrf()), ("token", OPERATOR_TOKEN)],
        )
        .await;
    assert_eq!(signed.status, 303);
    assert_eq!(signed.header("location"), "/console");
    let session = signed.set_cookie("scim_console_session").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(session.contains(attribute), "{session}");
    }
    assert!(
        !session.contains("Secure"),
        "plain HTTP: no Secure flag: {session}"
    );
    assert!(
        !browser.cookies.contains_key("scim_console_sign_in"),
        "the form token is spent"
    );
    let home = browser.get("/console").await;
    assert_eq!(home.header("location"), "/console/tenants");
    let tenants = browser.get("/console/tenants").await;
    assert_eq!(tenants.status, 200);
    assert!(
        tenants
            .body
            .contains("Signed in as <strong>operator</strong>"),
        "{}",
        tenants.body
    );
}

async fn a_wrong_token_is_refused_and_starts_no_session(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.browser();
    let form = browser.get("/console/sign-in").await;
    let tenant_token = app
        .provisioning()
        .rotate_token(
            &app.provisioning().tenant("acme").unwrap(),
            &crate::harness::operator_ctx(),
            None,
        )
        .unwrap()
        .secret;
    for wrong in ["nope", "", tenant_token.as_str()] {
        let refused = browser
            .post(
                "/console/sign-in",
                &[("csrf", &form.csrf()), ("token", wrong)],
            )
            .await;
        assert_eq!(refused.status, 401, "{wrong}");
        assert!(refused.body.contains("was not accepted"));
        assert!(refused.set_cookie("scim_console_session").is_none());
    }
    assert_eq!(browser.get("/console/tenants").await.status, 303);
}

async fn the_sign_in_form_needs_its_paired_cookie(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.browser();
    let form = browser.get("/console/sign-in").await;
    // Another browser posting this form's token (a cross-site forgery) has no
    // pairing cookie.
    let mut other = app.browser();
    let forged = other
        .post(
            "/console/sign-in",
            &[("csrf", &form.csrf()), ("token", OPERATOR_TOKEN)],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.set_cookie("scim_console_session").is_none());
    let mismatched = browser
        .post(
            "/console/sign-in",
            &[("csrf", "0000"), ("token", OPERATOR_TOKEN)],
        )
        .await;
    assert_eq!(mismatched.status, 403);
}

async fn sign_out_ends_the_session_for_good(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let session = browser.cookies["scim_console_session"].clone();
    let page = browser.get("/console/tenants").await;
    let refused = browser
        .post("/console/sign-out", &[("csrf", "wrong")])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(browser.get("/console/tenants").await.status, 200);
    let out = browser
        .post("/console/sign-out", &[("csrf", &page.csrf())])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), "/console/sign-in");
    assert!(!browser.cookies.contains_key("scim_console_session"));
    // The old cookie, replayed, opens nothing.
    browser
        .cookies
        .insert("scim_console_session".to_owned(), session);
    assert_eq!(browser.get("/console/tenants").await.status, 303);
}

async fn every_page_carries_the_content_security_policy(backend: Backend) {
    let app = TestConsole::new(backend);
    let mut browser = app.browser();
    let sign_in = browser.get("/console/sign-in").await;
    let redirect = browser.get("/console/tenants").await;
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let tenants = browser.get("/console/tenants").await;
    let missing = browser.get("/console/t/nowhere").await;
    let forged = browser
        .post("/console/t/acme/scim/tokens", &[("csrf", "x")])
        .await;
    for page in [&sign_in, &redirect, &tenants, &missing, &forged] {
        assert_eq!(
            page.header("content-security-policy"),
            CONTENT_SECURITY_POLICY
        );
        assert_eq!(page.header("x-frame-options"), "DENY");
    }
    assert!(CONTENT_SECURITY_POLICY.contains("default-src 'none'"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    assert_eq!(missing.status, 404);
    let css = browser.get("/console/assets/console.css").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").starts_with("text/css"));
    let js = browser.get("/console/assets/console.js").await;
    assert!(js.header("content-type").starts_with("text/javascript"));
}

both_backends!(
    signed_out_browsers_are_sent_to_sign_in_without_tenant_names,
    the_operator_token_signs_in_with_a_strict_session_cookie,
    a_wrong_token_is_refused_and_starts_no_session,
    the_sign_in_form_needs_its_paired_cookie,
    sign_out_ends_the_session_for_good,
    every_page_carries_the_content_security_policy,
);
