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

// LEAD: add the 20-operation Entra ID PATCH benchmark here (`fn patch(c: &mut Criterion)`,
// applying one PatchOp with 20 operations to `user()`), and list it in `criterion_group!`.

criterion_group!(benches, filters, paths);
criterion_main!(benches);
