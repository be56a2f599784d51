//! The runner against a scripted transport: what it sends (placeholders
//! filled, headers, `$each`), what it checks, and how a failure reads.

use std::collections::VecDeque;

use serde_json::json;

use super::*;

/// Answers each request with the next scripted response and keeps what it
/// was sent.
#[derive(Debug, Default)]
struct Script {
    answers: VecDeque<Response>,
    sent: Vec<Request>,
}

impl Script {
    fn answer(mut self, status: u16, body: serde_json::Value) -> Script {
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.answers.push_back(Response {
            status,
            headers: vec![(
                "content-type".to_owned(),
                "application/scim+json".to_owned(),
            )],
            body,
        });
        self
    }
}

impl Transport for Script {
    fn send(
        &mut self,
        request: &Request,
    ) -> Result<Response, Box<dyn std::error::Error + Send + Sync>> {
        self.sent.push(request.clone());
        self.answers
            .pop_front()
            .ok_or_else(|| "no answer scripted".into())
    }
}

fn conversation() -> Conversation {
    Conversation::from_json(
        &json!({
            "name": "made-up",
            "client": "Okta",
            "description": "two users, a group of both",
            "headers": {"User-Agent": "Okta SCIM Client 1.0.0"},
            "steps": [
                {"name": "create user n", "repeat": {"times": 2, "as": "n"},
                 "request": {"method": "POST", "path": "/Users", "body": {"userName": "u{{n}}"}},
                 "expect": {"status": 201, "body": {"userName": "u{{n}}"}, "capture": {"users[]": "/id", "last": "/id"}}},
                {"name": "group of both",
                 "request": {"method": "PATCH", "path": "/Groups/g1?by={{last}}",
                             "body": {"Operations": [{"op": "add", "path": "members",
                                      "value": {"$each": "users", "item": {"value": "{{item}}"}}}]}},
                 "expect": {"status": 204, "headers": {"ETag": "{{absent}}"}}}
            ],
            "checks": [
                {"name": "members",
                 "request": {"method": "GET", "path": "/Groups/g1", "headers": {"Authorization": "Bearer other"}},
                 "expect": {"status": 200, "headers": {"content-type": "application/scim+json"},
                            "body": {"members": {"$len": 2, "$contains": [{"value": "{{last}}"}]}}}}
            ]
        })
        .to_string(),
    )
    .unwrap()
}

#[test]
fn requests_are_filled_from_earlier_answers() {
    let mut script = Script::default()
        .answer(201, json!({"id": "id-1", "userName": "u1"}))
        .answer(201, json!({"id": "id-2", "userName": "u2"}))
        .answer(204, serde_json::Value::Null)
        .answer(
            200,
            json!({"members": [{"value": "id-1"}, {"value": "id-2"}]}),
        );
    let report = conversation().run_with(&mut script, "scim_token").unwrap();
    assert_eq!(
        report,
        Report {
            conversation: "made-up".to_owned(),
            requests: 4
        }
    );
    let sent = &script.sent;
    assert_eq!(sent[1].body.as_deref(), Some(r#"{"userName":"u2"}"#));
    assert_eq!(sent[2].method, "PATCH");
    assert_eq!(sent[2].path, "/Groups/g1?by=id-2");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(sent[2].body.as_deref().unwrap()).unwrap(),
        json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "id-1"}, {"value": "id-2"}]}]})
    );
    assert_eq!(
        sent[0].headers,
        [
            ("User-Agent".to_owned(), "Okta SCIM Client 1.0.0".to_owned()),
            ("Authorization".to_owned(), "Bearer scim_token".to_owned()),
            (
                "Content-Type".to_owned(),
                "application/scim+json; charset=utf-8".to_owned()
            ),
        ]
    );
    // A step's own Authorization replaces the token; no body, no content type.
    assert_eq!(
        sent[3].headers,
        [
            ("User-Agent".to_owned(), "Okta SCIM Client 1.0.0".to_owned()),
            ("Authorization".to_owned(), "Bearer other".to_owned()),
        ]
    );
}

