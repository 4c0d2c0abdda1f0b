//! Local history: a snapshot of a phone's values is saved before every change, so any change
//! can be rolled back. One JSON file per snapshot under `<data dir>/history/`. No secret is
//! ever written: password parameters are left out, and so are rule values that carry
//! credentials or a key (`[--uid u --pwd p]https://…`); those are recorded masked, by name, so
//! a rollback can say that it did not restore them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::identity::{Mac, PhoneIdentity};
use crate::profile::mask::{holds_secret, is_secret_parameter, mask_value};
use crate::storage::write_atomically;

/// The values a phone reported at one moment. Secrets are never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// `20261125T044213.123Z-3fa9c1`: sortable by time, unique.
    pub id: String,
    /// `host:port` of the phone when the snapshot was taken.
    pub phone: String,
    pub mac: Option<Mac>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub taken_at: jiff::Timestamp,
    /// Why it was taken (`before set`, `before rollback`, …).
    pub reason: String,
    /// What can be put back. Password parameters are not here (the phone hides them).
    pub values: BTreeMap<String, String>,
    /// Values left out because they hold a secret (a rule with `--pwd`, `--uid` or `--key`):
    /// name → the value masked (`[--uid **** --pwd ****]https://srv/p.xml`). A rollback
    /// cannot restore these and says so.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub withheld: BTreeMap<String, String>,
}

impl Snapshot {
    pub fn new(
        phone: &str,
        identity: &PhoneIdentity,
        reason: &str,
        values: &BTreeMap<String, String>,
    ) -> Self {
        let taken_at = jiff::Timestamp::now();
        let id = format!(
            "{}-{:06x}",
            taken_at.strftime("%Y%m%dT%H%M%S%.3fZ"),
            rand::random::<u32>() & 0xff_ffff
        );
        Snapshot {
            id,
            phone: phone.to_string(),
            mac: identity.mac,
            model: identity.model.clone(),
            firmware: identity.firmware.clone(),
            taken_at,
            reason: reason.to_string(),
            values: values
                .iter()
                .filter(|(name, value)| !is_secret_parameter(name) && !holds_secret(name, value))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
            withheld: values
                .iter()
                .filter(|(name, value)| !is_secret_parameter(name) && holds_secret(name, value))
                .map(|(n, v)| (n.clone(), mask_value(n, v)))
                .collect(),
        }
    }

