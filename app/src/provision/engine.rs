//! apply → verify, resync → follow, rollback. Every operation reports its states as events
//! while they happen and ends either verified or with the reason in words.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::events::{Change, EventKind, EventSink, Mismatch, Via};
use super::history::{History, HistoryError, Snapshot};
use super::push::{FetchOutcome, OneTimeProfile};
use super::schema_bridge::{ChangeCheck, check_changes, flat_profile, phone_name};
use super::syslog::{ResyncLineKind, SyslogLine, SyslogListener};
use crate::discovery::Sighting;
use crate::identity::{FirmwareLine, PhoneIdentity};
use crate::phone::trust::TrustStoreError;
use crate::phone::{
    ClientOptions, Credentials, Phone, PhoneAddress, PhoneClient, PhoneConfig, PhoneError,
    PhoneStatus, TrustStore,
};
use crate::profile::mask::{is_secret_parameter, mask_value};
use crate::storage::{NoDataDir, data_dir};

/// How to send, as the user chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViaChoice {
    /// Push, falling back to post when an MPP phone cannot reach this laptop or refuses
    /// resyncs (Provision Enable is No). SPA phones have no `/admin/config.xml`: push only.
    #[default]
    Auto,
    Push,
    Post,
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub via: ViaChoice,
    /// The longest the whole operation may take once the phone has been read.
    pub timeout: Duration,
    /// Push: how long an idle phone may take to fetch the profile before phoneprov concludes
    /// it cannot reach this laptop.
    pub reach_timeout: Duration,
    /// Values that still differ while others already applied are reported after this long.
    pub settle: Duration,
    /// The longest pause between two read-backs (they start faster).
    pub max_poll_interval: Duration,
    /// Push: the `host:port` to put in the URL the phone fetches, when it differs from the
    /// address phoneprov listens on (a laptop behind NAT or a port forward). `None`: the
    /// local address that routes to the phone.
    pub push_advertise: Option<String>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            via: ViaChoice::Auto,
            timeout: Duration::from_secs(180),
            reach_timeout: Duration::from_secs(15),
            settle: Duration::from_secs(3),
            max_poll_interval: Duration::from_millis(500),
            push_advertise: None,
        }
    }
}

/// What an apply did, for people (`summary`) and machines (`--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    pub phone: String,
    pub snapshot: Option<String>,
    pub via: Option<Via>,
    pub changes: Vec<Change>,
    /// Names confirmed on the phone.
    pub verified: Vec<String>,
    /// Names sent but unreadable (passwords: the phone hides them).
    pub unverifiable: Vec<String>,
    pub warnings: Vec<String>,
    /// Rollback: values the snapshot could not hold (they carry a password or key, see
    /// [`Snapshot::withheld`]) and that now read differently from when it was taken. They were
    /// not restored; an event says what they were.
    #[serde(default)]
    pub not_restored: Vec<String>,
}

impl ApplyReport {
    /// True when every change was read back as intended.
    pub fn fully_verified(&self) -> bool {
        self.unverifiable.is_empty()
    }

    /// True when every change was read back as intended and, for a rollback, nothing the
    /// snapshot could not hold is left different.
    pub fn complete(&self) -> bool {
        self.fully_verified() && self.not_restored.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("refused before touching the phone: {}", errors.join("; "))]
    Invalid { errors: Vec<String> },
    #[error("{0}")]
    Phone(PhoneError),
    #[error("{0}")]
    History(String),
    /// `advice` says what works instead (post for an MPP phone's changes; Provision Enable to
    /// Yes first otherwise).
    #[error(
        "refused: Provision Enable is No on the phone at {phone}, so it refuses every resync. {advice}"
    )]
    ProvisionDisabled { phone: String, advice: String },
    #[error(
        "the phone at {phone} could not reach this laptop: it did not fetch the profile from {url} \
         within {seconds} s ({causes})"
    )]
    CannotReachLaptop {
        phone: String,
        url: String,
        seconds: u64,
        /// The likely causes, in words.
        causes: String,
    },
    #[error("the profile was not given to the phone at {phone}: {reason}")]
    WrongPhone { phone: String, reason: String },
    #[error("the phone at {phone} reports the resync failed: {detail}")]
    ResyncFailed { phone: String, detail: String },
    #[error(
        "not verified after {seconds} s: {}", mismatches.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Unverified {
        phone: String,
        seconds: u64,
        mismatches: Vec<Mismatch>,
        verified: Vec<String>,
    },
    #[error(
        "the phone at {phone} stopped answering {stage} and did not come back within {seconds} s; \
         it may be rebooting, or have lost power or its network, and may have applied some, all or \
         none of the changes. {snapshot_hint}"
    )]
    Disappeared {
        phone: String,
        stage: String,
        seconds: u64,
        snapshot_hint: String,
    },
    #[error("timed out after {seconds} s {stage}")]
    TimedOut { stage: String, seconds: u64 },
    #[error("cancelled {stage}. {snapshot_hint}")]
    Cancelled {
        stage: String,
        snapshot_hint: String,
    },
    #[error("cannot start the provisioning server: {0}")]
    Server(String),
    #[error(
        "refused before touching the phone: the phone at {phone} is an SPA phone, which has no \
         /admin/config.xml to post to; send with --via push (or auto), which has it fetch the \
         profile by resync"
    )]
    PostNotOnSpa { phone: String },
    #[error("this snapshot is of another phone ({snapshot_phone}), not of the phone at {phone}")]
    SnapshotOfAnotherPhone {
        phone: String,
        snapshot_phone: String,
    },
}

