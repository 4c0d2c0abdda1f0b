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
    /// A password was stored; the text says where.
    CredentialsSaved {
        phone: crate::session::PhoneId,
        message: String,
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
