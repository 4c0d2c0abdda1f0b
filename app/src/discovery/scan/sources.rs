//! The scan's sources as tasks: probing one address (open web ports, then the best
//! fingerprint), the address sweep and the mDNS browse with its follow-up fingerprints.
//! Each reports what it saw to the merging loop ([`Report`]).

use std::collections::HashSet;
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::events::Progress;
use crate::discovery::evidence::Evidence;
use crate::discovery::fingerprint::{Fingerprint, Fingerprinter};
use crate::discovery::manual::ManualTarget;
use crate::discovery::mdns::{self, MdnsService};
use crate::discovery::phone::{Access, Observation, Source, WebEndpoint, WebScheme};
use crate::discovery::sweep;

/// What the sources report to the merging loop.
pub(super) enum Report {
    Seen(Observation),
    Progress(Progress),
    Problem(Source, String),
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
    pub connect_timeout: Duration,
}

impl Probe {
    /// The best fingerprint among the address's open web ports, as an observation (with or
    /// without Cisco evidence: the merge decides). `None` when no web port answered.
    pub async fn address(&self, address: IpAddr, source: Source) -> Option<Observation> {
        let open = sweep::open_ports(address, &self.ports, self.connect_timeout).await;
        let mut best: Option<Fingerprint> = None;
        // A phone that offers HTTPS is talked to over HTTPS: over plain HTTP its admin
        // password travels in clear (xpassword, Basic).
        let mut https: Option<WebEndpoint> = None;
        for port in open {
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

/// Probes every address of the sweep, `concurrency` at once, reporting progress about a
/// hundred times whatever the sweep's size.
pub(super) async fn sweep_source(
    addresses: Vec<IpAddr>,
    probe: Probe,
    concurrency: usize,
    reports: Reports,
    stop: CancellationToken,
) {
    let total = addresses.len();
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
