//! Filter translation: on a varied data set, every filter of a long table must
//! select exactly the users (or groups) that `CompiledFilter::matches` selects on
//! the rendered resources, on both backends. A few results are also spelled out,
//! so that a shared mistake of evaluator and store cannot pass unnoticed.

use chrono::Timelike;
use scim_store::{ListQuery, NewUser, Paging, Store, Visibility, render};
use serde_json::{Value, json};

use crate::contract;
use crate::fixtures::{add_group, group_filter, ids, user_filter};
use crate::harness::{Backend, at, fresh, tenant};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const EXT: &str = "urn:example:ext:1.0:User";
const BASE: &str = "https://scim.example/scim/v2/acme";

fn users() -> Vec<(&'static str, Value)> {
    vec![
        (
            "u01",
            json!({
                "userName": "Alice", "displayName": "Alice Anders", "title": "Engineer",
                "externalId": "EXT-1", "active": true,
                "name": {"givenName": "Alice", "familyName": "Anders"},
                "emails": [
                    {"value": "Alice@Example.com", "type": "work", "primary": true},
                    {"value": "alice@home.org", "type": "home"}
                ],
                ENTERPRISE: {"department": "IT", "employeeNumber": "1001",
                             "manager": {"value": "u02", "displayName": "Bob"}},
                EXT: {"level": 3, "score": 2.5, "vip": true, "tags": ["A", "b"]}
            }),
        ),
        (
            "u02",
            json!({
                "userName": "bob", "displayName": "Bob Brown", "active": false,
                "emails": [{"value": "bob@example.com", "type": "work"}],
                ENTERPRISE: {"department": "Sales"},
                EXT: {"level": 9_007_199_254_740_993_i64, "vip": false}
            }),
        ),
        (
            "u03",
            json!({
                "userName": "ǅemal", "displayName": "ǅemal", "title": "", "active": true,
                "emails": [], "name": {"givenName": ""}
            }),
        ),
        (
            "u04",
            json!({
                "userName": "Straße", "displayName": "STRASSE",
                "addresses": [{"locality": "Berlin", "country": "DE", "primary": true}],
                "phoneNumbers": [{"value": "+49 30 1234", "type": "work"}]
            }),
        ),
        (
            "u05",
            json!({
                "userName": "carol", "title": "engineer", "active": true,
                "emails": [{"value": "carol@example.com", "primary": false}],
                EXT: {"level": 3.0, "score": 3}
            }),
        ),
        (
            "u06",
            json!({
                "userName": "dave", "externalId": "ext-1", "active": true,
                "x509Certificates": [{"value": "MIIBxyz"}]
            }),
        ),
        (
            "u07",
            json!({"userName": "İstanbul", "displayName": "İSTANBUL", "active": false}),
        ),
        (
            "u08",
            json!({
                "userName": "eve", "active": true,
                "entitlements": [{"value": "Admin"}],
                "roles": [{"value": "r1", "primary": true}, {"value": "r2"}],
                EXT: {"level": -5, "tags": "single", "nested": {"deep": {"x": 1}}}
            }),
        ),
        (
            // Inexact: a number where displayName must be a string, and keys that
            // differ only in case. Filters on it run in Rust.
            "u09",
            json!({
                "userName": "zed", "displayName": 42, "active": true,
                EXT: {"Level": 1, "level": 8}
            }),
        ),
        (
            "u10",
            json!({"userName": "frank", "active": true, EXT: {"LEVEL": 7, "Vip": true}}),
        ),
        (
            "u11",
            json!({"userName": "gone", "active": true, "title": "Engineer"}),
        ),
    ]
}

struct Data {
    db: crate::harness::TestDb,
    tenant: String,
}

fn load(backend: Backend) -> Data {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    for (i, (id, body)) in users().into_iter().enumerate() {
        let seconds = i64::try_from(i).unwrap() * 100;
        // Nanoseconds that the store truncates to microseconds.
        let now = at(seconds).with_nanosecond(987_654_321).unwrap();
        db.store
            .write(|tx| {
                tx.tenant(&t.id).users().insert(&NewUser {
                    id: id.into(),
                    resource: body.clone(),
                    role: None,
                    role_reason: None,
                    now,
                })
            })
            .unwrap();
    }
    add_group(&db.store, &t.id, "g1", "Employees");
    add_group(&db.store, &t.id, "g2", "Admins");
    add_group(&db.store, &t.id, "g3", "Empty");
    db.store
        .write(|tx| {
            tx.tenant(&t.id).groups().add_members(
                "g1",
                &ids(&["u01", "u02", "u05", "u09"]),
                at(2000),
            )?;
            tx.tenant(&t.id)
                .groups()
                .add_members("g2", &ids(&["u01", "u06"]), at(2001))?;
            tx.tenant(&t.id).users().soft_delete("u11", None, at(2002))
        })
        .unwrap();
    Data { db, tenant: t.id }
}

