//! One emulated phone: its state and the operations the web server, the resync engine and the
//! control interface perform on it.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::auth::{Auth, DigestServer};
use crate::clock::SimClock;
use crate::events::{EventKind, EventLog};
use crate::faults::Faults;
use crate::identity::{Family, Identity};
use crate::params::Config;
use crate::rules::Macros;
use crate::tls::TlsIdentity;
use crate::xml::read_profile;

/// Settings fixed when the phone starts.
#[derive(Debug, Clone)]
pub struct Settings {
    pub auth: Auth,
    pub https: bool,
    /// How long a reboot keeps the phone unreachable (real time).
    pub reboot: Duration,
    /// The TFTP server DHCP option 66 would name (for rules without a server).
    pub tftp_server: Option<SocketAddr>,
    /// The address the phone reports as `Current_IP` / `$IP`.
    pub ip: IpAddr,
    /// The address the phone's own requests (profile fetches, syslog, TFTP) leave from: its
    /// listen address when that is a specific one. A real phone has one address; emulated
    /// phones that share a host must not borrow the host's primary address, or a server
    /// that serves only to the phone's address would rightly refuse them.
    pub source_ip: Option<IpAddr>,
    /// Run the `Resync_On_Reset` resync at start and after non-provisioning reboots.
    pub resync_on_boot: bool,
    /// A captured phone being replayed: its pages are served instead of the emulator's.
    pub replay: Option<Arc<crate::replay::Replay>>,
}

/// One line of Info > Download Status > Provisioning Status.
#[derive(Debug, Clone, Serialize)]
pub struct ProvisioningStatus {
    /// `Successful` or `Failed`.
    pub status: String,
    /// `MM/DD/YY HH:MM:SS`.
    pub time: String,
    /// The URL fetched, or the error.
    pub reason: String,
}

/// Where the provisioning engine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvisioningState {
    Idle,
    WaitingForIdle,
    Resyncing,
    Rebooting,
}

impl ProvisioningState {
    pub fn label(self) -> &'static str {
        match self {
            ProvisioningState::Idle => "Idle",
            ProvisioningState::WaitingForIdle => "Waiting For Idle",
            ProvisioningState::Resyncing => "Resyncing",
            ProvisioningState::Rebooting => "Rebooting",
        }
    }
}

/// Why a resync runs (`$PRVST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResyncSource {
    /// `/admin/resync` or the control interface (-1).
    Direct,
    /// After boot (0).
    PowerUp,
    /// `Resync_Periodic` / `Resync_At__HHmm_` (1).
    Periodic,
    /// After a failure (2).
    Retry,
}

impl ResyncSource {
    pub fn name(self) -> &'static str {
        match self {
            ResyncSource::Direct => "direct",
            ResyncSource::PowerUp => "power_up",
            ResyncSource::Periodic => "periodic",
            ResyncSource::Retry => "retry",
        }
    }
    pub fn prvst(self) -> i32 {
        match self {
            ResyncSource::Direct => -1,
            ResyncSource::PowerUp => 0,
            ResyncSource::Periodic => 1,
            ResyncSource::Retry => 2,
        }
    }
}

/// A resync to run.
#[derive(Debug, Clone)]
pub struct ResyncRequest {
    pub source: ResyncSource,
    /// A one-off rule (not saved); `None` = the phone's own Profile Rule A→D.
    pub rule: Option<String>,
}

