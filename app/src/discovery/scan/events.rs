//! What a scan tells its caller: [`ScanEvent`]s as it goes, the sweep's [`Progress`], and the
//! [`ScanSummary`] at its end (with the sweep's [`SweepReport`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;

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
    /// What the address sweep saw (`None` without a sweep).
    pub sweep: Option<SweepReport>,
}

/// What the address sweep saw: for the summary, the benchmark, and for saying why a scan
/// found nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// The ranges swept.
    pub networks: Vec<IpNet>,
    /// The ports tried on each address.
    pub ports: Vec<u16>,
    /// The ranges were this machine's own subnets (the technician gave none).
    pub own_subnets: bool,
    /// Addresses that answered on a swept port (accepted or refused the connection).
    pub answered: usize,
    /// Addresses with an open web port.
    pub open: usize,
    /// Connects that failed rather than went unanswered, by the system's words (e.g. "No
    /// buffer space available (os error 105)" when the neighbour table overflows).
    pub connect_errors: BTreeMap<String, usize>,
    /// Addresses that waited for room in the neighbour table before their connect.
    pub paced: usize,
    /// The slowest answer to a connect, and the connect timeout it set.
    pub slowest_answer: Duration,
    pub connect_timeout: Duration,
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
