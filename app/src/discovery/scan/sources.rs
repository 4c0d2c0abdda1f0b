//! The scan's sources as tasks: probing one address (open web ports, then the best
//! fingerprint), the address sweep and the mDNS browse with its follow-up fingerprints.
//! Each reports what it saw to the merging loop ([`Report`]).

use std::collections::HashSet;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::events::{Progress, SweepReport};
use crate::discovery::connect::{self, Attempt, RoundTrips};
use crate::discovery::evidence::Evidence;
use crate::discovery::fingerprint::{Fingerprint, Fingerprinter};
use crate::discovery::manual::ManualTarget;
use crate::discovery::mdns::{self, MdnsService};
use crate::discovery::pacing::NeighbourPacing;
use crate::discovery::phone::{Access, Observation, Source, WebEndpoint, WebScheme};

/// What the sources report to the merging loop.
pub(super) enum Report {
    Seen(Observation),
    Progress(Progress),
    Problem(Source, String),
    /// The sweep's tally, once it is done.
    Swept(SweepReport),
}

pub(super) type Reports = mpsc::UnboundedSender<Report>;

/// Runs `looking` as one more source task: what it sees is reported, unless the scan stops
/// first.
pub(super) fn spawn_until_stopped(
    sources: &mut JoinSet<()>,
    reports: &Reports,
    stop: &CancellationToken,
    looking: impl Future<Output = Option<Observation>> + Send + 'static,
) {
    let (reports, stop) = (reports.clone(), stop.clone());
    sources.spawn(async move {
        tokio::select! {
            _ = stop.cancelled() => {}
            seen = looking => {
                if let Some(seen) = seen {
                    // A closed channel means the scan is over; nothing is waiting for this.
                    let _ = reports.send(Report::Seen(seen));
                }
            }
        }
    });
}

/// Probes one address: which web ports are open, and the fingerprint of each.
#[derive(Clone)]
pub(super) struct Probe {
    pub fingerprinter: Fingerprinter,
    pub ports: Vec<u16>,
    /// How long a connect may take: the sweep's shared, adapted timeout, or a fixed one for
    /// single addresses.
    pub trips: Arc<RoundTrips>,
}

impl Probe {
    /// The best fingerprint among the address's open web ports, as an observation (with or
    /// without Cisco evidence: the merge decides). `None` when no web port answered.
    pub async fn address(&self, address: IpAddr, source: Source) -> Option<Observation> {
        let attempts = self.connect(address).await;
        self.fingerprint(address, &open_ports(&attempts), source)
            .await
    }

    /// One connect to each web port, all at once.
    async fn connect(&self, address: IpAddr) -> Vec<(u16, Attempt)> {
        let attempts = self.ports.iter().map(|&port| async move {
            let attempt = connect::attempt(SocketAddr::new(address, port), &self.trips).await;
            (port, attempt)
        });
        futures::future::join_all(attempts).await
    }

