//! The admin API's lists as an admin reads them: the sub-accounts search
//! (text, filters, orders, cursor pages), the groups with the role each maps
//! to, and the event log (filters, head, paging names, the limit).

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, PATCH_OP, TestApp, USER};
use crate::{assert_shape, both_backends};

const T: &str = "/tenants/acme";

async fn create(app: &TestApp, body: Value) -> String {
    let created = app.scim(Method::POST, "/Users", Some(body)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

fn user_names(reply: &crate::harness::Reply) -> Vec<&str> {
    reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{:?}", reply.body))
        .iter()
        .map(|u| u["user_name"].as_str().unwrap())
        .collect()
}

/// Sets the catalogue (keeping the default rules' `User` until they change) and
/// these group rules, with `Viewer` for everyone else.
async fn rules(app: &TestApp, rules: Value) {
    let catalogue = app
        .admin(
            Method::PUT,
            &format!("{T}/catalogue"),
            Some(json!({"roles": [{"name": "Admin", "privileged": true}, {"name": "Loanee"}, {"name": "Viewer"}, {"name": "User"}]})),
        )
        .await;
    assert_eq!(catalogue.status, 200, "{:?}", catalogue.body);
    let saved = app
        .admin(
            Method::PUT,
            &format!("{T}/rules"),
            Some(json!({"default_role": "Viewer", "rules": rules})),
        )
        .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
}

async fn users_search_filter_sort_and_page(backend: Backend) {
    let app = TestApp::new(backend);
    let ada = create(
        &app,
        json!({"schemas": [USER], "userName": "ada@contoso.com", "displayName": "Ada Lovelace", "active": true,
               "externalId": "EXT-1", "emails": [{"value": "countess@math.example"}]}),
    )
    .await;
    let grace = create(
        &app,
        json!({"schemas": [USER], "userName": "grace@contoso.com", "displayName": "Grace Hopper",
               "active": true}),
    )
    .await;
    let alan = create(
        &app,
        json!({"schemas": [USER], "userName": "alan@contoso.com", "active": false}),
    )
    .await;
    let admins = app.create_group("App Admins", &[&ada]).await;
    rules(
        &app,
        json!([{"group": {"id": admins, "label": "App Admins"}, "role": "Admin"}]),
    )
    .await;
    let locked = app
        .admin(
            Method::PUT,
            &format!("{T}/users/{grace}/lock"),
            Some(json!({"role": "Loanee", "reason": "on leave"})),
        )
        .await;
    assert_eq!(locked.status, 200, "{:?}", locked.body);

    // One row: role, reason in words, lock, groups by id and name, last change.
    let first = app
        .admin(Method::GET, &format!("{T}/users?limit=2"), None)
        .await;
    assert_shape!("admin_users_search_first_page", first);
    assert_eq!(user_names(&first), ["ada@contoso.com", "alan@contoso.com"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .admin(
            Method::GET,
            &format!("{T}/users?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(user_names(&rest), ["grace@contoso.com"]);
    assert_eq!(rest.body["next_cursor"], Value::Null);

    let names = |query: &'static str| {
        let app = &app;
        async move {
            let reply = app
                .admin(Method::GET, &format!("{T}/users?{query}"), None)
                .await;
            assert_eq!(reply.status, 200, "{query}: {:?}", reply.body);
            user_names(&reply)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        }
    };
    // Prefixes of userName, displayName, an e-mail, externalId; any case.
    assert_eq!(names("q=GRACE").await, ["grace@contoso.com"]);
    assert_eq!(names("q=ada%20love").await, ["ada@contoso.com"]);
    assert_eq!(names("q=countess").await, ["ada@contoso.com"]);
    assert_eq!(names("q=ext-1").await, ["ada@contoso.com"]);
    assert_eq!(names("q=a").await, ["ada@contoso.com", "alan@contoso.com"]);
    assert_eq!(names("role=Admin").await, ["ada@contoso.com"]);
    assert_eq!(names("status=inactive").await, ["alan@contoso.com"]);
    assert_eq!(names("locked=true").await, ["grace@contoso.com"]);
    assert_eq!(
        names("locked=false&status=active").await,
        ["ada@contoso.com"]
    );
    // Loanee (locked), Disabled (deactivated), Admin.
    assert_eq!(
        names("sort=role&order=desc").await,
        ["grace@contoso.com", "alan@contoso.com", "ada@contoso.com"]
    );
    assert_eq!(
        names("sort=display_name").await,
        ["alan@contoso.com", "ada@contoso.com", "grace@contoso.com"]
    );
    // The IdP deletes Alan: still listed, as deleted.
    let deleted = app
        .scim(Method::DELETE, &format!("/Users/{alan}"), None)
        .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    assert_eq!(names("status=deleted").await, ["alan@contoso.com"]);

    for bad in [
        "limit=0",
        "limit=100000",
        "status=gone",
        "sort=age",
        "order=up",
        "locked=maybe",
        "count=10",
        "cursor=zz",
    ] {
        let reply = app
            .admin(Method::GET, &format!("{T}/users?{bad}"), None)
            .await;
        assert_eq!(reply.status, 400, "{bad}: {:?}", reply.body);
    }
    // A cursor continues only the order it was made in.
    let other = app
        .admin(
            Method::GET,
            &format!("{T}/users?limit=2&sort=role&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(other.status, 400, "{:?}", other.body);
}

async fn groups_with_member_counts_and_roles(backend: Backend) {
    let app = TestApp::new(backend);
    let ada = app.create_user("ada@contoso.com").await;
    let grace = app.create_user("grace@contoso.com").await;
    let admins = app.create_group("App Admins", &[&ada]).await;
    let staff = app.create_group("Staff", &[&ada, &grace]).await;
    app.create_group("Berlin", &[]).await;
    // The first group rule naming a group gives its role.
    rules(
        &app,
        json!([
            {"group": {"id": admins, "label": "App Admins"}, "role": "Admin"},
            {"group": {"id": staff, "label": "Staff"}, "role": "Loanee"},
            {"group": {"id": admins, "label": "App Admins"}, "role": "Viewer"},
        ]),
    )
    .await;
    let first = app
        .admin(Method::GET, &format!("{T}/groups?limit=2"), None)
        .await;
    assert_shape!("admin_groups_page", first);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = app
        .admin(
            Method::GET,
            &format!("{T}/groups?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(rest.body["items"][0]["display_name"], "Staff");
    assert_eq!(rest.body["items"][0]["members"], 2);
    assert_eq!(rest.body["items"][0]["role"], "Loanee");
    assert_eq!(rest.body["next_cursor"], Value::Null);
    let too_many = app
        .admin(Method::GET, &format!("{T}/groups?limit=5000"), None)
        .await;
    assert_eq!(too_many.status, 400, "{:?}", too_many.body);
}

async fn events_filtered_from_head_and_limited(backend: Backend) {
    let app = TestApp::new(backend);
    let head = app
        .admin(Method::GET, &format!("{T}/events/head"), None)
        .await;
    assert_shape!("admin_events_head", head);
    let start = head.body["seq"].as_i64().unwrap();
    let ada = app.create_user("ada@contoso.com").await;
    let grace = app.create_user("grace@contoso.com").await;
    let admins = app.create_group("App Admins", &[&ada]).await;
    let deactivated = app
        .scim(
            Method::PATCH,
            &format!("/Users/{grace}"),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]})),
        )
        .await;
    assert_eq!(deactivated.status, 200, "{:?}", deactivated.body);

    let kinds = |reply: &crate::harness::Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{:?}", reply.body))
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    // From the head on: only what happened since.
    let since_start = app
        .admin(
            Method::GET,
            &format!("{T}/events?after_seq={start}&kind=user.created,user.deactivated"),
            None,
        )
        .await;
    assert_shape!("admin_events_by_kind", since_start);
    assert_eq!(
        kinds(&since_start),
        ["user.created", "user.created", "user.deactivated"]
    );
    let of_group = app
        .admin(Method::GET, &format!("{T}/events?group={admins}"), None)
        .await;
    assert_eq!(kinds(&of_group), ["group.created", "member.added"]);
    let of_user = app
        .admin(
            Method::GET,
            &format!("{T}/events?user={grace}&kind=user.deactivated"),
            None,
        )
        .await;
    assert_eq!(kinds(&of_user), ["user.deactivated"]);
    let none_yet = app
        .admin(
            Method::GET,
            &format!("{T}/events?since=2999-01-01T00:00:00Z"),
            None,
        )
        .await;
    assert_eq!(kinds(&none_yet), Vec::<String>::new());
    // Nothing matched, but the next read starts after what was looked at.
    let now = app
        .admin(Method::GET, &format!("{T}/events/head"), None)
        .await;
    assert_eq!(none_yet.body["next_after_seq"], now.body["seq"]);
    // Pages: a full page continues after its last event.
    let page = app
        .admin(
            Method::GET,
            &format!("{T}/events?after_seq={start}&limit=2"),
            None,
        )
        .await;
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(page.body["next_after_seq"], items[1]["seq"]);

    for bad in [
        "limit=1001",
        "limit=0",
        "kind=user.exploded",
        "after=0",
        "since=yesterday",
        "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
        "user=a&group=b",
    ] {
        let reply = app
            .admin(Method::GET, &format!("{T}/events?{bad}"), None)
            .await;
        assert_eq!(reply.status, 400, "{bad}: {:?}", reply.body);
    }
}

/// A user whose `active` the client left out is active, as the role engine
/// decides it: listed as active, not as inactive, not in the disabled report.
async fn absent_active_means_active(backend: Backend) {
    let app = TestApp::new(backend);
    app.create_user("ada@contoso.com").await;
    create(
        &app,
        json!({"schemas": [USER], "userName": "alan@contoso.com", "active": false}),
    )
    .await;
    let names = |query: &'static str| {
        let app = &app;
        async move {
            let reply = app
                .admin(Method::GET, &format!("{T}/users?{query}"), None)
                .await;
            assert_eq!(reply.status, 200, "{query}: {:?}", reply.body);
            let rows = reply.body["items"].as_array().unwrap().clone();
            rows.iter()
                .map(|u| {
                    (
                        u["user_name"].as_str().unwrap().to_owned(),
                        u["status"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names("status=active").await,
        [("ada@contoso.com".to_owned(), json!("active"))]
    );
    assert_eq!(
        names("status=inactive").await,
        [("alan@contoso.com".to_owned(), json!("inactive"))]
    );
    let report = app
        .admin(Method::GET, &format!("{T}/reports/disabled-users"), None)
        .await;
    assert_eq!(report.status, 200, "{:?}", report.body);
    let reported: Vec<&str> = report.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_name"].as_str().unwrap())
        .collect();
    assert_eq!(reported, ["alan@contoso.com"]);
}

both_backends!(
    absent_active_means_active,
    users_search_filter_sort_and_page,
    groups_with_member_counts_and_roles,
    events_filtered_from_head_and_limited,
);
