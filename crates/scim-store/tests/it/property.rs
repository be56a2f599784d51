//! The property the whole filter translation exists for: for random users and
//! random filters, the store returns exactly the users that the protocol crate's
//! in-memory evaluator matches on the same rendered data, on both backends.

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use scim_proto::filter::{AttrPath, CompValue, CompareOp, Condition, Filter, ValuePath, compile};
use scim_proto::schema::{GROUP_RESOURCE, USER_RESOURCE};
use scim_store::{ListQuery, NewGroup, NewUser, Paging, Store, StoreError, render};
use serde_json::{Map, Value, json};

use crate::contract;
use crate::harness::{Backend, at, fresh, tenant};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const EXT: &str = "urn:example:ext:1.0:User";
const BASE: &str = "https://h/scim/v2/t";

/// Strings chosen to collide under case folding in every interesting way.
const WORDS: &[&str] = &[
    "alice",
    "Alice",
    "ALICE",
    "bob",
    "ǅemal",
    "ǆemal",
    "Straße",
    "STRASSE",
    "İx",
    "ix",
    "",
    "a",
    "Ab",
    "zed",
    "école",
    "Zoë",
    "eng",
    "Engineer",
    "x@example.com",
    "X@Example.COM",
    "g1",
    "u1",
];
/// Needles: the words plus pieces of them.
const NEEDLES: &[&str] = &[
    "li",
    "",
    "ß",
    "ǆ",
    "x@",
    ".com",
    "E",
    "e",
    "i̇",
    "W/\"1\"",
    "User",
    "https://",
    "/Groups/g1",
    "direct",
    "work",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_owned)
}

fn needle() -> impl Strategy<Value = String> {
    prop_oneof![
        word(),
        prop::sample::select(NEEDLES).prop_map(str::to_owned)
    ]
}

fn opt<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(0.6, s)
}

fn email() -> impl Strategy<Value = Value> {
    (
        word(),
        opt(prop::sample::select(&["work", "home", "Work"][..])),
        opt(any::<bool>()),
    )
        .prop_map(|(value, ty, primary)| {
            let mut e = Map::new();
            e.insert("value".into(), json!(value));
            if let Some(ty) = ty {
                e.insert("type".into(), json!(ty));
            }
            if let Some(p) = primary {
                e.insert("primary".into(), json!(p));
            }
            Value::Object(e)
        })
}

fn ext_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(&[0_i64, 1, 3, -5, 9_007_199_254_740_993][..]).prop_map(|i| json!(i)),
        prop::sample::select(&[0.5_f64, 3.0, -1.25, 1e20][..]).prop_map(|f| json!(f)),
        any::<bool>().prop_map(|b| json!(b)),
        word().prop_map(|w| json!(w)),
        prop::collection::vec(word(), 0..3).prop_map(|v| json!(v)),
    ]
}

/// A user body; `inexact` bodies carry shapes only Rust evaluates exactly.
fn user() -> impl Strategy<Value = Value> {
    (
        (opt(word()), opt(word()), opt(any::<bool>()), opt(word())),
        (
            opt(word()),
            opt(word()),
            prop::collection::vec(email(), 0..3),
        ),
        (
            opt(word()),
            opt(word()),
            opt(ext_value()),
            opt(ext_value()),
            opt(ext_value()),
        ),
        prop::sample::select(&[0_u8, 0, 0, 0, 0, 0, 0, 0, 1, 2][..]),
    )
        .prop_map(|(core, names, ext, inexact)| {
            let (display, title, active, external) = core;
            let (given, family, emails) = names;
            let (department, manager, level, score, tag) = ext;
            let mut b = Map::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    b.insert(k.into(), v);
                }
            };
            put("displayName", display.map(|v| json!(v)));
            put("title", title.map(|v| json!(v)));
            put("active", active.map(|v| json!(v)));
            put("externalId", external.map(|v| json!(v)));
            let mut name = Map::new();
            if let Some(g) = given {
                name.insert("givenName".into(), json!(g));
            }
            if let Some(f) = family {
                name.insert("familyName".into(), json!(f));
            }
            if !name.is_empty() {
                b.insert("name".into(), Value::Object(name));
            }
            if !emails.is_empty() {
                b.insert("emails".into(), json!(emails));
            }
            let mut ent = Map::new();
            if let Some(d) = department {
                ent.insert("department".into(), json!(d));
            }
            if let Some(m) = manager {
                ent.insert("manager".into(), json!({"value": m}));
            }
            if !ent.is_empty() {
                b.insert(ENTERPRISE.into(), Value::Object(ent));
            }
            let mut x = Map::new();
            for (k, v) in [("level", level), ("score", score), ("tag", tag)] {
                if let Some(v) = v {
                    x.insert(k.into(), v);
                }
            }
            match inexact {
                1 => {
                    b.insert("displayName".into(), json!(7));
                }
                2 => {
                    x.insert("Level".into(), json!(3));
                }
                _ => {}
            }
            if !x.is_empty() {
                b.insert(EXT.into(), Value::Object(x));
            }
            Value::Object(b)
        })
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Str,
    Bool,
    Num,
    Date,
}

