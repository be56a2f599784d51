//! What keeps the admin API usable on large tenants: a dry run's summary and
//! cursor pages, its streamed CSV / NDJSON download, saves as jobs with a
//! status resource, and the disabled-users report paged and streamed (CSV
//! neutralised against formula injection).

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{ADMIN_TOKEN, Backend, PATCH_OP, TestApp, request};

const CATALOGUE: &str =
    r#"{"roles": [{"name": "Admin", "privileged": true}, {"name": "User"}, {"name": "Loanee"}]}"#;

async fn tenant_with_users(backend: Backend, names: &[&str]) -> (TestApp, Vec<String>) {
    let app = TestApp::new(backend);
    let catalogue: Value = serde_json::from_str(CATALOGUE).unwrap();
    let put = app
        .admin(Method::PUT, "/tenants/acme/catalogue", Some(catalogue))
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    let mut ids = Vec::new();
    for name in names {
        ids.push(app.create_user(name).await);
    }
    (app, ids)
}

async fn download(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    accept: &str,
) -> (String, String) {
    let reply = app
        .send(
            request(method, &format!("/admin/v1/tenants/acme{path}"), body)
                .insert_header(("authorization", format!("Bearer {ADMIN_TOKEN}")))
                .insert_header(("accept", accept)),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let text = match reply.body {
        Value::String(text) => text,
        // A one-line NDJSON body parses as JSON.
        other => format!("{other}\n"),
    };
    (reply.headers["content-type"].clone(), text)
}

/// Every user moves from `User` to `Loanee`; a page of two at a time lists
/// each once, and the first page carries the summary over all of them.
async fn dry_run_pages_by_cursor(backend: Backend) {
    let names = [
        "u1@x.test",
        "u2@x.test",
        "u3@x.test",
        "u4@x.test",
        "u5@x.test",
    ];
    let (app, ids) = tenant_with_users(backend, &names).await;
    let rules = json!({"default_role": "Loanee", "rules": []});

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let query = match &after {
            Some(a) => format!("/tenants/acme/rules?dry_run=true&limit=2&after={a}"),
            None => "/tenants/acme/rules?dry_run=true&limit=2".to_owned(),
        };
        let page = app.admin(Method::PUT, &query, Some(rules.clone())).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        assert_eq!(page.body["summary"]["changed"], 5);
        assert_eq!(
            page.body["summary"]["transitions"],
            json!([{"from": "User", "to": "Loanee", "count": 5}])
        );
        let changes = page.body["changes"].as_array().unwrap();
        assert!(changes.len() <= 2);
        seen.extend(
            changes
                .iter()
                .map(|c| c["user_id"].as_str().unwrap().to_owned()),
        );
        match page.body["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), 5, "each changed user exactly once: {seen:?}");
    assert_eq!(unique, ids.iter().collect());

    let too_big = app
        .admin(
            Method::PUT,
            "/tenants/acme/rules?dry_run=true&limit=100000",
            Some(rules.clone()),
        )
        .await;
    assert_eq!(too_big.status, 400);
    let paged_save = app
        .admin(
            Method::PUT,
            "/tenants/acme/rules?limit=2",
            Some(rules.clone()),
        )
        .await;
    assert_eq!(paged_save.status, 400, "a save lists no pages");

    // A save answers the summary and the new rules' entity tag, no entries.
    let saved = app
        .admin(Method::PUT, "/tenants/acme/rules", Some(rules))
        .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(saved.body["summary"]["changed"], 5);
    assert_eq!(saved.body.get("changes"), None);
    let version = saved.body["version"].as_i64().unwrap();
    assert_eq!(saved.headers["etag"], format!("W/\"{version}\""));
}

/// The whole list as CSV and as NDJSON, one line per changed user.
async fn dry_run_downloads(backend: Backend) {
    let names = ["=cmd@x.test", "b@x.test", "c@x.test"];
    let (app, ids) = tenant_with_users(backend, &names).await;
    let rules = json!({"default_role": "Loanee", "rules": []});

    let (content_type, csv) = download(
        &app,
        Method::PUT,
        "/rules?dry_run=true",
        Some(rules.clone()),
        "text/csv",
    )
    .await;
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "user_id,user_name,effect,role_before,role_after,reason_before,reason_after,rules_role_before,rules_role_after"
    );
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1].starts_with(&format!(
        "{},'=cmd@x.test,role_changes,User,Loanee,",
        ids[0]
    )));

    let (content_type, ndjson) = download(
        &app,
        Method::PUT,
        "/rules?dry_run=true&format=ndjson",
        Some(rules),
        "*/*",
    )
    .await;
    assert_eq!(content_type, "application/x-ndjson");
    let listed: Vec<String> = ndjson
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["user_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(listed, ids);
}

