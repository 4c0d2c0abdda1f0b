//! One change set for many selected phones: what each field holds across them ("3 phones:
//! 3600; 2 phones: 86400"), which phones lack a field (their family or firmware has none),
//! the validator's findings per phone (each phone's own firmware line), and what each phone
//! would be sent (old → new).

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use super::form::{Change, FormState};
use super::form_check;
use super::phones::PhoneEntry;
use crate::identity::FirmwareLine;
use crate::profile::{Finding, ParamDef, schema};

/// The change set typed for the selection, by element (not persisted: a selection is for now).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteEdit {
    pub edits: BTreeMap<String, String>,
}

impl SiteEdit {
    /// Records what was typed; a field typed back to what every phone has is no edit.
    pub fn set(&mut self, element: &str, text: &str, phones: &[&PhoneEntry]) {
        let all_have = !phones.is_empty()
            && phones
                .iter()
                .all(|p| p.form.phone_value(element) == Some(text));
        if all_have {
            self.edits.remove(element);
        } else {
            self.edits.insert(element.to_string(), text.to_string());
        }
    }

    pub fn revert_field(&mut self, element: &str) {
        self.edits.remove(element);
    }

    /// What `entry` would be sent: every edit its line has and whose value differs from the
    /// phone's (or whose value on the phone is not known yet).
    pub fn changes_for(&self, entry: &PhoneEntry) -> Vec<Change> {
        let line = line_of(entry);
        self.edits
            .iter()
            .filter(|(element, _)| schema::lookup(element).is_some_and(|d| d.exists_on(line)))
            .filter(|(element, new)| entry.form.phone_value(element) != Some(new.as_str()))
            .map(|(element, new)| Change {
                element: element.clone(),
                old: entry.form.phone_value(element).map(str::to_string),
                new: new.clone(),
            })
            .collect()
    }
}

/// The firmware line whose rules and defaults apply to the phone.
pub fn line_of(entry: &PhoneEntry) -> FirmwareLine {
    entry.firmware_line().unwrap_or(FirmwareLine::ASSUMED)
}

/// What one field holds across the selected phones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agreement {
    /// Each value the phones report, with how many report it; most common first.
    pub values: Vec<(String, usize)>,
    /// Phones not read yet.
    pub unread: usize,
    /// Phones whose family or firmware has no such field: display name and model.
    pub lacking: Vec<String>,
}

impl Agreement {
    /// Whether every phone read so far that has the field reports the same value.
    pub fn agrees(&self) -> bool {
        self.values.len() <= 1
    }

    /// `3 phones: 3600; 2 phones: 86400` (`(empty)` for an empty value); with the phones
    /// not read yet.
    pub fn words(&self) -> String {
        let phones = |n: usize| format!("{n} phone{}", if n == 1 { "" } else { "s" });
        let mut parts: Vec<String> = self
            .values
            .iter()
            .map(|(value, n)| {
                let value = if value.is_empty() { "(empty)" } else { value };
                format!("{}: {value}", phones(*n))
            })
            .collect();
        if self.unread > 0 {
            parts.push(format!("{}: not read yet", phones(self.unread)));
        }
        parts.join("; ")
    }

    /// `Not on Lobby SPA (SPA504G): its firmware has no such field` when some phones lack it.
    pub fn lacking_words(&self) -> Option<String> {
        match self.lacking.len() {
            0 => None,
            1 => Some(format!(
                "Not on {}: its firmware has no such field, so it is not sent there",
                self.lacking[0]
            )),
            _ => Some(format!(
                "Not on {}: their firmware has no such field, so it is not sent there",
                self.lacking.join(", ")
            )),
        }
    }
}

/// What `def` holds on each of `phones` (secret values are grouped but never shown: the
/// caller masks them).
pub fn agreement(phones: &[&PhoneEntry], def: &ParamDef) -> Agreement {
    let lines: Vec<FirmwareLine> = phones.iter().map(|p| line_of(p)).collect();
    agreement_on(phones, &lines, def)
}

