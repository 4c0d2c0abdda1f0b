//! The real `phoneprov` binary against phone-sim phones: exit codes, one-line errors,
//! JSON output, and nothing secret printed.

use std::path::PathBuf;

use phone_sim::{PhoneConfig, RunningPhone};

mod common;

/// Every file under `dir`, as text.
fn files_under(dir: &std::path::Path) -> Vec<(PathBuf, String)> {
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

/// A small provisioning server on 127.0.0.1 serving `xml` at `/p.xml`; returns its URL.
async fn profile_server(xml: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/p.xml", axum::routing::get(move || async move { xml }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/p.xml")
}

/// A rule with a profile-server login, and the parts that must never be printed or stored.
const RULE_WITH_LOGIN: &str = "[--uid techuser7 --pwd Zq9Secr3t!]https://prov.example.com/$MA.xml";
const HIDDEN: [&str; 2] = ["techuser7", "Zq9Secr3t!"];
const RULE_SHOWN: &str = "[--uid **** --pwd ****]https://prov.example.com/$MA.xml";

fn assert_nothing_secret(what: &str, printed: &str) {
    for secret in HIDDEN {
        assert!(
            !printed.contains(secret),
            "{what} shows {secret}: {printed}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_verifies_then_history_and_rollback_undo_it() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();

    let output = common::run_cli(
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
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::text(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["verified"], true);
    assert_eq!(json["via"], "post");
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3665")
    );
    // Progress went to stderr as the states passed.
    let progress = common::text(&output.stderr);
    assert!(
        progress.contains("snapshot saved") && progress.contains("verified"),
        "{progress}"
    );

    let output = common::run_cli(&data, &["history", &address]).await;
    assert_eq!(output.status.code(), Some(0));
    let listing = common::text(&output.stdout);
    assert_eq!(listing.lines().count(), 1, "{listing}");
    assert!(listing.contains("before set"), "{listing}");

    let output = common::run_cli(&data, &["rollback", &address]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::text(&output.stderr)
    );
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
    assert_eq!(sim.control().value("Resync_At__HHmm_").as_deref(), Some(""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_by_push_with_the_password_from_the_environment() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-7841-3PCC").with_password("cli-secret")).await;
    let output = common::run_cli_with_password(
        &data,
        &["set", &sim.url(), "Resync_Periodic=7200", "--via", "push"],
        Some("cli-secret"),
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::text(&output.stderr)
    );
    assert!(common::text(&output.stderr).contains("profile fetched by the phone"));
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
    assert!(!common::text(&output.stderr).contains("cli-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_one_line_and_exit_1() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC").with_password("right-pw")).await;
    let output = common::run_cli(
        &data,
        &[
            "set",
            &sim.addr().to_string(),
            "Resync_Periodic=7200",
            "--password",
            "wrong-pw",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = common::text(&output.stderr);
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with("phoneprov: ") && last.contains("wrong password"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-pw") && !common::text(&output.stdout).contains("wrong-pw"));
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_shows_the_diff_and_sends_nothing_and_invalid_values_are_refused() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let output = common::run_cli(
        &data,
        &["set", &address, "Resync_Periodic=3665", "--dry-run"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::text(&output.stderr)
    );
    let diff = common::text(&output.stdout);
    assert!(
        diff.contains("Resync_Periodic: \"3600\" -> \"3665\""),
        "{diff}"
    );
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );

    let output = common::run_cli(&data, &["set", &address, "Resync_At__HHmm_=2460"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        common::text(&output.stderr).contains("Resync_At__HHmm_"),
        "{}",
        common::text(&output.stderr)
    );
    assert_eq!(sim.control().value("Resync_At__HHmm_").as_deref(), Some(""));
    // Nothing was touched: no snapshot either.
    let output = common::run_cli(&data, &["history", &address]).await;
    assert!(
        common::text(&output.stdout).contains("no snapshots"),
        "{}",
        common::text(&output.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_and_status_name_the_phone() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let output = common::run_cli(&data, &["show", &address, "--json"]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::text(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["identity"]["model"], "CP-8861-3PCC");
    let fields = json["fields"].as_array().unwrap();
    let periodic = fields
        .iter()
        .find(|f| f["name"] == "Resync_Periodic")
        .unwrap();
    assert_eq!(periodic["value"], "3600");
    assert_eq!(periodic["label"], "Resync Periodic");
    assert_eq!(periodic["default"], "3600");
    assert_eq!(periodic["hint"], "3600 s = 1 h");
    let delay = fields
        .iter()
        .find(|f| f["name"] == "Resync_Random_Delay")
        .unwrap();
    assert_eq!(delay["hint"], "2 × 20 s = 40 s");
    let text_output = common::run_cli(&data, &["show", &address]).await;
    let shown = common::text(&text_output.stdout);
    let line = shown
        .lines()
        .find(|l| l.starts_with("Resync Random Delay"))
        .unwrap_or_else(|| panic!("no Resync Random Delay line in:\n{shown}"));
    assert!(
        line.contains("\"2\"") && line.contains("2 × 20 s = 40 s"),
        "{line}"
    );

    let output = common::run_cli(&data, &["status", &address, "--json"]).await;
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["call_active"], false);
    let mac = json["identity"]["mac"].as_str().unwrap().replace(':', "");
    assert_eq!(mac, sim.mac());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_wait_follows_the_phone_to_its_outcome() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    // The phone's own rule points at a file that does not exist: a failure, in its words.
    sim.control()
        .set_value("Profile_Rule", "http://127.0.0.1:9/missing.xml");
    let output = common::run_cli(
        &data,
        &[
            "resync",
            &sim.addr().to_string(),
            "--wait",
            "--timeout",
            "20",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        common::text(&output.stderr)
    );
    assert!(
        common::text(&output.stderr).contains("resync failed"),
        "{}",
        common::text(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_phone_is_exit_2() {
    let data = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let output = common::run_cli(&data, &["status", &closed.to_string()]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        common::text(&output.stderr).contains("nothing listens at"),
        "{}",
        common::text(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_inside_a_rule_are_never_printed_nor_written_to_files() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let setting = format!("Profile_Rule={RULE_WITH_LOGIN}");

    // The dry run, as text and as JSON.
    let output = common::run_cli(&data, &["set", &address, &setting, "--dry-run"]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    assert_nothing_secret("set --dry-run", &common::printed(&output));
    assert!(
        common::text(&output.stdout)
            .contains(&format!("Profile_Rule: \"/$PSN.xml\" -> \"{RULE_SHOWN}\"")),
        "{}",
        common::printed(&output)
    );
    let output = common::run_cli(&data, &["set", &address, &setting, "--dry-run", "--json"]).await;
    assert_nothing_secret("set --dry-run --json", &common::printed(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["changes"][0]["new"], RULE_SHOWN);

    // The change itself: progress on stderr, the report on stdout.
    let output = common::run_cli(
        &data,
        &["set", &address, &setting, "--via", "post", "--json"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    assert_nothing_secret("set --json", &common::printed(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["changes"][0]["name"], "Profile_Rule");
    assert_eq!(json["changes"][0]["new"], RULE_SHOWN);
    assert_eq!(
        sim.control().value("Profile_Rule").as_deref(),
        Some(RULE_WITH_LOGIN)
    );

    // The next change snapshots a phone whose rule holds the login.
    let output = common::run_cli(
        &data,
        &["set", &address, "Resync_Periodic=7200", "--via", "post"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    let files = files_under(data.path());
    assert!(
        files
            .iter()
            .filter(|(p, _)| p.extension().is_some_and(|x| x == "json"))
            .count()
            >= 2,
        "{files:?}"
    );
    for (path, content) in &files {
        assert_nothing_secret(&path.display().to_string(), content);
    }
    let output = common::run_cli(&data, &["history", &address]).await;
    assert_nothing_secret("history", &common::printed(&output));

    // The rule is changed at the phone; a rollback cannot put the login back, and says so.
    sim.control()
        .set_value("Profile_Rule", "http://other.example.com/p.xml");
    let output = common::run_cli(&data, &["rollback", &address, "--via", "post"]).await;
    let all = common::printed(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert_nothing_secret("rollback", &all);
    assert!(all.contains("Profile_Rule was not restored"), "{all}");
    assert!(all.contains(RULE_SHOWN), "{all}");
    let last = common::text(&output.stderr)
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(
        last.starts_with("phoneprov: not fully rolled back: Profile_Rule"),
        "{all}"
    );
    // What could be restored was.
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
    assert_eq!(
        sim.control().value("Profile_Rule").as_deref(),
        Some("http://other.example.com/p.xml")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_the_phone_drops_is_reported_without_its_credentials() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    sim.control().drop_param("Profile_Rule");
    let output = common::run_cli(
        &data,
        &[
            "set",
            &sim.addr().to_string(),
            &format!("Profile_Rule={RULE_WITH_LOGIN}"),
            "--via",
            "post",
            "--json",
        ],
    )
    .await;
    let all = common::printed(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert_nothing_secret("an unverified set", &all);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["mismatches"][0]["name"], "Profile_Rule");
    assert_eq!(json["mismatches"][0]["wanted"], RULE_SHOWN);
    let last = common::text(&output.stderr)
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(
        last.contains(&format!(
            "Profile_Rule reads back as \"/$PSN.xml\" instead of \"{RULE_SHOWN}\""
        )),
        "{all}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_on_an_spa_phone_shows_exactly_what_set_sends() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("SPA504G")).await;
    let address = sim.addr().to_string();
    let request_msg = sim.control().value("Log_Resync_Request_Msg").unwrap();
    assert!(!request_msg.is_empty());

    // The MPP name of a field the SPA phone spells its own way, with the value it has: as
    // `set` sees it, nothing to change there.
    let same = format!("Log_Request_Msg={request_msg}");
    let output = common::run_cli(
        &data,
        &[
            "set",
            &address,
            &same,
            "Resync_Periodic=7200",
            "--dry-run",
            "--json",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Resync_Periodic"], "{json}");
    assert_eq!(json["unchanged"], 1);

    // A new value: shown under the SPA's name with what the phone has now.
    let changes = [
        "Log_Request_Msg=$MAC asks for a profile",
        "Resync_Periodic=7200",
    ];
    let mut dry = vec!["set", &address];
    dry.extend(changes);
    dry.push("--dry-run");
    let output = common::run_cli(&data, &dry).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    let diff = common::text(&output.stdout);
    assert!(
        diff.contains(&format!(
            "Log_Resync_Request_Msg: \"{request_msg}\" -> \"$MAC asks for a profile\""
        )),
        "{diff}"
    );
    assert!(!diff.contains("(not on the phone)"), "{diff}");
    dry.push("--json");
    let output = common::run_cli(&data, &dry).await;
    let planned: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    // `set` sends exactly that, and it lands under the SPA's name.
    let mut set = vec!["set", &address];
    set.extend(changes);
    set.push("--json");
    let output = common::run_cli(&data, &set).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    let done: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(done["changes"], planned["changes"], "{done} vs {planned}");
    assert_eq!(
        sim.control().value("Log_Resync_Request_Msg").as_deref(),
        Some("$MAC asks for a profile")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_from_a_one_off_rule_waits_for_success_and_exits_0() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let url =
        profile_server("<flat-profile><Resync_Periodic>7200</Resync_Periodic></flat-profile>")
            .await;
    // A login for the profile server in the rule: used by the phone, never printed.
    let rule = format!("[--uid techuser7 --pwd Zq9Secr3t!]{url}");
    let output = common::run_cli(
        &data,
        &[
            "resync",
            &sim.addr().to_string(),
            "--rule",
            &rule,
            "--wait",
            "--timeout",
            "20",
        ],
    )
    .await;
    let all = common::printed(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(
        common::text(&output.stdout).contains("resync succeeded"),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "resync requested from [--uid **** --pwd ****]{url}"
        )),
        "{all}"
    );
    assert_nothing_secret("resync", &all);
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_phone_is_trusted_on_first_use_out_loud_and_a_changed_certificate_refused() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig {
        https: true,
        ..PhoneConfig::model("CP-8861-3PCC")
    })
    .await;
    let url = sim.url();
    assert!(url.starts_with("https://"), "{url}");
    let first = common::run_cli(&data, &["show", &url]).await;
    assert_eq!(first.status.code(), Some(0), "{}", common::printed(&first));
    let fingerprint = sim.control().certificate_sha256().unwrap();
    let said = common::text(&first.stderr);
    assert!(
        said.contains("trusting its HTTPS certificate on first use")
            && hex_digits(&said).contains(&hex_digits(&fingerprint)),
        "first use must be said, with the fingerprint {fingerprint}: {said}"
    );
    // Known now: nothing more to say.
    let again = common::run_cli(&data, &["status", &url]).await;
    assert_eq!(again.status.code(), Some(0), "{}", common::printed(&again));
    assert!(
        !common::text(&again.stderr).contains("first use"),
        "{}",
        common::printed(&again)
    );
    // A new certificate is refused, in words, with both fingerprints.
    let rotated = sim.control().rotate_certificate().unwrap();
    let refused = common::run_cli(&data, &["status", &url]).await;
    assert_ne!(
        refused.status.code(),
        Some(0),
        "{}",
        common::printed(&refused)
    );
    let said = hex_digits(&common::printed(&refused));
    assert!(
        said.contains(&hex_digits(&fingerprint)) && said.contains(&hex_digits(&rotated)),
        "{}",
        common::printed(&refused)
    );
}

/// `text` lowercased without colons: fingerprints compare however they are written.
fn hex_digits(text: &str) -> String {
    text.to_ascii_lowercase().replace(':', "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_to_an_spa_phone_is_refused_before_anything_is_saved_or_sent() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("SPA504G")).await;
    let address = sim.addr().to_string();
    let output = common::run_cli(
        &data,
        &["set", &address, "Resync_Periodic=7200", "--via", "post"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        common::printed(&output)
    );
    let said = common::text(&output.stderr);
    assert!(
        said.contains("SPA phone") && said.contains("--via push"),
        "the refusal says why and what to do: {said}"
    );
    assert!(!said.contains("factory reset"), "{said}");
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
    let history = common::run_cli(&data, &["history", &address]).await;
    assert!(
        !common::text(&history.stdout).contains("before set"),
        "no snapshot for a change that was never sent: {}",
        common::printed(&history)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_on_a_phone_with_provision_enable_no_is_refused_in_words() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig {
        values: vec![("Provision_Enable".into(), "No".into())],
        ..PhoneConfig::model("CP-8861-3PCC")
    })
    .await;
    let output = common::run_cli(&data, &["resync", &sim.addr().to_string(), "--wait"]).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        common::printed(&output)
    );
    let said = common::text(&output.stderr);
    assert!(said.contains("Provision Enable is No"), "{said}");
    let started = sim
        .control()
        .events()
        .into_iter()
        .any(|e| matches!(e.kind, phone_sim::EventKind::ResyncStarted { .. }));
    assert!(!started, "nothing asked the phone to resync");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_with_admin_web_access_off_is_said_to_be_so() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig {
        values: vec![("Enable_Web_Admin_Access".into(), "No".into())],
        ..PhoneConfig::model("CP-7841-3PCC")
    })
    .await;
    let output = common::run_cli(&data, &["show", &sim.addr().to_string()]).await;
    assert_ne!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    let said = common::text(&output.stderr);
    assert!(
        said.contains("admin web access") && said.contains("Enable_Web_Admin_Access"),
        "{said}"
    );
    assert_eq!(said.trim().lines().count(), 1, "one line: {said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_parameter_set_is_never_printed_nor_written_to_files() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let secret = "Zq9Secr3t!";
    let assignment = format!("GPP_SA={secret}");
    for extra in [&["--json"][..], &[][..], &["--dry-run", "--json"][..]] {
        let mut args = vec!["set", &address, assignment.as_str(), "--via", "post"];
        args.extend(extra);
        let output = common::run_cli(&data, &args).await;
        let all = common::printed(&output);
        assert!(!all.contains(secret), "{args:?} printed the secret: {all}");
    }
    // It did reach the phone (the phone hides it in cfg.xml, as real phones do).
    assert_eq!(sim.control().value("GPP_SA").as_deref(), Some(secret));
    for (path, content) in files_under(data.path()) {
        assert!(
            !content.contains(secret),
            "{} holds the secret",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_from_a_file_then_roll_back_to_a_chosen_snapshot_from_history_json() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let site = data.path().join("site.xml");
    std::fs::write(
        &site,
        "<flat-profile><Resync_Periodic>7200</Resync_Periodic><GPP_A>site</GPP_A></flat-profile>",
    )
    .unwrap();
    let site = site.to_str().unwrap();
    // The file's values, with NAME=VALUE on the command line winning.
    let first = common::run_cli(
        &data,
        &[
            "set",
            &address,
            "--from",
            site,
            "GPP_A=typed",
            "--via",
            "post",
        ],
    )
    .await;
    assert_eq!(first.status.code(), Some(0), "{}", common::printed(&first));
    let control = sim.control();
    assert_eq!(control.value("Resync_Periodic").as_deref(), Some("7200"));
    assert_eq!(control.value("GPP_A").as_deref(), Some("typed"));
    let second = common::run_cli(
        &data,
        &["set", &address, "Resync_Periodic=9000", "--via", "post"],
    )
    .await;
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        common::printed(&second)
    );

    let listing = common::run_cli(&data, &["history", &address, "--json"]).await;
    assert_eq!(
        listing.status.code(),
        Some(0),
        "{}",
        common::printed(&listing)
    );
    let snapshots: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    let snapshots = snapshots.as_array().unwrap();
    assert_eq!(snapshots.len(), 2, "{snapshots:?}");
    let oldest = snapshots
        .iter()
        .min_by_key(|s| s["taken_at"].as_str().unwrap().to_string())
        .unwrap();
    assert_eq!(oldest["reason"], "before set");
    // Back past both changes, to the snapshot taken before the first.
    let id = oldest["id"].as_str().unwrap();
    let back = common::run_cli(&data, &["rollback", &address, id, "--via", "post"]).await;
    assert_eq!(back.status.code(), Some(0), "{}", common::printed(&back));
    assert!(
        common::text(&back.stderr).contains(id),
        "{}",
        common::printed(&back)
    );
    assert_eq!(control.value("Resync_Periodic").as_deref(), Some("3600"));
    assert_eq!(control.value("GPP_A").as_deref(), Some(""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_without_wait_returns_once_the_phone_took_the_request() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let output = common::run_cli(&data, &["resync", &address, "--json"]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["phone"], address);
    assert!(report["success"].is_null(), "not followed: {report}");
    // The phone did get the request.
    sim.control()
        .wait_for_event_after(0, std::time::Duration::from_secs(10), |kind| {
            matches!(kind, phone_sim::EventKind::ResyncRequested { .. })
        })
        .await
        .expect("the phone was asked to resync");
}

/// What the phone was asked since it started: every request is a read (GET of a page), no
/// configuration was posted and no resync was asked for. Returns the requests seen.
fn only_read(sim: &RunningPhone) -> Vec<String> {
    let events = sim.control().events();
    let mut requests = Vec::new();
    for event in &events {
        match &event.kind {
            phone_sim::EventKind::Request { method, path, .. } => {
                assert_eq!(method, "GET", "{path}: {events:?}");
                assert!(!path.contains("resync"), "{path}: {events:?}");
                requests.push(format!("{method} {path}"));
            }
            phone_sim::EventKind::ConfigPosted { .. }
            | phone_sim::EventKind::ResyncRequested { .. } => {
                panic!("something was sent: {events:?}")
            }
            _ => {}
        }
    }
    assert!(!requests.is_empty(), "the phone was read: {events:?}");
    requests
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misspelt_name_is_refused_with_the_nearest_name_and_nothing_is_sent() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    for extra in [&[][..], &["--dry-run"][..]] {
        let mut args = vec!["set", &address, "Resync_Periodc=7200", "--via", "post"];
        args.extend(extra);
        let output = common::run_cli(&data, &args).await;
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}",
            common::printed(&output)
        );
        only_read(&sim);
        let said = common::text(&output.stderr);
        assert!(
            said.contains("no parameter named Resync_Periodc (did you mean `Resync_Periodic`?)"),
            "{extra:?}: {said}"
        );
    }
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
    let history = common::run_cli(&data, &["history", &address]).await;
    assert!(
        common::text(&history.stdout).contains("no snapshots"),
        "nothing was saved either: {}",
        common::printed(&history)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_label_as_the_page_shows_it_is_understood_and_the_element_named() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let output = common::run_cli(
        &data,
        &[
            "set",
            &address,
            "Resync Periodic=7200",
            "resync at (hhmm)=0230",
            "--via",
            "post",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    let said = common::printed(&output);
    assert!(
        said.contains("\"Resync Periodic\" means Resync_Periodic")
            && said.contains("\"resync at (hhmm)\" means Resync_At__HHmm_"),
        "{said}"
    );
    assert!(said.contains("2 change(s) verified"), "{said}");
    let control = sim.control();
    assert_eq!(control.value("Resync_Periodic").as_deref(), Some("7200"));
    assert_eq!(control.value("Resync_At__HHmm_").as_deref(), Some("0230"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_files_unknown_names_are_listed_and_nothing_sent_unless_skipped() {
    let data = tempfile::tempdir().unwrap();
    let sim = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let address = sim.addr().to_string();
    let site = data.path().join("site.xml");
    // A site file written for several models: one name this phone lacks, one misspelt.
    std::fs::write(
        &site,
        "<flat-profile>\n<Resync_Periodic>7200</Resync_Periodic>\n\
         <Other_Model_Only_Setting>1</Other_Model_Only_Setting>\n\
         <Resync_At_HHmm_>0230</Resync_At_HHmm_>\n<Station_Name>Lobby</Station_Name>\n\
         </flat-profile>\n",
    )
    .unwrap();
    let site = site.to_str().unwrap();
    let output = common::run_cli(
        &data,
        &["set", &address, "--from", site, "--via", "post", "--json"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        common::printed(&output)
    );
    let said = common::text(&output.stderr);
    assert!(
        said.contains("Other_Model_Only_Setting")
            && said.contains("Resync_At_HHmm_ (did you mean `Resync_At__HHmm_`?)")
            && said.contains("--skip-unknown"),
        "{said}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let unknown: Vec<&str> = report["unknown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(unknown, ["Other_Model_Only_Setting", "Resync_At_HHmm_"]);
    only_read(&sim);
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );

    let output = common::run_cli(
        &data,
        &[
            "set",
            &address,
            "--from",
            site,
            "--skip-unknown",
            "--via",
            "post",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::printed(&output)
    );
    let said = common::printed(&output);
    assert!(
        said.contains("left out, the phone has no such parameter: Other_Model_Only_Setting"),
        "{said}"
    );
    assert!(said.contains("2 change(s) verified"), "{said}");
    let control = sim.control();
    assert_eq!(control.value("Resync_Periodic").as_deref(), Some("7200"));
    assert_eq!(control.value("Station_Name").as_deref(), Some("Lobby"));
    assert_eq!(control.value("Resync_At__HHmm_").as_deref(), Some(""));
}
