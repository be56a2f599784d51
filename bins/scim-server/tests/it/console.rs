//! The web console in headless Chromium, driven over WebDriver (chromedriver)
//! against the real server routes on a random port: sign in, generate a SCIM
//! token and see it once, a SCIM client pushes users with it, they appear in
//! the sub-accounts list, and a tenant admin sees no other tenant. Each page
//! is checked as `browser::check_page` does (screenshot, accessibility), the
//! sub-accounts list on a phone-sized window too.

use fantoccini::Locator;
use provisioning::{Actor, RequestContext};
use serde_json::json;

use crate::both_backends;
use crate::browser::{
    Driver, browser, check_page, check_page_on_a_phone, sign_in, sign_out, wait_for,
};
use crate::harness::{ADMIN_TOKEN, Backend, Server, start};

async fn operator_and_tenant_admin(backend: Backend, server: &Server, admin_token: &str) {
    let driver = Driver::start();
    let client = browser(&driver).await;

    // Signed out: the sign-in page.
    client
        .goto(&format!("{}/console/t/acme/scim", server.origin))
        .await
        .unwrap();
    wait_for(&client, "input#token").await;
    assert!(client.current_url().await.unwrap().path() == "/console/sign-in");
    check_page(&client, backend, "sign-in").await;

    // The operator: every tenant.
    sign_in(&client, server, ADMIN_TOKEN).await;
    wait_for(&client, "a[href='/console/t/initech']").await;
    check_page(&client, backend, "tenants").await;
    client
        .find(Locator::Css("a[href='/console/t/acme']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "ul.cards").await;
    check_page(&client, backend, "tenant-home").await;

    // Configure SCIM: generate a token, shown once.
    client
        .find(Locator::Css("a[href='/console/t/acme/scim']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = wait_for(&client, "#tenant-url").await.text().await.unwrap();
    assert_eq!(url, format!("{}/scim/v2/acme", server.origin));
    check_page(&client, backend, "configure-scim").await;
    client
        .find(Locator::Css(
            "form[action='/console/t/acme/scim/tokens'] button",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let secret = wait_for(&client, "#new-token").await.text().await.unwrap();
    check_page(&client, backend, "new-token").await;
    client
        .goto(&format!("{}/console/t/acme/scim", server.origin))
        .await
        .unwrap();
    wait_for(&client, "#tokens").await;
    assert!(
        !client.source().await.unwrap().contains(&secret),
        "shown once"
    );

    // An identity provider pushes users with the new token.
    let scim = server.client("/scim/v2/acme", &secret);
    for name in ["ada@acme.test", "grace@acme.test"] {
        let r = scim.post(
            "/Users",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "active": true}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
    }
    client
        .goto(&format!("{}/console/t/acme/users", server.origin))
        .await
        .unwrap();
    let users = wait_for(&client, "#users").await.text().await.unwrap();
    assert!(
        users.contains("ada@acme.test") && users.contains("grace@acme.test"),
        "{users}"
    );
    check_page(&client, backend, "sub-accounts").await;
    check_page_on_a_phone(&client, backend, "sub-accounts").await;

    // Configure SCIM now shows that traffic, an error among it.
    let refused = scim.post(
        "/Users",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "active": true}),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    client
        .goto(&format!("{}/console/t/acme/scim", server.origin))
        .await
        .unwrap();
    let totals = wait_for(&client, "#connection-totals")
        .await
        .text()
        .await
        .unwrap();
    assert!(totals.contains("3 requests, 1 error"), "{totals}");
    let last_error = wait_for(&client, "#connection-last-error")
        .await
        .text()
        .await
        .unwrap();
    assert!(last_error.contains("400"), "{last_error}");
    check_page(&client, backend, "connection").await;
    sign_out(&client).await;

    // A tenant admin: its own tenant only.
    sign_in(&client, server, admin_token).await;
    assert_eq!(
        client.current_url().await.unwrap().path(),
        "/console/t/acme"
    );
    client
        .goto(&format!("{}/console/tenants", server.origin))
        .await
        .unwrap();
    wait_for(&client, "a[href='/console/t/acme']").await;
    assert!(!client.source().await.unwrap().contains("initech"));
    client
        .goto(&format!("{}/console/t/initech", server.origin))
        .await
        .unwrap();
    let heading = wait_for(&client, "main h1").await.text().await.unwrap();
    assert_eq!(heading, "Not Found");
    check_page(&client, backend, "other-tenant").await;

    client.close().await.expect("end the WebDriver session");
}

fn the_console_in_a_browser(backend: Backend) {
    let server = start(backend);
    server.tenant("initech");
    let p = &server.provisioning;
    let admin_token = p
        .issue_admin_token(
            &p.tenant("acme").unwrap(),
            &RequestContext::new("test", "", Actor::Operator),
            "Alice Admin",
        )
        .unwrap()
        .secret;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the WebDriver client")
        .block_on(operator_and_tenant_admin(backend, &server, &admin_token));
}

both_backends!(the_console_in_a_browser);