    /// Same phone: by MAC when both know it, else by address.
    pub fn is_of(&self, phone: &str, mac: Option<Mac>) -> bool {
        match (self.mac, mac) {
            (Some(a), Some(b)) => a == b,
            _ => self.phone == phone,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot save the snapshot to {path}: {message}")]
    Write { path: String, message: String },
    #[error("cannot read the history in {path}: {message}")]
    Read { path: String, message: String },
    #[error("there is no snapshot \"{id}\" for this phone (see `phoneprov history PHONE`)")]
    NotFound { id: String },
    #[error("\"{id}\" matches several snapshots; give more of the id")]
    Ambiguous { id: String },
}

/// The snapshot directory.
#[derive(Debug, Clone)]
pub struct History {
    dir: PathBuf,
}

impl History {
    pub fn new(data_dir: &Path) -> Self {
        History {
            dir: data_dir.join("history"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Saves atomically; returns the file.
    pub fn save(&self, snapshot: &Snapshot) -> Result<PathBuf, HistoryError> {
        let path = self.dir.join(format!("{}.json", snapshot.id));
        let error = |message: String| HistoryError::Write {
            path: path.display().to_string(),
            message,
        };
        let json = serde_json::to_vec_pretty(snapshot).map_err(|e| error(e.to_string()))?;
        write_atomically(&path, &json).map_err(|e| error(e.to_string()))?;
        Ok(path)
    }

    /// Every snapshot of a phone, oldest first. Unreadable files are skipped (and logged).
    pub fn list(&self, phone: &str, mac: Option<Mac>) -> Result<Vec<Snapshot>, HistoryError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(HistoryError::Read {
                    path: self.dir.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        let mut snapshots: Vec<Snapshot> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|path| {
                let parsed = std::fs::read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|b| {
                        serde_json::from_slice::<Snapshot>(&b).map_err(|e| e.to_string())
                    });
                match parsed {
                    Ok(snapshot) => Some(snapshot),
                    Err(message) => {
                        log::warn!("skipping unreadable snapshot {}: {message}", path.display());
                        None
                    }
                }
            })
            .filter(|s| s.is_of(phone, mac))
            .collect();
        // Ids name the millisecond; two snapshots in the same one are ordered by the full time.
        snapshots.sort_by(|a, b| a.taken_at.cmp(&b.taken_at).then_with(|| a.id.cmp(&b.id)));
        Ok(snapshots)
    }

    /// A phone's snapshot by id or unique id prefix; the newest when `id` is `None`.
    pub fn find(
        &self,
        phone: &str,
        mac: Option<Mac>,
        id: Option<&str>,
    ) -> Result<Snapshot, HistoryError> {
        let snapshots = self.list(phone, mac)?;
        let Some(id) = id else {
            return snapshots.into_iter().last().ok_or(HistoryError::NotFound {
                id: "(latest)".to_string(),
            });
        };
        let mut matching: Vec<Snapshot> = snapshots
            .into_iter()
            .filter(|s| s.id.starts_with(id))
            .collect();
        match matching.len() {
            0 => Err(HistoryError::NotFound { id: id.to_string() }),
            1 => Ok(matching.remove(0)),
            _ => Err(HistoryError::Ambiguous { id: id.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_round_trip_and_never_hold_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path());
        let identity = PhoneIdentity {
            mac: Some("00562b043615".parse().unwrap()),
            ..PhoneIdentity::default()
        };
        let values: BTreeMap<String, String> =
            [("Resync_Periodic", "3600"), ("Admin_Password", "hunter2")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
        let first = Snapshot::new("127.0.0.1:80", &identity, "before set", &values);
        let path = history.save(&first).unwrap();
        assert!(!std::fs::read_to_string(&path).unwrap().contains("hunter2"));
        let second = Snapshot::new("127.0.0.1:80", &identity, "before set", &values);
        history.save(&second).unwrap();
        // Same MAC at a new address is the same phone.
        let listed = history.list("10.0.0.9:80", identity.mac).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].values.get("Resync_Periodic").unwrap(), "3600");
        assert!(!listed[0].values.contains_key("Admin_Password"));
        let newest = history.find("x", identity.mac, None).unwrap();
        assert_eq!(newest.id, listed[1].id);
        assert_eq!(
            history.find("x", identity.mac, Some(&first.id)).unwrap(),
            listed[0]
        );
        assert!(matches!(
            history.find("x", identity.mac, Some("nope")),
            Err(HistoryError::NotFound { .. })
        ));
        assert!(history.list("other:80", None).unwrap().is_empty());
    }

    #[test]
    fn rules_with_credentials_are_withheld_masked_and_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path());
        let values: BTreeMap<String, String> = [
            ("Profile_Rule", "[--uid tech --pwd Pw0rd!]https://srv/p.xml"),
            ("Profile_Rule_B", "[--key K3y-9] https://srv/b.xml"),
            ("Profile_Rule_C", "https://srv/$MA.xml"),
            ("GPP_SA", "gpp-secret"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let snapshot = Snapshot::new("127.0.0.1:80", &PhoneIdentity::default(), "x", &values);
        let path = history.save(&snapshot).unwrap();
        let file = std::fs::read_to_string(&path).unwrap();
        for secret in ["tech", "Pw0rd!", "K3y-9", "gpp-secret"] {
            assert!(!file.contains(secret), "{secret} in {file}");
        }
        assert_eq!(
            snapshot.values.keys().collect::<Vec<_>>(),
            vec!["Profile_Rule_C"]
        );
        assert_eq!(
            snapshot.withheld["Profile_Rule"],
            "[--uid **** --pwd ****]https://srv/p.xml"
        );
        assert!(snapshot.withheld.contains_key("Profile_Rule_B"));
        assert!(!snapshot.withheld.contains_key("GPP_SA"));
        // Read back as saved; files from before `withheld` existed still read.
        let listed = history.list("127.0.0.1:80", None).unwrap();
        assert_eq!(listed[0], snapshot);
        let mut old: serde_json::Value = serde_json::from_str(&file).unwrap();
        old.as_object_mut().unwrap().remove("withheld");
        let old: Snapshot = serde_json::from_value(old).unwrap();
        assert!(old.withheld.is_empty());
    }
}
