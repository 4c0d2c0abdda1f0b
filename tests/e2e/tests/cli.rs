//! The real `phoneprov` binary against phone-sim phones: exit codes, one-line errors,
//! JSON output, and nothing secret printed.

use std::path::PathBuf;
use std::process::Output;

use phone_sim::{PhoneConfig, PhoneSim, RunningPhone};

/// `target/<profile>/phoneprov`, built by `cargo build --workspace` (scripts/test does).
fn binary() -> PathBuf {
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

async fn run(data: &tempfile::TempDir, args: &[&str], password: Option<&str>) -> Output {
    let mut command = std::process::Command::new(binary());
    command
        .args(args)
        .env("PHONEPROV_DATA_DIR", data.path())
        .env_remove("PHONEPROV_PASSWORD");
    if let Some(password) = password {
        command.env("PHONEPROV_PASSWORD", password);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

async fn phone(config: PhoneConfig) -> RunningPhone {
    PhoneSim::start(PhoneConfig {
        reboot_secs: 0.3,
        ..config
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_verifies_then_history_and_rollback_undo_it() {
    let data = tempfile::tempdir().unwrap();
    let sim = phone(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();

    let output = run(
        &data,
        &[
            "set",
            &address,
            "Resync_Periodic=3665",
            "Resync_At__HHmm_=1800",
            "--via",
            "post",
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["verified"], true);
    assert_eq!(json["via"], "post");
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3665")
    );
    // Progress went to stderr as the states passed.
    let progress = text(&output.stderr);
    assert!(
        progress.contains("snapshot saved") && progress.contains("verified"),
        "{progress}"
    );

    let output = run(&data, &["history", &address], None).await;
    assert_eq!(output.status.code(), Some(0));
    let listing = text(&output.stdout);
    assert_eq!(listing.lines().count(), 1, "{listing}");
    assert!(listing.contains("before set"), "{listing}");

    let output = run(&data, &["rollback", &address], None).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
    assert_eq!(sim.control().value("Resync_At__HHmm_").as_deref(), Some(""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_by_push_with_the_password_from_the_environment() {
    let data = tempfile::tempdir().unwrap();
    let sim = phone(PhoneConfig::model("CP-7841-3PCC").with_password("cli-secret")).await;
    let output = run(
        &data,
        &["set", &sim.url(), "Resync_Periodic=7200", "--via", "push"],
        Some("cli-secret"),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("profile fetched by the phone"));
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
    assert!(!text(&output.stderr).contains("cli-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_one_line_and_exit_1() {
    let data = tempfile::tempdir().unwrap();
    let sim = phone(PhoneConfig::model("CP-8861-3PCC").with_password("right-pw")).await;
    let output = run(
        &data,
        &[
            "set",
            &sim.addr().to_string(),
            "Resync_Periodic=7200",
            "--password",
            "wrong-pw",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with("phoneprov: ") && last.contains("wrong password"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-pw") && !text(&output.stdout).contains("wrong-pw"));
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_shows_the_diff_and_sends_nothing_and_invalid_values_are_refused() {
    let data = tempfile::tempdir().unwrap();
    let sim = phone(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let output = run(
        &data,
        &["set", &address, "Resync_Periodic=3665", "--dry-run"],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let diff = text(&output.stdout);
    assert!(
        diff.contains("Resync_Periodic: \"3600\" -> \"3665\""),
        "{diff}"
    );
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );

    let output = run(&data, &["set", &address, "Resync_At__HHmm_=2460"], None).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("Resync_At__HHmm_"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(sim.control().value("Resync_At__HHmm_").as_deref(), Some(""));
    // Nothing was touched: no snapshot either.
    let output = run(&data, &["history", &address], None).await;
    assert!(
        text(&output.stdout).contains("no snapshots"),
        "{}",
        text(&output.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_and_status_name_the_phone() {
    let data = tempfile::tempdir().unwrap();
    let sim = phone(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let output = run(&data, &["show", &address, "--json"], None).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["identity"]["model"], "CP-8861-3PCC");
    let fields = json["fields"].as_array().unwrap();
    let periodic = fields
        .iter()
        .find(|f| f["name"] == "Resync_Periodic")
        .unwrap();
    assert_eq!(periodic["value"], "3600");
    assert_eq!(periodic["label"], "Resync Periodic");
    let text_output = run(&data, &["show", &address], None).await;
    assert!(text(&text_output.stdout).contains("Resync Random Delay"));

    let output = run(&data, &["status", &address, "--json"], None).await;
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["call_active"], false);
    let mac = json["identity"]["mac"].as_str().unwrap().replace(':', "");
    assert_eq!(mac, sim.mac());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_wait_follows_the_phone_to_its_outcome() {
    let data = tempfile::tempdir().unwrap();
    let sim = phone(PhoneConfig::model("CP-8861-3PCC")).await;
    // The phone's own rule points at a file that does not exist: a failure, in its words.
    sim.control()
        .set_value("Profile_Rule", "http://127.0.0.1:9/missing.xml");
    let output = run(
        &data,
        &[
            "resync",
            &sim.addr().to_string(),
            "--wait",
            "--timeout",
            "20",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("resync failed"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_phone_is_exit_2() {
    let data = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let output = run(&data, &["status", &closed.to_string()], None).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("cannot reach"),
        "{}",
        text(&output.stderr)
    );
}
