//! The shell: owns the state, the background runtime and the channels. Each frame it drains
//! background reports, draws the panels, and turns the intents they return into state
//! changes and background work. Nothing here waits on the network.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use tokio::sync::{mpsc, watch};

use super::background::{Report, Reporter};
use super::credentials_dialog::{self, CredentialsDraft};
use super::engine_link;
use super::intent::Intent;
use super::phones_panel::{self, PhonesPanelState, ScanView};
use super::profile_panel::{self, Capabilities, ProfilePanelState};
use super::review::{self, ReviewRow};
use super::settings_window::{self, SettingsDraft};
use super::{files, menu, style, timeline_panel};
use crate::identity::FirmwareLine;
use crate::provision::Engine;
use crate::session::credentials::{
    CredentialError, CredentialScope, MemorySecretStore, OsSecretStore, SecretStore,
};
use crate::session::engine_events;
use crate::session::timeline::Stage;
use crate::session::{
    ActivityLog, FormCheck, PersistError, PhoneAddress, PhoneId, PhoneList, SavedState, Settings,
    StateFile, ThemeChoice, profile_files,
};

/// Below this width (in points) the resync status goes under the form instead of beside it.
const NARROW_WIDTH: f32 = 1100.0;

/// The longest a password lookup in the system's secret store may take.
const SECRET_STORE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long edits wait before they are written to disk (typing is not saved per key).
const SAVE_DELAY: Duration = Duration::from_millis(800);

pub struct Shell {
    /// Owned so background work ends with the window (see `Drop`); spawn through `handle`.
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    reporter: Reporter,
    reports: mpsc::UnboundedReceiver<Report>,
    state_file: Option<StateFile>,
    /// Latest encoded state for the writer task (it writes only the newest).
    save_sender: Option<watch::Sender<Option<String>>>,
    save_due: Option<Instant>,
    settings: Settings,
    phones: PhoneList,
    activity: ActivityLog,
    phones_panel: PhonesPanelState,
    profile_panel: ProfilePanelState,
    review: Option<Vec<ReviewRow>>,
    settings_draft: Option<SettingsDraft>,
    /// The known-phones file shared with `phoneprov discover` (names by MAC); `None`: not
    /// used (tests).
    known_phones: Option<std::path::PathBuf>,
    /// Discovery asks before sweeping more than a /22.
    large_scan_question: Option<super::large_scan_dialog::LargeScanQuestion>,
    credentials_draft: Option<CredentialsDraft>,
    /// The system's secret store, and this run's memory when the system has none.
    secret_store: Arc<dyn SecretStore>,
    session_secrets: Arc<MemorySecretStore>,
    scan: ScanView,
    capabilities: Capabilities,
    /// Validation and rule previews of the selected phone's form, recomputed on change.
    form_check: FormCheck,
    zone: jiff::tz::TimeZone,
    /// A problem to show above everything until dismissed.
    notice: Option<String>,
    /// The provisioning engine; `None` when it could not open its data directory.
    engine: Option<Arc<Engine>>,
    /// Running applies/resyncs, to cancel them.
    operations: HashMap<PhoneId, CancellationToken>,
    /// The running scan, to cancel it.
    scan_cancel: Option<CancellationToken>,
    /// The syslog setting the listener was last started with (`None`: off).
    syslog_applied: Option<crate::session::SyslogSettings>,
    /// Phones being read now (one read at a time per phone).
    reading: HashSet<PhoneId>,
    /// `--demo`: the emulated phones and their throwaway state directory, kept alive here.
    demo: Option<(super::demo::DemoPhones, tempfile::TempDir)>,
}

