//! A scan: runs the chosen sources at once, merges what they see into a [`PhoneTable`] and
//! streams events (phone found/updated, progress, finished). Cancellable at any time.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use ipnet::IpNet;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::identity::Mac;

use super::fingerprint::{Fingerprint, FingerprintError, Fingerprinter};
use super::manual::ManualTarget;
use super::mdns::{self, MdnsService};
use super::neighbours::{Neighbour, read_neighbours};
use super::oui;
use super::phone::{Access, DiscoveredPhone, Evidence, Observation, PhoneKey, Source, WebEndpoint};
use super::store::KnownPhones;
use super::sweep::{self, DEFAULT_PORTS, ScopeError, SweepPlan};
use super::table::{PhoneTable, TableChange};

/// What to scan and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// Browse mDNS/DNS-SD.
    pub mdns: bool,
    /// Sweep addresses (the `cidrs`, or else the subnets of our interfaces).
    pub sweep: bool,
    /// Read the neighbour (ARP) table.
    pub neighbours: bool,
    /// Ranges to sweep instead of the interfaces' subnets.
    pub cidrs: Vec<IpNet>,
    /// Ports tried besides 80 and 443.
    pub extra_ports: Vec<u16>,
    /// Only these interfaces (by name) for the sweep, mDNS and neighbours; `None`: all.
    pub interfaces: Option<Vec<String>>,
    /// Addresses the technician typed.
    pub manual: Vec<ManualTarget>,
    /// The user confirmed sweeping more than a /22.
    pub allow_large: bool,
    /// How long a TCP connect may take before the address counts as silent.
    pub connect_timeout: Duration,
    /// How long each fingerprint request may take.
    pub http_timeout: Duration,
    /// How long mDNS listens for announcements.
    pub mdns_window: Duration,
    /// The whole scan stops after this long.
    pub time_limit: Duration,
    /// Addresses probed at once.
    pub concurrency: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            mdns: true,
            sweep: true,
            neighbours: true,
            cidrs: Vec::new(),
            extra_ports: Vec::new(),
            interfaces: None,
            manual: Vec::new(),
            allow_large: false,
            connect_timeout: Duration::from_millis(500),
            http_timeout: Duration::from_secs(3),
            mdns_window: Duration::from_secs(2),
            time_limit: Duration::from_secs(30),
            concurrency: 256,
        }
    }
}

impl ScanOptions {
    /// Only fingerprint the given addresses ("Add by address").
    pub fn manual_only(targets: Vec<ManualTarget>) -> Self {
        ScanOptions {
            mdns: false,
            sweep: false,
            neighbours: true,
            manual: targets,
            ..ScanOptions::default()
        }
    }

    /// 80, 443 and the extra ports, without duplicates, in that order.
    pub fn ports(&self) -> Vec<u16> {
        let mut ports = DEFAULT_PORTS.to_vec();
        for port in &self.extra_ports {
            if *port != 0 && !ports.contains(port) {
                ports.push(*port);
            }
        }
        ports
    }

    /// The sweep this scan would run (`None` without a sweep): lets a UI show the number of
    /// addresses, or ask before a large range, without starting anything.
    pub fn sweep_plan(&self) -> Result<Option<SweepPlan>, ScopeError> {
        if !self.sweep {
            return Ok(None);
        }
        let networks: Vec<IpNet> = if self.cidrs.is_empty() {
            let local = sweep::local_networks(self.interfaces.as_deref())?;
            if local.is_empty() {
                return Err(ScopeError::NoNetworks {
                    which: self
                        .interfaces
                        .as_ref()
                        .map(|names| format!(" named {}", names.join(", ")))
                        .unwrap_or_default(),
                });
            }
            local.into_iter().map(|l| l.network).collect()
        } else {
            self.cidrs.clone()
        };
        sweep::plan(&networks, self.allow_large).map(Some)
    }
}

