//! phone-sim: emulated Cisco IP Phone 7800/8800 Multiplatform (MPP) and Cisco/Linksys SPA
//! phones, implemented from `../shared/spec` independently of phoneprov (own XML, own rule
//! and condition evaluation). Used by phoneprov's tests, benchmark and `phoneprov --demo`.
//!
//! # Library
//! ```no_run
//! # async fn demo() -> Result<(), phone_sim::SimError> {
//! use phone_sim::{Auth, Faults, PhoneConfig, PhoneSim};
//! let phone = PhoneSim::start(PhoneConfig {
//!     model: "CP-8861-3PCC".into(),
//!     admin_password: Some("secret".into()),
//!     auth: Auth::XPassword,
//!     time_scale: 600.0, // ten phone minutes per real second
//!     ..PhoneConfig::default() // 127.0.0.1:0, HTTP, firmware 11.3.7, reboot 2 s
//! })
//! .await?;
//! println!("{} {}", phone.url(), phone.mac()); // http://127.0.0.1:PORT 00562b……
//! let control = phone.control();
//! control.start_call();                          // the phone is busy: resyncs wait
//! control.set_faults(Faults { error_500: 1, ..Faults::default() });
//! let events = control.events();                 // what the phone did, in order
//! let value = control.value("Resync_Periodic");  // configuration snapshot
//! let many = PhoneSim::start_many(&PhoneConfig::default(), 100).await?; // 100 phones
//! phone.stop().await;
//! # let _ = (events, value, many); Ok(()) }
//! ```
//!
//! # HTTP interface (as the firmware)
//! `GET /admin/cfg.xml` (MPP; passwords hidden), `GET /admin/spacfg.xml` (SPA; `group`
//! attributes), `GET /admin/status.xml` and `/status.xml`, `POST /admin/config.xml`,
//! `GET /admin/resync[?RULE]` (URL-encoded brackets), `/admin/reboot`, `/admin/upgrade?URL`
//! (recorded only), `/admin/log/messages`, HTML at `/` and `/admin/advanced` (title names
//! the model). Credentials: `&xuser=admin&xpassword=P` after the query (or `?xuser=` when
//! there is none) for [`Auth::XPassword`]; HTTP Digest for [`Auth::Digest`]. Refusals:
//! 401 (credentials; Digest adds `WWW-Authenticate`), 403 (`Enable_Web_Admin_Access`,
//! `Enable_Direct_Action_Url` or, for `/admin/resync`, `Provision_Enable` = No);
//! `Enable_Web_Server` = No closes every connection unanswered.
//!
//! `status.xml` (element names are not documented by Cisco; these are the emulator's):
//! `<flat-status>` with `Product_Name`, `Serial_Number`, `Software_Version`,
//! `Hardware_Version`, `MAC_Address`, `Current_IP`, `Host_Name`, `Domain`, `Current_Time`,
//! `Elapsed_Time`, `Call_State` (`Idle`/`Connected`), `Provisioning_State` (`Idle`,
//! `Waiting For Idle`, `Resyncing`, `Rebooting`), `Provisioning_Status_N` (`Successful` /
//! `Failed`), `Provisioning_Time_N` (`MM/DD/YY HH:MM:SS`), `Provisioning_Reason_N` (URL or
//! error) for N = 1..3 newest first, `Registration_State_N_`, and
//! `<Reboot_History><Reboot_Reason_1>[MM/DD/YY HH:MM:SS]Provisioning</Reboot_Reason_1>…`.
//!
//! # Control interface (`/__sim/…`, JSON, no auth)
//! `GET /__sim/info`, `GET /__sim/events[?since=SEQ]`, `POST /__sim/call/start`,
//! `POST /__sim/call/end`, `GET|POST|DELETE /__sim/faults` ([`Faults`] as JSON),
//! `GET /__sim/config` (every value, passwords included), `POST /__sim/config`
//! (`{"Name":"value"}`, as if typed at the phone), `POST /__sim/certificate/rotate`,
//! `POST /__sim/reboot`.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod auth;
mod clock;
mod control;
mod engine;
mod events;
mod faults;
mod fetch;
mod identity;
mod params;
mod phone;
mod replay;
mod rules;
mod server;
mod tftp;
mod tls;
mod xml;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

