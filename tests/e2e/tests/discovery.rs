//! Discovery against emulated phones on the namespace LAN of `../shared/tools/netns-lan`
//! (scripts/test runs the suite inside it). Outside it these tests fail on purpose: they
//! sweep and multicast, which must never reach a real network.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use phone_sim::{PhoneConfig, PhoneSim, RunningPhone};
use phoneprov::discovery::{
    Access, Certainty, DiscoveredPhone, ManualTarget, PhoneKey, PhoneTable, ScanEvent, ScanOptions,
    ScanSummary, Scanner, ScopeError, Source,
};
use phoneprov::identity::Mac;

mod common;

/// The namespace LAN, or a failure that says how to run these tests.
struct Lan {
    cidr: ipnet::IpNet,
    hosts: Vec<IpAddr>,
}

fn lan() -> Lan {
    let Ok(cidr) = std::env::var("LAN_CIDR") else {
        panic!(
            "LAN_CIDR is not set: discovery tests sweep and multicast, so they run only inside \
             the private namespace LAN. Run them with scripts/test, or \
             ../shared/tools/netns-lan --hosts 16 -- cargo test -p phoneprov-e2e --test discovery"
        );
    };
    let hosts: Vec<IpAddr> = std::env::var("LAN_HOSTS")
        .unwrap_or_default()
        .split_whitespace()
        .map(|h| h.parse().expect("LAN_HOSTS holds addresses"))
        .collect();
    assert!(
        hosts.len() >= 10,
        "these tests need at least 10 namespace hosts (netns-lan --hosts 16), got {}",
        hosts.len()
    );
    Lan {
        cidr: cidr.parse().expect("LAN_CIDR is a CIDR"),
        hosts,
    }
}

/// The tests share one LAN and sweep all of it: one at a time.
static LAN_IN_USE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn phone(config: PhoneConfig) -> RunningPhone {
    PhoneSim::start(config)
        .await
        .expect("the emulated phone starts")
}

fn on(address: IpAddr, port: u16, model: &str) -> PhoneConfig {
    PhoneConfig {
        listen: SocketAddr::new(address, port),
        ..PhoneConfig::model(model)
    }
}

fn mac_of(phone: &RunningPhone) -> Mac {
    phone.mac().parse().expect("phone-sim gives a MAC")
}

fn sweep_only(lan: &Lan) -> ScanOptions {
    ScanOptions {
        mdns: false,
        sweep: true,
        neighbours: true,
        cidrs: vec![lan.cidr],
        time_limit: Duration::from_secs(30),
        ..ScanOptions::default()
    }
}

/// Runs a scan to its end, collecting every event.
async fn scan(scanner: Scanner) -> (Vec<ScanEvent>, ScanSummary) {
    let mut handle = scanner.start().expect("the scan starts");
    let mut events = Vec::new();
    let wait = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(event) = handle.next().await {
            if let ScanEvent::Finished(summary) = &event {
                return summary.clone();
            }
            events.push(event);
        }
        panic!("the scan ended without a Finished event");
    });
    let summary = wait.await.expect("the scan finishes within a minute");
    (events, summary)
}

fn by_mac(phones: &[DiscoveredPhone]) -> BTreeMap<Mac, DiscoveredPhone> {
    phones
        .iter()
        .filter_map(|p| p.identity.mac.map(|m| (m, p.clone())))
        .collect()
}

fn assert_identified(found: &BTreeMap<Mac, DiscoveredPhone>, sim: &RunningPhone, source: Source) {
    let mac = mac_of(sim);
    let Some(phone) = found.get(&mac) else {
        panic!(
            "{} ({} at {}) was not found; found: {:#?}",
            sim.model(),
            mac,
            sim.addr(),
            found
                .values()
                .map(|p| (p.address, p.identity.mac))
                .collect::<Vec<_>>()
        );
    };
    assert_eq!(phone.address, sim.addr().ip(), "address of {mac}");
    assert_eq!(
        phone.identity.model.as_deref(),
        Some(sim.model()),
        "model of {mac}"
    );
    assert_eq!(
        phone.identity.firmware.as_deref(),
        Some(sim.identity().software_version().as_str()),
        "firmware of {mac}"
    );
    assert_eq!(
        phone.identity.serial.as_deref(),
        Some(sim.identity().serial.as_str()),
        "serial of {mac}"
    );
    assert!(
        phone.sources.contains(&source),
        "{mac} sources: {:?}",
        phone.sources
    );
    assert_eq!(phone.confidence().cisco_phone, Certainty::Certain, "{mac}");
    assert_eq!(phone.web.map(|w| w.port), Some(sim.addr().port()), "{mac}");
}

