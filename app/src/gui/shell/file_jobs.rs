//! The shell's file work: exporting a phone's profile (or only its changes), importing a
//! profile into its form, saving the activity log, saving a support capture of a phone. The dialogs run in the background; their
//! outcomes come back in promises.

use std::future::Future;
use std::time::Instant;

use poll_promise::Promise;

use super::Shell;
use crate::gui::engine_link;
use crate::gui::files::{self, FileOutcome};
use crate::phone::Capture;
use crate::session::profile_files::{ImportReview, ProfileFileError};
use crate::session::{PhoneId, profile_files};

/// A file dialog in progress and what its outcome is for.
pub(super) struct FileJob {
    outcome: Promise<FileOutcome>,
    /// The phone whose form an opened file is imported into.
    import_into: Option<PhoneId>,
}

impl Shell {
    /// Exports the selected phone's form as profile XML (or only its changes) to a file the
    /// technician chooses. Passwords and keys are left out, and the log says which.
    pub(super) fn export_profile(&mut self, only_changes: bool) {
        let Some(entry) = self.phones.selected_entry() else {
            return;
        };
        let name = entry.display_name();
        let line = entry
            .firmware_line()
            .unwrap_or(crate::identity::FirmwareLine::ASSUMED);
        let export = match profile_files::export(&entry.form, line, only_changes) {
            Ok(export) => export,
            Err(error) => {
                self.activity.record(Some(name), format!("Export: {error}"));
                return;
            }
        };
        if !export.left_out.is_empty() {
            self.activity.record(
                Some(name.clone()),
                format!(
                    "Left out of the export because they hold a password or key: {}",
                    export.left_out.join(", ")
                ),
            );
        }
        if entry.form.phone_values.is_none() && !only_changes {
            self.activity.record(
                Some(name.clone()),
                "The phone was not read yet: the export holds the form as shown \
                 (edits and firmware defaults)",
            );
        }
        let what = if only_changes {
            format!("the changes for {name}")
        } else {
            format!("the profile of {name}")
        };
        let file_name = format!(
            "{}{}.xml",
            file_safe(&name),
            if only_changes { "-changes" } else { "" }
        );
        let save = files::save_text(what, file_name, files::XML, export.xml);
        self.start_file_job(save, None);
    }

    /// Asks for a profile to import into the selected phone's form.
    pub(super) fn start_import(&mut self) {
        if let Some(id) = self.phones.selected {
            self.start_file_job(files::open_profile(), Some(id));
        }
    }

    /// Saves the activity log to a file the technician chooses.
    pub(super) fn save_activity_log(&mut self) {
        let text = self.activity.to_text(&self.zone);
        let name = format!(
            "phoneprov-activity-{}.txt",
            jiff::Zoned::now().strftime("%Y%m%d-%H%M")
        );
        let save = files::save_text("the activity log".into(), name, files::TEXT, text);
        self.start_file_job(save, None);
    }

    /// Takes a support capture of the selected phone (with its saved login) and asks where
    /// to save it. The capture masks every password; the log says where it went.
    pub(super) fn save_capture(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let Some(entry) = self.phones.selected_entry() else {
            return;
        };
        let name = entry.display_name();
        let address = entry.address.clone();
        let login = self.login_lookup(entry.credential_keys());
        self.activity.record(
            Some(name.clone()),
            "Taking a support capture (every page phoneprov reads, passwords masked)",
        );
        let work = async move {
            let phone = match engine_link::open_phone(&engine, &address, login.await) {
                Ok(phone) => phone,
                Err(error) => {
                    return FileOutcome::Failed(format!("Support capture of {name}: {error}"));
                }
            };
            let capture = Capture::take(&phone).await;
            let json = match capture.to_json().map(String::from_utf8) {
                Ok(Ok(json)) => json,
                _ => {
                    return FileOutcome::Failed(format!(
                        "Support capture of {name}: it could not be written as JSON"
                    ));
                }
            };
            files::save_text(
                format!("the support capture of {name}"),
                capture.file_name(),
                files::JSON,
                json,
            )
            .await
        };
        self.start_file_job(work, None);
    }

    /// Saves the run on many phones as CSV (one row per phone) where the technician chooses.
    pub(super) fn export_run(&mut self) {
        let Some(run) = &self.run else {
            return;
        };
        let text = match crate::provision::run_report::csv_text(&run.records()) {
            Ok(text) => text,
            Err(error) => {
                self.activity
                    .record(None, format!("The run report could not be made: {error}"));
                return;
            }
        };
        let name = format!(
            "phoneprov-run-{}.csv",
            run.started
                .to_zoned(self.zone.clone())
                .strftime("%Y%m%d-%H%M")
        );
        let save = files::save_text("the run report".into(), name, files::CSV, text);
        self.start_file_job(save, None);
    }

