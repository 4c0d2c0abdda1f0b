//! A scan: runs the chosen sources at once, merges what they see into a [`PhoneTable`] and
//! streams events (phone found/updated, progress, finished). Cancellable at any time.
//!
//! Here: what a caller sees (the [`Scanner`] that starts a scan, the [`ScanHandle`] that
//! follows it, its events). The options are in `options`, the merging run in `run`, the
//! sources' tasks in `sources`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::fingerprint::{FingerprintError, Fingerprinter};
use super::phone::{DiscoveredPhone, PhoneKey, Source};
use super::store::KnownPhones;
use super::sweep::ScopeError;
use super::table::PhoneTable;

mod options;
mod run;
mod sources;

pub use options::{ScanChoices, ScanOptions};
use run::{EventSink, Run};

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
    /// It ran into [`ScanOptions::time_limit`].
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

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error(transparent)]
    Client(#[from] FingerprintError),
    #[error("a scan must be started from within a tokio runtime")]
    NoRuntime,
}

/// Called after every event, e.g. to wake a UI (`egui::Context::request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Sets up and starts a scan.
pub struct Scanner {
    options: ScanOptions,
    table: PhoneTable,
    known: Option<KnownPhones>,
    waker: Option<Waker>,
}

impl Scanner {
    pub fn new(options: ScanOptions) -> Self {
        Scanner {
            options,
            table: PhoneTable::new(),
            known: None,
            waker: None,
        }
    }

    /// Starts from what an earlier scan found, so that a rescan updates those phones
    /// instead of finding them anew.
    pub fn with_table(mut self, table: PhoneTable) -> Self {
        self.table = table;
        self
    }

    /// Gives found phones the technician's names.
    pub fn with_known_phones(mut self, known: KnownPhones) -> Self {
        self.known = Some(known);
        self
    }

    pub fn on_event(mut self, waker: Waker) -> Self {
        self.waker = Some(waker);
        self
    }

    /// Starts the scan in the current tokio runtime. Fails at once, before any traffic,
    /// when the sweep's range is refused (too large without confirmation, not ours).
    pub fn start(self) -> Result<ScanHandle, ScanError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ScanError::NoRuntime)?;
        let plan = self.options.sweep_plan()?;
        let fingerprinter = Fingerprinter::new(self.options.http_timeout)?;
        let (events, receiver) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        let total = plan.as_ref().map_or(0, |p| p.addresses.len());
        let run = Run {
            options: self.options,
            plan,
            fingerprinter,
            table: self.table,
            known: self.known,
            events: EventSink {
                sender: events,
                waker: self.waker,
            },
            cancel: cancel.clone(),
            neighbours: HashMap::new(),
            seen: BTreeSet::new(),
        };
        runtime.spawn(run.run());
        Ok(ScanHandle {
            events: receiver,
            cancel,
            addresses: total,
        })
    }
}

/// A running scan: its events and its cancel switch. Dropping it cancels the scan.
#[derive(Debug)]
pub struct ScanHandle {
    events: mpsc::UnboundedReceiver<ScanEvent>,
    cancel: CancellationToken,
    addresses: usize,
}

impl ScanHandle {
    /// Stops the scan; a `Finished` event with `cancelled` follows promptly.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The scan's cancellation token (cancelling it cancels the scan).
    pub fn cancellation(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// How many addresses the sweep will try.
    pub fn addresses_to_sweep(&self) -> usize {
        self.addresses
    }

    /// The next event, without waiting (for a UI's frame loop).
    pub fn try_next(&mut self) -> Option<ScanEvent> {
        self.events.try_recv().ok()
    }

    /// The next event; `None` after `Finished`.
    pub async fn next(&mut self) -> Option<ScanEvent> {
        self.events.recv().await
    }

    /// Waits for the end and returns the summary.
    pub async fn finish(mut self) -> ScanSummary {
        while let Some(event) = self.events.recv().await {
            if let ScanEvent::Finished(summary) = event {
                return summary;
            }
        }
        // The scan task ended without a summary: only if it panicked.
        ScanSummary {
            phones: Vec::new(),
            cancelled: true,
            timed_out: false,
            swept: Progress {
                done: 0,
                total: self.addresses,
            },
            elapsed: Duration::ZERO,
        }
    }
}

impl Drop for ScanHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