/// [`agreement`] with each phone's firmware line worked out once (`lines[i]` is the line of
/// `phones[i]`): a form of many phones asks this for every field, every frame.
pub fn agreement_on(phones: &[&PhoneEntry], lines: &[FirmwareLine], def: &ParamDef) -> Agreement {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut result = Agreement::default();
    for (phone, line) in phones.iter().zip(lines) {
        if !def.exists_on(*line) {
            result.lacking.push(match &phone.model {
                Some(model) if *model != phone.display_name() => {
                    format!("{} ({model})", phone.display_name())
                }
                _ => phone.display_name(),
            });
            continue;
        }
        match phone.form.phone_value(def.element) {
            Some(value) => *counts.entry(value).or_default() += 1,
            None => result.unread += 1,
        }
    }
    result.values = counts
        .into_iter()
        .map(|(value, n)| (value.to_string(), n))
        .collect();
    // Most common first; equal counts keep the values' order.
    result.values.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    result
}

/// A finding of the validator on one phone.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneFinding {
    pub phone: String,
    pub finding: Finding,
}

/// The validator's findings on the edited fields, phone by phone, each with its own line;
/// cached so it runs again only when the edits or a phone's values change.
#[derive(Debug, Clone, Default)]
pub struct SiteCheck {
    key: u64,
    /// By element: the findings on each phone, errors first.
    pub findings: BTreeMap<String, Vec<PhoneFinding>>,
    pub errors: usize,
}

impl SiteCheck {
    pub fn refresh(&mut self, edit: &SiteEdit, phones: &[&PhoneEntry]) {
        let key = input_key(edit, phones);
        if key == self.key && self.key != 0 {
            return;
        }
        *self = check(edit, phones);
        self.key = key;
    }

    pub fn for_field(&self, element: &str) -> &[PhoneFinding] {
        self.findings.get(element).map(Vec::as_slice).unwrap_or(&[])
    }

    /// An edit in error on any phone must not be sent.
    pub fn blocks_submit(&self) -> bool {
        self.errors > 0
    }
}

/// Validates the change set on each phone as that phone would hold it (its values, the
/// edits its line has, its defaults), keeping the findings on the edited fields.
pub fn check(edit: &SiteEdit, phones: &[&PhoneEntry]) -> SiteCheck {
    let mut result = SiteCheck::default();
    for phone in phones {
        let line = line_of(phone);
        let mut form = FormState {
            phone_values: phone.form.phone_values.clone(),
            ..FormState::default()
        };
        for (element, value) in &edit.edits {
            if schema::lookup(element).is_some_and(|d| d.exists_on(line)) {
                form.edits.insert(element.clone(), value.clone());
            }
        }
        let checked = form_check::check(&form, line, &phone.identity());
        for (element, findings) in checked.findings {
            if !form.edits.contains_key(&element) {
                continue;
            }
            for finding in findings {
                if finding.is_error() {
                    result.errors += 1;
                }
                result
                    .findings
                    .entry(element.clone())
                    .or_default()
                    .push(PhoneFinding {
                        phone: phone.display_name(),
                        finding,
                    });
            }
        }
    }
    for findings in result.findings.values_mut() {
        findings.sort_by_key(|f| f.finding.severity);
    }
    result
}

