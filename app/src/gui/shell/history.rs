//! The selected phone's history: loading its snapshots in the background (a promise), the
//! comparison shown, and a restore from the review to the engine's rollback.

use super::Shell;
use super::phone_work::Operation;
use crate::gui::engine_link;
use crate::gui::restore_review::RestoreReview;
use crate::gui::review::ReviewRow;
use crate::session::Change;
use crate::session::history_view::{self, HistoryView};
use crate::session::timeline::Stage;

impl Shell {
    /// Takes in a finished load; starts one when another phone is selected, its MAC became
    /// known (snapshots are found by MAC), or an operation may have saved a snapshot.
    pub(super) fn poll_history(&mut self) {
        if let Some(loading) = self.history.loading.take() {
            match loading.try_take() {
                Ok(result) => self.history.view = HistoryView::loaded(result),
                Err(loading) => self.history.loading = Some(loading),
            }
        }
        let Some(entry) = self.phones.selected_entry() else {
            return;
        };
        let Some(engine) = &self.engine else {
            return;
        };
        let wanted = Some((entry.id, entry.mac));
        let other_phone = self.history.loaded_for.map(|(id, _)| id) != Some(entry.id);
        let reload = self.history.stale && self.history.loading.is_none();
        if self.history.loaded_for == wanted && !reload {
            return;
        }
        if other_phone {
            self.history.view = HistoryView::default();
            self.history.compare = None;
        }
        self.history.loaded_for = wanted;
        self.history.stale = false;
        self.history.loading = Some(self.reporter.promise(
            &self.handle,
            engine_link::load_history(engine.history().clone(), entry.address.key(), entry.mac),
            Err,
        ));
    }

    /// "Restore this snapshot…": the review of what goes back, against the phone's values now.
    pub(super) fn review_restore(&mut self, id: &str) {
        let Some(entry) = self.phones.selected_entry() else {
            return;
        };
        let (Some(snapshot), Some(facts)) = (self.history.view.find(id), &entry.facts) else {
            return;
        };
        let rows = history_view::differences(snapshot, &facts.settings)
            .into_iter()
            .map(|difference| ReviewRow {
                label: difference.label,
                change: Change {
                    element: difference.name,
                    old: difference.now,
                    new: difference.then,
                },
            })
            .collect();
        self.restore_review = Some(RestoreReview {
            snapshot: snapshot.id.clone(),
            taken: snapshot
                .taken_at
                .to_zoned(self.zone.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string(),
            rows,
            withheld: snapshot.withheld.keys().cloned().collect(),
        });
    }

    /// The technician confirmed the restore: the engine's rollback, followed like a submit.
    pub(super) fn restore(&mut self) {
        let Some(review) = self.restore_review.take() else {
            return;
        };
        let Some(snapshot) = self.history.view.find(&review.snapshot).cloned() else {
            return;
        };
        let Some(id) = self.phones.selected else {
            return;
        };
        if let Some(entry) = self.phones.get_mut(id) {
            entry.timeline.push(
                jiff::Timestamp::now(),
                Stage::Requested,
                format!(
                    "Restore the snapshot of {} ({} value(s))",
                    review.taken,
                    review.rows.len()
                ),
            );
            let name = entry.display_name();
            self.activity.record(
                Some(name),
                format!("Restoring the snapshot of {}", review.taken),
            );
        }
        self.start_operation(id, Operation::Restore(Box::new(snapshot)));
    }
}
