//! The Connection section of Configure SCIM: whether the identity provider
//! reaches this tenant (its latest request and error, the client recognised)
//! and its requests per hour over the last seven days.

use maud::{Markup, html};
use provisioning::{ConnectionStatus, RequestInfo};

use crate::chart::{hourly_chart, plural};
use crate::layout::when;

/// One request in a line: when, what, the answer, who sent it.
fn request_line(request: &RequestInfo) -> Markup {
    html! {
        (when(request.at)) ": "
        code { (request.method) " " (request.route) } " → " (request.status)
        " from " (request.client.label())
        " (request id " code { (request.request_id) } ")"
    }
}

/// The section.
pub(super) fn section(status: &ConnectionStatus) -> Markup {
    let totals = status.totals;
    html! {
        section #connection {
            h2 { "Connection" }
            @match &status.last_request {
                None => p { "No SCIM request has reached this tenant yet. Give your identity provider the Tenant URL and a token, then run its connection test." },
                Some(last) => dl.status {
                    dt { "Identity provider" }
                    dd #connection-client {
                        (status.client.map_or("Not recognised", |c| c.label()))
                    }
                    dt { "Last request" }
                    dd #connection-last-request { (request_line(last)) }
                    dt { "Last error" }
                    dd #connection-last-error {
                        @match &status.last_error {
                            None => "None",
                            Some(error) => {
                                (request_line(error))
                                @if let Some(detail) = &error.detail {
                                    br;
                                    @if let Some(scim_type) = &error.scim_type { code { (scim_type) } " " }
                                    (detail)
                                }
                            }
                        }
                    }
                }
            }
            (hourly_chart("connection-chart", &status.hours))
            p #connection-totals.hint {
                "Last 7 days: " (plural(totals.requests, "request", "requests")) ", "
                (plural(totals.errors, "error", "errors")) " (4xx and 5xx). "
                "Bars: requests per hour, with the errors among them in red."
            }
        }
    }
}
