//! The phones list: every phone the technician added or discovery found, keyed for the user
//! by MAC when known (a phone that moves to a new address stays the same phone).

use serde::{Deserialize, Serialize};

use super::form::FormState;
use super::phone_facts::PhoneFacts;
use super::timeline::Timeline;
use crate::discovery::{Access, Confidence, DiscoveredPhone};
use crate::identity::{FirmwareLine, Mac, PhoneIdentity};
use crate::phone::PhoneAddress;
use crate::provision::ProvisionEvent;

/// Stable handle of a list entry for this run and across restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PhoneId(pub u64);

/// What the status light says. Only states that were observed are ever set: a phone added
/// by address is `NotContacted` until something really talked to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PhoneStatus {
    #[default]
    NotContacted,
    /// Answered and its configuration was read.
    Reachable,
    /// Answered but refused us: it wants a password (or a different one).
    NeedsCredentials,
    /// A change or resync is running on it now.
    Applying,
    /// The last change was read back from the phone as intended.
    Verified,
    /// The last operation failed; the text says why, in the engine's words.
    Failed(String),
}

impl PhoneStatus {
    /// Words for the status light, also its screen-reader name.
    pub fn words(&self) -> &str {
        match self {
            PhoneStatus::NotContacted => "Not yet contacted",
            PhoneStatus::Reachable => "Reachable",
            PhoneStatus::NeedsCredentials => "Needs password",
            PhoneStatus::Applying => "Applying…",
            PhoneStatus::Verified => "Verified",
            PhoneStatus::Failed(_) => "Failed",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhoneEntry {
    pub id: PhoneId,
    /// The technician's name for it ("Reception"); empty when none was given.
    #[serde(default)]
    pub name: String,
    pub address: PhoneAddress,
    #[serde(default)]
    pub mac: Option<Mac>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub firmware: Option<String>,
    /// Which discovery sources saw it ("manual", "sweep", "mdns", …).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Edits in progress survive restarts; what the phone reported is read again.
    #[serde(default)]
    pub form: FormState,
    #[serde(skip)]
    pub status: PhoneStatus,
    #[serde(skip)]
    pub timeline: Timeline,
    /// The phone's own last reboot reasons (`Reboot_Reason_1..5`), newest first, as read.
    #[serde(skip)]
    pub reboot_reasons: Vec<String>,
    /// How sure discovery is that this is a Cisco phone, and of its model; `None` for a
    /// phone only added by hand.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// What the last good read saw beyond the form (readiness, history comparisons).
    #[serde(skip)]
    pub facts: Option<PhoneFacts>,
    /// The engine events of the latest apply, resync or restore, for the stepper.
    #[serde(skip)]
    pub operation_events: Vec<ProvisionEvent>,
}

impl PhoneEntry {
    /// A phone nothing has talked to yet.
    fn new(id: PhoneId, address: PhoneAddress) -> Self {
        PhoneEntry {
            id,
            name: String::new(),
            address,
            mac: None,
            model: None,
            firmware: None,
            sources: Vec::new(),
            form: FormState::default(),
            status: PhoneStatus::NotContacted,
            timeline: Timeline::default(),
            reboot_reasons: Vec::new(),
            confidence: None,
            facts: None,
            operation_events: Vec::new(),
        }
    }

    /// What the list shows first: the given name, else the model, else the address.
    pub fn display_name(&self) -> String {
        if !self.name.trim().is_empty() {
            self.name.trim().to_string()
        } else if let Some(model) = &self.model {
            model.clone()
        } else {
            self.address.short()
        }
    }

    /// The keys its own password may be kept under in the secret store, preferred first:
    /// its MAC (stable when the phone moves), then its address (all that is known of a
    /// locked phone before its first successful read).
    pub fn credential_keys(&self) -> Vec<String> {
        self.mac
            .map(|mac| mac.colon())
            .into_iter()
            .chain(std::iter::once(self.address.base_url()))
            .collect()
    }

    /// Who the phone is, as far as we know.
    pub fn identity(&self) -> PhoneIdentity {
        PhoneIdentity {
            model: self.model.clone(),
            mac: self.mac,
            firmware: self.firmware.clone(),
            ip: self.address.host.parse().ok(),
            ..PhoneIdentity::default()
        }
    }

    /// The firmware generation when the phone told us (version or model), else `None`.
    pub fn firmware_line(&self) -> Option<FirmwareLine> {
        self.identity().firmware_line()
    }

    /// Case-insensitive match of the filter against name, address, model, firmware and MAC.
    pub fn matches(&self, filter: &str) -> bool {
        let filter = filter.trim().to_lowercase();
        if filter.is_empty() {
            return true;
        }
        let mac = self.mac.map(|m| m.colon()).unwrap_or_default();
        let mac_plain = self.mac.map(|m| m.lower_hex()).unwrap_or_default();
        [
            self.name.as_str(),
            &self.address.short(),
            self.model.as_deref().unwrap_or(""),
            self.firmware.as_deref().unwrap_or(""),
            &mac,
            &mac_plain,
        ]
        .iter()
        .any(|field| field.to_lowercase().contains(&filter))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    New(PhoneId),
    /// The address was already in the list; that entry is meant.
    Existing(PhoneId),
}

impl Added {
    pub fn id(&self) -> PhoneId {
        match self {
            Added::New(id) | Added::Existing(id) => *id,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhoneList {
    pub entries: Vec<PhoneEntry>,
    #[serde(default)]
    pub next_id: u64,
    #[serde(default)]
    pub selected: Option<PhoneId>,
    #[serde(default)]
    pub filter: String,
}

impl PhoneList {
    /// Adds a phone by address ("Add by address"), or finds the entry that has it.
    pub fn add_manual(&mut self, address: PhoneAddress) -> Added {
        if let Some(existing) = self.entries.iter().find(|e| e.address == address) {
            return Added::Existing(existing.id);
        }
        let id = self.allocate_id();
        self.entries.push(PhoneEntry {
            sources: vec!["manual".to_string()],
            ..PhoneEntry::new(id, address)
        });
        Added::New(id)
    }

    /// Records a phone that discovery (or a client read) identified. Matched by MAC first,
    /// then by address, so a rescan updates rather than duplicates and a phone that moved to
    /// a new address keeps its name and edits.
    pub fn upsert_identified(
        &mut self,
        mac: Mac,
        address: PhoneAddress,
        model: Option<String>,
        firmware: Option<String>,
        source: &str,
    ) -> PhoneId {
        let position = self
            .entries
            .iter()
            .position(|e| e.mac == Some(mac))
            .or_else(|| {
                self.entries
                    .iter()
                    .position(|e| e.address == address && e.mac.is_none())
            });
        let id = match position {
            Some(index) => {
                let entry = &mut self.entries[index];
                entry.mac = Some(mac);
                entry.address = address;
                entry.model = model.or(entry.model.take());
                entry.firmware = firmware.or(entry.firmware.take());
                entry.id
            }
            None => {
                let id = self.allocate_id();
                self.entries.push(PhoneEntry {
                    mac: Some(mac),
                    model,
                    firmware,
                    ..PhoneEntry::new(id, address)
                });
                id
            }
        };
        if let Some(entry) = self.get_mut(id)
            && !entry.sources.iter().any(|s| s == source)
        {
            entry.sources.push(source.to_string());
        }
        id
    }

    /// Records what a scan found: by MAC when known (see [`Self::upsert_identified`]), else
    /// by address. A host whose web server did not answer (Cisco hardware seen only in the
    /// neighbour table) is listed at port 80, so it can be tried; its confidence says how
    /// little is known. The name the technician gave it elsewhere (the known-phones store)
    /// is used when the list has none.
    pub fn record_discovered(&mut self, phone: &DiscoveredPhone) -> Option<PhoneId> {
        let url = phone
            .url()
            .unwrap_or_else(|| format!("http://{}", phone.address));
        let address = PhoneAddress::parse(&url).ok()?;
        let sources: Vec<String> = phone
            .sources
            .iter()
            .map(|s| s.as_str().to_string())
            .collect();
        let first_source = sources.first().map_or("scan", String::as_str);
        let id = match phone.identity.mac {
            Some(mac) => self.upsert_identified(
                mac,
                address,
                phone.identity.model.clone(),
                phone.identity.firmware.clone(),
                first_source,
            ),
            None => match self.entries.iter().find(|e| e.address == address) {
                Some(existing) => existing.id,
                None => {
                    let id = self.allocate_id();
                    self.entries.push(PhoneEntry::new(id, address));
                    id
                }
            },
        };
        let entry = self.get_mut(id)?;
        for source in sources {
            if !entry.sources.contains(&source) {
                entry.sources.push(source);
            }
        }
        if entry.model.is_none() {
            entry.model = phone.identity.model.clone();
        }
        if entry.firmware.is_none() {
            entry.firmware = phone.identity.firmware.clone();
        }
        if entry.name.trim().is_empty()
            && let Some(name) = &phone.name
        {
            entry.name = name.clone();
        }
        entry.confidence = Some(phone.confidence());
        if phone.access == Access::NeedsCredentials && entry.status == PhoneStatus::NotContacted {
            entry.status = PhoneStatus::NeedsCredentials;
        }
        Some(id)
    }

    pub fn rename(&mut self, id: PhoneId, name: &str) -> bool {
        match self.get_mut(id) {
            Some(entry) => {
                entry.name = name.trim().to_string();
                true
            }
            None => false,
        }
    }

    pub fn remove(&mut self, id: PhoneId) {
        self.entries.retain(|e| e.id != id);
        if self.selected == Some(id) {
            self.selected = None;
        }
    }

    pub fn get(&self, id: PhoneId) -> Option<&PhoneEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn get_mut(&mut self, id: PhoneId) -> Option<&mut PhoneEntry> {
        self.entries.iter_mut().find(|e| e.id == id)
    }

    pub fn selected_entry(&self) -> Option<&PhoneEntry> {
        self.selected.and_then(|id| self.get(id))
    }

    pub fn selected_entry_mut(&mut self) -> Option<&mut PhoneEntry> {
        let id = self.selected?;
        self.get_mut(id)
    }

    /// Indices of the entries the filter box lets through, in list order.
    pub fn visible_indices(&self) -> Vec<usize> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.matches(&self.filter))
            .map(|(i, _)| i)
            .collect()
    }

    fn allocate_id(&mut self) -> PhoneId {
        // After loading a saved list, never hand out an id that is already taken.
        let taken = self.entries.iter().map(|e| e.id.0 + 1).max().unwrap_or(0);
        self.next_id = self.next_id.max(taken);
        let id = PhoneId(self.next_id);
        self.next_id += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> PhoneAddress {
        PhoneAddress::parse(text).unwrap()
    }

    fn discovered(ip: &str, source: crate::discovery::Source) -> DiscoveredPhone {
        DiscoveredPhone::from_observation(crate::discovery::Observation::new(
            source,
            ip.parse().unwrap(),
        ))
    }

    #[test]
    fn a_scan_result_without_a_mac_is_listed_by_address_with_its_own_source() {
        use crate::discovery::{Source, WebEndpoint, WebScheme};
        let mut list = PhoneList::default();
        let mut phone = discovered("10.0.0.7", Source::Sweep);
        phone.web = Some(WebEndpoint {
            scheme: WebScheme::Https,
            port: 443,
        });
        phone.access = Access::NeedsCredentials;
        let id = list.record_discovered(&phone).unwrap();
        let entry = list.get(id).unwrap();
        assert_eq!(entry.address.base_url(), "https://10.0.0.7:443");
        assert_eq!(entry.sources, vec!["sweep"]);
        assert_eq!(entry.status, PhoneStatus::NeedsCredentials);
        assert!(entry.confidence.is_some());
        // A rescan finds the same entry.
        assert_eq!(list.record_discovered(&phone), Some(id));
        assert_eq!(list.entries.len(), 1);
    }

    #[test]
    fn cisco_hardware_seen_only_in_the_neighbour_table_is_listed_as_possible() {
        use crate::discovery::{Certainty, Evidence, Source};
        let mut list = PhoneList::default();
        let mut phone = discovered("10.0.0.8", Source::Arp);
        phone.identity.mac = Some("00:56:2b:04:36:15".parse().unwrap());
        phone.evidence.insert(Evidence::CiscoOui);
        let id = list.record_discovered(&phone).unwrap();
        let entry = list.get(id).unwrap();
        assert_eq!(entry.address.base_url(), "http://10.0.0.8:80");
        assert_eq!(
            entry.confidence.unwrap().cisco_phone,
            Certainty::Possible,
            "a MAC prefix alone is a hint, not proof"
        );
    }

    #[test]
    fn a_name_from_the_known_phones_store_fills_an_unnamed_entry_only() {
        use crate::discovery::Source;
        let mut list = PhoneList::default();
        let mut phone = discovered("10.0.0.9", Source::Sweep);
        phone.identity.mac = Some("00:56:2b:04:36:16".parse().unwrap());
        phone.name = Some("Front desk".into());
        let id = list.record_discovered(&phone).unwrap();
        assert_eq!(list.get(id).unwrap().name, "Front desk");
        list.rename(id, "Reception");
        list.record_discovered(&phone);
        assert_eq!(list.get(id).unwrap().name, "Reception");
    }

    #[test]
    fn manual_add_is_not_contacted_and_not_duplicated() {
        let mut list = PhoneList::default();
        let first = list.add_manual(address("10.0.0.5"));
        assert!(matches!(first, Added::New(_)));
        assert_eq!(
            list.get(first.id()).unwrap().status,
            PhoneStatus::NotContacted
        );
        let again = list.add_manual(address("http://10.0.0.5:80"));
        assert_eq!(again, Added::Existing(first.id()));
        assert_eq!(list.entries.len(), 1);
    }

    #[test]
    fn rescan_updates_by_mac_and_keeps_name_and_edits_after_a_move() {
        let mut list = PhoneList::default();
        let mac: Mac = "00:56:2b:04:36:15".parse().unwrap();
        let id = list.upsert_identified(
            mac,
            address("10.0.0.5"),
            Some("CP-8861-3PCC".into()),
            None,
            "sweep",
        );
        list.rename(id, "  Reception ");
        list.get_mut(id)
            .unwrap()
            .form
            .set("Resync_Periodic", "3665");
        let moved = list.upsert_identified(
            mac,
            address("10.0.0.9"),
            None,
            Some("11.3.7".into()),
            "mdns",
        );
        assert_eq!(moved, id);
        assert_eq!(list.entries.len(), 1);
        let entry = list.get(id).unwrap();
        assert_eq!(entry.display_name(), "Reception");
        assert_eq!(entry.address, address("10.0.0.9"));
        assert_eq!(entry.model.as_deref(), Some("CP-8861-3PCC"));
        assert_eq!(entry.firmware.as_deref(), Some("11.3.7"));
        assert_eq!(entry.sources, vec!["sweep", "mdns"]);
        assert_eq!(entry.form.edits.get("Resync_Periodic").unwrap(), "3665");
    }

    #[test]
    fn identified_phone_adopts_a_manual_entry_at_its_address() {
        let mut list = PhoneList::default();
        let manual = list.add_manual(address("10.0.0.7")).id();
        let mac: Mac = "000e08aabbcc".parse().unwrap();
        let id = list.upsert_identified(mac, address("10.0.0.7"), None, None, "client");
        assert_eq!(id, manual);
        assert_eq!(list.entries.len(), 1);
    }

    #[test]
    fn filter_matches_name_model_address_and_mac() {
        let mut list = PhoneList::default();
        let mac: Mac = "000e08aabbcc".parse().unwrap();
        let a = list.upsert_identified(
            mac,
            address("10.0.0.7"),
            Some("SPA504G".into()),
            None,
            "sweep",
        );
        let b = list.add_manual(address("10.0.0.8")).id();
        list.rename(b, "Lobby");
        for (filter, expected) in [
            ("spa5", vec![a]),
            ("LOBBY", vec![b]),
            ("10.0.0.", vec![a, b]),
            ("aa:bb", vec![a]),
            ("0e08aa", vec![a]),
            ("", vec![a, b]),
        ] {
            list.filter = filter.to_string();
            let ids: Vec<PhoneId> = list
                .visible_indices()
                .into_iter()
                .map(|i| list.entries[i].id)
                .collect();
            assert_eq!(ids, expected, "filter {filter:?}");
        }
    }

    #[test]
    fn ids_stay_unique_after_reload() {
        let mut list = PhoneList::default();
        list.add_manual(address("10.0.0.1"));
        list.add_manual(address("10.0.0.2"));
        let json = serde_json::to_string(&list).unwrap();
        let mut reloaded: PhoneList = serde_json::from_str(&json).unwrap();
        reloaded.next_id = 0;
        let third = reloaded.add_manual(address("10.0.0.3")).id();
        assert_eq!(third, PhoneId(2));
    }
}
