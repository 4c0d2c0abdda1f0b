//! The shell's file work: exporting a phone's profile (or only its changes), importing a
//! profile into its form, saving the activity log. The dialogs run in the background; their
//! outcomes come back in promises.

use std::future::Future;
use std::time::Instant;

use poll_promise::Promise;

use super::Shell;
use crate::gui::files::{self, FileOutcome};
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
        let Some(entry) = self.phones.get_mut(phone) else {
            return;
        };
        let name = entry.display_name();
        let line = entry
            .firmware_line()
            .unwrap_or(crate::identity::FirmwareLine::ASSUMED);
        let message = match profile_files::import(&mut entry.form, line, bytes) {
            Ok(imported) => {
                let mut words = format!(
                    "Imported {}: {} field(s), {} now differ from the phone (not sent until Submit)",
                    path.display(),
                    imported.known,
                    imported.changes
                );
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
            Err(error) => {
                let words = format!("Could not import {}: {error}", path.display());
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
