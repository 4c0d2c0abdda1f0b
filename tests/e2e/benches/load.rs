//! Load with faults: apply-and-verify to 200 phone-sim phones at once, one in ten faulty, while
//! the desktop app's window (200 phones in its list, the engine attached) draws frames in the
//! same process.
//!
//!     ../shared/tools/netns-lan --hosts 200 -- cargo bench -p phoneprov-e2e --bench load
//!
//! Inside netns-lan each phone listens on its own LAN address, port 80, like an office; outside
//! it they share 127.0.0.1. The faulty phones, four of each kind: *slow* (every answer 40 s
//! late, over the 30 s request limit), *wrong password*, *vanishing* (drops off the network right
//! after fetching the profile), *refusing* (closes every connection without an answer) and
//! *busy* (on a call for the whole run, so the profile waits for idle).
//!
//! Checked (the run fails otherwise): every healthy phone verified, every faulty one failed
//! with a reason, peak RSS under 512 MB, open descriptors back to where they started. Printed:
//! wall time, peak RSS and descriptors (sampled from /proc/self every 20 ms; the emulated
//! phones live in this process too, so their idle share is printed first), the window's frame
//! times during the run, and one reason per fault. Nothing is asserted on time.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use egui::{Event, Pos2, RawInput, Rect, ViewportId, pos2};
use phone_sim::{Faults, PhoneConfig, PhoneSim, RunningPhone};
use phoneprov::gui::Shell;
use phoneprov::phone::{ClientOptions, Credentials, Phone, PhoneAddress, Secret};
use phoneprov::provision::{ApplyOptions, Engine, EventSink, ViaChoice};
use phoneprov::session::{SavedState, StateFile};
use tokio_util::sync::CancellationToken;

const PHONES: usize = 200;
const MAX_RSS_MB: u64 = 512;
const SCREEN: Rect = Rect::from_min_max(Pos2::ZERO, pos2(1280.0, 800.0));

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Healthy,
    Slow,
    WrongPassword,
    Vanishing,
    Refusing,
    Busy,
}

/// One in ten is faulty, the five faults in turn.
fn kind(i: usize) -> Kind {
    if i % 10 != 9 {
        return Kind::Healthy;
    }
    [
        Kind::Slow,
        Kind::WrongPassword,
        Kind::Vanishing,
        Kind::Refusing,
        Kind::Busy,
    ][(i / 10) % 5]
}

/// Where phone `i` listens: its own LAN address inside netns-lan, else 127.0.0.1.
fn listen_addresses() -> Vec<SocketAddr> {
    let lan: Vec<IpAddr> = std::env::var("LAN_HOSTS")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|a| a.parse().ok())
        .collect();
    if lan.len() >= PHONES {
        lan[..PHONES]
            .iter()
            .map(|ip| SocketAddr::new(*ip, 80))
            .collect()
    } else {
        vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0); PHONES]
    }
}

async fn start_phones() -> Vec<RunningPhone> {
    let mut sims = Vec::with_capacity(PHONES);
    for (i, listen) in listen_addresses().into_iter().enumerate() {
        let mut config = PhoneConfig {
            listen,
            reboot_secs: 1.0,
            ..PhoneConfig::default()
        };
        if kind(i) == Kind::WrongPassword {
            config = config.with_password("the-right-one");
        }
        let sim = PhoneSim::start(config).await.expect("phone-sim");
        let control = sim.control();
        match kind(i) {
            Kind::Slow => control.set_faults(Faults {
                delay_ms: 40_000,
                ..Faults::default()
            }),
            Kind::Vanishing => control.set_faults(Faults {
                vanish_after_fetch: true,
                ..Faults::default()
            }),
            Kind::Refusing => control.set_faults(Faults {
                reset_requests: u32::MAX,
                ..Faults::default()
            }),
            Kind::Busy => control.start_call(),
            Kind::Healthy | Kind::WrongPassword => {}
        }
        sims.push(sim);
    }
    sims
}

