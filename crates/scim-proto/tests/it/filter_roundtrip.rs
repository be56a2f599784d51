//! Properties of the filter and path languages over generated syntax trees:
//! printing then parsing gives the same tree back, and compiled filters obey the
//! laws of their logic.

use proptest::prelude::*;
use scim_proto::filter::{
    AttrPath, CompValue, CompareOp, Condition, Filter, MAX_FILTER_LEN, MAX_TERMS, ValuePath,
    compile,
};
use scim_proto::path::PatchPath;
use scim_proto::schema::USER_RESOURCE;

use crate::fixtures::{CORE_USER, ENTERPRISE, user};

// --- Strategies -----------------------------------------------------------------

/// Attribute names: arbitrary valid ones, the schema's own (so that compile
/// succeeds often), and words that are keywords elsewhere in the grammar.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z][a-zA-Z0-9_-]{0,10}",
        4 => prop::sample::select(vec![
            "userName", "name", "displayName", "title", "active", "emails", "phoneNumbers",
            "addresses", "meta", "id", "externalId", "schemas", "department", "manager",
            "employeeNumber", "x509Certificates", "value", "type", "primary", "givenName",
            "created", "lastModified", "level", "tags", "USERNAME", "Emails",
        ])
        .prop_map(str::to_owned),
        1 => prop::sample::select(vec![
            "$ref", "$REF", "and", "or", "not", "NOT", "pr", "eq", "Ne", "true", "null", "urn",
        ])
        .prop_map(str::to_owned),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(CORE_USER.to_owned()),
        Just(ENTERPRISE.to_owned()),
        Just("urn:example:params:scim:schemas:extension:acme:1.0:User".to_owned()),
        "[uU][rR][nN]:[a-zA-Z0-9-]{1,8}(:[a-zA-Z0-9._~-]{1,8}){0,4}",
    ]
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (
        prop::option::weighted(0.2, urn()),
        name(),
        prop::option::weighted(0.3, name()),
    )
        .prop_map(|(urn, name, sub)| AttrPath { urn, name, sub })
}

fn top_level_path() -> impl Strategy<Value = AttrPath> {
    (prop::option::weighted(0.2, urn()), name()).prop_map(|(urn, name)| AttrPath {
        urn,
        name,
        sub: None,
    })
}

/// Text with the characters that need escaping, control characters, non-BMP
/// characters and the grammar's own delimiters; never U+0000, which filters
/// refuse (no stored value holds it).
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('a', 'z'),
            3 => any::<char>(),
            2 => prop::sample::select(vec![
                '"', '\\', '/', '\n', '\r', '\t', '\u{1}', '\u{8}', '\u{c}', '\u{1f}', '\u{7f}',
                ' ', '(', ')', '[', ']', '.', ':', 'é', 'Σ', 'ς', '😀', '\u{2028}', '\u{feff}',
            ]),
        ],
        0..16,
    )
    .prop_map(|chars| chars.into_iter().filter(|c| *c != '\u{0}').collect())
}

fn value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        1 => Just(CompValue::Null),
        1 => any::<bool>().prop_map(CompValue::Bool),
        2 => any::<i64>().prop_map(CompValue::Int),
        1 => (-1000i64..1000).prop_map(CompValue::Int),
        2 => any::<f64>()
            .prop_filter("finite", |d| d.is_finite())
            .prop_map(CompValue::Dec),
        1 => (-1000.0f64..1000.0).prop_map(CompValue::Dec),
        4 => text().prop_map(CompValue::Str),
        1 => Just(CompValue::Str("2024-06-11T15:02:44Z".to_owned())),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    prop_oneof![
        1 => Just(Condition::Present),
        5 => (prop::sample::select(CompareOp::ALL.to_vec()), value())
            .prop_map(|(op, value)| Condition::Compare(op, value)),
    ]
}

fn attr_expr() -> impl Strategy<Value = Filter> {
    (attr_path(), condition()).prop_map(|(path, cond)| Filter::Attr { path, cond })
}

