//! Finding phones: the Scan button's discovery run and its events, phones seen by our own
//! servers (sightings), and the syslog listener that hears them.

use tokio_util::sync::CancellationToken;

use super::Shell;
use crate::discovery::ScanEvent;
use crate::gui::large_scan_dialog::LargeScanQuestion;

impl Shell {
    /// Starts discovery with the saved settings; the demo looks only at its own phones.
    /// `allow_large`: the technician confirmed sweeping ranges larger than a /22.
    pub(super) fn start_scan(&mut self, allow_large: bool) {
        if self.scan_cancel.is_some() {
            return;
        }
        let discovery = &self.settings.discovery;
        #[cfg_attr(not(feature = "demo"), allow(unused_mut))]
        let mut options = crate::discovery::ScanChoices {
            mdns: discovery.mdns,
            sweep: discovery.sweep,
            neighbours: discovery.neighbours,
            interfaces: discovery.interfaces.clone(),
            allow_large,
            extra_ports: discovery.extra_ports.clone(),
            ranges: discovery
                .networks
                .iter()
                .filter_map(|n| n.parse().ok())
                .collect(),
            ..crate::discovery::ScanChoices::default()
        }
        .options();
        #[cfg(feature = "demo")]
        if let Some((demo, _)) = &self.demo {
            // Nothing on the technician's network is touched in the demo.
            options.mdns = false;
            options.sweep = false;
            options.neighbours = false;
            options.cidrs.clear();
            options.manual = demo
                .running()
                .iter()
                .filter_map(|p| p.addr().to_string().parse().ok())
                .collect();
        }
        let cancel = CancellationToken::new();
        self.scan_cancel = Some(cancel.clone());
        self.scan.running = Some((0, 0));
        self.activity.record(None, "Scan started");
        self.handle.spawn(crate::gui::scan_link::run(
            self.reporter.clone(),
            options,
            self.known_phones.clone(),
            cancel,
        ));
    }

    pub(super) fn scan_event(&mut self, event: ScanEvent) {
        match event {
            ScanEvent::PhoneFound(phone) | ScanEvent::PhoneUpdated { phone, .. } => {
                if self.phones.record_discovered(&phone).is_some() {
                    self.mark_dirty_quiet();
                }
            }
            ScanEvent::Progress(progress) => {
                self.scan.running = Some((progress.done as u64, progress.total as u64));
            }
            ScanEvent::SourceProblem { source, message } => {
                self.activity.record(
                    None,
                    format!("Scan: {} could not run: {message}", source.as_str()),
                );
            }
            ScanEvent::Finished(summary) => {
                self.scan.running = None;
                self.scan_cancel = None;
                self.activity.record(
                    None,
                    format!("Scan finished: {} phone(s) seen", summary.phones.len()),
                );
                let why = summary.why_nothing_found();
                if !why.is_empty() {
                    for reason in &why {
                        self.activity.record(None, format!("Scan: {reason}"));
                    }
                    self.notice = Some(format!("No phone found. {}", why.join(" ")));
                }
            }
        }
    }

    pub(super) fn scan_failed(&mut self, message: String) {
        self.scan.running = None;
        self.scan_cancel = None;
        self.activity.record(None, format!("Scan: {message}"));
        self.notice = Some(format!("The scan could not start: {message}"));
    }

    pub(super) fn ask_before_large_scan(&mut self, question: LargeScanQuestion) {
        self.scan.running = None;
        self.scan_cancel = None;
        self.activity.record(
            None,
            format!(
                "Scan: {} hold {} addresses; asking before sweeping them",
                question.ranges, question.addresses
            ),
        );
        self.large_scan_question = Some(question);
    }

    /// Starts, stops or moves the engine's syslog listener to match the settings.
    pub(super) fn apply_syslog(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let wanted = self.settings.syslog.clone();
        let wanted = wanted.enabled.then_some(wanted);
        if wanted == self.syslog_applied {
            return;
        }
        if self.syslog_applied.take().is_some() {
            engine.disable_syslog();
            self.activity.record(None, "Syslog listener stopped");
        }
        if let Some(syslog) = wanted {
            let bind = std::net::SocketAddr::from(([0, 0, 0, 0], syslog.port));
            self.syslog_applied = Some(syslog);
            self.handle.spawn(crate::gui::sighting_link::start_syslog(
                self.reporter.clone(),
                engine,
                bind,
            ));
        }
    }

    /// The syslog listener started on `bind`, or could not.
    pub(super) fn syslog_started(
        &mut self,
        bind: std::net::SocketAddr,
        outcome: Result<std::net::SocketAddr, String>,
    ) {
        match outcome {
            Ok(address) => self.activity.record(
                None,
                format!(
                    "Syslog listener on UDP {address}: phones that log here appear in the list"
                ),
            ),
            Err(reason) => {
                self.syslog_applied = None;
                let message = format!("The syslog listener could not use UDP {bind}: {reason}");
                self.activity.record(None, message.clone());
                self.notice = Some(message);
            }
        }
    }

    /// A phone seen by our own servers: into the phone list and the activity log.
    pub(super) fn sighting(&mut self, sighting: &crate::discovery::Sighting) {
        if let Some(recorded) = crate::session::sightings::record(&mut self.phones, sighting) {
            let name = self.phones.get(recorded.phone).map(|e| e.display_name());
            self.activity.record(name, recorded.message);
            self.mark_dirty_quiet();
        }
    }
}