impl Shell {
    pub fn new(
        ctx: &egui::Context,
        runtime: tokio::runtime::Runtime,
        state_file: Result<StateFile, PersistError>,
    ) -> Self {
        let (reporter, reports) = Reporter::channel(ctx.clone());
        let mut activity = ActivityLog::default();
        let mut notice = None;
        let (state_file, saved) = match state_file {
            Ok(file) => {
                let saved = match file.load() {
                    Ok(saved) => saved,
                    Err(error) => {
                        notice = Some(error.to_string());
                        SavedState::default()
                    }
                };
                (Some(file), saved)
            }
            Err(error) => {
                notice = Some(format!("{error}. Settings and edits will not be kept."));
                (None, SavedState::default())
            }
        };
        let save_sender = state_file.as_ref().map(|file| {
            let (sender, receiver) = watch::channel(None);
            runtime.spawn(write_state_loop(file.clone(), receiver, reporter.clone()));
            sender
        });
        activity.record(
            None,
            match &state_file {
                Some(file) => format!(
                    "Started; settings and edits are kept in {}",
                    file.path.display()
                ),
                None => "Started without a place to keep settings".to_string(),
            },
        );
        let handle = runtime.handle().clone();
        let shell = Shell {
            runtime: Some(runtime),
            handle,
            reporter,
            reports,
            state_file,
            save_sender,
            save_due: None,
            settings: saved.settings,
            phones: saved.phones,
            activity,
            phones_panel: PhonesPanelState::default(),
            profile_panel: ProfilePanelState::default(),
            review: None,
            settings_draft: None,
            known_phones: None,
            large_scan_question: None,
            credentials_draft: None,
            secret_store: Arc::new(OsSecretStore),
            session_secrets: Arc::new(MemorySecretStore::default()),
            scan: ScanView {
                available: true,
                running: None,
            },
            capabilities: Capabilities { engine: false },
            form_check: FormCheck::default(),
            zone: jiff::tz::TimeZone::system(),
            notice,
            engine: None,
            operations: HashMap::new(),
            scan_cancel: None,
            reading: HashSet::new(),
            syslog_applied: None,
            demo: None,
        };
        apply_appearance(ctx, &shell.settings);
        shell
    }

    /// Starts discovery with the saved settings; the demo looks only at its own phones.
    /// `allow_large`: the technician confirmed sweeping ranges larger than a /22.
    fn start_scan(&mut self, allow_large: bool) {
        if self.scan_cancel.is_some() {
            return;
        }
        let discovery = &self.settings.discovery;
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
        self.handle.spawn(super::scan_link::run(
            self.reporter.clone(),
            options,
            self.known_phones.clone(),
            cancel,
        ));
    }

