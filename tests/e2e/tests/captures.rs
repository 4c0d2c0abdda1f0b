//! Support captures as tests: every capture in `tests/fixtures/captures/` is replayed by
//! phone-sim (`--replay`), and the real `phoneprov` binary runs show, status, set (push and
//! post), and resync against it. Adding a technician's capture is adding one file there.
//! Also: a capture of a phone-sim phone replays to the same `show` and `status` output, and a
//! phone that reports neither call nor provisioning state is still followed to the outcome.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use phone_sim::{PhoneConfig, PhoneSim, Replay, RunningPhone};
use phoneprov::phone::Capture;
use phoneprov::provision::ResyncOptions;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", common::printed(output)))
}

/// Every capture in the fixtures directory.
fn fixture_captures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/captures");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    found.sort();
    assert!(found.len() >= 3, "captures in {}: {found:?}", dir.display());
    found
}

async fn replay(path: &Path, values: Vec<(String, String)>) -> RunningPhone {
    let replay = Replay::load(path).unwrap_or_else(|e| panic!("{e}"));
    PhoneSim::start(PhoneConfig {
        replay: Some(Arc::new(replay)),
        reboot_secs: 0.3,
        values,
        ..PhoneConfig::default()
    })
    .await
    .unwrap()
}

/// The captured configuration dump, and the page it came from.
fn captured_dump(capture: &Capture) -> (String, String) {
    let exchange = capture
        .exchanges
        .iter()
        .rev()
        .find(|e| e.path.ends_with("cfg.xml") && e.status == Some(200))
        .expect("a configuration dump in the capture");
    (
        exchange.path.clone(),
        exchange.body.clone().expect("a text body"),
    )
}

async fn get(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// A small provisioning server on 127.0.0.1 serving `xml` at `/p.xml`; returns its URL.
async fn profile_server(xml: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/p.xml", axum::routing::get(move || async move { xml }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/p.xml")
}