const USER_PATHS: &[(&str, Kind)] = &[
    ("userName", Kind::Str),
    ("displayName", Kind::Str),
    ("title", Kind::Str),
    ("externalId", Kind::Str),
    ("id", Kind::Str),
    ("nickName", Kind::Str),
    ("name.givenName", Kind::Str),
    ("name.familyName", Kind::Str),
    ("name", Kind::Str),
    ("emails", Kind::Str),
    ("emails.value", Kind::Str),
    ("emails.type", Kind::Str),
    ("emails.primary", Kind::Bool),
    ("active", Kind::Bool),
    ("department", Kind::Str),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        Kind::Str,
    ),
    ("manager", Kind::Str),
    ("urn:example:ext:1.0:User:level", Kind::Num),
    ("urn:example:ext:1.0:User:score", Kind::Num),
    ("urn:example:ext:1.0:User:tag", Kind::Str),
    ("urn:example:ext:1.0:User:level", Kind::Bool),
    ("groups", Kind::Str),
    ("groups.value", Kind::Str),
    ("groups.display", Kind::Str),
    ("groups.type", Kind::Str),
    ("groups.$ref", Kind::Str),
    ("meta.created", Kind::Date),
    ("meta.lastModified", Kind::Date),
    ("meta.version", Kind::Str),
    ("meta.resourceType", Kind::Str),
    ("meta.location", Kind::Str),
];

/// Mostly operators that suit the kind (others only test the compile errors).
fn op(kind: Kind) -> BoxedStrategy<CompareOp> {
    use CompareOp::{Eq, Ge, Gt, Le, Lt, Ne};
    let suited: &'static [CompareOp] = match kind {
        Kind::Str => &CompareOp::ALL,
        Kind::Bool => &[Eq, Ne],
        Kind::Num | Kind::Date => &[Eq, Ne, Gt, Ge, Lt, Le],
    };
    prop_oneof![9 => prop::sample::select(suited), 1 => prop::sample::select(&CompareOp::ALL[..])]
        .boxed()
}

fn value(kind: Kind) -> BoxedStrategy<CompValue> {
    let typed = match kind {
        Kind::Str => needle().prop_map(CompValue::Str).boxed(),
        Kind::Bool => any::<bool>().prop_map(CompValue::Bool).boxed(),
        Kind::Num => prop_oneof![
            prop::sample::select(
                &[
                    0_i64,
                    1,
                    3,
                    -5,
                    9_007_199_254_740_992,
                    9_007_199_254_740_993
                ][..]
            )
            .prop_map(CompValue::Int),
            prop::sample::select(&[0.5_f64, 3.0, -1.25, 1e20, 2.9][..]).prop_map(CompValue::Dec),
        ]
        .boxed(),
        Kind::Date => prop::sample::select(
            &[
                "2026-01-01T00:00:02Z",
                "2026-01-01T00:00:03.5Z",
                "2026-01-01T00:00:03.500000001Z",
                "2026-01-01T01:00:04+01:00",
                "2025-12-31T23:59:59.9999995-00:00",
            ][..],
        )
        .prop_map(|s| CompValue::Str(s.to_owned()))
        .boxed(),
    };
    prop_oneof![16 => typed, 1 => Just(CompValue::Null), 1 => needle().prop_map(CompValue::Str)]
        .boxed()
}

fn condition(kind: Kind) -> BoxedStrategy<Condition> {
    prop_oneof![
        1 => Just(Condition::Present),
        4 => (op(kind), value(kind)).prop_map(|(o, v)| Condition::Compare(o, v)),
    ]
    .boxed()
}

fn attr(paths: &'static [(&'static str, Kind)]) -> BoxedStrategy<Filter> {
    prop::sample::select(paths)
        .prop_flat_map(|(path, kind)| {
            condition(kind).prop_map(move |cond| Filter::Attr {
                path: AttrPath::parse(path).expect("path"),
                cond,
            })
        })
        .boxed()
}