const PRINTER_PAGE: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 60\r\n\r\n<html><head><title>Office printer</title></head></html>\n\n\n\n\n";

/// A web server that is not a phone: answers every request with `answer`, or with nothing
/// (accepts and keeps the connection open).
async fn serve_forever(
    address: SocketAddr,
    answer: Option<&'static str>,
) -> tokio::task::JoinHandle<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind(address).await.expect("bind");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            match answer {
                Some(text) => {
                    tokio::spawn(async move {
                        let mut request = [0u8; 2048];
                        let _ = socket.read(&mut request).await;
                        let _ = socket.write_all(text.as_bytes()).await;
                    });
                }
                None => held.push(socket),
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn the_sweep_finds_every_phone_and_leaves_the_silent_rest() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let h = &lan.hosts;
    let mpp = phone(on(h[0], 80, "CP-8861-3PCC")).await;
    let spa = phone(on(h[1], 80, "SPA504G")).await;
    let https_only = phone(PhoneConfig {
        https: true,
        ..on(h[2], 443, "CP-7841-3PCC")
    })
    .await;
    let locked = phone(on(h[3], 80, "CP-8851-3PCC").with_password("s3cret-pw")).await;
    let on_user_port = phone(on(h[4], 8080, "CP-8845-3PCC")).await;
    // Not phones: a printer's web page, and a server that accepts and never answers.
    let printer = serve_forever(SocketAddr::new(h[14], 80), Some(PRINTER_PAGE)).await;
    let mute = serve_forever(SocketAddr::new(h[15], 80), None).await;
    // On a real LAN the sweep's connection puts the locked phone in the ARP table; here its
    // address is local, so the entry is made by hand (with the phone's own MAC).
    let _arp = NeighbourEntry::add(
        &locked.addr().ip().to_string(),
        &mac_of(&locked).to_string(),
    );

    let options = ScanOptions {
        extra_ports: vec![8080],
        ..sweep_only(&lan)
    };
    let (events, summary) = scan(Scanner::new(options)).await;
    assert!(!summary.cancelled && !summary.timed_out);
    assert_eq!(
        summary.swept.done, 254,
        "every address of the /24 was tried"
    );
    assert_eq!(summary.swept.total, 254);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ScanEvent::Progress(p) if p.done == 254 && p.total == 254)),
        "progress reaches the end"
    );

    let found = by_mac(&summary.phones);
    for sim in [&mpp, &spa, &https_only, &on_user_port] {
        assert_identified(&found, sim, Source::Sweep);
    }
    assert_eq!(
        found[&mac_of(&spa)].identity.firmware_line(),
        Some(phoneprov::identity::FirmwareLine::Spa)
    );
    assert_eq!(
        found[&mac_of(&https_only)].web.map(|w| w.scheme.as_str()),
        Some("https")
    );
    assert_eq!(found[&mac_of(&mpp)].access, Access::Open);

    // The phone with a password is kept, marked as needing credentials.
    let locked_phone = summary
        .phones
        .iter()
        .find(|p| p.address == locked.addr().ip())
        .expect("the password-protected phone is listed, not dropped");
    assert_eq!(locked_phone.access, Access::NeedsCredentials);
    assert!(locked_phone.confidence().cisco_phone >= Certainty::Likely);
    assert_eq!(locked_phone.identity.model.as_deref(), Some("CP-8851-3PCC"));
    assert_eq!(
        locked_phone.identity.mac,
        Some(mac_of(&locked)),
        "MAC from the ARP table"
    );
    assert!(
        locked_phone.sources.contains(&Source::Arp)
            && locked_phone.sources.contains(&Source::Sweep)
    );

    // Nothing else: the other namespace hosts and the silent addresses are not phones.
    let ours: Vec<IpAddr> = [&mpp, &spa, &https_only, &locked, &on_user_port]
        .iter()
        .map(|p| p.addr().ip())
        .collect();
    for phone in &summary.phones {
        assert!(ours.contains(&phone.address), "unexpected phone {phone:?}");
    }
    printer.abort();
    mute.abort();
    // Every phone was announced by an event as it was found.
    for phone in &summary.phones {
        assert!(events.iter().any(|e| matches!(e,
            ScanEvent::PhoneFound(p) | ScanEvent::PhoneUpdated { phone: p, .. } if p.key() == phone.key())));
    }
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn mdns_finds_announcing_phones_without_the_sweep() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let h = &lan.hosts;
    let announcing = phone(PhoneConfig {
        mdns: true,
        ..on(h[5], 80, "CP-8861-3PCC")
    })
    .await;
    let announcing_https = phone(PhoneConfig {
        mdns: true,
        https: true,
        ..on(h[6], 443, "CP-7841-3PCC")
    })
    .await;
    let quiet = phone(on(h[7], 80, "CP-8851-3PCC")).await;

    let options = ScanOptions {
        mdns: true,
        sweep: false,
        neighbours: false,
        // Announcements resolve in well under a second (see the benchmark); the window leaves
        // room for a machine busy with the rest of the suite.
        mdns_window: Duration::from_secs(5),
        ..ScanOptions::default()
    };
    let (_, summary) = scan(Scanner::new(options)).await;
    assert_eq!(summary.swept.total, 0, "no sweep ran");
    let found = by_mac(&summary.phones);
    for sim in [&announcing, &announcing_https] {
        assert_identified(&found, sim, Source::Mdns);
        let phone = &found[&mac_of(sim)];
        assert!(phone.mdns_name.is_some());
        assert!(!phone.sources.contains(&Source::Sweep));
    }
    assert!(
        !found.contains_key(&mac_of(&quiet)),
        "a phone that does not announce is not found by mDNS alone"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn a_rescan_updates_rather_than_duplicates_and_follows_a_moved_phone() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let h = &lan.hosts;
    let first = phone(on(h[8], 80, "CP-8861-3PCC")).await;
    let mac = mac_of(&first);
    let other = phone(on(h[9], 80, "SPA504G")).await;

    let (_, summary) = scan(Scanner::new(sweep_only(&lan))).await;
    let mut table = PhoneTable::new();
    for phone in summary.phones {
        table.merge(phone);
    }
    assert!(table.get(&PhoneKey::Mac(mac)).is_some());
    let before = table.len();

    // The same phones again: updated, not found anew.
    let (events, summary) = scan(Scanner::new(sweep_only(&lan)).with_table(table.clone())).await;
    for phone in &summary.phones {
        table.merge(phone.clone());
    }
    assert_eq!(table.len(), before, "a rescan adds no duplicates");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ScanEvent::PhoneFound(p) if p.identity.mac == Some(mac))),
        "a known phone is reported as updated, not found"
    );
    assert!(events.iter().any(
        |e| matches!(e, ScanEvent::PhoneUpdated { phone, .. } if phone.identity.mac == Some(mac))
    ));

    // The phone moves to another address (same MAC): still one phone, at the new address.
    first.stop().await;
    let moved = phone(PhoneConfig {
        mac: Some(mac.lower_hex()),
        ..on(h[10], 80, "CP-8861-3PCC")
    })
    .await;
    let (_, summary) = scan(Scanner::new(sweep_only(&lan)).with_table(table.clone())).await;
    for phone in &summary.phones {
        table.merge(phone.clone());
    }
    assert_eq!(table.len(), before, "the moved phone is not a new one");
    assert_eq!(
        table.get(&PhoneKey::Mac(mac)).map(|p| p.address),
        Some(moved.addr().ip())
    );
    drop(other);
}

