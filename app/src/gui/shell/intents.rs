//! Acting on what the panels ask for: each [`Intent`] becomes a state change or background
//! work. Drawing never does either itself.

use super::Shell;
use super::frame::apply_appearance;
use super::phone_work::Operation;
use crate::gui::intent::Intent;
use crate::gui::review::ReviewRow;
use crate::gui::settings_window::SettingsDraft;
use crate::session::phones::Added;
use crate::session::{PhoneAddress, PhoneId, Settings};

impl Shell {
    pub(super) fn handle(&mut self, ctx: &egui::Context, intent: Intent) {
        // One more frame so hints and checks reflect the change.
        ctx.request_repaint();
        match intent {
            Intent::SelectPhone(id) => self.select_phone(ctx, id),
            Intent::Select(change) => self.change_selection(ctx, change),
            Intent::EditSiteField(element, text) => self.edit_site_field(&element, &text),
            Intent::RevertSiteField(element) => self.site_edit.revert_field(&element),
            Intent::RevertSite => self.revert_site(),
            Intent::ReviewSite => self.review_site(),
            Intent::ConfirmSiteSubmit => self.confirm_site_submit(),
            Intent::CloseSiteReview => self.site_review = None,
            Intent::CancelRun => self.cancel_run(),
            Intent::RetryFailed => self.retry_failed(),
            Intent::ExportRun => self.export_run(),
            Intent::CloseRun => self.close_run(),
            Intent::ReadPhone => {
                if let Some(id) = self.phones.selected {
                    self.read_phone(id);
                }
            }
            Intent::CancelOperation => {
                if let Some(id) = self.phones.selected
                    && let Some(running) = self.operations.get(&id)
                {
                    running.cancel.cancel();
                }
            }
            Intent::AddPhone(text) => self.add_phone(ctx, &text),
            Intent::RenamePhone(id, name) => self.rename_phone(ctx, id, &name),
            Intent::RemovePhone(id) => self.remove_phone(ctx, id),
            Intent::StartScan => self.start_scan(false),
            Intent::StartLargeScan => {
                self.large_scan_question = None;
                self.start_scan(true);
            }
            Intent::CloseLargeScanQuestion => {
                self.large_scan_question = None;
                self.activity.record(
                    None,
                    "Scan not started: the range was too large to sweep unasked",
                );
            }
            Intent::CancelScan => {
                if let Some(cancel) = &self.scan_cancel {
                    cancel.cancel();
                }
            }
            Intent::EditField(element, text) => {
                self.edit_form(ctx, |form| form.set(&element, &text))
            }
            Intent::RevertField(element) => self.edit_form(ctx, |form| form.revert_field(&element)),
            Intent::RevertAll => self.revert_all(ctx),
            Intent::ReviewChanges => self.review_changes(),
            Intent::CloseReview => self.review = None,
            Intent::CompareSnapshot(id) => self.history.compare = id,
            Intent::ReviewRestore(id) => self.review_restore(&id),
            Intent::ConfirmRestore => self.restore(),
            Intent::CloseRestore => self.restore_review = None,
            Intent::ConfirmSubmit => {
                self.review = None;
                self.submit();
            }
            Intent::ResyncNow(rule) => {
                if let Some(id) = self.phones.selected {
                    self.start_operation(id, Operation::Resync(rule));
                }
            }
            Intent::ExportProfile => self.export_profile(false),
            Intent::ExportChanges => self.export_profile(true),
            Intent::ImportProfile => self.start_import(),
            Intent::ImportSkippingUnknown => self.import_skipping_unknown(),
            Intent::CloseImportReview => self.cancel_import_review(),
            Intent::SaveActivityLog => self.save_activity_log(),
            Intent::SaveCapture => self.save_capture(),
            Intent::OpenCredentials => self.open_password_prompt(),
            Intent::CloseCredentials => self.credentials_draft = None,
            #[cfg(feature = "demo")]
            Intent::DemoCall { index, active } => self.demo_call(index, active),
            Intent::SaveCredentials {
                phone,
                for_site,
                login,
            } => self.save_password(phone, for_site, login),
            Intent::OpenSettings => self.settings_draft = Some(SettingsDraft::new(&self.settings)),
            Intent::CloseSettings => self.settings_draft = None,
            Intent::ApplySettings(settings) => self.apply_settings(ctx, settings),
            Intent::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }

    /// Shows a phone in the form, reading it first if it never was.
    fn select_phone(&mut self, ctx: &egui::Context, id: PhoneId) {
        self.selection.apply(
            crate::session::selection::SelectionChange::Only(id),
            &mut self.phones,
        );
        if self
            .phones
            .get(id)
            .is_some_and(|e| e.form.phone_values.is_none())
        {
            self.read_phone(id);
        }
        self.mark_dirty(ctx);
    }

    /// "Add by address": the phone is added (or found) and read; a typo gets words.
    fn add_phone(&mut self, ctx: &egui::Context, text: &str) {
        let address = match PhoneAddress::parse(text) {
            Ok(address) => address,
            Err(error) => {
                self.phones_panel.add_error = Some(error.to_string());
                return;
            }
        };
        let added = self.phones.add_manual(address.clone());
        self.phones.selected = Some(added.id());
        self.read_phone(added.id());
        self.phones_panel.add_text.clear();
        self.phones_panel.add_error = None;
        let message = match added {
            Added::New(_) => format!("Added {}", address.short()),
            Added::Existing(_) => format!("{} is already in the list", address.short()),
        };
        self.activity.record(None, message);
        self.mark_dirty(ctx);
    }

    fn rename_phone(&mut self, ctx: &egui::Context, id: PhoneId, name: &str) {
        if !self.phones.rename(id, name) {
            return;
        }
        let (address, mac) = self
            .phones
            .get(id)
            .map(|e| (e.address.short(), e.mac))
            .unwrap_or_default();
        // A phone known by MAC keeps its name for `phoneprov discover` too.
        if let (Some(path), Some(mac)) = (self.known_phones.clone(), mac) {
            self.handle.spawn(crate::gui::scan_link::remember_name(
                self.reporter.clone(),
                path,
                mac,
                name.trim().to_string(),
            ));
        }
        self.activity
            .record(None, format!("Named {address} \"{}\"", name.trim()));
        self.mark_dirty(ctx);
    }

    fn remove_phone(&mut self, ctx: &egui::Context, id: PhoneId) {
        if let Some(entry) = self.phones.get(id) {
            let words = format!("Removed {} from the list", entry.display_name());
            self.phones.remove(id);
            self.activity.record(None, words);
            self.mark_dirty(ctx);
        }
    }

    /// Changes the selected phone's form (an edit, a field back to the phone's value).
    fn edit_form(
        &mut self,
        ctx: &egui::Context,
        change: impl FnOnce(&mut crate::session::FormState),
    ) {
        if let Some(entry) = self.phones.selected_entry_mut() {
            change(&mut entry.form);
            self.mark_dirty(ctx);
        }
    }

    fn revert_all(&mut self, ctx: &egui::Context) {
        if let Some(entry) = self.phones.selected_entry_mut() {
            let count = entry.form.edits.len();
            entry.form.revert_all();
            let name = entry.display_name();
            self.activity
                .record(Some(name), format!("Reverted {count} edit(s)"));
            self.mark_dirty(ctx);
        }
    }

    /// Opens the review of old → new values, labelled as on the phone's page.
    fn review_changes(&mut self) {
        if let Some(entry) = self.phones.selected_entry() {
            let rows = entry
                .form
                .changes()
                .into_iter()
                .map(|change| ReviewRow {
                    label: crate::profile::schema::lookup(&change.element)
                        .map_or_else(|| change.element.clone(), |d| d.label.to_string()),
                    change,
                })
                .collect();
            self.review = Some(rows);
        }
    }

    fn apply_settings(&mut self, ctx: &egui::Context, settings: Settings) {
        self.settings = settings;
        self.settings_draft = None;
        apply_appearance(ctx, &self.settings);
        self.activity.record(None, "Settings saved");
        self.apply_syslog();
        self.mark_dirty(ctx);
    }

    /// `--demo`: the person at the busy phone's desk starts or ends a call.
    #[cfg(feature = "demo")]
    fn demo_call(&mut self, index: usize, active: bool) {
        if let Some((demo, _)) = &self.demo {
            demo.set_call(index, active);
            let name = demo.phones.get(index).map(|p| p.name.clone());
            let words = if active {
                "Demo: a call started (changes now wait for it to end)"
            } else {
                "Demo: the call ended"
            };
            self.activity.record(name, words);
        }
    }
}
