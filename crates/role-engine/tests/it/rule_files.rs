//! Rule test files: the shipped example passes, failures read well, and the
//! format round-trips.

use role_engine::{Error, ProblemKind, RuleTests, Step, run_rule_tests};

const EXAMPLE: &str = include_str!("../../../../examples/rules/asset-app.rules.toml");

#[test]
fn the_example_rule_file_passes() {
    let report = run_rule_tests(EXAMPLE).unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.cases, 15);
    assert_eq!(report.run, 15);
    assert!(report.problems.is_empty(), "{report}");
    assert_eq!(report.to_string(), "ok: 15 cases passed");
}

/// One passing case and one that expects the wrong role: the engine says
/// Contractor (rule 1 comes first) where the case expects Loanee.
const FAILING: &str = r#"
default_role = "Viewer"

[[rule]]
group = { id = "g-contractors", label = "Contractors" }
role = "Contractor"

[[rule]]
group = { id = "g-employees", label = "Employees" }
role = "Loanee"

[[case]]
name = "employee"
groups = ["g-employees"]
expect = "Loanee"

[[case]]
name = "contractor who is also an employee borrows"
groups = ["g-employees", "g-contractors"]
attributes = { userName = "kim" }
expect = "Loanee"
expect_step = "rule"
expect_reason = "member of group Employees"
"#;

#[test]
fn a_failing_case_is_reported_readably() {
    let report = run_rule_tests(FAILING).unwrap();
    assert!(!report.is_success());
    assert_eq!((report.cases, report.run, report.failures.len()), (2, 2, 1));
    let failure = &report.failures[0];
    assert_eq!(failure.case, "contractor who is also an employee borrows");
    assert_eq!(failure.actual.role, "Contractor");
    assert_eq!(failure.actual.reason.step(), Step::Rule);

    let text = report.to_string();
    let expected = [
        "FAILED: 1 of 2 cases failed",
        "case \"contractor who is also an employee borrows\" failed:",
        "  expected role Loanee, got Contractor",
        "  expected the reason to contain \"member of group Employees\", got \"rule 1 matched (member of group Contractors)\"",
        "  decision: Contractor: rule 1 matched (member of group Contractors)",
        "  trace:",
        "    kim: Contractor: rule 1 matched (member of group Contractors)",
        "      step 3 (locked): passed: not locked",
        "      step 4 (rule): decided: rule 1 is the first that matches",
        "        rule 1 -> Contractor: matched (user is in group Contractors); this rule decided",
        "        rule 2 -> Loanee: matched (user is in group Employees) but rule 1 came first",
    ];
    for line in expected {
        assert!(
            text.lines().any(|l| l == line),
            "missing line {line:?} in:\n{text}"
        );
    }
    // The passing case is not mentioned.
    assert!(!text.contains("case \"employee\""), "{text}");
}

#[test]
fn rules_with_errors_run_no_case() {
    let text = r#"
default_role = "Viewer"
[[rule]]
filter = 'shoeSize gt 40'
role = "Giant"
[[case]]
name = "anyone"
expect = "Viewer"
"#;
    let report = run_rule_tests(text).unwrap();
    assert!(!report.is_success());
    assert_eq!(report.run, 0);
    assert!(matches!(
        report.problems[0].kind,
        ProblemKind::InvalidFilter { .. }
    ));
    let shown = report.to_string();
    assert!(
        shown.starts_with("FAILED: the rules have errors; none of the 1 cases was run"),
        "{shown}"
    );
    assert!(
        shown.contains("error: rule 1: invalid filter 'shoeSize gt 40'"),
        "{shown}"
    );
}

#[test]
fn a_catalogue_in_the_file_makes_unknown_roles_errors() {
    let without = "default_role = \"Viewr\"\n[[case]]\nname = \"x\"\nexpect = \"Viewr\"\n";
    assert!(run_rule_tests(without).unwrap().is_success());

    let with = format!("{without}[[role]]\nname = \"Viewer\"\n");
    let report = run_rule_tests(&with).unwrap();
    assert!(!report.is_success());
    assert!(
        report
            .to_string()
            .contains("error: default_role: role Viewr is not in the catalogue"),
        "{report}"
    );
}