/// A phone that answers on HTTP and HTTPS is kept with its HTTPS endpoint: over plain HTTP its
/// admin password would travel in clear.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn a_phone_that_offers_https_is_reached_over_https() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let h = &lan.hosts;
    let plain = phone(on(h[6], 80, "CP-8861-3PCC")).await;
    // The same phone's HTTPS server (same MAC, same address).
    let _secure = phone(PhoneConfig {
        https: true,
        mac: Some(plain.mac()),
        ..on(h[6], 443, "CP-8861-3PCC")
    })
    .await;
    let (_events, summary) = scan(Scanner::new(sweep_only(&lan))).await;
    let found = by_mac(&summary.phones);
    let web = found[&mac_of(&plain)].web.expect("its web server");
    assert_eq!((web.scheme.as_str(), web.port), ("https", 443));
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn cancel_stops_a_scan_promptly() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    // Slow on purpose: few probes at a time, long connect timeouts (minutes to finish).
    let options = ScanOptions {
        concurrency: 2,
        connect_timeout: Duration::from_secs(3),
        ..sweep_only(&lan)
    };
    let mut handle = Scanner::new(options).start().expect("the scan starts");
    // Wait until the sweep is under way.
    let started = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(event) = handle.next().await {
            if matches!(event, ScanEvent::Progress(_)) {
                return;
            }
        }
    })
    .await;
    assert!(started.is_ok(), "the sweep reported progress");
    handle.cancel();
    // Run to its end, the sweep would take minutes; the bound only tells "stopped" from that.
    let summary = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = handle.next().await {
            if let ScanEvent::Finished(summary) = event {
                return summary;
            }
        }
        panic!("no Finished event after cancel");
    })
    .await
    .expect("the scan finishes soon after cancel");
    assert!(summary.cancelled);
    assert!(summary.swept.done < summary.swept.total, "it stopped early");
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn large_ranges_need_confirmation_and_are_refused_before_any_traffic() {
    let _lan = lan();
    let options = ScanOptions {
        mdns: false,
        cidrs: vec!["198.18.0.0/16".parse().unwrap()],
        ..ScanOptions::default()
    };
    match Scanner::new(options.clone()).start() {
        Err(phoneprov::discovery::ScanError::Scope(ScopeError::TooLarge { addresses, .. })) => {
            assert_eq!(addresses, 65_536)
        }
        other => panic!("a /16 must ask first, got {other:?}"),
    }
    // Confirmed, it plans the whole range (not started: 65k probes prove nothing more).
    let confirmed = ScanOptions {
        allow_large: true,
        ..options
    };
    assert_eq!(
        confirmed.sweep_plan().unwrap().unwrap().addresses.len(),
        65_534
    );
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn add_by_address_fingerprints_it_and_keeps_a_silent_one() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let h = &lan.hosts;
    let sim = phone(on(h[11], 8088, "CP-7841-3PCC")).await;
    let targets: Vec<ManualTarget> = vec![
        format!("http://{}", sim.addr()).parse().unwrap(),
        h[12].to_string().parse().unwrap(),
    ];
    let (_, summary) = scan(Scanner::new(ScanOptions::manual_only(targets))).await;
    let found = by_mac(&summary.phones);
    assert_identified(&found, &sim, Source::Manual);
    let silent = summary
        .phones
        .iter()
        .find(|p| p.address == h[12])
        .expect("a typed address that does not answer is kept");
    assert_eq!(silent.access, Access::Unreachable);
}

