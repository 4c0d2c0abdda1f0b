//! How background work gets back to the UI thread. Streams (scan events, engine progress,
//! sightings) arrive as [`Report`]s on one channel that the shell drains within a time budget
//! each frame; one-shot results (a phone read, a file dialog, a secret-store lookup) arrive in
//! a [`Promise`] held by the state that waits for them. Either way the window is woken when
//! something arrives, so the UI repaints when something changed and never polls.

use std::future::Future;
use std::time::{Duration, Instant};

use poll_promise::Promise;
use tokio::sync::mpsc;

use crate::session::PhoneId;
use crate::session::operation::OperationFailure;
use crate::session::phone_read::{PhoneRead, ReadFailure};

/// What background work streams to the shell.
#[derive(Debug)]
pub enum Report {
    /// Something worth a line in the activity log, not an interruption.
    Note(String),
    /// A phone was read again after an apply or resync (or could not be).
    PhoneRead {
        phone: PhoneId,
        outcome: Result<PhoneRead, ReadFailure>,
    },
    /// One step of an apply or resync, as the engine reported it.
    Provision {
        phone: PhoneId,
        event: crate::provision::ProvisionEvent,
    },
    /// An apply or resync ended: a summary, or why it failed.
    OperationDone {
        phone: PhoneId,
        outcome: Result<String, OperationFailure>,
    },
    /// A discovery event (phone found or updated, progress, end).
    Scan(Box<crate::discovery::ScanEvent>),
    /// A scan could not start; the text says why.
    ScanFailed(String),
    /// A scan did not start because its ranges are larger than a /22: ask first.
    ScanNeedsConfirmation(super::large_scan_dialog::LargeScanQuestion),
    /// A phone fetched from our provisioning server or sent us syslog.
    Sighting(Box<crate::discovery::Sighting>),
    /// The syslog listener was turned on: the address it listens on, or why it could not.
    Syslog {
        bind: std::net::SocketAddr,
        outcome: Result<std::net::SocketAddr, String>,
    },
    /// Saving the app state failed (shown once, not repeated on every save).
    StateNotSaved(String),
}

/// The sending half, cloned into every task.
#[derive(Clone)]
pub struct Reporter {
    sender: mpsc::UnboundedSender<Report>,
    ctx: egui::Context,
}

impl Reporter {
    pub fn channel(ctx: egui::Context) -> (Reporter, mpsc::UnboundedReceiver<Report>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (Reporter { sender, ctx }, receiver)
    }

    pub fn send(&self, report: Report) {
        // A closed channel means the window is gone; nothing left to tell.
        if self.sender.send(report).is_ok() {
            self.ctx.request_repaint();
        }
    }

    /// Runs one-shot `work` on `runtime` and returns the promise of its result; the window
    /// is woken when the result is there. Should the work panic, the promise gets
    /// `if_lost(reason)` instead (a promise whose sender is dropped would panic the UI).
    pub fn promise<T: Send + 'static>(
        &self,
        runtime: &tokio::runtime::Handle,
        work: impl Future<Output = T> + Send + 'static,
        if_lost: impl FnOnce(String) -> T + Send + 'static,
    ) -> Promise<T> {
        let (sender, promise) = Promise::new();
        let ctx = self.ctx.clone();
        let task = runtime.spawn(work);
        runtime.spawn(async move {
            let result = match task.await {
                Ok(result) => result,
                Err(error) => if_lost(format!("the background task stopped: {error}")),
            };
            sender.send(result);
            ctx.request_repaint();
        });
        promise
    }
}

/// How a budgeted drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drain {
    /// Nothing is left waiting.
    Emptied,
    /// The budget ran out with items still waiting: ask for another frame.
    CutShort,
}

/// Hands waiting items to `handle`, one by one, until none is left or the time `now()`
/// reaches `deadline`. At least one waiting item is handled per call, so a slow item never
/// stalls the stream.
pub fn drain_until<T>(
    receiver: &mut mpsc::UnboundedReceiver<T>,
    deadline: Instant,
    now: impl Fn() -> Instant,
    mut handle: impl FnMut(T),
) -> Drain {
    while let Ok(item) = receiver.try_recv() {
        handle(item);
        if now() >= deadline && !receiver.is_empty() {
            return Drain::CutShort;
        }
    }
    Drain::Emptied
}

/// How long one frame may spend on streamed reports (half a 60 Hz frame).
pub const DRAIN_BUDGET: Duration = Duration::from_millis(8);

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn a_drain_stops_at_its_deadline_and_goes_on_next_time() {
        let (sender, mut receiver) = mpsc::unbounded_channel();
        for item in 0..10 {
            sender.send(item).unwrap();
        }
        // A clock that advances 1 ms per reading.
        let start = Instant::now();
        let readings = Cell::new(0);
        let clock = || {
            readings.set(readings.get() + 1);
            start + Duration::from_millis(readings.get())
        };
        let mut handled = Vec::new();
        let deadline = start + Duration::from_millis(3);
        let drain = drain_until(&mut receiver, deadline, clock, |item| handled.push(item));
        assert_eq!(drain, Drain::CutShort);
        assert_eq!(handled, vec![0, 1, 2]);

        // Past its deadline a drain still handles one item.
        let drain = drain_until(&mut receiver, start, || start, |item| handled.push(item));
        assert_eq!(drain, Drain::CutShort);
        assert_eq!(handled, vec![0, 1, 2, 3]);

        let far = start + Duration::from_secs(60);
        let drain = drain_until(&mut receiver, far, Instant::now, |item| handled.push(item));
        assert_eq!(drain, Drain::Emptied);
        assert_eq!(handled, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_drain_that_empties_the_queue_at_its_deadline_asks_for_nothing_more() {
        let (sender, mut receiver) = mpsc::unbounded_channel();
        sender.send(1).unwrap();
        let start = Instant::now();
        assert_eq!(
            drain_until(&mut receiver, start, || start, |_| {}),
            Drain::Emptied
        );
    }

    #[test]
    fn a_promise_gets_the_result_or_the_reason_it_was_lost() {
        async fn buggy() -> Result<u8, String> {
            panic!("a bug in the task")
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let (reporter, _reports) = Reporter::channel(egui::Context::default());
        let done = reporter.promise(runtime.handle(), async { 7 }, |_| 0);
        let lost = reporter.promise(runtime.handle(), buggy(), Err);
        assert_eq!(done.block_and_take(), 7);
        let reason = lost.block_and_take().unwrap_err();
        assert!(
            reason.starts_with("the background task stopped"),
            "{reason}"
        );
    }
}
