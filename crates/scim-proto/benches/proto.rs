//! Benchmarks of the protocol crate's hot paths: what every provisioning request
//! pays before it reaches storage.
//!
//! Run with `cargo bench -p scim-proto --bench proto -- --warm-up-time 1 --measurement-time 3`;
//! figures are kept in `docs/benchmarks.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use scim_proto::filter::{Filter, compile};
use scim_proto::path::PatchPath;
use scim_proto::schema::USER_RESOURCE;
use serde_json::{Value, json};

/// What Entra ID sends to match a user, on every cycle.
const MATCH: &str = r#"userName eq "alice@contoso.com""#;
/// Matching by another uniqueness attribute, through a value path.
const VALUE_PATH: &str = r#"emails[type eq "work"].value eq "alice@contoso.com""#;
/// Ten attribute expressions mixing and, or, not and value paths; on the fixture,
/// most of them are evaluated before the last one decides.
const TEN_CLAUSES: &str = concat!(
    r#"userName sw "alice" and (emails[type eq "work" and value ew "@contoso.com"]"#,
    r#" or not (title eq "Intern")) and active eq true"#,
    r#" and meta.lastModified gt "2025-01-01T00:00:00Z""#,
    r#" or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT""#,
    r#" and externalId eq "4f8b1c2e""#,
    r#" or emails[type eq "home"].value pr"#,
);

/// A canonical user as Entra ID provisions it (default attribute mappings).
fn user() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "4f8b1c2e-0d3a-4c5b-9e6f-7a8b9c0d1e2f",
        "meta": {
            "resourceType": "User",
            "created": "2024-02-01T09:30:00Z",
            "lastModified": "2024-06-11T17:02:44.125+02:00",
            "location": "https://scim.example.com/scim/v2/contoso/Users/2819c223-7f76-453a-919d-413861904646",
            "version": "W/\"7\""
        },
        "userName": "Alice@Contoso.com",
        "name": {"givenName": "Alice", "familyName": "Andersson", "formatted": "Alice Andersson"},
        "displayName": "Alice Andersson",
        "title": "Technician",
        "active": true,
        "preferredLanguage": "sv-SE",
        "emails": [
            {"value": "alice@contoso.com", "type": "work", "primary": true},
            {"value": "alice.andersson@example.org", "type": "home"}
        ],
        "phoneNumbers": [
            {"value": "+46 8 123 456", "type": "work"},
            {"value": "+46 70 123 45 67", "type": "mobile"}
        ],
        "addresses": [{
            "type": "work", "streetAddress": "Drottninggatan 1", "locality": "Stockholm",
            "postalCode": "111 51", "country": "SE", "primary": true
        }],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "10042",
            "department": "IT",
            "costCenter": "CC-7",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    })
}

const FILTERS: [(&str, &str); 3] = [
    ("userName_eq", MATCH),
    ("value_path", VALUE_PATH),
    ("ten_clauses", TEN_CLAUSES),
];

fn filters(c: &mut Criterion) {
    let mut group = c.benchmark_group("filter/parse");
    for (name, text) in FILTERS {
        group.bench_function(name, |b| b.iter(|| Filter::parse(black_box(text)).unwrap()));
    }
    group.finish();

    let mut group = c.benchmark_group("filter/compile");
    for (name, text) in FILTERS {
        let parsed = Filter::parse(text).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| compile(black_box(&parsed), &USER_RESOURCE).unwrap());
        });
    }
    group.finish();

    let resource = user();
    let mut group = c.benchmark_group("filter/match");
    for (name, text) in FILTERS {
        let compiled = compile(&Filter::parse(text).unwrap(), &USER_RESOURCE).unwrap();
        assert!(
            compiled.matches(&resource),
            "{name} should match the fixture"
        );
        group.bench_function(name, |b| b.iter(|| compiled.matches(black_box(&resource))));
    }
    group.finish();

    let mut group = c.benchmark_group("filter/print");
    let parsed = Filter::parse(TEN_CLAUSES).unwrap();
    group.bench_function("ten_clauses", |b| b.iter(|| black_box(&parsed).to_string()));
    group.finish();
}

fn paths(c: &mut Criterion) {
    let mut group = c.benchmark_group("path/parse");
    for (name, text) in [
        ("plain", "displayName"),
        ("value_path", r#"emails[type eq "work"].value"#),
        (
            "enterprise",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| PatchPath::parse(black_box(text)).unwrap());
        });
    }
    group.finish();
}

/// A 20-operation PATCH in Entra ID's legacy dialect (capitalised ops, filtered
/// paths that update or create elements, string booleans, the enterprise
/// extension, a manager as a bare id), parsed and applied to a canonical user.
fn entra_patch() -> Value {
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "displayName", "value": "Barbara Jensen"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "bjensen@contoso.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Barbara"},
            {"op": "Replace", "path": "name.familyName", "value": "Jensen"},
            {"op": "Replace", "path": "name.formatted", "value": "Barbara Jensen"},
            {"op": "Replace", "path": "externalId", "value": "bjensen"},
            {"op": "Replace", "path": "title", "value": "Tour Guide"},
            {"op": "Replace", "path": "preferredLanguage", "value": "en-US"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "100 Universal City Plaza"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Hollywood"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].region", "value": "CA"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].postalCode", "value": "91608"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].country", "value": "US"},
            {"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555 555 5555"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 555 4444"},
            {"op": "Replace", "path": format!("{enterprise}:employeeNumber"), "value": "701984"},
            {"op": "Replace", "path": format!("{enterprise}:department"), "value": "Tour Operations"},
            {"op": "Add", "path": format!("{enterprise}:manager"), "value": "26118915-6090-4610-87e4-49d8ca9f808d"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Replace", "path": "active", "value": "True"}
        ]
    })
}

fn patch(c: &mut Criterion) {
    let user = scim_proto::normalize::normalize_resource(
        &user(),
        &USER_RESOURCE,
        &scim_proto::normalize::NormalizeOptions::default(),
        &mut scim_proto::CompatReport::new(),
    )
    .expect("fixture is valid");
    let body = entra_patch();
    let options = scim_proto::normalize::NormalizeOptions::default();
    let mut group = c.benchmark_group("patch_entra_20_ops");
    group.bench_function("parse", |b| {
        b.iter(|| {
            let mut report = scim_proto::CompatReport::new();
            black_box(
                scim_proto::patch::PatchRequest::from_json(black_box(&body), &mut report)
                    .expect("valid"),
            )
        });
    });
    let request =
        scim_proto::patch::PatchRequest::from_json(&body, &mut scim_proto::CompatReport::new())
            .expect("valid");
    group.bench_function("apply", |b| {
        b.iter(|| {
            let mut report = scim_proto::CompatReport::new();
            black_box(
                scim_proto::patch::apply(
                    black_box(&user),
                    &request,
                    &USER_RESOURCE,
                    &options,
                    &mut report,
                )
                .expect("applies"),
            )
        });
    });
    group.bench_function("parse_and_apply", |b| {
        b.iter(|| {
            let mut report = scim_proto::CompatReport::new();
            let request = scim_proto::patch::PatchRequest::from_json(black_box(&body), &mut report)
                .expect("valid");
            black_box(
                scim_proto::patch::apply(&user, &request, &USER_RESOURCE, &options, &mut report)
                    .expect("applies"),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, filters, paths, patch);
criterion_main!(benches);
