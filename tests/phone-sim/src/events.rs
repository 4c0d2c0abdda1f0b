//! The event log: what the phone did, in order, for tests and demos (JSON via the control
//! interface, typed via the library).

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::watch;

/// One thing the phone did.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// 1, 2, 3, … in order.
    pub seq: u64,
    /// Phone clock (scaled), RFC 3339.
    pub at: String,
    /// Phone seconds since the emulator started (scaled).
    pub phone_secs: f64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. JSON: `{"kind":"resync_failed","error":"…",…}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// An HTTP request to the phone's web server (control requests are not logged).
    Request {
        method: String,
        path: String,
        status: u16,
    },
    /// Credentials missing or wrong.
    AuthRefused {
        path: String,
    },
    /// `POST /admin/config.xml` applied.
    ConfigPosted {
        changed: Vec<String>,
        ignored: Vec<String>,
        dropped: Vec<String>,
    },
    /// A value set through the control interface (as if at the phone's keypad).
    ValueSet {
        name: String,
        value: String,
    },
    ResyncRequested {
        source: String,
        rule: Option<String>,
    },
    /// The resync was not accepted (e.g. `Provision_Enable` is No).
    ResyncRefused {
        reason: String,
    },
    /// A call is active: the resync waits (at most `max_secs` phone seconds).
    WaitingForIdle {
        max_secs: u64,
    },
    ResyncStarted {
        source: String,
    },
    /// An alternative's `( … )!` assignments were applied.
    Assigned {
        changed: Vec<String>,
    },
    ProfileFetched {
        url: String,
        user_agent: String,
        bytes: usize,
    },
    ProfileApplied {
        url: String,
        changed: Vec<String>,
        ignored: Vec<String>,
        dropped: Vec<String>,
    },
    ResyncSucceeded {
        changed: Vec<String>,
    },
    ResyncFailed {
        error: String,
    },
    RetryScheduled {
        in_secs: u64,
    },
    /// A resync due by schedule was suppressed because a trigger condition is false.
    ResyncSuppressed {
        reason: String,
    },
    RebootStarted {
        reason: String,
    },
    RebootFinished,
    Syslog {
        server: String,
        line: String,
    },
    CallStarted,
    CallEnded,
    UpgradeRequested {
        url: String,
    },
    FaultsChanged,
    CertificateRotated {
        sha256: String,
    },
}

/// How many events a phone keeps: the newest ones (a phone left running for days, or the
/// demo, must not grow without bound). Sequence numbers keep counting.
pub const EVENTS_KEPT: usize = 10_000;

/// The log plus a change signal so callers can wait for an event without sleeping.
#[derive(Debug)]
pub struct EventLog {
    events: Mutex<VecDeque<Event>>,
    changed: watch::Sender<u64>,
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog {
            events: Mutex::new(VecDeque::new()),
            changed: watch::channel(0).0,
        }
    }
}

impl EventLog {
    pub fn push(&self, at: String, phone_secs: f64, kind: EventKind) {
        let seq = {
            let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
            let seq = events.back().map_or(1, |last| last.seq + 1);
            log::debug!("event {seq}: {kind:?}");
            if events.len() == EVENTS_KEPT {
                events.pop_front();
            }
            events.push_back(Event {
                seq,
                at,
                phone_secs,
                kind,
            });
            seq
        };
        self.changed.send_replace(seq);
    }

    pub fn all(&self) -> Vec<Event> {
        self.since(0)
    }

    /// The kept events after `seq`, oldest first (only those are copied).
    pub fn since(&self, seq: u64) -> Vec<Event> {
        let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let newer = events.iter().rev().take_while(|e| e.seq > seq).count();
        events.iter().skip(events.len() - newer).cloned().collect()
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_events_are_kept_and_numbers_keep_counting() {
        let log = EventLog::default();
        let total = EVENTS_KEPT as u64 + 5;
        for _ in 0..total {
            log.push(String::new(), 0.0, EventKind::FaultsChanged);
        }
        let all = log.all();
        assert_eq!(all.len(), EVENTS_KEPT);
        assert_eq!(all.first().map(|e| e.seq), Some(6));
        assert_eq!(all.last().map(|e| e.seq), Some(total));
        let tail: Vec<u64> = log.since(total - 2).iter().map(|e| e.seq).collect();
        assert_eq!(tail, [total - 1, total]);
        assert!(log.since(total).is_empty());
    }
}