/// Runs the binary without blocking the runtime (the emulated phones live on it).
async fn run_cli(args: &[&str], data_dir: &std::path::Path) -> std::process::Output {
    let mut command = std::process::Command::new(common::phoneprov_binary());
    command.args(args).env("PHONEPROV_DATA_DIR", data_dir);
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the command thread")
        .expect("phoneprov runs")
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn the_cli_prints_found_phones_as_json_and_remembers_them() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let h = &lan.hosts;
    let sim = phone(on(h[13], 80, "SPA504G")).await;
    let data = tempfile::tempdir().unwrap();
    let output = run_cli(
        &[
            "discover",
            "--no-mdns",
            "--json",
            "--timeout",
            "20",
            "--cidr",
            &lan.cidr.to_string(),
        ],
        data.path(),
    )
    .await;
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let phones: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let entry = phones
        .as_array()
        .expect("an array")
        .iter()
        .find(|p| p["mac"] == mac_of(&sim).to_string())
        .unwrap_or_else(|| panic!("the SPA is in {phones:#}"));
    assert_eq!(entry["address"], h[13].to_string());
    assert_eq!(entry["port"], 80);
    assert_eq!(entry["model"], "SPA504G");
    assert_eq!(entry["firmware"], sim.identity().software_version());
    assert!(entry["serial"].is_string());
    assert_eq!(entry["sources"], serde_json::json!(["sweep"]));

    let known = phoneprov::discovery::KnownPhones::load(data.path().join("known-phones.json"))
        .expect("the known-phones file is readable");
    assert_eq!(
        known.get(&mac_of(&sim)).and_then(|k| k.last_address),
        Some(h[13])
    );

    // A /16 is refused with a question, exit 2.
    let refused = run_cli(
        &["discover", "--no-mdns", "--cidr", "198.18.0.0/16"],
        data.path(),
    )
    .await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes-large"));
}

/// A permanent neighbour-table entry in the namespace, removed again on drop.
struct NeighbourEntry(String);