/// Progress of the sweep: addresses done of total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// The end of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanSummary {
    /// The phones this scan saw, in the merged state.
    pub phones: Vec<DiscoveredPhone>,
    /// The user cancelled it.
    pub cancelled: bool,
    /// It ran into [`ScanOptions::time_limit`].
    pub timed_out: bool,
    /// Addresses the sweep finished (of its plan).
    pub swept: Progress,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanEvent {
    PhoneFound(DiscoveredPhone),
    /// A phone seen again or learned more about; `previous_key` is set when its key changed
    /// (its MAC became known).
    PhoneUpdated {
        previous_key: Option<PhoneKey>,
        phone: DiscoveredPhone,
    },
    Progress(Progress),
    /// A source could not run (e.g. mDNS not available); the others go on.
    SourceProblem {
        source: Source,
        message: String,
    },
    /// Always the last event.
    Finished(ScanSummary),
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error(transparent)]
    Client(#[from] FingerprintError),
    #[error("a scan must be started from within a tokio runtime")]
    NoRuntime,
}

/// Called after every event, e.g. to wake a UI (`egui::Context::request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Sets up and starts a scan.
pub struct Scanner {
    options: ScanOptions,
    table: PhoneTable,
    known: Option<KnownPhones>,
    waker: Option<Waker>,
}

impl Scanner {
    pub fn new(options: ScanOptions) -> Self {
        Scanner {
            options,
            table: PhoneTable::new(),
            known: None,
            waker: None,
        }
    }

    /// Starts from what an earlier scan found, so that a rescan updates those phones
    /// instead of finding them anew.
    pub fn with_table(mut self, table: PhoneTable) -> Self {
        self.table = table;
        self
    }

    /// Gives found phones the technician's names.
    pub fn with_known_phones(mut self, known: KnownPhones) -> Self {
        self.known = Some(known);
        self
    }

    pub fn on_event(mut self, waker: Waker) -> Self {
        self.waker = Some(waker);
        self
    }

    /// Starts the scan in the current tokio runtime. Fails at once, before any traffic,
    /// when the sweep's range is refused (too large without confirmation, not ours).
    pub fn start(self) -> Result<ScanHandle, ScanError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ScanError::NoRuntime)?;
        let plan = self.options.sweep_plan()?;
        let fingerprinter = Fingerprinter::new(self.options.http_timeout)?;
        let (events, receiver) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        let total = plan.as_ref().map_or(0, |p| p.addresses.len());
        let run = Run {
            options: self.options,
            plan,
            fingerprinter,
            table: self.table,
            known: self.known,
            events: EventSink {
                sender: events,
                waker: self.waker,
            },
            cancel: cancel.clone(),
        };
        runtime.spawn(run.run());
        Ok(ScanHandle {
            events: receiver,
            cancel,
            addresses: total,
        })
    }
}

/// A running scan: its events and its cancel switch. Dropping it cancels the scan.
#[derive(Debug)]
pub struct ScanHandle {
    events: mpsc::UnboundedReceiver<ScanEvent>,
    cancel: CancellationToken,
    addresses: usize,
}