/// Mutable state, behind one lock held only briefly (never across an await).
#[derive(Debug)]
pub struct State {
    pub config: Config,
    pub call_active: bool,
    pub faults: Faults,
    /// Newest first, at most 3.
    pub provisioning: VecDeque<ProvisioningStatus>,
    /// Newest first, at most 5, like `[08/10/14 14:03:43]Provisioning`.
    pub reboot_history: VecDeque<String>,
    /// `/admin/log/messages`, oldest first.
    pub log: VecDeque<String>,
    pub prov_state: ProvisioningState,
    pub rebooting: bool,
    /// Phone time of the last resync attempt and last success.
    pub last_attempt: Option<f64>,
    pub last_success: Option<f64>,
    /// Consecutive failures (index into the retry schedule).
    pub failures: usize,
    /// When the next retry is due (phone time), after a failure.
    pub retry_due: Option<f64>,
    /// When the next periodic/daily resync is due.
    pub periodic_due: Option<f64>,
    /// Which item of the `Resync_Periodic` list the next periodic wait uses: the count of
    /// periodic resyncs since boot or since the schedule last changed.
    pub periodic_index: usize,
    /// The `Resync_Periodic` text `periodic_index` counts for (a new text starts at item 0).
    pub periodic_schedule: String,
    pub last_error: String,
    pub prvst: i32,
    pub upgrades: Vec<String>,
    pub last_upgrade: Option<f64>,
}