/// The element `<name …>…</name>` (or `<name …/>`) as it stands in `xml`.
fn element_text<'x>(xml: &'x str, name: &str) -> &'x str {
    let start = xml
        .find(&format!("<{name} "))
        .or_else(|| xml.find(&format!("<{name}>")))
        .unwrap_or_else(|| panic!("<{name}> missing"));
    let rest = &xml[start..];
    let end = rest
        .find(&format!("</{name}>"))
        .map(|e| e + name.len() + 3)
        .or_else(|| rest.find("/>").map(|e| e + 2))
        .unwrap();
    &rest[..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fixture_capture_passes_show_status_set_and_resync() {
    for path in fixture_captures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        eprintln!("=== {name}");
        let capture = Capture::from_json(&std::fs::read(&path).unwrap()).unwrap();
        let sim = replay(&path, Vec::new()).await;
        let data = tempfile::tempdir().unwrap();
        let url = sim.url();
        let model = capture.identity.model.clone().unwrap();
        let (dump_path, dump) = captured_dump(&capture);
        let spa = model.starts_with("SPA");

        // The pages as captured, byte for byte.
        assert_eq!(get(&format!("{url}{dump_path}")).await, dump, "{name}");

        // show
        let output = common::run_cli(&data, &["show", &url, "--json"]).await;
        assert!(
            output.status.success(),
            "{name}: {}",
            common::printed(&output)
        );
        let shown = json_of(&output);
        assert_eq!(shown["identity"]["model"], model.as_str(), "{name}");
        assert_eq!(
            shown["identity"]["mac"],
            capture.identity.mac.unwrap().to_string().as_str(),
            "{name}"
        );
        assert_eq!(shown["source"], dump_path.as_str(), "{name}");
        let fields = shown["fields"].as_array().unwrap();
        assert!(!fields.is_empty(), "{name}");

        // status
        let output = common::run_cli(&data, &["status", &url, "--json"]).await;
        assert!(
            output.status.success(),
            "{name}: {}",
            common::printed(&output)
        );
        let status = json_of(&output);
        assert_eq!(status["identity"]["model"], model.as_str(), "{name}");
        let output = common::run_cli(&data, &["status", &url]).await;
        assert!(
            output.status.success(),
            "{name}: {}",
            common::printed(&output)
        );
        assert!(
            common::printed(&output).contains(&model),
            "{name}: {}",
            common::printed(&output)
        );

        // set by push: the value lands in the captured dump, nothing else in it changes.
        let before = element_text(&dump, "Resync_Periodic").to_string();
        let output = common::run_cli(
            &data,
            &[
                "set",
                &url,
                "Resync_Periodic=7200",
                "--via",
                "push",
                "--json",
            ],
        )
        .await;
        assert!(
            output.status.success(),
            "{name}: {}",
            common::printed(&output)
        );
        let report = json_of(&output);
        assert_eq!(report["verified"], true, "{name}");
        assert_eq!(report["via"], "push", "{name}");
        assert_eq!(
            report["verified_names"],
            serde_json::json!(["Resync_Periodic"]),
            "{name}"
        );
        let served = get(&format!("{url}{dump_path}")).await;
        let after = element_text(&served, "Resync_Periodic").to_string();
        assert!(after.contains(">7200<"), "{name}: {after}");
        assert_eq!(
            served,
            dump.replacen(&before, &after, 1),
            "{name}: only the value changed"
        );
        let old = &before[before.find('>').unwrap() + 1..before.rfind("</").unwrap()];
        assert_eq!(
            after,
            before.replacen(&format!(">{old}<"), ">7200<", 1),
            "{name}: the element keeps its attributes"
        );

        // set by post: MPP takes it; SPA phones have no /admin/config.xml, said in words.
        let output = common::run_cli(
            &data,
            &["set", &url, "Resync_Periodic=5400", "--via", "post"],
        )
        .await;
        if spa {
            assert!(
                !output.status.success(),
                "{name}: {}",
                common::printed(&output)
            );
            assert!(
                common::printed(&output).contains("SPA"),
                "{name}: {}",
                common::printed(&output)
            );
        } else {
            assert!(
                output.status.success(),
                "{name}: {}",
                common::printed(&output)
            );
            let served = get(&format!("{url}{dump_path}")).await;
            assert!(
                element_text(&served, "Resync_Periodic").contains(">5400<"),
                "{name}"
            );
        }

        // resync from a rule: followed to its outcome by reading back (no page here records
        // provisioning).
        let rule = profile_server("<flat-profile><GPP_A>from-resync</GPP_A></flat-profile>").await;
        let output = common::run_cli(
            &data,
            &["resync", &url, "--rule", &rule, "--wait", "--timeout", "30"],
        )
        .await;
        assert!(
            output.status.success(),
            "{name}: {}",
            common::printed(&output)
        );
        let said = common::printed(&output);
        assert!(
            said.contains("resync succeeded") && said.contains("GPP_A"),
            "{name}: {said}"
        );
        let served = get(&format!("{url}{dump_path}")).await;
        assert!(
            element_text(&served, "GPP_A").contains(">from-resync<"),
            "{name}: {served}"
        );
        sim.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_capture_of_a_phone_sim_phone_replays_to_the_same_output() {
    for model in ["CP-8861-3PCC", "SPA112", "SPA504G"] {
        // A phone clock that hardly moves: its status page reads the same a moment later.
        let live = PhoneSim::start(PhoneConfig {
            time_scale: 1e-6,
            ..PhoneConfig::model(model)
        })
        .await
        .unwrap();
        let data = tempfile::tempdir().unwrap();
        let file = data.path().join("capture.json");
        let output = common::run_cli(
            &data,
            &["capture", &live.url(), "-o", file.to_str().unwrap()],
        )
        .await;
        assert!(
            output.status.success(),
            "{model}: {}",
            common::printed(&output)
        );
        let replayed = replay(&file, Vec::new()).await;
        for args in [
            &["show", "--json"][..],
            &["show"][..],
            &["status", "--json"][..],
            &["status"][..],
        ] {
            let mut texts = Vec::new();
            for phone in [&live, &replayed] {
                let url = phone.url();
                let mut all = vec![args[0], url.as_str()];
                all.extend_from_slice(&args[1..]);
                let output = common::run_cli(&data, &all).await;
                assert!(
                    output.status.success(),
                    "{model} {args:?}: {}",
                    common::printed(&output)
                );
                let address = url.trim_start_matches("http://").to_string();
                texts.push(
                    common::printed(&output)
                        .replace(&url, "PHONE")
                        .replace(&address, "PHONE"),
                );
            }
            assert_eq!(texts[0], texts[1], "{model} {args:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_capture_holds_no_secret() {
    const SECRETS: [&str; 3] = ["Adm1n!pw", "pr0vUser", "Pr0v!Pass"];
    let live = PhoneSim::start(PhoneConfig {
        values: vec![(
            "Profile_Rule".into(),
            "[--uid pr0vUser --pwd Pr0v!Pass]http://prov.example.com/$MA.xml".into(),
        )],
        ..PhoneConfig::model("CP-8861-3PCC").with_password("Adm1n!pw")
    })
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("capture.json");
    let mut command = std::process::Command::new(common::phoneprov_binary());
    command
        .args(["capture", &live.url(), "-o", file.to_str().unwrap()])
        .env("PHONEPROV_DATA_DIR", data.path())
        .env("PHONEPROV_PASSWORD", SECRETS[0]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(output.status.success(), "{}", common::printed(&output));
    let bytes = std::fs::read(&file).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} in the capture");
        assert!(
            !common::printed(&output).contains(secret),
            "{secret} printed"
        );
    }
    // The masked places are still there: the xpassword login and the rule's credentials.
    assert!(text.contains("xpassword=****"), "{text}");
    assert!(text.contains("[--uid **** --pwd ****]"), "{text}");
    let capture = Capture::from_json(&bytes).unwrap();
    assert!(capture.readme.contains("masked") || capture.readme.contains("****"));
    assert_eq!(capture.identity.model.as_deref(), Some("CP-8861-3PCC"));
    assert!(
        capture
            .exchanges
            .iter()
            .any(|e| e.path.starts_with("/admin/cfg.xml") && e.status == Some(200))
    );
}

/// Resyncs through the engine with `options`; the outcome and the events' summaries.
async fn resync_with(
    phone: &RunningPhone,
    rule: &str,
    options: ResyncOptions,
    syslog: bool,
) -> (
    Result<phoneprov::provision::ResyncReport, phoneprov::provision::ApplyError>,
    Vec<String>,
) {
    let setup = common::setup();
    if syslog {
        let bound = setup
            .engine
            .enable_syslog("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        phone
            .control()
            .set_value("Syslog_Server", &bound.to_string());
    }
    let handle = common::phone_for(&setup.engine, phone, None);
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let sink = phoneprov::provision::EventSink::new(handle.address().key(), sender);
    let engine = setup.engine.clone();
    let rule = rule.to_string();
    let task = tokio::spawn(async move {
        engine
            .resync(
                &handle,
                Some(&rule),
                &options,
                &sink,
                &CancellationToken::new(),
            )
            .await
    });
    let mut said = Vec::new();
    while let Some(event) = receiver.recv().await {
        said.push(event.summary());
    }
    (task.await.unwrap(), said)
}

fn silent_phone_capture() -> PathBuf {
    // No XML status page at all: neither call state nor provisioning state.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/captures/spa504g-namespace.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_silent_phone_resync_that_fails_is_told_by_syslog() {
    let sim = replay(&silent_phone_capture(), Vec::new()).await;
    let missing = format!(
        "{}/missing.xml",
        profile_server("<flat-profile/>")
            .await
            .trim_end_matches("/p.xml")
    );
    let options = ResyncOptions {
        timeout: Duration::from_secs(20),
        max_poll_interval: Duration::from_millis(150),
        ..ResyncOptions::default()
    };
    let (result, said) = resync_with(&sim, &missing, options, true).await;
    let error = result.expect_err("a failed resync");
    assert!(error.to_string().contains("failed"), "{error} / {said:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_silent_phone_resync_that_shows_nothing_is_not_called_a_success() {
    let sim = replay(&silent_phone_capture(), Vec::new()).await;
    let missing = format!(
        "{}/missing.xml",
        profile_server("<flat-profile/>")
            .await
            .trim_end_matches("/p.xml")
    );
    let options = ResyncOptions {
        timeout: Duration::from_secs(20),
        max_poll_interval: Duration::from_millis(150),
        quiet: Duration::from_secs(2),
        ..ResyncOptions::default()
    };
    let (result, said) = resync_with(&sim, &missing, options, false).await;
    let report = result.unwrap_or_else(|e| panic!("{e} / {said:?}"));
    assert_eq!(report.success, None, "{report:?}");
    assert!(
        report.detail.contains("nothing shows the outcome"),
        "{report:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_silent_phone_on_a_call_is_named_as_a_possible_cause() {
    let sim = replay(&silent_phone_capture(), Vec::new()).await;
    sim.control().start_call();
    let data = tempfile::tempdir().unwrap();
    let output = common::run_cli(
        &data,
        &[
            "set",
            &sim.url(),
            "Resync_Periodic=7200",
            "--via",
            "push",
            "--reach-timeout",
            "2",
            "--timeout",
            "20",
        ],
    )
    .await;
    assert!(!output.status.success(), "{}", common::printed(&output));
    let said = common::printed(&output);
    assert!(said.contains("does not report its call state"), "{said}");
    // Nothing was applied while the call lasted.
    assert_eq!(sim.control().value("Resync_Periodic").as_deref(), Some("0"));
}