impl ScanHandle {
    /// Stops the scan; a `Finished` event with `cancelled` follows promptly.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The scan's cancellation token (cancelling it cancels the scan).
    pub fn cancellation(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// How many addresses the sweep will try.
    pub fn addresses_to_sweep(&self) -> usize {
        self.addresses
    }

    /// The next event, without waiting (for a UI's frame loop).
    pub fn try_next(&mut self) -> Option<ScanEvent> {
        self.events.try_recv().ok()
    }

    /// The next event; `None` after `Finished`.
    pub async fn next(&mut self) -> Option<ScanEvent> {
        self.events.recv().await
    }

    /// Waits for the end and returns the summary.
    pub async fn finish(mut self) -> ScanSummary {
        while let Some(event) = self.events.recv().await {
            if let ScanEvent::Finished(summary) = event {
                return summary;
            }
        }
        // The scan task ended without a summary: only if it panicked.
        ScanSummary {
            phones: Vec::new(),
            cancelled: true,
            timed_out: false,
            swept: Progress {
                done: 0,
                total: self.addresses,
            },
            elapsed: Duration::ZERO,
        }
    }
}

impl Drop for ScanHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

struct EventSink {
    sender: mpsc::UnboundedSender<ScanEvent>,
    waker: Option<Waker>,
}

impl EventSink {
    fn send(&self, event: ScanEvent) {
        // A closed receiver means nobody listens any more; the scan is cancelled then.
        let _ = self.sender.send(event);
        if let Some(waker) = &self.waker {
            waker();
        }
    }
}

/// What the sources report to the merging loop.
enum Report {
    Seen(Observation),
    Progress(Progress),
    Problem(Source, String),
}

type Reports = mpsc::UnboundedSender<Report>;

struct Run {
    options: ScanOptions,
    plan: Option<SweepPlan>,
    fingerprinter: Fingerprinter,
    table: PhoneTable,
    known: Option<KnownPhones>,
    events: EventSink,
    cancel: CancellationToken,
}

impl Run {
    async fn run(mut self) {
        let started = Instant::now();
        let stop = self.cancel.child_token();
        let (reports, mut incoming) = mpsc::unbounded_channel();
        let mut sources = JoinSet::new();

        let mut neighbours = if self.options.neighbours {
            self.read_neighbours().await
        } else {
            HashMap::new()
        };
        let swept_addresses: HashSet<IpAddr> = self
            .plan
            .as_ref()
            .map(|p| p.addresses.iter().copied().collect())
            .unwrap_or_default();
        let ports = self.options.ports();
        let probe = Probe {
            fingerprinter: self.fingerprinter.clone(),
            ports: ports.clone(),
            connect_timeout: self.options.connect_timeout,
        };

        // Cisco hardware in the neighbour table: marked at once, fingerprinted unless the
        // sweep will reach it anyway.
        for (&address, &mac) in &neighbours {
            if !oui::is_cisco(&mac) {
                continue;
            }
            let mut seen = Observation::new(Source::Arp, address);
            seen.identity.mac = Some(mac);
            seen.evidence.insert(Evidence::CiscoOui);
            let _ = reports.send(Report::Seen(seen));
            if !swept_addresses.contains(&address) {
                let (probe, reports, stop) = (probe.clone(), reports.clone(), stop.clone());
                sources.spawn(async move {
                    tokio::select! {
                        _ = stop.cancelled() => {}
                        seen = probe.address(address, Source::Arp) => {
                            if let Some(seen) = seen {
                                let _ = reports.send(Report::Seen(seen));
                            }
                        }
                    }
                });
            }
        }
        for target in self.options.manual.clone() {
            let (probe, reports, stop) = (probe.clone(), reports.clone(), stop.clone());
            sources.spawn(async move {
                tokio::select! {
                    _ = stop.cancelled() => {}
                    seen = probe.manual(target) => { let _ = reports.send(Report::Seen(seen)); }
                }
            });
        }
        if self.options.mdns {
            sources.spawn(mdns_source(
                self.options.interfaces.clone(),
                self.options.mdns_window,
                self.fingerprinter.clone(),
                reports.clone(),
                stop.clone(),
            ));
        }
        if let Some(plan) = self.plan.clone() {
            sources.spawn(sweep_source(
                plan.addresses,
                probe.clone(),
                self.options.concurrency.max(1),
                reports.clone(),
                stop.clone(),
            ));
        }
        drop(reports);

        let mut seen_keys: BTreeSet<PhoneKey> = BTreeSet::new();
        let mut swept = Progress {
            done: 0,
            total: swept_addresses.len(),
        };
        let (mut cancelled, mut timed_out) = (false, false);
        let deadline = tokio::time::sleep(self.options.time_limit);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => { cancelled = true; break; }
                _ = &mut deadline => { timed_out = true; break; }
                report = incoming.recv() => match report {
                    None => break,
                    Some(Report::Seen(seen)) => self.merge(seen, &neighbours, &mut seen_keys),
                    Some(Report::Progress(progress)) => {
                        swept = progress;
                        self.events.send(ScanEvent::Progress(progress));
                    }
                    Some(Report::Problem(source, message)) => {
                        self.events.send(ScanEvent::SourceProblem { source, message });
                    }
                }
            }
        }
        stop.cancel();
        sources.abort_all();

