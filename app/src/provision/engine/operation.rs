//! What the steps of one operation share: the context value every step takes (phone,
//! options, events, progress, deadline), and the small trackers the waiting loops use so
//! that each change of the phone is said once.

use std::future::Future;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::Engine;
use super::errors::ApplyError;
use super::options::ApplyOptions;
use crate::identity::Mac;
use crate::phone::Phone;
use crate::provision::events::{EventKind, EventSink};

/// One apply or rollback: what its steps share.
pub(super) struct Operation<'a> {
    pub engine: &'a Engine,
    pub phone: &'a Phone,
    /// The phone's `host:port`, as errors name it.
    pub key: String,
    pub options: &'a ApplyOptions,
    pub events: &'a EventSink,
    pub progress: Progress,
    /// When the operation must be over; the clock starts once the phone has been read and
    /// the snapshot saved ([`Operation::start_clock`]).
    deadline: OnceLock<Instant>,
}

impl<'a> Operation<'a> {
    pub fn new(
        engine: &'a Engine,
        phone: &'a Phone,
        options: &'a ApplyOptions,
        events: &'a EventSink,
        progress: Progress,
    ) -> Self {
        Operation {
            engine,
            phone,
            key: phone.address().key(),
            options,
            events,
            progress,
            deadline: OnceLock::new(),
        }
    }

    /// From now on the operation has [`ApplyOptions::timeout`].
    pub fn start_clock(&self) {
        let _ = self.deadline.set(Instant::now() + self.options.timeout);
    }

    pub fn deadline(&self) -> Instant {
        *self
            .deadline
            .get_or_init(|| Instant::now() + self.options.timeout)
    }

    /// The error for a phone that stopped answering and did not come back in time.
    pub fn disappeared(&self) -> ApplyError {
        ApplyError::Disappeared {
            phone: self.key.clone(),
            stage: self.progress.stage(),
            seconds: self.options.timeout.as_secs(),
            snapshot_hint: self.progress.snapshot_hint(self.phone),
        }
    }

    /// The error for a cancelled operation: where it was, and what the phone may hold.
    pub fn cancelled(&self) -> ApplyError {
        ApplyError::Cancelled {
            stage: self.progress.stage(),
            snapshot_hint: self.progress.snapshot_hint(self.phone),
        }
    }
}

/// Runs `steps` until they end or `cancel` fires (then `cancelled` says where it stopped);
/// a failure is said as the operation's last event.
pub(super) async fn until_cancelled<T>(
    steps: impl Future<Output = Result<T, ApplyError>>,
    cancel: &CancellationToken,
    cancelled: impl FnOnce() -> ApplyError,
    events: &EventSink,
) -> Result<T, ApplyError> {
    let result = tokio::select! {
        result = steps => result,
        _ = cancel.cancelled() => Err(cancelled()),
    };
    if let Err(e) = &result {
        events.emit(EventKind::Failed {
            reason: e.to_string(),
        });
    }
    result
}

/// Where an operation is, for errors about cancellation and disappearing phones.
#[derive(Debug, Default)]
pub(super) struct Progress {
    stage: Mutex<String>,
    snapshot: Mutex<Option<String>>,
    /// Rollback: the MAC of the phone the snapshot was taken of.
    pub expected_mac: Option<Mac>,
}

impl Progress {
    /// A rollback's progress: the phone must be the one with `mac` (when known).
    pub fn expecting(mac: Option<Mac>) -> Self {
        Progress {
            expected_mac: mac,
            ..Progress::default()
        }
    }

    pub fn set(&self, stage: &str) {
        *self.stage.lock().unwrap_or_else(|e| e.into_inner()) = stage.to_string();
    }

    pub fn stage(&self) -> String {
        self.stage.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_snapshot(&self, id: &str) {
        *self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) = Some(id.to_string());
    }

    pub fn snapshot_hint(&self, phone: &Phone) -> String {
        match &*self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(id) => format!(
                "The values from before are in snapshot {id} (`phoneprov rollback {} {id}`).",
                phone.address().key()
            ),
            None => "Nothing was sent to the phone.".to_string(),
        }
    }
}

/// Whether the phone answers and whether it said it waits for idle, so that each change
/// is said once: it stopped answering, it answers again, it waits for its call to end.
#[derive(Debug, Default)]
pub(super) struct PhoneWatch {
    /// The phone did not answer the last time it was asked.
    pub down: bool,
    waiting_said: bool,
}

impl PhoneWatch {
    /// The phone answered. Returns whether it had been down (said as back online).
    pub fn answered(&mut self, events: &EventSink) -> bool {
        let was_down = self.down;
        if was_down {
            events.emit(EventKind::BackOnline);
            self.down = false;
        }
        was_down
    }

    /// The phone did not answer (said once, as rebooting).
    pub fn lost(&mut self, events: &EventSink) {
        if !self.down {
            events.emit(EventKind::Rebooting);
            self.down = true;
        }
    }

    /// The phone waits for its line to become idle (said once per operation).
    pub fn waiting_for_idle(&mut self, events: &EventSink) {
        if !self.waiting_said {
            events.emit(EventKind::WaitingForIdle);
            self.waiting_said = true;
        }
    }
}

/// Pauses between polls: short at first (phones often answer at once), doubling up to a
/// ceiling.
#[derive(Debug, Clone, Copy)]
pub(super) struct Backoff {
    pub pause: Duration,
    ceiling: Duration,
}

impl Backoff {
    pub fn new(first: Duration, ceiling: Duration) -> Self {
        Backoff {
            pause: first,
            ceiling,
        }
    }

    /// After a pause: the next one is twice as long, at most the ceiling.
    pub fn grow(&mut self) {
        self.pause = (self.pause * 2).min(self.ceiling);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_ceiling() {
        let mut backoff = Backoff::new(Duration::from_millis(25), Duration::from_millis(80));
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(backoff.pause.as_millis());
            backoff.grow();
        }
        assert_eq!(seen, [25, 50, 80, 80]);
    }

    #[test]
    fn each_change_of_the_phone_is_said_once() {
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let events = EventSink::new("10.0.0.5:80", sender);
        let mut watch = PhoneWatch::default();
        assert!(!watch.answered(&events));
        watch.lost(&events);
        watch.lost(&events);
        watch.waiting_for_idle(&events);
        assert!(watch.answered(&events));
        watch.waiting_for_idle(&events);
        let mut said = Vec::new();
        while let Ok(event) = receiver.try_recv() {
            said.push(event.kind);
        }
        assert_eq!(
            said,
            [
                EventKind::Rebooting,
                EventKind::WaitingForIdle,
                EventKind::BackOnline
            ]
        );
    }
}
