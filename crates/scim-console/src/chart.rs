//! The connection status's chart: requests and errors per hour as inline SVG,
//! drawn on the server (no script, no inline style: colours come from the
//! stylesheet's classes, which the CSP allows), with a text alternative.

use chrono::{Timelike, Utc};
use maud::{Markup, html};
use provisioning::HourPoint;

/// The drawing's size in SVG units: one bar per hour, room for the day labels.
const BAR_WIDTH: usize = 4;
const PLOT_HEIGHT: i64 = 80;
const LABEL_HEIGHT: i64 = 16;

/// The bar height of `value` on a plot whose tallest bar is `max`; a non-zero
/// value is at least one unit, so that a lone request is visible.
fn bar_height(value: i64, max: i64) -> i64 {
    if value <= 0 || max <= 0 {
        0
    } else {
        ((value * PLOT_HEIGHT + max - 1) / max).max(1)
    }
}

/// `n` and the noun, singular or plural (`1 request`, `2 requests`).
pub(crate) fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One hour in words: the bar's tooltip and its accessible name.
fn hour_text(point: &HourPoint) -> String {
    format!(
        "{}: {}, {}",
        point.hour.format("%a %d %b %H:00 UTC"),
        plural(point.requests, "request", "requests"),
        plural(point.errors, "error", "errors")
    )
}

/// The chart of `hours` (oldest first); `id` prefixes the ids its text
/// alternative is referenced by.
pub(crate) fn hourly_chart(id: &str, hours: &[HourPoint]) -> Markup {
    let max = hours.iter().map(|h| h.requests).max().unwrap_or(0);
    let busiest = hours
        .iter()
        .filter(|h| h.requests > 0)
        .max_by_key(|h| h.requests);
    let (requests, errors) = hours
        .iter()
        .fold((0, 0), |(r, e), h| (r + h.requests, e + h.errors));
    let width = hours.len() * BAR_WIDTH;
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let description = match busiest {
        None => "No requests in these seven days.".to_owned(),
        Some(busiest) => format!(
            "{} and {} in total; the busiest hour was {}.",
            plural(requests, "request", "requests"),
            plural(errors, "error", "errors"),
            hour_text(busiest)
        ),
    };
    html! {
        svg.hour-chart id=(id) role="img" aria-labelledby=(format!("{title_id} {desc_id}"))
            viewBox=(format!("0 0 {width} {}", PLOT_HEIGHT + LABEL_HEIGHT))
            xmlns="http://www.w3.org/2000/svg" {
            title id=(title_id) { "Requests and errors per hour, last 7 days (UTC)" }
            desc id=(desc_id) { (description) }
            line.axis x1="0" y1=(PLOT_HEIGHT) x2=(width) y2=(PLOT_HEIGHT) {}
            @for (n, point) in hours.iter().enumerate() {
                @let x = n * BAR_WIDTH;
                @if point.hour.with_timezone(&Utc).hour() == 0 {
                    line.day x1=(x) y1="0" x2=(x) y2=(PLOT_HEIGHT) {}
                    text.day x=(x + 2) y=(PLOT_HEIGHT + LABEL_HEIGHT - 4) {
                        (point.hour.format("%a %d"))
                    }
                }
                @if point.requests > 0 {
                    @let total = bar_height(point.requests, max);
                    @let failed = bar_height(point.errors, max);
                    g.hour {
                        title { (hour_text(point)) }
                        rect.requests x=(x) y=(PLOT_HEIGHT - total) width=(BAR_WIDTH - 1) height=(total) {}
                        @if failed > 0 {
                            rect.errors x=(x) y=(PLOT_HEIGHT - failed) width=(BAR_WIDTH - 1) height=(failed) {}
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone, Utc};
    use provisioning::HourPoint;

    use super::{PLOT_HEIGHT, bar_height, hourly_chart};

    #[test]
    fn bars_scale_to_the_busiest_hour_and_never_vanish() {
        assert_eq!(bar_height(0, 10), 0);
        assert_eq!(bar_height(10, 10), PLOT_HEIGHT);
        assert_eq!(bar_height(5, 10), PLOT_HEIGHT / 2);
        assert_eq!(bar_height(1, 1_000_000), 1, "a lone request shows");
    }

    #[test]
    fn the_chart_draws_hours_with_requests_and_says_what_it_shows() {
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0).single().unwrap();
        let hours: Vec<HourPoint> = (0..4)
            .map(|n| HourPoint {
                hour: start + TimeDelta::hours(n),
                requests: [0, 8, 2, 0][n as usize],
                errors: [0, 2, 0, 0][n as usize],
            })
            .collect();
        let svg = hourly_chart("c", &hours).into_string();
        assert!(svg.contains(r#"aria-labelledby="c-title c-desc""#), "{svg}");
        assert!(svg.contains("10 requests and 2 errors in total"), "{svg}");
        assert!(
            svg.contains("Sun 01 Mar 23:00 UTC: 8 requests, 2 errors"),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect class=\"requests\"").count(), 2, "{svg}");
        assert_eq!(svg.matches("<rect class=\"errors\"").count(), 1, "{svg}");
        assert!(
            svg.contains(">Mon 02</text>"),
            "midnight is labelled: {svg}"
        );
        assert!(!svg.contains("style="), "no inline style under the CSP");
    }
}
