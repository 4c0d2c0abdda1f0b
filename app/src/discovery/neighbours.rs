//! The operating system's neighbour (ARP/NDP) table: which addresses on our links answered
//! at the link layer, with their MACs. Only hosts we (or something on this machine) talked to
//! recently are in it. Reading it sends nothing on the network.

use std::net::IpAddr;
use std::process::Command;

use crate::identity::Mac;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    pub address: IpAddr,
    pub mac: Mac,
    pub interface: Option<String>,
}

/// Programs that list the neighbour table on this system, tried in order: on Linux when
/// `/proc/net/arp` cannot be read, `ip neigh`, else net-tools' `arp`; macOS and the BSDs
/// have `arp -a -n` (numeric); Windows' `arp` takes only `-a`.
#[cfg(target_os = "linux")]
const NEIGHBOUR_COMMANDS: &[(&str, &[&str])] =
    &[("ip", &["neigh", "show"]), ("arp", &["-a", "-n"])];
#[cfg(windows)]
const NEIGHBOUR_COMMANDS: &[(&str, &[&str])] = &[("arp", &["-a"])];
#[cfg(not(any(target_os = "linux", windows)))]
const NEIGHBOUR_COMMANDS: &[(&str, &[&str])] = &[("arp", &["-a", "-n"])];

/// Reads the neighbour table: Linux's `/proc/net/arp`, else the system's listing program
/// (`NEIGHBOUR_COMMANDS`). Whatever cannot be read gives an empty list: the table is only
/// one of several sources.
pub fn read_neighbours() -> Vec<Neighbour> {
    #[cfg(target_os = "linux")]
    if let Ok(text) = std::fs::read_to_string("/proc/net/arp") {
        return parse_proc_net_arp(&text);
    }
    for (program, args) in NEIGHBOUR_COMMANDS {
        if let Ok(output) = Command::new(program).args(*args).output()
            && output.status.success()
        {
            return parse_neighbour_listing(&String::from_utf8_lossy(&output.stdout));
        }
    }
    Vec::new()
}

/// Every address the neighbour table holds, answered or not, and the number of entries: what
/// a sweep needs to stay within the table's size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableSnapshot {
    pub addresses: std::collections::HashSet<IpAddr>,
    pub entries: usize,
}

/// Reads the whole neighbour table, incomplete entries included (Linux's `/proc/net/arp`;
/// elsewhere the complete entries of [`read_neighbours`]).
pub fn read_table() -> TableSnapshot {
    #[cfg(target_os = "linux")]
    if let Ok(text) = std::fs::read_to_string("/proc/net/arp") {
        let addresses: std::collections::HashSet<IpAddr> = text
            .lines()
            .skip(1)
            .filter_map(|line| line.split_whitespace().next()?.parse().ok())
            .collect();
        return TableSnapshot {
            entries: addresses.len(),
            addresses,
        };
    }
    let addresses: std::collections::HashSet<IpAddr> =
        read_neighbours().into_iter().map(|n| n.address).collect();
    TableSnapshot {
        entries: addresses.len(),
        addresses,
    }
}

/// Parses Linux's `/proc/net/arp`:
/// `IP address  HW type  Flags  HW address  Mask  Device`. Incomplete entries (flags 0x0,
/// all-zero MAC) are skipped.
pub fn parse_proc_net_arp(text: &str) -> Vec<Neighbour> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [address, _hw_type, flags, mac, _mask, device, ..] = fields.as_slice() else {
                return None;
            };
            let flags = u32::from_str_radix(flags.trim_start_matches("0x"), 16).ok()?;
            // ATF_COM (0x2): the entry is complete.
            if flags & 0x2 == 0 {
                return None;
            }
            let mac = parse_mac(mac)?;
            Some(Neighbour {
                address: address.parse().ok()?,
                mac,
                interface: Some(device.to_string()),
            })
        })
        .collect()
}

