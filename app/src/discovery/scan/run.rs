//! One running scan: starts the sources, merges what they report into the [`PhoneTable`]
//! (completed from the neighbour table, named from the known-phones store) and streams the
//! changes as [`ScanEvent`]s until the sources are done, the time limit passes or the scan
//! is cancelled.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::events::{Progress, ScanEvent, ScanSummary, SweepReport, Waker};
use super::options::ScanOptions;
use super::sources::{
    Probe, Report, Reports, Sweep, mdns_source, spawn_until_stopped, sweep_source,
};
use crate::discovery::connect::{LONGEST_CONNECT_WAIT, RoundTrips};
use crate::discovery::evidence::Evidence;
use crate::discovery::fingerprint::Fingerprinter;
use crate::discovery::neighbours::{Neighbour, read_neighbours};
use crate::discovery::oui;
use crate::discovery::pacing::NeighbourPacing;
use crate::discovery::phone::{Observation, PhoneKey, Source};
use crate::discovery::store::KnownPhones;
use crate::discovery::sweep::SweepPlan;
use crate::discovery::table::{PhoneTable, TableChange};
use crate::identity::Mac;

/// Where a scan's events go: the handle's channel, then the waker (a UI's repaint).
pub(super) struct EventSink {
    pub sender: mpsc::UnboundedSender<ScanEvent>,
    pub waker: Option<Waker>,
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

/// How the merging loop ended.
struct Ending {
    swept: Progress,
    cancelled: bool,
    timed_out: bool,
    sweep: Option<SweepReport>,
}

pub(super) struct Run {
    pub options: ScanOptions,
    pub plan: Option<SweepPlan>,
    pub fingerprinter: Fingerprinter,
    pub table: PhoneTable,
    pub known: Option<KnownPhones>,
    pub events: EventSink,
    pub cancel: CancellationToken,
    /// The neighbour table as last read, limited to what this scan may look at.
    pub neighbours: HashMap<IpAddr, Mac>,
    /// The phones this scan saw (the table may also hold phones of an earlier scan).
    pub seen: BTreeSet<PhoneKey>,
}

impl Run {
    pub(super) async fn run(mut self) {
        let started = Instant::now();
        let stop = self.cancel.child_token();
        let (reports, incoming) = mpsc::unbounded_channel();
        if self.options.neighbours {
            self.neighbours = self.read_neighbours().await;
        }
        let swept_addresses: HashSet<IpAddr> = self
            .plan
            .as_ref()
            .map(|p| p.addresses.iter().copied().collect())
            .unwrap_or_default();
        let pacing = if self.plan.is_some() && self.options.pace_neighbours {
            tokio::task::spawn_blocking(NeighbourPacing::for_this_machine)
                .await
                .ok()
        } else {
            None
        };
        let mut sources = self.start_sources(&swept_addresses, pacing, reports, &stop);
        let ending = self.collect(incoming, swept_addresses.len()).await;
        stop.cancel();
        sources.abort_all();

        if !ending.cancelled && !ending.timed_out && self.options.neighbours {
            self.complete_from_neighbours().await;
        }
        let phones = self
            .table
            .phones()
            .filter(|p| self.seen.contains(&p.key()))
            .cloned()
            .collect();
        self.events.send(ScanEvent::Finished(ScanSummary {
            phones,
            cancelled: ending.cancelled,
            timed_out: ending.timed_out,
            swept: ending.swept,
            elapsed: started.elapsed(),
            sweep: ending.sweep.or_else(|| self.sweep_report()),
        }));
    }

    /// The sweep's report before it saw anything (`None` without a sweep).
    fn sweep_report(&self) -> Option<SweepReport> {
        self.plan.as_ref().map(|plan| SweepReport {
            networks: plan.networks.clone(),
            ports: self.options.ports(),
            own_subnets: self.options.cidrs.is_empty(),
            ..SweepReport::default()
        })
    }

