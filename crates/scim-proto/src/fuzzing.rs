//! What must hold for every input of the crate's parsers and transformations,
//! stated once for the fuzzers: the coverage-guided targets in `fuzz/`
//! (cargo-afl), the mutation test of the filter parser and the replay of the
//! fuzz corpus (`tests/it`).
//!
//! Each [`Target`] takes arbitrary bytes the way the HTTP layer hands them on
//! (a filter or path as UTF-8 text, a body as JSON; anything else is refused
//! before it gets here, so it is skipped), runs them through one entry point
//! and checks its answer: an error of the `scimType` that entry point reports,
//! with a message, or a result that keeps the crate's invariants (filters and
//! paths print to text that parses back to themselves, compiled filters
//! evaluate and negate, resources come out in canonical form). A broken
//! property is a [`Violation`]; a panic is the fuzzer's to catch.

use serde_json::{Value, json};

use crate::compat::CompatReport;
use crate::error::{Error, ScimType};
use crate::filter::{AttrPath, Filter, MAX_FILTER_LEN, compile};
use crate::normalize::{NormalizeOptions, normalize_resource};
use crate::patch::{PatchRequest, apply};
use crate::path::PatchPath;
use crate::schema::{GROUP_RESOURCE, ResourceType, USER_RESOURCE};

/// One entry point under fuzzing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A filter: [`Filter::parse`], printing, [`compile`] for users and
    /// groups, evaluation and negation; and the same text as an [`AttrPath`].
    Filter,
    /// A PATCH path: [`PatchPath::parse`] and printing.
    PatchPath,
    /// A POST/PUT body: [`normalize_resource`] as a user and as a group.
    Normalize,
    /// A PATCH body: [`PatchRequest::from_json`], then [`apply`] to a user
    /// and to a group.
    Patch,
}

/// How far an input got, so a fuzzer can tell that its inputs keep reaching
/// the later stages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    /// The input was read (valid UTF-8 or JSON).
    pub read: bool,
    /// The parser accepted it.
    pub parsed: bool,
    /// Resource types it applied to (compiled, normalised or patched).
    pub applied: u8,
    /// Resources a compiled filter matched.
    pub matched: u8,
}

/// A property an input broke.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{target:?}: {what}")]
pub struct Violation {
    /// The target whose property broke.
    pub target: Target,
    /// What broke.
    pub what: String,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 4] = [
        Target::Filter,
        Target::PatchPath,
        Target::Normalize,
        Target::Patch,
    ];

    /// The target's name: its fuzz binary and corpus folder.
    pub fn name(self) -> &'static str {
        match self {
            Target::Filter => "filter",
            Target::PatchPath => "patch_path",
            Target::Normalize => "normalize",
            Target::Patch => "patch",
        }
    }

    /// Runs `data` through the target and checks its properties.
    pub fn run(self, data: &[u8]) -> Result<Reach, Violation> {
        let check = Check { target: self };
        match self {
            Target::Filter | Target::PatchPath => {
                let Ok(text) = std::str::from_utf8(data) else {
                    return Ok(Reach::default());
                };
                if self == Target::Filter {
                    check.filter(text)
                } else {
                    check.patch_path(text)
                }
            }
            Target::Normalize | Target::Patch => {
                let Ok(body) = serde_json::from_slice::<Value>(data) else {
                    return Ok(Reach::default());
                };
                if self == Target::Normalize {
                    check.normalize(&body)
                } else {
                    check.patch(&body)
                }
            }
        }
    }
}

/// A user as the store keeps it (canonical form): Entra ID's attributes, the
/// enterprise extension and an attribute of an unknown extension.
pub fn fixture_user() -> Value {
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
        "userName": "alice@contoso.com",
        "name": {"givenName": "Alice", "familyName": "Andersson", "formatted": "Alice Andersson"},
        "displayName": "Alice Andersson",
        "title": "Technician",
        "active": true,
        "preferredLanguage": "sv-SE",
        "emails": [
            {"value": "alice@contoso.com", "type": "work", "primary": true},
            {"value": "alice.andersson@example.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "+46 8 123 456", "type": "work"}],
        "addresses": [{"type": "work", "locality": "Stockholm", "country": "SE", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "10042",
            "department": "IT",
            "costCenter": "CC-7",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        },
        "urn:example:params:scim:schemas:extension:acme:1.0:User": {
            "level": 7,
            "score": 2.5,
            "tags": ["alpha", "beta"]
        }
    })
}

/// A group with one member, in canonical form.
pub fn fixture_group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g1",
        "displayName": "Group A",
        "members": [{"value": "2819c223-7f76-453a-919d-413861904646", "display": "Alice"}]
    })
}