pub use auth::Auth;
pub use control::Info;
pub use events::{Event, EventKind};
pub use faults::{CHANGED_PASSWORD, Faults};
pub use identity::{Family, FirmwareLine, Identity, Mac, Model};
pub use phone::{ProvisioningState, ProvisioningStatus};
pub use replay::Replay;
pub use tftp::{TftpError, tftp_get};

use phone::{Phone, ResyncRequest, ResyncSource, Settings};

/// Errors of the emulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("unknown model '{model}'; known models: {known}")]
    UnknownModel { model: String, known: String },
    #[error("'{0}' is not a MAC address")]
    BadMac(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error("HTTP client: {0}")]
    Http(String),
    #[error("mDNS: {0}")]
    Mdns(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
}

/// How to start one phone. `PhoneConfig::default()` is an idle CP-8861-3PCC on 11.3.7
/// listening on `127.0.0.1:<ephemeral>` over HTTP with no password.
#[derive(Debug, Clone)]
pub struct PhoneConfig {
    /// Where the web server listens; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Product name, e.g. `CP-7841-3PCC`, `CP-8851-3PCC`, `SPA504G`, `SPA112`.
    pub model: String,
    /// `11.3.7`, `12.0.1`, `10.4.1`, `7.6.2`; `None` = the model's default.
    pub firmware: Option<String>,
    /// `None` = a fresh Cisco MAC, distinct within this process.
    pub mac: Option<String>,
    pub serial: Option<String>,
    pub auth: Auth,
    /// `Admin_Password` (empty when `None`).
    pub admin_password: Option<String>,
    /// Serve HTTPS with a self-signed certificate instead of HTTP.
    pub https: bool,
    /// Announce `_http._tcp` / `_https._tcp` by mDNS (real phones do not).
    pub mdns: bool,
    /// Real seconds the phone is unreachable while it reboots.
    pub reboot_secs: f64,
    /// Phone seconds per real second (600 = ten minutes pass each second).
    pub time_scale: f64,
    /// The TFTP server "DHCP option 66" names, used by rules without a server.
    pub tftp_server: Option<SocketAddr>,
    /// Resync at start (after `Resync_Random_Delay`) and after non-provisioning reboots, as
    /// `Resync_On_Reset` = Yes does on a real phone. Off by default to keep phones quiet.
    pub resync_on_boot: bool,
    /// The phone's IP as it reports it; `None` = the listen address (127.0.0.1 if unspecified).
    pub ip: Option<IpAddr>,
    /// Initial values that differ from the defaults (`("Syslog_Server", "127.0.0.1:5514")`).
    pub values: Vec<(String, String)>,
    /// Serve a captured phone ([`Replay`]): model, MAC, serial, firmware and values come
    /// from the capture, and its pages are answered as captured.
    pub replay: Option<Arc<Replay>>,
}

impl Default for PhoneConfig {
    fn default() -> Self {
        PhoneConfig {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            model: "CP-8861-3PCC".into(),
            firmware: None,
            mac: None,
            serial: None,
            auth: Auth::None,
            admin_password: None,
            https: false,
            mdns: false,
            reboot_secs: 2.0,
            time_scale: 1.0,
            tftp_server: None,
            resync_on_boot: false,
            ip: None,
            values: Vec::new(),
            replay: None,
        }
    }
}

impl PhoneConfig {
    /// A default phone of `model`.
    pub fn model(model: &str) -> Self {
        PhoneConfig {
            model: model.into(),
            ..PhoneConfig::default()
        }
    }

