//! Secrets after a whole session: a phone with an admin password and a Profile_Rule carrying a
//! profile-server login; every command a technician would run (read, set, resync, history,
//! rollback, `--json`), debug logging on, then what the window writes (the state file, an
//! exported profile, the activity log). No output and no file phoneprov wrote may hold the
//! password or the login. Plain HTTP with `xpassword` is said once per phone.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use phone_sim::{PhoneConfig, RunningPhone};
use phoneprov::identity::FirmwareLine;
use phoneprov::phone::StatusPage;
use phoneprov::provision::{EventSink, ProvisionEvent, ViaChoice};
use phoneprov::session::activity::ActivityLog;
use phoneprov::session::persist::{SavedState, StateFile};
use phoneprov::session::phones::Added;
use phoneprov::session::{engine_events, profile_files};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const ADMIN_PASSWORD: &str = "Zq9Admin-pw";
const RULE_UID: &str = "techuser7";
const RULE_PWD: &str = "Zq9Rule-pw";
const PROFILE_KEY: &str = "Zq9Key-aes";
const GPP_SECRET: &str = "Zq9Gpp-sa";
/// Everything that must never be shown or written.
const SECRETS: [&str; 5] = [ADMIN_PASSWORD, RULE_UID, RULE_PWD, PROFILE_KEY, GPP_SECRET];

fn rule_with_login() -> String {
    format!("[--uid {RULE_UID} --pwd {RULE_PWD}]https://prov.example.com/$MA.xml")
}

/// The session, command by command. `{phone}` is the phone's address, `{rule}` a one-off
/// resync rule with a login and a key, `{login_rule}` a Profile_Rule with a login. Adding an
/// output to the search is adding a line here.
const FLOW: &[&[&str]] = &[
    &["show", "{phone}"],
    &["show", "{phone}", "--json"],
    &["status", "{phone}"],
    &["status", "{phone}", "--json"],
    &["set", "{phone}", "Profile_Rule={login_rule}", "--dry-run"],
    &[
        "set",
        "{phone}",
        "Profile_Rule={login_rule}",
        "--dry-run",
        "--json",
    ],
    &[
        "set",
        "{phone}",
        "Resync_Periodic=7200",
        "GPP_SA=Zq9Gpp-sa",
        "--via",
        "post",
        "--json",
    ],
    &["set", "{phone}", "Resync_Periodic=7300", "--via", "push"],
    &["resync", "{phone}", "--rule", "{rule}", "--wait", "--json"],
    &["resync", "{phone}", "--rule", "{rule}"],
    &["history", "{phone}"],
    &["history", "{phone}", "--json"],
    &["rollback", "{phone}", "--via", "post"],
    &["rollback", "{phone}", "--via", "post", "--json"],
    &["capture", "{phone}", "-o", "{out}/capture.json"],
];

/// The directories phoneprov may write to, all inside one temporary root.
struct Home {
    root: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Home {
            root: tempfile::tempdir().unwrap(),
        }
    }

    fn dir(&self, name: &str) -> PathBuf {
        let dir = self.root.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    async fn run(&self, args: Vec<String>) -> Output {
        let mut command = std::process::Command::new(common::phoneprov_binary());
        command
            .args(&args)
            .env("PHONEPROV_PASSWORD", ADMIN_PASSWORD)
            .env("PHONEPROV_DATA_DIR", self.dir("data"))
            .env("PHONEPROV_CONFIG_DIR", self.dir("config"))
            .env("HOME", self.dir("home"))
            .env("XDG_DATA_HOME", self.dir("xdg-data"))
            .env("XDG_CONFIG_HOME", self.dir("xdg-config"))
            .env("XDG_CACHE_HOME", self.dir("xdg-cache"))
            .env("XDG_STATE_HOME", self.dir("xdg-state"))
            .env("TMPDIR", self.dir("tmp"))
            // Everything phoneprov logs, as a technician troubleshooting would turn it on.
            .env("RUST_LOG", "debug");
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }
}

/// Every file under `dir`, as text.
fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            found.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    found
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} holds {secret:?}:\n{text}");
    }
}

