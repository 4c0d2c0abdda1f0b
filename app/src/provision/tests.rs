//! The engine against a small real HTTP phone on 127.0.0.1 (the full emulator, phone-sim, is
//! exercised in tests/e2e): push and post end verified, dropped values and refusals are
//! reported in words, snapshots are saved before anything is sent.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::phone::{ClientOptions, Credentials, Phone, PhoneAddress, Scheme};

const UA: &str = "Cisco-CP-8861-3PCC/11.3.7 (00562b043615)";

#[derive(Default)]
struct Mini {
    values: BTreeMap<String, String>,
    /// Parameters this phone does not know (dropped when applied).
    unknown: Vec<String>,
    /// Fetches go to a dead port instead of the given URL.
    cannot_reach: bool,
}

fn apply_profile(mini: &mut Mini, xml: &str) {
    let document = crate::profile::xml::read_document(xml).unwrap();
    for element in document.elements {
        if !mini.unknown.contains(&element.name) {
            mini.values.insert(element.name, element.value);
        }
    }
}

async fn handle(State(mini): State<Arc<Mutex<Mini>>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    match path.as_str() {
        "/admin/cfg.xml" => {
            let mini = mini.lock().unwrap();
            let mut xml = String::from("<flat-profile>");
            for (name, value) in &mini.values {
                xml.push_str(&format!("<{name}>{value}</{name}>"));
            }
            xml.push_str("</flat-profile>");
            xml.into_response()
        }
        "/admin/status.xml" => "<status><Product_Name>CP-8861-3PCC</Product_Name>\
            <MAC_Address>00562B043615</MAC_Address><Call_State>Idle</Call_State></status>"
            .into_response(),
        "/admin/config.xml" => {
            let body = axum::body::to_bytes(request.into_body(), 1 << 20)
                .await
                .unwrap();
            apply_profile(&mut mini.lock().unwrap(), &String::from_utf8_lossy(&body));
            "OK".into_response()
        }
        "/admin/resync" => {
            let Some(url) = query else {
                return "OK".into_response();
            };
            let target = if mini.lock().unwrap().cannot_reach {
                "http://127.0.0.1:9/x.xml".to_string()
            } else {
                url
            };
            let mini = mini.clone();
            tokio::spawn(async move {
                let client = crate::net::client_builder().no_proxy().build().unwrap();
                if let Ok(answer) = client.get(&target).header("User-Agent", UA).send().await
                    && answer.status().is_success()
                {
                    let xml = answer.text().await.unwrap();
                    apply_profile(&mut mini.lock().unwrap(), &xml);
                }
            });
            "OK".into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start(mini: Mini) -> (SocketAddr, Arc<Mutex<Mini>>) {
    let shared = Arc::new(Mutex::new(mini));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(shared.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, shared)
}

fn mini_with(values: &[(&str, &str)]) -> Mini {
    Mini {
        values: values
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        ..Mini::default()
    }
}

fn changes(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn quick() -> ApplyOptions {
    quick_via(ViaChoice::Auto)
}

/// [`quick`], sending the given way.
fn quick_via(via: ViaChoice) -> ApplyOptions {
    ApplyOptions {
        via,
        timeout: Duration::from_secs(10),
        reach_timeout: Duration::from_secs(1),
        settle: Duration::from_millis(300),
        max_poll_interval: Duration::from_millis(100),
        ..ApplyOptions::default()
    }
}

/// A handle on the mini phone at `address`.
fn mini_phone(engine: &Engine, address: SocketAddr) -> Phone {
    engine
        .phone(
            PhoneAddress::from_socket(Scheme::Http, address),
            Credentials::default(),
            ClientOptions::default(),
        )
        .unwrap()
}

async fn run(
    engine: &Engine,
    address: SocketAddr,
    list: &[(&str, &str)],
    options: ApplyOptions,
) -> (Result<ApplyReport, ApplyError>, Vec<EventKind>) {
    let phone = mini_phone(engine, address);
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let sink = EventSink::new(address.to_string(), sender);
    let result = engine
        .apply(
            &phone,
            &changes(list),
            &options,
            &sink,
            &CancellationToken::new(),
        )
        .await;
    drop(sink);
    let mut events = Vec::new();
    while let Some(event) = receiver.recv().await {
        events.push(event.kind);
    }
    (result, events)
}

fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Product_Name", "CP-8861-3PCC"),
        ("MAC_Address", "00562B043615"),
        ("Provision_Enable", "Yes"),
        ("Resync_Periodic", "3600"),
        ("Resync_At__HHmm_", ""),
    ]
}

#[tokio::test]
async fn push_and_post_both_end_verified_with_a_snapshot_first() {
    for via in [ViaChoice::Push, ViaChoice::Post] {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path()).unwrap();
        let (address, mini) = start(mini_with(&base())).await;
        let mut sightings = engine.sightings();
        let (result, events) = run(
            &engine,
            address,
            &[("Resync_Periodic", "3665"), ("Resync_At__HHmm_", "1800")],
            quick_via(via),
        )
        .await;
        let report = result.unwrap();
        assert_eq!(mini.lock().unwrap().values["Resync_Periodic"], "3665");
        assert_eq!(report.verified, vec!["Resync_Periodic", "Resync_At__HHmm_"]);
        assert!(report.fully_verified());
        // The snapshot holds the values from before.
        let snapshot = engine
            .history()
            .find(&address.to_string(), None, report.snapshot.as_deref())
            .unwrap();
        assert_eq!(snapshot.values["Resync_Periodic"], "3600");
        // The states, in order.
        let names: Vec<&str> = events
            .iter()
            .map(|e| match e {
                EventKind::Validated { .. } => "validated",
                EventKind::Compared { .. } => "compared",
                EventKind::SnapshotSaved { .. } => "snapshot",
                EventKind::Sent { .. } => "sent",
                EventKind::ProfileFetched { .. } => "fetched",
                EventKind::Applied { .. } => "applied",
                EventKind::Verified { .. } => "verified",
                _ => "other",
            })
            .collect();
        let expected: &[&str] = match via {
            ViaChoice::Push => &[
                "validated",
                "compared",
                "snapshot",
                "sent",
                "fetched",
                "applied",
                "verified",
            ],
            _ => &[
                "validated",
                "compared",
                "snapshot",
                "sent",
                "applied",
                "verified",
            ],
        };
        assert_eq!(names, expected, "{via:?}: {events:?}");
        if via == ViaChoice::Push {
            let sighting = sightings.try_recv().unwrap();
            assert_eq!(sighting.text, UA);
        }
    }
}

#[tokio::test]
async fn nothing_is_sent_when_nothing_differs() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let (address, _) = start(mini_with(&base())).await;
    let (result, events) = run(&engine, address, &[("Resync_Periodic", "3600")], quick()).await;
    assert!(result.unwrap().snapshot.is_none());
    assert!(events.contains(&EventKind::NothingToChange));
    assert!(!events.iter().any(|e| matches!(e, EventKind::Sent { .. })));
}

