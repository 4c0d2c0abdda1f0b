//! What a scan looks at and for how long ([`ScanOptions`]), and the one place that builds
//! them from a technician's choices ([`ScanChoices`]), for the command line and the window
//! alike.

use std::time::Duration;

use ipnet::IpNet;

use crate::discovery::manual::ManualTarget;
use crate::discovery::sweep::{self, DEFAULT_PORTS, ScopeError, SweepPlan};

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
    /// The least time a sweep's TCP connect is given before the address counts as silent:
    /// longer when hosts answer slowly (three times the slowest answer, at most
    /// [`LONGEST_CONNECT_WAIT`](crate::discovery::connect::LONGEST_CONNECT_WAIT)). Single
    /// addresses (typed, from the neighbour table) get the longest wait.
    pub connect_timeout: Duration,
    /// How long each fingerprint request may take: a busy phone accepts at once and may take
    /// seconds to answer its page.
    pub http_timeout: Duration,
    /// How long mDNS listens for announcements.
    pub mdns_window: Duration,
    /// The whole scan stops after this long.
    pub time_limit: Duration,
    /// Addresses probed at once, at most (the open-files limit may allow fewer).
    pub concurrency: usize,
    /// Start new addresses on our own links no faster than the neighbour table can hold
    /// them ([`pacing`](crate::discovery::pacing)). Off only to measure what that costs: an
    /// overflowing table drops packets, phones among them.
    pub pace_neighbours: bool,
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
            connect_timeout: Duration::from_millis(100),
            http_timeout: Duration::from_secs(8),
            mdns_window: Duration::from_secs(2),
            time_limit: Duration::from_secs(30),
            concurrency: 4096,
            pace_neighbours: true,
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

/// A scan as the technician chose it, in plain values: `phoneprov discover`'s flags and the
/// window's discovery settings both become one of these, and [`ScanChoices::options`] turns
/// it into [`ScanOptions`] (timeouts and concurrency stay the defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanChoices {
    /// Browse mDNS/DNS-SD.
    pub mdns: bool,
    /// Sweep addresses.
    pub sweep: bool,
    /// Read the neighbour (ARP) table.
    pub neighbours: bool,
    /// Interface names to use; empty: every interface.
    pub interfaces: Vec<String>,
    /// Ports tried besides 80 and 443.
    pub extra_ports: Vec<u16>,
    /// Ranges to sweep instead of this machine's own subnets.
    pub ranges: Vec<IpNet>,
    /// Addresses typed by the technician, fingerprinted whatever the other choices.
    pub manual: Vec<ManualTarget>,
    /// The technician confirmed sweeping more than a /22.
    pub allow_large: bool,
    /// How long the whole scan may take; `None`: the default.
    pub time_limit: Option<Duration>,
}

impl Default for ScanChoices {
    /// Every source on, this machine's own subnets, nothing typed.
    fn default() -> Self {
        ScanChoices {
            mdns: true,
            sweep: true,
            neighbours: true,
            interfaces: Vec::new(),
            extra_ports: Vec::new(),
            ranges: Vec::new(),
            manual: Vec::new(),
            allow_large: false,
            time_limit: None,
        }
    }
}

impl ScanChoices {
    /// The options of a scan that does what was chosen. mDNS listens no longer than the
    /// whole scan may take.
    pub fn options(self) -> ScanOptions {
        let defaults = ScanOptions::default();
        let time_limit = self.time_limit.unwrap_or(defaults.time_limit);
        ScanOptions {
            mdns: self.mdns,
            sweep: self.sweep,
            neighbours: self.neighbours,
            cidrs: self.ranges,
            extra_ports: self.extra_ports,
            interfaces: (!self.interfaces.is_empty()).then_some(self.interfaces),
            manual: self.manual,
            allow_large: self.allow_large,
            time_limit,
            mdns_window: defaults.mdns_window.min(time_limit),
            ..defaults
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_choices_are_the_default_options() {
        assert_eq!(ScanChoices::default().options(), ScanOptions::default());
    }

    #[test]
    fn choices_become_options_and_no_interface_means_every_interface() {
        let target: ManualTarget = "10.0.0.5:8080".parse().unwrap();
        let options = ScanChoices {
            mdns: false,
            neighbours: false,
            interfaces: vec!["eth0".into()],
            extra_ports: vec![8080],
            ranges: vec!["10.0.0.0/24".parse().unwrap()],
            manual: vec![target],
            allow_large: true,
            ..ScanChoices::default()
        }
        .options();
        assert!(!options.mdns && options.sweep && !options.neighbours);
        assert_eq!(options.interfaces, Some(vec!["eth0".to_string()]));
        assert_eq!(options.ports(), vec![80, 443, 8080]);
        assert_eq!(options.cidrs.len(), 1);
        assert_eq!(options.manual, vec![target]);
        assert!(options.allow_large);
        assert_eq!(ScanChoices::default().options().interfaces, None);
    }

    #[test]
    fn mdns_listens_no_longer_than_the_scan_may_take() {
        let short = ScanChoices {
            time_limit: Some(Duration::from_secs(1)),
            ..ScanChoices::default()
        }
        .options();
        assert_eq!(short.time_limit, Duration::from_secs(1));
        assert_eq!(short.mdns_window, Duration::from_secs(1));
        let long = ScanChoices {
            time_limit: Some(Duration::from_secs(60)),
            ..ScanChoices::default()
        }
        .options();
        assert_eq!(long.mdns_window, ScanOptions::default().mdns_window);
    }
}