fn combine(inner: impl Strategy<Value = Filter> + Clone) -> impl Strategy<Value = Filter> {
    prop_oneof![
        (inner.clone(), inner.clone()).prop_map(|(l, r)| l.and(r)),
        (inner.clone(), inner.clone()).prop_map(|(l, r)| l.or(r)),
        inner.prop_map(Filter::negate),
    ]
}

/// Filters without value paths: what may stand inside `[...]`.
fn value_filter() -> impl Strategy<Value = Filter> {
    attr_expr().prop_recursive(3, 12, 2, combine)
}

fn value_path() -> impl Strategy<Value = Filter> {
    (
        top_level_path(),
        value_filter(),
        prop::option::weighted(0.4, (name(), condition())),
    )
        .prop_map(|(attr, filter, then)| {
            Filter::ValuePath(Box::new(ValuePath { attr, filter, then }))
        })
}

fn filter() -> impl Strategy<Value = Filter> {
    prop_oneof![3 => attr_expr(), 1 => value_path()].prop_recursive(4, 24, 2, combine)
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    (attr_path(), prop::option::weighted(0.5, value_filter()))
        .prop_map(|(attr, filter)| PatchPath { attr, filter })
}

/// Attribute expressions in the tree, as the parser counts them.
fn terms(filter: &Filter) -> usize {
    match filter {
        Filter::Attr { .. } => 1,
        Filter::ValuePath(vp) => 1 + terms(&vp.filter),
        Filter::And(l, r) | Filter::Or(l, r) => terms(l) + terms(r),
        Filter::Not(inner) => terms(inner),
    }
}

// --- Properties --------------------------------------------------------------------

/// 512 cases unless `PROPTEST_CASES` asks for another number (for long local runs).
fn config() -> ProptestConfig {
    let from_env = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        from_env
    } else {
        ProptestConfig {
            cases: 512,
            ..from_env
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn printed_filters_parse_back_to_the_same_tree(f in filter()) {
        let printed = f.to_string();
        prop_assume!(printed.len() <= MAX_FILTER_LEN && terms(&f) <= MAX_TERMS);
        let parsed = Filter::parse(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&f), "printed as {}", printed);
        // Printing is canonical: a second round changes nothing.
        prop_assert_eq!(parsed.unwrap().to_string(), printed);
    }

    #[test]
    fn printed_patch_paths_parse_back(p in patch_path()) {
        let printed = p.to_string();
        prop_assume!(printed.len() <= MAX_FILTER_LEN);
        prop_assert_eq!(PatchPath::parse(&printed), Ok(p), "printed as {}", printed);
    }

    #[test]
    fn printed_attribute_paths_parse_back(p in attr_path()) {
        prop_assert_eq!(AttrPath::parse(&p.to_string()), Ok(p));
    }

    #[test]
    fn compiled_filters_obey_the_laws_of_two_valued_logic(f in filter(), g in filter()) {
        let resource = user();
        let matches = |f: &Filter| compile(f, &USER_RESOURCE).ok().map(|c| c.matches(&resource));
        let (Some(mf), Some(mg)) = (matches(&f), matches(&g)) else {
            // Names the schema does not know: nothing to evaluate.
            return Ok(());
        };
        prop_assert_eq!(matches(&f.clone().negate()), Some(!mf));
        prop_assert_eq!(matches(&f.clone().and(g.clone())), Some(mf && mg));
        prop_assert_eq!(matches(&f.clone().or(g)), Some(mf || mg));
    }

    #[test]
    fn ne_is_not_eq(path in attr_path(), v in value()) {
        let resource = user();
        let ne = Filter::compare(path.clone(), CompareOp::Ne, v.clone());
        let eq = Filter::compare(path, CompareOp::Eq, v);
        match (compile(&ne, &USER_RESOURCE), compile(&eq, &USER_RESOURCE)) {
            (Ok(ne), Ok(eq)) => prop_assert_eq!(ne.matches(&resource), !eq.matches(&resource)),
            (ne, eq) => prop_assert_eq!(ne.is_ok(), eq.is_ok()),
        }
    }
}
