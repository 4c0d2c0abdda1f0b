//! Reports from background work to the UI thread. Every report wakes the window, so the UI
//! repaints exactly when something changed and never polls.

use std::path::PathBuf;

use tokio::sync::mpsc;

/// What background work tells the shell.
#[derive(Debug)]
pub enum Report {
    /// A file was written (what, where).
    FileSaved { what: String, path: PathBuf },
    /// The user closed a file dialog without choosing.
    DialogCancelled,
    /// A file was read for import into a phone's form.
    FileRead {
        phone: crate::session::PhoneId,
        path: PathBuf,
        bytes: Vec<u8>,
    },
    /// Background work failed; the text is for the technician.
    Failed(String),
    /// Something worth a line in the activity log, not an interruption.
    Note(String),
    /// A password was stored; the text says where.
    CredentialsSaved {
        phone: crate::session::PhoneId,
        message: String,
    },
    /// A phone was read (or could not be).
    PhoneRead {
        phone: crate::session::PhoneId,
        outcome: Result<super::engine_link::PhoneRead, super::engine_link::ReadFailure>,
    },
    /// One step of an apply or resync, as the engine reported it.
    Provision {
        phone: crate::session::PhoneId,
        event: crate::provision::ProvisionEvent,
    },
    /// An apply or resync ended: a summary, or why it failed.
    OperationDone {
        phone: crate::session::PhoneId,
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
}

/// Why an apply or resync failed, with the values the phone confirmed and those it did not.
#[derive(Debug, Clone, Default)]
pub struct OperationFailure {
    /// The reason in words.
    pub reason: String,
    /// Confirmed on the phone before the operation ended.
    pub verified: Vec<String>,
    /// Sent, and read back as something else (or not at all).
    pub refusals: Vec<(String, crate::session::form::Refusal)>,
}

impl From<String> for OperationFailure {
    fn from(reason: String) -> Self {
        OperationFailure {
            reason,
            ..OperationFailure::default()
        }
    }
}
