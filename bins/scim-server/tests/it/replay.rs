//! The replay kit's conversations (`crates/scim-replay`: Entra ID's Test
//! Connection, both PATCH dialects and a 200-member group; Okta's users with
//! paging, PUT and deactivation, and its group push) played against the
//! server, each on a tenant of its own named after it: over HTTP on a real
//! port, and in process through `actix_web::test` into the same routes, on
//! both backends. A conversation checks every answer and the state it leaves.

use actix_web::{App, web};
use scim_http::{ScimState, configure};
use scim_replay::{Conversation, Report};

use crate::both_backends;
use crate::harness::{Backend, Server, start, test_config};

fn conversations() -> Vec<Conversation> {
    scim_replay::bundled().unwrap_or_else(|e| panic!("{e}"))
}

/// Every conversation was played, repeats included.
fn assert_all_played(reports: &[Report]) {
    let names: Vec<&str> = reports.iter().map(|r| r.conversation.as_str()).collect();
    assert_eq!(names.len(), conversations().len(), "{names:?}");
    let large = reports
        .iter()
        .find(|r| r.conversation == "entra-large-group")
        .expect("the large group was played");
    // 200 matches, 200 creates, the group's steps and checks.
    assert!(large.requests > 400, "{large:?}");
}

/// A tenant named after the conversation, and its SCIM token.
fn tenant_for(server: &Server, conversation: &Conversation) -> (String, String) {
    let slug = conversation.name().to_owned();
    let token = server.tenant(&slug);
    (slug, token)
}

fn over_http(backend: Backend) {
    let server = start(backend);
    let mut reports = Vec::new();
    for conversation in conversations() {
        let (slug, token) = tenant_for(&server, &conversation);
        let base = format!("{}/scim/v2/{slug}", server.origin);
        let report = conversation
            .run_against_url(&base, &token)
            .unwrap_or_else(|e| panic!("{e}"));
        reports.push(report);
    }
    assert_all_played(&reports);
}

fn in_process(backend: Backend) {
    let server = start(backend);
    let state = ScimState::new(server.provisioning.clone()).with_config(test_config());
    let tenants: Vec<_> = conversations()
        .into_iter()
        .map(|c| {
            let (slug, token) = tenant_for(&server, &c);
            (c, slug, token)
        })
        .collect();
    let reports = actix_web::rt::System::new().block_on(async move {
        let app = actix_web::test::init_service(
            App::new()
                .configure(configure(state))
                .default_service(web::to(scim_http::not_found)),
        )
        .await;
        let mut reports = Vec::new();
        for (conversation, slug, token) in &tenants {
            let report = conversation
                .run_in_process(&app, &format!("/scim/v2/{slug}"), token)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            reports.push(report);
        }
        reports
    });
    assert_all_played(&reports);
}

/// A server that answers otherwise fails the conversation at that step: the
/// Test Connection conversation against a tenant that already has the user
/// it counts at the end.
fn a_deviation_fails_with_the_step(backend: Backend) {
    let server = start(backend);
    let conversation = conversations()
        .into_iter()
        .find(|c| c.name() == "entra-test-connection")
        .expect("bundled");
    let (slug, token) = tenant_for(&server, &conversation);
    let base = format!("{}/scim/v2/{slug}", server.origin);
    let scim = server.client(&format!("/scim/v2/{slug}"), &token);
    scim.create_user("already@there.test");
    let error = conversation.run_against_url(&base, &token).unwrap_err();
    let scim_replay::ReplayError::Failed(failure) = &error else {
        panic!("{error}");
    };
    assert_eq!((failure.step.phase, failure.step.number), ("check", 1));
    assert_eq!(failure.mismatch.at, "/totalResults");
    assert_eq!(
        (
            failure.mismatch.expected.as_str(),
            failure.mismatch.actual.as_str()
        ),
        ("0", "1")
    );
    // A wrong token: the first step, 401.
    let error = conversation
        .run_against_url(&base, "scim_wrong")
        .unwrap_err();
    let scim_replay::ReplayError::Failed(failure) = &error else {
        panic!("{error}");
    };
    assert_eq!((failure.step.phase, failure.step.number), ("step", 1));
    assert_eq!(failure.mismatch.actual, "401");
}

both_backends!(over_http, in_process, a_deviation_fails_with_the_step);
