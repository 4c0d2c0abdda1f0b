//! Reading phones and running applies and resyncs. Both first wait for the phone's login
//! from the secret store (a promise); a read is then one more promise, while an apply or
//! resync streams its engine events through the reports and ends with `OperationDone`.

use std::sync::Arc;

use poll_promise::Promise;
use tokio_util::sync::CancellationToken;

use super::Shell;
use crate::gui::background::Report;
use crate::gui::engine_link;
use crate::session::operation::{self, OperationFailure};
use crate::session::phone_read::{self, PhoneRead, ReadContext, ReadFailure};
use crate::session::{PhoneAddress, PhoneId, PhoneLogin, PhoneStatus};

/// A read of one phone in progress.
pub(super) enum PendingRead {
    /// Looking up the login for the phone at this address.
    Login {
        login: Promise<Option<PhoneLogin>>,
        address: PhoneAddress,
    },
    /// Talking to the phone.
    Phone(Promise<Result<PhoneRead, ReadFailure>>),
}

/// An apply or resync of one phone, from the click until its `OperationDone`.
pub(super) struct RunningOperation {
    pub(super) cancel: CancellationToken,
    /// A run on many phones: its slots (the operation starts once it holds one).
    limit: Option<Arc<tokio::sync::Semaphore>>,
    /// The work and where to do it, until the login it needs is found.
    waiting_for_login: Option<(Promise<Option<PhoneLogin>>, PhoneAddress, Operation)>,
}

/// Work on a phone that goes through the engine.
pub(super) enum Operation {
    Apply(Vec<(String, String)>),
    Resync(Option<String>),
    /// Put back a snapshot (`phoneprov rollback`).
    Restore(Box<crate::provision::Snapshot>),
}

impl Shell {
    /// Reads a phone in the background (identity, values, status).
    pub(super) fn read_phone(&mut self, id: PhoneId) {
        if self.engine.is_none() || self.reading.contains_key(&id) {
            return;
        }
        let Some(entry) = self.phones.get(id) else {
            return;
        };
        let address = entry.address.clone();
        let login = self.look_up_login(entry.credential_keys());
        self.reading
            .insert(id, PendingRead::Login { login, address });
    }

    /// Starts an apply (changes) or a resync (rule) on a phone in the background.
    pub(super) fn start_operation(&mut self, id: PhoneId, work: Operation) {
        if let Err(busy) = self.start_operation_with(id, work, CancellationToken::new(), None) {
            self.notice = Some(busy);
        }
    }

    /// Starts an operation that `cancel` stops and that waits for a slot of `limit` (a run
    /// on many phones); `Err` says why it did not start.
    pub(super) fn start_operation_with(
        &mut self,
        id: PhoneId,
        work: Operation,
        cancel: CancellationToken,
        limit: Option<Arc<tokio::sync::Semaphore>>,
    ) -> Result<(), String> {
        if self.engine.is_none() {
            return Err(super::super::profile_panel::NO_ENGINE.to_string());
        }
        let Some(entry) = self.phones.get_mut(id) else {
            return Err("the phone is no longer in the list".to_string());
        };
        if self.operations.contains_key(&id) {
            return Err(format!(
                "{} is still busy with the last operation; wait for it or cancel it",
                entry.display_name()
            ));
        }
        entry.status = PhoneStatus::Applying;
        // The stepper draws this operation's events only.
        entry.operation_events.clear();
        let address = entry.address.clone();
        let keys = entry.credential_keys();
        let login = self.look_up_login(keys);
        let running = RunningOperation {
            cancel,
            limit,
            waiting_for_login: Some((login, address, work)),
        };
        self.operations.insert(id, running);
        Ok(())
    }

    /// Moves on the reads and operations whose logins or results are in.
    pub(super) fn poll_phone_work(&mut self) {
        let reads: Vec<PhoneId> = self.reading.keys().copied().collect();
        for id in reads {
            if let Some(pending) = self.reading.remove(&id) {
                self.poll_read(id, pending);
            }
        }
        let operations: Vec<PhoneId> = self.operations.keys().copied().collect();
        for id in operations {
            self.poll_operation(id);
        }
    }

    fn poll_read(&mut self, id: PhoneId, pending: PendingRead) {
        let still_pending = match pending {
            PendingRead::Login { login, address } => match login.try_take() {
                Ok(login) => self.start_read(address, login),
                Err(login) => Some(PendingRead::Login { login, address }),
            },
            PendingRead::Phone(read) => match read.try_take() {
                Ok(outcome) => {
                    self.phone_read(id, outcome);
                    None
                }
                Err(read) => Some(PendingRead::Phone(read)),
            },
        };
        if let Some(pending) = still_pending {
            self.reading.insert(id, pending);
        }
    }