impl From<PhoneError> for ApplyError {
    fn from(e: PhoneError) -> Self {
        ApplyError::Phone(e)
    }
}

impl From<HistoryError> for ApplyError {
    fn from(e: HistoryError) -> Self {
        ApplyError::History(e.to_string())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    NoDataDir(#[from] NoDataDir),
    #[error(transparent)]
    Trust(#[from] TrustStoreError),
}

/// Resync options.
#[derive(Debug, Clone)]
pub struct ResyncOptions {
    /// Follow the resync to its outcome (otherwise return once it was requested).
    pub wait: bool,
    pub timeout: Duration,
    pub max_poll_interval: Duration,
}

impl Default for ResyncOptions {
    fn default() -> Self {
        ResyncOptions {
            wait: true,
            timeout: Duration::from_secs(180),
            max_poll_interval: Duration::from_millis(500),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResyncReport {
    pub phone: String,
    /// `None` when not followed (`wait` off).
    pub success: Option<bool>,
    pub detail: String,
    pub rebooted: bool,
    pub syslog: Vec<String>,
}

/// The provisioning engine. Share it (`Arc<Engine>`): every operation takes `&self` and many
/// phones can be served at once.
#[derive(Debug)]
pub struct Engine {
    data_dir: PathBuf,
    history: History,
    trust: Arc<TrustStore>,
    sightings: broadcast::Sender<Sighting>,
    syslog_lines: broadcast::Sender<SyslogLine>,
    syslog: Mutex<Option<SyslogListener>>,
}

impl Engine {
    /// An engine keeping its files in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, EngineError> {
        let trust = TrustStore::open(data_dir.join("trusted-certificates.json"))?;
        Ok(Engine {
            data_dir: data_dir.to_path_buf(),
            history: History::new(data_dir),
            trust: Arc::new(trust),
            sightings: broadcast::channel(256).0,
            syslog_lines: broadcast::channel(256).0,
            syslog: Mutex::new(None),
        })
    }

    /// An engine in the default data directory (`PHONEPROV_DATA_DIR` overrides it).
    pub fn open_default() -> Result<Self, EngineError> {
        Engine::open(&data_dir()?)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn trust_store(&self) -> &Arc<TrustStore> {
        &self.trust
    }

    /// A phone handle using this engine's trust store.
    pub fn phone(
        &self,
        address: PhoneAddress,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<Phone, PhoneError> {
        let client = PhoneClient::new(address, credentials, options, Some(self.trust.clone()))?;
        Ok(Phone::new(client))
    }

    /// Phones seen by phoneprov's servers (push fetches, syslog). Each receiver gets every
    /// sighting from the moment it subscribed; slow receivers lose the oldest (see
    /// `tokio::sync::broadcast`).
    pub fn sightings(&self) -> broadcast::Receiver<Sighting> {
        self.sightings.subscribe()
    }

    /// Every syslog line the listener receives.
    pub fn syslog_lines(&self) -> broadcast::Receiver<SyslogLine> {
        self.syslog_lines.subscribe()
    }

    /// Turns the syslog listener on at `bind` (e.g. `0.0.0.0:514`); returns the bound address.
    pub async fn enable_syslog(&self, bind: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener =
            SyslogListener::start(bind, self.syslog_lines.clone(), self.sightings.clone()).await?;
        let address = listener.local_addr();
        *self.syslog.lock().unwrap_or_else(|e| e.into_inner()) = Some(listener);
        Ok(address)
    }

    pub fn disable_syslog(&self) {
        *self.syslog.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// What [`Engine::apply`] would send, from the phone's current values, without sending
    /// anything or saving a snapshot (`phoneprov set --dry-run`): the same reading, naming
    /// and comparison as `apply`.
    pub async fn preview(
        &self,
        phone: &Phone,
        changes: &[(String, String)],
    ) -> Result<ChangePlan, ApplyError> {
        let (current, identity) = read_current(phone).await?;
        Ok(plan_changes(&current, &identity, changes))
    }

    /// Validates, reads, snapshots, sends what differs and reads back until verified.
    pub async fn apply(
        &self,
        phone: &Phone,
        changes: &[(String, String)],
        options: &ApplyOptions,
        events: &EventSink,
        cancel: &CancellationToken,
    ) -> Result<ApplyReport, ApplyError> {
        let progress = Progress::default();
        let nothing_withheld = BTreeMap::new();
        let result = tokio::select! {
            result = self.apply_steps(phone, changes, &nothing_withheld, options, events, &progress, "before set") => result,
            _ = cancel.cancelled() => Err(ApplyError::Cancelled {
                stage: progress.stage(),
                snapshot_hint: progress.snapshot_hint(phone),
            }),
        };
        if let Err(e) = &result {
            events.emit(EventKind::Failed {
                reason: e.to_string(),
            });
        }
        result
    }

    /// Puts back the values of `snapshot` (only those that differ now), the same way. Values
    /// the snapshot withheld (they carry a password or key) cannot be put back: those that
    /// now read differently are named in [`ApplyReport::not_restored`] and in a note.
    pub async fn rollback(
        &self,
        phone: &Phone,
        snapshot: &Snapshot,
        options: &ApplyOptions,
        events: &EventSink,
        cancel: &CancellationToken,
    ) -> Result<ApplyReport, ApplyError> {
        let values: Vec<(String, String)> = snapshot
            .values
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        let progress = Progress {
            expected_mac: snapshot.mac,
            ..Progress::default()
        };
        let result = tokio::select! {
            result = self.apply_steps(phone, &values, &snapshot.withheld, options, events, &progress, "before rollback") => result,
            _ = cancel.cancelled() => Err(ApplyError::Cancelled {
                stage: progress.stage(),
                snapshot_hint: progress.snapshot_hint(phone),
            }),
        };
        if let Err(e) = &result {
            events.emit(EventKind::Failed {
                reason: e.to_string(),
            });
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn apply_steps(
        &self,
        phone: &Phone,
        changes: &[(String, String)],
        withheld: &BTreeMap<String, String>,
        options: &ApplyOptions,
        events: &EventSink,
        progress: &Progress,
        reason: &str,
    ) -> Result<ApplyReport, ApplyError> {
        let key = phone.address().key();
        let changes = last_wins(changes);

        progress.set("while validating");
        let check = check_changes(&changes, None);
        if !check.errors.is_empty() {
            return Err(ApplyError::Invalid {
                errors: check.errors,
            });
        }

        progress.set("while reading the phone's current values");
        let (current, identity) = read_current(phone).await?;
        if let Some(sha256) = phone.client.first_use_fingerprint() {
            events.emit(EventKind::CertificateTrusted { sha256 });
        }
        if let (Some(expected), Some(actual)) = (progress.expected_mac, identity.mac)
            && expected != actual
        {
            return Err(ApplyError::SnapshotOfAnotherPhone {
                phone: key,
                snapshot_phone: expected.to_string(),
            });
        }
        let ChangePlan {
            changes,
            to_send,
            shown,
            unchanged,
            check: firmware_check,
            ..
        } = plan_changes(&current, &identity, &changes);
        if !firmware_check.errors.is_empty() {
            return Err(ApplyError::Invalid {
                errors: firmware_check.errors,
            });
        }
        let warnings = firmware_check.warnings;
        events.emit(EventKind::Validated {
            warnings: warnings.clone(),
        });
        events.emit(EventKind::Compared {
            changes: shown.clone(),
            unchanged,
        });
        let mut report = ApplyReport {
            phone: key.clone(),
            snapshot: None,
            via: None,
            changes: shown,
            verified: Vec::new(),
            unverifiable: Vec::new(),
            warnings,
            not_restored: not_restored(&current, withheld, events),
        };
        if to_send.is_empty() {
            events.emit(EventKind::NothingToChange);
            report.verified = changes.iter().map(|(n, _)| n.clone()).collect();
            events.emit(EventKind::Verified {
                names: report.verified.clone(),
            });
            return Ok(report);
        }

        let spa = current.is_spa(&identity);
        if spa && options.via == ViaChoice::Post {
            return Err(ApplyError::PostNotOnSpa { phone: key });
        }

        progress.set("while saving the snapshot");
        let snapshot = Snapshot::new(&key, &identity, reason, &current.values);
        let path = self.history.save(&snapshot)?;
        progress.set_snapshot(&snapshot.id);
        report.snapshot = Some(snapshot.id.clone());
        events.emit(EventKind::SnapshotSaved {
            snapshot: snapshot.id.clone(),
            path: path.display().to_string(),
        });

        let xml = flat_profile(&to_send).map_err(|e| ApplyError::Invalid { errors: vec![e] })?;
        let deadline = Instant::now() + options.timeout;
        let via = self
            .send(
                phone, &current, &identity, &xml, options, events, progress, deadline,
            )
            .await?;
        report.via = Some(via);

        let (verified, unverifiable) = self
            .verify(phone, &to_send, options, events, progress, deadline)
            .await?;
        report.verified = verified;
        report.unverifiable = unverifiable;
        Ok(report)
    }

    /// Sends the profile by the chosen way; returns the way that worked.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        phone: &Phone,
        current: &PhoneConfig,
        identity: &PhoneIdentity,
        xml: &str,
        options: &ApplyOptions,
        events: &EventSink,
        progress: &Progress,
        deadline: Instant,
    ) -> Result<Via, ApplyError> {
        let key = phone.address().key();
        let spa = current.is_spa(identity);
        let provision_disabled = current
            .value("Provision_Enable")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("no"));
        match options.via {
            ViaChoice::Post => {
                self.send_post(phone, xml, events, progress).await?;
                Ok(Via::Post)
            }
            // Push is a resync, which the phone refuses; POST /admin/config.xml still works.
            ViaChoice::Auto if provision_disabled && !spa => {
                events.emit(EventKind::FallingBack {
                    from: Via::Push,
                    to: Via::Post,
                    reason: "Provision Enable is No, so the phone refuses resyncs".to_string(),
                });
                self.send_post(phone, xml, events, progress).await?;
                Ok(Via::Post)
            }
            ViaChoice::Push | ViaChoice::Auto if provision_disabled => {
                Err(ApplyError::ProvisionDisabled {
                    phone: key,
                    advice: if spa {
                        "SPA phones take changes only by resync (they have no /admin/config.xml): \
                         set Provision Enable to Yes on the phone's web page \
                         (Voice > Provisioning) first"
                            .to_string()
                    } else {
                        "Send with --via post (or auto) instead, or set Provision_Enable=Yes first"
                            .to_string()
                    },
                })
            }
            ViaChoice::Push => {
                self.send_push(phone, identity, xml, options, events, progress, deadline)
                    .await?;
                Ok(Via::Push)
            }
            ViaChoice::Auto => {
                match self
                    .send_push(phone, identity, xml, options, events, progress, deadline)
                    .await
                {
                    Ok(()) => Ok(Via::Push),
                    Err(error @ ApplyError::CannotReachLaptop { .. }) if !spa => {
                        events.emit(EventKind::FallingBack {
                            from: Via::Push,
                            to: Via::Post,
                            reason: error.to_string(),
                        });
                        self.send_post(phone, xml, events, progress).await?;
                        Ok(Via::Post)
                    }
                    Err(error) => Err(error),
                }
            }
        }
    }

    async fn send_post(
        &self,
        phone: &Phone,
        xml: &str,
        events: &EventSink,
        progress: &Progress,
    ) -> Result<(), ApplyError> {
        progress.set("while posting the profile to the phone");
        phone.post_config(xml).await?;
        progress.set("after the profile was posted");
        events.emit(EventKind::Sent {
            via: Via::Post,
            detail: "POST /admin/config.xml accepted".to_string(),
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_push(
        &self,
        phone: &Phone,
        identity: &PhoneIdentity,
        xml: &str,
        options: &ApplyOptions,
        events: &EventSink,
        progress: &Progress,
        deadline: Instant,
    ) -> Result<(), ApplyError> {
        let key = phone.address().key();
        let ip = phone
            .address()
            .resolve_ip()
            .await
            .map_err(|e| ApplyError::Server(e.to_string()))?;
        let mut profile = OneTimeProfile::start(
            ip,
            xml.to_string(),
            identity.clone(),
            options.timeout,
            self.sightings.clone(),
        )
        .await
        .map_err(|e| ApplyError::Server(e.to_string()))?;
        if let Some(advertised) = &options.push_advertise {
            profile.advertise(advertised);
        }
        let mut syslog = self.syslog_lines.subscribe();
        let status_before = phone.read_status().await.ok();

        progress.set("while asking the phone to resync");
        phone.trigger_resync(Some(profile.url())).await?;
        progress.set("after the phone was asked to resync");
        events.emit(EventKind::Sent {
            via: Via::Push,
            detail: format!("the phone was asked to resync from {}", profile.shown_url()),
        });

        let mut reach_deadline = Instant::now() + options.reach_timeout;
        let mut waiting_reported = false;
        // The status tag for the call state is not documented: a phone that does not report
        // one may simply be on a call (phones fetch only when idle).
        let mut call_state_reported = false;
        let mut down = false;
        let mut pause = Duration::from_millis(25);
        loop {
            tokio::select! {
                outcome = profile.fetched() => match outcome {
                    FetchOutcome::Served { user_agent } => {
                        if down {
                            events.emit(EventKind::BackOnline);
                        }
                        progress.set("after the phone fetched the profile");
                        events.emit(EventKind::ProfileFetched { user_agent });
                        return Ok(());
                    }
                    FetchOutcome::WrongPhone { reason, .. } => {
                        return Err(ApplyError::WrongPhone { phone: key, reason });
                    }
                    FetchOutcome::Waiting => {}
                },
                line = syslog.recv() => {
                    if let Ok(line) = line
                        && line.from == ip {
                            events.emit(EventKind::Syslog { text: line.text.clone() });
                            if line.kind == ResyncLineKind::Failure {
                                return Err(ApplyError::CannotReachLaptop {
                                    phone: key,
                                    url: format!("{} (the phone says: {})", profile.shown_url(), line.text),
                                    seconds: options.reach_timeout.as_secs(),
                                    causes: unreachable_causes(true),
                                });
                            }
                        }
                },
                _ = tokio::time::sleep(pause) => {
                    pause = (pause * 2).min(options.max_poll_interval);
                    match phone.read_status().await {
                        Ok(status) => {
                            if down {
                                events.emit(EventKind::BackOnline);
                                down = false;
                            }
                            call_state_reported |= status.call_active.is_some();
                            if status.waiting_for_idle() {
                                if !waiting_reported {
                                    events.emit(EventKind::WaitingForIdle);
                                    waiting_reported = true;
                                }
                                // The phone fetches only when idle: the reach clock restarts.
                                reach_deadline = Instant::now() + options.reach_timeout;
                            }
                            // A failed resync while our server saw nothing: the phone could
                            // not reach us (its own words say how).
                            if let Some(failure) = new_failure(status_before.as_ref(), &status) {
                                return Err(ApplyError::CannotReachLaptop {
                                    phone: key,
                                    url: format!("{} (the phone says: {failure})", profile.shown_url()),
                                    seconds: options.reach_timeout.as_secs(),
                                    causes: unreachable_causes(true),
                                });
                            }
                        }
                        Err(e) if e.is_unreachable() => {
                            if !down {
                                events.emit(EventKind::Rebooting);
                                down = true;
                            }
                        }
                        Err(_) => {}
                    }
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(if down {
                            ApplyError::Disappeared {
                                phone: key,
                                stage: progress.stage(),
                                seconds: options.timeout.as_secs(),
                                snapshot_hint: progress.snapshot_hint(phone),
                            }
                        } else {
                            ApplyError::TimedOut {
                                stage: "waiting for the phone to fetch the profile".to_string(),
                                seconds: options.timeout.as_secs(),
                            }
                        });
                    }
                    if now >= reach_deadline && !down {
                        return Err(ApplyError::CannotReachLaptop {
                            phone: key,
                            url: profile.shown_url(),
                            seconds: options.reach_timeout.as_secs(),
                            causes: unreachable_causes(call_state_reported),
                        });
                    }
                }
            }
        }
    }

    /// Reads back until every sent value reads as intended. Returns (verified, unverifiable).
    async fn verify(
        &self,
        phone: &Phone,
        sent: &[(String, String)],
        options: &ApplyOptions,
        events: &EventSink,
        progress: &Progress,
        deadline: Instant,
    ) -> Result<(Vec<String>, Vec<String>), ApplyError> {
        let key = phone.address().key();
        let (secret, readable): (Vec<_>, Vec<_>) =
            sent.iter().partition(|(name, _)| is_secret_parameter(name));
        let unverifiable: Vec<String> = secret.iter().map(|(n, _)| n.clone()).collect();
        if !unverifiable.is_empty() {
            events.emit(EventKind::Note {
                message: format!(
                    "{} cannot be verified: the phone hides password values",
                    unverifiable.join(", ")
                ),
            });
        }
        // The stage stays what sending left ("after the phone fetched the profile", …): that is
        // what a technician needs when the phone disappears now.
        let started = Instant::now();
        let mut down = false;
        let mut waiting_reported = false;
        let mut settled_since: Option<Instant> = None;
        let mut last_mismatches: Vec<Mismatch> = Vec::new();
        let mut last_verified: Vec<String> = Vec::new();
        let mut pause = Duration::from_millis(10);
        let mut applied_reported = false;
        loop {
            match phone.read_config().await {
                Ok(config) => {
                    if down {
                        events.emit(EventKind::BackOnline);
                        down = false;
                        settled_since = None;
                    }
                    let (verified, mismatches) = compare(&config, &readable);
                    // Values can read as wanted while the phone is still finishing its resync
                    // (and about to reboot): confirm once it is done.
                    // A phone that stops answering right after reading well is going
                    // down to reboot: confirm after it is back. A status page the phone does
                    // not have (or garbles) cannot say, and does not hold verification up.
                    let busy = mismatches.is_empty()
                        && match phone.read_status().await {
                            Ok(status) => status.provisioning_busy(),
                            Err(e) if e.is_unreachable() => {
                                if !down {
                                    events.emit(EventKind::Rebooting);
                                    down = true;
                                }
                                true
                            }
                            Err(_) => false,
                        };
                    if mismatches.is_empty() && !applied_reported {
                        events.emit(EventKind::Applied {
                            names: verified.clone(),
                        });
                        applied_reported = true;
                    }
                    if mismatches.is_empty() && !busy {
                        events.emit(EventKind::Verified {
                            names: verified.clone(),
                        });
                        return Ok((verified, unverifiable));
                    }
                    let mut phone_busy = false;
                    if !busy && let Ok(status) = phone.read_status().await {
                        if status.provisioning_busy() {
                            settled_since = None;
                            phone_busy = true;
                        }
                        if status.waiting_for_idle() {
                            phone_busy = true;
                            if !waiting_reported {
                                events.emit(EventKind::WaitingForIdle);
                                waiting_reported = true;
                            }
                            settled_since = None;
                        }
                    }
                    // The phone is up, idle and done, yet the values stay as they are: it
                    // dropped them (it took the profile: it fetched it, or accepted the POST).
                    if !busy && !phone_busy && mismatches == last_mismatches {
                        let since = *settled_since.get_or_insert_with(Instant::now);
                        if since.elapsed() >= options.settle {
                            if !applied_reported {
                                events.emit(EventKind::Applied {
                                    names: verified.clone(),
                                });
                            }
                            return Err(ApplyError::Unverified {
                                phone: key,
                                seconds: started.elapsed().as_secs(),
                                mismatches,
                                verified,
                            });
                        }
                    } else {
                        settled_since = None;
                    }
                    last_mismatches = mismatches;
                    last_verified = verified;
                }
                Err(e) if e.is_unreachable() => {
                    if !down {
                        events.emit(EventKind::Rebooting);
                        down = true;
                    }
                }
                Err(e) => return Err(ApplyError::Phone(e)),
            }
            if Instant::now() >= deadline {
                let seconds = options.timeout.as_secs();
                return Err(if down {
                    ApplyError::Disappeared {
                        phone: key,
                        stage: progress.stage(),
                        seconds,
                        snapshot_hint: progress.snapshot_hint(phone),
                    }
                } else {
                    ApplyError::Unverified {
                        phone: key,
                        seconds,
                        mismatches: last_mismatches,
                        verified: last_verified,
                    }
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(options.max_poll_interval);
        }
    }

    /// Triggers a resync (the phone's own rules, or `rule` once) and follows it to its
    /// outcome through the status page, the phone's reachability and its syslog lines.
    pub async fn resync(
        &self,
        phone: &Phone,
        rule: Option<&str>,
        options: &ResyncOptions,
        events: &EventSink,
        cancel: &CancellationToken,
    ) -> Result<ResyncReport, ApplyError> {
        let result = tokio::select! {
            result = self.resync_steps(phone, rule, options, events) => result,
            _ = cancel.cancelled() => Err(ApplyError::Cancelled {
                stage: "while following the resync".to_string(),
                snapshot_hint: String::new(),
            }),
        };
        if let Err(e) = &result {
            events.emit(EventKind::Failed {
                reason: e.to_string(),
            });
        }
        result
    }

    async fn resync_steps(
        &self,
        phone: &Phone,
        rule: Option<&str>,
        options: &ResyncOptions,
        events: &EventSink,
    ) -> Result<ResyncReport, ApplyError> {
        let key = phone.address().key();
        let config = phone.read_config().await?;
        if config
            .value("Provision_Enable")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("no"))
        {
            let spa = config.is_spa(&config.identity);
            return Err(ApplyError::ProvisionDisabled {
                phone: key.clone(),
                advice: if spa {
                    "Set Provision Enable to Yes on the phone's web page (Voice > Provisioning) \
                     first"
                        .to_string()
                } else {
                    format!(
                        "Set it to Yes first (`phoneprov set {key} Provision_Enable=Yes`, which \
                         sends by POST)"
                    )
                },
            });
        }
        // Whether the phone logs the outcome (an empty template sends nothing).
        let line_of_phone = config.firmware_line(&config.identity);
        let logs = |template: &str| {
            config
                .value(&phone_name(template, line_of_phone))
                .is_none_or(|t| !t.trim().is_empty())
        };
        let (logs_success, logs_failure) = (logs("Log_Success_Msg"), logs("Log_Failure_Msg"));
        // The phone logs a success line per rule it runs (A, then B–D when set), so the
        // resync has succeeded only after the last of them; any failure line ends it.
        let successes_expected = match rule {
            Some(_) => 1,
            None => [
                "Profile_Rule",
                "Profile_Rule_B",
                "Profile_Rule_C",
                "Profile_Rule_D",
            ]
            .iter()
            .filter(|name| config.value(name).is_some_and(|v| !v.trim().is_empty()))
            .count()
            .max(1),
        };
        let mut successes_seen = 0;
        let mut request_logged = false;
        let before = phone.read_status().await.ok();
        let ip = phone.address().resolve_ip().await.ok();
        let mut syslog = self.syslog_lines.subscribe();
        phone.trigger_resync(rule).await?;
        events.emit(EventKind::ResyncRequested {
            rule: rule.map(|rule| mask_value("Profile_Rule", rule)),
        });
        let mut report = ResyncReport {
            phone: key.clone(),
            success: None,
            detail: "requested".to_string(),
            rebooted: false,
            syslog: Vec::new(),
        };
        if !options.wait {
            return Ok(report);
        }
        let deadline = Instant::now() + options.timeout;
        let mut down = false;
        let mut waiting_reported = false;
        let mut pause = Duration::from_millis(25);
        let finish = |report: &mut ResyncReport, success: bool, detail: String| {
            events.emit(EventKind::ResyncFinished {
                success,
                detail: detail.clone(),
            });
            report.success = Some(success);
            report.detail = detail;
        };
        loop {
            tokio::select! {
                line = syslog.recv() => {
                    let Ok(line) = line else { continue };
                    if Some(line.from) != ip {
                        continue;
                    }
                    events.emit(EventKind::Syslog { text: line.text.clone() });
                    report.syslog.push(line.text.clone());
                    match line.kind {
                        ResyncLineKind::Success => {
                            successes_seen += 1;
                            if successes_seen >= successes_expected {
                                finish(&mut report, true, line.text);
                                return Ok(report);
                            }
                        }
                        ResyncLineKind::Failure => {
                            finish(&mut report, false, line.text.clone());
                            return Err(ApplyError::ResyncFailed { phone: key, detail: line.text });
                        }
                        ResyncLineKind::Request => request_logged = true,
                        ResyncLineKind::Other => {}
                    }
                },
                _ = tokio::time::sleep(pause) => {
                    pause = (pause * 2).min(options.max_poll_interval);
                    match phone.read_status().await {
                        Ok(status) => {
                            if down {
                                events.emit(EventKind::BackOnline);
                                down = false;
                                report.rebooted = true;
                            }
                            if status.waiting_for_idle() && !waiting_reported {
                                events.emit(EventKind::WaitingForIdle);
                                waiting_reported = true;
                            }
                            // The status page can tell before the phone's own line arrives: a
                            // phone that logged the request to us logs the outcome too.
                            if let Some(failure) = new_failure(before.as_ref(), &status) {
                                if request_logged && logs_failure {
                                    outcome_line(&mut syslog, ip, events, &mut report).await;
                                }
                                finish(&mut report, false, failure.clone());
                                return Err(ApplyError::ResyncFailed { phone: key, detail: failure });
                            }
                            if let Some(success) = new_success(before.as_ref(), &status) {
                                if request_logged && logs_success {
                                    outcome_line(&mut syslog, ip, events, &mut report).await;
                                }
                                finish(&mut report, true, success);
                                return Ok(report);
                            }
                            if report.rebooted
                                && let Some(reason) = new_provisioning_reboot(before.as_ref(), &status) {
                                    if request_logged && logs_success {
                                        outcome_line(&mut syslog, ip, events, &mut report).await;
                                    }
                                    finish(&mut report, true, format!("the phone rebooted to apply the new profile ({reason})"));
                                    return Ok(report);
                                }
                        }
                        Err(e) if e.is_unreachable() => {
                            if !down {
                                events.emit(EventKind::Rebooting);
                                down = true;
                            }
                        }
                        Err(e) => return Err(ApplyError::Phone(e)),
                    }
                    if Instant::now() >= deadline {
                        return Err(ApplyError::TimedOut {
                            stage: "waiting for the resync's outcome (no status change, syslog line or reboot seen)".to_string(),
                            seconds: options.timeout.as_secs(),
                        });
                    }
                }
            }
        }
    }
}

/// How long a resync whose outcome the status page showed first still waits for the phone's
/// own `Log_Success_Msg` / `Log_Failure_Msg` line (once its `Log_Request_Msg` line came).
const OUTCOME_LINE_WAIT: Duration = Duration::from_secs(2);

/// Takes the phone's syslog lines into the report until its outcome line (or
/// [`OUTCOME_LINE_WAIT`]).
async fn outcome_line(
    syslog: &mut broadcast::Receiver<SyslogLine>,
    ip: Option<IpAddr>,
    events: &EventSink,
    report: &mut ResyncReport,
) {
    let until = tokio::time::Instant::now() + OUTCOME_LINE_WAIT;
    loop {
        match tokio::time::timeout_at(until, syslog.recv()).await {
            Ok(Ok(line)) if Some(line.from) == ip => {
                events.emit(EventKind::Syslog {
                    text: line.text.clone(),
                });
                report.syslog.push(line.text);
                if matches!(line.kind, ResyncLineKind::Success | ResyncLineKind::Failure) {
                    return;
                }
            }
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return,
        }
    }
}

/// Where an operation is, for errors about cancellation and disappearing phones.
#[derive(Debug, Default)]
struct Progress {
    stage: Mutex<String>,
    snapshot: Mutex<Option<String>>,
    expected_mac: Option<crate::identity::Mac>,
}

impl Progress {
    fn set(&self, stage: &str) {
        *self.stage.lock().unwrap_or_else(|e| e.into_inner()) = stage.to_string();
    }

    fn stage(&self) -> String {
        self.stage.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_snapshot(&self, id: &str) {
        *self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) = Some(id.to_string());
    }

    fn snapshot_hint(&self, phone: &Phone) -> String {
        match &*self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(id) => format!(
                "The values from before are in snapshot {id} (`phoneprov rollback {} {id}`).",
                phone.address().key()
            ),
            None => "Nothing was sent to the phone.".to_string(),
        }
    }
}

/// What an apply would do to a phone, worked out from its current values. [`Engine::apply`]
/// sends exactly `to_send`; `phoneprov set --dry-run` shows `shown`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePlan {
    /// The firmware line the changes were named and checked for (`None`: unknown).
    pub line: Option<FirmwareLine>,
    /// Every change, named as this phone spells it (SPA `Log_Resync_*_Msg`), the last of
    /// duplicates winning.
    pub changes: Vec<(String, String)>,
    /// What differs from the phone's values, and secrets (the phone hides them, so they
    /// cannot be compared): what is sent.
    pub to_send: Vec<(String, String)>,
    /// `to_send` for showing: the phone's current value and the new one, masked.
    pub shown: Vec<Change>,
    /// Changes that already read as wanted.
    pub unchanged: usize,
    /// The schema's verdict for this phone's firmware line.
    pub check: ChangeCheck,
}

/// The engine's comparison of `changes` with a phone's `current` values (see [`ChangePlan`]).
pub fn plan_changes(
    current: &PhoneConfig,
    identity: &PhoneIdentity,
    changes: &[(String, String)],
) -> ChangePlan {
    let line = current.firmware_line(identity);
    let named: Vec<(String, String)> = changes
        .iter()
        .map(|(name, value)| (phone_name(name.trim(), line), value.clone()))
        .collect();
    let changes = last_wins(&named);
    let check = check_changes(&changes, line);
    let to_send: Vec<(String, String)> = changes
        .iter()
        .filter(|(name, value)| {
            is_secret_parameter(name) || !same_value(current.value(name), value)
        })
        .cloned()
        .collect();
    let shown = to_send
        .iter()
        .map(|(n, v)| Change::shown(n, current.value(n), v))
        .collect();
    ChangePlan {
        line,
        unchanged: changes.len() - to_send.len(),
        changes,
        to_send,
        shown,
        check,
    }
}

/// What `apply` reads first: the phone's values, and its identity (the status page fills in
/// what the configuration dump does not say).
async fn read_current(phone: &Phone) -> Result<(PhoneConfig, PhoneIdentity), PhoneError> {
    let current = phone.read_config().await?;
    let mut identity = current.identity.clone();
    if (identity.mac.is_none() || identity.model.is_none())
        && let Ok(status) = phone.read_status().await
    {
        identity.merge_missing(&status.identity);
    }
    Ok((current, identity))
}

/// The same parameter twice: the last wins (as on the phone).
fn last_wins(changes: &[(String, String)]) -> Vec<(String, String)> {
    let mut order: Vec<String> = Vec::new();
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in changes {
        let name = name.trim().to_string();
        if values.insert(name.clone(), value.clone()).is_none() {
            order.push(name);
        }
    }
    order
        .into_iter()
        .filter_map(|name| values.remove(&name).map(|value| (name, value)))
        .collect()
}

/// Phones trim values and turn newlines into spaces: compare the way they store (the
/// profile model's rule).
fn same_value(current: Option<&str>, wanted: &str) -> bool {
    current.is_some_and(|c| crate::profile::values::same_value(c, wanted))
}

fn compare(config: &PhoneConfig, sent: &[&(String, String)]) -> (Vec<String>, Vec<Mismatch>) {
    let mut verified = Vec::new();
    let mut mismatches = Vec::new();
    for (name, wanted) in sent {
        let read = config.value(name);
        if same_value(read, wanted) {
            verified.push(name.clone());
        } else {
            mismatches.push(Mismatch::shown(name, wanted, read));
        }
    }
    (verified, mismatches)
}

/// Why a phone may not have fetched a pushed profile, for [`ApplyError::CannotReachLaptop`].
fn unreachable_causes(call_state_reported: bool) -> String {
    if call_state_reported {
        "a firewall on this laptop, or the phone on another network/VLAN?".to_string()
    } else {
        "a firewall on this laptop, the phone on another network/VLAN, or a call in progress: \
         this phone does not report its call state, and phones fetch only when idle"
            .to_string()
    }
}

/// A failure entry that was not on the status page before (masked: it may quote a rule).
fn new_failure(before: Option<&PhoneStatus>, now: &PhoneStatus) -> Option<String> {
    let latest = now.latest_provisioning()?;
    let old = before.and_then(|b| b.latest_provisioning());
    (old != Some(latest) && latest.is_failure()).then(|| mask_value("", &latest.text))
}

fn new_success(before: Option<&PhoneStatus>, now: &PhoneStatus) -> Option<String> {
    let latest = now.latest_provisioning()?;
    let old = before.and_then(|b| b.latest_provisioning());
    (old != Some(latest) && latest.is_success()).then(|| mask_value("", &latest.text))
}

fn new_provisioning_reboot(before: Option<&PhoneStatus>, now: &PhoneStatus) -> Option<String> {
    let latest = now.reboot_reasons.first()?;
    let old = before.and_then(|b| b.reboot_reasons.first());
    (old != Some(latest) && latest.to_ascii_lowercase().contains("provision"))
        .then(|| latest.clone())
}

/// Rollback: the withheld values (masked) that read differently now, each said in a note;
/// those that read the same are said too (their hidden parts cannot be compared).
fn not_restored(
    current: &PhoneConfig,
    withheld: &BTreeMap<String, String>,
    events: &EventSink,
) -> Vec<String> {
    let mut different = Vec::new();
    for (name, before) in withheld {
        let now = current.value(name).map(|v| mask_value(name, v));
        if now.as_deref() == Some(before.as_str()) {
            events.emit(EventKind::Note {
                message: format!(
                    "{name} was not saved in the snapshot (it holds a password or key, which \
                     phoneprov never writes to a file); it reads as it did then, \"{before}\" \
                     (the hidden parts cannot be compared)"
                ),
            });
        } else {
            events.emit(EventKind::Note {
                message: format!(
                    "{name} was not restored: it held a password or key, which phoneprov never \
                     writes to a file. It was \"{before}\" and is now {}; set it again by hand",
                    now.map_or("not reported by the phone".to_string(), |v| format!(
                        "\"{v}\""
                    ))
                ),
            });
            different.push(name.clone());
        }
    }
    different
}

/// The phone's IP for events about a sighting (re-exported for the CLI).
pub fn phone_ip(address: &PhoneAddress) -> Option<IpAddr> {
    address.host.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::ConfigSource;

    #[test]
    fn a_phone_without_a_call_state_may_be_on_a_call() {
        assert!(unreachable_causes(false).contains("call in progress"));
        assert!(!unreachable_causes(true).contains("call"));
    }

    #[test]
    fn the_plan_names_compares_and_masks_as_the_phone_stores() {
        let values: BTreeMap<String, String> = [
            ("Log_Resync_Request_Msg", "$PN $MAC -- Requesting resync"),
            ("Resync_Periodic", "3600"),
            ("GPP_A", "a b"),
            ("Profile_Rule", "/spa$PSN.cfg"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let spa = PhoneConfig {
            source: ConfigSource::SpaCfgXml,
            values,
            identity: PhoneIdentity::default(),
            problems: Vec::new(),
        };
        let changes: Vec<(String, String)> = [
            // The MPP name, as the SPA phone has it: already as wanted.
            ("Log_Request_Msg", "$PN $MAC -- Requesting resync"),
            (" Resync_Periodic", " 3600 "),
            // Two spaces are not one: the phone would store them.
            ("GPP_A", "a  b"),
            ("Profile_Rule", "[--uid tech --pwd Pw0rd!]https://srv/p.xml"),
            // Both spellings of one field: one change, the last wins.
            ("Log_Success_Msg", "first"),
            ("Log_Resync_Success_Msg", "second"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let plan = plan_changes(&spa, &PhoneIdentity::default(), &changes);
        assert_eq!(plan.line, Some(FirmwareLine::Spa));
        assert_eq!(plan.unchanged, 2, "{plan:?}");
        let sent: Vec<&str> = plan.to_send.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(sent, ["GPP_A", "Profile_Rule", "Log_Resync_Success_Msg"]);
        assert_eq!(plan.to_send[2].1, "second");
        assert_eq!(
            plan.shown[1].new,
            "[--uid **** --pwd ****]https://srv/p.xml"
        );
        assert_eq!(plan.shown[1].old.as_deref(), Some("/spa$PSN.cfg"));
        assert!(plan.check.errors.is_empty(), "{:?}", plan.check);
    }

    #[test]
    fn duplicates_last_wins_in_first_order() {
        let input: Vec<(String, String)> = [("A", "1"), ("B", "2"), ("A", "3")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(
            last_wins(&input),
            vec![
                ("A".to_string(), "3".to_string()),
                ("B".to_string(), "2".to_string())
            ]
        );
    }

    #[test]
    fn values_compare_as_the_phone_stores_them() {
        assert!(same_value(Some(" 3600 "), "3600"));
        assert!(same_value(Some("a b"), "a\nb"));
        assert!(!same_value(None, ""));
        assert!(!same_value(Some("Yes"), "No"));
    }
}