fn client(engine: &Engine, sim: &RunningPhone, i: usize) -> Phone {
    let address: PhoneAddress = sim.url().parse().expect("phone-sim URL");
    let password = (kind(i) == Kind::WrongPassword).then(|| Secret::new("a-wrong-one"));
    engine
        .phone(
            address,
            Credentials::new("admin", password),
            ClientOptions {
                connect_timeout: Duration::from_secs(3),
                request_timeout: Duration::from_secs(30),
                ..ClientOptions::default()
            },
        )
        .expect("client")
}

/// `VmRSS`/`VmHWM` of this process in MB, and its open file descriptors.
fn rss_mb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// Samples RSS and descriptors until `done`; returns the peaks.
fn sampler(done: Arc<AtomicBool>) -> std::thread::JoinHandle<(u64, usize)> {
    std::thread::spawn(move || {
        let (mut rss, mut fds) = (0, 0);
        while !done.load(Ordering::Relaxed) {
            rss = rss.max(rss_mb("VmRSS:"));
            fds = fds.max(open_fds());
            std::thread::sleep(Duration::from_millis(20));
        }
        (rss, fds)
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

/// The window with every phone in its list, drawing frames (pointer moving over the list)
/// until `done`; returns each frame's time (layout and tessellation on the CPU, as in the
/// gui_frame_time bench).
fn draw_window_until(
    done: &AtomicBool,
    urls: &[String],
    engine: Arc<Engine>,
    state_dir: &std::path::Path,
) -> Vec<Duration> {
    let mut state = SavedState::default();
    for (i, url) in urls.iter().enumerate() {
        let id = state
            .phones
            .add_manual(PhoneAddress::parse(url).expect("address"))
            .id();
        state.phones.rename(id, &format!("Desk {i}"));
    }
    state.phones.selected = state.phones.entries.first().map(|e| e.id);
    let file = StateFile::in_dir(state_dir);
    file.save(&state).expect("state");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let ctx = egui::Context::default();
    let mut shell = Shell::new(&ctx, runtime, Ok(file));
    shell.use_engine(engine);
    let mut times = Vec::new();
    let mut time = 0.0;
    let mut i = 0usize;
    while !done.load(Ordering::Relaxed) {
        time += 1.0 / 60.0;
        i += 1;
        let x = 100.0 + (i % 200) as f32 * 4.0;
        let y = 120.0 + (i % 60) as f32 * 10.0;
        let input = RawInput {
            screen_rect: Some(SCREEN),
            time: Some(time),
            predicted_dt: 1.0 / 60.0,
            events: vec![Event::PointerMoved(pos2(x, y))],
            ..RawInput::default()
        };
        let started = Instant::now();
        let mut output = ctx.run_ui(input, |ui| {
            shell.logic_step(ui.ctx());
            shell.draw(ui);
        });
        output.textures_delta.clear();
        std::hint::black_box(ctx.tessellate(output.shapes, 1.0));
        let _ = &output.viewport_output[&ViewportId::ROOT];
        times.push(started.elapsed());
        // A 60 Hz display: the next frame is due 16.7 ms after this one started.
        std::thread::sleep(Duration::from_micros(16_667).saturating_sub(started.elapsed()));
    }
    times
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let fds_before = open_fds();
    let sims = runtime.block_on(start_phones());
    let lan = sims[0].addr().ip() != IpAddr::V4(Ipv4Addr::LOCALHOST);
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Arc::new(Engine::open(dir.path()).expect("engine"));
    let phones: Vec<Arc<Phone>> = sims
        .iter()
        .enumerate()
        .map(|(i, sim)| Arc::new(client(&engine, sim, i)))
        .collect();
    let (idle_rss, idle_fds) = (rss_mb("VmRSS:"), open_fds());
    println!(
        "phoneprov load benchmark: {PHONES} phone-sim phones {}, one in ten faulty",
        if lan {
            "on their own LAN addresses (netns-lan)"
        } else {
            "on 127.0.0.1 (run inside netns-lan for LAN addresses)"
        }
    );
    println!(
        "  before the run (phones started, idle): RSS {idle_rss} MB, {idle_fds} open descriptors \
         ({fds_before} before the phones)"
    );

    let done = Arc::new(AtomicBool::new(false));
    let peaks = sampler(done.clone());
    let options = ApplyOptions {
        via: ViaChoice::Auto,
        timeout: Duration::from_secs(60),
        reach_timeout: Duration::from_secs(20),
        settle: Duration::from_secs(1),
        max_poll_interval: Duration::from_millis(500),
        push_advertise: None,
        ..ApplyOptions::default()
    };
    let started = Instant::now();
    let tasks: Vec<_> = phones
        .iter()
        .enumerate()
        .map(|(i, phone)| {
            let engine = engine.clone();
            let phone = phone.clone();
            let options = options.clone();
            runtime.spawn(async move {
                let changes = [("Resync_Periodic".to_string(), (5000 + i).to_string())];
                let sink = EventSink::discard(phone.address().key());
                engine
                    .apply(&phone, &changes, &options, &sink, &CancellationToken::new())
                    .await
            })
        })
        .collect();
    let all_done = {
        let done = done.clone();
        runtime.spawn(async move {
            let mut results = Vec::with_capacity(tasks.len());
            for task in tasks {
                results.push(task.await.expect("apply task"));
            }
            done.store(true, Ordering::Relaxed);
            results
        })
    };
    let urls: Vec<String> = sims.iter().map(|s| s.url()).collect();
    let state_dir = tempfile::tempdir().expect("temp dir");
    let mut frames = draw_window_until(&done, &urls, engine.clone(), state_dir.path());
    let results = runtime.block_on(all_done).expect("applies");
    let wall = started.elapsed();
    let (peak_rss, peak_fds) = peaks.join().expect("sampler");

    let mut reasons: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
    let mut verified = 0;
    for (i, result) in results.iter().enumerate() {
        match (kind(i), result) {
            (Kind::Healthy, Ok(report)) if report.fully_verified() => verified += 1,
            (Kind::Healthy, other) => panic!("healthy phone {i} not verified: {other:?}"),
            (fault, Ok(report)) => panic!("{fault:?} phone {i} reported success: {report:?}"),
            (fault, Err(error)) => {
                let reason = error.to_string();
                assert!(!reason.trim().is_empty(), "{fault:?} phone {i}: no reason");
                reasons.entry(fault).or_default().push(reason);
            }
        }
    }
    let faulty: usize = reasons.values().map(Vec::len).sum();
    assert_eq!(verified + faulty, PHONES);

    drop(phones);
    for sim in sims {
        runtime.block_on(sim.stop());
    }
    drop(engine);
    runtime.shutdown_timeout(Duration::from_secs(5));
    let fds_after = open_fds();
    let hwm = rss_mb("VmHWM:");

    frames.sort();
    println!(
        "  {PHONES} applies at once: {verified} healthy phones verified, {faulty} faulty phones \
         failed with a reason, in {:.1} s",
        wall.as_secs_f64()
    );
    println!(
        "  peak RSS {peak_rss} MB sampled, {hwm} MB high-water mark (limit {MAX_RSS_MB} MB); \
         peak open descriptors {peak_fds}; {fds_after} after the phones stopped ({fds_before} \
         before they started)"
    );
    println!(
        "  window frame time during the run ({} frames, {PHONES} phones in the list): median \
         {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        frames.len(),
        percentile(&frames, 0.5),
        percentile(&frames, 0.9),
        percentile(&frames, 0.99),
        percentile(&frames, 1.0),
    );
    for (fault, list) in &reasons {
        println!("  {fault:?} ({}): {}", list.len(), list[0]);
    }
    assert!(hwm < MAX_RSS_MB, "peak RSS {hwm} MB");
    // Every connection, server and file of the run was closed again (a little slack for the
    // runtime's own descriptors).
    assert!(
        fds_after <= fds_before + 8,
        "descriptors leaked: {fds_after} after, {fds_before} before"
    );
}