#[tokio::test]
async fn a_dropped_value_is_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    // Listed in the phone's configuration, but the phone keeps its own value.
    let mut values = base();
    values.push(("Resync_Fancy", "0"));
    let mut mini = mini_with(&values);
    mini.unknown = vec!["Resync_Fancy".into()];
    let (address, _) = start(mini).await;
    let (result, _) = run(
        &engine,
        address,
        &[("Resync_Periodic", "3665"), ("Resync_Fancy", "1")],
        quick_via(ViaChoice::Post),
    )
    .await;
    let error = result.unwrap_err();
    let ApplyError::Unverified {
        mismatches,
        verified,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(verified, &vec!["Resync_Periodic".to_string()]);
    assert_eq!(mismatches[0].name, "Resync_Fancy");
    assert!(error.to_string().contains("Resync_Fancy"), "{error}");
}

#[tokio::test]
async fn provision_disabled_refuses_push_and_auto_posts_instead() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let mut values = base();
    values[2] = ("Provision_Enable", "No");
    let (address, mini) = start(mini_with(&values)).await;
    let push = quick_via(ViaChoice::Push);
    let (result, _) = run(&engine, address, &[("Resync_Periodic", "3665")], push).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ApplyError::ProvisionDisabled { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Provision Enable is No"));
    assert!(error.to_string().contains("--via post"), "{error}");
    assert_eq!(mini.lock().unwrap().values["Resync_Periodic"], "3600");
    // Auto knows push cannot work and posts, saying why.
    let (result, events) = run(&engine, address, &[("Resync_Periodic", "3665")], quick()).await;
    assert_eq!(result.unwrap().via, Some(Via::Post));
    let reason = events
        .iter()
        .find_map(|e| match e {
            EventKind::FallingBack { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .expect("no falling-back event");
    assert!(reason.contains("Provision Enable is No"), "{reason}");
    assert_eq!(mini.lock().unwrap().values["Resync_Periodic"], "3665");
    let (result, _) = run(
        &engine,
        address,
        &[("Resync_Periodic", "3600")],
        quick_via(ViaChoice::Post),
    )
    .await;
    result.unwrap();
}

#[tokio::test]
async fn auto_falls_back_to_post_when_the_phone_cannot_reach_us() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let mut mini = mini_with(&base());
    mini.cannot_reach = true;
    let (address, _) = start(mini).await;
    let (result, events) = run(
        &engine,
        address,
        &[("Resync_Periodic", "3665")],
        quick_via(ViaChoice::Push),
    )
    .await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ApplyError::CannotReachLaptop { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("could not reach this laptop"));
    // This phone says it is idle: a call is not among the causes named.
    assert!(!error.to_string().contains("call in progress"), "{error}");
    assert!(events.iter().any(|e| matches!(e, EventKind::Failed { .. })));

    let (result, events) = run(&engine, address, &[("Resync_Periodic", "3665")], quick()).await;
    assert_eq!(result.unwrap().via, Some(Via::Post));
    assert!(
        events.iter().any(|e| matches!(
            e,
            EventKind::FallingBack {
                from: Via::Push,
                to: Via::Post,
                ..
            }
        )),
        "{events:?}"
    );
}

#[tokio::test]
async fn rollback_puts_back_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let (address, mini) = start(mini_with(&base())).await;
    let (result, _) = run(&engine, address, &[("Resync_Periodic", "3665")], quick()).await;
    let id = result.unwrap().snapshot.unwrap();
    let snapshot = engine
        .history()
        .find(&address.to_string(), None, Some(&id))
        .unwrap();
    let phone = mini_phone(&engine, address);
    let report = engine
        .rollback(
            &phone,
            &snapshot,
            &quick(),
            &EventSink::discard("x"),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(report.verified, vec!["Resync_Periodic"]);
    assert_eq!(mini.lock().unwrap().values["Resync_Periodic"], "3600");
}

#[tokio::test]
async fn cancelling_stops_the_operation_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let mut mini = mini_with(&base());
    mini.cannot_reach = true;
    let (address, _) = start(mini).await;
    let phone = mini_phone(&engine, address);
    // Cancelled once the profile is offered (the phone never fetches it: cannot_reach).
    let cancel = CancellationToken::new();
    let canceller = cancel.clone();
    let (sender, mut events) = mpsc::unbounded_channel::<ProvisionEvent>();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if matches!(event.kind, EventKind::Sent { .. }) {
                canceller.cancel();
            }
        }
    });
    let options = ApplyOptions {
        via: ViaChoice::Push,
        reach_timeout: Duration::from_secs(30),
        ..quick()
    };
    let error = engine
        .apply(
            &phone,
            &changes(&[("Resync_Periodic", "3665")]),
            &options,
            &EventSink::new("x", sender),
            &cancel,
        )
        .await
        .unwrap_err();
    let ApplyError::Cancelled { snapshot_hint, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(snapshot_hint.contains("rollback"), "{error}");
}

