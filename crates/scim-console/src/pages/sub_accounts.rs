//! The sub-accounts list: every provisioned user of a tenant with status, role
//! and why, lock and groups; searched (`q`), filtered (role, status, locked),
//! sorted, one cursor page at a time, through provisioning's `sub_accounts`.
//! The filters are a GET form, so a search is a link that can be shared.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use provisioning::{SortDirection, SubAccountQuery, SubAccountSort, SubAccountStatus};
use serde::Deserialize;

use super::{blank_as_none, sub_accounts_path, tenant_path, user_path};
use crate::error::ConsoleError;
use crate::layout::{self, when};
use crate::signed_in::SignedIn;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/t/{tenant}/users", web::get().to(list))
        .route("/t/{tenant}/users.csv", web::get().to(download));
}

fn csv_path(slug: &str) -> String {
    format!("{}.csv", sub_accounts_path(slug))
}

/// Locked or not, as the filter's select sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LockFilter {
    Locked,
    Unlocked,
}

/// The filter form. A browser sends every field, unset ones empty: an empty
/// field is no filter.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Filters {
    #[serde(default, deserialize_with = "blank_as_none")]
    q: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    role: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    status: Option<SubAccountStatus>,
    #[serde(default, deserialize_with = "blank_as_none")]
    locked: Option<LockFilter>,
    #[serde(default, deserialize_with = "blank_as_none")]
    sort: Option<SubAccountSort>,
    #[serde(default, deserialize_with = "blank_as_none")]
    order: Option<SortDirection>,
    #[serde(default, deserialize_with = "blank_as_none")]
    cursor: Option<String>,
}

impl Filters {
    fn query(&self) -> SubAccountQuery {
        SubAccountQuery {
            q: self.q.clone(),
            role: self.role.clone(),
            status: self.status,
            locked: self.locked.map(|l| l == LockFilter::Locked),
            sort: self.sort.unwrap_or_default(),
            direction: self.order.unwrap_or_default(),
            cursor: self.cursor.clone(),
            limit: None,
        }
    }
}

/// A `<select>` of `(value, label)` options with `current` selected; the
/// first option is "any" (empty value).
fn select(name: &str, label: &str, options: &[(&str, &str)], current: &str) -> Markup {
    html! {
        label {
            (label) " "
            select name=(name) {
                @for (value, text) in options {
                    option value=(value) selected[*value == current] { (text) }
                }
            }
        }
    }
}

fn status_value(status: Option<SubAccountStatus>) -> &'static str {
    match status {
        None => "",
        Some(SubAccountStatus::Active) => "active",
        Some(SubAccountStatus::Inactive) => "inactive",
        Some(SubAccountStatus::Deleted) => "deleted",
    }
}

fn lock_value(locked: Option<LockFilter>) -> &'static str {
    match locked {
        None => "",
        Some(LockFilter::Locked) => "locked",
        Some(LockFilter::Unlocked) => "unlocked",
    }
}

fn sort_value(sort: Option<SubAccountSort>) -> &'static str {
    match sort.unwrap_or_default() {
        SubAccountSort::UserName => "user_name",
        SubAccountSort::DisplayName => "display_name",
        SubAccountSort::Role => "role",
        SubAccountSort::LastChange => "last_change",
    }
}

fn order_value(order: Option<SortDirection>) -> &'static str {
    match order.unwrap_or_default() {
        SortDirection::Asc => "asc",
        SortDirection::Desc => "desc",
    }
}

fn filter_form(slug: &str, f: &Filters, roles: &[String]) -> Markup {
    let mut role_options: Vec<(&str, &str)> = vec![("", "any role")];
    role_options.extend(roles.iter().map(|r| (r.as_str(), r.as_str())));
    html! {
        form.filters method="get" action=(sub_accounts_path(slug)) {
            label { "Search " input type="search" name="q" value=[f.q.as_deref()] placeholder="name, e-mail or external id"; }
            (select("role", "Role", &role_options, f.role.as_deref().unwrap_or_default()))
            (select("status", "Status", &[("", "any status"), ("active", "active"), ("inactive", "inactive"), ("deleted", "deleted")], status_value(f.status)))
            (select("locked", "Lock", &[("", "locked or not"), ("locked", "locked"), ("unlocked", "not locked")], lock_value(f.locked)))
            (select("sort", "Sort by", &[("user_name", "user name"), ("display_name", "display name"), ("role", "role"), ("last_change", "last change")], sort_value(f.sort)))
            (select("order", "Order", &[("asc", "ascending"), ("desc", "descending")], order_value(f.order)))
            button type="submit" { "Search" }
        }
    }
}

