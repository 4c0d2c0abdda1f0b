//! Broken and hostile phones: phone-sim's faults for a phone that misbehaves the way firmware
//! does, and small raw TCP servers for what goes wrong on the wire. Each case ends in an error
//! that names what happened, nothing is sent that changes the phone (its request log shows
//! no resync, POST, reboot or upgrade), and no snapshot is written from a read that failed.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use phone_sim::{EventKind as SimEvent, Faults, PhoneConfig, RunningPhone};
use phoneprov::phone::{PageKind, PageProblem, PhoneError};
use phoneprov::provision::{ApplyError, ApplyOptions, ViaChoice};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The requests phone-sim saw that change something: any POST, a resync, reboot or upgrade.
fn changing_requests(sim: &RunningPhone) -> Vec<String> {
    sim.control()
        .events()
        .into_iter()
        .filter_map(|event| match event.kind {
            SimEvent::Request { method, path, .. }
                if method == "POST"
                    || ["/admin/resync", "/admin/reboot", "/admin/upgrade"]
                        .iter()
                        .any(|p| path.starts_with(p)) =>
            {
                Some(format!("{method} {path}"))
            }
            _ => None,
        })
        .collect()
}

/// Snapshot files in the engine's history.
fn snapshot_files(setup: &Setup) -> Vec<std::path::PathBuf> {
    let dir = setup.engine.history().dir();
    if !dir.exists() {
        return Vec::new();
    }
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect()
}

fn change() -> Vec<(String, String)> {
    pairs(&[("Resync_Periodic", "7201")])
}

/// Sets `faults` on a fresh phone and applies a change to it: the apply must fail before
/// anything is sent, with no snapshot saved and the phone unchanged. Returns the error.
async fn refused_apply(faults: Faults, via: ViaChoice) -> PhoneError {
    refused_apply_on(PhoneConfig::default(), faults, via).await
}

/// [`refused_apply`] on a phone made from `config`.
async fn refused_apply_on(config: PhoneConfig, faults: Faults, via: ViaChoice) -> PhoneError {
    let setup = setup();
    let sim = sim(config).await;
    let before = sim.control().value("Resync_Periodic");
    sim.control().set_faults(faults);
    let phone = phone_with_timeout(&setup.engine, &sim, None, Duration::from_secs(3));
    let (result, events) = apply(&setup.engine, &phone, change(), options(via)).await;
    let error = result.unwrap_err();
    let text = error.to_string();
    assert!(text.ends_with("Nothing was sent to the phone"), "{text}");
    assert!(!states(&events).contains(&"sent"), "{events:?}");
    assert_eq!(changing_requests(&sim), Vec::<String>::new());
    assert_eq!(snapshot_files(&setup), Vec::<std::path::PathBuf>::new());
    assert_eq!(sim.control().value("Resync_Periodic"), before);
    let ApplyError::NotRead(cause) = error else {
        panic!("not a failed read: {error:?}");
    };
    cause
}

