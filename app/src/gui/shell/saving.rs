//! Keeping the app state on disk: edits are saved a moment after the last change (typing is
//! not saved per key), by a writer task that writes only the newest state.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Shell;
use crate::gui::background::{Report, Reporter};
use crate::session::{PersistError, SavedState, StateFile};

/// How long edits wait before they are written to disk.
const SAVE_DELAY: Duration = Duration::from_millis(800);

impl Shell {
    /// The state as it would be saved now.
    pub fn saved_state(&self) -> SavedState {
        SavedState {
            version: 0,
            settings: self.settings.clone(),
            phones: self.phones.clone(),
        }
    }

    /// Writes the state now (on exit the writer task may not get another turn).
    pub fn save_now(&mut self) -> Result<(), PersistError> {
        self.save_due = None;
        match &self.state_file {
            Some(file) => file.save(&self.saved_state()),
            None => Ok(()),
        }
    }

    /// Schedules a save, and the frame that will do it.
    pub(super) fn mark_dirty(&mut self, ctx: &egui::Context) {
        self.save_due = Some(Instant::now() + SAVE_DELAY);
        ctx.request_repaint_after(SAVE_DELAY);
    }

    /// Schedules a save without a context at hand (from a background result).
    pub(super) fn mark_dirty_quiet(&mut self) {
        self.save_due = Some(Instant::now() + SAVE_DELAY);
    }

    /// Hands the state to the writer task once its delay has passed.
    pub(super) fn save_if_due(&mut self, ctx: &egui::Context) {
        let Some(due) = self.save_due else { return };
        let now = Instant::now();
        if now < due {
            ctx.request_repaint_after(due - now);
            return;
        }
        self.save_due = None;
        let Some(sender) = &self.save_sender else {
            return;
        };
        match StateFile::encode(&self.saved_state()) {
            Ok(json) => {
                sender.send_replace(Some(json));
            }
            Err(error) => self.notice = Some(error.to_string()),
        }
    }
}

/// Writes each new encoded state, newest only, one at a time.
pub(super) async fn write_state_loop(
    file: StateFile,
    mut receiver: watch::Receiver<Option<String>>,
    reporter: Reporter,
) {
    while receiver.changed().await.is_ok() {
        let Some(json) = receiver.borrow_and_update().clone() else {
            continue;
        };
        let file = file.clone();
        let result = tokio::task::spawn_blocking(move || file.write_encoded(&json)).await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(error)) => reporter.send(Report::StateNotSaved(error.to_string())),
            Err(error) => reporter.send(Report::StateNotSaved(error.to_string())),
        }
    }
}