fn all_pages(base: Option<&str>) -> (Paging, Option<&str>) {
    (
        Paging::Index {
            start_index: 1,
            count: 1000,
        },
        base,
    )
}

fn store_users(store: &Store, tenant: &str, filter: &str, base: Option<&str>) -> Vec<String> {
    let filter = user_filter(filter);
    let (paging, base_url) = all_pages(base);
    let query = ListQuery {
        filter: Some(&filter),
        sort: None,
        paging: &paging,
        base_url,
    };
    let page = store
        .read(|tx| tx.tenant(tenant).users().list(&query))
        .unwrap();
    let mut ids: Vec<String> = page.items.into_iter().map(|u| u.id).collect();
    assert_eq!(page.total, ids.len() as u64);
    ids.sort();
    ids
}

fn memory_users(store: &Store, tenant: &str, filter: &str, base: Option<&str>) -> Vec<String> {
    let filter = user_filter(filter);
    let (paging, base_url) = all_pages(base);
    let query = ListQuery {
        filter: None,
        sort: None,
        paging: &paging,
        base_url,
    };
    store
        .read(|tx| {
            let users = tx.tenant(tenant).users().list(&query)?.items;
            let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
            let groups = tx.tenant(tenant).groups().of_users(&ids)?;
            let mut matched: Vec<String> = users
                .iter()
                .filter(|u| {
                    let g = groups.get(&u.id).map(Vec::as_slice).unwrap_or_default();
                    filter.matches(&render::user(u, g, base))
                })
                .map(|u| u.id.clone())
                .collect();
            matched.sort();
            Ok::<_, scim_store::StoreError>(matched)
        })
        .unwrap()
}

/// The one table-driven check: store and evaluator agree.
fn check(data: &Data, filter: &str) -> Vec<String> {
    let mut last = Vec::new();
    for base in [None, Some(BASE)] {
        let store = store_users(&data.db.store, &data.tenant, filter, base);
        let memory = memory_users(&data.db.store, &data.tenant, filter, base);
        assert_eq!(
            store, memory,
            "{:?} filter {filter} (base {base:?})",
            data.db.database.backend
        );
        last = store;
    }
    last
}

