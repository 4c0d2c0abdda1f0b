//! Passive sightings in the phone list: a phone that fetched from our provisioning server or
//! sent us syslog is added (or, when its MAC is known, its address is brought up to date).

use super::phones::{Added, PhoneId, PhoneList};
use crate::discovery::{Sighting, SightingKind};
use crate::phone::PhoneAddress;

/// What recording a sighting did to the list, with a line for the activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SightingRecorded {
    pub phone: PhoneId,
    pub message: String,
}

/// Records `sighting` in `phones`. `None` when it does not look like a Cisco phone (a browser,
/// a router's syslog): nothing is added for those.
pub fn record(phones: &mut PhoneList, sighting: &Sighting) -> Option<SightingRecorded> {
    let observation = sighting.observation()?;
    let identity = observation.identity;
    let how = match sighting.kind {
        SightingKind::ProvisioningFetch => "fetched from the provisioning server",
        SightingKind::Syslog => "sent syslog",
    };
    let host = sighting.address.to_string();
    let phone = match identity.mac {
        Some(mac) => {
            // A known phone keeps the scheme and port it answers on; only the host moves.
            let address = match phones.entries.iter().find(|e| e.mac == Some(mac)) {
                Some(known) => PhoneAddress {
                    host: host.clone(),
                    ..known.address.clone()
                },
                None => PhoneAddress::parse(&host).ok()?,
            };
            phones.upsert_identified(
                mac,
                address,
                identity.model.clone(),
                identity.firmware.clone(),
                "passive",
            )
        }
        None => {
            let address = PhoneAddress::parse(&host).ok()?;
            let id = match phones.add_manual(address) {
                Added::New(id) => {
                    // Not typed by the technician: say where it came from.
                    if let Some(entry) = phones.get_mut(id) {
                        entry.sources = vec!["passive".to_string()];
                    }
                    id
                }
                Added::Existing(id) => id,
            };
            if let Some(entry) = phones.get_mut(id) {
                if entry.model.is_none() {
                    entry.model = identity.model.clone();
                }
                if entry.firmware.is_none() {
                    entry.firmware = identity.firmware.clone();
                }
                if !entry.sources.iter().any(|s| s == "passive") {
                    entry.sources.push("passive".to_string());
                }
            }
            id
        }
    };
    let name = identity.model.as_deref().unwrap_or("A phone");
    let mac = identity
        .mac
        .map(|m| format!(" ({})", m.colon()))
        .unwrap_or_default();
    Some(SightingRecorded {
        phone,
        message: format!("{name}{mac} at {host} {how}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(ip: &str, ua: &str) -> Sighting {
        Sighting::provisioning_fetch(ip.parse().unwrap(), ua)
    }

    #[test]
    fn an_unknown_phone_is_added_with_model_and_mac() {
        let mut phones = PhoneList::default();
        let recorded = record(
            &mut phones,
            &fetch("10.0.0.7", "Cisco-CP-8841-3PCC/11.0 (00562b043615)"),
        )
        .unwrap();
        assert_eq!(phones.entries.len(), 1);
        let entry = phones.get(recorded.phone).unwrap();
        assert_eq!(entry.address.host, "10.0.0.7");
        assert_eq!(entry.model.as_deref(), Some("CP-8841-3PCC"));
        assert_eq!(entry.mac.unwrap().lower_hex(), "00562b043615");
        assert!(entry.sources.contains(&"passive".to_string()));
        assert!(
            recorded.message.contains("10.0.0.7"),
            "{}",
            recorded.message
        );
    }

    #[test]
    fn a_known_mac_moves_to_the_new_address_keeping_name_and_port() {
        let mut phones = PhoneList::default();
        let first = record(
            &mut phones,
            &fetch("10.0.0.7", "Cisco-CP-8841-3PCC/11.0 (00562b043615)"),
        )
        .unwrap()
        .phone;
        phones.rename(first, "Reception");
        phones.get_mut(first).unwrap().address.port = 8080;
        let again = record(
            &mut phones,
            &Sighting::syslog(
                "10.0.0.9".parse().unwrap(),
                "CP-8841-3PCC 00:56:2b:04:36:15 -- Successful resync http://x/p.xml",
            ),
        )
        .unwrap();
        assert_eq!(again.phone, first);
        assert_eq!(phones.entries.len(), 1);
        let entry = phones.get(first).unwrap();
        assert_eq!(entry.address.host, "10.0.0.9");
        assert_eq!(entry.address.port, 8080);
        assert_eq!(entry.name, "Reception");
    }

    #[test]
    fn a_mac_less_sighting_adds_the_address_once() {
        let mut phones = PhoneList::default();
        let sighting = Sighting::syslog("10.0.0.8".parse().unwrap(), "CP-7841-3PCC -- REGISTER ok");
        let first = record(&mut phones, &sighting).unwrap().phone;
        let second = record(&mut phones, &sighting).unwrap().phone;
        assert_eq!(first, second);
        assert_eq!(phones.entries.len(), 1);
        let entry = phones.get(first).unwrap();
        assert_eq!(entry.model.as_deref(), Some("CP-7841-3PCC"));
        assert_eq!(entry.sources, vec!["passive".to_string()]);
    }

    #[test]
    fn other_clients_are_not_added() {
        let mut phones = PhoneList::default();
        assert!(record(&mut phones, &fetch("10.0.0.7", "curl/8.5.0")).is_none());
        assert!(phones.entries.is_empty());
    }
}
