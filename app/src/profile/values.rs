//! A set of parameter values by canonical element name, in order, with the firmware line
//! they belong to.

use std::collections::HashMap;

use super::schema::{self, ParamDef};
use super::xml::read::normalize_value;
use super::xml::{Document, UserAccess, XmlWriteError, write_flat_profile};
use crate::identity::FirmwareLine;

/// Parameter values keyed by canonical element name (SPA aliases mapped), in first-seen
/// order. Unknown names are kept as written.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(from = "StoredValues", into = "StoredValues")]
pub struct ProfileValues {
    pub firmware: FirmwareLine,
    entries: Vec<(String, String)>,
    /// Position of each name in `entries`: a cfg.xml dump has hundreds of names, a hostile
    /// file a hundred thousand.
    index: HashMap<String, usize>,
}

impl PartialEq for ProfileValues {
    fn eq(&self, other: &Self) -> bool {
        self.firmware == other.firmware && self.entries == other.entries
    }
}

impl Eq for ProfileValues {}

/// The serialised form: firmware line and ordered entries.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredValues {
    firmware: FirmwareLine,
    entries: Vec<(String, String)>,
}

impl From<StoredValues> for ProfileValues {
    fn from(stored: StoredValues) -> Self {
        let mut values = ProfileValues::new(stored.firmware);
        for (name, value) in &stored.entries {
            values.set(name, value);
        }
        values
    }
}

impl From<ProfileValues> for StoredValues {
    fn from(values: ProfileValues) -> Self {
        StoredValues {
            firmware: values.firmware,
            entries: values.entries,
        }
    }
}