    fn scan_event(&mut self, event: crate::discovery::ScanEvent) {
        use crate::discovery::ScanEvent;
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
            }
        }
    }

    /// Replaces the settings (theme, scale, discovery, syslog) and applies the appearance.
    pub fn use_settings(&mut self, ctx: &egui::Context, settings: Settings) {
        self.settings = settings;
        apply_appearance(ctx, &self.settings);
        self.apply_syslog();
    }

    /// Starts, stops or moves the engine's syslog listener to match the settings.
    fn apply_syslog(&mut self) {
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
            self.handle.spawn(super::sighting_link::start_syslog(
                self.reporter.clone(),
                engine,
                bind,
            ));
        }
    }

    /// A phone seen by our own servers: into the phone list and the activity log.
    fn sighting(&mut self, sighting: &crate::discovery::Sighting) {
        if let Some(recorded) = crate::session::sightings::record(&mut self.phones, sighting) {
            let name = self.phones.get(recorded.phone).map(|e| e.display_name());
            self.activity.record(name, recorded.message);
            self.mark_dirty_quiet();
        }
    }

    /// Shows a problem above everything until dismissed.
    pub fn show_notice(&mut self, message: String) {
        self.notice = Some(message);
    }

    /// Lets the app talk to phones through `engine`.
    /// The known-phones file in use, if any.
    pub fn known_phones_path(&self) -> Option<&std::path::Path> {
        self.known_phones.as_deref()
    }

    /// Uses the known-phones file at `path` for scans and names (see [`Self::known_phones`]).
    pub fn use_known_phones(&mut self, path: std::path::PathBuf) {
        self.known_phones = Some(path);
    }

    pub fn use_engine(&mut self, engine: Arc<Engine>) {
        self.handle.spawn(super::sighting_link::forward(
            self.reporter.clone(),
            engine.sightings(),
        ));
        self.engine = Some(engine);
        self.capabilities.engine = true;
        self.apply_syslog();
        if let Some(id) = self.phones.selected {
            self.read_phone(id);
        }
    }

    /// The login to use for a phone: the secret store, else this run's memory.
    fn login_task(
        &self,
        keys: Vec<String>,
    ) -> impl std::future::Future<Output = Option<crate::session::PhoneLogin>> + Send + 'static
    {
        let store = self.secret_store.clone();
        let memory = self.session_secrets.clone();
        async move {
            let lookup_keys = keys.clone();
            let lookup = tokio::task::spawn_blocking(move || {
                crate::session::credentials::login_for(store.as_ref(), &lookup_keys)
            });
            // A secret service that does not answer must not hold up talking to the phone.
            let stored = tokio::time::timeout(SECRET_STORE_TIMEOUT, lookup)
                .await
                .ok()
                .and_then(Result::ok)
                .and_then(Result::ok)
                .flatten();
            stored.or_else(|| {
                crate::session::credentials::login_for(memory.as_ref(), &keys)
                    .ok()
                    .flatten()
            })
        }
    }

    /// Reads a phone in the background (identity, values, status).
    fn read_phone(&mut self, id: PhoneId) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let Some(entry) = self.phones.get(id) else {
            return;
        };
        if !self.reading.insert(id) {
            return;
        }
        let address = entry.address.clone();
        let login = self.login_task(entry.credential_keys());
        let reporter = self.reporter.clone();
        self.handle.spawn(async move {
            let login = login.await;
            match engine_link::open_phone(&engine, &address, login) {
                Ok(phone) => engine_link::read(reporter, id, Arc::new(phone)).await,
                Err(error) => reporter.send(Report::PhoneRead {
                    phone: id,
                    outcome: Err(engine_link::read_failure(error)),
                }),
            }
        });
    }

    /// Starts an apply (changes) or a resync (rule) on a phone in the background.
    fn start_operation(&mut self, id: PhoneId, work: Operation) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let Some(entry) = self.phones.get_mut(id) else {
            return;
        };
        if self.operations.contains_key(&id) {
            self.notice = Some(format!(
                "{} is still busy with the last operation; wait for it or cancel it",
                entry.display_name()
            ));
            return;
        }
        entry.status = crate::session::PhoneStatus::Applying;
        let address = entry.address.clone();
        let keys = entry.credential_keys();
        let cancel = CancellationToken::new();
        self.operations.insert(id, cancel.clone());
        let login = self.login_task(keys);
        let reporter = self.reporter.clone();
        self.handle.spawn(async move {
            let login = login.await;
            let phone = match engine_link::open_phone(&engine, &address, login) {
                Ok(phone) => Arc::new(phone),
                Err(error) => {
                    reporter.send(Report::OperationDone {
                        phone: id,
                        outcome: Err(error.to_string().into()),
                    });
                    return;
                }
            };
            match work {
                Operation::Apply(changes) => {
                    engine_link::apply(reporter, engine, id, phone, changes, cancel).await
                }
                Operation::Resync(rule) => {
                    engine_link::resync(reporter, engine, id, phone, rule, cancel).await
                }
            }
        });
    }

    /// Shows the demo phones (already running) in the list, by address like any phone.
    pub fn start_demo(&mut self, phones: super::demo::DemoPhones, dir: tempfile::TempDir) {
        for phone in &phones.phones {
            match PhoneAddress::parse(&phone.url) {
                Ok(address) => {
                    let id = self.phones.add_manual(address).id();
                    self.phones.rename(id, &phone.name);
                    if let Some(entry) = self.phones.get_mut(id) {
                        entry.sources = vec!["demo".to_string()];
                    }
                }
                Err(error) => self.notice = Some(format!("demo phone {}: {error}", phone.url)),
            }
        }
        self.phones.selected = self.phones.entries.first().map(|e| e.id);
        self.activity.record(
            None,
            format!(
                "Demo: {} emulated phones started on this computer",
                phones.phones.len()
            ),
        );
        // The demo's phones are remembered in its throwaway directory, never in the real file.
        self.known_phones = Some(dir.path().join("known-phones.json"));
        self.demo = Some((phones, dir));
    }

    /// Keeps passwords in `store` instead of the system's secret store (tests, portable use).
    pub fn use_secret_store(&mut self, store: Arc<dyn SecretStore>) {
        self.secret_store = store;
    }

    /// The state as it would be saved now.
    pub fn saved_state(&self) -> SavedState {
        SavedState {
            version: 0,
            settings: self.settings.clone(),
            phones: self.phones.clone(),
        }
    }

    pub fn phones(&self) -> &PhoneList {
        &self.phones
    }

    pub fn activity(&self) -> &ActivityLog {
        &self.activity
    }

    fn mark_dirty(&mut self, ctx: &egui::Context) {
        self.save_due = Some(Instant::now() + SAVE_DELAY);
        ctx.request_repaint_after(SAVE_DELAY);
    }

    fn save_if_due(&mut self, ctx: &egui::Context) {
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

    fn drain_reports(&mut self) {
        while let Ok(report) = self.reports.try_recv() {
            match report {
                Report::FileSaved { what, path } => self
                    .activity
                    .record(None, format!("Saved {what} to {}", path.display())),
                Report::DialogCancelled => self.activity.record(
                    None,
                    "No file was chosen. (If no file dialog appeared, this system has no \
                     file-dialog service: install xdg-desktop-portal-gtk or zenity.)",
                ),
                Report::FileRead { phone, path, bytes } => {
                    self.import_profile(phone, &path, &bytes);
                    self.save_due = Some(Instant::now());
                }
                Report::Failed(message) => {
                    self.activity.record(None, message.clone());
                    self.notice = Some(message);
                }
                Report::Note(message) => self.activity.record(None, message),
                Report::CredentialsSaved { phone, message } => {
                    let name = self.phones.get(phone).map(|e| e.display_name());
                    self.activity.record(name, message);
                    // Try the phone again with the new login.
                    self.read_phone(phone);
                }
                Report::PhoneRead { phone, outcome } => {
                    self.reading.remove(&phone);
                    self.phone_read(phone, outcome);
                }
                Report::Provision { phone, event } => {
                    if let Some(entry) = self.phones.get_mut(phone) {
                        let name = entry.display_name();
                        if let Some(line) = engine_events::record(entry, &event) {
                            self.activity.record(Some(name), line);
                        }
                    }
                }
                Report::OperationDone { phone, outcome } => {
                    self.operations.remove(&phone);
                    if let Some(entry) = self.phones.get_mut(phone) {
                        let name = entry.display_name();
                        match outcome {
                            Ok(summary) => self.activity.record(Some(name), summary),
                            Err(failure) => {
                                let reason = failure.reason;
                                entry.form.mark_unfinished(
                                    &failure.verified,
                                    failure.refusals,
                                    jiff::Timestamp::now(),
                                );
                                if !matches!(entry.status, crate::session::PhoneStatus::Failed(_)) {
                                    entry.status =
                                        crate::session::PhoneStatus::Failed(reason.clone());
                                    entry.timeline.push(
                                        jiff::Timestamp::now(),
                                        Stage::Failed,
                                        reason.clone(),
                                    );
                                }
                                self.activity
                                    .record(Some(name), format!("Failed: {reason}"));
                            }
                        }
                    }
                }
                Report::Scan(event) => self.scan_event(*event),
                Report::ScanFailed(message) => {
                    self.scan.running = None;
                    self.scan_cancel = None;
                    self.activity.record(None, format!("Scan: {message}"));
                    self.notice = Some(format!("The scan could not start: {message}"));
                }
                Report::ScanNeedsConfirmation(question) => {
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
                Report::Sighting(sighting) => self.sighting(&sighting),
                Report::Syslog { bind, outcome } => match outcome {
                    Ok(address) => self.activity.record(
                        None,
                        format!("Syslog listener on UDP {address}: phones that log here appear in the list"),
                    ),
                    Err(reason) => {
                        self.syslog_applied = None;
                        let message = format!("The syslog listener could not use UDP {bind}: {reason}");
                        self.activity.record(None, message.clone());
                        self.notice = Some(message);
                    }
                },
                Report::StateNotSaved(message) => {
                    if self.notice.is_none() {
                        self.notice = Some(message);
                    }
                }
            }
        }
    }

    fn phone_read(
        &mut self,
        id: PhoneId,
        outcome: Result<engine_link::PhoneRead, engine_link::ReadFailure>,
    ) {
        use crate::session::PhoneStatus;
        let Some(entry) = self.phones.get_mut(id) else {
            return;
        };
        let name = entry.display_name();
        match outcome {
            Ok(read) => {
                if let Some(mac) = read.identity.mac {
                    entry.mac = Some(mac);
                }
                entry.model = read.identity.model.clone().or(entry.model.take());
                entry.firmware = read.identity.firmware.clone().or(entry.firmware.take());
                entry.form.load_phone_values(read.values);
                entry.reboot_reasons = read.reboot_reasons;
                if matches!(
                    entry.status,
                    PhoneStatus::NotContacted
                        | PhoneStatus::NeedsCredentials
                        | PhoneStatus::Reachable
                ) || (matches!(entry.status, PhoneStatus::Failed(_))
                    && !self.operations.contains_key(&id)
                    && entry.timeline.entries.is_empty())
                {
                    entry.status = PhoneStatus::Reachable;
                }
                let mut words = format!(
                    "Read the phone: {} {}",
                    entry.model.as_deref().unwrap_or("model unknown"),
                    entry.firmware.as_deref().unwrap_or("")
                );
                if let Some(last) = &read.last_provisioning {
                    words.push_str(&format!("; its last provisioning: {last}"));
                }
                self.activity.record(Some(name), words);
                self.mark_dirty_quiet();
            }
            Err(failure) => {
                if failure.needs_password {
                    entry.status = PhoneStatus::NeedsCredentials;
                    if self.credentials_draft.is_none() && self.phones.selected == Some(id) {
                        let mut draft = CredentialsDraft::new(id, name.clone());
                        draft.reason = Some(failure.message.clone());
                        self.credentials_draft = Some(draft);
                    }
                } else if matches!(
                    entry.status,
                    PhoneStatus::NotContacted
                        | PhoneStatus::Reachable
                        | PhoneStatus::NeedsCredentials
                ) {
                    entry.status = PhoneStatus::Failed(failure.message.clone());
                } else {
                    // The outcome of the last operation stands (a phone that reboots after
                    // applying does not answer for a moment); only the re-read failed.
                    self.activity.record(
                        Some(name),
                        format!(
                            "Could not read the phone again ({}); it may be restarting. Use \
                             \"Read the phone again\" in a moment.",
                            failure.message
                        ),
                    );
                    return;
                }
                self.activity.record(Some(name), failure.message);
            }
        }
    }

    /// Schedules a save without a context at hand (from a background report).
    fn mark_dirty_quiet(&mut self) {
        self.save_due = Some(Instant::now() + SAVE_DELAY);
    }

    fn export_profile(&mut self, only_changes: bool) {
        let Some(entry) = self.phones.selected_entry() else {
            return;
        };
        let name = entry.display_name();
        let line = entry.firmware_line().unwrap_or(FirmwareLine::ASSUMED);
        match profile_files::export(&entry.form, line, only_changes) {
            Ok(export) => {
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
                self.handle.spawn(files::save_text(
                    self.reporter.clone(),
                    what,
                    file_name,
                    files::XML,
                    export.xml,
                ));
            }
            Err(error) => {
                self.activity.record(Some(name), format!("Export: {error}"));
            }
        }
    }

    fn import_profile(&mut self, phone: PhoneId, path: &std::path::Path, bytes: &[u8]) {
        let Some(entry) = self.phones.get_mut(phone) else {
            return;
        };
        let name = entry.display_name();
        let line = entry.firmware_line().unwrap_or(FirmwareLine::ASSUMED);
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

    fn handle(&mut self, ctx: &egui::Context, intent: Intent) {
        // One more frame so hints and checks reflect the change.
        ctx.request_repaint();
        match intent {
            Intent::SelectPhone(id) => {
                self.phones.selected = Some(id);
                if self
                    .phones
                    .get(id)
                    .is_some_and(|e| e.form.phone_values.is_none())
                {
                    self.read_phone(id);
                }
                self.mark_dirty(ctx);
            }
            Intent::ReadPhone => {
                if let Some(id) = self.phones.selected {
                    self.read_phone(id);
                }
            }
            Intent::CancelOperation => {
                if let Some(id) = self.phones.selected
                    && let Some(cancel) = self.operations.get(&id)
                {
                    cancel.cancel();
                }
            }
            Intent::AddPhone(text) => match PhoneAddress::parse(&text) {
                Ok(address) => {
                    let added = self.phones.add_manual(address.clone());
                    self.phones.selected = Some(added.id());
                    self.read_phone(added.id());
                    self.phones_panel.add_text.clear();
                    self.phones_panel.add_error = None;
                    let message = match added {
                        crate::session::phones::Added::New(_) => {
                            format!("Added {}", address.short())
                        }
                        crate::session::phones::Added::Existing(_) => {
                            format!("{} is already in the list", address.short())
                        }
                    };
                    self.activity.record(None, message);
                    self.mark_dirty(ctx);
                }
                Err(error) => self.phones_panel.add_error = Some(error.to_string()),
            },
            Intent::RenamePhone(id, name) => {
                if self.phones.rename(id, &name) {
                    let (address, mac) = self
                        .phones
                        .get(id)
                        .map(|e| (e.address.short(), e.mac))
                        .unwrap_or_default();
                    // A phone known by MAC keeps its name for `phoneprov discover` too.
                    if let (Some(path), Some(mac)) = (self.known_phones.clone(), mac) {
                        self.handle.spawn(super::scan_link::remember_name(
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
            }
            Intent::RemovePhone(id) => {
                if let Some(entry) = self.phones.get(id) {
                    let words = format!("Removed {} from the list", entry.display_name());
                    self.phones.remove(id);
                    self.activity.record(None, words);
                    self.mark_dirty(ctx);
                }
            }
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
                if let Some(entry) = self.phones.selected_entry_mut() {
                    entry.form.set(&element, &text);
                    self.mark_dirty(ctx);
                }
            }
            Intent::RestoreDefault(element) | Intent::RevertField(element) => {
                if let Some(entry) = self.phones.selected_entry_mut() {
                    entry.form.revert_field(&element);
                    self.mark_dirty(ctx);
                }
            }
            Intent::RevertAll => {
                if let Some(entry) = self.phones.selected_entry_mut() {
                    let count = entry.form.edits.len();
                    entry.form.revert_all();
                    let name = entry.display_name();
                    self.activity
                        .record(Some(name), format!("Reverted {count} edit(s)"));
                    self.mark_dirty(ctx);
                }
            }
            Intent::ReviewChanges => {
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
            Intent::CloseReview => self.review = None,
            Intent::ConfirmSubmit => {
                self.review = None;
                let Some(id) = self.phones.selected else {
                    return;
                };
                if let Some(entry) = self.phones.get_mut(id) {
                    let changes = entry.form.changes();
                    if changes.is_empty() {
                        return;
                    }
                    entry.form.mark_sent(&changes);
                    entry.timeline.push(
                        jiff::Timestamp::now(),
                        Stage::Requested,
                        format!("Apply {} change(s)", changes.len()),
                    );
                    let pairs = changes
                        .iter()
                        .map(|c| (c.element.clone(), c.new.clone()))
                        .collect();
                    self.start_operation(id, Operation::Apply(pairs));
                }
            }
            Intent::ResyncNow(rule) => {
                if let Some(id) = self.phones.selected {
                    self.start_operation(id, Operation::Resync(rule));
                }
            }
            Intent::ExportProfile | Intent::ExportChanges => {
                let only_changes = intent == Intent::ExportChanges;
                self.export_profile(only_changes);
            }
            Intent::ImportProfile => {
                if let Some(id) = self.phones.selected {
                    self.handle
                        .spawn(files::open_profile(self.reporter.clone(), id));
                }
            }
            Intent::SaveActivityLog => {
                let text = self.activity.to_text(&self.zone);
                let name = format!(
                    "phoneprov-activity-{}.txt",
                    jiff::Zoned::now().strftime("%Y%m%d-%H%M")
                );
                self.handle.spawn(files::save_text(
                    self.reporter.clone(),
                    "the activity log".into(),
                    name,
                    files::TEXT,
                    text,
                ));
            }
            Intent::OpenCredentials => {
                if let Some(entry) = self.phones.selected_entry() {
                    self.credentials_draft =
                        Some(CredentialsDraft::new(entry.id, entry.display_name()));
                }
            }
            Intent::CloseCredentials => self.credentials_draft = None,
            Intent::DemoCall { index, active } => {
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
            Intent::SaveCredentials {
                phone,
                for_site,
                login,
            } => {
                self.credentials_draft = None;
                let Some(entry) = self.phones.get(phone) else {
                    return;
                };
                let scope = if for_site {
                    CredentialScope::Site
                } else {
                    // Saved under the preferred key; found under any of them later.
                    let keys = entry.credential_keys();
                    CredentialScope::Phone(keys.into_iter().next().unwrap_or_default())
                };
                let store = self.secret_store.clone();
                let memory = self.session_secrets.clone();
                let reporter = self.reporter.clone();
                self.handle.spawn(async move {
                    let saved = {
                        let scope = scope.clone();
                        let login = login.clone();
                        tokio::task::spawn_blocking(move || store.save(&scope, &login)).await
                    };
                    let message = match saved {
                        Ok(Ok(())) => "Password saved in this computer's secret store".to_string(),
                        Ok(Err(error)) => {
                            // Kept for this run so the work can go on; said plainly.
                            let _ = memory.save(&scope, &login);
                            match error {
                                CredentialError::Unavailable(_) => format!(
                                    "{error}: the password is kept only until phoneprov closes"
                                ),
                                _ => format!(
                                    "Password not saved: {error}. It is kept only until phoneprov closes"
                                ),
                            }
                        }
                        Err(error) => format!("Password not saved: {error}"),
                    };
                    reporter.send(Report::CredentialsSaved { phone, message });
                });
            }
            Intent::OpenSettings => self.settings_draft = Some(SettingsDraft::new(&self.settings)),
            Intent::CloseSettings => self.settings_draft = None,
            Intent::ApplySettings(settings) => {
                self.settings = settings;
                self.settings_draft = None;
                apply_appearance(ctx, &self.settings);
                self.activity.record(None, "Settings saved");
                self.apply_syslog();
                self.mark_dirty(ctx);
            }
            Intent::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }

    fn notice_bar(&mut self, ui: &mut egui::Ui) {
        let Some(notice) = &self.notice else { return };
        let mut dismissed = false;
        egui::Frame::new()
            .fill(ui.visuals().extreme_bg_color)
            .stroke(egui::Stroke::new(1.0, style::bad_colour(ui.visuals())))
            .inner_margin(6.0)
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(style::bad_colour(ui.visuals()), format!("⚠ {notice}"));
                    if ui.button("Dismiss").clicked() {
                        dismissed = true;
                    }
                });
            });
        if dismissed {
            self.notice = None;
        }
    }
}

impl Shell {
    /// Work between frames: background reports, saving, the form's checks. No drawing.
    pub fn logic_step(&mut self, ctx: &egui::Context) {
        self.drain_reports();
        self.save_if_due(ctx);
        if let Some(entry) = self.phones.selected_entry() {
            let line = entry.firmware_line().unwrap_or(FirmwareLine::ASSUMED);
            self.form_check
                .refresh(&entry.form, line, &entry.identity());
        }
    }

    /// Draws one frame and acts on what the user asked for.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut intents = Vec::new();
        let selected = self.phones.selected_entry();
        let menu_state = menu::MenuState {
            phone_selected: selected.is_some(),
            has_changes: selected.is_some_and(|e| !e.form.changes().is_empty()),
        };
        egui::Panel::top("menu bar").show(ui, |ui| {
            intents.extend(menu::show(ui, menu_state));
            self.notice_bar(ui);
            if let Some((demo, _)) = &self.demo {
                intents.extend(demo_banner(ui, demo));
            }
        });
        egui::Panel::bottom("status bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                if let Some(last) = self.activity.last() {
                    let time = last
                        .at
                        .to_zoned(self.zone.clone())
                        .strftime("%H:%M:%S")
                        .to_string();
                    ui.label(egui::RichText::new(time).monospace().weak());
                    ui.label(&last.message);
                }
            });
        });
        // Narrow windows (or 200 % text) keep the form usable: the list gets at most a third
        // of the width and the resync status moves below the form.
        let width = ui.available_width();
        let narrow = width < NARROW_WIDTH;
        egui::Panel::left("phones")
            .resizable(true)
            .default_size((width * 0.26).clamp(220.0, 320.0))
            .size_range(200.0..=(width * 0.34).max(220.0))
            .show(ui, |ui| {
                intents.extend(phones_panel::show(
                    ui,
                    &mut self.phones,
                    &mut self.phones_panel,
                    &self.scan,
                ));
            });
        let running = self
            .phones
            .selected
            .is_some_and(|id| self.operations.contains_key(&id));
        let timeline = |ui: &mut egui::Ui| {
            timeline_panel::show(ui, self.phones.selected_entry(), &self.zone, running)
        };
        let timeline_intents = if narrow {
            egui::Panel::bottom("timeline below")
                .resizable(true)
                .default_size(150.0)
                .size_range(110.0..=500.0)
                .show(ui, timeline)
                .inner
        } else {
            egui::Panel::right("timeline")
                .resizable(true)
                .default_size((width * 0.25).clamp(260.0, 380.0))
                .size_range(240.0..=(width * 0.4).max(260.0))
                .show(ui, timeline)
                .inner
        };
        intents.extend(timeline_intents);
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("profile form")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    intents.extend(profile_panel::show(
                        ui,
                        self.phones.selected_entry(),
                        &mut self.profile_panel,
                        self.capabilities,
                        &self.form_check,
                        &self.zone,
                    ));
                });
        });
        if let Some(rows) = &self.review {
            let name = self
                .phones
                .selected_entry()
                .map(|e| e.display_name())
                .unwrap_or_default();
            intents.extend(review::show(&ctx, &name, rows));
        }
        if let Some(draft) = &mut self.credentials_draft {
            intents.extend(credentials_dialog::show(&ctx, draft));
        }
        if let Some(question) = &self.large_scan_question {
            intents.extend(super::large_scan_dialog::show(&ctx, question));
        }
        if let Some(draft) = &mut self.settings_draft {
            intents.extend(settings_window::show(&ctx, draft));
        }
        for intent in intents {
            self.handle(&ctx, intent);
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
}