/// The search's fields as hidden inputs (they need no URL encoding by hand).
fn search_fields(f: &Filters) -> Markup {
    html! {
        @if let Some(q) = &f.q { input type="hidden" name="q" value=(q); }
        @if let Some(role) = &f.role { input type="hidden" name="role" value=(role); }
        input type="hidden" name="status" value=(status_value(f.status));
        input type="hidden" name="locked" value=(lock_value(f.locked));
        input type="hidden" name="sort" value=(sort_value(f.sort));
        input type="hidden" name="order" value=(order_value(f.order));
    }
}

/// The next page: the same search with the cursor, as a GET form.
fn next_page_form(slug: &str, f: &Filters, cursor: &str) -> Markup {
    html! {
        form method="get" action=(sub_accounts_path(slug)) {
            (search_fields(f))
            input type="hidden" name="cursor" value=(cursor);
            button type="submit" { "Next page" }
        }
    }
}

/// Every user of the same search as CSV, as a GET form.
fn download_form(slug: &str, f: &Filters) -> Markup {
    html! {
        form #download-users method="get" action=(csv_path(slug)) {
            (search_fields(f))
            button type="submit" { "Download CSV" }
            " (every user this search selects)"
        }
    }
}

async fn list(
    signed_in: SignedIn,
    path: web::Path<String>,
    filters: web::Query<Filters>,
) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let filters = filters.into_inner();
    let query = filters.query();
    let (name, roles, page) = signed_in
        .run_in_tenant(&slug, move |p, tenant, _| {
            let roles: Vec<String> = tenant
                .catalogue
                .roles
                .iter()
                .map(|r| r.name.clone())
                .collect();
            Ok((
                tenant.display_name.clone(),
                roles,
                p.sub_accounts(tenant, &query)?,
            ))
        })
        .await?;
    let body = html! {
        (layout::tenant_nav(&slug))
        p.crumbs { a href=(tenant_path(&slug)) { (name) } " / Sub-accounts" }
        h1 { "Sub-accounts" }
        (filter_form(&slug, &filters, &roles))
        @if page.items.is_empty() {
            p #no-users { "No user matches." }
        } @else {
            (layout::scrolling_table("Users", html! { table #users {
                thead { tr {
                    th { "User name" } th { "Display name" } th { "Status" } th { "Role" }
                    th { "Why" } th { "Lock" } th { "Groups" } th { "Last change" }
                } }
                tbody {
                    @for user in &page.items {
                        tr {
                            td { a href=(user_path(&slug, &user.id)) { (user.user_name) } }
                            td { (user.display_name.as_deref().unwrap_or("—")) }
                            td { (user.status) }
                            td { (user.role.as_deref().unwrap_or("—")) }
                            td { (user.reason.as_deref().unwrap_or("")) }
                            td { @if let Some(lock) = &user.lock { "locked to " (lock.role) " by " (lock.by) } }
                            td {
                                @for (i, group) in user.groups.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (group.display_name)
                                }
                            }
                            td { (when(user.last_modified)) }
                        }
                    }
                }
            } }))
        }
        @if let Some(cursor) = &page.next_cursor {
            (next_page_form(&slug, &filters, cursor))
        }
        @if !page.items.is_empty() {
            (download_form(&slug, &filters))
        }
    };
    Ok(layout::respond(
        StatusCode::OK,
        layout::page(&signed_in, "Sub-accounts", body),
    ))
}

/// Every user the search selects as CSV: the admin API's download, streamed a
/// page at a time.
async fn download(
    signed_in: SignedIn,
    path: web::Path<String>,
    filters: web::Query<Filters>,
) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let query = filters.into_inner().query();
    let tenant = signed_in.tenant(&slug).await?;
    Ok(scim_http::users_csv(
        signed_in.provisioning().clone(),
        tenant,
        signed_in.request_id().to_owned(),
        query,
    ))
}
