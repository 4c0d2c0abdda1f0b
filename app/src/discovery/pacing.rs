//! Keeps a sweep inside the kernel's neighbour (ARP) table. Every connect to a new address on
//! one of our own links makes an entry that stays *incomplete* until the address answers or
//! the kernel gives up on it (three ARP requests a second apart on Linux); when the table is
//! full (`gc_thresh3`, 1,024 entries by default, for the whole machine) the kernel drops the
//! packets that need a new entry: the sweep would miss phones and the laptop's own new
//! connections would fail. So at most a budget of new addresses are started within each such
//! lifetime.

use std::collections::{HashSet, VecDeque};
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;
use tokio::time::Instant;

use super::neighbours::read_table;
use super::sweep::local_networks;

/// Entries left free for everything else this machine talks to while a sweep runs (the
/// addresses already in the table are left out as well). Answered and given-up entries are
/// reclaimed by the kernel when it needs room; only the unanswered ones it is still asking
/// for hold their place.
const ROOM_FOR_OTHERS: usize = 128;
/// The least budget, even on a table that is already busy.
const MINIMUM_BUDGET: usize = 32;
/// Slack on top of the kernel's own give-up time: its clock starts when the connect's first
/// packet leaves, which on a busy machine starting thousands of connects is tens of
/// milliseconds after the address was admitted (100 ms was measured to be too little).
const LIFETIME_MARGIN: Duration = Duration::from_millis(500);

/// What the kernel allows: the table's hard size and how long an unanswered entry lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeighbourLimits {
    pub table_size: usize,
    pub unanswered_lifetime: Duration,
}

impl Default for NeighbourLimits {
    /// Linux's defaults: 1,024 entries; 3 requests 1 s apart.
    fn default() -> Self {
        NeighbourLimits {
            table_size: 1024,
            unanswered_lifetime: Duration::from_secs(3),
        }
    }
}

impl NeighbourLimits {
    /// This system's limits where it tells them (Linux's `/proc/sys/net/ipv4/neigh/default`;
    /// a network namespace hides the table size, which is then the default), else Linux's
    /// defaults.
    pub fn of_this_system() -> Self {
        let defaults = NeighbourLimits::default();
        let read = |name: &str| -> Option<u64> {
            std::fs::read_to_string(format!("/proc/sys/net/ipv4/neigh/default/{name}"))
                .ok()?
                .trim()
                .parse()
                .ok()
        };
        let table_size = read("gc_thresh3")
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0)
            .unwrap_or(defaults.table_size);
        let unanswered_lifetime = match (
            read("mcast_solicit"),
            read("app_solicit"),
            read("retrans_time_ms"),
        ) {
            (Some(requests), app, Some(interval_ms)) if requests > 0 => {
                Duration::from_millis((requests + app.unwrap_or(0)) * interval_ms)
            }
            _ => defaults.unanswered_lifetime,
        };
        NeighbourLimits {
            table_size,
            unanswered_lifetime,
        }
    }

    /// How many new addresses a sweep may have in the table at once, given the entries the
    /// table already holds.
    pub fn budget(&self, entries_now: usize) -> usize {
        self.table_size
            .saturating_sub(ROOM_FOR_OTHERS)
            .saturating_sub(entries_now)
            .max(MINIMUM_BUDGET)
    }
}

/// Whether a connect to `address` makes a new neighbour entry: it is on one of our links
/// (`links`), not one of our own addresses, and not already in the table.
pub fn needs_new_entry(
    address: IpAddr,
    links: &[IpNet],
    own: &[IpAddr],
    in_table: impl Fn(&IpAddr) -> bool,
) -> bool {
    links.iter().any(|link| link.contains(&address))
        && !own.contains(&address)
        && !in_table(&address)
}

/// The pacing of one sweep on this machine: its links and addresses, the neighbour table as
/// it is, and the kernel's limits.
#[derive(Debug, Clone)]
pub struct NeighbourPacing {
    /// `None`: our links are unknown, so every address is paced.
    links: Option<Vec<IpNet>>,
    own: Vec<IpAddr>,
    in_table: HashSet<IpAddr>,
    pub budget: usize,
    pub lifetime: Duration,
}

