//! Browser support for the console's tests: a chromedriver process per test,
//! a headless Chromium session, waits, sign-in and sign-out, and the check of
//! each page: a screenshot into `target/console-screenshots/`, axe-core's
//! accessibility check (`axe.rs`) and a keyboard walk (`keyboard.rs`), on a
//! laptop-sized window and, for some
//! pages, a phone-sized one. With `CONSOLE_SCREENSHOTS_TO_DOCS=1` the SQLite
//! runs also write their screenshots to `docs/images/console-<name>.png`, the
//! images the documentation shows.
//!
//! Needs `chromium` and `chromedriver` on the PATH (`apt-get install chromium
//! chromium-driver`) and axe-core (`npm ci` in `tests/axe/`); `cargo xtask
//! test` installs all three when missing.

mod axe;
mod keyboard;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::harness::{Backend, Server};

pub(crate) use axe::assert_accessible;
pub(crate) use keyboard::assert_keyboard_usable;

/// The longest wait for a page element: pages render in milliseconds, so this
/// only bounds a failing test.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// A chromedriver process of this test, on a free port; killed on drop.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    pub(crate) fn start() -> Driver {
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

pub(crate) async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage",
                        format!("--window-size={},{}", LAPTOP.0, LAPTOP.1)]}),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

/// The browser window of every page check: a laptop screen.
const LAPTOP: (u32, u32) = (1280, 900);

/// The window of the phone checks: a common phone's viewport in CSS pixels.
const PHONE: (u32, u32) = (390, 844);

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("console-screenshots")
}

/// Where the documentation's images are, when this run is asked to refresh
/// them (`CONSOLE_SCREENSHOTS_TO_DOCS=1`): one image per page, so only the
/// SQLite run writes.
fn docs_image(backend: Backend, name: &str) -> Option<PathBuf> {
    let asked = std::env::var_os("CONSOLE_SCREENSHOTS_TO_DOCS").is_some_and(|v| v == "1");
    (asked && backend == Backend::Sqlite).then(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/images")
            .join(format!("console-{name}.png"))
    })
}

async fn screenshot(client: &Client, backend: Backend, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    std::fs::write(
        dir.join(format!("{name}-{backend:?}.png").to_lowercase()),
        &png,
    )
    .expect("screenshot written");
    if let Some(path) = docs_image(backend, name) {
        std::fs::create_dir_all(path.parent().expect("docs/images")).expect("docs/images");
        std::fs::write(&path, &png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// The check of the page the browser shows now: its screenshot, then
/// axe-core's verdict (no serious or critical violation), then Tab through
/// it (the focus always shows).
pub(crate) async fn check_page(client: &Client, backend: Backend, name: &str) {
    screenshot(client, backend, name).await;
    assert_accessible(client, name).await;
    assert_keyboard_usable(client, name).await;
}

/// The elements that stick out past the right edge of the page, outside any
/// container that scrolls sideways itself (wide tables sit in one): what
/// would make a phone scroll the whole page sideways.
const OVERFLOWING: &str = "const width = document.documentElement.clientWidth;
function scrollsItself(el) {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const x = getComputedStyle(p).overflowX;
    if (x === 'auto' || x === 'scroll' || x === 'hidden') return true;
  }
  return false;
}
const out = [];
const sticking = new Set();
for (const el of document.body.querySelectorAll('*')) {
  const right = el.getBoundingClientRect().right;
  if (right > width + 0.5 && !scrollsItself(el)) {
    sticking.add(el);
    // The outermost element says where to look; its children follow it.
    if (sticking.has(el.parentElement)) continue;
    out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
      ' ends at ' + Math.round(right) + 'px');
  }
}
return { window: window.innerWidth, width: width, scrollWidth: document.documentElement.scrollWidth,
         overflowing: out.slice(0, 10) };";

/// The same page on a phone-sized window: nothing makes the page scroll
/// sideways (a table may scroll inside its own container), then the check
/// of [`check_page`] as `<name>-phone`; the laptop window comes back after.
pub(crate) async fn check_page_on_a_phone(client: &Client, backend: Backend, name: &str) {
    client
        .set_window_size(PHONE.0, PHONE.1)
        .await
        .expect("a phone-sized window");
    let layout = client
        .execute(OVERFLOWING, Vec::new())
        .await
        .expect("the page's width");
    assert_eq!(
        layout["window"],
        json!(PHONE.0),
        "the page is laid out at the phone's width"
    );
    assert!(
        layout["overflowing"].as_array().is_some_and(Vec::is_empty)
            && layout["scrollWidth"] == layout["width"],
        "{name} scrolls sideways on a phone: {layout}"
    );
    check_page(client, backend, &format!("{name}-phone")).await;
    client
        .set_window_size(LAPTOP.0, LAPTOP.1)
        .await
        .expect("the laptop-sized window again");
}

pub(crate) async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

/// Clicks the element `css` finds (now: the page is already there).
pub(crate) async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

pub(crate) async fn sign_in(client: &Client, server: &Server, token: &str) {
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

pub(crate) async fn sign_out(client: &Client) {
    client
        .find(Locator::Css("header form button"))
        .await
        .expect("the sign-out button")
        .click()
        .await
        .expect("sign out");
    wait_for(client, "input#token").await;
}