    /// Sets the admin password and the family's usual way of asking for it
    /// (MPP: `xpassword`, SPA: HTTP Digest).
    pub fn with_password(mut self, password: &str) -> Self {
        self.admin_password = Some(password.into());
        self.auth = match Model::find(&self.model).map(|m| m.family) {
            Ok(Family::Spa) => Auth::Digest,
            _ => Auth::XPassword,
        };
        self
    }
}

/// Starts phones.
pub struct PhoneSim;

impl PhoneSim {
    /// Starts one phone; returns once it answers on its address.
    pub async fn start(config: PhoneConfig) -> Result<RunningPhone, SimError> {
        // reqwest and the TLS server use rustls with the ring provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = match config.replay.clone() {
            Some(replay) => replay.phone_config(config),
            None => config,
        };
        let model = Model::find(&config.model)?;
        let mac = match &config.mac {
            Some(m) => Mac::parse(m)?,
            None => identity::next_mac(model.family),
        };
        let identity = Identity::new(model, mac, config.serial.clone(), config.firmware.clone());
        let listener = server::bind(config.listen).map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
        let ip = config.ip.unwrap_or(if addr.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            addr.ip()
        });
        let tls = if config.https {
            Some(Arc::new(tls::TlsIdentity::generate(vec![
                ip.to_string(),
                "localhost".into(),
            ])?))
        } else {
            None
        };
        let mut cfg = params::default_config(
            &identity,
            config.https,
            config.admin_password.as_deref().unwrap_or(""),
        );
        if let Some(replay) = &config.replay {
            for (name, value) in replay.start_values() {
                cfg.set_or_add(&name, &value);
            }
        }
        if config.replay.is_none() {
            // A replayed phone reports the port it was captured on.
            cfg.set("Web_Server_Port", &addr.port().to_string());
        }
        for (name, value) in &config.values {
            cfg.set(name, value);
        }
        let source_ip = (!addr.ip().is_unspecified()).then_some(addr.ip());
        let http = fetch::http_client(&identity.user_agent(), source_ip)
            .map_err(|e| SimError::Http(e.to_string()))?;
        let (requests_tx, requests_rx) = tokio::sync::mpsc::unbounded_channel();
        let settings = Settings {
            auth: config.auth,
            https: config.https,
            reboot: Duration::from_secs_f64(config.reboot_secs.clamp(0.0, 86_400.0)),
            tftp_server: config.tftp_server,
            ip,
            source_ip,
            resync_on_boot: config.resync_on_boot,
            replay: config.replay.clone(),
        };
        let phone = Arc::new(Phone::new(
            identity,
            settings,
            cfg,
            clock::SimClock::new(config.time_scale),
            requests_tx,
            http,
            tls,
        ));
        *phone.addr.lock().unwrap_or_else(|e| e.into_inner()) = Some(addr);
        let server = tokio::spawn(server::serve(phone.clone(), listener));
        let engine = tokio::spawn(engine::run(phone.clone(), requests_rx));
        let mdns = if config.mdns {
            Some(announce(&phone, ip, addr.port())?)
        } else {
            None
        };
        Ok(RunningPhone {
            phone,
            addr,
            tasks: vec![server, engine],
            mdns,
        })
    }

    /// Starts `count` phones like `template` (ports: template port + i, or ephemeral when 0),
    /// each with its own MAC.
    pub async fn start_many(
        template: &PhoneConfig,
        count: usize,
    ) -> Result<Vec<RunningPhone>, SimError> {
        let configs = (0..count).map(|i| {
            let mut config = template.clone();
            config.mac = None;
            config.serial = None;
            if template.listen.port() != 0 {
                config
                    .listen
                    .set_port(template.listen.port().saturating_add(i as u16));
            }
            config
        });
        let started = futures::future::join_all(configs.map(PhoneSim::start)).await;
        started.into_iter().collect()
    }
}

