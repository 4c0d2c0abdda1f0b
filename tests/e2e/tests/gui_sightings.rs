//! Passive sightings reach the desktop app: a syslog datagram to the engine's listener (real
//! UDP on 127.0.0.1) puts the phone in the list and a line in the activity log.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use phoneprov::gui::Shell;
use phoneprov::session::StateFile;

#[test]
fn a_phone_that_sends_syslog_appears_in_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let engine = std::sync::Arc::new(
        phoneprov::provision::Engine::open(&dir.path().join("engine")).unwrap(),
    );
    // Listen on loopback only (the app's setting binds all interfaces).
    let listener = runtime
        .block_on(engine.enable_syslog("127.0.0.1:0".parse().unwrap()))
        .unwrap();
    let file = StateFile::in_dir(dir.path());
    let shell_engine = engine.clone();
    let mut harness = Harness::builder()
        .with_size([1280.0, 900.0])
        .with_max_steps(30)
        .build_eframe(move |cc| {
            let mut shell = Shell::new(&cc.egui_ctx, runtime, Ok(file));
            shell.use_engine(shell_engine);
            shell
        });
    harness.run();
    assert!(harness.state().phones().entries.is_empty());

    let phone = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    phone
        .send_to(
            b"<134>CP-8851-3PCC 00:56:2b:04:36:17 -- Successful resync http://x/p.xml",
            listener,
        )
        .unwrap();
    wait_for(&mut harness, "the syslog sender in the list", |shell| {
        shell.phones().entries.iter().any(|e| {
            e.mac.is_some_and(|m| m.lower_hex() == "00562b043617")
                && e.model.as_deref() == Some("CP-8851-3PCC")
                && e.address.host == "127.0.0.1"
        })
    });
    let log = harness.state().activity().to_text(&jiff::tz::TimeZone::UTC);
    assert!(log.contains("CP-8851-3PCC"), "{log}");
    assert!(log.contains("sent syslog"), "{log}");
    assert_eq!(harness.state().phones().entries.len(), 1);
}

/// Steps the UI until `done` holds, for at most 10 s of wall time.
fn wait_for(harness: &mut Harness<'_, Shell>, what: &str, done: impl Fn(&Shell) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        harness.step();
        if done(harness.state()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within 10 s. Activity:\n{}",
            harness.state().activity().to_text(&jiff::tz::TimeZone::UTC)
        );
        // Yield between frames; the condition, not this pause, decides when we stop.
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The syslog listener binds every interface, so tests of the setting run only inside the
/// namespace LAN (scripts/test); outside it they fail on purpose and say how to run them.
fn lan_self() -> std::net::IpAddr {
    let Ok(address) = std::env::var("LAN_SELF") else {
        panic!(
            "LAN_SELF is not set: the syslog setting listens on all interfaces, so this test \
             runs only inside the namespace LAN. Run it with scripts/test, or \
             ../shared/tools/netns-lan -- cargo test -p phoneprov-e2e --test gui_sightings"
        );
    };
    address.parse().expect("LAN_SELF is an address")
}

/// An app whose saved settings turn the syslog listener on at `port`.
fn app_with_syslog(dir: &std::path::Path, port: u16) -> Harness<'static, Shell> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let engine = phoneprov::provision::Engine::open(&dir.join("engine")).unwrap();
    let file = StateFile::in_dir(dir);
    Harness::builder()
        .with_size([1280.0, 900.0])
        .with_max_steps(30)
        .build_eframe(move |cc| {
            let mut shell = Shell::new(&cc.egui_ctx, runtime, Ok(file));
            let mut settings = phoneprov::session::Settings::default();
            settings.syslog.enabled = true;
            settings.syslog.port = port;
            shell.use_settings(&cc.egui_ctx, settings);
            shell.use_engine(std::sync::Arc::new(engine));
            shell
        })
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("0.0.0.0:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
fn the_syslog_setting_starts_the_listener_and_says_where() {
    let lan_self = lan_self();
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let mut harness = app_with_syslog(dir.path(), port);
    let listening = format!("Syslog listener on UDP 0.0.0.0:{port}");
    wait_for(&mut harness, "the listener reports its address", |shell| {
        shell
            .activity()
            .to_text(&jiff::tz::TimeZone::UTC)
            .contains(&listening)
    });
    let phone = std::net::UdpSocket::bind(std::net::SocketAddr::new(lan_self, 0)).unwrap();
    phone
        .send_to(
            b"<134>CP-7841-3PCC 00:56:2b:04:36:18 -- Requesting resync http://x/p.xml",
            std::net::SocketAddr::new(lan_self, port),
        )
        .unwrap();
    wait_for(&mut harness, "the syslog sender in the list", |shell| {
        shell.phones().entries.iter().any(|e| {
            e.mac.is_some_and(|m| m.lower_hex() == "00562b043618")
                && e.address.host == lan_self.to_string()
        })
    });
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
fn a_busy_syslog_port_is_reported_not_ignored() {
    lan_self();
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut harness = app_with_syslog(dir.path(), port);
    wait_for(&mut harness, "the bind failure in the log", |shell| {
        shell
            .activity()
            .to_text(&jiff::tz::TimeZone::UTC)
            .contains(&format!("could not use UDP 0.0.0.0:{port}"))
    });
    drop(taken);
}