/// Everything about one phone.
pub struct Phone {
    pub identity: Identity,
    pub settings: Settings,
    pub clock: SimClock,
    state: Mutex<State>,
    pub events: EventLog,
    /// Bumped on every state change the engine may care about (call ended, config changed).
    pub changed: watch::Sender<u64>,
    /// `true` while the phone is up; the web server closes its listener while `false`.
    pub power: watch::Sender<bool>,
    pub requests: mpsc::UnboundedSender<ResyncRequest>,
    pub digest: DigestServer,
    pub tls: RwLock<Option<Arc<TlsIdentity>>>,
    pub http: reqwest::Client,
    pub shutdown: CancellationToken,
    /// Where the web server listens (set once bound).
    pub addr: Mutex<Option<SocketAddr>>,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// Result of applying a profile.
#[derive(Debug, Default, Clone)]
pub struct Applied {
    pub changed: Vec<String>,
    pub ignored: Vec<String>,
    pub dropped: Vec<String>,
}

impl Phone {
    pub fn new(
        identity: Identity,
        settings: Settings,
        config: Config,
        clock: SimClock,
        requests: mpsc::UnboundedSender<ResyncRequest>,
        http: reqwest::Client,
        tls: Option<Arc<TlsIdentity>>,
    ) -> Phone {
        let start = clock.stamp(0.0);
        Phone {
            identity,
            settings,
            clock,
            state: Mutex::new(State {
                config,
                call_active: false,
                faults: Faults::default(),
                provisioning: VecDeque::new(),
                reboot_history: VecDeque::from([format!("[{start}]Power Cycle")]),
                log: VecDeque::new(),
                prov_state: ProvisioningState::Idle,
                rebooting: false,
                last_attempt: None,
                last_success: None,
                failures: 0,
                retry_due: None,
                periodic_due: None,
                periodic_index: 0,
                periodic_schedule: String::new(),
                last_error: String::new(),
                prvst: 0,
                upgrades: Vec::new(),
                last_upgrade: None,
            }),
            events: EventLog::default(),
            changed: watch::channel(0).0,
            power: watch::channel(true).0,
            requests,
            digest: DigestServer::default(),
            tls: RwLock::new(tls),
            http,
            shutdown: CancellationToken::new(),
            addr: Mutex::new(None),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn event(&self, kind: EventKind) {
        let now = self.clock.now();
        if let Some(line) = log_line(&kind) {
            let stamp = self.clock.stamp(now);
            let mut state = self.state();
            state.log.push_back(format!("{stamp} {line}"));
            if state.log.len() > 1000 {
                state.log.pop_front();
            }
        }
        self.events.push(self.clock.rfc3339(now), now, kind);
    }

    /// Wakes the engine to re-check its conditions.
    pub fn touch(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn is_mpp(&self) -> bool {
        self.identity.family() == Family::Mpp
    }

    pub fn config_value(&self, name: &str) -> String {
        self.state().config.value(name).to_string()
    }

    /// Applies `<flat-profile>` text: unknown ignored, last duplicate wins, missing left alone,
    /// dropped-parameter fault honoured.
    pub fn apply_profile(&self, text: &str) -> Result<Applied, String> {
        let values = read_profile(text)?;
        let mut state = self.state();
        let before = state.config.clone();
        let mut applied = Applied::default();
        for v in &values {
            let known = self
                .settings
                .replay
                .as_ref()
                .is_none_or(|r| r.knows(&v.name));
            if !state.config.contains(&v.name) || !known {
                if !applied.ignored.contains(&v.name) {
                    applied.ignored.push(v.name.clone());
                }
            } else if state.faults.drops(&v.name) {
                if !applied.dropped.contains(&v.name) {
                    applied.dropped.push(v.name.clone());
                }
            } else {
                state.config.set(&v.name, &v.value);
            }
        }
        for v in &values {
            if before.get(&v.name) != state.config.get(&v.name)
                && !applied.changed.contains(&v.name)
            {
                applied.changed.push(v.name.clone());
            }
        }
        if !applied.changed.is_empty() {
            // Schedules may have changed: the next periodic/daily time is computed afresh.
            state.periodic_due = None;
        }
        drop(state);
        if !applied.changed.is_empty() {
            self.touch();
        }
        Ok(applied)
    }

    /// Sets values as the phone's keypad/web form would (control interface).
    pub fn set_values(&self, values: &[(String, String)]) -> Vec<String> {
        let mut unknown = Vec::new();
        for (name, value) in values {
            let known = self.state().config.contains(name);
            if known {
                let mut state = self.state();
                state.config.set(name, value);
                state.periodic_due = None;
                drop(state);
                self.event(EventKind::ValueSet {
                    name: name.clone(),
                    value: if is_secret_name(name) {
                        "********".into()
                    } else {
                        value.clone()
                    },
                });
            } else {
                unknown.push(name.clone());
            }
        }
        self.touch();
        unknown
    }

    pub fn set_call(&self, active: bool) {
        let was = std::mem::replace(&mut self.state().call_active, active);
        if was != active {
            self.event(if active {
                EventKind::CallStarted
            } else {
                EventKind::CallEnded
            });
            self.touch();
        }
    }

    pub fn push_provisioning(&self, status: &str, reason: &str) {
        let time = self.clock.stamp(self.clock.now());
        let mut state = self.state();
        state.provisioning.push_front(ProvisioningStatus {
            status: status.into(),
            time,
            reason: reason.into(),
        });
        state.provisioning.truncate(3);
    }

    /// Macros for rules, triggers and log messages.
    pub fn macros(&self) -> Macros {
        let now = self.clock.now();
        let state = self.state();
        let id = &self.identity;
        let mut m = Macros::default();
        m.set("MA", id.mac.lower_hex());
        m.set("MAU", id.mac.upper_hex());
        m.set("MAC", id.mac.colon());
        m.set("PN", id.model.name);
        m.set("PSN", id.model.series);
        m.set("SN", id.serial.clone());
        m.set("CCERT", "Not Installed");
        m.set("IP", self.settings.ip.to_string());
        m.set("EXTIP", "");
        m.set("SWVER", id.software_version());
        m.set("HWVER", id.model.hardware_version);
        m.set("VERSION", id.software_version());
        m.set("PRVST", state.prvst.to_string());
        m.set("UPGST", "0");
        m.set("UPGERR", "");
        let since = |t: Option<f64>| format!("{}", (now - t.unwrap_or(0.0)).max(0.0) as u64);
        m.set("PRVTMR", since(state.last_attempt));
        m.set("UPGTMR", since(state.last_upgrade));
        m.set("REGTMR1", since(None));
        m.set("REGTMR2", since(None));
        m.set("ERR", state.last_error.clone());
        m.set(
            "ISCUST",
            if state.last_success.is_some() {
                "1"
            } else {
                "0"
            },
        );
        for letter in 'A'..='P' {
            m.set(
                &letter.to_string(),
                state.config.value(&format!("GPP_{letter}")),
            );
        }
        for letter in 'A'..='D' {
            m.set(
                &format!("S{letter}"),
                state.config.value(&format!("GPP_S{letter}")),
            );
        }
        for n in 1..=self.identity.model.lines {
            m.set(
                &format!("UID{n}"),
                state.config.value(&format!("User_ID_{n}_")),
            );
        }
        m
    }

    /// The status dump items (element, value), in order. See the crate docs for the names.
    pub fn status_items(&self) -> Vec<(String, String)> {
        let now = self.clock.now();
        let id = &self.identity;
        let state = self.state();
        let host = match state.config.value("Host_Name") {
            "" => id.default_host_name(),
            h => h.to_string(),
        };
        let mut items: Vec<(String, String)> = vec![
            ("Product_Name".into(), id.model.name.into()),
            ("Serial_Number".into(), id.serial.clone()),
            ("Software_Version".into(), id.software_version()),
            ("Hardware_Version".into(), id.model.hardware_version.into()),
            ("MAC_Address".into(), id.mac.upper_hex()),
            ("Current_IP".into(), self.settings.ip.to_string()),
            ("Host_Name".into(), host),
            ("Domain".into(), state.config.value("Domain").into()),
            ("Current_Time".into(), self.clock.stamp(now)),
            ("Elapsed_Time".into(), format!("{}", now as u64)),
            (
                "Call_State".into(),
                if state.call_active {
                    "Connected"
                } else {
                    "Idle"
                }
                .into(),
            ),
            ("Provisioning_State".into(), state.prov_state.label().into()),
        ];
        for (i, p) in state.provisioning.iter().enumerate() {
            let n = i + 1;
            items.push((format!("Provisioning_Status_{n}"), p.status.clone()));
            items.push((format!("Provisioning_Time_{n}"), p.time.clone()));
            items.push((format!("Provisioning_Reason_{n}"), p.reason.clone()));
        }
        for n in 1..=self.identity.model.lines.min(4) {
            let registered = !state.config.value(&format!("Proxy_{n}_")).is_empty()
                && !state.config.value(&format!("User_ID_{n}_")).is_empty();
            items.push((
                format!("Registration_State_{n}_"),
                if registered {
                    "Registered"
                } else {
                    "Not Registered"
                }
                .into(),
            ));
        }
        items
    }

    /// What an SPA ATA's real `status.xml` reports (see `xml::write_ata_status_xml`).
    pub fn ata_status(&self) -> crate::xml::AtaStatus {
        let now = self.clock.now();
        let id = &self.identity;
        let state = self.state();
        let stamp = self
            .clock
            .wall_at(now)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%-m/%-d/%Y %H:%M:%S")
            .to_string();
        let whole = now.max(0.0) as u64;
        let elapsed = format!(
            "{:02}:{:02}:{:02}",
            whole / 3600,
            (whole / 60) % 60,
            whole % 60
        );
        let lines = (1..=id.model.lines)
            .map(|n| {
                let registered = !state.config.value(&format!("Proxy_{n}_")).is_empty()
                    && !state.config.value(&format!("User_ID_{n}_")).is_empty();
                // The emulated call is on line 1.
                let busy = n == 1 && state.call_active;
                crate::xml::AtaLine {
                    registered,
                    last_registration: if registered {
                        stamp.clone()
                    } else {
                        String::new()
                    },
                    off_hook: busy,
                    call_state: if busy { "Connected" } else { "Idle" }.into(),
                }
            })
            .collect();
        let mut lan = id.mac.0;
        lan[5] = lan[5].wrapping_add(1);
        crate::xml::AtaStatus {
            product: id.model.name.into(),
            serial: id.serial.clone(),
            software: id.software_version(),
            hardware: id.model.hardware_version.into(),
            current_time: stamp,
            elapsed,
            lines,
            ip: self.settings.ip.to_string(),
            mac: id.mac.colon(),
            lan_mac: crate::identity::Mac(lan).colon(),
        }
    }

    pub fn reboot_history(&self) -> Vec<String> {
        self.state().reboot_history.iter().cloned().collect()
    }

    /// Takes the phone down for the configured reboot time and brings it back.
    pub async fn reboot(&self, reason: &str) {
        let stamp = self.clock.stamp(self.clock.now());
        {
            let mut state = self.state();
            state
                .reboot_history
                .push_front(format!("[{stamp}]{reason}"));
            state.reboot_history.truncate(5);
            state.rebooting = true;
            state.prov_state = ProvisioningState::Rebooting;
            state.call_active = false;
            // A booting phone starts its periodic schedule from the first item again.
            state.periodic_index = 0;
            state.periodic_due = None;
        }
        self.event(EventKind::RebootStarted {
            reason: reason.into(),
        });
        self.power.send_replace(false);
        tokio::select! {
            _ = tokio::time::sleep(self.settings.reboot) => {}
            _ = self.shutdown.cancelled() => return,
        }
        {
            let mut state = self.state();
            state.rebooting = false;
            state.prov_state = ProvisioningState::Idle;
        }
        self.power.send_replace(true);
        self.event(EventKind::RebootFinished);
        self.touch();
        if reason != "Provisioning"
            && self.settings.resync_on_boot
            && self.state().config.is_yes("Resync_On_Reset")
        {
            let _ = self.requests.send(ResyncRequest {
                source: ResyncSource::PowerUp,
                rule: None,
            });
        }
    }
}

/// Names whose values never appear in logs.
pub fn is_secret_name(name: &str) -> bool {
    name.contains("Password") || name.starts_with("GPP_S")
}

fn log_line(kind: &EventKind) -> Option<String> {
    Some(match kind {
        EventKind::Request { .. } | EventKind::FaultsChanged => return None,
        EventKind::AuthRefused { path } => format!("web: access refused to {path}"),
        EventKind::ConfigPosted { changed, .. } => {
            format!("cfg: {} parameters changed by config.xml", changed.len())
        }
        EventKind::ValueSet { name, .. } => format!("cfg: {name} set locally"),
        EventKind::ResyncRequested { source, rule } => format!(
            "prov: resync requested ({source}){}",
            rule.as_ref()
                .map(|r| format!(" rule {r}"))
                .unwrap_or_default()
        ),
        EventKind::ResyncRefused { reason } => format!("prov: resync refused: {reason}"),
        EventKind::WaitingForIdle { max_secs } => {
            format!("prov: line active, resync waits for idle (at most {max_secs} s)")
        }
        EventKind::ResyncStarted { source } => format!("prov: resync started ({source})"),
        EventKind::Assigned { changed } => format!("prov: rule assigned {}", changed.join(", ")),
        EventKind::ProfileFetched { url, bytes, .. } => {
            format!("prov: fetched {url} ({bytes} bytes)")
        }
        EventKind::ProfileApplied { url, changed, .. } => {
            format!("prov: applied {url}: {} changed", changed.len())
        }
        EventKind::ResyncSucceeded { .. } => "prov: resync successful".into(),
        EventKind::ResyncFailed { error } => format!("prov: resync failed: {error}"),
        EventKind::RetryScheduled { in_secs } => format!("prov: retry in {in_secs} s"),
        EventKind::ResyncSuppressed { reason } => format!("prov: resync suppressed: {reason}"),
        EventKind::RebootStarted { reason } => format!("sys: reboot ({reason})"),
        EventKind::RebootFinished => "sys: up".into(),
        EventKind::Syslog { line, .. } => format!("syslog: {line}"),
        EventKind::CallStarted => "call: connected".into(),
        EventKind::CallEnded => "call: ended".into(),
        EventKind::UpgradeRequested { url } => format!("upg: upgrade requested from {url}"),
        EventKind::CertificateRotated { .. } => "web: new certificate".into(),
    })
}
