//! Shared helpers for the end-to-end tests: phoneprov's engine against in-process phone-sim
//! phones on 127.0.0.1.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use phone_sim::{PhoneConfig, PhoneSim, RunningPhone};
use phoneprov::phone::{ClientOptions, Credentials, Phone, PhoneAddress, Secret};
use phoneprov::provision::{
    ApplyError, ApplyOptions, ApplyReport, Engine, EventKind, EventSink, ProvisionEvent, ViaChoice,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// An engine with its own data directory.
pub struct Setup {
    pub engine: Arc<Engine>,
    pub dir: tempfile::TempDir,
}

pub fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(Engine::open(dir.path()).unwrap());
    Setup { engine, dir }
}

/// A phone-sim phone that reboots quickly (tests that are about reboots set their own time).
pub async fn sim(config: PhoneConfig) -> RunningPhone {
    PhoneSim::start(PhoneConfig {
        reboot_secs: if config.reboot_secs == PhoneConfig::default().reboot_secs {
            0.3
        } else {
            config.reboot_secs
        },
        ..config
    })
    .await
    .unwrap()
}

pub fn phone_for(engine: &Engine, sim: &RunningPhone, password: Option<&str>) -> Arc<Phone> {
    phone_with_timeout(engine, sim, password, Duration::from_secs(10))
}

/// A phone handle whose requests may take up to `request_timeout` each.
pub fn phone_with_timeout(
    engine: &Engine,
    sim: &RunningPhone,
    password: Option<&str>,
    request_timeout: Duration,
) -> Arc<Phone> {
    let address: PhoneAddress = sim.url().parse().unwrap();
    Arc::new(
        engine
            .phone(
                address,
                Credentials::new("admin", password.map(Secret::new)),
                ClientOptions {
                    connect_timeout: Duration::from_secs(2),
                    request_timeout,
                    ..ClientOptions::default()
                },
            )
            .unwrap(),
    )
}

/// The Configuration Profile of the 10.4 article's worked example (configuration-profile.md).
pub fn worked_example() -> Vec<(String, String)> {
    [
        ("Provision_Enable", "Yes"),
        ("Resync_On_Reset", "Yes"),
        ("Resync_Random_Delay", "3"),
        ("Resync_At__HHmm_", "1800"),
        ("Resync_At_Random_Delay", "666"),
        ("Resync_Periodic", "3665"),
        ("Resync_Error_Retry_Delay", "3601"),
        ("Forced_Resync_Delay", "14401"),
        ("Resync_From_SIP", "Yes"),
        ("Resync_Fails_On_FNF", "Yes"),
        (
            "Profile_Rule",
            "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml",
        ),
        ("User_Configurable_Resync", "Yes"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect()
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Options for tests: short timeouts, fast polling.
pub fn options(via: ViaChoice) -> ApplyOptions {
    ApplyOptions {
        via,
        timeout: Duration::from_secs(20),
        reach_timeout: Duration::from_secs(5),
        settle: Duration::from_secs(1),
        max_poll_interval: Duration::from_millis(150),
        ..ApplyOptions::default()
    }
}

/// Runs `apply` in a task and hands every event to `on_event` as it arrives.
pub async fn apply_watching(
    engine: &Arc<Engine>,
    phone: &Arc<Phone>,
    changes: Vec<(String, String)>,
    options: ApplyOptions,
    mut on_event: impl FnMut(&EventKind),
) -> (Result<ApplyReport, ApplyError>, Vec<EventKind>) {
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let sink = EventSink::new(phone.address().key(), sender);
    let task = {
        let engine = engine.clone();
        let phone = phone.clone();
        tokio::spawn(async move {
            engine
                .apply(&phone, &changes, &options, &sink, &CancellationToken::new())
                .await
        })
    };
    let events = collect_events(&mut receiver, &mut on_event).await;
    (task.await.unwrap(), events)
}

/// Every event until the sink is dropped, each handed to `on_event` as it arrives.
pub async fn collect_events(
    receiver: &mut mpsc::UnboundedReceiver<ProvisionEvent>,
    on_event: &mut impl FnMut(&EventKind),
) -> Vec<EventKind> {
    let mut events = Vec::new();
    while let Some(event) = receiver.recv().await {
        // Shown when a test fails: the states as they passed.
        eprintln!("{}", event.summary());
        on_event(&event.kind);
        events.push(event.kind);
    }
    events
}

pub async fn apply(
    engine: &Arc<Engine>,
    phone: &Arc<Phone>,
    changes: Vec<(String, String)>,
    options: ApplyOptions,
) -> (Result<ApplyReport, ApplyError>, Vec<EventKind>) {
    apply_watching(engine, phone, changes, options, |_| {}).await
}

/// The states an operation passed, as short names, in order.
pub fn states(events: &[EventKind]) -> Vec<&'static str> {
    events
        .iter()
        .map(|e| match e {
            EventKind::Validated { .. } => "validated",
            EventKind::CertificateTrusted { .. } => "certificate-trusted",
            EventKind::PasswordInClear => "password-in-clear",
            EventKind::Compared { .. } => "compared",
            EventKind::NothingToChange => "nothing-to-change",
            EventKind::SnapshotSaved { .. } => "snapshot-saved",
            EventKind::Sent { .. } => "sent",
            EventKind::WaitingForIdle => "waiting-for-idle",
            EventKind::ProfileFetched { .. } => "profile-fetched",
            EventKind::FallingBack { .. } => "falling-back",
            EventKind::Rebooting => "rebooting",
            EventKind::BackOnline => "back-online",
            EventKind::Applied { .. } => "applied",
            EventKind::Verified { .. } => "verified",
            EventKind::ResyncRequested { .. } => "resync-requested",
            EventKind::ResyncFinished { .. } => "resync-finished",
            EventKind::Syslog { .. } => "syslog",
            EventKind::Note { .. } => "note",
            EventKind::Failed { .. } => "failed",
        })
        .collect()
}

/// Values as the phone holds them (phone-sim's own view, not phoneprov's reading).
pub fn sim_values(sim: &RunningPhone, names: &[(String, String)]) -> Vec<(String, String)> {
    let control = sim.control();
    names
        .iter()
        .map(|(n, _)| (n.clone(), control.value(n).unwrap_or_default()))
        .collect()
}

/// The `phoneprov` binary next to this test's (`scripts/test` builds it first).
pub fn phoneprov_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join(format!("phoneprov{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it first with `cargo build -p phoneprov`",
        path.display()
    );
    path
}

/// Runs the `phoneprov` binary with its own data directory and no password from the
/// environment, off the runtime (the emulated phones live on it).
pub async fn run_cli(data: impl AsRef<std::path::Path>, args: &[&str]) -> std::process::Output {
    run_cli_with_password(data, args, None).await
}

/// [`run_cli`] with `password` in `PHONEPROV_PASSWORD`.
pub async fn run_cli_with_password(
    data: impl AsRef<std::path::Path>,
    args: &[&str],
    password: Option<&str>,
) -> std::process::Output {
    let mut command = std::process::Command::new(phoneprov_binary());
    command
        .args(args)
        .env("PHONEPROV_DATA_DIR", data.as_ref())
        .env_remove("PHONEPROV_PASSWORD");
    if let Some(password) = password {
        command.env("PHONEPROV_PASSWORD", password);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// Bytes a command printed, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Everything a command printed: its output, then its errors.
pub fn printed(output: &std::process::Output) -> String {
    format!("{}{}", text(&output.stdout), text(&output.stderr))
}
