//! `phoneprov discover`: find the phones on the LAN from the command line.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use ipnet::IpNet;
use serde::Serialize;

use tokio_util::sync::CancellationToken;

use super::setup::exit;
use super::setup::{Failure, failure_line, print_json, run_async};
use crate::discovery::{
    Access, DiscoveredPhone, KnownPhones, ManualTarget, PhoneKey, ScanChoices, ScanEvent,
    ScanHandle, ScanOptions, ScanSummary, Scanner,
};

#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    /// Sweep this range instead of this machine's own subnets (repeatable), e.g.
    /// 192.168.1.0/24. A single address is swept alone.
    #[arg(long = "cidr", value_name = "CIDR", value_parser = parse_cidr)]
    pub cidrs: Vec<IpNet>,
    /// Also try this web port besides 80 and 443 (repeatable).
    #[arg(long = "port", value_name = "P")]
    pub ports: Vec<u16>,
    /// Do not browse mDNS/DNS-SD.
    #[arg(long)]
    pub no_mdns: bool,
    /// Do not sweep addresses.
    #[arg(long)]
    pub no_sweep: bool,
    /// Do not read the neighbour (ARP) table.
    #[arg(long)]
    pub no_arp: bool,
    /// Only use this network interface (repeatable), e.g. eth0.
    #[arg(long = "interface", value_name = "NAME")]
    pub interfaces: Vec<String>,
    /// Also fingerprint this address (repeatable), e.g. 192.168.1.20 or https://192.168.1.20.
    #[arg(long = "address", value_name = "ADDRESS")]
    pub addresses: Vec<ManualTarget>,
    /// Give up after this many seconds and show what was found.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
    /// Sweep ranges larger than a /22 (1,024 addresses) without asking.
    #[arg(long)]
    pub yes_large: bool,
    /// Print a JSON array instead of a table.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV instead of a table (`phoneprov set --phones FILE` reads it).
    #[arg(long)]
    pub csv: bool,
}

fn parse_cidr(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("\"{text}\" is not an address range; write it like 192.168.1.0/24"))
}

impl DiscoverArgs {
    fn options(&self) -> ScanOptions {
        ScanChoices {
            mdns: !self.no_mdns,
            sweep: !self.no_sweep,
            neighbours: !self.no_arp,
            interfaces: self.interfaces.clone(),
            extra_ports: self.ports.clone(),
            ranges: self.cidrs.clone(),
            manual: self.addresses.clone(),
            allow_large: self.yes_large,
            time_limit: Some(Duration::from_secs(self.timeout.max(1))),
        }
        .options()
    }
}

/// One line of `--json`.
#[derive(Debug, Serialize)]
struct JsonPhone {
    address: String,
    port: Option<u16>,
    scheme: Option<&'static str>,
    mac: Option<String>,
    model: Option<String>,
    firmware: Option<String>,
    serial: Option<String>,
    sources: Vec<&'static str>,
    access: Access,
    cisco_confidence: String,
    model_confidence: String,
    name: Option<String>,
}

impl From<&DiscoveredPhone> for JsonPhone {
    fn from(phone: &DiscoveredPhone) -> Self {
        let confidence = phone.confidence();
        JsonPhone {
            address: phone.address.to_string(),
            port: phone.web.map(|w| w.port),
            scheme: phone.web.map(|w| w.scheme.as_str()),
            mac: phone.identity.mac.map(|m| m.to_string()),
            model: phone.identity.model.clone(),
            firmware: phone.identity.firmware.clone(),
            serial: phone.identity.serial.clone(),
            sources: phone.sources.iter().map(|s| s.as_str()).collect(),
            access: phone.access,
            cisco_confidence: confidence.cisco_phone.to_string(),
            model_confidence: confidence.model.to_string(),
            name: phone.name.clone(),
        }
    }
}

/// Who the lines on stderr come from: the scan's notes interleave with its progress line.
const WHO: &str = "phoneprov discover";