    fn start_file_job(
        &mut self,
        work: impl Future<Output = FileOutcome> + Send + 'static,
        import_into: Option<PhoneId>,
    ) {
        let outcome = self
            .reporter
            .promise(&self.handle, work, FileOutcome::Failed);
        self.file_jobs.push(FileJob {
            outcome,
            import_into,
        });
    }

    /// Acts on the file dialogs that have ended.
    pub(super) fn poll_file_jobs(&mut self) {
        if self.file_jobs.is_empty() {
            return;
        }
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.file_jobs)
            .into_iter()
            .partition(|job| job.outcome.ready().is_some());
        self.file_jobs = waiting;
        for job in done {
            if let Ok(outcome) = job.outcome.try_take() {
                self.file_done(outcome, job.import_into);
            }
        }
    }

    fn file_done(&mut self, outcome: FileOutcome, import_into: Option<PhoneId>) {
        match outcome {
            FileOutcome::Saved { what, path } => self
                .activity
                .record(None, format!("Saved {what} to {}", path.display())),
            FileOutcome::Opened { path, bytes } => {
                if let Some(phone) = import_into {
                    self.import_profile(phone, &path, &bytes);
                    self.save_due = Some(Instant::now());
                }
            }
            FileOutcome::Cancelled => self.activity.record(
                None,
                "No file was chosen. (If no file dialog appeared, this system has no \
                 file-dialog service: install xdg-desktop-portal-gtk or zenity.)",
            ),
            FileOutcome::Failed(message) => {
                self.activity.record(None, message.clone());
                self.notice = Some(message);
            }
        }
    }

    fn import_profile(&mut self, phone: PhoneId, path: &std::path::Path, bytes: &[u8]) {
        self.import_into(phone, path.display().to_string(), bytes, false);
    }

    /// Imports a file into the selected phone's form, as the Import menu does once a file
    /// is chosen.
    pub fn import_file(&mut self, path: &std::path::Path, bytes: &[u8]) {
        if let Some(phone) = self.phones.selected {
            self.import_profile(phone, path, bytes);
        }
    }

    /// The import review's "leave them out and import the rest".
    pub(super) fn import_skipping_unknown(&mut self) {
        if let Some((phone, review)) = self.import_review.take() {
            self.import_into(phone, review.file, &review.bytes, true);
            self.save_due = Some(Instant::now());
        }
    }

    /// The import review's "cancel": nothing was imported.
    pub(super) fn cancel_import_review(&mut self) {
        if let Some((phone, review)) = self.import_review.take() {
            let name = self.phones.get(phone).map(|e| e.display_name());
            self.activity.record(
                name,
                format!("Import of {} cancelled: nothing was imported", review.file),
            );
        }
    }

    /// Imports `bytes` into the form of `phone`; names the phone does not have open the
    /// import review instead (nothing imported) unless `skip_unknown`.
    fn import_into(&mut self, phone: PhoneId, file: String, bytes: &[u8], skip_unknown: bool) {
        let Some(entry) = self.phones.get_mut(phone) else {
            return;
        };
        let name = entry.display_name();
        let line = entry
            .firmware_line()
            .unwrap_or(crate::identity::FirmwareLine::ASSUMED);
        let message = match profile_files::import(&mut entry.form, line, bytes, skip_unknown) {
            Ok(imported) => {
                let mut words = format!(
                    "Imported {file}: {} field(s), {} now differ from the phone (not sent until Submit)",
                    imported.known, imported.changes
                );
                for meaning in &imported.meant {
                    words.push_str(&format!("; {meaning}"));
                }
                if !imported.skipped.is_empty() {
                    words.push_str(&format!(
                        "; left out, not on this phone: {}",
                        imported
                            .skipped
                            .iter()
                            .map(|u| u.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !imported.ignored.is_empty() {
                    words.push_str(&format!(
                        "; {} other element(s) are not on this page and were left out",
                        imported.ignored.len()
                    ));
                }
                if !imported.problems.is_empty() {
                    words.push_str(&format!(
                        "; the file has problems: {}",
                        imported.problems.join("; ")
                    ));
                }
                words
            }
            Err(ProfileFileError::UnknownNames(unknown)) => {
                let words = format!(
                    "{file} has {} name(s) this phone does not have; nothing imported yet",
                    unknown.len()
                );
                self.import_review = Some((
                    phone,
                    ImportReview {
                        file,
                        bytes: bytes.to_vec(),
                        unknown,
                    },
                ));
                words
            }
            Err(error) => {
                let words = format!("Could not import {file}: {error}");
                self.notice = Some(words.clone());
                words
            }
        };
        self.activity.record(Some(name), message);
    }
}

/// A phone name made safe for a file name.
fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() {
        "phone".into()
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::file_safe;

    #[test]
    fn a_phone_name_becomes_a_safe_file_name() {
        assert_eq!(file_safe("Reception 2/B"), "Reception_2_B");
        assert_eq!(file_safe("10.1.20.31"), "10.1.20.31");
        assert_eq!(file_safe(""), "phone");
    }
}