    /// The strongest fingerprint among `open` ports; a status dump ends the search.
    async fn fingerprint(
        &self,
        address: IpAddr,
        open: &[u16],
        source: Source,
    ) -> Option<Observation> {
        let mut best: Option<Fingerprint> = None;
        // A phone that offers HTTPS is talked to over HTTPS: over plain HTTP its admin
        // password travels in clear (xpassword, Basic).
        let mut https: Option<WebEndpoint> = None;
        for &port in open {
            let Ok(fingerprint) = self.fingerprinter.probe_port(address, port).await else {
                continue;
            };
            if fingerprint.web.scheme == WebScheme::Https && fingerprint.looks_cisco() {
                https = https.or(Some(fingerprint.web));
            }
            let done = fingerprint.evidence.contains(&Evidence::StatusDump) && https.is_some();
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
        let mut best = best?;
        if let Some(web) = https.filter(|_| best.looks_cisco()) {
            best.web = web;
        }
        Some(best.into_observation(source, address))
    }

    /// A typed address: its given port and scheme, or the usual ports. Always an
    /// observation: one that did not answer is kept as unreachable.
    pub async fn manual(&self, target: ManualTarget) -> Observation {
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

fn open_ports(attempts: &[(u16, Attempt)]) -> Vec<u16> {
    attempts
        .iter()
        .filter(|(_, attempt)| matches!(attempt, Attempt::Open))
        .map(|(port, _)| *port)
        .collect()
}

/// One address of the sweep: its connects, then the fingerprint of its open ports.
struct Swept {
    attempts: Vec<(u16, Attempt)>,
    seen: Option<Observation>,
}

/// What a sweep needs besides its reports.
pub(super) struct Sweep {
    pub addresses: Vec<IpAddr>,
    /// The probe, with the sweep's shared connect timeout.
    pub probe: Probe,
    /// Addresses in flight at most (also bounded by the open-files limit).
    pub concurrency: usize,
    /// `None`: no pacing (to measure what it costs).
    pub pacing: Option<NeighbourPacing>,
    /// The report so far (ranges, ports); the sweep adds what it saw.
    pub report: SweepReport,
}

/// Sockets kept free for everything else the process does while a sweep runs.
const SPARE_FILES: u64 = 128;

/// Probes every address of the sweep: as many at once as the open-files limit and
/// `concurrency` allow, new addresses on our own links paced to fit the neighbour table,
/// the others first. Each phone is reported as soon as its fingerprint is read; progress
/// about a hundred times whatever the sweep's size; the tally at the end.
pub(super) async fn sweep_source(sweep: Sweep, reports: Reports, stop: CancellationToken) {
    let Sweep {
        addresses,
        probe,
        concurrency,
        pacing,
        mut report,
    } = sweep;
    let files = crate::discovery::open_files::raise_limit().unwrap_or(u64::MAX);
    let per_address = probe.ports.len().max(1) as u64;
    let by_files =
        usize::try_from(files.saturating_sub(SPARE_FILES) / per_address).unwrap_or(usize::MAX);
    let in_flight = concurrency.min(by_files).max(1);

    let total = addresses.len();
    let step = (total / 100).max(1);
    let _ = reports.send(Report::Progress(Progress { done: 0, total }));
    // Addresses that take no new neighbour entry (known hosts, routed ranges) cost the table
    // nothing: they go first, unpaced.
    let (free, paced): (Vec<IpAddr>, Vec<IpAddr>) = addresses
        .into_iter()
        .partition(|&a| pacing.as_ref().is_none_or(|p| !p.needs(a)));
    let paced_from = free.len();
    let queue: Vec<IpAddr> = free.into_iter().chain(paced).collect();
    let mut pacer = pacing.map(|p| p.pacer());

    let mut next = 0;
    let mut done = 0;
    // One task per address, so both of the runtime's workers take part.
    let mut running = JoinSet::new();
    loop {
        let mut room_at = None;
        while running.len() < in_flight && next < queue.len() {
            if next >= paced_from
                && let Some(pacer) = &mut pacer
                && let Err(at) = pacer.try_admit(tokio::time::Instant::now())
            {
                room_at = Some(at);
                break;
            }
            let address = queue[next];
            next += 1;
            let probe = probe.clone();
            running.spawn(async move {
                let attempts = probe.connect(address).await;
                let seen = probe
                    .fingerprint(address, &open_ports(&attempts), Source::Sweep)
                    .await;
                Swept { attempts, seen }
            });
        }
        if running.is_empty() && room_at.is_none() {
            break;
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            Some(joined) = running.join_next(), if !running.is_empty() => {
                done += 1;
                // A probe that panicked counts as done and saw nothing.
                if let Ok(swept) = joined {
                    tally(&mut report, &swept.attempts);
                    if let Some(seen) = swept.seen {
                        let _ = reports.send(Report::Seen(seen));
                    }
                }
                if done % step == 0 || done == total {
                    let _ = reports.send(Report::Progress(Progress { done, total }));
                }
            }
            _ = tokio::time::sleep_until(room_at.unwrap_or_else(tokio::time::Instant::now)), if room_at.is_some() => {}
        }
    }
    report.paced = pacer.map_or(0, |p| p.held_back);
    report.slowest_answer = probe.trips.slowest();
    report.connect_timeout = probe.trips.timeout();
    let _ = reports.send(Report::Swept(report));
}

fn tally(report: &mut SweepReport, attempts: &[(u16, Attempt)]) {
    if attempts.iter().any(|(_, a)| a.answered()) {
        report.answered += 1;
    }
    if attempts.iter().any(|(_, a)| matches!(a, Attempt::Open)) {
        report.open += 1;
    }
    for (_, attempt) in attempts {
        if let Attempt::Failed(error) = attempt {
            *report.connect_errors.entry(error.to_string()).or_insert(0) += 1;
        }
    }
}

/// Browses mDNS for `window`, reporting each service, and fingerprints each web endpoint a
/// service names (once per address and endpoint).
pub(super) async fn mdns_source(
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