pub fn run(args: DiscoverArgs) -> ExitCode {
    run_async(WHO, |interrupt| discover(args, interrupt))
}

async fn discover(args: DiscoverArgs, interrupt: CancellationToken) -> Result<u8, Failure> {
    let known = match KnownPhones::load_default() {
        Ok(known) => Some(known),
        Err(error) => {
            note(&format!("{error}; names of known phones are not shown"));
            None
        }
    };
    let mut scanner = Scanner::new(args.options());
    if let Some(known) = &known {
        scanner = scanner.with_known_phones(known.clone());
    }
    let scan = scanner
        .start()
        .map_err(|error| Failure::usage(error.to_string()))?;
    let show_progress = !args.json && !args.csv && std::io::stderr().is_terminal();
    // The text table is printed as phones are identified; JSON and CSV are written at the end.
    let mut rows = (!args.json && !args.csv).then(|| Rows::new(show_progress));
    let summary = follow(scan, show_progress, rows.as_mut(), &interrupt).await?;
    let mut phones = summary.phones.clone();
    phones.sort_by_key(|p| p.address);

    // Read the file again under its lock: a name given in the app while this scan ran
    // stays.
    if let Some(known) = &known
        && let Err(error) = KnownPhones::update(known.path(), |fresh| {
            phones.iter().filter(|p| fresh.remember(p)).count() > 0
        })
    {
        note(&error.to_string());
    }

    for reason in summary.why_nothing_found() {
        note(&reason);
    }
    match rows.as_mut() {
        None if args.csv => print_csv(&phones)?,
        None => {
            let lines: Vec<JsonPhone> = phones.iter().map(JsonPhone::from).collect();
            print_json(&lines)?;
        }
        Some(rows) => {
            // What the end added (MACs from the neighbour table, names): those rows again.
            for phone in &phones {
                rows.show(phone, None);
            }
            eprintln!(
                "{} phone{} found; swept {} of {} addresses in {:.1} s",
                phones.len(),
                if phones.len() == 1 { "" } else { "s" },
                summary.swept.done,
                summary.swept.total,
                summary.elapsed.as_secs_f64()
            );
        }
    }
    if summary.cancelled || summary.timed_out {
        note(&format!(
            "{}; the list may be incomplete",
            if summary.cancelled {
                "interrupted"
            } else {
                "time limit reached (--timeout)"
            }
        ));
        return Ok(exit::FAILED);
    }
    Ok(exit::OK)
}

/// Follows the scan to its summary: each phone's row as it is identified (with `rows`), the
/// sweep's progress on a terminal, the sources' problems as notes; Ctrl-C cancels it (its
/// summary then says so).
async fn follow(
    mut scan: ScanHandle,
    show_progress: bool,
    mut rows: Option<&mut Rows>,
    interrupt: &CancellationToken,
) -> Result<ScanSummary, Failure> {
    let mut interrupted = false;
    let summary = loop {
        let event = tokio::select! {
            _ = interrupt.cancelled(), if !interrupted => {
                interrupted = true;
                scan.cancel();
                continue;
            }
            event = scan.next() => event,
        };
        match event {
            Some(ScanEvent::Progress(progress)) if show_progress => {
                eprint!("\rswept {} of {} addresses", progress.done, progress.total);
            }
            Some(ScanEvent::SourceProblem { source, message }) => {
                note(&format!("{source}: {message}"));
            }
            Some(ScanEvent::PhoneFound(phone)) => {
                if let Some(rows) = rows.as_deref_mut() {
                    rows.show(&phone, None);
                }
            }
            Some(ScanEvent::PhoneUpdated {
                previous_key,
                phone,
            }) => {
                if let Some(rows) = rows.as_deref_mut() {
                    rows.show(&phone, previous_key.as_ref());
                }
            }
            Some(ScanEvent::Finished(summary)) => break summary,
            Some(ScanEvent::Progress(_)) => {}
            None => return Err(Failure::failed("the scan stopped unexpectedly")),
        }
    };
    if show_progress {
        eprintln!();
    }
    Ok(summary)
}

