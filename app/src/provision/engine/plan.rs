//! What an apply would change: the phone's current values compared with the wanted ones,
//! each name understood among the phone's own names (a label, another case, the other
//! line's spelling) and compared the way phones store values.

use std::collections::BTreeMap;

use crate::identity::{FirmwareLine, PhoneIdentity};
use crate::phone::PhoneConfig;
use crate::profile::mask::{is_secret_parameter, mask_value};
use crate::profile::names::{KnownNames, Resolved, UnknownName, resolve};
use crate::provision::events::{Change, EventKind, EventSink, Mismatch};
use crate::provision::schema_bridge::{ChangeCheck, check_changes};

/// What an apply would do to a phone, worked out from its current values. [`Engine::apply`]
/// sends exactly `to_send`; `phoneprov set --dry-run` shows `shown`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePlan {
    /// The firmware line the changes were named and checked for (`None`: unknown).
    pub line: Option<FirmwareLine>,
    /// Every change the phone has a name for, named as this phone spells it (SPA
    /// `Log_Resync_*_Msg`), the last of duplicates winning.
    pub changes: Vec<(String, String)>,
    /// Names understood as another element: `"Resync Periodic" means Resync_Periodic`.
    pub meant: Vec<String>,
    /// Names the phone's configuration does not have, with the nearest it does have. An
    /// apply refuses while there are any, unless told to leave them out.
    pub unknown: Vec<UnknownName>,
    /// What differs from the phone's values, and secrets (the phone hides them, so they
    /// cannot be compared): what is sent.
    pub to_send: Vec<(String, String)>,
    /// `to_send` for showing: the phone's current value and the new one, masked.
    pub shown: Vec<Change>,
    /// Changes that already read as wanted.
    pub unchanged: usize,
    /// The schema's verdict for this phone's firmware line.
    pub check: ChangeCheck,
}

/// The engine's comparison of `changes` with a phone's `current` values (see [`ChangePlan`]).
pub fn plan_changes(
    current: &PhoneConfig,
    identity: &PhoneIdentity,
    changes: &[(String, String)],
) -> ChangePlan {
    let line = current.firmware_line(identity);
    let known = KnownNames::new(current.values.keys());
    let mut named = Vec::new();
    let mut meant = Vec::new();
    let mut unknown: Vec<UnknownName> = Vec::new();
    for (name, value) in changes {
        let resolved = resolve(name, &known);
        if let Some(words) = resolved.meaning()
            && !meant.contains(&words)
        {
            meant.push(words);
        }
        match resolved {
            Resolved::Exact(element) | Resolved::Meant { element, .. } => {
                named.push((element, value.clone()))
            }
            Resolved::Unknown(name) => {
                if !unknown.contains(&name) {
                    unknown.push(name)
                }
            }
        }
    }
    let changes = last_wins(&named);
    let check = check_changes(&changes, line);
    let to_send: Vec<(String, String)> = changes
        .iter()
        .filter(|(name, value)| {
            is_secret_parameter(name) || !same_value(current.value(name), value)
        })
        .cloned()
        .collect();
    let shown = to_send
        .iter()
        .map(|(n, v)| Change::shown(n, current.value(n), v))
        .collect();
    ChangePlan {
        line,
        unchanged: changes.len() - to_send.len(),
        changes,
        meant,
        unknown,
        to_send,
        shown,
        check,
    }
}

/// The same parameter twice: the last wins (as on the phone).
pub(super) fn last_wins(changes: &[(String, String)]) -> Vec<(String, String)> {
    let mut order: Vec<String> = Vec::new();
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in changes {
        let name = name.trim().to_string();
        if values.insert(name.clone(), value.clone()).is_none() {
            order.push(name);
        }
    }
    order
        .into_iter()
        .filter_map(|name| values.remove(&name).map(|value| (name, value)))
        .collect()
}

/// Phones trim values and turn newlines into spaces: compare the way they store (the
/// profile model's rule).
fn same_value(current: Option<&str>, wanted: &str) -> bool {
    current.is_some_and(|c| crate::profile::values::same_value(c, wanted))
}

pub(super) fn compare(
    config: &PhoneConfig,
    sent: &[&(String, String)],
) -> (Vec<String>, Vec<Mismatch>) {
    let mut verified = Vec::new();
    let mut mismatches = Vec::new();
    for (name, wanted) in sent {
        let read = config.value(name);
        if same_value(read, wanted) {
            verified.push(name.clone());
        } else {
            mismatches.push(Mismatch::shown(name, wanted, read));
        }
    }
    (verified, mismatches)
}

