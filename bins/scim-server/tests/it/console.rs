//! The web console in headless Chromium, driven over WebDriver (chromedriver)
//! against the real server routes on a random port: sign in, generate a SCIM
//! token and see it once, a SCIM client pushes users with it, they appear in
//! the sub-accounts list, and a tenant admin sees no other tenant. Each page
//! is saved as a screenshot in `target/console-screenshots/`.
//!
//! Needs `chromium` and `chromedriver` on the PATH (`apt-get install chromium
//! chromium-driver`; `.ci/run` installs them when missing).

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use provisioning::{Actor, RequestContext};
use serde_json::json;

use crate::both_backends;
use crate::harness::{ADMIN_TOKEN, Backend, Server, start};

/// The longest wait for a page element: pages render in milliseconds, so this
/// only bounds a failing test.
const WAIT: Duration = Duration::from_secs(10);

/// A chromedriver process of this test, on a free port; killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (apt-get install chromium chromium-driver)");
        let driver = Driver { child, port };
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--window-size=1280,900"]}),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("console-screenshots")
}

async fn screenshot(client: &Client, backend: Backend, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    std::fs::write(
        dir.join(format!("{name}-{backend:?}.png").to_lowercase()),
        png,
    )
    .expect("screenshot written");
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

async fn sign_in(client: &Client, server: &Server, token: &str) {
    client
        .goto(&format!("{}/console", server.origin))
        .await
        .expect("open the console");
    let field = wait_for(client, "input#token").await;
    field.send_keys(token).await.expect("type the token");
    client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .expect("the sign-in button")
        .click()
        .await
        .expect("sign in");
    wait_for(client, "header .who").await;
}

async fn sign_out(client: &Client) {
    client
        .find(Locator::Css("header form button"))
        .await
        .expect("the sign-out button")
        .click()
        .await
        .expect("sign out");
    wait_for(client, "input#token").await;
}

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
    screenshot(&client, backend, "sign-in").await;

    // The operator: every tenant.
    sign_in(&client, server, ADMIN_TOKEN).await;
    wait_for(&client, "a[href='/console/t/initech']").await;
    screenshot(&client, backend, "tenants").await;
    client
        .find(Locator::Css("a[href='/console/t/acme']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "ul.cards").await;
    screenshot(&client, backend, "tenant-home").await;

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
    screenshot(&client, backend, "configure-scim").await;
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
    screenshot(&client, backend, "new-token").await;
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
    screenshot(&client, backend, "sub-accounts").await;
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
    screenshot(&client, backend, "other-tenant").await;

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