/// Value filters on the multi-valued attributes, with sub-attribute tests inside.
fn value_path() -> BoxedStrategy<Filter> {
    let targets: &'static [(&'static str, &'static [(&'static str, Kind)])] = &[
        (
            "emails",
            &[
                ("value", Kind::Str),
                ("type", Kind::Str),
                ("primary", Kind::Bool),
            ],
        ),
        (
            "name",
            &[("givenName", Kind::Str), ("familyName", Kind::Str)],
        ),
        (
            "groups",
            &[
                ("value", Kind::Str),
                ("display", Kind::Str),
                ("type", Kind::Str),
            ],
        ),
        ("meta", &[("created", Kind::Date), ("version", Kind::Str)]),
    ];
    prop::sample::select(targets)
        .prop_flat_map(|(attr_name, subs)| {
            let leaf = attr(subs);
            let inner = leaf.prop_recursive(2, 6, 2, |inner| {
                prop_oneof![
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
                    inner.prop_map(Filter::negate),
                ]
            });
            let then = opt(prop::sample::select(subs).prop_flat_map(|(sub, kind)| {
                condition(kind).prop_map(move |c| (sub.to_owned(), c))
            }));
            (inner, then).prop_map(move |(filter, then)| {
                Filter::ValuePath(Box::new(ValuePath {
                    attr: AttrPath::new(attr_name),
                    filter,
                    then,
                }))
            })
        })
        .boxed()
}

fn user_filter() -> impl Strategy<Value = Filter> {
    let leaf = prop_oneof![4 => attr(USER_PATHS), 1 => value_path()];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
            inner.prop_map(Filter::negate),
        ]
    })
}

/// 64 cases per run; `PROPTEST_CASES` asks for more (or fewer).
fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

fn everything() -> Paging {
    Paging::Index {
        start_index: 1,
        count: 1000,
    }
}

/// How many compiled filters selected some but not all rows: the property is
/// only worth something if this is large.
#[derive(Default)]
struct Coverage {
    compiled: Cell<usize>,
    discriminating: Cell<usize>,
}

impl Coverage {
    fn record(&self, matched: usize, total: usize) {
        self.compiled.set(self.compiled.get() + 1);
        if matched > 0 && matched < total {
            self.discriminating.set(self.discriminating.get() + 1);
        }
    }

    fn assert_useful(&self, what: &str) {
        let (compiled, discriminating) = (self.compiled.get(), self.discriminating.get());
        assert!(
            compiled >= 150 && discriminating * 5 >= compiled,
            "{what}: {compiled} filters compiled, {discriminating} discriminating"
        );
    }
}

fn store_filters_equal_the_evaluator_for_users(backend: Backend) {
    let db = fresh(backend);
    let case = Cell::new(0);
    let coverage = Coverage::default();
    let strategy = (
        prop::collection::vec(user(), 3..9),
        prop::collection::vec(any::<u8>(), 9),
        prop::collection::vec(user_filter(), 1..12),
        any::<bool>(),
    );
    runner()
        .run(&strategy, |(users, membership, filters, with_base)| {
            case.set(case.get() + 1);
            let t = tenant(&db.store, &format!("p{}", case.get())).id;
            load_users(&db.store, &t, case.get(), &users, &membership);
            let base = with_base.then_some(BASE);
            for filter in filters {
                let Ok(compiled) = compile(&filter, &USER_RESOURCE) else {
                    continue;
                };
                let (sql, memory) = db
                    .store
                    .read(|tx| {
                        let paging = everything();
                        let all = ListQuery {
                            filter: None,
                            sort: None,
                            paging: &paging,
                            base_url: base,
                        };
                        let users = tx.tenant(&t).users().list(&all)?.items;
                        let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
                        let groups = tx.tenant(&t).groups().of_users(&ids)?;
                        let memory: Vec<String> = users
                            .iter()
                            .filter(|u| {
                                let g = groups.get(&u.id).map(Vec::as_slice).unwrap_or_default();
                                compiled.matches(&render::user(u, g, base))
                            })
                            .map(|u| u.id.clone())
                            .collect();
                        coverage.record(memory.len(), users.len());
                        let query = ListQuery {
                            filter: Some(&compiled),
                            ..all
                        };
                        let page = tx.tenant(&t).users().list(&query)?;
                        assert_eq!(page.total, page.items.len() as u64);
                        let sql: Vec<String> = page.items.into_iter().map(|u| u.id).collect();
                        Ok::<_, StoreError>((sql, memory))
                    })
                    .map_err(|e| TestCaseError::fail(format!("{filter}: {e}")))?;
                prop_assert_eq!(sql, memory, "{:?}: {}", backend, filter);
            }
            Ok(())
        })
        .unwrap();
    coverage.assert_useful("users");
}

