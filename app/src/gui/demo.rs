//! `phoneprov --demo`: a handful of emulated phones (phone-sim) on this computer, so a new
//! user sees the whole flow without a LAN. They are real HTTP phones on 127.0.0.1; the app
//! treats them like any other phone (it learns their model and state by talking to them).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use phone_sim::{PhoneConfig, PhoneSim, RunningPhone, SimError};

/// The admin password of the demo phone that has one (shown in the demo banner).
pub const DEMO_PASSWORD: &str = "demo";

/// One demo phone as the list should name it.
#[derive(Debug, Clone)]
pub struct DemoPhone {
    /// The name a technician would give it.
    pub name: String,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// What makes it interesting, for the banner.
    pub role: String,
    /// Started on a call: the banner offers to end it (and start another).
    pub takes_calls: bool,
}

/// The running emulated phones; they stop when this is dropped with the runtime.
pub struct DemoPhones {
    pub phones: Vec<DemoPhone>,
    running: Vec<RunningPhone>,
}

impl DemoPhones {
    pub fn running(&self) -> &[RunningPhone] {
        &self.running
    }

    /// Whether demo phone `index` is on a call (in-process state: no network involved).
    pub fn call_active(&self, index: usize) -> bool {
        self.running
            .get(index)
            .is_some_and(|phone| phone.control().call_active())
    }

    /// Starts or ends a call on demo phone `index`, as the person at the desk would.
    pub fn set_call(&self, index: usize, active: bool) {
        if let Some(phone) = self.running.get(index) {
            let control = phone.control();
            if active {
                control.start_call();
            } else {
                control.end_call();
            }
        }
    }
}

/// How many phones the demo starts.
pub const DEMO_PHONE_COUNT: usize = 4;

/// Starts the demo phones on free ports of 127.0.0.1.
pub async fn start() -> Result<DemoPhones, SimError> {
    start_at([SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0); DEMO_PHONE_COUNT]).await
}

/// Starts the demo phones: two MPP models, one busy on a call, one with a password, one SPA,
/// listening on `listen` in that order. Their MACs are fixed, so a demo always looks the same
/// (the snapshot tests pin the addresses too).
pub async fn start_at(listen: [SocketAddr; DEMO_PHONE_COUNT]) -> Result<DemoPhones, SimError> {
    // Minutes of phone time pass in seconds, so schedules and retries show quickly.
    let quick = |config: PhoneConfig, mac: &str| PhoneConfig {
        time_scale: 30.0,
        reboot_secs: 3.0,
        mac: Some(mac.to_string()),
        ..config
    };
    let plan = [
        (
            "Reception",
            "CP-8861-3PCC, firmware 11.3.7",
            quick(
                PhoneConfig {
                    firmware: Some("11.3.7".into()),
                    ..PhoneConfig::model("CP-8861-3PCC")
                },
                "00:56:2b:0d:00:01",
            ),
            false,
        ),
        (
            "Warehouse",
            "CP-7841-3PCC on a call: it applies changes only when the call ends",
            quick(
                PhoneConfig {
                    firmware: Some("12.0.1".into()),
                    ..PhoneConfig::model("CP-7841-3PCC")
                },
                "00:56:2b:0d:00:02",
            ),
            true,
        ),
        (
            "Manager",
            "CP-8845-3PCC with an admin password (\"demo\")",
            quick(
                PhoneConfig::model("CP-8845-3PCC").with_password(DEMO_PASSWORD),
                "70:db:98:0d:00:03",
            ),
            false,
        ),
        (
            "Lobby SPA",
            "SPA504G, firmware 7.6.2 (the older SPA family)",
            quick(
                PhoneConfig {
                    firmware: Some("7.6.2".into()),
                    ..PhoneConfig::model("SPA504G")
                },
                "00:0e:08:0d:00:04",
            ),
            false,
        ),
    ];
    let mut phones = Vec::new();
    let mut running = Vec::new();
    for ((name, role, config, busy), listen) in plan.into_iter().zip(listen) {
        let phone = PhoneSim::start(PhoneConfig { listen, ..config }).await?;
        if busy {
            phone.control().start_call();
        }
        phones.push(DemoPhone {
            name: name.to_string(),
            url: phone.url(),
            role: role.to_string(),
            takes_calls: busy,
        });
        running.push(phone);
    }
    Ok(DemoPhones { phones, running })
}
