//! The shell: owns the state, the background runtime and the channels. Each frame it takes in
//! background results, draws the panels, and turns the intents they return into state changes
//! and background work. Nothing here waits on the network.
//!
//! `impl Shell` is spread over this folder by job: this file holds the state, how it is
//! built, what the embedding code and the tests call, and the frame's logic step; `frame`
//! draws; `intents` acts on what the panels ask for; `reports` takes in the streams;
//! `phone_work` reads phones and runs applies and resyncs; `credentials` looks up and saves
//! passwords; `file_jobs` exports, imports and saves files; `scan` finds phones (scans,
//! sightings, the syslog listener); `saving` keeps the state on disk.

mod credentials;
mod file_jobs;
mod frame;
mod history;
mod intents;
mod phone_work;
mod reports;
mod saving;
mod scan;
mod site;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use poll_promise::Promise;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::background::{Report, Reporter};
use super::credentials_dialog::CredentialsDraft;
use super::history_panel::HistoryPanelState;
use super::large_scan_dialog::LargeScanQuestion;
use super::phones_panel::{PhonesPanelState, ScanView};
use super::profile_panel::{Capabilities, ProfilePanelState};
use super::restore_review::RestoreReview;
use super::review::ReviewRow;
use super::settings_window::SettingsDraft;
use super::site_review::SiteReview;
use crate::provision::Engine;
use crate::session::credentials::{LoginSaved, MemorySecretStore, OsSecretStore, SecretStore};
use crate::session::profile_files::ImportReview;
use crate::session::selection::Selection;
use crate::session::site_edit::{SiteCheck, SiteEdit};
use crate::session::site_run::SiteRun;
use crate::session::{
    ActivityLog, FormCheck, PersistError, PhoneId, PhoneList, SavedState, Settings, StateFile,
};
use file_jobs::FileJob;
use phone_work::{PendingRead, RunningOperation};

/// The window's state and the work it started; see the module's description.
pub struct Shell {
    /// Owned so background work ends with the window (see `Drop`); spawn through `handle`.
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    reporter: Reporter,
    /// Streamed reports; taken out only while they are drained.
    reports: Option<mpsc::UnboundedReceiver<Report>>,
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
    /// An import held back by names the phone does not have, for that phone.
    import_review: Option<(PhoneId, ImportReview)>,
    /// The selected phone's snapshots and their load.
    history: HistoryPanelState,
    /// A restore waiting for confirmation.
    restore_review: Option<RestoreReview>,
    /// The phones selected besides `phones.selected` (Ctrl/Shift-click, *Select all shown*).
    selection: Selection,
    /// The one change set typed for a selection of many phones, and its checks per phone.
    site_edit: SiteEdit,
    site_check: SiteCheck,
    /// The review of a submit to many phones, while open.
    site_review: Option<SiteReview>,
    /// The last submit to many phones (its summary shows until closed), and what a running
    /// one needs to go on.
    run: Option<SiteRun>,
    run_work: Option<site::RunWork>,
    settings_draft: Option<SettingsDraft>,
    /// The known-phones file shared with `phoneprov discover` (names by MAC); `None`: not
    /// used (tests).
    known_phones: Option<std::path::PathBuf>,
    /// Discovery asks before sweeping more than a /22.
    large_scan_question: Option<LargeScanQuestion>,
    credentials_draft: Option<CredentialsDraft>,
    /// The system's secret store, and this run's memory when the system has none.
    secret_store: Arc<dyn SecretStore>,
    session_secrets: Arc<MemorySecretStore>,
    /// Passwords being saved, per phone.
    password_saves: Vec<(PhoneId, Promise<LoginSaved>)>,
    /// File dialogs open now, with what their outcome is for.
    file_jobs: Vec<FileJob>,
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
    operations: HashMap<PhoneId, RunningOperation>,
    /// The running scan, to cancel it.
    scan_cancel: Option<CancellationToken>,
    /// The syslog setting the listener was last started with (`None`: off).
    syslog_applied: Option<crate::session::SyslogSettings>,
    /// Phones being read now (one read at a time per phone).
    reading: HashMap<PhoneId, PendingRead>,
    /// `--demo`: the emulated phones and their throwaway state directory, kept alive here.
    #[cfg(feature = "demo")]
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
        let (state_file, saved, notice) = open_state(state_file);
        let save_sender = state_file.as_ref().map(|file| {
            let (sender, receiver) = watch::channel(None);
            runtime.spawn(saving::write_state_loop(
                file.clone(),
                receiver,
                reporter.clone(),
            ));
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
            reports: Some(reports),
            state_file,
            save_sender,
            save_due: None,
            settings: saved.settings,
            phones: saved.phones,
            activity,
            phones_panel: PhonesPanelState::default(),
            profile_panel: ProfilePanelState::default(),
            review: None,
            import_review: None,
            history: HistoryPanelState::default(),
            restore_review: None,
            selection: Selection::default(),
            site_edit: SiteEdit::default(),
            site_check: SiteCheck::default(),
            site_review: None,
            run: None,
            run_work: None,
            settings_draft: None,
            known_phones: None,
            large_scan_question: None,
            credentials_draft: None,
            secret_store: Arc::new(OsSecretStore),
            session_secrets: Arc::new(MemorySecretStore::default()),
            password_saves: Vec::new(),
            file_jobs: Vec::new(),
            scan: ScanView { running: None },
            capabilities: Capabilities { engine: false },
            form_check: FormCheck::default(),
            zone: jiff::tz::TimeZone::system(),
            notice,
            engine: None,
            operations: HashMap::new(),
            scan_cancel: None,
            reading: HashMap::new(),
            syslog_applied: None,
            #[cfg(feature = "demo")]
            demo: None,
        };
        frame::apply_appearance(ctx, &shell.settings);
        shell
    }