        if !cancelled && !timed_out && self.options.neighbours {
            // The sweep's connection attempts filled the neighbour table: phones that only
            // asked for a password get their MAC from it now.
            neighbours = self.read_neighbours().await;
            let macless: Vec<IpAddr> = self
                .table
                .phones()
                .filter(|p| p.identity.mac.is_none() && seen_keys.contains(&p.key()))
                .map(|p| p.address)
                .collect();
            for address in macless {
                if neighbours.contains_key(&address) {
                    let seen = Observation::new(Source::Arp, address);
                    self.merge(seen, &neighbours, &mut seen_keys);
                }
            }
        }

        let phones = self
            .table
            .phones()
            .filter(|p| seen_keys.contains(&p.key()))
            .cloned()
            .collect();
        self.events.send(ScanEvent::Finished(ScanSummary {
            phones,
            cancelled,
            timed_out,
            swept,
            elapsed: started.elapsed(),
        }));
    }

    /// The neighbour table, limited to what this scan may look at (the chosen interfaces
    /// and, when the user gave ranges, those ranges).
    async fn read_neighbours(&self) -> HashMap<IpAddr, Mac> {
        let all: Vec<Neighbour> = tokio::task::spawn_blocking(read_neighbours)
            .await
            .unwrap_or_default();
        all.into_iter()
            .filter(|n| {
                self.options.interfaces.as_ref().is_none_or(|names| {
                    n.interface
                        .as_ref()
                        .is_some_and(|name| names.contains(name))
                })
            })
            .filter(|n| {
                self.options.cidrs.is_empty()
                    || self.options.cidrs.iter().any(|c| c.contains(&n.address))
            })
            .map(|n| (n.address, n.mac))
            .collect()
    }

    /// Completes an observation from the neighbour table, keeps it if it points at a Cisco
    /// phone (or was asked for, or adds to a phone we have), and reports the change.
    fn merge(
        &mut self,
        mut seen: Observation,
        neighbours: &HashMap<IpAddr, Mac>,
        seen_keys: &mut BTreeSet<PhoneKey>,
    ) {
        if seen.identity.mac.is_none()
            && let Some(mac) = neighbours.get(&seen.address)
        {
            seen.identity.mac = Some(*mac);
        }
        if seen.identity.mac.is_some_and(|mac| oui::is_cisco(&mac)) {
            seen.evidence.insert(Evidence::CiscoOui);
        }
        let known_here = self.table.phones().any(|p| {
            p.address == seen.address
                || (seen.identity.mac.is_some() && p.identity.mac == seen.identity.mac)
        });
        if seen.evidence.is_empty() && seen.source != Source::Manual && !known_here {
            return;
        }
        let change = self.table.record(seen);
        let mut phone = change.phone().clone();
        if phone.name.is_none()
            && let Some(known) = &self.known
        {
            known.apply_name(&mut phone);
            if phone.name.is_some() {
                self.table.set_name(&phone.key(), phone.name.clone());
            }
        }
        seen_keys.insert(phone.key());
        let event = match change {
            TableChange::Found(_) => ScanEvent::PhoneFound(phone),
            TableChange::Updated { previous_key, .. } => {
                if let Some(previous) = &previous_key {
                    seen_keys.remove(previous);
                }
                ScanEvent::PhoneUpdated {
                    previous_key,
                    phone,
                }
            }
        };
        self.events.send(event);
    }
}

/// Probes one address: which web ports are open, and the fingerprint of each.
#[derive(Clone)]
struct Probe {
    fingerprinter: Fingerprinter,
    ports: Vec<u16>,
    connect_timeout: Duration,
}