/// Parses `ip neigh` and the various `arp -a` outputs by looking, on each line, for an IP
/// address and a MAC address:
/// `10.0.0.5 dev eth0 lladdr 00:56:2b:04:36:15 REACHABLE`,
/// `? (10.0.0.5) at 0:56:2b:4:36:15 on en0 ifscope [ethernet]`,
/// `  10.0.0.5          00-56-2b-04-36-15     dynamic`.
pub fn parse_neighbour_listing(text: &str) -> Vec<Neighbour> {
    text.lines()
        .filter_map(|line| {
            let words: Vec<&str> = line
                .split_whitespace()
                .map(|w| w.trim_matches(|c| c == '(' || c == ')'))
                .collect();
            let address = words.iter().find_map(|w| w.parse::<IpAddr>().ok())?;
            let mac = words.iter().find_map(|w| parse_mac(w))?;
            let interface = words
                .iter()
                .position(|w| *w == "dev" || *w == "on")
                .and_then(|i| words.get(i + 1))
                .map(|w| w.to_string());
            Some(Neighbour {
                address,
                mac,
                interface,
            })
        })
        .collect()
}

/// A MAC as neighbour tables print it, including macOS's unpadded `0:56:2b:4:36:15`.
/// The all-zero and broadcast addresses are not hosts.
fn parse_mac(text: &str) -> Option<Mac> {
    let groups: Vec<&str> = text.split([':', '-']).collect();
    let mac = if groups.len() == 6
        && groups
            .iter()
            .all(|g| (1..=2).contains(&g.len()) && g.chars().all(|c| c.is_ascii_hexdigit()))
    {
        let mut bytes = [0u8; 6];
        for (byte, group) in bytes.iter_mut().zip(&groups) {
            *byte = u8::from_str_radix(group, 16).ok()?;
        }
        Mac(bytes)
    } else if text.len() == 14 && text.matches('.').count() == 2 {
        text.parse().ok()?
    } else {
        return None;
    };
    (mac.0 != [0; 6] && mac.0 != [0xff; 6]).then_some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROC_NET_ARP: &str = include_str!("fixtures/proc_net_arp.txt");

    #[test]
    fn proc_net_arp_complete_entries_only() {
        let neighbours = parse_proc_net_arp(PROC_NET_ARP);
        assert_eq!(
            neighbours,
            vec![
                Neighbour {
                    address: "192.168.10.1".parse().unwrap(),
                    mac: "f4:cf:e2:12:34:56".parse().unwrap(),
                    interface: Some("eth0".into()),
                },
                Neighbour {
                    address: "192.168.10.23".parse().unwrap(),
                    mac: "00:56:2b:04:36:15".parse().unwrap(),
                    interface: Some("eth0".into()),
                },
                Neighbour {
                    address: "192.168.10.40".parse().unwrap(),
                    mac: "00:0e:08:aa:bb:cc".parse().unwrap(),
                    interface: Some("eth0".into()),
                },
            ]
        );
        assert!(crate::discovery::oui::is_cisco(&neighbours[1].mac));
    }

    #[test]
    fn ip_neigh_and_arp_a_outputs() {
        let text = "192.168.10.23 dev eth0 lladdr 00:56:2b:04:36:15 REACHABLE\n\
                    192.168.10.99 dev eth0 FAILED\n\
                    fe80::1 dev eth0 lladdr f4:cf:e2:12:34:56 router STALE\n\
                    ? (192.168.10.40) at 0:e:8:aa:bb:cc on en0 ifscope [ethernet]\n\
                    ? (192.168.10.41) at (incomplete) on en0 ifscope [ethernet]\n\
                    \x20 192.168.10.50          00-0e-08-aa-bb-cd     dynamic\n\
                    \x20 192.168.10.255         ff-ff-ff-ff-ff-ff     static\n";
        let neighbours = parse_neighbour_listing(text);
        let pairs: Vec<(String, String, Option<String>)> = neighbours
            .iter()
            .map(|n| {
                (
                    n.address.to_string(),
                    n.mac.to_string(),
                    n.interface.clone(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                (
                    "192.168.10.23".into(),
                    "00:56:2b:04:36:15".into(),
                    Some("eth0".into())
                ),
                (
                    "fe80::1".into(),
                    "f4:cf:e2:12:34:56".into(),
                    Some("eth0".into())
                ),
                (
                    "192.168.10.40".into(),
                    "00:0e:08:aa:bb:cc".into(),
                    Some("en0".into())
                ),
                ("192.168.10.50".into(), "00:0e:08:aa:bb:cd".into(), None),
            ]
        );
    }

    #[test]
    fn garbage_gives_nothing_and_never_panics() {
        assert!(parse_proc_net_arp("").is_empty());
        assert!(parse_proc_net_arp("header only\n1 2 3\n\u{0}\u{1}").is_empty());
        assert!(parse_neighbour_listing("at on dev ( ) 1.2.3 zz:zz").is_empty());
    }
}