    /// Talks to the phone with the login found for it.
    fn start_read(&self, address: PhoneAddress, login: Option<PhoneLogin>) -> Option<PendingRead> {
        let engine = self.engine.clone()?;
        let read = self.reporter.promise(
            &self.handle,
            engine_link::open_and_read(engine, address, login),
            |reason| {
                Err(ReadFailure {
                    needs_password: false,
                    message: reason,
                })
            },
        );
        Some(PendingRead::Phone(read))
    }

    /// Starts the operation's work once its login is in.
    fn poll_operation(&mut self, id: PhoneId) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let Some(running) = self.operations.get_mut(&id) else {
            return;
        };
        let Some((login, address, work)) = running.waiting_for_login.take() else {
            return;
        };
        let login = match login.try_take() {
            Ok(login) => login,
            Err(login) => {
                running.waiting_for_login = Some((login, address, work));
                return;
            }
        };
        let cancel = running.cancel.clone();
        let limit = running.limit.clone();
        let reporter = self.reporter.clone();
        // The changes were made for the phone last read here: another phone now answering
        // at the address is refused before anything is sent.
        let mac = self.phones.get_mut(id).and_then(|entry| entry.mac);
        self.handle.spawn(async move {
            // In a run on many phones: wait for a slot, or for Cancel.
            let _slot = match limit {
                Some(limit) => tokio::select! {
                    slot = limit.acquire_owned() => slot.ok(),
                    () = cancel.cancelled() => {
                        reporter.send(Report::OperationDone {
                            phone: id,
                            outcome: Err("Cancelled before it started".to_string().into()),
                        });
                        return;
                    }
                },
                None => None,
            };
            let phone = match engine_link::open_phone(&engine, &address, login) {
                Ok(phone) => Arc::new(phone),
                Err(error) => {
                    reporter.send(Report::OperationDone {
                        phone: id,
                        outcome: Err(error.to_string().into()),
                    });
                    return;
                }
            };
            match work {
                Operation::Apply(changes) => {
                    engine_link::apply(reporter, engine, id, phone, changes, mac, cancel).await
                }
                Operation::Resync(rule) => {
                    engine_link::resync(reporter, engine, id, phone, rule, cancel).await
                }
                Operation::Restore(snapshot) => {
                    engine_link::restore(reporter, engine, id, phone, *snapshot, cancel).await
                }
            }
        });
    }

    /// A read ended: the entry learns what the phone said, and a phone that wants a
    /// password may open the prompt.
    pub(super) fn phone_read(&mut self, id: PhoneId, outcome: Result<PhoneRead, ReadFailure>) {
        let context = ReadContext {
            operation_running: self.operations.contains_key(&id),
            // With many phones selected, a locked one says so in its row and in the run
            // rather than opening the prompt over the list.
            selected: self.phones.selected == Some(id) && !self.selection.is_many(),
            prompt_open: self.credentials_draft.is_some(),
        };
        let Some(entry) = self.phones.get_mut(id) else {
            return;
        };
        let name = entry.display_name();
        let recorded = phone_read::record(entry, outcome, context);
        if let Some(reason) = recorded.ask_password {
            self.ask_for_password(id, name.clone(), reason);
        }
        self.activity.record(Some(name), recorded.activity);
        if recorded.save {
            self.mark_dirty_quiet();
        }
    }

    /// The technician confirmed the review: record it and send the changes.
    pub(super) fn submit(&mut self) {
        let Some(id) = self.phones.selected else {
            return;
        };
        let Some(entry) = self.phones.get_mut(id) else {
            return;
        };
        if let Some(pairs) = operation::record_submit(entry, jiff::Timestamp::now()) {
            self.start_operation(id, Operation::Apply(pairs));
        }
    }

    /// An apply or resync ended (its events came first).
    pub(super) fn operation_done(
        &mut self,
        id: PhoneId,
        outcome: Result<String, OperationFailure>,
    ) {
        self.operations.remove(&id);
        // An apply or restore saved a snapshot first.
        self.history.stale = true;
        if let Some(run) = &mut self.run {
            let ended = outcome.as_ref().map(|_| ()).map_err(|f| f.reason.clone());
            run.record_outcome(id, ended, jiff::Timestamp::now());
        }
        if let Some(entry) = self.phones.get_mut(id) {
            let name = entry.display_name();
            let line = operation::record_outcome(entry, outcome, jiff::Timestamp::now());
            self.activity.record(Some(name), line);
        }
    }
}