/// Ids are global in the store, so each case gets its own (`u<i>-c<case>`).
fn load_users(store: &Store, tenant: &str, case: usize, users: &[Value], membership: &[u8]) {
    store
        .write(|tx| {
            for (i, body) in users.iter().enumerate() {
                let mut body = body.clone();
                body["userName"] = json!(format!("{}#{i}", WORDS[i % WORDS.len()]));
                let seconds = i64::try_from(i).unwrap_or(0);
                tx.tenant(tenant).users().insert(&NewUser {
                    id: format!("u{i}-c{case}"),
                    resource: body,
                    role: None,
                    role_reason: None,
                    now: at(seconds) + chrono::Duration::microseconds(500_000),
                })?;
            }
            for (g, name) in [("g1", "Alice"), ("g2", "Straße")] {
                tx.tenant(tenant).groups().insert(&NewGroup {
                    id: format!("{g}-c{case}"),
                    resource: json!({"displayName": name}),
                    now: at(0),
                })?;
            }
            let bit = |i: usize, b: u8| membership.get(i).is_some_and(|m| m & b != 0);
            let members = |b| {
                (0..users.len())
                    .filter(|i| bit(*i, b))
                    .map(|i| format!("u{i}-c{case}"))
                    .collect::<Vec<_>>()
            };
            tx.tenant(tenant)
                .groups()
                .add_members(&format!("g1-c{case}"), &members(1), at(100))?;
            tx.tenant(tenant)
                .groups()
                .add_members(&format!("g2-c{case}"), &members(2), at(100))?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
}

const GROUP_PATHS: &[(&str, Kind)] = &[
    ("displayName", Kind::Str),
    ("externalId", Kind::Str),
    ("id", Kind::Str),
    ("members", Kind::Str),
    ("members.value", Kind::Str),
    ("members.display", Kind::Str),
    ("members.type", Kind::Str),
    ("meta.lastModified", Kind::Date),
    ("urn:example:ext:1.0:Group:level", Kind::Num),
];

fn group_filter() -> impl Strategy<Value = Filter> {
    attr(GROUP_PATHS).prop_recursive(3, 10, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
            inner.prop_map(Filter::negate),
        ]
    })
}

fn store_filters_equal_the_evaluator_for_groups(backend: Backend) {
    let db = fresh(backend);
    let case = Cell::new(0);
    let coverage = Coverage::default();
    let group = (opt(word()), opt(ext_value()), any::<u8>());
    let strategy = (
        prop::collection::vec(user(), 2..6),
        prop::collection::vec(group, 1..6),
        prop::collection::vec(group_filter(), 1..8),
    );
    runner()
        .run(&strategy, |(users, groups, filters)| {
            case.set(case.get() + 1);
            let t = tenant(&db.store, &format!("q{}", case.get())).id;
            load_users(&db.store, &t, case.get(), &users, &[]);
            db.store
                .write(|tx| {
                    for (i, (external, level, bits)) in groups.iter().enumerate() {
                        let mut body =
                            json!({"displayName": format!("{}#{i}", WORDS[(i * 3) % WORDS.len()])});
                        if let Some(e) = external {
                            body["externalId"] = json!(e);
                        }
                        if let Some(l) = level {
                            body["urn:example:ext:1.0:Group"] = json!({"level": l});
                        }
                        tx.tenant(&t).groups().insert(&NewGroup {
                            id: format!("h{i}-c{}", case.get()),
                            resource: body,
                            now: at(i64::from(*bits % 4)),
                        })?;
                        let members: Vec<String> = (0..users.len())
                            .filter(|u| bits & (1 << u) != 0)
                            .map(|u| format!("u{u}-c{}", case.get()))
                            .collect();
                        tx.tenant(&t).groups().add_members(
                            &format!("h{i}-c{}", case.get()),
                            &members,
                            at(5),
                        )?;
                    }
                    Ok::<_, StoreError>(())
                })
                .unwrap();
            for filter in filters {
                let Ok(compiled) = compile(&filter, &GROUP_RESOURCE) else {
                    continue;
                };
                let (sql, memory) = db
                    .store
                    .read(|tx| {
                        let paging = everything();
                        let all = ListQuery {
                            filter: None,
                            sort: None,
                            paging: &paging,
                            base_url: None,
                        };
                        let mut memory = Vec::new();
                        let groups = tx.tenant(&t).groups().list(&all)?.items;
                        let total = groups.len();
                        for g in groups {
                            let members = tx.tenant(&t).groups().members(&g.id, 0, 1000)?.members;
                            if compiled.matches(&render::group(&g, Some(&members), None)) {
                                memory.push(g.id);
                            }
                        }
                        coverage.record(memory.len(), total);
                        let query = ListQuery {
                            filter: Some(&compiled),
                            ..all
                        };
                        let sql: Vec<String> = tx
                            .tenant(&t)
                            .groups()
                            .list(&query)?
                            .items
                            .into_iter()
                            .map(|g| g.id)
                            .collect();
                        Ok::<_, StoreError>((sql, memory))
                    })
                    .map_err(|e| TestCaseError::fail(format!("{filter}: {e}")))?;
                prop_assert_eq!(sql, memory, "{:?}: {}", backend, filter);
            }
            Ok(())
        })
        .unwrap();
    coverage.assert_useful("groups");
}

contract!(
    store_filters_equal_the_evaluator_for_users,
    store_filters_equal_the_evaluator_for_groups,
);