fn announce(phone: &Phone, ip: IpAddr, port: u16) -> Result<mdns_sd::ServiceDaemon, SimError> {
    let err = |e: mdns_sd::Error| SimError::Mdns(e.to_string());
    let daemon = mdns_sd::ServiceDaemon::new().map_err(err)?;
    let id = &phone.identity;
    let service = if phone.settings.https {
        "_https._tcp.local."
    } else {
        "_http._tcp.local."
    };
    let instance = format!("{} {}", id.model.name, id.mac.upper_hex());
    let host = format!("{}.local.", id.default_host_name());
    let properties = [
        ("model", id.model.name.to_string()),
        ("mac", id.mac.colon()),
        ("firmware", id.firmware.clone()),
        ("serial", id.serial.clone()),
    ];
    let info = mdns_sd::ServiceInfo::new(service, &instance, &host, ip, port, &properties[..])
        .map_err(err)?;
    daemon.register(info).map_err(err)?;
    Ok(daemon)
}

/// A phone that runs until [`RunningPhone::stop`] (or drop).
pub struct RunningPhone {
    phone: Arc<Phone>,
    addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
    mdns: Option<mdns_sd::ServiceDaemon>,
}

impl std::fmt::Debug for RunningPhone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningPhone")
            .field("url", &self.url())
            .field("model", &self.phone.identity.model.name)
            .field("mac", &self.mac())
            .finish()
    }
}