#[test]
fn warnings_do_not_fail_a_run() {
    let text = r#"
default_role = "Viewer"
[[rule]]
group = "g-1"
role = "Loanee"
[[rule]]
group = "g-1"
role = "Technician"
[[case]]
name = "member"
groups = ["g-1"]
expect = "Loanee"
"#;
    let report = run_rule_tests(text).unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(
        report.to_string(),
        "ok: 1 case passed\n\nproblems in the rules:\n  warning: rule 2 can never fire: it has the same condition as rule 1"
    );
}

#[test]
fn typos_in_keys_are_rejected() {
    for text in [
        "defualt_role = \"Viewer\"",
        "default_role = \"Viewer\"\n[[rule]]\ngroup = \"g\"\nrole = \"X\"\nfiltr = \"title pr\"",
        "default_role = \"Viewer\"\n[[case]]\nname = \"x\"\nexpected = \"Viewer\"",
    ] {
        assert!(
            matches!(run_rule_tests(text), Err(Error::Toml(_))),
            "{text}"
        );
    }
}

#[test]
fn locks_take_a_role_alone_or_a_table_with_a_toml_date() {
    let text = r#"
default_role = "Viewer"
[[case]]
name = "short"
lock = "Admin"
expect = "Admin"
[[case]]
name = "long"
lock = { role = "Admin", by = "carol", at = 2025-02-01T08:00:00Z }
expect = "Admin"
expect_reason = "role locked by carol at 2025-02-01T08:00:00Z"
"#;
    let report = run_rule_tests(text).unwrap();
    assert!(report.is_success(), "{report}");
}

#[test]
fn rule_test_files_round_trip_through_toml_and_json() {
    let tests = RuleTests::from_toml(EXAMPLE).unwrap();
    assert_eq!(
        RuleTests::from_toml(&tests.to_toml().unwrap()).unwrap(),
        tests
    );
    assert_eq!(
        RuleTests::from_json(&tests.to_json().unwrap()).unwrap(),
        tests
    );
}

#[test]
fn a_file_without_cases_fails_with_a_message() {
    let report = run_rule_tests("default_role = \"Viewer\"\n").unwrap();
    assert!(!report.is_success());
    assert_eq!(
        report.to_string(),
        "FAILED: the file has no test cases; add [[case]] sections"
    );
}

/// One spelling: TOML writes `[[rule]]`, `[[role]]` and `[[case]]` sections,
/// JSON the plural arrays; what is written reads back either way.
#[test]
fn the_rule_file_has_one_spelling_per_format() {
    let tests = RuleTests::from_toml(EXAMPLE).unwrap();
    let toml = tests.to_toml().unwrap();
    for section in ["[[rule]]", "[[role]]", "[[case]]"] {
        assert!(toml.contains(section), "{section} missing in\n{toml}");
    }
    for plural in ["[[rules]]", "[[roles]]", "[[cases]]"] {
        assert!(!toml.contains(plural), "{plural} written in\n{toml}");
    }
    let json: serde_json::Value = serde_json::from_str(&tests.to_json().unwrap()).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "default_role",
            "lock_survives_deactivation",
            "guard",
            "rules",
            "roles",
            "cases"
        ]
    );
}

#[test]
fn failing_cases_become_problems() {
    let tests = RuleTests::from_toml(FAILING).unwrap();
    let engine = role_engine::Engine::new(tests.rule_set.clone()).unwrap();
    let problems: Vec<String> = tests
        .case_problems(&engine)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        problems,
        [
            "error: case \"contractor who is also an employee borrows\" failed: expected role Loanee, got Contractor; expected the reason to contain \"member of group Employees\", got \"rule 1 matched (member of group Contractors)\""
        ]
    );
}