impl Drop for Shell {
    fn drop(&mut self) {
        // Do not wait for background work (a phone that never answers, a secret service
        // that hangs): closing the window must close the app.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl eframe::App for Shell {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.logic_step(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Err(error) = self.save_now() {
            log::error!("{error}");
        }
    }
}

fn demo_banner(ui: &mut egui::Ui, demo: &super::demo::DemoPhones) -> Option<Intent> {
    let mut intent = None;
    ui.horizontal_wrapped(|ui| {
        egui::CollapsingHeader::new(
            egui::RichText::new(format!(
                "Demo: {} emulated phones on this computer (nothing on your network is touched)",
                demo.phones.len()
            ))
            .strong(),
        )
        .id_salt("demo banner")
        .show(ui, |ui| {
            for phone in &demo.phones {
                ui.label(format!("{} ({}): {}", phone.name, phone.url, phone.role));
            }
        });
        // The busy phone applies only when its call ends: the person at the desk is played here.
        for (index, phone) in demo.phones.iter().enumerate() {
            if !phone.takes_calls {
                continue;
            }
            if demo.call_active(index) {
                ui.label(format!("☎ {} is on a call", phone.name));
                if ui
                    .button(format!("End the call on {}", phone.name))
                    .clicked()
                {
                    intent = Some(Intent::DemoCall {
                        index,
                        active: false,
                    });
                }
            } else if ui
                .button(format!("Start a call on {}", phone.name))
                .clicked()
            {
                intent = Some(Intent::DemoCall {
                    index,
                    active: true,
                });
            }
        }
    });
    intent
}

/// Work on a phone that goes through the engine.
enum Operation {
    Apply(Vec<(String, String)>),
    Resync(Option<String>),
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

/// Writes each new encoded state, newest only, one at a time.
async fn write_state_loop(
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

fn apply_appearance(ctx: &egui::Context, settings: &Settings) {
    ctx.set_theme(match settings.theme {
        ThemeChoice::System => egui::ThemePreference::System,
        ThemeChoice::Light => egui::ThemePreference::Light,
        ThemeChoice::Dark => egui::ThemePreference::Dark,
    });
    ctx.set_zoom_factor(settings.zoom);
    ctx.all_styles_mut(|style| {
        use egui::{FontFamily, FontId, TextStyle};
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(22.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(15.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(15.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(12.5, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(14.0, FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.interact_size.y = 24.0;
        style.spacing.button_padding = egui::vec2(8.0, 3.0);
    });
}
