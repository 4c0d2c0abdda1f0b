//! The Configuration Profile form's state for one phone: what the phone reported, what the
//! technician typed, and what the phone has confirmed. Keyed by XML element name; labels,
//! kinds and defaults come from the profile schema, never from here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::profile::mask::holds_secret;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormState {
    /// Values the phone last reported, by element. `None` until it was read.
    #[serde(skip)]
    pub phone_values: Option<BTreeMap<String, String>>,
    /// Edits in progress, by element: the text exactly as typed or imported. They survive a
    /// restart in the state file, except those holding a secret (a password parameter, a
    /// rule's `--pwd`/`--key`/`--uid`): no secret is ever written to a file.
    #[serde(default, serialize_with = "edits_without_secrets")]
    pub edits: BTreeMap<String, String>,
    /// Values handed to the engine and not yet read back from the phone.
    #[serde(skip)]
    pub sent: BTreeMap<String, String>,
    /// Elements the phone confirmed (read back as intended), with when.
    #[serde(skip)]
    pub confirmed: BTreeMap<String, jiff::Timestamp>,
    /// Elements sent whose read-back never matched: what the phone reports instead.
    #[serde(skip)]
    pub refused: BTreeMap<String, Refusal>,
}

fn edits_without_secrets<S: serde::Serializer>(
    edits: &BTreeMap<String, String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(
        edits
            .iter()
            .filter(|(element, value)| !holds_secret(element, value)),
    )
}

/// A value the phone took but does not report back as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub wanted: String,
    /// `None`: the phone does not report the parameter at all.
    pub read_back: Option<String>,
    pub at: jiff::Timestamp,
}

/// One row of the Submit review: old → new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub element: String,
    /// What the phone reports now; `None` when the phone was not read yet.
    pub old: Option<String>,
    pub new: String,
}

impl FormState {
    /// The phone's reported value of one element, when known.
    pub fn phone_value(&self, element: &str) -> Option<&str> {
        self.phone_values
            .as_ref()
            .and_then(|values| values.get(element))
            .map(String::as_str)
    }

    /// What the field shows: the edit, else the phone's value, else the given default.
    pub fn shown_value<'a>(&'a self, element: &str, default: &'a str) -> &'a str {
        self.edits
            .get(element)
            .map(String::as_str)
            .or_else(|| self.phone_value(element))
            .unwrap_or(default)
    }

    /// Records what the technician typed. Typing the phone's own value back clears the edit.
    pub fn set(&mut self, element: &str, text: &str) {
        if self.phone_value(element) == Some(text) {
            self.edits.remove(element);
        } else {
            self.edits.insert(element.to_string(), text.to_string());
        }
        self.confirmed.remove(element);
        self.refused.remove(element);
    }