/// A line on stderr that does not end the command.
fn note(message: &str) {
    eprintln!("{}", failure_line(WHO, message));
}

/// `--csv`: one row per phone with a header; `url` is what `set --phones` uses.
fn print_csv(phones: &[DiscoveredPhone]) -> Result<(), Failure> {
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    let failed = |e: csv::Error| Failure::failed(format!("cannot write the CSV: {e}"));
    writer
        .write_record([
            "address", "url", "mac", "model", "firmware", "serial", "access", "cisco", "sources",
            "name",
        ])
        .map_err(failed)?;
    for phone in phones {
        let line = JsonPhone::from(phone);
        writer
            .write_record([
                line.address,
                phone.url().unwrap_or_default(),
                line.mac.unwrap_or_default(),
                line.model.unwrap_or_default(),
                line.firmware.unwrap_or_default(),
                line.serial.unwrap_or_default(),
                access_word(phone.access).to_string(),
                line.cisco_confidence,
                line.sources.join(" "),
                line.name.unwrap_or_default(),
            ])
            .map_err(failed)?;
    }
    writer
        .flush()
        .map_err(|e| Failure::failed(format!("cannot write the CSV: {e}")))
}

/// The access column of the table and the CSV.
fn access_word(access: Access) -> &'static str {
    match access {
        Access::Unknown => "?",
        Access::Open => "open",
        Access::NeedsCredentials => "password",
        Access::Unreachable => "no answer",
    }
}

const HEADER: [&str; 10] = [
    "ADDRESS", "WEB", "MAC", "MODEL", "FIRMWARE", "SERIAL", "ACCESS", "CISCO?", "SOURCES", "NAME",
];
/// Column widths that fit the usual values, so rows line up as they stream in.
const WIDTHS: [usize; 10] = [15, 9, 17, 14, 24, 11, 9, 8, 14, 0];

/// The text table, printed a row at a time: a phone's row when it is found, and again when
/// what is known about it changes (the later row is the current one).
struct Rows {
    printed: std::collections::HashMap<PhoneKey, String>,
    header_done: bool,
    /// A progress line is on the terminal and must be cleared before a row.
    progress_shown: bool,
}

impl Rows {
    fn new(progress_shown: bool) -> Self {
        Rows {
            printed: std::collections::HashMap::new(),
            header_done: false,
            progress_shown,
        }
    }

    fn show(&mut self, phone: &DiscoveredPhone, previous_key: Option<&PhoneKey>) {
        let text = line(&row(phone));
        let earlier = previous_key
            .and_then(|key| self.printed.remove(key))
            .or_else(|| self.printed.get(&phone.key()).cloned());
        if earlier.as_ref() == Some(&text) {
            return;
        }
        if self.progress_shown {
            eprint!("\r{:60}\r", "");
        }
        if !self.header_done {
            println!("{}", line(&HEADER.map(String::from)));
            self.header_done = true;
        }
        println!("{text}");
        self.printed.insert(phone.key(), text);
    }
}

fn row(p: &DiscoveredPhone) -> [String; 10] {
    let dash = || "-".to_string();
    [
        p.address.to_string(),
        p.web
            .map(|w| format!("{}:{}", w.scheme.as_str(), w.port))
            .unwrap_or_else(dash),
        p.identity.mac.map(|m| m.to_string()).unwrap_or_else(dash),
        p.identity.model.clone().unwrap_or_else(dash),
        p.identity.firmware.clone().unwrap_or_else(dash),
        p.identity.serial.clone().unwrap_or_else(dash),
        access_word(p.access).to_string(),
        p.confidence().cisco_phone.to_string(),
        p.sources
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(","),
        p.name.clone().unwrap_or_default(),
    ]
}

fn line(cells: &[String; 10]) -> String {
    cells
        .iter()
        .zip(WIDTHS)
        .map(|(cell, width)| format!("{cell:<width$}"))
        .collect::<Vec<_>>()
        .join("  ")
        .trim_end()
        .to_string()
}
