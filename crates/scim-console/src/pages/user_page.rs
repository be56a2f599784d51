//! A user's page: identity and status, the role and the explanation trace in
//! words, groups, the lock switch (lock with a role and a reason; unlock after
//! a confirmation page), and the user's history from the event log, newest
//! first. Lock changes carry the lock version the page showed, so a lock
//! changed by someone else in between is reported instead of overwritten.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use provisioning::{ActivityPage, ActivityQuery, Error, LockRefused, LockRequest, UserDetail};
use serde::Deserialize;
use serde_json::Value;

use super::event_list::event_table;
use super::sub_accounts_path;
use super::{see_other, tenant_path, user_path};
use crate::error::ConsoleError;
use crate::layout::{self, tenant_nav, when};
use crate::signed_in::SignedIn;

/// History entries per page.
const HISTORY_PAGE: u64 = 20;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/t/{tenant}/users/{user}", web::get().to(show))
        .route("/t/{tenant}/users/{user}/lock", web::post().to(lock))
        .route(
            "/t/{tenant}/users/{user}/unlock",
            web::get().to(confirm_unlock),
        )
        .route("/t/{tenant}/users/{user}/unlock", web::post().to(unlock));
}

fn lock_path(slug: &str, user: &str) -> String {
    format!("{}/lock", user_path(slug, user))
}

fn unlock_path(slug: &str, user: &str) -> String {
    format!("{}/unlock", user_path(slug, user))
}

/// The history's paging parameter.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryPaging {
    before: Option<i64>,
}

/// The lock form.
#[derive(Debug, Default, Deserialize)]
struct LockForm {
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    reason: String,
    /// The checkbox confirming a `Disabled` lock: present only when ticked.
    allow_disabled: Option<String>,
    /// The lock version the page showed.
    version: i64,
}

/// The unlock form.
#[derive(Debug, Deserialize)]
struct UnlockForm {
    csrf: String,
    version: i64,
}

/// Where a refused lock change's message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Role,
    AllowDisabled,
    /// The form as a whole.
    Form,
}

/// A lock change refused for what it asked, with the words to show.
#[derive(Debug, Clone)]
struct Refusal {
    field: Field,
    message: String,
}

/// The refusals a person can act on; anything else is an error page.
fn refusal(e: &Error) -> Option<Refusal> {
    let (field, message) = match e {
        Error::Lock(LockRefused::DisabledNotAllowed) => (
            Field::AllowDisabled,
            "A Disabled lock keeps the user out even after the identity provider reactivates it. Tick the box to confirm that is what you mean.".to_owned(),
        ),
        Error::Lock(LockRefused::UserDeleted { .. }) => (
            Field::Form,
            "The identity provider deleted this user, so a lock would never apply.".to_owned(),
        ),
        Error::Invalid(detail) => (Field::Role, format!("Choose a role from the list ({detail}).")),
        Error::PreconditionFailed { .. } => (
            Field::Form,
            "Someone changed this user's lock after you opened the page. Check the lock below and try again.".to_owned(),
        ),
        Error::Refused(guard) => (Field::Form, guard.to_string()),
        _ => return None,
    };
    Some(Refusal { field, message })
}

/// What the lock form shows again after a refusal.
#[derive(Debug, Default)]
struct LockFormState {
    role: String,
    reason: String,
    allow_disabled: bool,
    refusal: Option<Refusal>,
}

impl LockFormState {
    fn error(&self, field: Field) -> Option<&str> {
        self.refusal
            .as_ref()
            .filter(|r| r.field == field)
            .map(|r| r.message.as_str())
    }
}

fn identity(detail: &UserDetail) -> Markup {
    let account = &detail.account;
    let status = match account.status {
        "inactive" => "disabled (deactivated by the identity provider)",
        "deleted" => "deleted by the identity provider",
        other => other,
    };
    html! {
        dl.facts #identity {
            dt { "User name" } dd { (account.user_name) }
            dt { "Display name" } dd { (account.display_name.as_deref().unwrap_or("—")) }
            dt { "External id" } dd { (detail.external_id.as_deref().unwrap_or("—")) }
            dt { "Status" } dd #status { (status) }
            dt { "Role" } dd #role { (account.role.as_deref().unwrap_or("none yet")) }
            dt { "Groups" } dd #groups {
                @if account.groups.is_empty() { "none" }
                @for (i, group) in account.groups.iter().enumerate() {
                    @if i > 0 { ", " }
                    (group.display_name)
                }
            }
        }
    }
}