    /// Whether the field differs from what the phone reports (or is edited while the phone's
    /// value is unknown).
    pub fn is_changed(&self, element: &str) -> bool {
        match (self.edits.get(element), self.phone_value(element)) {
            (Some(edit), Some(phone)) => edit != phone,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// Drops the edit of one field (back to what the phone has).
    pub fn revert_field(&mut self, element: &str) {
        self.edits.remove(element);
    }

    /// Drops every edit ("Revert").
    pub fn revert_all(&mut self) {
        self.edits.clear();
    }

    /// The edits that differ from the phone, in element order, for the review dialog.
    pub fn changes(&self) -> Vec<Change> {
        self.edits
            .iter()
            .filter(|(element, _)| self.is_changed(element))
            .map(|(element, new)| Change {
                element: element.clone(),
                old: self.phone_value(element).map(str::to_string),
                new: new.clone(),
            })
            .collect()
    }

    /// Loads values read from the phone. Edits that now equal the phone's value are done.
    pub fn load_phone_values(&mut self, values: BTreeMap<String, String>) {
        self.edits
            .retain(|element, edit| values.get(element) != Some(&*edit));
        self.phone_values = Some(values);
    }

    /// Imports values (from a file) as edits; returns how many differ from the phone.
    pub fn import<'a>(&mut self, values: impl IntoIterator<Item = (&'a str, &'a str)>) -> usize {
        for (element, value) in values {
            self.set(element, value);
        }
        self.changes().len()
    }

    /// The engine took these changes; they are now awaiting read-back.
    pub fn mark_sent(&mut self, changes: &[Change]) {
        for change in changes {
            self.sent.insert(change.element.clone(), change.new.clone());
            self.confirmed.remove(&change.element);
            self.refused.remove(&change.element);
        }
    }

    /// The apply ended without every value confirmed: the `verified` ones are confirmed,
    /// what was sent and did not read back is marked with what the phone reports instead, and
    /// the rest of what was sent is no longer awaited (the edits stay: nothing typed is lost).
    pub fn mark_unfinished(
        &mut self,
        verified: &[String],
        refusals: Vec<(String, Refusal)>,
        at: jiff::Timestamp,
    ) {
        for element in verified {
            if let Some(value) = self.sent.get(element).cloned() {
                self.mark_confirmed(element, &value, at);
            }
        }
        for (element, refusal) in refusals {
            self.refused.insert(element, refusal);
        }
        self.sent.clear();
    }

    /// The phone read back `value` for `element` as intended.
    pub fn mark_confirmed(&mut self, element: &str, value: &str, at: jiff::Timestamp) {
        self.sent.remove(element);
        if let Some(values) = self.phone_values.as_mut() {
            values.insert(element.to_string(), value.to_string());
        }
        if self.edits.get(element).map(String::as_str) == Some(value) {
            self.edits.remove(element);
        }
        self.confirmed.insert(element.to_string(), at);
        self.refused.remove(element);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_value_is_marked_and_the_edit_kept_until_typed_again() {
        let mut form = FormState::default();
        form.load_phone_values(BTreeMap::from([
            ("P".to_string(), "3600".to_string()),
            ("Q".to_string(), "a".to_string()),
        ]));
        form.set("P", "7200");
        form.set("Q", "b");
        form.mark_sent(&form.changes());
        let at = jiff::Timestamp::UNIX_EPOCH;
        form.mark_unfinished(
            &["Q".to_string()],
            vec![(
                "P".to_string(),
                Refusal {
                    wanted: "7200".into(),
                    read_back: Some("3600".into()),
                    at,
                },
            )],
            at,
        );
        assert!(form.sent.is_empty());
        assert_eq!(
            form.confirmed.get("Q"),
            Some(&at),
            "the verified value is confirmed"
        );
        assert_eq!(form.phone_value("Q"), Some("b"));
        assert_eq!(form.refused["P"].read_back.as_deref(), Some("3600"));
        assert_eq!(form.edits["P"], "7200", "what was typed is kept");
        form.set("P", "7300");
        assert!(
            form.refused.is_empty(),
            "a new value clears the old refusal"
        );
    }

    fn read_phone(form: &mut FormState, pairs: &[(&str, &str)]) {
        form.load_phone_values(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
    }

    #[test]
    fn shown_value_prefers_edit_then_phone_then_default() {
        let mut form = FormState::default();
        assert_eq!(form.shown_value("Resync_Periodic", "3600"), "3600");
        read_phone(&mut form, &[("Resync_Periodic", "86400")]);
        assert_eq!(form.shown_value("Resync_Periodic", "3600"), "86400");
        form.set("Resync_Periodic", "3665");
        assert_eq!(form.shown_value("Resync_Periodic", "3600"), "3665");
        assert!(form.is_changed("Resync_Periodic"));
    }

    #[test]
    fn typing_the_phone_value_back_is_no_change() {
        let mut form = FormState::default();
        read_phone(&mut form, &[("Resync_At__HHmm_", "")]);
        form.set("Resync_At__HHmm_", "1800");
        assert_eq!(form.changes().len(), 1);
        form.set("Resync_At__HHmm_", "");
        assert!(form.changes().is_empty());
        assert!(!form.is_changed("Resync_At__HHmm_"));
    }

    #[test]
    fn changes_list_old_and_new_and_unknown_phone_values() {
        let mut form = FormState::default();
        form.set(
            "Profile_Rule",
            "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml",
        );
        assert_eq!(
            form.changes(),
            vec![Change {
                element: "Profile_Rule".into(),
                old: None,
                new: "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml".into(),
            }]
        );
        read_phone(&mut form, &[("Profile_Rule", "/$PSN.xml")]);
        assert_eq!(form.changes()[0].old.as_deref(), Some("/$PSN.xml"));
    }

    #[test]
    fn revert_and_read_back_clear_edits() {
        let mut form = FormState::default();
        read_phone(&mut form, &[("A", "1"), ("B", "2")]);
        assert_eq!(form.import([("A", "10"), ("B", "2"), ("C", "3")]), 2);
        form.revert_field("A");
        assert_eq!(form.changes().len(), 1);
        let changes = form.changes();
        form.mark_sent(&changes);
        assert_eq!(form.sent.get("C").map(String::as_str), Some("3"));
        let at = jiff::Timestamp::UNIX_EPOCH;
        form.mark_confirmed("C", "3", at);
        assert!(form.sent.is_empty());
        assert!(form.changes().is_empty());
        assert_eq!(form.confirmed.get("C"), Some(&at));
        form.set("B", "5");
        form.revert_all();
        assert!(form.edits.is_empty());
    }

    #[test]
    fn reading_the_phone_drops_edits_it_already_has() {
        let mut form = FormState::default();
        form.set("A", "1");
        form.set("B", "2");
        read_phone(&mut form, &[("A", "1"), ("B", "9")]);
        assert_eq!(form.edits.len(), 1);
        assert!(form.is_changed("B"));
    }

    #[test]
    fn only_edits_persist() {
        let mut form = FormState::default();
        read_phone(&mut form, &[("A", "1")]);
        form.set("A", "2");
        let json = serde_json::to_string(&form).unwrap();
        let back: FormState = serde_json::from_str(&json).unwrap();
        assert_eq!(back.edits, form.edits);
        assert!(back.phone_values.is_none());
    }

    #[test]
    fn edits_holding_a_secret_are_not_kept() {
        let mut form = FormState::default();
        form.set("Resync_Periodic", "7200");
        form.set("GPP_SA", "Zq9Secr3t!");
        form.set("Admin_Password", "Zq9Admin!");
        form.set(
            "Profile_Rule",
            "[--uid u7 --pwd Zq9Rule!]https://p.example.com/x.xml",
        );
        let json = serde_json::to_string(&form).unwrap();
        for secret in ["Zq9Secr3t!", "Zq9Admin!", "Zq9Rule!", "u7"] {
            assert!(!json.contains(secret), "{json}");
        }
        let back: FormState = serde_json::from_str(&json).unwrap();
        assert_eq!(back.edits.keys().collect::<Vec<_>>(), ["Resync_Periodic"]);
    }
}
