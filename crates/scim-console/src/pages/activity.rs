//! Activity: the tenant's event log, newest first, through provisioning's
//! `activity`: filtered by kind, user, group and time (a GET form, so a
//! filtered view is a link), a page at a time going back. Each identity
//! provider request shows the compatibility rules the server applied to read
//! it; guard violations are marked.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use maud::{Markup, html};
use provisioning::{ActivityPage, ActivityQuery, Error, EventKind, ResourceKind};
use serde::Deserialize;

use super::event_list::event_table;
use super::{activity_path, blank_as_none, tenant_path};
use crate::error::ConsoleError;
use crate::layout::{self, tenant_nav};
use crate::signed_in::SignedIn;

/// Events per page.
const ACTIVITY_PAGE: u64 = 50;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/t/{tenant}/activity", web::get().to(show));
}

/// The filter form, as the browser sends it (every field; unset ones empty).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Filters {
    #[serde(default, deserialize_with = "blank_as_none")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    user: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    group: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    from: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    to: Option<String>,
    /// The older-page cursor (a hidden field: never blank).
    #[serde(default)]
    before: Option<i64>,
}

/// The form's fields that can carry an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Kind,
    User,
    Group,
    From,
    To,
}

impl Field {
    fn id(self) -> &'static str {
        match self {
            Field::Kind => "kind",
            Field::User => "user",
            Field::Group => "group",
            Field::From => "from",
            Field::To => "to",
        }
    }
}

/// A filter that cannot be applied, with the words to show next to it.
#[derive(Debug, Clone)]
struct FieldError {
    field: Field,
    message: String,
}

/// A `datetime-local` value (`2026-12-07T18:30`, seconds optional), read as UTC.
fn parse_time(raw: &str, field: Field) -> Result<DateTime<Utc>, FieldError> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
        .map(|t| t.and_utc())
        .ok_or_else(|| FieldError {
            field,
            message: format!(
                "'{raw}' is not a date and time; use the form 2026-12-07T18:30 (UTC)."
            ),
        })
}

impl Filters {
    fn query(&self) -> Result<ActivityQuery, FieldError> {
        let since = self
            .from
            .as_deref()
            .map(|t| parse_time(t, Field::From))
            .transpose()?;
        let until = self
            .to
            .as_deref()
            .map(|t| parse_time(t, Field::To))
            .transpose()?;
        if let (Some(since), Some(until)) = (since, until)
            && since >= until
        {
            return Err(FieldError {
                field: Field::To,
                message: "The end must be after the start.".to_owned(),
            });
        }
        if let Some(kind) = &self.kind
            && matches!(EventKind::parse(kind), EventKind::Other(_))
        {
            return Err(FieldError {
                field: Field::Kind,
                message: format!("'{kind}' is not a kind of event; pick one from the list."),
            });
        }
        Ok(ActivityQuery {
            kinds: self.kind.iter().cloned().collect(),
            user: self.user.clone(),
            group: self.group.clone(),
            since,
            until,
            before_seq: self.before,
            limit: Some(ACTIVITY_PAGE),
        })
    }
}

/// A filter naming a user or group that does not exist, as words by its field.
fn unknown_name(e: &Error) -> Option<FieldError> {
    match e {
        Error::NotFound {
            resource: ResourceKind::User,
            id,
        } => Some(FieldError {
            field: Field::User,
            message: format!("No user has the user name or id '{id}'."),
        }),
        Error::NotFound {
            resource: ResourceKind::Group,
            id,
        } => Some(FieldError {
            field: Field::Group,
            message: format!("No group has the name or id '{id}'."),
        }),
        _ => None,
    }
}

fn error_for(error: Option<&FieldError>, field: Field) -> Option<&str> {
    error
        .filter(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// A labelled text input with its error, if any, right below it.
fn text_input(
    f: Field,
    label: &str,
    kind: &str,
    value: Option<&str>,
    error: Option<&FieldError>,
) -> Markup {
    let message = error_for(error, f);
    let error_id = format!("{}-error", f.id());
    html! {
        div.field {
            label for=(f.id()) { (label) }
            " "
            input id=(f.id()) type=(kind) name=(f.id()) value=[value]
                aria-invalid=[message.map(|_| "true")] aria-describedby=[message.map(|_| error_id.as_str())];
            @if let Some(message) = message { p.field-error id=(error_id) { (message) } }
        }
    }
}

fn filter_form(slug: &str, f: &Filters, error: Option<&FieldError>) -> Markup {
    let current = f.kind.as_deref().unwrap_or_default();
    let kind_error = error_for(error, Field::Kind);
    html! {
        form.filters method="get" action=(activity_path(slug)) {
            div.field {
                label for="kind" { "Kind" }
                " "
                select #kind name="kind" aria-describedby=[kind_error.map(|_| "kind-error")] {
                    option value="" { "any kind" }
                    @for kind in &EventKind::KNOWN {
                        option value=(kind.as_str()) selected[kind.as_str() == current] { (kind.as_str()) }
                    }
                }
                @if let Some(message) = kind_error { p.field-error #kind-error { (message) } }
            }
            (text_input(Field::User, "User (user name or id)", "search", f.user.as_deref(), error))
            (text_input(Field::Group, "Group (name or id)", "search", f.group.as_deref(), error))
            (text_input(Field::From, "From (UTC)", "datetime-local", f.from.as_deref(), error))
            (text_input(Field::To, "To (UTC)", "datetime-local", f.to.as_deref(), error))
            button type="submit" { "Filter" }
        }
    }
}

/// The next (older) page: the same filters with the cursor, as a GET form.
fn older_form(slug: &str, f: &Filters, before: i64) -> Markup {
    html! {
        form method="get" action=(activity_path(slug)) {
            @for (name, value) in [("kind", &f.kind), ("user", &f.user), ("group", &f.group), ("from", &f.from), ("to", &f.to)] {
                @if let Some(value) = value { input type="hidden" name=(name) value=(value); }
            }
            input type="hidden" name="before" value=(before);
            button type="submit" { "Older events" }
        }
    }
}

async fn show(
    signed_in: SignedIn,
    path: web::Path<String>,
    filters: web::Query<Filters>,
) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let filters = filters.into_inner();
    let query = filters.query();
    let (name, outcome) = signed_in
        .run_in_tenant(&slug, move |p, tenant, _| {
            let outcome = match query {
                Err(e) => Err(e),
                Ok(query) => match p.activity(tenant, &query) {
                    Ok(page) => Ok(page),
                    Err(e) => Err(unknown_name(&e).ok_or(e)?),
                },
            };
            Ok((tenant.display_name.clone(), outcome))
        })
        .await?;
    let (page, error): (Option<ActivityPage>, Option<FieldError>) = match outcome {
        Ok(page) => (Some(page), None),
        Err(e) => (None, Some(e)),
    };
    let body = html! {
        (tenant_nav(&slug))
        p.crumbs { a href=(tenant_path(&slug)) { (name) } " / Activity" }
        h1 { "Activity" }
        p.hint { "The event log, newest first. Guard violations are marked; under each identity provider request, the compatibility rules the server applied to read it." }
        (filter_form(&slug, &filters, error.as_ref()))
        @if let Some(page) = &page {
            @if page.items.is_empty() {
                p #no-events { "No event matches." }
            } @else {
                (event_table(&slug, &page.items, true))
            }
            @if let Some(before) = page.next_before_seq {
                (older_form(&slug, &filters, before))
            }
        }
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(layout::respond(
        status,
        layout::page(&signed_in, "Activity", body),
    ))
}