/// `?async=true` answers 202 with the job's status resource, which ends
/// `succeeded` with the save's summary and counts every user done.
async fn save_as_a_job(backend: Backend) {
    let (app, _) = tenant_with_users(backend, &["a@x.test", "b@x.test"]).await;
    let started = app
        .admin(
            Method::PUT,
            "/tenants/acme/rules?async=true",
            Some(json!({"default_role": "Loanee", "rules": []})),
        )
        .await;
    assert_eq!(started.status, 202, "{:?}", started.body);
    let location = started.headers["location"].clone();
    assert!(
        location.starts_with("/admin/v1/tenants/acme/jobs/"),
        "{location}"
    );
    let path = location.trim_start_matches("/admin/v1");
    let mut status = Value::Null;
    for _ in 0..200 {
        status = app.admin(Method::GET, path, None).await.body;
        if status["status"] != "running" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status["status"], "succeeded", "{status}");
    assert_eq!(
        (status["done"].as_u64(), status["total"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(status["result"]["saved"], true);
    assert_eq!(status["result"]["summary"]["changed"], 2);
    let role = app.admin(Method::GET, "/tenants/acme/users", None).await;
    assert!(role.body.to_string().contains("Loanee"));

    let unknown = app
        .admin(
            Method::GET,
            "/tenants/acme/jobs/00000000-0000-0000-0000-000000000000",
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);
}

/// The report pages by cursor, and its CSV neutralises values a spreadsheet
/// would run as formulas (OWASP): they get a leading single quote.
async fn disabled_report_pages_and_neutralises_formulas(backend: Backend) {
    let names = [
        "=HYPERLINK(\"http://x\")",
        "+1@x.test",
        "-2@x.test",
        "@sum@x.test",
        "plain@x.test",
    ];
    let (app, ids) = tenant_with_users(backend, &names).await;
    for id in &ids {
        let off = app
            .scim(
                Method::PATCH,
                &format!("/Users/{id}"),
                Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]})),
            )
            .await;
        assert_eq!(off.status, 200, "{:?}", off.body);
    }
    let first = app
        .admin(
            Method::GET,
            "/tenants/acme/reports/disabled-users?limit=3",
            None,
        )
        .await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 3);
    let next = first.body["next"].as_str().unwrap();
    let second = app
        .admin(
            Method::GET,
            &format!("/tenants/acme/reports/disabled-users?limit=3&after={next}"),
            None,
        )
        .await;
    let listed: Vec<&str> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.body["items"].as_array().unwrap())
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(second.body["next"], Value::Null);

    let (_, csv) = download(
        &app,
        Method::GET,
        "/reports/disabled-users",
        None,
        "text/csv",
    )
    .await;
    let names: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "\"'=HYPERLINK(\"\"http://x\"\")\"",
            "'+1@x.test",
            "'-2@x.test",
            "'@sum@x.test",
            "plain@x.test"
        ]
    );
}

both_backends!(
    dry_run_pages_by_cursor,
    dry_run_downloads,
    save_as_a_job,
    disabled_report_pages_and_neutralises_formulas,
);
