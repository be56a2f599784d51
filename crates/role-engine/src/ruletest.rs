//! Rule test files: a rule set plus cases, run in isolation.
//!
//! The file format (TOML; the same structure works as JSON):
//!
//! ```toml
//! # The rule set, exactly as in a rule set file.
//! default_role = "Viewer"
//! lock_survives_deactivation = false
//!
//! [[rule]]
//! group = { id = "8d1f", label = "Employees" }
//! role = "Loanee"
//!
//! # Optional catalogue: when present, roles missing from it are errors.
//! [[role]]
//! name = "Viewer"
//! [[role]]
//! name = "Loanee"
//!
//! # The cases.
//! [[case]]
//! name = "employee borrows"
//! groups = ["8d1f"]                        # group ids
//! attributes = { userName = "ada", title = "Engineer" }  # canonical SCIM attributes
//! active = true                            # optional; overrides attributes.active
//! deleted = false                          # optional
//! lock = { role = "Admin", by = "carol" }  # optional; or just lock = "Admin"
//! expect = "Loanee"                        # expected role
//! expect_step = "rule"                     # optional: deleted, inactive, locked, rule, default
//! expect_reason = "member of group Employees"  # optional substring of the reason
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::engine::{Decision, Engine, Step};
use crate::error::{Error, Result};
use crate::explain::Explanation;
use crate::model::{Catalogue, Guard, Lock, RoleDef, Rule, RuleSet, UserSnapshot};
use crate::validate::{Problem, ProblemKind, validate};

/// The rule file: a rule set, optionally the role catalogue, and test cases.
///
/// One format serves the admin API's upload (`PUT .../rules`) and download
/// (`GET .../rules?format=toml`) and `scim-server rules test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "FileRepr", into = "FileRepr")]
pub struct RuleTests {
    /// The rules under test.
    pub rule_set: RuleSet,
    /// The role catalogue, when the file gives one.
    pub catalogue: Option<Catalogue>,
    /// The cases, in file order.
    pub cases: Vec<TestCase>,
}

/// The flat file layout: rule set keys at the top, then the rules, roles and
/// cases. JSON names the arrays `rules`, `roles` and `cases`; TOML writes each
/// element as a `[[rule]]`, `[[role]]` or `[[case]]` section. Either spelling
/// reads in either format.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
struct FileRepr {
    default_role: String,
    #[serde(default)]
    lock_survives_deactivation: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    guard: Option<Guard>,
    #[serde(default, rename = "rules", alias = "rule")]
    rules: Vec<Rule>,
    #[serde(
        default,
        rename = "roles",
        alias = "role",
        skip_serializing_if = "Option::is_none"
    )]
    roles: Option<Vec<RoleDef>>,
    #[serde(
        default,
        rename = "cases",
        alias = "case",
        skip_serializing_if = "Vec::is_empty"
    )]
    cases: Vec<TestCase>,
}

// The rule file's schema is its flat layout's, under the name `RuleFile`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for RuleTests {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <FileRepr as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for RuleTests {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("RuleFile")
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <FileRepr as utoipa::ToSchema>::schemas(schemas);
    }
}

impl From<FileRepr> for RuleTests {
    fn from(file: FileRepr) -> RuleTests {
        RuleTests {
            rule_set: RuleSet {
                default_role: file.default_role,
                lock_survives_deactivation: file.lock_survives_deactivation,
                guard: file.guard,
                rules: file.rules,
            },
            catalogue: file.roles.map(Catalogue::new),
            cases: file.cases,
        }
    }
}

impl From<RuleTests> for FileRepr {
    fn from(tests: RuleTests) -> FileRepr {
        FileRepr {
            default_role: tests.rule_set.default_role,
            lock_survives_deactivation: tests.rule_set.lock_survives_deactivation,
            guard: tests.rule_set.guard,
            rules: tests.rule_set.rules,
            roles: tests.catalogue.map(|c| c.roles),
            cases: tests.cases,
        }
    }
}

impl RuleTests {
    /// Reads a rule test file.
    pub fn from_toml(text: &str) -> Result<RuleTests> {
        toml::from_str(text).map_err(|e| Error::Toml(e.to_string()))
    }

    /// Writes the rule tests as TOML.
    pub fn to_toml(&self) -> Result<String> {
        crate::model::render_toml(self)
    }

