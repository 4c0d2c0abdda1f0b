//! The address sweep: which addresses to try (the subnets of our own interfaces, or the
//! ranges the user typed, never anything else) and the guard against huge ranges. The
//! probe itself is in `connect` (how long to wait) and `scan::sources` (how many at once).

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

/// A /22 holds 1,024 addresses: more than that needs the user's explicit go-ahead.
pub const LARGE_RANGE_LIMIT: u64 = 1024;

/// Ports every sweep tries; the user may add more.
pub const DEFAULT_PORTS: [u16; 2] = [80, 443];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error(
        "{ranges} hold {addresses} addresses, more than the {limit} of a /22; sweeping that \
         many takes long and reaches far beyond one office. Confirm to sweep them anyway \
         (CLI: --yes-large), or give a smaller range with --cidr"
    )]
    TooLarge {
        ranges: String,
        addresses: u64,
        limit: u64,
    },
    #[error("{0} is not a range of host addresses that can be swept ({1})")]
    NotSweepable(IpNet, &'static str),
    #[error(
        "no network to sweep: none of this machine's interfaces{which} has an IPv4 subnet \
         (give one with --cidr)"
    )]
    NoNetworks { which: String },
    #[error("could not list this machine's network interfaces: {0}")]
    Interfaces(String),
}

/// A subnet of one of this machine's interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalNetwork {
    pub interface: String,
    pub address: IpAddr,
    pub network: IpNet,
}

/// The IPv4 subnets of this machine's interfaces that are up (loopback and link-local
/// excluded), optionally only those of the named interfaces.
pub fn local_networks(only: Option<&[String]>) -> Result<Vec<LocalNetwork>, ScopeError> {
    let interfaces =
        if_addrs::get_if_addrs().map_err(|error| ScopeError::Interfaces(error.to_string()))?;
    let mut networks = Vec::new();
    for interface in interfaces {
        if interface.is_loopback() || !interface.is_oper_up() || interface.is_p2p() {
            continue;
        }
        if only.is_some_and(|names| !names.contains(&interface.name)) {
            continue;
        }
        let if_addrs::IfAddr::V4(v4) = &interface.addr else {
            continue;
        };
        if v4.ip.is_link_local() {
            continue;
        }
        let Ok(network) = ipnet::Ipv4Net::new(v4.ip, v4.prefixlen) else {
            continue;
        };
        networks.push(LocalNetwork {
            interface: interface.name.clone(),
            address: IpAddr::V4(v4.ip),
            network: IpNet::V4(network.trunc()),
        });
    }
    Ok(networks)
}

/// The addresses a sweep will try, in order, without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepPlan {
    pub networks: Vec<IpNet>,
    pub addresses: Vec<IpAddr>,
}

/// Plans a sweep of `networks` (the user's ranges, or those of [`local_networks`]).
/// Refuses ranges that are not unicast host ranges, and more than [`LARGE_RANGE_LIMIT`]
/// addresses unless `allow_large`.
pub fn plan(networks: &[IpNet], allow_large: bool) -> Result<SweepPlan, ScopeError> {
    let mut unique: Vec<IpNet> = Vec::new();
    for network in networks {
        let network = network.trunc();
        check_sweepable(&network)?;
        if !unique.iter().any(|known| known.contains(&network)) {
            unique.retain(|known| !network.contains(known));
            unique.push(network);
        }
    }
    let total: u64 = unique.iter().map(address_count).sum();
    if total > LARGE_RANGE_LIMIT && !allow_large {
        return Err(ScopeError::TooLarge {
            ranges: unique
                .iter()
                .map(IpNet::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            addresses: total,
            limit: LARGE_RANGE_LIMIT,
        });
    }
    let mut seen = BTreeSet::new();
    let mut addresses = Vec::new();
    for network in &unique {
        for address in network.hosts() {
            if seen.insert(address) {
                addresses.push(address);
            }
        }
    }
    Ok(SweepPlan {
        networks: unique,
        addresses,
    })
}

fn check_sweepable(network: &IpNet) -> Result<(), ScopeError> {
    let address = network.network();
    let problem = if address.is_multicast() {
        Some("multicast")
    } else if address.is_unspecified() && network.prefix_len() == 0 {
        Some("the whole Internet")
    } else if address.is_loopback() {
        Some("loopback: this machine itself")
    } else if let IpAddr::V4(v4) = address
        && v4.is_broadcast()
    {
        Some("broadcast")
    } else {
        None
    };
    match problem {
        Some(why) => Err(ScopeError::NotSweepable(*network, why)),
        None => Ok(()),
    }
}

/// How many addresses a range holds (saturating for IPv6).
fn address_count(network: &IpNet) -> u64 {
    let host_bits = u32::from(network.max_prefix_len() - network.prefix_len());
    1u64.checked_shl(host_bits).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    #[test]
    fn a_slash_24_plans_its_254_hosts() {
        let plan = plan(&[net("198.18.0.0/24")], false).unwrap();
        assert_eq!(plan.addresses.len(), 254);
        assert_eq!(plan.addresses[0], "198.18.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(
            plan.addresses[253],
            "198.18.0.254".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn overlapping_ranges_are_swept_once() {
        let plan = plan(
            &[
                net("198.18.0.0/24"),
                net("198.18.0.64/26"),
                net("198.18.0.7/24"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(plan.networks, vec![net("198.18.0.0/24")]);
        assert_eq!(plan.addresses.len(), 254);
    }

    #[test]
    fn a_slash_22_is_allowed_a_slash_21_and_a_slash_16_ask_first() {
        assert_eq!(
            plan(&[net("10.1.0.0/22")], false).unwrap().addresses.len(),
            1022
        );
        for big in ["10.1.0.0/21", "10.1.0.0/16"] {
            let error = plan(&[net(big)], false).unwrap_err();
            assert!(matches!(error, ScopeError::TooLarge { .. }), "{big}");
            assert!(error.to_string().contains("--yes-large"));
        }
        // Two /22s together are too many as well.
        assert!(matches!(
            plan(&[net("10.1.0.0/22"), net("10.2.0.0/22")], false),
            Err(ScopeError::TooLarge {
                addresses: 2048,
                ..
            })
        ));
        let confirmed = plan(&[net("10.1.0.0/21")], true).unwrap();
        assert_eq!(confirmed.addresses.len(), 2046);
    }

    #[test]
    fn huge_ipv6_ranges_are_guarded_too() {
        assert!(matches!(
            plan(&[net("fd00::/64")], false),
            Err(ScopeError::TooLarge { .. })
        ));
    }

    #[test]
    fn multicast_and_loopback_are_refused() {
        for bad in ["224.0.0.0/24", "127.0.0.0/24", "0.0.0.0/0"] {
            assert!(
                matches!(plan(&[net(bad)], true), Err(ScopeError::NotSweepable(..))),
                "{bad}"
            );
        }
    }
}