impl NeighbourEntry {
    fn add(address: &str, mac: &str) -> NeighbourEntry {
        let status = std::process::Command::new("ip")
            .args([
                "neigh",
                "replace",
                address,
                "lladdr",
                mac,
                "dev",
                "v0",
                "nud",
                "permanent",
            ])
            .status()
            .expect("ip (iproute2) runs");
        assert!(status.success(), "ip neigh replace {address} failed");
        NeighbourEntry(address.to_string())
    }
}

impl Drop for NeighbourEntry {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["neigh", "del", &self.0, "dev", "v0"])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn cisco_hardware_in_the_arp_table_is_marked_before_it_answers() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    // Two silent hosts the system has "talked to": a Cisco phone (00:56:2b, Cisco Systems)
    // and something else (50:a6:d8, Apple).
    let _cisco = NeighbourEntry::add("198.18.0.200", "00:56:2b:aa:bb:cc");
    let _other = NeighbourEntry::add("198.18.0.201", "50:a6:d8:11:22:33");
    let options = ScanOptions {
        sweep: false,
        mdns: false,
        neighbours: true,
        cidrs: vec![lan.cidr],
        ..ScanOptions::default()
    };
    let (_, summary) = scan(Scanner::new(options)).await;
    let mac: Mac = "00:56:2b:aa:bb:cc".parse().unwrap();
    let found = by_mac(&summary.phones);
    let phone = found
        .get(&mac)
        .unwrap_or_else(|| panic!("the Cisco MAC is listed; found {:?}", summary.phones));
    assert_eq!(phone.address, "198.18.0.200".parse::<IpAddr>().unwrap());
    assert_eq!(phone.sources, [Source::Arp].into_iter().collect());
    assert_eq!(phone.confidence().cisco_phone, Certainty::Possible);
    assert_eq!(phone.access, Access::Unknown, "it never answered HTTP");
    assert!(
        !found.contains_key(&"50:a6:d8:11:22:33".parse().unwrap()),
        "other vendors' hardware is not listed"
    );
    assert_eq!(summary.phones.len(), 1);
}

/// A locked phone whose every page is refused (phone-sim serves `/status.xml` openly, so
/// this behaviour is played by a plain server): only the neighbour table can tell its MAC.
const LOCKED_PAGE: &str = "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\nContent-Length: 72\r\nConnection: close\r\n\r\n<html><head><title>CP-8861-3PCC Login</title></head><body></body></html>";

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn a_locked_phone_gets_its_mac_from_the_neighbour_table_filled_by_the_sweep() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let address = lan.hosts[4];
    let locked = serve_forever(SocketAddr::new(address, 80), Some(LOCKED_PAGE)).await;
    let mac: Mac = "00:56:2b:01:02:03".parse().unwrap();
    let mut handle = Scanner::new(sweep_only(&lan))
        .start()
        .expect("the scan starts");
    let mut entry = None;
    let summary = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(event) = handle.next().await {
            match event {
                // The table was read before the sweep began; the entry appears during the
                // sweep, as the sweep's own connection attempt makes it appear on a real LAN.
                ScanEvent::Progress(_) if entry.is_none() => {
                    entry = Some(NeighbourEntry::add(&address.to_string(), &mac.to_string()));
                }
                ScanEvent::Finished(summary) => return summary,
                _ => {}
            }
        }
        panic!("no Finished event");
    })
    .await
    .expect("the scan finishes");
    locked.abort();
    let phone = summary
        .phones
        .iter()
        .find(|p| p.address == address)
        .expect("the locked phone is listed");
    assert_eq!(phone.access, Access::NeedsCredentials);
    assert_eq!(phone.identity.model.as_deref(), Some("CP-8861-3PCC"));
    assert_eq!(
        phone.identity.mac,
        Some(mac),
        "MAC from the table read after the sweep"
    );
    assert!(phone.sources.contains(&Source::Arp));
    assert_eq!(phone.confidence().cisco_phone, Certainty::Likely);
    drop(entry);
}

/// A phone whose web server answers `delay_ms` late (busy, or far away).
async fn slow_phone(address: IpAddr, model: &str, delay_ms: u64) -> RunningPhone {
    let sim = phone(on(address, 80, model)).await;
    sim.control().set_faults(phone_sim::Faults {
        delay_ms,
        ..phone_sim::Faults::default()
    });
    sim
}