fn input_key(edit: &SiteEdit, phones: &[&PhoneEntry]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    edit.edits.hash(&mut hasher);
    for phone in phones {
        phone.id.hash(&mut hasher);
        (&phone.model, &phone.firmware, &phone.mac).hash(&mut hasher);
        phone.form.phone_values.hash(&mut hasher);
    }
    // Never 0, which marks "not computed yet".
    hasher.finish() | 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{PhoneAddress, PhoneList};

    /// Five phones: three MPP 11 with Resync Periodic 3600, one with 86400, and an SPA.
    fn site() -> PhoneList {
        let mut list = PhoneList::default();
        for (i, (model, firmware, periodic)) in [
            ("CP-8861-3PCC", "11.3.7", "3600"),
            ("CP-8861-3PCC", "11.3.7", "3600"),
            ("CP-7841-3PCC", "12.0.1", "86400"),
            ("CP-8845-3PCC", "11.3.7", "3600"),
            ("SPA504G", "7.6.2", "3600"),
        ]
        .into_iter()
        .enumerate()
        {
            let mac = format!("00:56:2b:00:00:0{i}").parse().unwrap();
            let id = list.upsert_identified(
                mac,
                PhoneAddress::parse(&format!("10.0.0.{}", i + 1)).unwrap(),
                Some(model.into()),
                Some(firmware.into()),
                "sweep",
            );
            list.get_mut(id)
                .unwrap()
                .form
                .load_phone_values(BTreeMap::from([
                    ("Resync_Periodic".to_string(), periodic.to_string()),
                    ("Profile_Authentication_Type".to_string(), "Disabled".into()),
                ]));
        }
        list.rename(list.entries[4].id, "Lobby SPA");
        list
    }

    #[test]
    fn a_field_says_which_values_the_phones_hold_and_which_phones_lack_it() {
        let list = site();
        let phones: Vec<&PhoneEntry> = list.entries.iter().collect();
        let periodic = agreement(&phones, schema::lookup("Resync_Periodic").unwrap());
        assert_eq!(periodic.words(), "4 phones: 3600; 1 phone: 86400");
        assert!(!periodic.agrees());
        assert_eq!(periodic.lacking_words(), None);
        let auth = agreement(
            &phones,
            schema::lookup("Profile_Authentication_Type").unwrap(),
        );
        assert_eq!(auth.words(), "4 phones: Disabled");
        assert!(auth.agrees());
        assert_eq!(
            auth.lacking_words().unwrap(),
            "Not on Lobby SPA (SPA504G): its firmware has no such field, so it is not sent there"
        );
    }

    #[test]
    fn each_phone_is_sent_only_what_differs_and_what_its_firmware_has() {
        let list = site();
        let phones: Vec<&PhoneEntry> = list.entries.iter().collect();
        let mut edit = SiteEdit::default();
        edit.set("Resync_Periodic", "86400", &phones);
        edit.set(
            "Profile_Authentication_Type",
            "Basic Http Authentication",
            &phones,
        );
        let first = edit.changes_for(phones[0]);
        assert_eq!(first.len(), 2);
        assert_eq!(first[1].old.as_deref(), Some("3600"));
        assert_eq!(first[1].new, "86400");
        let third = edit.changes_for(phones[2]);
        assert_eq!(
            third.iter().map(|c| c.element.as_str()).collect::<Vec<_>>(),
            vec!["Profile_Authentication_Type"],
            "it has 86400 already"
        );
        let spa = edit.changes_for(phones[4]);
        assert_eq!(
            spa.iter().map(|c| c.element.as_str()).collect::<Vec<_>>(),
            vec!["Resync_Periodic"],
            "the SPA has no Profile Authentication Type"
        );
        // Typing back what every phone has is no edit.
        edit.set("Profile_Authentication_Type", "Disabled", &phones);
        assert!(!edit.edits.contains_key("Profile_Authentication_Type"));
    }

    #[test]
    fn validation_runs_on_each_phone_s_own_firmware_line() {
        let list = site();
        let phones: Vec<&PhoneEntry> = list.entries.iter().collect();
        let mut edit = SiteEdit::default();
        // DHCPv6 options exist from MPP 11 on; a valid list on every phone that has it.
        edit.set("Resync_Periodic", "86400", &phones);
        let mut check = SiteCheck::default();
        check.refresh(&edit, &phones);
        assert_eq!(check.errors, 0, "{:?}", check.findings);
        assert!(!check.blocks_submit());
        // 2460 is no time of day on any firmware: one error per phone, each named.
        edit.set("Resync_At__HHmm_", "2460", &phones);
        check.refresh(&edit, &phones);
        let findings = check.for_field("Resync_At__HHmm_");
        let errors: Vec<&str> = findings
            .iter()
            .filter(|f| f.finding.is_error())
            .map(|f| f.phone.as_str())
            .collect();
        assert_eq!(errors.len(), 5, "{findings:?}");
        assert!(errors.contains(&"Lobby SPA"));
        assert!(check.blocks_submit());
    }
}
