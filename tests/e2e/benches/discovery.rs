//! Discovery benchmark, run inside the namespace LAN:
//!
//!   ../shared/tools/netns-lan --hosts 4 -- cargo bench -p phoneprov-e2e --bench discovery
//!
//! 1. Sweep: the /24 with 4 emulated phones (the other 250 addresses silent), wall time from
//!    start to the `Finished` event, 5 runs. Target: under 2 s.
//! 2. mDNS: 4 announcing phones, time from start until each is resolved (TXT: model, MAC,
//!    firmware) and until its fingerprint confirmed it, 5 runs. Target: under 1.5 s.
//! 3. For comparison, on the same LAN in the same run: `nmap -sn` and `nmap -p80,443 --open`
//!    (when nmap is installed).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use phone_sim::{PhoneConfig, PhoneSim, RunningPhone};
use phoneprov::discovery::{Evidence, ScanEvent, ScanOptions, Scanner};
use phoneprov::identity::Mac;

const RUNS: usize = 5;
const MODELS: [&str; 4] = ["CP-8861-3PCC", "CP-7841-3PCC", "SPA504G", "CP-8851-3PCC"];

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
    match runtime.block_on(bench(cidr, &hosts[..4])) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("benchmark failed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn stats(samples: &mut [Duration]) -> String {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "min {:.0} ms, median {:.0} ms, max {:.0} ms ({} samples)",
        ms(samples[0]),
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() - 1]),
        samples.len()
    )
}

async fn start_phones(
    hosts: &[IpAddr],
    port: u16,
    mdns: bool,
) -> Result<Vec<RunningPhone>, String> {
    let mut phones = Vec::new();
    for (address, model) in hosts.iter().zip(MODELS) {
        let config = PhoneConfig {
            listen: SocketAddr::new(*address, port),
            mdns,
            ..PhoneConfig::model(model)
        };
        phones.push(PhoneSim::start(config).await.map_err(|e| e.to_string())?);
    }
    Ok(phones)
}

fn macs(phones: &[RunningPhone]) -> Result<Vec<Mac>, String> {
    phones
        .iter()
        .map(|p| p.mac().parse::<Mac>().map_err(|e| e.to_string()))
        .collect()
}

async fn bench(cidr: ipnet::IpNet, hosts: &[IpAddr]) -> Result<(), String> {
    println!("LAN {cidr}, emulated phones on {hosts:?}");

    // 1. Sweep.
    let phones = start_phones(hosts, 80, false).await?;
    let expected = macs(&phones)?;
    let mut sweep_times = Vec::new();
    let mut swept = 0;
    for _ in 0..RUNS {
        let options = ScanOptions {
            mdns: false,
            cidrs: vec![cidr],
            ..ScanOptions::default()
        };
        let started = Instant::now();
        let summary = Scanner::new(options)
            .start()
            .map_err(|e| e.to_string())?
            .finish()
            .await;
        sweep_times.push(started.elapsed());
        swept = summary.swept.done;
        let found: Vec<Mac> = summary
            .phones
            .iter()
            .filter_map(|p| p.identity.mac)
            .collect();
        if let Some(missing) = expected.iter().find(|m| !found.contains(m)) {
            return Err(format!("the sweep missed {missing}"));
        }
    }
    println!(
        "sweep of {swept} addresses (4 phones, the rest silent), start to finished: {}",
        stats(&mut sweep_times)
    );
    nmap(&["-sn", &cidr.to_string()]).await;
    nmap(&["-p80,443", "--open", &cidr.to_string()]).await;
    for phone in phones {
        phone.stop().await;
    }

    // 2. mDNS.
    let phones = start_phones(hosts, 8080, true).await?;
    let expected = macs(&phones)?;
    let mut resolved_times = Vec::new();
    let mut confirmed_times = Vec::new();
    for _ in 0..RUNS {
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
        let mut slowest = Duration::ZERO;
        for mac in &expected {
            let (Some(r), Some(c)) = (resolved.get(mac), confirmed.get(mac)) else {
                return Err(format!("mDNS did not resolve and confirm {mac}"));
            };
            resolved_times.push(*r);
            confirmed_times.push(*c);
            slowest = slowest.max(*r);
        }
        println!(
            "  mDNS run {}: all 4 phones resolved after {:.0} ms",
            resolved_times.len() / expected.len(),
            slowest.as_secs_f64() * 1000.0
        );
    }
    println!(
        "mDNS, start to each of 4 phones resolved (TXT model/MAC/firmware): {}",
        stats(&mut resolved_times)
    );
    println!(
        "mDNS, start to each of 4 phones confirmed by its HTTP fingerprint: {}",
        stats(&mut confirmed_times)
    );
    for phone in phones {
        phone.stop().await;
    }
    Ok(())
}

/// Runs nmap (if installed) on the same LAN and reports its wall time and summary line.
async fn nmap(args: &[&str]) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let shown = format!("nmap {}", args.join(" "));
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
            println!(
                "{shown}: wall {:.0} ms; {summary}; open web ports listed: {open_ports}",
                elapsed.as_secs_f64() * 1000.0
            );
        }
        _ => println!("{shown}: nmap is not installed (apt-get install -y nmap)"),
    }
}