const USER_FILTERS: &[&str] = &[
    r#"userName eq "alice""#,
    r#"userName eq "ALICE""#,
    r#"userName co "li""#,
    r#"userName sw "A""#,
    r#"userName ew "E""#,
    r#"userName gt "c""#,
    r#"userName ge "carol""#,
    r#"userName lt "bob""#,
    r#"userName le "bob""#,
    r#"userName pr"#,
    r#"userName ne "bob""#,
    r#"userName eq "ǆemal""#,
    r#"userName eq "ǅEMAL""#,
    r#"userName eq "straße""#,
    r#"userName sw "i̇""#,
    r#"userName gt "z""#,
    r#"userName co """#,
    r#"displayName eq "strasse""#,
    r#"displayName co "ß""#,
    r#"displayName eq "i̇stanbul""#,
    r#"displayName pr"#,
    r#"not (displayName pr)"#,
    r#"displayName eq null"#,
    r#"displayName ne null"#,
    r#"displayName eq "42""#,
    r#"title eq """#,
    r#"title pr"#,
    r#"title co """#,
    r#"title sw "eng""#,
    r#"not (title eq "engineer")"#,
    r#"title gt "e""#,
    r#"active eq true"#,
    r#"active eq false"#,
    r#"active ne true"#,
    r#"not (active pr)"#,
    r#"active eq "True""#,
    r#"externalId eq "EXT-1""#,
    r#"externalId eq "ext-1""#,
    r#"externalId co "XT""#,
    r#"externalId pr"#,
    r#"id eq "u01""#,
    r#"id sw "u0""#,
    r#"id gt "u05""#,
    r#"id ew "1""#,
    r#"emails co "example""#,
    r#"emails.value eq "alice@example.com""#,
    r#"emails.value sw "ALICE""#,
    r#"emails.value gt "b""#,
    r#"emails[type eq "work"].value ew ".com""#,
    r#"emails[type eq "work" and primary eq true]"#,
    r#"emails[not (type eq "work")]"#,
    r#"emails[value eq "bob@example.com"]"#,
    r#"emails[value sw "a" and type eq "home"]"#,
    r#"emails.primary eq false"#,
    r#"emails pr"#,
    r#"not (emails pr)"#,
    r#"emails.type eq "home""#,
    r#"emails[primary pr]"#,
    r#"not (emails.value eq "bob@example.com")"#,
    r#"name.givenName eq "alice""#,
    r#"name.givenName pr"#,
    r#"name pr"#,
    r#"name[givenName sw "a" or familyName sw "b"]"#,
    r#"addresses[country eq "de" and primary eq true]"#,
    r#"addresses.locality co "erl""#,
    r#"phoneNumbers.value co "30""#,
    r#"x509Certificates.value eq "miibxyz""#,
    r#"entitlements eq "admin""#,
    r#"roles[primary eq true]"#,
    r#"roles.value eq "r2""#,
    r#"department eq "it""#,
    r#"department pr"#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1001""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u02""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "U02""#,
    r#"manager.displayName co "bo""#,
    r#"manager pr"#,
    r#"urn:example:ext:1.0:User:level gt 2"#,
    r#"urn:example:ext:1.0:User:level eq 3"#,
    r#"urn:example:ext:1.0:User:level lt 0"#,
    r#"urn:example:ext:1.0:User:level ge 8"#,
    r#"urn:example:ext:1.0:User:level eq 9007199254740992"#,
    r#"urn:example:ext:1.0:User:level ge 9007199254740993"#,
    r#"urn:example:ext:1.0:User:level eq 3.0"#,
    r#"urn:example:ext:1.0:User:level lt 3.5"#,
    r#"urn:example:ext:1.0:User:score lt 3"#,
    r#"urn:example:ext:1.0:User:score eq 2.5"#,
    r#"urn:example:ext:1.0:User:vip eq true"#,
    r#"urn:example:ext:1.0:User:vip ne true"#,
    r#"urn:example:ext:1.0:User:vip gt false"#,
    r#"urn:example:ext:1.0:User:tags eq "a""#,
    r#"urn:example:ext:1.0:User:tags co "B""#,
    r#"urn:example:ext:1.0:User:level pr"#,
    r#"urn:example:ext:1.0:User:missing pr"#,
    r#"urn:example:ext:1.0:User:level eq "3""#,
    r#"urn:example:ext:1.0:User:level co 3"#,
    r#"urn:example:ext:1.0:User:nested pr"#,
    r#"urn:example:ext:1.0:User:nested.deep pr"#,
    r#"URN:EXAMPLE:EXT:1.0:USER:LEVEL eq 7"#,
    r#"urn:example:ext:1.0:User:tags[value pr]"#,
    r#"meta.created gt "2026-01-01T00:05:00Z""#,
    r#"meta.created ge "2026-01-01T00:05:00.987654Z""#,
    r#"meta.created gt "2026-01-01T00:05:00.9876545Z""#,
    r#"meta.created le "2026-01-01T00:05:00.9876539Z""#,
    r#"meta.created eq "2026-01-01T00:05:00.987654Z""#,
    r#"meta.created eq "2026-01-01T01:05:00.987654+01:00""#,
    r#"meta.lastModified lt "2026-01-01T00:03:00Z""#,
    r#"meta.lastModified gt "0001-01-01T00:00:00+05:00""#,
    r#"meta.lastModified lt "9999-12-31T23:59:59-05:00""#,
    r#"meta.resourceType eq "User""#,
    r#"meta.resourceType eq "user""#,
    r#"meta.version eq "W/\"1\"""#,
    r#"meta.version eq "W/\"u01/1\"""#,
    r#"meta.version sw "W/\"u0""#,
    r#"meta.version ew "/1\"""#,
    r#"meta.location sw "https://""#,
    r#"meta.location ew "/u01""#,
    r#"meta pr"#,
    r#"meta[created lt "2026-01-01T00:04:00Z"]"#,
    r#"groups.value eq "g1""#,
    r#"groups.value eq "G1""#,
    r#"groups.display eq "employees""#,
    r#"groups[display sw "adm"]"#,
    r#"groups pr"#,
    r#"not (groups pr)"#,
    r#"groups.type eq "direct""#,
    r#"groups.type eq "indirect""#,
    r#"groups.$ref co "/Groups/g2""#,
    r#"groups[value eq "g1" and not (display eq "x")]"#,
    r#"(userName sw "a" or active eq false) and not (emails pr)"#,
    r#"not (not (userName eq "bob"))"#,
    r#"title pr or urn:example:ext:1.0:User:vip pr"#,
    r#"emails[type eq "work"] and groups[display eq "admins"]"#,
];

fn user_filters_agree_with_the_evaluator(backend: Backend) {
    let data = load(backend);
    let mut distinct = 0;
    for filter in USER_FILTERS {
        let matched = check(&data, filter);
        if !matched.is_empty() && matched.len() < 10 {
            distinct += 1;
        }
    }
    // The table must exercise both outcomes, not just agree on empty results.
    assert!(
        distinct * 3 > USER_FILTERS.len() * 2,
        "{distinct} of {}",
        USER_FILTERS.len()
    );
}