/// The explanation trace: the decision, the steps and every rule, in words.
fn explanation(value: &Value) -> Markup {
    let summaries = |key: &str| -> Vec<(String, bool)> {
        value
            .get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| {
                        let summary = item.get("summary")?.as_str()?.to_owned();
                        let counts = item.get("matched") == Some(&Value::Bool(true))
                            || item.get("outcome") == Some(&Value::from("decided"));
                        Some((summary, counts))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let steps = summaries("steps");
    let rules = summaries("rules");
    html! {
        section #why {
            h2 { "Why this role" }
            @if let Some(text) = value.get("text").and_then(Value::as_str) { p { (text) } }
            h3 { "Steps" }
            ol.trace { @for (summary, decided) in &steps { li class=[decided.then_some("decided")] { (summary) } } }
            @if !rules.is_empty() {
                h3 { "Rules" }
                ol.trace { @for (summary, matched) in &rules { li class=[matched.then_some("matched")] { (summary) } } }
            }
        }
    }
}

fn lock_section(
    signed_in: &SignedIn,
    slug: &str,
    detail: &UserDetail,
    form: &LockFormState,
) -> Markup {
    let user = &detail.account.id;
    html! {
        section #lock {
            h2 { "Lock" }
            @if let Some(message) = form.error(Field::Form) {
                p.error role="alert" { (message) }
            }
            @if let Some(lock) = &detail.account.lock {
                p #lock-state {
                    "Locked as " strong { (lock.role) } " by " (lock.by) " at " (when(lock.at))
                    @if let Some(reason) = &lock.reason { ": " (reason) }
                    "."
                }
                p.hint { "While locked, changes from the identity provider do not change this user's role." }
                p { a href=(unlock_path(slug, user)) { "Unlock…" } }
            } @else {
                p #lock-state { "Not locked: the rules decide this user's role." }
            }
            @if detail.account.status != "deleted" {
                form.stack method="post" action=(lock_path(slug, user)) {
                    input type="hidden" name="csrf" value=(signed_in.csrf());
                    input type="hidden" name="version" value=(detail.lock_version);
                    label for="lock-role" { @if detail.account.lock.is_some() { "Lock as another role" } @else { "Lock as role" } }
                    select #lock-role name="role" required aria-describedby=[form.error(Field::Role).map(|_| "lock-role-error")] {
                        option value="" { "Choose a role" }
                        @for role in &detail.lockable_roles {
                            option value=(role) selected[*role == form.role] { (role) }
                        }
                    }
                    @if let Some(message) = form.error(Field::Role) {
                        p.field-error #lock-role-error { (message) }
                    }
                    label for="lock-reason" { "Reason (shown with the lock)" }
                    input #lock-reason type="text" name="reason" value=(form.reason) maxlength="500";
                    label {
                        input type="checkbox" name="allow_disabled" value="yes" checked[form.allow_disabled]
                            aria-describedby=[form.error(Field::AllowDisabled).map(|_| "allow-disabled-error")];
                        " If the role is Disabled: keep the user out even if the identity provider reactivates it"
                    }
                    @if let Some(message) = form.error(Field::AllowDisabled) {
                        p.field-error #allow-disabled-error { (message) }
                    }
                    button type="submit" { "Lock" }
                }
            }
        }
    }
}

fn history_section(slug: &str, user: &str, history: &ActivityPage) -> Markup {
    html! {
        section #history {
            h2 { "History" }
            @if history.items.is_empty() {
                p { "No events." }
            } @else {
                (event_table(slug, &history.items, false))
            }
            @if let Some(before) = history.next_before_seq {
                p { a href=(format!("{}?before={before}", user_path(slug, user))) { "Older events" } }
            }
        }
    }
}

/// Reads what the page shows: the user and a page of its history.
async fn read(
    signed_in: &SignedIn,
    slug: &str,
    user: &str,
    before: Option<i64>,
) -> Result<(String, UserDetail, ActivityPage), ConsoleError> {
    let user = user.to_owned();
    signed_in
        .run_in_tenant(slug, move |p, tenant, _| {
            let detail = p.user_detail(tenant, &user)?;
            let history = p.activity(
                tenant,
                &ActivityQuery {
                    user: Some(detail.account.id.clone()),
                    before_seq: before,
                    limit: Some(HISTORY_PAGE),
                    ..ActivityQuery::default()
                },
            )?;
            Ok((tenant.display_name.clone(), detail, history))
        })
        .await
}