/// Rollback: the withheld values (masked) that read differently now, each said in a note;
/// those that read the same are said too (their hidden parts cannot be compared).
pub(super) fn not_restored(
    current: &PhoneConfig,
    withheld: &BTreeMap<String, String>,
    events: &EventSink,
) -> Vec<String> {
    let mut different = Vec::new();
    for (name, before) in withheld {
        let now = current.value(name).map(|v| mask_value(name, v));
        if now.as_deref() == Some(before.as_str()) {
            events.emit(EventKind::Note {
                message: format!(
                    "{name} was not saved in the snapshot (it holds a password or key, which \
                     phoneprov never writes to a file); it reads as it did then, \"{before}\" \
                     (the hidden parts cannot be compared)"
                ),
            });
        } else {
            events.emit(EventKind::Note {
                message: format!(
                    "{name} was not restored: it held a password or key, which phoneprov never \
                     writes to a file. It was \"{before}\" and is now {}; set it again by hand",
                    now.map_or("not reported by the phone".to_string(), |v| format!(
                        "\"{v}\""
                    ))
                ),
            });
            different.push(name.clone());
        }
    }
    different
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::ConfigSource;

    #[test]
    fn the_plan_names_compares_and_masks_as_the_phone_stores() {
        let spa = PhoneConfig::of_values(
            ConfigSource::SpaCfgXml,
            &[
                ("Log_Resync_Request_Msg", "$PN $MAC -- Requesting resync"),
                ("Resync_Periodic", "3600"),
                ("GPP_A", "a b"),
                ("Profile_Rule", "/spa$PSN.cfg"),
                ("Log_Resync_Success_Msg", "$PN $MAC -- Successful resync"),
            ],
        );
        let changes: Vec<(String, String)> = [
            // The MPP name, as the SPA phone has it: already as wanted.
            ("Log_Request_Msg", "$PN $MAC -- Requesting resync"),
            (" Resync_Periodic", " 3600 "),
            // Two spaces are not one: the phone would store them.
            ("GPP_A", "a  b"),
            ("Profile_Rule", "[--uid tech --pwd Pw0rd!]https://srv/p.xml"),
            // Both spellings of one field: one change, the last wins.
            ("Log_Success_Msg", "first"),
            ("Log_Resync_Success_Msg", "second"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let plan = plan_changes(&spa, &PhoneIdentity::default(), &changes);
        assert_eq!(plan.line, Some(FirmwareLine::Spa));
        assert_eq!(plan.unchanged, 2, "{plan:?}");
        let sent: Vec<&str> = plan.to_send.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(sent, ["GPP_A", "Profile_Rule", "Log_Resync_Success_Msg"]);
        assert_eq!(plan.to_send[2].1, "second");
        assert_eq!(
            plan.shown[1].new,
            "[--uid **** --pwd ****]https://srv/p.xml"
        );
        assert_eq!(plan.shown[1].old.as_deref(), Some("/spa$PSN.cfg"));
        assert!(plan.check.errors.is_empty(), "{:?}", plan.check);
        assert_eq!(
            plan.meant,
            [
                "\"Log_Request_Msg\" means Log_Resync_Request_Msg",
                "\"Log_Success_Msg\" means Log_Resync_Success_Msg"
            ]
        );
        assert!(plan.unknown.is_empty());
    }

    #[test]
    fn names_the_phone_does_not_have_are_set_apart_with_the_nearest_ones() {
        let mpp = PhoneConfig::of_values(
            ConfigSource::CfgXml,
            &[
                ("Resync_Periodic", "3600"),
                ("Resync_At__HHmm_", ""),
                ("Station_Name", ""),
            ],
        );
        let changes: Vec<(String, String)> = [
            ("Resync_Periodc", "7200"),
            ("Resync At (HHmm)", "0230"),
            ("station name", "Lobby"),
            ("Resync_Periodc", "7300"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let plan = plan_changes(&mpp, &PhoneIdentity::default(), &changes);
        assert_eq!(plan.unknown.len(), 1, "{plan:?}");
        assert_eq!(
            plan.unknown[0].to_string(),
            "Resync_Periodc (did you mean `Resync_Periodic`?)"
        );
        let sent: Vec<&str> = plan.to_send.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(sent, ["Resync_At__HHmm_", "Station_Name"]);
        assert_eq!(
            plan.meant,
            [
                "\"Resync At (HHmm)\" means Resync_At__HHmm_",
                "\"station name\" means Station_Name"
            ]
        );
    }

    #[test]
    fn duplicates_last_wins_in_first_order() {
        let input: Vec<(String, String)> = [("A", "1"), ("B", "2"), ("A", "3")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(
            last_wins(&input),
            vec![
                ("A".to_string(), "3".to_string()),
                ("B".to_string(), "2".to_string())
            ]
        );
    }

    #[test]
    fn values_compare_as_the_phone_stores_them() {
        assert!(same_value(Some(" 3600 "), "3600"));
        assert!(same_value(Some("a b"), "a\nb"));
        assert!(!same_value(None, ""));
        assert!(!same_value(Some("Yes"), "No"));
    }

    #[test]
    fn read_backs_name_what_differs_masked() {
        let config = PhoneConfig::of_values(
            ConfigSource::CfgXml,
            &[("Resync_Periodic", " 7200 "), ("Profile_Rule", "/old.xml")],
        );
        let sent = [
            ("Resync_Periodic".to_string(), "7200".to_string()),
            (
                "Profile_Rule".to_string(),
                "[--pwd s3cret]/new.xml".to_string(),
            ),
            ("GPP_Z".to_string(), "x".to_string()),
        ];
        let refs: Vec<&(String, String)> = sent.iter().collect();
        let (verified, mismatches) = compare(&config, &refs);
        assert_eq!(verified, ["Resync_Periodic"]);
        assert_eq!(mismatches.len(), 2);
        assert_eq!(mismatches[0].wanted, "[--pwd ****]/new.xml");
        assert_eq!(mismatches[1].read_back, None);
    }
}