#[test]
fn a_failure_names_the_step_the_request_and_the_difference() {
    let mut script = Script::default()
        .answer(201, json!({"id": "id-1", "userName": "u1"}))
        .answer(409, json!({"status": "409", "scimType": "uniqueness"}));
    let error = conversation().run_with(&mut script, "t").unwrap_err();
    let ReplayError::Failed(failure) = &error else {
        panic!("{error}");
    };
    assert_eq!(failure.step.number, 1);
    assert_eq!(failure.step.iteration, Some(2));
    assert_eq!(failure.mismatch.at, "status");
    assert_eq!(
        error.to_string(),
        "made-up, step 1 (repeat 2) 'create user n': at status: expected 201, got 409\n  \
         request:  POST /Users {\"userName\":\"u2\"}\n  \
         response: 409 {\"status\":\"409\",\"scimType\":\"uniqueness\"}"
    );

    // A body that differs, in a final check.
    let mut script = Script::default()
        .answer(201, json!({"id": "id-1", "userName": "u1"}))
        .answer(201, json!({"id": "id-2", "userName": "u2"}))
        .answer(204, serde_json::Value::Null)
        .answer(200, json!({"members": [{"value": "id-1"}]}));
    let error = conversation().run_with(&mut script, "t").unwrap_err();
    let ReplayError::Failed(failure) = &error else {
        panic!("{error}");
    };
    assert_eq!((failure.step.phase, failure.step.number), ("check", 1));
    assert_eq!(failure.mismatch.at, "/members");
    assert!(failure.mismatch.expected.contains("2 elements"), "{error}");

    // No answer at all.
    let error = conversation()
        .run_with(&mut Script::default(), "t")
        .unwrap_err();
    assert!(matches!(error, ReplayError::Transport { .. }), "{error}");
}

#[test]
fn a_missing_capture_fails_the_step_that_should_have_given_it() {
    let mut script = Script::default().answer(201, json!({"userName": "u1"}));
    let error = conversation().run_with(&mut script, "t").unwrap_err();
    let ReplayError::Failed(failure) = &error else {
        panic!("{error}");
    };
    assert_eq!(failure.mismatch.at, "/id");
}

#[test]
fn files_that_cannot_be_played_are_refused_when_read() {
    let step = |path: &str, capture: serde_json::Value| {
        json!({"name": "s", "request": {"method": "GET", "path": path},
               "expect": {"status": 200, "capture": capture}})
    };
    let file = |steps: Vec<serde_json::Value>| {
        json!({"name": "n", "client": "c", "description": "d", "steps": steps}).to_string()
    };
    // A placeholder nothing captured before (here: a later step captures it).
    let early = file(vec![
        step("/Users/{{user:a}}", json!({})),
        step("/Users", json!({"user:a": "/id"})),
    ]);
    let error = Conversation::from_json(&early).unwrap_err();
    assert!(error.to_string().contains("{{user:a}}"), "{error}");
    assert!(
        Conversation::from_json(&file(vec![
            step("/Users", json!({"user:a": "/id"})),
            step("/Users/{{user:a}}", json!({})),
        ]))
        .is_ok()
    );
    // An unknown field, a path that is not relative to the base, no steps.
    let typo = json!({"name": "n", "client": "c", "description": "d",
                      "steps": [{"name": "s", "request": {"method": "GET", "path": "/Users"},
                                 "expect": {"status": 200, "bodyy": {}}}]});
    assert!(matches!(
        Conversation::from_json(&typo.to_string()),
        Err(ReplayError::Parse { .. })
    ));
    assert!(matches!(
        Conversation::from_json(&file(vec![step("Users", json!({}))])),
        Err(ReplayError::Invalid { .. })
    ));
    assert!(Conversation::from_json(&file(vec![])).is_err());
    assert!(matches!(
        Conversation::load("/nonexistent/conversation.json"),
        Err(ReplayError::Read { .. })
    ));
}

#[test]
fn the_bundled_conversations_read_and_are_distinct() {
    let all = bundled().unwrap();
    let mut names: Vec<&str> = all.iter().map(Conversation::name).collect();
    assert_eq!(names.len(), 6);
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 6, "{names:?}");
    for conversation in &all {
        assert!(
            ["Microsoft Entra ID", "Okta"].contains(&conversation.client()),
            "{}",
            conversation.client()
        );
        assert!(!conversation.description().is_empty());
    }
    // The files on disk are the ones compiled in.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("conversations");
    let on_disk = std::fs::read_dir(dir).unwrap().count();
    assert_eq!(on_disk, all.len());
}
