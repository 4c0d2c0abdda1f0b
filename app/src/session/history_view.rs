//! The selected phone's snapshots as the window shows them: when each was taken, why, and
//! what differs between it and the phone now. The snapshots themselves are
//! `provision::history`'s, the same the command line's `history` and `rollback` use.

use std::collections::{BTreeMap, BTreeSet};

use crate::profile::mask::mask_value;
use crate::profile::schema;
use crate::provision::Snapshot;

/// One value that differs between a snapshot and the phone now (values masked for showing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The phone's name for it.
    pub name: String,
    /// The field's label where the schema knows it, else the name.
    pub label: String,
    /// In the snapshot (what a restore sends).
    pub then: String,
    /// On the phone now; `None`: the phone no longer reports it.
    pub now: Option<String>,
}

/// What differs between `snapshot` and the phone's values `now` (every value, not only the
/// form's fields), in the schema's order first, then by name: exactly what a restore would
/// send. Values the snapshot withheld (they hold a secret) are not compared: they cannot be
/// put back.
pub fn differences(snapshot: &Snapshot, now: &BTreeMap<String, String>) -> Vec<Difference> {
    let mut differences: Vec<Difference> = snapshot
        .values
        .iter()
        .filter(|(name, then)| now.get(*name) != Some(*then))
        .map(|(name, then)| Difference {
            name: name.clone(),
            label: schema::lookup(name).map_or_else(|| name.clone(), |d| d.label.to_string()),
            then: mask_value(name, then),
            now: now.get(name).map(|v| mask_value(name, v)),
        })
        .collect();
    let order = |name: &str| {
        schema::lookup(name)
            .and_then(|def| schema::PARAMS.iter().position(|p| p.element == def.element))
            .unwrap_or(usize::MAX)
    };
    differences.sort_by(|a, b| {
        order(&a.name)
            .cmp(&order(&b.name))
            .then_with(|| a.name.cmp(&b.name))
    });
    differences
}

/// "what changed since": the labels of the differences, shortened to `most` names.
pub fn changed_since(differences: &[Difference], most: usize) -> String {
    match differences.len() {
        0 => "Same as the phone now".to_string(),
        n => {
            let names: BTreeSet<&str> = differences.iter().map(|d| d.label.as_str()).collect();
            let shown: Vec<&str> = differences
                .iter()
                .map(|d| d.label.as_str())
                .take(most)
                .collect();
            let more = names.len().saturating_sub(shown.len());
            if more > 0 {
                format!("{n} changed since: {} and {more} more", shown.join(", "))
            } else {
                format!("{n} changed since: {}", shown.join(", "))
            }
        }
    }
}

/// The selected phone's snapshots, newest first, as loaded in the background.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryView {
    /// Newest first.
    pub snapshots: Vec<Snapshot>,
    /// Why the history could not be read, in words.
    pub problem: Option<String>,
}

impl HistoryView {
    /// From `History::list` (oldest first).
    pub fn loaded(result: Result<Vec<Snapshot>, String>) -> Self {
        match result {
            Ok(mut snapshots) => {
                snapshots.reverse();
                HistoryView {
                    snapshots,
                    problem: None,
                }
            }
            Err(problem) => HistoryView {
                snapshots: Vec::new(),
                problem: Some(problem),
            },
        }
    }

    pub fn find(&self, id: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::PhoneIdentity;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn differences_are_every_value_a_restore_would_send_labelled_and_in_page_order() {
        let snapshot = Snapshot::new(
            "127.0.0.1:80",
            &PhoneIdentity::default(),
            "before set",
            &values(&[
                ("Resync_Periodic", "3600"),
                ("Provision_Enable", "Yes"),
                ("Station_Name", "desk"),
                ("Resync_On_Reset", "Yes"),
                ("Profile_Rule", "[--pwd s3cret]https://srv/p.xml"),
            ]),
        );
        let now = values(&[
            ("Resync_Periodic", "86400"),
            ("Provision_Enable", "No"),
            ("Resync_On_Reset", "Yes"),
            ("Profile_Rule", "https://other/p.xml"),
        ]);
        let differences = differences(&snapshot, &now);
        let names: Vec<&str> = differences.iter().map(|d| d.name.as_str()).collect();
        // Page order for the form's fields, then the others; the withheld rule is not there.
        assert_eq!(
            names,
            ["Provision_Enable", "Resync_Periodic", "Station_Name"]
        );
        assert_eq!(differences[0].label, "Provision Enable");
        assert_eq!(differences[1].then, "3600");
        assert_eq!(differences[1].now.as_deref(), Some("86400"));
        assert_eq!(differences[2].now, None);
        assert_eq!(
            changed_since(&differences, 2),
            "3 changed since: Provision Enable, Resync Periodic and 1 more"
        );
        let same = Snapshot::new(
            "127.0.0.1:80",
            &PhoneIdentity::default(),
            "before set",
            &values(&[("Resync_On_Reset", "Yes")]),
        );
        assert!(super::differences(&same, &now).is_empty());
        assert_eq!(changed_since(&[], 3), "Same as the phone now");
    }

    #[test]
    fn loaded_history_is_newest_first_and_a_problem_is_kept_in_words() {
        let a = Snapshot::new("p", &PhoneIdentity::default(), "a", &BTreeMap::new());
        let b = Snapshot::new("p", &PhoneIdentity::default(), "b", &BTreeMap::new());
        let view = HistoryView::loaded(Ok(vec![a.clone(), b.clone()]));
        assert_eq!(view.snapshots, vec![b.clone(), a]);
        assert_eq!(view.find(&b.id), Some(&b));
        let broken = HistoryView::loaded(Err("cannot read".into()));
        assert_eq!(broken.problem.as_deref(), Some("cannot read"));
    }
}
