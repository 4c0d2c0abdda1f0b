//! Many phones at once: the selection, the one change set for it, its review, and the run
//! that applies and verifies it on every phone (a slot each, up to the *phones at once*
//! setting), with Cancel, retry of the failed ones and the run's stages per phone.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::Shell;
use super::phone_work::Operation;
use crate::gui::review::ReviewRow;
use crate::gui::site_review::{PhoneReview, SiteReview};
use crate::profile::{mask::mask_value, schema};
use crate::session::PhoneEntry;
use crate::session::form::Change;
use crate::session::selection::SelectionChange;
use crate::session::site_edit::{SiteEdit, line_of};
use crate::session::site_run::{RunPhone, SiteRun};
use crate::session::timeline::Stage;

/// What a running run on many phones needs to go on: its Cancel and its slots.
pub(super) struct RunWork {
    cancel: CancellationToken,
    limit: Arc<tokio::sync::Semaphore>,
}

impl Shell {
    /// The selected phones, in list order (one or more).
    pub(super) fn selected_phones(&self) -> Vec<&PhoneEntry> {
        self.selection
            .ids_in(&self.phones)
            .into_iter()
            .filter_map(|id| self.phones.get(id))
            .collect()
    }

    /// Ctrl/Shift-click, Ctrl+Space, Shift+↑/↓, *Select all shown*; phones not read yet are
    /// read, so their values count.
    pub(super) fn change_selection(&mut self, ctx: &egui::Context, change: SelectionChange) {
        self.selection.apply(change, &mut self.phones);
        let unread: Vec<_> = self
            .selected_phones()
            .iter()
            .filter(|e| e.form.phone_values.is_none())
            .map(|e| e.id)
            .collect();
        for id in unread {
            self.read_phone(id);
        }
        self.mark_dirty(ctx);
    }

    pub(super) fn edit_site_field(&mut self, element: &str, text: &str) {
        let mut edit = std::mem::take(&mut self.site_edit);
        edit.set(element, text, &self.selected_phones());
        self.site_edit = edit;
    }

    /// Opens the review: each selected phone with what it would be sent.
    pub(super) fn review_site(&mut self) {
        let mut review = SiteReview {
            parallel: self.settings.parallel,
            ..SiteReview::default()
        };
        for entry in self.selected_phones() {
            let changes = self.site_edit.changes_for(entry);
            if changes.is_empty() {
                review.not_sent.push(not_sent_words(entry, &self.site_edit));
                continue;
            }
            review.phones.push(PhoneReview {
                name: entry.display_name(),
                rows: changes.into_iter().map(review_row).collect(),
            });
        }
        self.site_review = Some(review);
    }

    /// The review was confirmed: every phone with changes gets a place in the run.
    pub(super) fn confirm_site_submit(&mut self) {
        self.site_review = None;
        let phones: Vec<RunPhone> = self
            .selected_phones()
            .into_iter()
            .filter_map(|entry| {
                let changes = self.site_edit.changes_for(entry);
                (!changes.is_empty()).then(|| RunPhone::new(entry, changes))
            })
            .collect();
        if phones.is_empty() {
            return;
        }
        if let Some(work) = self.run_work.take() {
            // A new run replaces the summary of the last; what still runs of it stops.
            work.cancel.cancel();
        }
        let parallel = self.settings.parallel;
        let run = SiteRun::new(phones, parallel, jiff::Timestamp::now());
        self.activity.record(
            None,
            format!(
                "Submit to {} phones started ({parallel} at once)",
                run.phones.len()
            ),
        );
        let ids = run.phones.iter().map(|p| p.id).collect();
        self.run = Some(run);
        self.start_run_phones(ids);
    }

    /// Starts (or starts again) these phones of the run.
    fn start_run_phones(&mut self, ids: Vec<crate::session::PhoneId>) {
        let Some(run) = &self.run else {
            return;
        };
        let work = self.run_work.get_or_insert_with(|| RunWork {
            cancel: CancellationToken::new(),
            limit: Arc::new(tokio::sync::Semaphore::new(run.parallel)),
        });
        let (cancel, limit) = (work.cancel.clone(), work.limit.clone());
        let now = jiff::Timestamp::now();
        for id in ids {
            let Some(pairs) = self
                .run
                .as_ref()
                .and_then(|r| r.phone(id))
                .map(RunPhone::pairs)
            else {
                continue;
            };
            if let Some(entry) = self.phones.get_mut(id) {
                let changes: Vec<Change> = self
                    .run
                    .as_ref()
                    .and_then(|r| r.phone(id))
                    .map(|p| p.changes.clone())
                    .unwrap_or_default();
                entry.form.mark_sent(&changes);
                entry.timeline.push(
                    now,
                    Stage::Requested,
                    format!("Apply {} change(s) (submit to many phones)", changes.len()),
                );
            }
            let started = self.start_operation_with(
                id,
                Operation::Apply(pairs),
                cancel.child_token(),
                Some(limit.clone()),
            );
            if let (Err(reason), Some(run)) = (started, self.run.as_mut()) {
                run.record_outcome(id, Err(reason), now);
            }
        }
    }

    /// Cancel for the whole run: running phones stop where they are, queued ones never start.
    pub(super) fn cancel_run(&mut self) {
        if let Some(work) = self.run_work.take() {
            work.cancel.cancel();
        }
        if let Some(run) = &mut self.run {
            run.cancelled = true;
            self.activity
                .record(None, "Submit to many phones cancelled");
        }
    }

    /// *Retry the failed ones*: the same values, sent again to the phones that failed.
    pub(super) fn retry_failed(&mut self) {
        let Some(run) = &mut self.run else {
            return;
        };
        let failed = run.retry_failed();
        if failed.is_empty() {
            return;
        }
        self.activity
            .record(None, format!("Retrying {} failed phone(s)", failed.len()));
        self.start_run_phones(failed);
    }

    /// Closes the summary of an ended run.
    pub(super) fn close_run(&mut self) {
        if self.run.as_ref().is_some_and(SiteRun::finished) {
            self.run = None;
            self.run_work = None;
        }
    }

    /// The change set is dropped (after a run that verified everything, or on *Revert*).
    pub(super) fn revert_site(&mut self) {
        self.site_edit = SiteEdit::default();
    }
}

/// A review row: the page's label, values masked as everywhere else.
fn review_row(change: Change) -> ReviewRow {
    let label = schema::lookup(&change.element)
        .map_or_else(|| change.element.clone(), |d| d.label.to_string());
    ReviewRow {
        label,
        change: Change {
            old: change.old.map(|old| mask_value(&change.element, &old)),
            new: mask_value(&change.element, &change.new),
            element: change.element,
        },
    }
}

/// Why a selected phone is sent nothing.
fn not_sent_words(entry: &PhoneEntry, edit: &SiteEdit) -> String {
    let line = line_of(entry);
    let has_any = edit
        .edits
        .keys()
        .any(|element| schema::lookup(element).is_some_and(|d| d.exists_on(line)));
    if has_any {
        format!(
            "{}: nothing to send, it has these values already",
            entry.display_name()
        )
    } else {
        format!(
            "{}: nothing to send, its firmware has none of these fields",
            entry.display_name()
        )
    }
}