#[tokio::test]
async fn invalid_changes_never_touch_the_phone() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let (address, _) = start(mini_with(&base())).await;
    let (result, events) = run(&engine, address, &[("Not<a>name", "1")], quick()).await;
    assert!(
        matches!(result, Err(ApplyError::Invalid { .. })),
        "{result:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EventKind::SnapshotSaved { .. }))
    );
    assert!(
        engine
            .history()
            .list(&address.to_string(), None)
            .unwrap()
            .is_empty()
    );
}

/// The engine's syslog listener, over real UDP: a phone's log line becomes a sighting that
/// names the phone.
#[tokio::test]
async fn a_syslog_datagram_to_the_engine_is_a_sighting() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let mut sightings = engine.sightings();
    let bound = engine
        .enable_syslog("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let phone = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    phone
        .send_to(
            b"<134>CP-8851-3PCC 00:56:2b:04:36:16 -- Successful resync http://x/p.xml",
            bound,
        )
        .await
        .unwrap();
    let sighting = tokio::time::timeout(Duration::from_secs(5), sightings.recv())
        .await
        .expect("no sighting within 5 s")
        .unwrap();
    assert_eq!(sighting.kind, crate::discovery::SightingKind::Syslog);
    let seen = sighting.observation().unwrap();
    assert_eq!(seen.identity.model.as_deref(), Some("CP-8851-3PCC"));
    assert_eq!(seen.identity.mac.unwrap().lower_hex(), "00562b043616");
}

#[tokio::test]
async fn a_name_the_phone_does_not_have_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let (address, mini) = start(mini_with(&base())).await;
    let (result, events) = run(
        &engine,
        address,
        &[("Resync_Periodc", "7200"), ("Resync At (HHmm)", "0230")],
        quick(),
    )
    .await;
    let error = result.unwrap_err();
    assert!(
        matches!(&error, ApplyError::UnknownNames { unknown, .. } if unknown.len() == 1),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("Resync_Periodc (did you mean `Resync_Periodic`?)"),
        "{error}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EventKind::SnapshotSaved { .. } | EventKind::Sent { .. }))
    );
    let mini = mini.lock().unwrap();
    assert_eq!(mini.values["Resync_Periodic"], "3600");
    assert_eq!(mini.values["Resync_At__HHmm_"], "");
}

#[tokio::test]
async fn skipping_unknown_names_sends_the_known_ones_by_their_element_names() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let (address, mini) = start(mini_with(&base())).await;
    let options = ApplyOptions {
        skip_unknown: true,
        ..quick_via(ViaChoice::Post)
    };
    let (result, events) = run(
        &engine,
        address,
        &[("Other_Model_Only", "1"), ("resync at (hhmm)", "0230")],
        options,
    )
    .await;
    let report = result.unwrap();
    assert_eq!(report.verified, ["Resync_At__HHmm_"]);
    assert_eq!(mini.lock().unwrap().values["Resync_At__HHmm_"], "0230");
    assert!(!mini.lock().unwrap().values.contains_key("Other_Model_Only"));
    let notes: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            EventKind::Note { message } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        notes,
        [
            "\"resync at (hhmm)\" means Resync_At__HHmm_",
            "left out, the phone has no such parameter: Other_Model_Only"
        ]
    );
}
