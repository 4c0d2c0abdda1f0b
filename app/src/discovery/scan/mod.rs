//! A scan: runs the chosen sources at once, merges what they see into a [`PhoneTable`] and
//! streams events (phone found/updated, progress, finished). Cancellable at any time.
//!
//! Here: what a caller sees (the [`Scanner`] that starts a scan, the [`ScanHandle`] that
//! follows it). Its events are in `events`, the options in `options`, the merging run in
//! `run`, the sources' tasks in `sources`.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::fingerprint::{FingerprintError, Fingerprinter};
use super::store::KnownPhones;
use super::sweep::ScopeError;
use super::table::PhoneTable;

mod empty;
mod events;
mod options;
mod run;
mod sources;

pub use events::{Progress, ScanEvent, ScanSummary, SweepReport, Waker};
pub use options::{ScanChoices, ScanOptions};
use run::{EventSink, Run};

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error(transparent)]
    Client(#[from] FingerprintError),
    #[error("a scan must be started from within a tokio runtime")]
    NoRuntime,
}

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
            sweep: None,
        }
    }
}

impl Drop for ScanHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
