//! Taking in the streamed reports (scan events, engine progress, sightings) each frame, within
//! a time budget so that a burst never stalls a frame.

use std::time::Instant;

use super::Shell;
use crate::gui::background::{DRAIN_BUDGET, Drain, Report, drain_until};
use crate::session::engine_events;

impl Shell {
    /// Handles waiting reports for at most [`DRAIN_BUDGET`]; when some are left, asks for
    /// another frame to go on.
    pub(super) fn drain_reports(&mut self, ctx: &egui::Context) {
        let Some(mut reports) = self.reports.take() else {
            return;
        };
        let deadline = Instant::now() + DRAIN_BUDGET;
        let drain = drain_until(&mut reports, deadline, Instant::now, |report| {
            self.report(report);
        });
        self.reports = Some(reports);
        if drain == Drain::CutShort {
            ctx.request_repaint();
        }
    }

    fn report(&mut self, report: Report) {
        match report {
            Report::Note(message) => self.activity.record(None, message),
            Report::PhoneRead { phone, outcome } => self.phone_read(phone, outcome),
            Report::Provision { phone, event } => {
                if let Some(run) = &mut self.run {
                    run.record_event(phone, &event);
                }
                if let Some(entry) = self.phones.get_mut(phone) {
                    let name = entry.display_name();
                    if let Some(line) = engine_events::record(entry, &event) {
                        self.activity.record(Some(name), line);
                    }
                }
            }
            Report::OperationDone { phone, outcome } => self.operation_done(phone, outcome),
            Report::Scan(event) => self.scan_event(*event),
            Report::ScanFailed(message) => self.scan_failed(message),
            Report::ScanNeedsConfirmation(question) => self.ask_before_large_scan(question),
            Report::Sighting(sighting) => self.sighting(&sighting),
            Report::Syslog { bind, outcome } => self.syslog_started(bind, outcome),
            Report::StateNotSaved(message) => {
                if self.notice.is_none() {
                    self.notice = Some(message);
                }
            }
        }
    }
}
