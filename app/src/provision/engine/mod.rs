//! The provisioning engine: apply → verify, resync → follow, rollback. Every operation
//! reports its states as events while they happen and ends either verified or with the
//! reason in words. The steps live by job: [`plan`] (what differs), `apply` (read, snapshot,
//! send, verify in order), `send` and `fetch` (post, or push and wait for the fetch),
//! `verify` (read back), `resync` (follow a resync), with [`errors`], [`options`] and
//! [`report`] for what callers see.

mod apply;
pub mod errors;
mod fetch;
mod operation;
pub mod options;
pub mod plan;
pub mod report;
mod resync;
mod send;
mod verify;

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

pub use errors::{ApplyError, EngineError};
pub use options::{ApplyOptions, ResyncOptions, ViaChoice};
pub use plan::{ChangePlan, plan_changes};
pub use report::{ApplyReport, ResyncReport};

use super::events::{EventKind, EventSink};
use super::history::{History, Snapshot};
use super::syslog::{SyslogLine, SyslogListener};
use crate::discovery::Sighting;
use crate::phone::{
    ClientOptions, Credentials, Phone, PhoneAddress, PhoneClient, PhoneError, StatusPage,
    TrustStore,
};
use crate::storage::data_dir;
use apply::ApplyRequest;
use operation::{Operation, Progress, until_cancelled};

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
    /// Phones already told that their password goes in clear (said once per phone).
    told_password_in_clear: Mutex<HashSet<String>>,
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
            told_password_in_clear: Mutex::new(HashSet::new()),
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

    /// [`EventKind::PasswordInClear`] the first time `phone` (by address) is found to take its
    /// admin password in clear; `None` after that, and for a phone that does not.
    pub fn password_in_clear_notice(&self, phone: &Phone) -> Option<EventKind> {
        if !phone.client.password_in_clear() {
            return None;
        }
        let mut told = self
            .told_password_in_clear
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        told.insert(phone.address().key())
            .then_some(EventKind::PasswordInClear)
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
        let reading = phone
            .read_with_identity(StatusPage::IfIdentityIncomplete)
            .await?;
        Ok(plan_changes(&reading.config, &reading.identity, changes))
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
        let operation = Operation::new(self, phone, options, events, Progress::default());
        let request = ApplyRequest {
            changes,
            withheld: &BTreeMap::new(),
            reason: "before set",
        };
        operation.run(request, cancel).await
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
        let progress = Progress::expecting(snapshot.mac);
        let operation = Operation::new(self, phone, options, events, progress);
        let request = ApplyRequest {
            changes: &values,
            withheld: &snapshot.withheld,
            reason: "before rollback",
        };
        operation.run(request, cancel).await
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
        until_cancelled(
            self.resync_steps(phone, rule, options, events),
            cancel,
            || ApplyError::Cancelled {
                stage: "while following the resync".to_string(),
                snapshot_hint: String::new(),
            },
            events,
        )
        .await
    }
}