/// A busy phone accepts at once and takes seconds to answer its page: the connect is quick,
/// the fingerprint slow. The sweep's short connect timeout must not cut the fingerprint.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn a_phone_that_takes_seconds_to_answer_its_page_is_still_identified() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let slow = slow_phone(lan.hosts[5], "CP-8861-3PCC", 4000).await;
    let quick = phone(on(lan.hosts[6], 80, "CP-7841-3PCC")).await;
    let (_, summary) = scan(Scanner::new(sweep_only(&lan))).await;
    let found = by_mac(&summary.phones);
    assert_identified(&found, &quick, Source::Sweep);
    assert_identified(&found, &slow, Source::Sweep);
}

/// Runs `phoneprov ARGS` and reads its stdout a line at a time; `at_each_line` is called
/// with each line as it arrives (while the command may still run). Returns the exit status
/// and stderr.
async fn run_cli_streaming(
    args: &[&str],
    data_dir: &std::path::Path,
    mut at_each_line: impl FnMut(&str) + Send + 'static,
) -> (std::process::ExitStatus, String) {
    use std::io::{BufRead, Read};
    let mut command = std::process::Command::new(common::phoneprov_binary());
    command
        .args(args)
        .env("PHONEPROV_DATA_DIR", data_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("phoneprov runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        for line in std::io::BufReader::new(stdout).lines() {
            at_each_line(&line.expect("a line of output"));
        }
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        (child.wait().expect("phoneprov ends"), stderr)
    })
    .await
    .expect("the command thread")
}

/// `discover` prints each phone's row as soon as it is identified, not at the end: the quick
/// phone's row arrives while the slow phone has not answered yet (which holds the scan open).
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn discover_prints_each_phone_as_soon_as_it_is_identified() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let slow = slow_phone(lan.hosts[5], "CP-8861-3PCC", 4000).await;
    let quick = phone(on(lan.hosts[6], 80, "CP-7841-3PCC")).await;
    let slow_control = slow.control();
    let (quick_address, slow_address) =
        (quick.addr().ip().to_string(), slow.addr().ip().to_string());
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = lines.clone();
    let data = tempfile::tempdir().unwrap();
    let cidr = lan.cidr.to_string();
    let args = ["discover", "--no-mdns", "--timeout", "20", "--cidr", &cidr];
    let (status, stderr) = run_cli_streaming(&args, data.path(), move |line| {
        // Whether the slow phone had answered any request when this line came out.
        let slow_answered = slow_control
            .events()
            .iter()
            .any(|e| matches!(e.kind, phone_sim::EventKind::Request { .. }));
        record
            .lock()
            .unwrap()
            .push((line.to_string(), slow_answered));
    })
    .await;
    assert!(status.success(), "exit {status:?}: {stderr}");
    let lines = lines.lock().unwrap().clone();
    let row_of = |address: &str, model: &str| {
        lines.iter().position(|(line, _)| {
            line.split_whitespace().next() == Some(address) && line.contains(model)
        })
    };
    let quick_row = row_of(&quick_address, "CP-7841-3PCC")
        .unwrap_or_else(|| panic!("no row for the quick phone in {lines:#?}"));
    assert!(
        !lines[quick_row].1,
        "the quick phone was printed only after the slow one answered: {lines:#?}"
    );
    let slow_row = row_of(&slow_address, "CP-8861-3PCC")
        .unwrap_or_else(|| panic!("the slow phone is identified too: {lines:#?}"));
    assert!(slow_row > quick_row);
    assert!(lines[slow_row].0.contains(&mac_of(&slow).to_string()));
    assert!(
        lines[0].0.starts_with("ADDRESS"),
        "a header first: {lines:#?}"
    );
}

/// A scan that finds nothing says why: what answered, the voice VLAN, the web server.
#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn discover_says_why_it_found_nothing() {
    let lan = lan();
    let _lan = LAN_IN_USE.lock().await;
    let data = tempfile::tempdir().unwrap();
    // This machine's own subnets (the namespace's /24): no phone runs there now.
    let output = run_cli(
        &["discover", "--no-mdns", "--no-arp", "--timeout", "20"],
        data.path(),
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
    assert!(
        output.stdout.is_empty(),
        "no rows: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(stderr.contains("0 phones found"), "{stderr}");
    // The namespace's own addresses refuse the connection: hosts, but no web server.
    assert!(
        stderr.contains(&format!(
            "answered in {}, 0 with a web server on ports 80, 443",
            lan.cidr
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("voice VLAN") && stderr.contains("--cidr"),
        "{stderr}"
    );
    assert!(stderr.contains("web server may be off"), "{stderr}");
}