impl NeighbourPacing {
    /// Reads this machine's links, its neighbour table and the kernel's limits (blocking:
    /// files and perhaps a listing program).
    pub fn for_this_machine() -> Self {
        let (links, own) = match local_networks(None) {
            Ok(local) => (
                Some(local.iter().map(|l| l.network).collect()),
                local.iter().map(|l| l.address).collect(),
            ),
            Err(_) => (None, Vec::new()),
        };
        let table = read_table();
        let limits = NeighbourLimits::of_this_system();
        NeighbourPacing {
            links,
            own,
            budget: limits.budget(table.entries),
            lifetime: limits.unanswered_lifetime,
            in_table: table.addresses,
        }
    }

    /// Whether a connect to `address` takes a new entry (see [`needs_new_entry`]).
    pub fn needs(&self, address: IpAddr) -> bool {
        match &self.links {
            Some(links) => {
                needs_new_entry(address, links, &self.own, |a| self.in_table.contains(a))
            }
            None => !self.in_table.contains(&address),
        }
    }

    pub fn pacer(&self) -> Pacer {
        Pacer::new(self.budget, self.lifetime)
    }
}

/// Admits new addresses at most `budget` per lifetime of an unanswered entry.
#[derive(Debug)]
pub struct Pacer {
    budget: usize,
    lifetime: Duration,
    started: VecDeque<Instant>,
    /// Room ran out once: every address admitted since had to wait behind it.
    ran_out: bool,
    /// Addresses that had to wait for room.
    pub held_back: usize,
}

impl Pacer {
    pub fn new(budget: usize, lifetime: Duration) -> Self {
        Pacer {
            budget: budget.max(1),
            lifetime: lifetime + LIFETIME_MARGIN,
            started: VecDeque::new(),
            ran_out: false,
            held_back: 0,
        }
    }

    /// Takes room for one new address now, or tells when there will be some.
    pub fn try_admit(&mut self, now: Instant) -> Result<(), Instant> {
        while self
            .started
            .front()
            .is_some_and(|&at| at + self.lifetime <= now)
        {
            self.started.pop_front();
        }
        if self.started.len() < self.budget {
            self.started.push_back(now);
            if self.ran_out {
                self.held_back += 1;
            }
            return Ok(());
        }
        self.ran_out = true;
        Err(self.started.front().map_or(now, |&at| at + self.lifetime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_leaves_room_and_never_reaches_zero() {
        let limits = NeighbourLimits::default();
        assert_eq!(limits.budget(0), 896);
        assert_eq!(limits.budget(100), 796);
        assert_eq!(limits.budget(5000), MINIMUM_BUDGET);
    }

    #[test]
    fn only_new_addresses_on_our_links_take_room() {
        let links: Vec<IpNet> = vec!["10.1.0.0/20".parse().unwrap()];
        let own: Vec<IpAddr> = vec!["10.1.0.1".parse().unwrap()];
        let known: IpAddr = "10.1.0.9".parse().unwrap();
        let in_table = |a: &IpAddr| *a == known;
        let needs = |a: &str| needs_new_entry(a.parse().unwrap(), &links, &own, in_table);
        assert!(needs("10.1.3.7"));
        assert!(!needs("10.1.0.1"), "our own address");
        assert!(!needs("10.1.0.9"), "already in the table");
        assert!(
            !needs("10.2.0.5"),
            "behind a router: the router's entry serves"
        );
    }

    #[test]
    fn no_more_than_the_budget_start_within_one_lifetime() {
        let start = Instant::now();
        let lifetime = Duration::from_secs(3);
        let mut pacer = Pacer::new(3, lifetime);
        for _ in 0..3 {
            assert!(pacer.try_admit(start).is_ok());
        }
        let free_at = pacer.try_admit(start).unwrap_err();
        assert_eq!(free_at, start + lifetime + LIFETIME_MARGIN);
        assert!(pacer.try_admit(free_at - Duration::from_millis(1)).is_err());
        assert!(pacer.try_admit(free_at).is_ok());
        assert!(pacer.try_admit(free_at).is_ok());
        assert_eq!(pacer.held_back, 2, "two addresses waited");
    }
}