fn some_results_spelled_out(backend: Backend) {
    let data = load(backend);
    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "ALICE""#, &["u01"]),
        (r#"emails[type eq "work" and primary eq true]"#, &["u01"]),
        (r#"userName eq "ǆemal""#, &["u03"]),
        (r#"userName eq "straße""#, &["u04"]),
        (r#"title eq """#, &["u03"]),
        (r#"urn:example:ext:1.0:User:level eq 3"#, &["u01", "u05"]),
        (r#"URN:EXAMPLE:EXT:1.0:USER:LEVEL eq 7"#, &["u10"]),
        (r#"urn:example:ext:1.0:User:level eq 8"#, &["u09"]),
        (
            r#"displayName pr"#,
            &["u01", "u02", "u03", "u04", "u07", "u09"],
        ),
        (
            r#"groups.display eq "employees""#,
            &["u01", "u02", "u05", "u09"],
        ),
        (r#"not (groups pr)"#, &["u03", "u04", "u07", "u08", "u10"]),
        (r#"externalId eq "ext-1""#, &["u06"]),
        (r#"meta.created eq "2026-01-01T00:05:00.987654Z""#, &["u04"]),
        (
            r#"meta.created gt "2026-01-01T00:05:00.9876539Z""#,
            &["u04", "u05", "u06", "u07", "u08", "u09", "u10"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(check(&data, filter), ids(expected), "{filter}");
    }
}

fn group_ids(
    store: &Store,
    tenant: &str,
    filter: &str,
    base: Option<&str>,
) -> (Vec<String>, Vec<String>) {
    let compiled = group_filter(filter);
    let (paging, base_url) = all_pages(base);
    let q = |filter| ListQuery {
        filter,
        sort: None,
        paging: &paging,
        base_url,
    };
    store
        .read(|tx| {
            let mut sql: Vec<String> = tx
                .tenant(tenant)
                .groups()
                .list(&q(Some(&compiled)))?
                .items
                .into_iter()
                .map(|g| g.id)
                .collect();
            sql.sort();
            let mut memory = Vec::new();
            for g in tx.tenant(tenant).groups().list(&q(None))?.items {
                let members = tx.tenant(tenant).groups().members(&g.id, 0, 1000)?.members;
                if compiled.matches(&render::group(&g, Some(&members), base)) {
                    memory.push(g.id);
                }
            }
            memory.sort();
            Ok::<_, scim_store::StoreError>((sql, memory))
        })
        .unwrap()
}

fn group_filters_agree_with_the_evaluator(backend: Backend) {
    let data = load(backend);
    let cases: &[(&str, &[&str])] = &[
        (r#"displayName eq "employees""#, &["g1"]),
        (r#"displayName sw "E""#, &["g1", "g3"]),
        (r#"members.value eq "u01""#, &["g1", "g2"]),
        (r#"members[value eq "u06"]"#, &["g2"]),
        (r#"members.value eq "U01""#, &[]),
        (r#"members.display co "alice""#, &["g1", "g2"]),
        (r#"members pr"#, &["g1", "g2"]),
        (r#"not (members pr)"#, &["g3"]),
        (r#"members.type eq "user""#, &["g1", "g2"]),
        (r#"members[value eq "u02" and display pr]"#, &["g1"]),
        (r#"members[value eq "u09" and display pr]"#, &[]),
        (r#"members.$ref ew "/Users/u06""#, &["g2"]),
        (r#"id eq "g3" or meta.version eq "W/\"3\"""#, &["g3"]),
        (r#"meta.resourceType eq "Group""#, &["g1", "g2", "g3"]),
        (r#"externalId pr"#, &[]),
    ];
    for (filter, expected) in cases {
        for base in [None, Some(BASE)] {
            let (sql, memory) = group_ids(&data.db.store, &data.tenant, filter, base);
            assert_eq!(sql, memory, "{filter} (base {base:?})");
            if *filter != r#"members.$ref ew "/Users/u06""# || base.is_some() {
                assert_eq!(sql, ids(expected), "{filter} (base {base:?})");
            }
        }
    }
}

fn soft_deleted_users_are_never_matched(backend: Backend) {
    let data = load(backend);
    assert!(!check(&data, r#"title eq "engineer""#).contains(&"u11".to_owned()));
    let gone = data
        .db
        .store
        .read(|tx| {
            tx.tenant(&data.tenant)
                .users()
                .by_id("u11", Visibility::IncludeDeleted)
        })
        .unwrap();
    assert!(gone.is_some());
}

contract!(
    user_filters_agree_with_the_evaluator,
    some_results_spelled_out,
    group_filters_agree_with_the_evaluator,
    soft_deleted_users_are_never_matched,
);