    /// Replaces the settings (theme, scale, discovery, syslog) and applies the appearance.
    pub fn use_settings(&mut self, ctx: &egui::Context, settings: Settings) {
        self.settings = settings;
        frame::apply_appearance(ctx, &self.settings);
        self.apply_syslog();
    }

    /// Shows a problem above everything until dismissed.
    pub fn show_notice(&mut self, message: String) {
        self.notice = Some(message);
    }

    /// The known-phones file in use, if any.
    pub fn known_phones_path(&self) -> Option<&std::path::Path> {
        self.known_phones.as_deref()
    }

    /// Uses the known-phones file at `path` for scans and names (see [`Self::known_phones`]).
    pub fn use_known_phones(&mut self, path: std::path::PathBuf) {
        self.known_phones = Some(path);
    }

    /// Lets the app talk to phones through `engine`.
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

    /// Keeps passwords in `store` instead of the system's secret store (tests, portable use).
    pub fn use_secret_store(&mut self, store: Arc<dyn SecretStore>) {
        self.secret_store = store;
    }

    /// Shows the demo phones (already running) in the list, by address like any phone.
    #[cfg(feature = "demo")]
    pub fn start_demo(&mut self, phones: super::demo::DemoPhones, dir: tempfile::TempDir) {
        for phone in &phones.phones {
            match crate::session::PhoneAddress::parse(&phone.url) {
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

    pub fn phones(&self) -> &PhoneList {
        &self.phones
    }

    pub fn activity(&self) -> &ActivityLog {
        &self.activity
    }

    /// The last submit to many phones, while its summary shows.
    pub fn run(&self) -> Option<&SiteRun> {
        self.run.as_ref()
    }

    /// The phones selected now, in list order.
    pub fn selected_ids(&self) -> Vec<PhoneId> {
        self.selection.ids_in(&self.phones)
    }

    /// The change set typed for a selection of many phones.
    pub fn site_edits(&self) -> &std::collections::BTreeMap<String, String> {
        &self.site_edit.edits
    }

    /// Work between frames: background results, saving, the form's checks. No drawing.
    pub fn logic_step(&mut self, ctx: &egui::Context) {
        self.drain_reports(ctx);
        self.poll_phone_work();
        self.poll_history();
        self.poll_password_saves();
        self.poll_file_jobs();
        self.save_if_due(ctx);
        self.selection.retain_existing(&self.phones);
        if self.selection.is_many() {
            let phones: Vec<_> = self
                .selection
                .ids_in(&self.phones)
                .into_iter()
                .filter_map(|id| self.phones.get(id))
                .collect();
            self.site_check.refresh(&self.site_edit, &phones);
        } else if let Some(entry) = self.phones.selected_entry() {
            let line = entry
                .firmware_line()
                .unwrap_or(crate::identity::FirmwareLine::ASSUMED);
            self.form_check
                .refresh(&entry.form, line, &entry.identity());
        }
    }
}

/// Opens the saved state: the file to keep it in (if any), what it held, and a problem to
/// show when it could not be read.
fn open_state(
    state_file: Result<StateFile, PersistError>,
) -> (Option<StateFile>, SavedState, Option<String>) {
    match state_file {
        Ok(file) => match file.load() {
            Ok(saved) => (Some(file), saved, None),
            Err(error) => (Some(file), SavedState::default(), Some(error.to_string())),
        },
        Err(error) => (
            None,
            SavedState::default(),
            Some(format!("{error}. Settings and edits will not be kept.")),
        ),
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
