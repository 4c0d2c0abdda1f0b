//! What a scan tells its caller: [`ScanEvent`]s as it goes, the sweep's [`Progress`], and the
//! [`ScanSummary`] at its end.

use std::sync::Arc;
use std::time::Duration;

use crate::discovery::phone::{DiscoveredPhone, PhoneKey, Source};

/// Progress of the sweep: addresses done of total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// The end of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanSummary {
    /// The phones this scan saw, in the merged state.
    pub phones: Vec<DiscoveredPhone>,
    /// The user cancelled it.
    pub cancelled: bool,
    /// It ran into [`ScanOptions::time_limit`](crate::discovery::ScanOptions::time_limit).
    pub timed_out: bool,
    /// Addresses the sweep finished (of its plan).
    pub swept: Progress,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanEvent {
    PhoneFound(DiscoveredPhone),
    /// A phone seen again or learned more about; `previous_key` is set when its key changed
    /// (its MAC became known).
    PhoneUpdated {
        previous_key: Option<PhoneKey>,
        phone: DiscoveredPhone,
    },
    Progress(Progress),
    /// A source could not run (e.g. mDNS not available); the others go on.
    SourceProblem {
        source: Source,
        message: String,
    },
    /// Always the last event.
    Finished(ScanSummary),
}

/// Called after every event, e.g. to wake a UI (`egui::Context::request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;
