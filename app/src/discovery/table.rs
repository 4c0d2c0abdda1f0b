//! The merged list of phones: every observation lands here, keyed by MAC when known, so a
//! rescan updates rather than duplicates and a phone at a new address stays the same phone.

use std::collections::BTreeMap;

use crate::identity::Mac;

use super::phone::{DiscoveredPhone, Observation, PhoneKey};

/// What recording an observation did to the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableChange {
    /// A phone the table did not know.
    Found(DiscoveredPhone),
    /// A known phone, seen again or learned more about. `previous_key` is set when its key
    /// changed (its MAC became known): callers keyed by [`PhoneKey`] drop that entry.
    Updated {
        previous_key: Option<PhoneKey>,
        phone: DiscoveredPhone,
    },
}

impl TableChange {
    pub fn phone(&self) -> &DiscoveredPhone {
        match self {
            TableChange::Found(phone) | TableChange::Updated { phone, .. } => phone,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhoneTable {
    phones: BTreeMap<PhoneKey, DiscoveredPhone>,
}

impl PhoneTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.phones.len()
    }

    pub fn is_empty(&self) -> bool {
        self.phones.is_empty()
    }

    pub fn get(&self, key: &PhoneKey) -> Option<&DiscoveredPhone> {
        self.phones.get(key)
    }

    pub fn phones(&self) -> impl Iterator<Item = &DiscoveredPhone> {
        self.phones.values()
    }

    pub fn into_phones(self) -> Vec<DiscoveredPhone> {
        self.phones.into_values().collect()
    }

    /// Gives a phone the technician's name (kept across merges).
    pub fn set_name(&mut self, key: &PhoneKey, name: Option<String>) -> bool {
        match self.phones.get_mut(key) {
            Some(phone) => {
                phone.name = name;
                true
            }
            None => false,
        }
    }

    /// Merges one source's observation into the table.
    pub fn record(&mut self, observation: Observation) -> TableChange {
        self.merge(DiscoveredPhone::from_observation(observation))
    }

    /// Records a passive sighting (a phone fetched from our provisioning server or sent us
    /// syslog). `None` when the sighting does not look like a Cisco phone.
    pub fn record_sighting(&mut self, sighting: &super::passive::Sighting) -> Option<TableChange> {
        sighting.observation().map(|seen| self.record(seen))
    }

    /// Merges a whole phone record (from a scan's event, or another table) into this table:
    /// the same rules as [`PhoneTable::record`], so a GUI that keeps its own table and feeds
    /// it every event ends up with what the scan has.
    pub fn merge(&mut self, incoming: DiscoveredPhone) -> TableChange {
        let mac = incoming.identity.mac;
        let address_key = PhoneKey::Address(incoming.address);
        let target = self.locate(mac, &incoming);
        match target {
            None => {
                let phone = incoming;
                self.phones.insert(phone.key(), phone.clone());
                TableChange::Found(phone)
            }
            Some(key) => {
                let Some(mut existing) = self.phones.remove(&key) else {
                    // locate() only returns keys that are present.
                    self.phones.insert(incoming.key(), incoming.clone());
                    return TableChange::Found(incoming);
                };
                // A MAC-less record at the same address is this phone seen before we knew
                // its MAC: fold it in too.
                if mac.is_some()
                    && key != address_key
                    && let Some(orphan) = self.phones.remove(&address_key)
                {
                    combine(&mut existing, orphan);
                }
                combine(&mut existing, incoming);
                let new_key = existing.key();
                self.phones.insert(new_key, existing.clone());
                TableChange::Updated {
                    previous_key: (new_key != key).then_some(key),
                    phone: existing,
                }
            }
        }
    }

    fn locate(&self, mac: Option<Mac>, incoming: &DiscoveredPhone) -> Option<PhoneKey> {
        if let Some(mac) = mac {
            let key = PhoneKey::Mac(mac);
            if self.phones.contains_key(&key) {
                return Some(key);
            }
        }
        let address_key = PhoneKey::Address(incoming.address);
        if self.phones.contains_key(&address_key) {
            return Some(address_key);
        }
        if mac.is_none() {
            // No MAC in this sighting: the phone we know at this address is the best guess.
            return self
                .phones
                .iter()
                .find(|(_, phone)| phone.address == incoming.address)
                .map(|(key, _)| *key);
        }
        None
    }
}

/// Folds `newer` into `phone`. The newer address, web endpoint and access win; identity
/// fields come from whichever carried stronger evidence, the other fills the gaps.
fn combine(phone: &mut DiscoveredPhone, newer: DiscoveredPhone) {
    phone.address = newer.address;
    if newer.web.is_some() {
        phone.web = newer.web;
    }
    if newer.access != super::phone::Access::Unknown {
        phone.access = newer.access;
    }
    if newer.identity_rank >= phone.identity_rank {
        let mut identity = newer.identity;
        identity.merge_missing(&phone.identity);
        phone.identity = identity;
        phone.identity_rank = newer.identity_rank;
    } else {
        phone.identity.merge_missing(&newer.identity);
    }
    phone.sources.extend(newer.sources);
    phone.evidence.extend(newer.evidence);
    if newer.mdns_name.is_some() {
        phone.mdns_name = newer.mdns_name;
    }
    if newer.name.is_some() {
        phone.name = newer.name;
    }
    phone.last_seen = phone.last_seen.max(newer.last_seen);
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::discovery::evidence::Evidence;
    use crate::discovery::phone::{Access, Source};

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn mac(text: &str) -> Mac {
        text.parse().unwrap()
    }

    fn seen(source: Source, address: &str, mac_text: Option<&str>) -> Observation {
        let mut o = Observation::new(source, ip(address));
        o.identity.mac = mac_text.map(mac);
        o
    }

    /// A table that recorded these sightings of `address`, each with its MAC.
    fn swept(sightings: &[(&str, &str)]) -> PhoneTable {
        let mut table = PhoneTable::new();
        for (address, mac_text) in sightings {
            table.record(seen(Source::Sweep, address, Some(mac_text)));
        }
        table
    }

    #[test]
    fn the_same_mac_twice_is_one_phone() {
        let mut table = PhoneTable::new();
        let first = table.record(seen(Source::Sweep, "10.0.0.5", Some("00562b043615")));
        assert!(matches!(first, TableChange::Found(_)));
        let second = table.record(seen(Source::Mdns, "10.0.0.5", Some("00562b043615")));
        assert!(matches!(
            second,
            TableChange::Updated {
                previous_key: None,
                ..
            }
        ));
        assert_eq!(table.len(), 1);
        let phone = table.phones().next().unwrap();
        assert_eq!(
            phone.sources,
            [Source::Mdns, Source::Sweep].into_iter().collect()
        );
    }

    #[test]
    fn a_phone_at_a_new_address_is_the_same_phone() {
        let table = swept(&[("10.0.0.5", "00562b043615"), ("10.0.0.9", "00562b043615")]);
        assert_eq!(table.len(), 1);
        assert_eq!(table.phones().next().unwrap().address, ip("10.0.0.9"));
    }

    #[test]
    fn learning_the_mac_rekeys_the_address_record() {
        let mut table = PhoneTable::new();
        let mut locked = seen(Source::Sweep, "10.0.0.7", None);
        locked.access = Some(Access::NeedsCredentials);
        table.record(locked);
        assert!(table.get(&PhoneKey::Address(ip("10.0.0.7"))).is_some());
        let change = table.record(seen(Source::Arp, "10.0.0.7", Some("000e08aabbcc")));
        assert_eq!(
            change,
            TableChange::Updated {
                previous_key: Some(PhoneKey::Address(ip("10.0.0.7"))),
                phone: change.phone().clone()
            }
        );
        assert_eq!(table.len(), 1);
        let phone = table.get(&PhoneKey::Mac(mac("000e08aabbcc"))).unwrap();
        assert_eq!(
            phone.access,
            Access::NeedsCredentials,
            "kept from the sweep"
        );
        assert!(phone.sources.contains(&Source::Arp) && phone.sources.contains(&Source::Sweep));
    }

    #[test]
    fn a_mac_less_sighting_joins_the_phone_known_at_that_address() {
        let mut table = swept(&[("10.0.0.5", "00562b043615")]);
        table.record(seen(Source::Mdns, "10.0.0.5", None));
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn two_macs_at_one_address_over_time_are_two_phones() {
        let table = swept(&[("10.0.0.5", "00562b043615"), ("10.0.0.5", "00562b043616")]);
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn stronger_evidence_wins_the_identity_weaker_fills_gaps() {
        let mut table = PhoneTable::new();
        let mut dump = seen(Source::Sweep, "10.0.0.5", Some("00562b043615"));
        dump.identity.model = Some("CP-8861-3PCC".into());
        dump.identity.firmware = Some("11.3.7".into());
        dump.evidence.insert(Evidence::StatusDump);
        table.record(dump);

        let mut txt = seen(Source::Mdns, "10.0.0.5", Some("00562b043615"));
        txt.identity.model = Some("CP-8861".into());
        txt.identity.host_name = Some("reception".into());
        txt.evidence.insert(Evidence::MdnsTxt);
        table.record(txt);

        let phone = table.phones().next().unwrap();
        assert_eq!(phone.identity.model.as_deref(), Some("CP-8861-3PCC"));
        assert_eq!(phone.identity.firmware.as_deref(), Some("11.3.7"));
        assert_eq!(phone.identity.host_name.as_deref(), Some("reception"));

        let mut newer_dump = seen(Source::Sweep, "10.0.0.5", Some("00562b043615"));
        newer_dump.identity.firmware = Some("12.0.1".into());
        newer_dump.evidence.insert(Evidence::StatusDump);
        table.record(newer_dump);
        let phone = table.phones().next().unwrap();
        assert_eq!(
            phone.identity.firmware.as_deref(),
            Some("12.0.1"),
            "an upgrade shows"
        );
    }

    #[test]
    fn a_sighting_joins_the_phone_the_sweep_found() {
        use crate::discovery::passive::Sighting;
        let mut table = PhoneTable::new();
        let mut locked = seen(Source::Sweep, "10.0.0.7", None);
        locked.access = Some(Access::NeedsCredentials);
        table.record(locked);
        let change = table
            .record_sighting(&Sighting::provisioning_fetch(
                ip("10.0.0.7"),
                "Cisco-CP-8841-3PCC/11.0 (00562b043615)",
            ))
            .unwrap();
        assert!(matches!(
            change,
            TableChange::Updated {
                previous_key: Some(_),
                ..
            }
        ));
        assert_eq!(table.len(), 1);
        let phone = table.get(&PhoneKey::Mac(mac("00562b043615"))).unwrap();
        assert_eq!(phone.identity.model.as_deref(), Some("CP-8841-3PCC"));
        assert_eq!(phone.access, Access::NeedsCredentials);
        assert!(phone.sources.contains(&Source::Passive));
        assert!(
            table
                .record_sighting(&Sighting::provisioning_fetch(ip("10.0.0.8"), "Wget/1.21"))
                .is_none()
        );
    }

    #[test]
    fn names_survive_merges_and_a_table_merges_another_tables_phones() {
        let mut scan = PhoneTable::new();
        scan.record(seen(Source::Sweep, "10.0.0.5", Some("00562b043615")));
        let mut gui = PhoneTable::new();
        for phone in scan.phones() {
            gui.merge(phone.clone());
        }
        let key = PhoneKey::Mac(mac("00562b043615"));
        assert!(gui.set_name(&key, Some("Reception".into())));
        let mut rescan = PhoneTable::new();
        rescan.record(seen(Source::Sweep, "10.0.0.6", Some("00562b043615")));
        for phone in rescan.into_phones() {
            gui.merge(phone);
        }
        assert_eq!(gui.len(), 1);
        let phone = gui.get(&key).unwrap();
        assert_eq!(phone.name.as_deref(), Some("Reception"));
        assert_eq!(phone.address, ip("10.0.0.6"));
    }
}