    /// Starts every chosen source; each reports to `reports` until `stop`.
    fn start_sources(
        &self,
        swept_addresses: &HashSet<IpAddr>,
        pacing: Option<NeighbourPacing>,
        reports: Reports,
        stop: &CancellationToken,
    ) -> JoinSet<()> {
        let mut sources = JoinSet::new();
        // Single addresses may be far away: they get the longest wait.
        let probe = Probe {
            fingerprinter: self.fingerprinter.clone(),
            ports: self.options.ports(),
            trips: Arc::new(RoundTrips::new(LONGEST_CONNECT_WAIT, LONGEST_CONNECT_WAIT)),
        };
        // Cisco hardware in the neighbour table: marked at once, fingerprinted unless the
        // sweep will reach it anyway.
        for (&address, &mac) in &self.neighbours {
            if !oui::is_cisco(&mac) {
                continue;
            }
            let mut seen = Observation::new(Source::Arp, address);
            seen.identity.mac = Some(mac);
            seen.evidence.insert(Evidence::CiscoOui);
            let _ = reports.send(Report::Seen(seen));
            if !swept_addresses.contains(&address) {
                let probe = probe.clone();
                let looking = async move { probe.address(address, Source::Arp).await };
                spawn_until_stopped(&mut sources, &reports, stop, looking);
            }
        }
        for target in self.options.manual.clone() {
            let probe = probe.clone();
            let looking = async move { Some(probe.manual(target).await) };
            spawn_until_stopped(&mut sources, &reports, stop, looking);
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
        if let (Some(plan), Some(report)) = (self.plan.clone(), self.sweep_report()) {
            let sweep = Sweep {
                addresses: plan.addresses,
                probe: Probe {
                    trips: Arc::new(RoundTrips::new(
                        self.options.connect_timeout,
                        LONGEST_CONNECT_WAIT,
                    )),
                    ..probe
                },
                concurrency: self.options.concurrency.max(1),
                pacing,
                report,
            };
            sources.spawn(sweep_source(sweep, reports, stop.clone()));
        }
        sources
    }

    /// Merges what the sources report until they are all done (their senders gone), the
    /// time limit passes or the scan is cancelled.
    async fn collect(
        &mut self,
        mut incoming: mpsc::UnboundedReceiver<Report>,
        total: usize,
    ) -> Ending {
        let mut ending = Ending {
            swept: Progress { done: 0, total },
            cancelled: false,
            timed_out: false,
            sweep: None,
        };
        let deadline = tokio::time::sleep(self.options.time_limit);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => { ending.cancelled = true; break; }
                _ = &mut deadline => { ending.timed_out = true; break; }
                report = incoming.recv() => match report {
                    None => break,
                    Some(Report::Seen(seen)) => self.merge(seen),
                    Some(Report::Progress(progress)) => {
                        ending.swept = progress;
                        self.events.send(ScanEvent::Progress(progress));
                    }
                    Some(Report::Problem(source, message)) => {
                        self.events.send(ScanEvent::SourceProblem { source, message });
                    }
                    Some(Report::Swept(report)) => ending.sweep = Some(report),
                }
            }
        }
        ending
    }

    /// The sweep's connection attempts filled the neighbour table: phones that only asked
    /// for a password get their MAC from it now.
    async fn complete_from_neighbours(&mut self) {
        self.neighbours = self.read_neighbours().await;
        let macless: Vec<IpAddr> = self
            .table
            .phones()
            .filter(|p| p.identity.mac.is_none() && self.seen.contains(&p.key()))
            .map(|p| p.address)
            .collect();
        for address in macless {
            if self.neighbours.contains_key(&address) {
                self.merge(Observation::new(Source::Arp, address));
            }
        }
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
    fn merge(&mut self, mut seen: Observation) {
        if seen.identity.mac.is_none()
            && let Some(mac) = self.neighbours.get(&seen.address)
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
        self.seen.insert(phone.key());
        let event = match change {
            TableChange::Found(_) => ScanEvent::PhoneFound(phone),
            TableChange::Updated { previous_key, .. } => {
                if let Some(previous) = &previous_key {
                    self.seen.remove(previous);
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