impl Probe {
    /// The best fingerprint among the address's open web ports, as an observation (with or
    /// without Cisco evidence: the merge decides). `None` when no web port answered.
    async fn address(&self, address: IpAddr, source: Source) -> Option<Observation> {
        let open = sweep::open_ports(address, &self.ports, self.connect_timeout).await;
        let mut best: Option<Fingerprint> = None;
        for port in open {
            let Ok(fingerprint) = self.fingerprinter.probe_port(address, port).await else {
                continue;
            };
            let done = fingerprint.evidence.contains(&Evidence::StatusDump);
            if best
                .as_ref()
                .is_none_or(|b| strength(&fingerprint) > strength(b))
            {
                best = Some(fingerprint);
            }
            if done {
                break;
            }
        }
        best.map(|f| f.into_observation(source, address))
    }

    /// A typed address: its given port and scheme, or the usual ports. Always an
    /// observation: one that did not answer is kept as unreachable.
    async fn manual(&self, target: ManualTarget) -> Observation {
        let found = match (target.port, target.scheme) {
            (Some(port), Some(scheme)) => self
                .fingerprinter
                .probe(target.address, WebEndpoint { scheme, port })
                .await
                .ok()
                .map(|f| f.into_observation(Source::Manual, target.address)),
            (Some(port), None) => self
                .fingerprinter
                .probe_port(target.address, port)
                .await
                .ok()
                .map(|f| f.into_observation(Source::Manual, target.address)),
            _ => self.address(target.address, Source::Manual).await,
        };
        found.unwrap_or_else(|| {
            let mut seen = Observation::new(Source::Manual, target.address);
            seen.access = Some(Access::Unreachable);
            seen
        })
    }
}

/// Ranks fingerprints: more and stronger evidence first.
fn strength(fingerprint: &Fingerprint) -> (u8, usize) {
    let best = fingerprint
        .evidence
        .iter()
        .map(|e| e.identity_rank() + 1)
        .max()
        .unwrap_or(0);
    (best, fingerprint.evidence.len())
}

async fn sweep_source(
    addresses: Vec<IpAddr>,
    probe: Probe,
    concurrency: usize,
    reports: Reports,
    stop: CancellationToken,
) {
    let total = addresses.len();
    // About a hundred progress reports per sweep, whatever its size.
    let step = (total / 100).max(1);
    let _ = reports.send(Report::Progress(Progress { done: 0, total }));
    let mut probes = futures::stream::iter(addresses)
        .map(|address| {
            let probe = probe.clone();
            async move { probe.address(address, Source::Sweep).await }
        })
        .buffer_unordered(concurrency);
    let mut done = 0;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            next = probes.next() => match next {
                None => break,
                Some(seen) => {
                    done += 1;
                    if let Some(seen) = seen {
                        let _ = reports.send(Report::Seen(seen));
                    }
                    if done % step == 0 || done == total {
                        let _ = reports.send(Report::Progress(Progress { done, total }));
                    }
                }
            }
        }
    }
}

async fn mdns_source(
    interfaces: Option<Vec<String>>,
    window: Duration,
    fingerprinter: Fingerprinter,
    reports: Reports,
    stop: CancellationToken,
) {
    let (found, mut services) = mpsc::unbounded_channel::<MdnsService>();
    let browse = {
        let stop = stop.clone();
        async move { mdns::browse(interfaces.as_deref(), window, stop, found).await }
    };
    let follow_up = async {
        let mut fingerprints = JoinSet::new();
        let mut probed: HashSet<(IpAddr, WebEndpoint)> = HashSet::new();
        while let Some(service) = services.recv().await {
            let Some(&address) = service.addresses.first() else {
                continue;
            };
            let _ = reports.send(Report::Seen(service.observation(address)));
            if let Some(web) = service.web()
                && probed.insert((address, web))
            {
                let fingerprinter = fingerprinter.clone();
                let reports = reports.clone();
                fingerprints.spawn(async move {
                    if let Ok(fingerprint) = fingerprinter.probe(address, web).await {
                        let _ = reports.send(Report::Seen(
                            fingerprint.into_observation(Source::Mdns, address),
                        ));
                    }
                });
            }
        }
        while fingerprints.join_next().await.is_some() {}
    };
    let (browsed, ()) = tokio::join!(browse, follow_up);
    if let Err(error) = browsed {
        let _ = reports.send(Report::Problem(Source::Mdns, error.to_string()));
    }
}
