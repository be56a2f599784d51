//! What each credential sees: the operator every tenant, a tenant admin its
//! own only (another tenant answers exactly like one that does not exist).

use crate::both_backends;
use crate::harness::{Backend, OPERATOR_TOKEN, TestConsole, operator_ctx};

fn second_tenant_and_admin_token(app: &TestConsole) -> String {
    let p = app.provisioning();
    p.create_tenant(&operator_ctx(), "initech", "Initech")
        .unwrap();
    p.issue_admin_token(&p.tenant("acme").unwrap(), &operator_ctx(), "Alice Admin")
        .unwrap()
        .secret
}

async fn the_operator_sees_every_tenant(backend: Backend) {
    let app = TestConsole::new(backend);
    second_tenant_and_admin_token(&app);
    let mut browser = app.signed_in(OPERATOR_TOKEN).await;
    let list = browser.get("/console/tenants").await;
    assert!(list.body.contains("href=\"/console/t/acme\""));
    assert!(list.body.contains("href=\"/console/t/initech\""));
    let home = browser.get("/console/t/initech").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<h1>Initech</h1>"));
}

async fn a_tenant_admin_sees_only_its_tenant(backend: Backend) {
    let app = TestConsole::new(backend);
    let admin_token = second_tenant_and_admin_token(&app);
    let mut browser = app.signed_in(&admin_token).await;
    assert_eq!(
        browser.get("/console").await.header("location"),
        "/console/t/acme"
    );
    let list = browser.get("/console/tenants").await;
    assert!(list.body.contains("href=\"/console/t/acme\""));
    assert!(!list.body.contains("initech") && !list.body.contains("Initech"));
    assert!(
        list.body
            .contains("Signed in as <strong>Alice Admin</strong>")
    );
    for path in ["/console/t/initech", "/console/t/initech/scim"] {
        let other = browser.get(path).await;
        let absent = browser.get(&path.replace("initech", "nosuch")).await;
        assert_eq!(other.status, 404, "{path}");
        assert_eq!(
            other.body.replace("initech", "X"),
            absent.body.replace("nosuch", "X"),
            "another tenant looks exactly like a missing one"
        );
    }
    let forged = browser
        .post("/console/t/initech/scim/tokens", &[("csrf", &list.csrf())])
        .await;
    assert_eq!(forged.status, 404);
    let p = app.provisioning();
    assert_eq!(
        p.list_tokens(&p.tenant("initech").unwrap()).unwrap().len(),
        1
    );
}

both_backends!(
    the_operator_sees_every_tenant,
    a_tenant_admin_sees_only_its_tenant,
);