    /// Reads rule tests from JSON.
    pub fn from_json(text: &str) -> Result<RuleTests> {
        serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))
    }

    /// Writes the rule tests as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Json(e.to_string()))
    }

    /// The failing cases under `engine`, as validation problems (errors).
    pub fn case_problems(&self, engine: &Engine) -> Vec<Problem> {
        self.cases
            .iter()
            .filter_map(|case| case.check(engine))
            .map(|failure| {
                Problem::error(
                    None,
                    ProblemKind::CaseFailed {
                        case: failure.case,
                        mismatches: failure.mismatches,
                    },
                )
            })
            .collect()
    }

    /// Validates the rule set (against the catalogue if the file has one) and
    /// runs every case. Never stops at the first failure. When the rules have
    /// errors, no case runs and the report lists the errors. A file without
    /// cases fails: it tests nothing.
    pub fn run(&self) -> TestReport {
        let problems: Vec<Problem> = match &self.catalogue {
            Some(catalogue) => validate(&self.rule_set, catalogue, &[], None),
            None => validate(&self.rule_set, &Catalogue::default(), &[], None)
                .into_iter()
                .filter(|p| !matches!(p.kind, ProblemKind::UnknownRole { .. }))
                .collect(),
        };
        let engine = match Engine::new(self.rule_set.clone()) {
            Ok(engine) if !problems.iter().any(Problem::is_error) => engine,
            _ => {
                return TestReport {
                    cases: self.cases.len(),
                    run: 0,
                    failures: Vec::new(),
                    problems,
                };
            }
        };
        let failures = self
            .cases
            .iter()
            .filter_map(|case| case.check(&engine))
            .collect();
        TestReport {
            cases: self.cases.len(),
            run: self.cases.len(),
            failures,
            problems,
        }
    }
}

/// Reads a rule test file and runs it: the library side of `rules test <file>`.
///
/// ```
/// let report = role_engine::run_rule_tests(r#"
///     default_role = "Viewer"
///     [[rule]]
///     group = { id = "g-e", label = "Employees" }
///     role = "Loanee"
///
///     [[case]]
///     name = "employee"
///     groups = ["g-e"]
///     expect = "Loanee"
///     expect_reason = "Employees"
///
///     [[case]]
///     name = "deactivated employee"
///     groups = ["g-e"]
///     active = false
///     expect = "Disabled"
///     expect_step = "inactive"
/// "#)?;
/// assert!(report.is_success(), "{report}");
/// assert_eq!(report.to_string(), "ok: 2 cases passed");
/// # Ok::<(), role_engine::Error>(())
/// ```
pub fn run_rule_tests(toml_text: &str) -> Result<TestReport> {
    Ok(RuleTests::from_toml(toml_text)?.run())
}

/// One case: a user and what the rules should make of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// Shown when the case fails.
    pub name: String,
    /// Ids of the groups the user is in.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The user's attributes in canonical SCIM form (e.g. `userName`, `title`,
    /// and the enterprise extension object under its URN).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
    /// The `active` flag; overrides `attributes.active`; absent means active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Whether the identity provider deleted the user.
    #[serde(default)]
    pub deleted: bool,
    /// The role lock, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<CaseLock>,
    /// The expected role.
    pub expect: String,
    /// The expected step of the precedence, if checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_step: Option<Step>,
    /// Text the reason (its [`Display`](fmt::Display) line) must contain, if checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_reason: Option<String>,
}

impl TestCase {
    /// A case for a user in no group, with no attributes, expecting `role`.
    pub fn new(name: impl Into<String>, expect: impl Into<String>) -> TestCase {
        TestCase {
            name: name.into(),
            groups: Vec::new(),
            attributes: Map::new(),
            active: None,
            deleted: false,
            lock: None,
            expect: expect.into(),
            expect_step: None,
            expect_reason: None,
        }
    }

    /// The user snapshot the case describes.
    pub fn user(&self) -> UserSnapshot {
        let mut resource = self.attributes.clone();
        if let Some(active) = self.active {
            resource.insert("active".to_owned(), Value::Bool(active));
        }
        UserSnapshot {
            resource: Value::Object(resource),
            groups: self.groups.clone(),
            lock: self.lock.as_ref().map(CaseLock::to_lock),
            deleted: self.deleted,
        }
    }

    /// Runs the case; `None` when it passes.
    pub fn check(&self, engine: &Engine) -> Option<CaseFailure> {
        let user = self.user();
        let actual = engine.decide(&user);
        let mut mismatches = Vec::new();
        if actual.role != self.expect {
            mismatches.push(format!(
                "expected role {}, got {}",
                self.expect, actual.role
            ));
        }
        if let Some(step) = self.expect_step
            && actual.reason.step() != step
        {
            mismatches.push(format!(
                "expected step {step}, got {}",
                actual.reason.step()
            ));
        }
        if let Some(text) = &self.expect_reason {
            let reason = actual.reason.to_string();
            if !reason.contains(text.as_str()) {
                mismatches.push(format!(
                    "expected the reason to contain \"{text}\", got \"{reason}\""
                ));
            }
        }
        if mismatches.is_empty() {
            return None;
        }
        Some(CaseFailure {
            case: self.name.clone(),
            expected_role: self.expect.clone(),
            actual,
            mismatches,
            explanation: engine.explain(&user, &()),
        })
    }
}