/// A provisioning server on 127.0.0.1 serving a small profile at `/p.xml`.
async fn profile_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/p.xml",
        axum::routing::get(|| async {
            "<flat-profile><Resync_Periodic>7400</Resync_Periodic></flat-profile>"
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/p.xml")
}

async fn password_phone() -> RunningPhone {
    common::sim(PhoneConfig {
        values: vec![("Profile_Rule".into(), rule_with_login())],
        ..PhoneConfig::model("CP-8861-3PCC").with_password(ADMIN_PASSWORD)
    })
    .await
}

const IN_CLEAR: &str = "password goes to this phone in clear";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_output_and_no_file_holds_a_password_or_a_login() {
    let sim = password_phone().await;
    let home = Home::new();
    let phone = sim.url();
    let rule = format!(
        "[--uid {RULE_UID} --pwd {RULE_PWD} --key {PROFILE_KEY}]{}",
        profile_server().await
    );
    for step in FLOW {
        let args: Vec<String> = step
            .iter()
            .map(|a| {
                a.replace("{phone}", &phone)
                    .replace("{rule}", &rule)
                    .replace("{login_rule}", &rule_with_login())
                    .replace("{out}", &home.dir("out").display().to_string())
            })
            .collect();
        let output = home.run(args.clone()).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.code().is_some_and(|c| c <= 1),
            "{args:?} failed to run: {stderr}"
        );
        assert_no_secret(&format!("the output of {args:?}"), &stdout);
        assert_no_secret(&format!("the errors of {args:?}"), &stderr);
        // The phone takes its password in clear: every command says so, once (the debug
        // log lines, `[time LEVEL module] …`, repeat what is said).
        let said = stderr
            .lines()
            .filter(|line| !line.starts_with('[') && line.contains(IN_CLEAR))
            .count();
        assert_eq!(
            said, 1,
            "{args:?} must say once that the password goes in clear:\n{stderr}"
        );
    }
    // The capture was written (and is searched below with every other file).
    assert!(home.dir("out").join("capture.json").is_file());
    // The flow did reach the phone: the secret value was set there.
    assert_eq!(sim.control().value("GPP_SA").as_deref(), Some(GPP_SECRET));

    // What the window writes: its state (with an edit holding a login in the form), an
    // exported profile, and the activity log with the engine's events.
    let config_dir = home.dir("config");
    let setup = common::setup();
    let engine = setup.engine.clone();
    let client = common::phone_for(&engine, &sim, Some(ADMIN_PASSWORD));
    let reading = client
        .read_with_identity(StatusPage::IfIdentityIncomplete)
        .await
        .unwrap();
    let mut state = SavedState::default();
    let id = match state.phones.add_manual(client.address().clone()) {
        Added::New(id) | Added::Existing(id) => id,
    };
    let mut activity = ActivityLog::default();
    for change in [("Resync_Periodic", "7500"), ("Resync_Periodic", "7600")] {
        let (sender, mut receiver) = mpsc::unbounded_channel::<ProvisionEvent>();
        let sink = EventSink::new(client.address().key(), sender);
        let changes = vec![(change.0.to_string(), change.1.to_string())];
        let report = engine
            .apply(
                &client,
                &changes,
                &common::options(ViaChoice::Post),
                &sink,
                &CancellationToken::new(),
            )
            .await;
        assert!(report.is_ok(), "{report:?}");
        drop(sink);
        let entry = state.phones.get_mut(id).unwrap();
        while let Some(event) = receiver.recv().await {
            if let Some(line) = engine_events::record(entry, &event) {
                activity.record(Some("Lobby".into()), line);
            }
        }
    }
    let log = activity.to_text(&jiff::tz::TimeZone::UTC);
    assert_eq!(
        log.matches(IN_CLEAR).count(),
        1,
        "said once per phone, not per operation:\n{log}"
    );
    std::fs::write(config_dir.join("activity.log"), &log).unwrap();

    let entry = state.phones.get_mut(id).unwrap();
    entry.form.load_phone_values(reading.config.values.clone());
    entry.form.set("Resync_At__HHmm_", "0230");
    entry.form.set(
        "Profile_Rule_B",
        &format!("[--key {PROFILE_KEY}]https://prov.example.com/b.xml"),
    );
    entry.form.set("GPP_SA", GPP_SECRET);
    let export = profile_files::export(&entry.form, FirmwareLine::Mpp11, false).unwrap();
    assert!(
        !export.left_out.is_empty(),
        "the rule with a login is left out"
    );
    phoneprov::storage::write_atomically(&config_dir.join("export.xml"), export.xml.as_bytes())
        .unwrap();
    StateFile::in_dir(&config_dir).save(&state).unwrap();
    let saved = std::fs::read_to_string(config_dir.join("gui-state.json")).unwrap();
    assert!(
        saved.contains("Resync_At__HHmm_"),
        "the other edits are kept: {saved}"
    );

    let mut files = files_under(home.root.path());
    files.extend(files_under(setup.dir.path()));
    let snapshots = files
        .iter()
        .filter(|(p, _)| p.components().any(|c| c.as_os_str() == "history"))
        .count();
    assert!(snapshots >= 4, "snapshots were written: {files:?}");
    for (path, content) in &files {
        assert_no_secret(&path.display().to_string(), content);
    }
}