impl RunningPhone {
    /// `http://127.0.0.1:PORT` (or `https://…`).
    pub fn url(&self) -> String {
        let scheme = if self.phone.settings.https {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// MAC as lowercase hex (`00562b043615`).
    pub fn mac(&self) -> String {
        self.phone.identity.mac.lower_hex()
    }

    pub fn model(&self) -> &str {
        self.phone.identity.model.name
    }

    pub fn identity(&self) -> &Identity {
        &self.phone.identity
    }

    /// A handle for tests and demos (cheap to clone, usable after `stop`).
    pub fn control(&self) -> PhoneControl {
        PhoneControl {
            phone: self.phone.clone(),
        }
    }

    /// Stops the phone: closes its listener and ends its tasks.
    pub async fn stop(mut self) {
        self.phone.shutdown.cancel();
        if let Some(daemon) = self.mdns.take() {
            let _ = daemon.shutdown();
        }
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningPhone {
    fn drop(&mut self) {
        self.phone.shutdown.cancel();
        if let Some(daemon) = self.mdns.take() {
            let _ = daemon.shutdown();
        }
    }
}

/// Test/demo control of a running phone (the library twin of `/__sim/…`).
#[derive(Debug, Clone)]
pub struct PhoneControl {
    phone: Arc<Phone>,
}

impl PhoneControl {
    pub fn info(&self) -> Info {
        control::info(&self.phone)
    }
    /// A call starts: resyncs wait until it ends (at most `Forced_Resync_Delay`).
    pub fn start_call(&self) {
        self.phone.set_call(true);
    }
    pub fn end_call(&self) {
        self.phone.set_call(false);
    }
    pub fn call_active(&self) -> bool {
        self.phone.state().call_active
    }
    pub fn set_faults(&self, faults: Faults) {
        self.phone.state().faults = faults;
        self.phone.event(EventKind::FaultsChanged);
    }
    pub fn faults(&self) -> Faults {
        self.phone.state().faults.clone()
    }
    pub fn clear_faults(&self) {
        self.set_faults(Faults::default());
    }
    /// The phone will silently refuse to change `name` (POST and resync still succeed).
    pub fn drop_param(&self, name: &str) {
        let mut faults = self.faults();
        faults.drop_params.push(name.into());
        self.set_faults(faults);
    }
    pub fn events(&self) -> Vec<Event> {
        self.phone.events.all()
    }
    pub fn events_since(&self, seq: u64) -> Vec<Event> {
        self.phone.events.since(seq)
    }
    /// The `seq` of the newest event (0 when none).
    pub fn last_event_seq(&self) -> u64 {
        self.phone.events.all().last().map_or(0, |e| e.seq)
    }
    /// Waits (without sleeping blindly) until an event matching `pred` is logged; looks at
    /// events already logged too. `None` after `timeout` (real time).
    pub async fn wait_for_event(
        &self,
        timeout: Duration,
        pred: impl Fn(&EventKind) -> bool,
    ) -> Option<Event> {
        self.wait_for_event_after(0, timeout, pred).await
    }
    /// As [`PhoneControl::wait_for_event`], only among events with `seq > after`
    /// (take `after` from the last event of [`PhoneControl::events`] before acting).
    pub async fn wait_for_event_after(
        &self,
        after: u64,
        timeout: Duration,
        pred: impl Fn(&EventKind) -> bool,
    ) -> Option<Event> {
        let mut changed = self.phone.events.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(e) = self
                .phone
                .events
                .since(after)
                .into_iter()
                .find(|e| pred(&e.kind))
            {
                return Some(e);
            }
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return None,
                r = changed.changed() => if r.is_err() { return None },
            }
        }
    }
    /// Every parameter and its value (passwords included), in page order.
    pub fn config(&self) -> Vec<(String, String)> {
        self.phone
            .state()
            .config
            .params()
            .iter()
            .map(|p| (p.name.clone(), p.value.clone()))
            .collect()
    }
    pub fn value(&self, name: &str) -> Option<String> {
        self.phone.state().config.get(name).map(str::to_string)
    }
    /// Sets a value as if typed at the phone. `false` when the phone has no such parameter.
    pub fn set_value(&self, name: &str, value: &str) -> bool {
        self.phone
            .set_values(&[(name.to_string(), value.to_string())])
            .is_empty()
    }
    /// Asks for a resync as `/admin/resync[?rule]` does (Provision_Enable is not checked here).
    pub fn resync(&self, rule: Option<&str>) {
        let _ = self.phone.requests.send(ResyncRequest {
            source: ResyncSource::Direct,
            rule: rule.map(str::to_string),
        });
    }
    /// Reboots now (reason `Web Request`).
    pub async fn reboot(&self) {
        self.phone.reboot("Web Request").await;
    }
    /// Whether the phone answers (not rebooting, not powered off).
    pub fn is_up(&self) -> bool {
        !self.phone.state().rebooting && *self.phone.power.borrow()
    }
    /// Pulls the plug: the phone closes its port and every connection until `power_on`.
    pub fn power_off(&self) {
        self.phone.power.send_replace(false);
    }
    /// Plugs the phone back in (configuration kept, as after a power cycle).
    pub fn power_on(&self) {
        self.phone.power.send_replace(true);
        self.phone.touch();
    }
    pub fn reboot_history(&self) -> Vec<String> {
        self.phone.reboot_history()
    }
    pub fn provisioning_status(&self) -> Vec<ProvisioningStatus> {
        self.phone.state().provisioning.iter().cloned().collect()
    }
    pub fn provisioning_state(&self) -> ProvisioningState {
        self.phone.state().prov_state
    }
    /// Firmware upgrade URLs requested through `/admin/upgrade`.
    pub fn upgrades(&self) -> Vec<String> {
        self.phone.state().upgrades.clone()
    }
    /// A new self-signed certificate (HTTPS phones). Returns its SHA-256 (hex).
    pub fn rotate_certificate(&self) -> Result<String, SimError> {
        control::rotate_certificate(&self.phone)
    }
    pub fn certificate_pem(&self) -> Option<String> {
        self.tls(|t| t.cert_pem.clone())
    }
    pub fn certificate_der(&self) -> Option<Vec<u8>> {
        self.tls(|t| t.cert_der.clone())
    }
    pub fn certificate_sha256(&self) -> Option<String> {
        self.tls(|t| t.sha256.clone())
    }
    fn tls<T>(&self, f: impl Fn(&tls::TlsIdentity) -> T) -> Option<T> {
        self.phone
            .tls
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_deref()
            .map(f)
    }
    /// Phone time in seconds since start (scaled).
    pub fn phone_secs(&self) -> f64 {
        self.phone.clock.now()
    }
}