/// The resource types and the resource of each the targets work on.
fn fixtures() -> [(&'static ResourceType, Value); 2] {
    [
        (&USER_RESOURCE, fixture_user()),
        (&GROUP_RESOURCE, fixture_group()),
    ]
}

struct Check {
    target: Target,
}

impl Check {
    fn fail(&self, what: String) -> Violation {
        Violation {
            target: self.target,
            what,
        }
    }

    /// An error with one of the `scimType`s this entry point reports, and a message.
    fn error(&self, e: &Error, allowed: &[ScimType]) -> Result<(), Violation> {
        if !allowed.contains(&e.scim_type()) {
            return Err(self.fail(format!("error of scimType {:?}: {e}", e.scim_type())));
        }
        if e.to_string().trim().is_empty() {
            return Err(self.fail(format!("error without a message: {e:?}")));
        }
        Ok(())
    }

    fn filter(&self, input: &str) -> Result<Reach, Violation> {
        let mut reach = Reach {
            read: true,
            ..Reach::default()
        };
        match Filter::parse(input) {
            Ok(filter) => {
                reach.parsed = true;
                let printed = filter.to_string();
                // Printing may lengthen a filter (escapes, spaces) past the limit.
                if printed.len() <= MAX_FILTER_LEN
                    && Filter::parse(&printed).as_ref() != Ok(&filter)
                {
                    return Err(self.fail(format!(
                        "{input:?} printed as {printed:?}, which parses to another filter"
                    )));
                }
                for (rt, resource) in fixtures() {
                    match compile(&filter, rt) {
                        Ok(compiled) => {
                            reach.applied += 1;
                            let matched = compiled.matches(&resource);
                            reach.matched += u8::from(matched);
                            let negated = compile(&filter.clone().negate(), rt).map_err(|e| {
                                self.fail(format!("not ({printed}) does not compile: {e}"))
                            })?;
                            if negated.matches(&resource) == matched {
                                return Err(self.fail(format!(
                                    "not ({printed}) matches as {printed} does ({})",
                                    rt.name
                                )));
                            }
                        }
                        Err(e) => self.error(&e, &[ScimType::InvalidFilter])?,
                    }
                }
            }
            Err(e) => self.error(&e, &[ScimType::InvalidFilter])?,
        }
        match AttrPath::parse(input) {
            Ok(path) => {
                if AttrPath::parse(&path.to_string()).as_ref() != Ok(&path) {
                    return Err(self.fail(format!(
                        "attribute path {input:?} printed as {path}, which parses to another"
                    )));
                }
            }
            Err(e) => self.error(&e, &[ScimType::InvalidPath])?,
        }
        Ok(reach)
    }

    fn patch_path(&self, input: &str) -> Result<Reach, Violation> {
        let mut reach = Reach {
            read: true,
            ..Reach::default()
        };
        match PatchPath::parse(input) {
            Ok(path) => {
                reach.parsed = true;
                let printed = path.to_string();
                if printed.len() <= MAX_FILTER_LEN
                    && PatchPath::parse(&printed).as_ref() != Ok(&path)
                {
                    return Err(self.fail(format!(
                        "path {input:?} printed as {printed:?}, which parses to another"
                    )));
                }
            }
            Err(e) => self.error(&e, &[ScimType::InvalidPath])?,
        }
        Ok(reach)
    }

    fn normalize(&self, body: &Value) -> Result<Reach, Violation> {
        let mut reach = Reach {
            read: true,
            ..Reach::default()
        };
        let options = NormalizeOptions::default();
        for (rt, _) in fixtures() {
            match normalize_resource(body, rt, &options, &mut CompatReport::new()) {
                Ok(resource) => {
                    reach.parsed = true;
                    reach.applied += 1;
                    self.canonical(&resource, rt)?;
                    // Canonical form is where normalisation ends: a second pass changes nothing.
                    let again =
                        normalize_resource(&resource, rt, &options, &mut CompatReport::new())
                            .map_err(|e| {
                                self.fail(format!(
                                    "its own output is refused as a {}: {e}",
                                    rt.name
                                ))
                            })?;
                    if again != resource {
                        return Err(
                            self.fail(format!("normalising {resource} again gives {again}"))
                        );
                    }
                }
                Err(e) => self.error(
                    &e,
                    &[
                        ScimType::InvalidValue,
                        ScimType::InvalidSyntax,
                        ScimType::Mutability,
                    ],
                )?,
            }
        }
        Ok(reach)
    }

    fn patch(&self, body: &Value) -> Result<Reach, Violation> {
        let mut reach = Reach {
            read: true,
            ..Reach::default()
        };
        let request = match PatchRequest::from_json(body, &mut CompatReport::new()) {
            Ok(request) => request,
            Err(e) => {
                // A path-less `remove` is `noTarget` (RFC 7644 section 3.5.2.2).
                self.error(
                    &e,
                    &[
                        ScimType::InvalidSyntax,
                        ScimType::InvalidPath,
                        ScimType::InvalidValue,
                        ScimType::NoTarget,
                        ScimType::TooMany,
                    ],
                )?;
                return Ok(reach);
            }
        };
        reach.parsed = true;
        let options = NormalizeOptions::default();
        for (rt, resource) in fixtures() {
            match apply(&resource, &request, rt, &options, &mut CompatReport::new()) {
                Ok(patched) => {
                    reach.applied += 1;
                    self.canonical(&patched, rt)?;
                    for kept in ["id", "meta"] {
                        if patched.get(kept) != resource.get(kept) {
                            return Err(self.fail(format!("PATCH changed '{kept}': {patched}")));
                        }
                    }
                }
                Err(e) => self.error(
                    &e,
                    &[
                        ScimType::InvalidPath,
                        ScimType::NoTarget,
                        ScimType::InvalidValue,
                        ScimType::Mutability,
                        ScimType::InvalidSyntax,
                    ],
                )?,
            }
        }
        Ok(reach)
    }

    /// The canonical form's promises that need no schema walk: an object with
    /// `schemas` naming the core schema, no `null`s, no empty arrays.
    fn canonical(&self, resource: &Value, rt: &ResourceType) -> Result<(), Violation> {
        let names_core = resource["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|u| u == rt.schema.id));
        if !names_core {
            return Err(self.fail(format!(
                "{} without its schema in 'schemas': {resource}",
                rt.name
            )));
        }
        if let Some(bad) = find_non_canonical(resource) {
            return Err(self.fail(format!("{} holds {bad}: {resource}", rt.name)));
        }
        Ok(())
    }
}

/// A `null` or an empty array anywhere in `value`.
fn find_non_canonical(value: &Value) -> Option<&'static str> {
    match value {
        Value::Null => Some("a null"),
        Value::Array(items) if items.is_empty() => Some("an empty array"),
        Value::Array(items) => items.iter().find_map(find_non_canonical),
        Value::Object(map) => map.values().find_map(find_non_canonical),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_accepts_what_real_clients_send() {
        let cases: [(Target, &str); 4] = [
            (
                Target::Filter,
                r#"emails[type eq "work"].value co "@contoso.com""#,
            ),
            (Target::PatchPath, r#"members[value eq "2819c223"]"#),
            (
                Target::Normalize,
                r#"{"userName": "bjensen", "displayName": "B"}"#,
            ),
            (
                Target::Patch,
                r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "Replace", "path": "displayName", "value": "X"}]}"#,
            ),
        ];
        for (target, input) in cases {
            let reach = target.run(input.as_bytes());
            assert!(
                reach
                    .as_ref()
                    .is_ok_and(|r| r.parsed && (r.applied > 0 || target == Target::PatchPath)),
                "{target:?}: {reach:?}"
            );
        }
    }

    #[test]
    fn a_broken_property_is_a_violation() {
        // Canonical form has no nulls: the check that every target applies.
        let check = Check {
            target: Target::Patch,
        };
        let mut user = fixture_user();
        user["title"] = Value::Null;
        assert!(check.canonical(&user, &USER_RESOURCE).is_err());
        assert!(check.canonical(&fixture_user(), &USER_RESOURCE).is_ok());
        let wrong_kind = Error::InvalidFilter {
            position: 0,
            message: "x".into(),
        };
        assert!(check.error(&wrong_kind, &[ScimType::InvalidPath]).is_err());
    }

    #[test]
    fn input_the_http_layer_refuses_is_skipped() {
        for target in Target::ALL {
            assert_eq!(target.run(b"\xff\xfe"), Ok(Reach::default()), "{target:?}");
        }
    }
}
