//! The in-memory tally of one process's SCIM requests, per tenant slug, until
//! the next flush.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use scim_proto::ClientKind;
use scim_store::{ConnectionBatch, HourCount, LatestRequests, RequestNote};

/// Longest error detail kept: enough to recognise the error, not a body dump.
const DETAIL_MAX_CHARS: usize = 300;
/// Longest route kept (unmatched paths are kept as sent).
const ROUTE_MAX_CHARS: usize = 200;

/// What one tenant's requests added since the last flush.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    /// Counts per hour, in arrival order (rarely more than one hour).
    hours: Vec<HourCount>,
    latest: LatestRequests,
}

impl Pending {
    fn count(&mut self, hour: DateTime<Utc>, requests: i64, errors: i64) {
        match self.hours.iter_mut().rev().find(|h| h.hour == hour) {
            Some(h) => {
                h.requests += requests;
                h.errors += errors;
            }
            None => self.hours.push(HourCount {
                hour,
                requests,
                errors,
            }),
        }
    }

    /// Takes `note` as the latest of each sort it belongs to, unless a later
    /// one is there.
    fn offer(&mut self, note: RequestNote) {
        if note.failed() {
            keep_later(&mut self.latest.error, note.clone());
        }
        if note.client != ClientKind::Other {
            keep_later(&mut self.latest.recognised, note.clone());
        }
        // Every request is the latest of all: moved there, not copied.
        keep_later(&mut self.latest.request, note);
    }

    fn merge(&mut self, other: Pending) {
        for h in other.hours {
            self.count(h.hour, h.requests, h.errors);
        }
        let theirs = [
            other.latest.request,
            other.latest.error,
            other.latest.recognised,
        ];
        let ours = [
            &mut self.latest.request,
            &mut self.latest.error,
            &mut self.latest.recognised,
        ];
        for (slot, note) in ours.into_iter().zip(theirs) {
            if let Some(note) = note {
                keep_later(slot, note);
            }
        }
    }

    /// The batch to write, pruning hours older than `prune_before`.
    pub(crate) fn batch(&self, prune_before: DateTime<Utc>) -> ConnectionBatch {
        ConnectionBatch {
            hours: self.hours.clone(),
            latest: self.latest.clone(),
            prune_before,
        }
    }
}

fn keep_later(slot: &mut Option<RequestNote>, note: RequestNote) {
    if slot.as_ref().is_none_or(|kept| kept.at <= note.at) {
        *slot = Some(note);
    }
}

/// The start of `at`'s hour.
pub(crate) fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

/// Text the store accepts (no NUL), cut to `max` characters.
fn storable(text: &str, max: usize) -> String {
    text.chars().filter(|c| *c != '\0').take(max).collect()
}

/// One process's requests since the last flush, by tenant slug (a request
/// refused before its tenant was looked up, a 401 say, counts too: it is what
/// a misconfigured identity provider gets).
#[derive(Debug, Default)]
pub(crate) struct ConnectionLog(Mutex<HashMap<String, Pending>>);

impl ConnectionLog {
    /// Counts a request to tenant `slug`.
    pub(crate) fn record(&self, slug: &str, mut note: RequestNote) {
        note.route = storable(&note.route, ROUTE_MAX_CHARS);
        note.method = storable(&note.method, ROUTE_MAX_CHARS);
        note.scim_type = note.scim_type.map(|t| storable(&t, DETAIL_MAX_CHARS));
        note.detail = note.detail.map(|d| storable(&d, DETAIL_MAX_CHARS));
        let hour = hour_of(note.at);
        let errors = i64::from(note.failed());
        let mut log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let pending = match log.get_mut(slug) {
            Some(pending) => pending,
            None => log.entry(slug.to_owned()).or_default(),
        };
        pending.count(hour, 1, errors);
        pending.offer(note);
    }

    /// Everything recorded since the last take, by slug.
    pub(crate) fn take(&self) -> HashMap<String, Pending> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Puts back what a failed flush took, merged with what arrived meanwhile.
    pub(crate) fn restore(&self, taken: HashMap<String, Pending>) {
        let mut log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (slug, pending) in taken {
            log.entry(slug).or_default().merge(pending);
        }
    }
}

impl crate::Provisioning {
    /// Counts one SCIM request to tenant `slug` (in memory: written by the next
    /// [`flush_connection_log`](crate::Provisioning::flush_connection_log)).
    /// Cheap enough for every request.
    pub fn record_request(&self, slug: &str, note: RequestNote) {
        self.connection_log.record(slug, note);
    }
}