fn unreadable(error: &PhoneError) -> &PageProblem {
    match error {
        PhoneError::Unreadable { problem, .. } => problem,
        other => panic!("not an unreadable page: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_configuration_stops_the_apply_before_anything_is_sent() {
    let faults = Faults {
        truncated_xml: true,
        ..Faults::default()
    };
    let error = refused_apply(faults, ViaChoice::Auto).await;
    assert!(
        matches!(unreadable(&error), PageProblem::Truncated { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("stopped after"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_that_is_not_well_formed_stops_the_apply() {
    let faults = Faults {
        malformed_xml: true,
        ..Faults::default()
    };
    // An SPA dump carries Product_Name, whose end tag the fault misspells.
    let error = refused_apply_on(PhoneConfig::model("SPA504G"), faults, ViaChoice::Push).await;
    assert!(
        matches!(unreadable(&error), PageProblem::Malformed(_)),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_page_instead_of_the_configuration_stops_the_apply() {
    let faults = Faults {
        login_page: true,
        ..Faults::default()
    };
    let error = refused_apply(faults, ViaChoice::Auto).await;
    assert!(matches!(error, PhoneError::LoginPage { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("answered /admin/cfg.xml with its login page"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_with_a_dtd_and_entities_is_refused_unexpanded() {
    let faults = Faults {
        dtd_entities: true,
        ..Faults::default()
    };
    let error = refused_apply(faults, ViaChoice::Auto).await;
    assert_eq!(unreadable(&error), &PageProblem::Dtd, "{error:?}");
    assert!(
        error.to_string().contains("declares a DTD; refused"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gigabyte_configuration_is_cut_off_at_the_cap() {
    let faults = Faults {
        huge_body_mb: 1024,
        ..Faults::default()
    };
    let error = refused_apply(faults, ViaChoice::Auto).await;
    assert!(matches!(error, PhoneError::TooLarge { .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_while_reading_stop_the_apply() {
    let faults = Faults {
        error_500: 100,
        ..Faults::default()
    };
    let error = refused_apply(faults, ViaChoice::Auto).await;
    assert!(
        matches!(error, PhoneError::Status { status: 500, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("reboot the phone"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_page_that_is_cut_off_is_not_taken_for_the_phone() {
    // The configuration reads well, the status page (read for the MAC) does not: the read is
    // not whole, so nothing is sent.
    let setup = setup();
    let sim = sim(PhoneConfig::default()).await;
    let phone = phone_for(&setup.engine, &sim, None);
    let status = phone.read_status().await.unwrap();
    assert!(status.identity.mac.is_some());
    sim.control().set_faults(Faults {
        truncated_xml: true,
        ..Faults::default()
    });
    let error = phone.read_status().await.unwrap_err();
    assert!(
        matches!(
            error,
            PhoneError::Unreadable {
                page: PageKind::Status,
                problem: PageProblem::Truncated { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("the status page from the phone at"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_that_stops_working_after_the_read_sends_nothing_and_keeps_the_snapshot() {
    let setup = setup();
    // An SPA phone: its dump names it whole, so the read is one page and the fault below
    // falls between the read and the send.
    let sim = sim(PhoneConfig::model("SPA504G").with_password("first-pass")).await;
    let before = sim.control().value("Resync_Periodic");
    sim.control().set_faults(Faults {
        password_changes_after_dumps: 1,
        ..Faults::default()
    });
    let phone = phone_for(&setup.engine, &sim, Some("first-pass"));
    let (result, events) = apply(&setup.engine, &phone, change(), options(ViaChoice::Push)).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ApplyError::Phone(PhoneError::WrongPassword { .. })),
        "{error:?}"
    );
    assert!(states(&events).contains(&"snapshot-saved"), "{events:?}");
    assert!(!states(&events).contains(&"sent"), "{events:?}");
    assert_eq!(sim.control().value("Resync_Periodic"), before);
    assert!(
        !sim.control().events().iter().any(|e| matches!(
            e.kind,
            SimEvent::ConfigPosted { .. } | SimEvent::ResyncStarted { .. }
        )),
        "the phone took a change"
    );
    // The snapshot of the complete read is there and holds what the phone had.
    let snapshots = setup
        .engine
        .history()
        .list(&phone.address().key(), None)
        .unwrap();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0].values.get("Resync_Periodic").cloned(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_phone_at_the_address_since_the_last_read_is_refused() {
    let setup = setup();
    let first = sim(PhoneConfig::default()).await;
    let second = sim(PhoneConfig::default()).await;
    let read = phone_for(&setup.engine, &first, None)
        .read_identity()
        .await
        .unwrap();
    // The window read `first`; the address now answers as `second`.
    let phone = phone_for(&setup.engine, &second, None);
    let options = ApplyOptions {
        expected_mac: read.mac,
        ..options(ViaChoice::Auto)
    };
    let (result, events) = apply(&setup.engine, &phone, change(), options).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ApplyError::AnotherPhoneNow { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("nothing was sent"), "{error}");
    assert!(!states(&events).contains(&"snapshot-saved"));
    assert_eq!(changing_requests(&second), Vec::<String>::new());
    assert_eq!(snapshot_files(&setup), Vec::<std::path::PathBuf>::new());
}

/// What a raw server does with each connection.
#[derive(Clone, Copy)]
enum Wire {
    /// Reads the request and never answers.
    Silent,
    /// Answers one byte a second.
    Trickle,
    /// Promises a body, sends part of a configuration and resets the connection.
    ResetMidBody,
    /// A well-formed answer nested far deeper than any profile.
    DeeplyNested,
    /// Redirects every request to itself.
    RedirectLoop,
    /// Redirects every request to another host.
    RedirectElsewhere,
}

/// A raw TCP server on 127.0.0.1 behaving as `wire`; returns its address and the request
/// lines it received.
async fn raw_server(wire: Wire) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut request = vec![0u8; 4096];
                let n = socket.read(&mut request).await.unwrap_or(0);
                let line = String::from_utf8_lossy(&request[..n])
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                log.lock().unwrap().push(line);
                answer(&mut socket, wire, address).await;
            });
        }
    });
    (address, seen)
}

async fn answer(socket: &mut tokio::net::TcpStream, wire: Wire, address: SocketAddr) {
    let head = |extra: &str| format!("HTTP/1.1 {extra}\r\n\r\n");
    match wire {
        Wire::Silent => tokio::time::sleep(Duration::from_secs(3600)).await,
        Wire::Trickle => {
            let text = head("200 OK\r\nContent-Length: 100000") + &"<".repeat(100_000);
            for byte in text.bytes() {
                if socket.write_all(&[byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Wire::ResetMidBody => {
            let part = "<flat-profile>\n<Resync_Periodic ua=\"na\">3600</Resync_Periodic>\n";
            let text = head("200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100000") + part;
            let _ = socket.write_all(text.as_bytes()).await;
            // A zero linger resets the connection (RST, not FIN) at once: it does not block,
            // which is what the deprecation warns of.
            #[allow(deprecated)]
            let _ = socket.set_linger(Some(Duration::ZERO));
        }
        Wire::DeeplyNested => {
            let body = "<flat-profile>".to_string()
                + &"<a>".repeat(200_000)
                + &"</a>".repeat(200_000)
                + "</flat-profile>";
            let text = head(&format!(
                "200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}",
                body.len()
            )) + &body;
            let _ = socket.write_all(text.as_bytes()).await;
        }
        Wire::RedirectLoop => {
            let text = head("302 Found\r\nLocation: /admin/cfg.xml\r\nContent-Length: 0");
            let _ = socket.write_all(text.as_bytes()).await;
        }
        Wire::RedirectElsewhere => {
            let _ = address;
            let text =
                head("302 Found\r\nLocation: http://192.0.2.10/admin/cfg.xml\r\nContent-Length: 0");
            let _ = socket.write_all(text.as_bytes()).await;
        }
    }
}

/// Applies a change through the engine to the raw server at `address` (request timeout
/// 2 s): the apply must fail, having asked for nothing but GETs. Returns the error.
async fn apply_to_raw(address: SocketAddr, seen: &Arc<Mutex<Vec<String>>>) -> PhoneError {
    let setup = setup();
    let phone = Arc::new(
        setup
            .engine
            .phone(
                format!("http://{address}").parse().unwrap(),
                phoneprov::phone::Credentials::default(),
                phoneprov::phone::ClientOptions {
                    connect_timeout: Duration::from_secs(2),
                    request_timeout: Duration::from_secs(2),
                    ..phoneprov::phone::ClientOptions::default()
                },
            )
            .unwrap(),
    );
    let (result, _) = apply(&setup.engine, &phone, change(), options(ViaChoice::Auto)).await;
    let error = result.unwrap_err();
    assert!(error.to_string().contains("Nothing was sent"), "{error}");
    let requests = seen.lock().unwrap().clone();
    assert!(!requests.is_empty());
    assert!(
        requests
            .iter()
            .all(|line| line.starts_with("GET ") && !line.contains("/admin/resync")),
        "{requests:?}"
    );
    assert_eq!(snapshot_files(&setup), Vec::<std::path::PathBuf>::new());
    let ApplyError::NotRead(cause) = error else {
        panic!("{error:?}")
    };
    cause
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_never_answers_times_out_in_words() {
    let (address, seen) = raw_server(Wire::Silent).await;
    let error = apply_to_raw(address, &seen).await;
    assert_eq!(
        error,
        PhoneError::TimedOut {
            phone: address.to_string(),
            what: "/admin/cfg.xml".into(),
            seconds: 2
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_answers_one_byte_a_second_times_out() {
    let (address, seen) = raw_server(Wire::Trickle).await;
    let error = apply_to_raw(address, &seen).await;
    assert!(
        matches!(error, PhoneError::TimedOut { seconds: 2, .. }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset_mid_body_reads_nothing() {
    let (address, seen) = raw_server(Wire::ResetMidBody).await;
    let error = apply_to_raw(address, &seen).await;
    assert!(matches!(error, PhoneError::Broken { .. }), "{error:?}");
    assert!(error.to_string().contains("nothing was read"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_xml_is_refused_without_recursing() {
    let (address, seen) = raw_server(Wire::DeeplyNested).await;
    let error = apply_to_raw(address, &seen).await;
    let problem = unreadable(&error);
    assert!(
        matches!(problem, PageProblem::Malformed(detail) if detail.contains("nested")),
        "{problem:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_is_not_followed() {
    let (address, seen) = raw_server(Wire::RedirectLoop).await;
    let error = apply_to_raw(address, &seen).await;
    // A phone redirects to its login page when it wants a password.
    assert!(
        matches!(error, PhoneError::NeedsPassword { .. }),
        "{error:?}"
    );
    assert!(seen.lock().unwrap().len() <= 3, "followed the loop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_host_is_not_followed() {
    let (address, seen) = raw_server(Wire::RedirectElsewhere).await;
    let error = apply_to_raw(address, &seen).await;
    assert_eq!(
        error,
        PhoneError::RedirectedElsewhere {
            phone: address.to_string(),
            path: "/admin/cfg.xml".into(),
            to: "192.0.2.10:80".into()
        }
    );
}

/// Runs the CLI with its own data directory; returns (exit code, everything printed).
async fn cli(args: &[&str]) -> (i32, String) {
    let data = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(common::phoneprov_binary());
    command
        .args(args)
        .env("PHONEPROV_DATA_DIR", data.path())
        .env_remove("PHONEPROV_PASSWORD");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), printed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_and_status_of_a_phone_answering_its_login_page_fail_in_words() {
    let sim = sim(PhoneConfig::default()).await;
    sim.control().set_faults(Faults {
        login_page: true,
        ..Faults::default()
    });
    let address = sim.addr().to_string();
    for command in ["show", "status"] {
        let (code, printed) = cli(&[command, &address]).await;
        assert_eq!(code, 1, "{command}: {printed}");
        assert!(
            printed.contains("with its login page: it wants a password, or its firmware's web login is not supported"),
            "{command}: {printed}"
        );
        assert!(!printed.contains("not reported"), "{command}: {printed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_of_a_cut_off_configuration_fails_and_set_sends_nothing() {
    let sim = sim(PhoneConfig::default()).await;
    sim.control().set_faults(Faults {
        truncated_xml: true,
        ..Faults::default()
    });
    let address = sim.addr().to_string();
    let (code, printed) = cli(&["show", &address]).await;
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains("the configuration from the phone at"),
        "{printed}"
    );
    assert!(printed.contains("stopped after"), "{printed}");
    let (code, printed) = cli(&["set", &address, "Resync_Periodic=7201"]).await;
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains("Nothing was sent to the phone"),
        "{printed}"
    );
    assert_eq!(changing_requests(&sim), Vec::<String>::new());
}

/// A plain web server that is no phone (404 everywhere, an nginx Server header and page);
/// returns its address and the requests it saw.
async fn plain_web_server() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let log = log.clone();
        async move {
            log.lock()
                .unwrap()
                .push(format!("{} {}", request.method(), request.uri().path()));
            let status = if request.uri().path() == "/" {
                axum::http::StatusCode::OK
            } else {
                axum::http::StatusCode::NOT_FOUND
            };
            (
                status,
                [(axum::http::header::SERVER, "nginx/1.24.0")],
                axum::response::Html("<html><head><title>Welcome to nginx!</title></head></html>"),
            )
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_server_that_is_no_phone_is_called_that_and_gets_nothing() {
    let (address, seen) = plain_web_server().await;
    let address = address.to_string();
    for args in [
        vec!["show", address.as_str()],
        vec!["set", address.as_str(), "Resync_Periodic=7201"],
    ] {
        let (code, printed) = cli(&args).await;
        assert_eq!(code, 1, "{args:?}: {printed}");
        assert!(
            printed.contains("answers HTTP but is not a Cisco/Linksys phone"),
            "{printed}"
        );
        assert!(printed.contains("nginx/1.24.0"), "{printed}");
        assert!(printed.contains("Welcome to nginx!"), "{printed}");
        assert!(!printed.contains("factory reset"), "{printed}");
    }
    let requests = seen.lock().unwrap().clone();
    assert!(
        requests
            .iter()
            .all(|r| r.starts_with("GET ") && !r.contains("resync")),
        "{requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_said_in_words_with_the_next_step() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    let (code, printed) = cli(&["show", &address]).await;
    assert_eq!(code, 2, "{printed}");
    assert!(
        printed.contains(&format!("nothing listens at {address}")),
        "{printed}"
    );
    assert!(printed.contains("check the address and port"), "{printed}");
    assert!(!printed.contains("os error"), "{printed}");
}
