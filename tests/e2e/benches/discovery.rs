//! Discovery benchmark, run inside the namespace LAN, once per LAN size:
//!
//!   ../shared/tools/netns-lan --hosts 4 -- cargo bench -p phoneprov-e2e --bench discovery
//!   ../shared/tools/netns-lan --prefix 20 --hosts 8 -- cargo bench -p phoneprov-e2e --bench discovery
//!
//! 1. Sweep: every namespace host runs an emulated phone, the rest of the range is silent.
//!    phoneprov (`mdns` off, fingerprints and MACs) from start to `Finished`, each run from an
//!    empty neighbour table; the time from the phone's last answer to its `PhoneFound`
//!    event; the kernel's neighbour-table overflows (`table_fulls`) and its peak size.
//! 2. On the same LAN in the same run: the tuned unprivileged nmap line
//!    (`nmap --unprivileged -n -T5 --min-rate 5000 --max-retries 0 -p80,443 --open`), the
//!    ratio of the two medians, and on a /24 nmap with its defaults (`-n -p80,443 --open`).
//!    On a range larger than the neighbour table's share, one phoneprov run without pacing
//!    shows what the pacing costs.
//! 3. mDNS: 4 announcing phones, time from start until each is resolved (TXT: model, MAC,
//!    firmware) and until its fingerprint confirmed it, 5 runs.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use phone_sim::{EventKind, PhoneConfig, PhoneSim, RunningPhone};
use phoneprov::discovery::{Evidence, ScanEvent, ScanOptions, Scanner, SweepReport};
use phoneprov::identity::Mac;

const MODELS: [&str; 4] = ["CP-8861-3PCC", "CP-7841-3PCC", "SPA504G", "CP-8851-3PCC"];
const TUNED_NMAP: [&str; 9] = [
    "--unprivileged",
    "-n",
    "-T5",
    "--min-rate",
    "5000",
    "--max-retries",
    "0",
    "-p80,443",
    "--open",
];
const DEFAULT_NMAP: [&str; 3] = ["-n", "-p80,443", "--open"];