async fn render(
    signed_in: &SignedIn,
    slug: &str,
    user: &str,
    before: Option<i64>,
    form: &LockFormState,
) -> Result<Markup, ConsoleError> {
    let (tenant_name, detail, history) = read(signed_in, slug, user, before).await?;
    let title = detail.account.user_name.clone();
    Ok(layout::page(
        signed_in,
        &title,
        html! {
            (tenant_nav(slug))
            p.crumbs {
                a href=(tenant_path(slug)) { (tenant_name) } " / "
                a href=(sub_accounts_path(slug)) { "Sub-accounts" } " / " (title)
            }
            h1 { (title) }
            (identity(&detail))
            (explanation(&detail.explanation))
            (lock_section(signed_in, slug, &detail, form))
            (history_section(slug, &detail.account.id, &history))
        },
    ))
}

async fn show(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    paging: web::Query<HistoryPaging>,
) -> Result<HttpResponse, ConsoleError> {
    let (slug, user) = path.into_inner();
    let page = render(
        &signed_in,
        &slug,
        &user,
        paging.before,
        &LockFormState::default(),
    )
    .await?;
    Ok(layout::respond(StatusCode::OK, page))
}

/// Runs a lock change; a refusal a person can act on comes back as `Ok(Some)`.
async fn change_lock(
    signed_in: &SignedIn,
    slug: &str,
    change: impl FnOnce(
        &provisioning::Provisioning,
        &provisioning::TenantContext,
        &provisioning::RequestContext,
    ) -> provisioning::Result<()>
    + Send
    + 'static,
) -> Result<Option<Refusal>, ConsoleError> {
    signed_in
        .run_in_tenant(slug, move |p, tenant, ctx| match change(p, tenant, ctx) {
            Ok(()) => Ok(None),
            Err(e) => refusal(&e).map_or(Err(e), |r| Ok(Some(r))),
        })
        .await
}

async fn lock(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<LockForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(&form.csrf)?;
    let (slug, user) = path.into_inner();
    let form = form.into_inner();
    let mut state = LockFormState {
        role: form.role.trim().to_owned(),
        reason: form.reason.trim().to_owned(),
        allow_disabled: form.allow_disabled.is_some(),
        refusal: None,
    };
    state.refusal = if state.role.is_empty() {
        Some(Refusal {
            field: Field::Role,
            message: "Choose the role to lock this user as.".to_owned(),
        })
    } else {
        let request = LockRequest {
            role: state.role.clone(),
            reason: (!state.reason.is_empty()).then(|| state.reason.clone()),
            allow_disabled: state.allow_disabled,
        };
        let (id, version) = (user.clone(), form.version);
        change_lock(&signed_in, &slug, move |p, tenant, ctx| {
            p.set_lock(tenant, ctx, &id, &request, Some(&[version]))
                .map(drop)
        })
        .await?
    };
    if state.refusal.is_none() {
        return Ok(see_other(&user_path(&slug, &user)));
    }
    let page = render(&signed_in, &slug, &user, None, &state).await?;
    Ok(layout::respond(StatusCode::UNPROCESSABLE_ENTITY, page))
}

async fn confirm_unlock(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (slug, user) = path.into_inner();
    let id = user.clone();
    let detail = signed_in
        .run_in_tenant(&slug, move |p, tenant, _| p.user_detail(tenant, &id))
        .await?;
    let Some(lock) = &detail.account.lock else {
        return Ok(see_other(&user_path(&slug, &user)));
    };
    let page = layout::page(
        &signed_in,
        "Unlock",
        html! {
            (tenant_nav(&slug))
            h1 { "Unlock " (detail.account.user_name) "?" }
            p.warning {
                "The lock as " strong { (lock.role) } " (set by " (lock.by) " at " (when(lock.at)) ") is lifted, "
                "and the rules decide this user's role again at once: it may change."
            }
            form method="post" action=(unlock_path(&slug, &user)) {
                input type="hidden" name="csrf" value=(signed_in.csrf());
                input type="hidden" name="version" value=(detail.lock_version);
                button.danger type="submit" { "Unlock" }
                " "
                a href=(user_path(&slug, &user)) { "Cancel" }
            }
        },
    );
    Ok(layout::respond(StatusCode::OK, page))
}

async fn unlock(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<UnlockForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(&form.csrf)?;
    let (slug, user) = path.into_inner();
    let (id, version) = (user.clone(), form.version);
    let refused = change_lock(&signed_in, &slug, move |p, tenant, ctx| {
        p.clear_lock(tenant, ctx, &id, Some(&[version])).map(drop)
    })
    .await?;
    match refused {
        None => Ok(see_other(&user_path(&slug, &user))),
        Some(refusal) => {
            let state = LockFormState {
                refusal: Some(refusal),
                ..LockFormState::default()
            };
            let page = render(&signed_in, &slug, &user, None, &state).await?;
            Ok(layout::respond(StatusCode::CONFLICT, page))
        }
    }
}