impl ProfileValues {
    pub fn new(firmware: FirmwareLine) -> Self {
        ProfileValues {
            firmware,
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Every leaf of a document: aliases mapped to canonical names, the last duplicate wins,
    /// unknown elements kept.
    pub fn from_document(document: &Document, firmware: FirmwareLine) -> Self {
        let mut values = ProfileValues::new(firmware);
        for element in &document.elements {
            values.set(&element.name, &element.value);
        }
        values
    }

    /// Sets a value by element name or alias; a name seen before keeps its place.
    pub fn set(&mut self, name: &str, value: &str) {
        let name = schema::canonical_name(name);
        match self.index.get(name) {
            Some(&at) => self.entries[at].1 = value.to_string(),
            None => {
                self.index.insert(name.to_string(), self.entries.len());
                self.entries.push((name.to_string(), value.to_string()));
            }
        }
    }

    /// The value given for a name or alias, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        let at = *self.index.get(schema::canonical_name(name))?;
        self.entries.get(at).map(|(_, v)| v.as_str())
    }

    /// The value given, or else the field's default on this firmware line.
    pub fn effective<'a>(&'a self, def: &'static ParamDef) -> &'a str {
        self.get(def.element)
            .unwrap_or_else(|| def.default_for(self.firmware))
    }

    pub fn remove(&mut self, name: &str) -> Option<String> {
        let at = self.index.remove(schema::canonical_name(name))?;
        let (_, value) = self.entries.remove(at);
        for position in self.index.values_mut() {
            if *position > at {
                *position -= 1;
            }
        }
        Some(value)
    }

    /// `(canonical name, value)` in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Entries whose names the schema knows.
    pub fn known(&self) -> impl Iterator<Item = (&'static ParamDef, &str)> {
        self.entries
            .iter()
            .filter_map(|(n, v)| schema::lookup(n).map(|def| (def, v.as_str())))
    }

    /// Entries the schema does not know (other pages of cfg.xml, typos).
    pub fn unknown(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().filter(|(n, _)| schema::lookup(n).is_none())
    }

    /// The entries of `self` whose value differs from `current` (or that `current` lacks),
    /// compared as the phone stores them (trimmed, newlines as spaces). This is what to send.
    pub fn changes_from<'a>(&'a self, current: &'a ProfileValues) -> Vec<Change<'a>> {
        self.iter()
            .filter_map(|(name, wanted)| {
                let now = current.get(name);
                let same = now.is_some_and(|now| same_value(now, wanted));
                (!same).then_some(Change {
                    name,
                    old: now,
                    new: wanted,
                })
            })
            .collect()
    }

    /// A `<flat-profile>` of the named parameters (all of them when `names` is `None`), with
    /// the element names of the values' firmware line (SPA aliases on SPA).
    pub fn to_flat_profile(
        &self,
        names: Option<&[&str]>,
        access: UserAccess,
    ) -> Result<String, XmlWriteError> {
        let line = self.firmware;
        let selected: Vec<(&str, &str)> = self
            .iter()
            .filter(|(name, _)| {
                names.is_none_or(|wanted| wanted.iter().any(|w| schema::canonical_name(w) == *name))
            })
            .map(|(name, value)| {
                let element = schema::lookup(name).map_or(name, |d| d.element_for(line));
                (element, value)
            })
            .collect();
        write_flat_profile(selected, access)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One parameter to change: `old` is `None` when the phone did not report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change<'a> {
    pub name: &'a str,
    pub old: Option<&'a str>,
    pub new: &'a str,
}

/// Whether two values are the same once stored by a phone (trimmed, newlines as spaces).
pub fn same_value(a: &str, b: &str) -> bool {
    normalize_value(a) == normalize_value(b)
}

/// The parameter that turns a phone's provisioning on and off.
pub const PROVISION_ENABLE: &str = "Provision_Enable";

/// Whether `Provision_Enable` holding `value` makes the phone refuse every resync, the ones
/// phoneprov asks for included (`No`, in any case, spaces around).
pub fn refuses_resyncs(provision_enable: &str) -> bool {
    provision_enable.trim().eq_ignore_ascii_case("no")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::xml::read_document;
    use crate::profile::xml::write::xml_cannot_carry;
    use proptest::prelude::*;

    #[test]
    fn only_no_turns_resyncs_away() {
        assert!(refuses_resyncs(" no "));
        assert!(refuses_resyncs("No"));
        assert!(!refuses_resyncs("Yes"));
        assert!(!refuses_resyncs(""));
    }

    #[test]
    fn aliases_map_last_wins_unknown_kept() {
        let doc = read_document(
            "<flat-profile><Log_Resync_Request_Msg>a</Log_Resync_Request_Msg>\
             <Resync_Periodic>1</Resync_Periodic><Line_Enable_1_>Yes</Line_Enable_1_>\
             <Log_Request_Msg>b</Log_Request_Msg><Resync_Periodic>2</Resync_Periodic></flat-profile>",
        )
        .unwrap();
        let values = ProfileValues::from_document(&doc, FirmwareLine::Spa);
        let names: Vec<_> = values.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            ["Log_Request_Msg", "Resync_Periodic", "Line_Enable_1_"]
        );
        assert_eq!(values.get("Log_Resync_Request_Msg"), Some("b"));
        assert_eq!(values.get("Resync_Periodic"), Some("2"));
        assert_eq!(values.unknown().count(), 1);
        let rule = schema::lookup("Profile_Rule").unwrap();
        assert_eq!(values.effective(rule), "/spa$PSN.cfg");
    }

    #[test]
    fn remove_keeps_the_rest_findable_and_serde_round_trips() {
        let mut values = ProfileValues::new(FirmwareLine::Mpp12);
        values.set("A_1", "1");
        values.set("B_2", "2");
        values.set("C_3", "3");
        assert_eq!(values.remove("A_1").as_deref(), Some("1"));
        assert_eq!(values.get("C_3"), Some("3"));
        values.set("B_2", "two");
        assert_eq!(
            values.iter().collect::<Vec<_>>(),
            [("B_2", "two"), ("C_3", "3")]
        );
        let json = serde_json::to_string(&values).unwrap();
        let back: ProfileValues = serde_json::from_str(&json).unwrap();
        assert_eq!(back, values);
        assert_eq!(back.get("C_3"), Some("3"));
    }

    #[test]
    fn changes_are_what_differs_as_the_phone_stores_it() {
        let mut current = ProfileValues::new(FirmwareLine::Mpp11);
        current.set("Resync_Periodic", "3600");
        current.set("Profile_Rule", "/a.xml");
        let mut wanted = ProfileValues::new(FirmwareLine::Mpp11);
        wanted.set("Resync_Periodic", " 3600\n");
        wanted.set("Profile_Rule", "/b.xml");
        wanted.set("GPP_A", "x");
        let changes = wanted.changes_from(&current);
        assert_eq!(
            changes,
            [
                Change {
                    name: "Profile_Rule",
                    old: Some("/a.xml"),
                    new: "/b.xml"
                },
                Change {
                    name: "GPP_A",
                    old: None,
                    new: "x"
                },
            ]
        );
    }

    #[test]
    fn spa_values_use_spa_names_and_selection() {
        let mut values = ProfileValues::new(FirmwareLine::Spa);
        values.set("Log_Request_Msg", "$PN");
        values.set("Resync_Periodic", "60");
        let xml = values
            .to_flat_profile(Some(&["Log_Resync_Request_Msg"]), UserAccess::ReadWrite)
            .unwrap();
        assert!(xml.contains("<Log_Resync_Request_Msg ua=\"rw\">$PN</Log_Resync_Request_Msg>"));
        assert!(!xml.contains("Resync_Periodic"));
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(
                crate::profile::schema::PARAMS
                    .iter()
                    .map(|d| d.element.to_string())
                    .collect::<Vec<_>>()
            ),
            "[A-Za-z_][A-Za-z0-9_.-]{0,20}"
                .prop_filter("not xml", |n| !n.to_ascii_lowercase().starts_with("xml")),
        ]
    }

    proptest! {
        #[test]
        fn write_then_read_gives_the_same_values(
            entries in proptest::collection::vec((name(), prop_oneof!["\\PC{0,40}", any::<String>()]), 0..20),
            spa in any::<bool>(),
        ) {
            let line = if spa { FirmwareLine::Spa } else { FirmwareLine::Mpp12 };
            let mut values = ProfileValues::new(line);
            for (n, v) in &entries {
                values.set(n, &normalize_value(v));
            }
            let xml = match values.to_flat_profile(None, UserAccess::NoAccess) {
                Ok(xml) => xml,
                Err(XmlWriteError::BadCharacter(_)) => {
                    // Only values XML cannot carry are refused.
                    let refused = values.iter().any(|(_, v)| v.chars().any(xml_cannot_carry));
                    prop_assert!(refused);
                    return Ok(());
                }
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            };
            let doc = read_document(&xml).unwrap();
            prop_assert!(doc.problems.is_empty(), "{:?}", doc.problems);
            let back = ProfileValues::from_document(&doc, line);
            prop_assert_eq!(back, values);
        }
    }
}