fn main() -> ExitCode {
    let (Ok(cidr), Ok(hosts)) = (std::env::var("LAN_CIDR"), std::env::var("LAN_HOSTS")) else {
        eprintln!(
            "the discovery benchmark sweeps and multicasts: run it inside the namespace LAN:\n  \
             ../shared/tools/netns-lan --hosts 4 -- cargo bench -p phoneprov-e2e --bench discovery"
        );
        return ExitCode::from(2);
    };
    let hosts: Vec<IpAddr> = hosts
        .split_whitespace()
        .filter_map(|h| h.parse().ok())
        .collect();
    if hosts.len() < 4 {
        eprintln!("the benchmark needs netns-lan --hosts 4 (or more)");
        return ExitCode::from(2);
    }
    let Ok(cidr) = cidr.parse::<ipnet::IpNet>() else {
        eprintln!("LAN_CIDR {cidr} is not a CIDR");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("no tokio runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(bench(cidr, &hosts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("benchmark failed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn stats(samples: &[Duration]) -> String {
    let mut sorted = samples.to_vec();
    sorted.sort();
    match (sorted.first(), sorted.last()) {
        (Some(first), Some(last)) => format!(
            "median {:.0} ms (min {:.0}, max {:.0}; {} samples)",
            ms(median(&sorted)),
            ms(*first),
            ms(*last),
            sorted.len()
        ),
        _ => "no samples".into(),
    }
}

/// A phone and the moment just before it started (its event clock counts from a little
/// later, so answer times estimated from it are early, never late).
struct Phone {
    sim: RunningPhone,
    started: Instant,
}

impl Phone {
    /// When the phone last answered a web request after event `after`.
    fn last_answer(&self, after: u64) -> Option<Instant> {
        self.sim
            .control()
            .events_since(after)
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Request { .. }))
            .map(|e| self.started + Duration::from_secs_f64(e.phone_secs))
            .max()
    }
}

async fn start_phones(hosts: &[IpAddr], port: u16, mdns: bool) -> Result<Vec<Phone>, String> {
    let mut phones = Vec::new();
    for (address, model) in hosts.iter().zip(MODELS.iter().cycle()) {
        let config = PhoneConfig {
            listen: SocketAddr::new(*address, port),
            mdns,
            ..PhoneConfig::model(model)
        };
        let started = Instant::now();
        let sim = PhoneSim::start(config).await.map_err(|e| e.to_string())?;
        phones.push(Phone { sim, started });
    }
    Ok(phones)
}

fn macs(phones: &[Phone]) -> Result<Vec<Mac>, String> {
    phones
        .iter()
        .map(|p| p.sim.mac().parse::<Mac>().map_err(|e| e.to_string()))
        .collect()
}

/// The kernel's neighbour-table counters (one table for the whole machine: inside the
/// namespace they are read through the first process's view).
#[derive(Debug, Clone, Copy, Default)]
struct TableStats {
    entries: u64,
    table_fulls: u64,
}

fn table_stats() -> Option<TableStats> {
    let text = ["/proc/net/stat/arp_cache", "/proc/1/net/stat/arp_cache"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split_whitespace().collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (entries_at, fulls_at) = (column("entries")?, column("table_fulls")?);
    let mut stats = TableStats::default();
    for line in lines {
        let fields: Vec<u64> = line
            .split_whitespace()
            .filter_map(|f| u64::from_str_radix(f, 16).ok())
            .collect();
        stats.entries = *fields.get(entries_at)?;
        stats.table_fulls += fields.get(fulls_at)?;
    }
    Some(stats)
}

/// Samples the table's size every 10 ms until dropped; `peak` is the largest seen.
struct TableWatch {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    before: Option<TableStats>,
}

impl TableWatch {
    fn start() -> TableWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let (stopping, peaking) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                if let Some(stats) = table_stats() {
                    peaking.fetch_max(stats.entries, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        TableWatch {
            stop,
            peak,
            before: table_stats(),
        }
    }

    /// "overflows N, peak M entries" since the start.
    fn finish(self) -> String {
        self.stop.store(true, Ordering::Relaxed);
        match (self.before, table_stats()) {
            (Some(before), Some(after)) => format!(
                "neighbour table: {} overflows (table_fulls), peak {} entries",
                after.table_fulls - before.table_fulls,
                self.peak.load(Ordering::Relaxed)
            ),
            _ => "neighbour table: counters not readable here".into(),
        }
    }
}

/// Empties the namespace's neighbour table, so every run starts as a laptop that has not
/// talked to these addresses yet (permanent entries stay).
fn forget_neighbours() {
    let _ = std::process::Command::new("ip")
        .args(["-4", "neigh", "flush", "all"])
        .output();
}

/// One phoneprov sweep.
struct Run {
    elapsed: Duration,
    /// From start to the first phone's `PhoneFound` with its model.
    first_found: Duration,
    /// From each phone's last answer to its `PhoneFound` event (the smallest first).
    latencies: Vec<Duration>,
    report: Option<SweepReport>,
}

async fn sweep_once(cidr: ipnet::IpNet, phones: &[Phone], pace: bool) -> Result<Run, String> {
    let expected = macs(phones)?;
    let marks: Vec<u64> = phones
        .iter()
        .map(|p| p.sim.control().last_event_seq())
        .collect();
    let options = ScanOptions {
        mdns: false,
        cidrs: vec![cidr],
        allow_large: true,
        time_limit: Duration::from_secs(120),
        pace_neighbours: pace,
        ..ScanOptions::default()
    };
    let started = Instant::now();
    let mut scan = Scanner::new(options).start().map_err(|e| e.to_string())?;
    let mut found_at: BTreeMap<Mac, Instant> = BTreeMap::new();
    let mut first_found = None;
    let summary = loop {
        match scan.next().await {
            Some(ScanEvent::PhoneFound(phone)) | Some(ScanEvent::PhoneUpdated { phone, .. }) => {
                if let (Some(mac), Some(_model)) = (phone.identity.mac, &phone.identity.model) {
                    let now = Instant::now();
                    found_at.entry(mac).or_insert(now);
                    first_found.get_or_insert(now - started);
                }
            }
            Some(ScanEvent::Finished(summary)) => break summary,
            Some(_) => {}
            None => return Err("the scan ended without a summary".into()),
        }
    };
    let elapsed = started.elapsed();
    let mut latencies = Vec::new();
    for ((phone, mac), mark) in phones.iter().zip(&expected).zip(marks) {
        let Some(found) = found_at.get(mac) else {
            return Err(format!("the sweep missed {mac} at {}", phone.sim.addr()));
        };
        let identified = summary
            .phones
            .iter()
            .find(|p| p.identity.mac == Some(*mac))
            .is_some_and(|p| p.identity.model.as_deref() == Some(phone.sim.model()));
        if !identified {
            return Err(format!("{mac} was found but not identified"));
        }
        if let Some(answer) = phone.last_answer(mark) {
            latencies.push(found.saturating_duration_since(answer));
        }
    }
    latencies.sort();
    Ok(Run {
        elapsed,
        first_found: first_found.unwrap_or_default(),
        latencies,
        report: summary.sweep,
    })
}

fn describe_report(report: &Option<SweepReport>) -> String {
    match report {
        Some(r) => format!(
            "{} answered, {} open, {} paced, connect timeout {:.0} ms (slowest answer {:.1} ms), connect errors: {}",
            r.answered,
            r.open,
            r.paced,
            ms(r.connect_timeout),
            ms(r.slowest_answer),
            if r.connect_errors.is_empty() {
                "none".to_string()
            } else {
                format!("{:?}", r.connect_errors)
            }
        ),
        None => "no sweep report".into(),
    }
}

async fn bench(cidr: ipnet::IpNet, hosts: &[IpAddr]) -> Result<(), String> {
    let addresses = ScanOptions {
        cidrs: vec![cidr],
        allow_large: true,
        ..ScanOptions::default()
    }
    .sweep_plan()
    .map_err(|e| e.to_string())?
    .map_or(0, |p| p.addresses.len());
    let nmap_installed = nmap_version().await;
    println!(
        "LAN {cidr}: {addresses} addresses, {} emulated phones on {hosts:?}, the rest silent",
        hosts.len()
    );
    let runs = if addresses > 1024 { 3 } else { 5 };

    // 1. phoneprov.
    let phones = start_phones(hosts, 80, false).await?;
    let mut times = Vec::new();
    let mut firsts = Vec::new();
    let mut first_latencies = Vec::new();
    let mut all_latencies = Vec::new();
    for run in 1..=runs {
        forget_neighbours();
        let watch = TableWatch::start();
        let sample = sweep_once(cidr, &phones, true).await?;
        println!(
            "  phoneprov run {run}: {:.0} ms, first phone identified after {:.0} ms, {} phones; {}; {}",
            ms(sample.elapsed),
            ms(sample.first_found),
            sample.latencies.len(),
            describe_report(&sample.report),
            watch.finish()
        );
        times.push(sample.elapsed);
        firsts.push(sample.first_found);
        if let Some(first) = sample.latencies.first() {
            first_latencies.push(*first);
        }
        all_latencies.extend(sample.latencies);
    }
    println!(
        "phoneprov sweep (fingerprints, MACs), start to Finished: {}",
        stats(&times)
    );
    println!("  start to the first phone identified: {}", stats(&firsts));
    println!(
        "  first phone's last answer to its PhoneFound event: {}",
        stats(&first_latencies)
    );
    println!(
        "  every phone's last answer to its PhoneFound event: {}",
        stats(&all_latencies)
    );
    if addresses > 1024 {
        forget_neighbours();
        let watch = TableWatch::start();
        let sample = sweep_once(cidr, &phones, false).await?;
        println!(
            "phoneprov without neighbour pacing (not the default; to show its cost): {:.0} ms; {}; {}",
            ms(sample.elapsed),
            describe_report(&sample.report),
            watch.finish()
        );
    }

    // 2. nmap, same LAN, same run.
    if nmap_installed {
        let mut tuned = Vec::new();
        for run in 1..=runs {
            forget_neighbours();
            let watch = TableWatch::start();
            let (elapsed, line) = nmap(&TUNED_NMAP, cidr).await;
            println!(
                "  nmap (tuned) run {run}: {:.0} ms; {line}; {}",
                ms(elapsed),
                watch.finish()
            );
            tuned.push(elapsed);
        }
        println!("nmap {} {cidr}: {}", TUNED_NMAP.join(" "), stats(&tuned));
        let ratio = median(&times).as_secs_f64() / median(&tuned).as_secs_f64().max(1e-9);
        println!(
            "ratio phoneprov / tuned nmap (medians): {ratio:.2} ({})",
            if ratio <= 1.0 {
                "phoneprov no slower"
            } else {
                "phoneprov slower"
            }
        );
        if addresses <= 256 {
            forget_neighbours();
            let watch = TableWatch::start();
            let (elapsed, line) = nmap(&DEFAULT_NMAP, cidr).await;
            println!(
                "nmap {} {cidr} (defaults): {:.0} ms; {line}; {}",
                DEFAULT_NMAP.join(" "),
                ms(elapsed),
                watch.finish()
            );
            println!(
                "ratio phoneprov / nmap defaults: {:.3}",
                median(&times).as_secs_f64() / elapsed.as_secs_f64().max(1e-9)
            );
        } else {
            println!("nmap with its defaults: not run on a range this large (hours)");
        }
    }
    for phone in phones {
        phone.sim.stop().await;
    }

    // 3. mDNS.
    let phones = start_phones(&hosts[..4], 8080, true).await?;
    let expected = macs(&phones)?;
    let mut resolved_times = Vec::new();
    let mut confirmed_times = Vec::new();
    for _ in 0..5 {
        let options = ScanOptions {
            mdns: true,
            sweep: false,
            neighbours: false,
            mdns_window: Duration::from_secs(3),
            ..ScanOptions::default()
        };
        let started = Instant::now();
        let mut scan = Scanner::new(options).start().map_err(|e| e.to_string())?;
        let mut resolved: BTreeMap<Mac, Duration> = BTreeMap::new();
        let mut confirmed: BTreeMap<Mac, Duration> = BTreeMap::new();
        while let Some(event) = scan.next().await {
            let phone = match event {
                ScanEvent::PhoneFound(phone) | ScanEvent::PhoneUpdated { phone, .. } => phone,
                ScanEvent::Finished(_) => break,
                _ => continue,
            };
            let Some(mac) = phone.identity.mac else {
                continue;
            };
            if phone.identity.model.is_some() {
                resolved.entry(mac).or_insert_with(|| started.elapsed());
            }
            if phone.evidence.contains(&Evidence::StatusDump) {
                confirmed.entry(mac).or_insert_with(|| started.elapsed());
            }
        }
        for mac in &expected {
            let (Some(r), Some(c)) = (resolved.get(mac), confirmed.get(mac)) else {
                return Err(format!("mDNS did not resolve and confirm {mac}"));
            };
            resolved_times.push(*r);
            confirmed_times.push(*c);
        }
    }
    println!(
        "mDNS, start to each of 4 phones resolved (TXT model/MAC/firmware): {}",
        stats(&resolved_times)
    );
    println!(
        "mDNS, start to each of 4 phones confirmed by its HTTP fingerprint: {}",
        stats(&confirmed_times)
    );
    for phone in phones {
        phone.sim.stop().await;
    }
    Ok(())
}

/// Whether nmap is installed; says so clearly when it is not.
async fn nmap_version() -> bool {
    let output = tokio::task::spawn_blocking(|| {
        std::process::Command::new("nmap").arg("--version").output()
    })
    .await;
    match output {
        Ok(Ok(output)) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout);
            println!("{}", text.lines().next().unwrap_or("nmap"));
            true
        }
        _ => {
            println!(
                "NMAP IS NOT INSTALLED: the comparison with nmap is skipped \
                 (apt-get install -y nmap, then run again)"
            );
            false
        }
    }
}

/// Runs nmap on the LAN: its wall time and a line with its summary and the web ports it
/// listed.
async fn nmap(args: &[&str], cidr: ipnet::IpNet) -> (Duration, String) {
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.push(cidr.to_string());
    let outcome = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let output = std::process::Command::new("nmap").args(&args).output();
        (output, started.elapsed())
    })
    .await;
    match outcome {
        Ok((Ok(output), elapsed)) => {
            let text = String::from_utf8_lossy(&output.stdout);
            let open_ports = text
                .lines()
                .filter(|l| l.contains("/tcp") && l.contains("open"))
                .count();
            let summary = text
                .lines()
                .find(|l| l.starts_with("Nmap done"))
                .unwrap_or("(no summary line)");
            (
                elapsed,
                format!("{summary}; open web ports listed: {open_ports}"),
            )
        }
        _ => (Duration::ZERO, "nmap did not run".into()),
    }
}