/// A lock in a test case: only the role is required. In TOML, `at` may be a
/// date-time (`at = 2025-02-01T08:00:00Z`) or an RFC 3339 string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "CaseLockRepr")]
pub struct CaseLock {
    /// The locked role.
    pub role: String,
    /// Who locked it (default `rules test`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// When (default the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl CaseLock {
    fn to_lock(&self) -> Lock {
        Lock {
            role: self.role.clone(),
            by: self.by.clone().unwrap_or_else(|| "rules test".to_owned()),
            at: self.at.unwrap_or(DateTime::UNIX_EPOCH),
            reason: self.reason.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CaseLockRepr {
    Role(String),
    Full {
        role: String,
        #[serde(default)]
        by: Option<String>,
        #[serde(default)]
        at: Option<WhenRepr>,
        #[serde(default)]
        reason: Option<String>,
    },
}

/// A TOML date-time or a string; both must be RFC 3339 instants.
#[derive(Deserialize)]
#[serde(untagged)]
enum WhenRepr {
    Text(String),
    Toml(toml::value::Datetime),
}

impl TryFrom<CaseLockRepr> for CaseLock {
    type Error = String;

    fn try_from(repr: CaseLockRepr) -> Result<CaseLock, String> {
        Ok(match repr {
            CaseLockRepr::Role(role) => CaseLock {
                role,
                by: None,
                at: None,
                reason: None,
            },
            CaseLockRepr::Full {
                role,
                by,
                at,
                reason,
            } => {
                let at = match at {
                    None => None,
                    Some(when) => {
                        let text = match when {
                            WhenRepr::Text(text) => text,
                            WhenRepr::Toml(datetime) => datetime.to_string(),
                        };
                        let parsed = DateTime::parse_from_rfc3339(&text).map_err(|e| {
                            format!(
                                "lock.at '{text}' is not an RFC 3339 date-time with offset: {e}"
                            )
                        })?;
                        Some(parsed.with_timezone(&Utc))
                    }
                };
                CaseLock {
                    role,
                    by,
                    at,
                    reason,
                }
            }
        })
    }
}

/// The outcome of a rule test run.
///
/// `Display` prints `ok: N cases passed`, or every failing case with what was
/// expected, what came out and the full trace, followed by validation problems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestReport {
    /// How many cases the file has.
    pub cases: usize,
    /// How many were run (none when the rules have errors).
    pub run: usize,
    /// The failing cases, in file order.
    pub failures: Vec<CaseFailure>,
    /// What validation found in the rule set.
    pub problems: Vec<Problem>,
}

impl TestReport {
    /// Whether every case ran and passed and the rules have no errors.
    pub fn is_success(&self) -> bool {
        self.cases > 0
            && self.run == self.cases
            && self.failures.is_empty()
            && !self.problems.iter().any(Problem::is_error)
    }
}

impl fmt::Display for TestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cases == 0 {
            f.write_str("FAILED: the file has no test cases; add [[case]] sections")?;
        } else if self.run < self.cases {
            write!(
                f,
                "FAILED: the rules have errors; none of the {} cases was run",
                self.cases
            )?;
        } else if self.failures.is_empty() {
            let s = if self.cases == 1 { "" } else { "s" };
            write!(f, "ok: {} case{s} passed", self.cases)?;
        } else {
            write!(
                f,
                "FAILED: {} of {} cases failed",
                self.failures.len(),
                self.cases
            )?;
        }
        for failure in &self.failures {
            write!(f, "\n\n{failure}")?;
        }
        if !self.problems.is_empty() {
            f.write_str("\n\nproblems in the rules:")?;
            for problem in &self.problems {
                write!(f, "\n  {problem}")?;
            }
        }
        Ok(())
    }
}

/// One failing case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseFailure {
    /// The case's name.
    pub case: String,
    /// The role the case expects.
    pub expected_role: String,
    /// What the engine decided.
    pub actual: Decision,
    /// Each expectation that failed, as a sentence.
    pub mismatches: Vec<String>,
    /// The full trace of the decision.
    pub explanation: Explanation,
}

impl fmt::Display for CaseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "case \"{}\" failed:", self.case)?;
        for mismatch in &self.mismatches {
            write!(f, "\n  {mismatch}")?;
        }
        write!(f, "\n  decision: {}", self.actual)?;
        f.write_str("\n  trace:")?;
        let trace = format!("{:#}", self.explanation);
        for line in trace.lines() {
            write!(f, "\n    {line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
