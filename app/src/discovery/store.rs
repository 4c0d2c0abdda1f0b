//! Known phones, kept between runs: keyed by MAC (a phone that moved to a new address is
//! the same phone) with the name the technician gave it. One JSON file in the data
//! directory, written atomically.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::identity::Mac;
use crate::storage::{NoDataDir, data_dir, write_atomically};

use super::phone::{DiscoveredPhone, WebEndpoint};

const FILE_NAME: &str = "known-phones.json";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    NoDataDir(#[from] NoDataDir),
    #[error("could not read the list of known phones {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the list of known phones {path} is damaged ({reason}); it was left as it is and \
         nothing will be written over it — move it away to start a new list"
    )]
    Damaged { path: PathBuf, reason: String },
    #[error("could not save the list of known phones to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What is remembered about one phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownPhone {
    pub mac: Mac,
    /// The technician's name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub firmware: Option<String>,
    #[serde(default)]
    pub serial: Option<String>,
    #[serde(default)]
    pub last_address: Option<IpAddr>,
    #[serde(default)]
    pub web: Option<WebEndpoint>,
    #[serde(default)]
    pub last_seen: Option<jiff::Timestamp>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoreFile {
    version: u32,
    phones: Vec<KnownPhone>,
}

/// The known-phones list, bound to its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPhones {
    path: PathBuf,
    phones: BTreeMap<Mac, KnownPhone>,
}

impl KnownPhones {
    /// The file in [`data_dir`].
    pub fn default_path() -> Result<PathBuf, StoreError> {
        Ok(data_dir()?.join(FILE_NAME))
    }

    /// Loads the list from [`KnownPhones::default_path`].
    pub fn load_default() -> Result<Self, StoreError> {
        Self::load(Self::default_path()?)
    }

    /// Loads the list; a file that does not exist yet is an empty list. A damaged file is
    /// an error (and is never overwritten by this list).
    pub fn load(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let path = path.into();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(KnownPhones {
                    path,
                    phones: BTreeMap::new(),
                });
            }
            Err(source) => return Err(StoreError::Read { path, source }),
        };
        let file: StoreFile = serde_json::from_str(&text).map_err(|error| StoreError::Damaged {
            path: path.clone(),
            reason: error.to_string(),
        })?;
        if file.version > FORMAT_VERSION {
            return Err(StoreError::Damaged {
                path,
                reason: format!(
                    "written by a newer phoneprov (format {}, this one reads {FORMAT_VERSION})",
                    file.version
                ),
            });
        }
        let phones = file.phones.into_iter().map(|p| (p.mac, p)).collect();
        Ok(KnownPhones { path, phones })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, mac: &Mac) -> Option<&KnownPhone> {
        self.phones.get(mac)
    }

    pub fn phones(&self) -> impl Iterator<Item = &KnownPhone> {
        self.phones.values()
    }

    pub fn len(&self) -> usize {
        self.phones.len()
    }

    pub fn is_empty(&self) -> bool {
        self.phones.is_empty()
    }

    /// The technician's name for the phone with this MAC.
    pub fn name(&self, mac: &Mac) -> Option<&str> {
        self.phones.get(mac).and_then(|p| p.name.as_deref())
    }

    /// Names (or, with `None` or an empty name, un-names) a phone; a phone not yet known is
    /// added.
    pub fn set_name(&mut self, mac: Mac, name: Option<String>) {
        let name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        self.phones
            .entry(mac)
            .or_insert_with(|| KnownPhone::new(mac))
            .name = name;
    }

    /// Remembers what discovery found out about a phone (phones without a known MAC cannot
    /// be remembered: their address may belong to another device tomorrow). Returns whether
    /// it was remembered.
    pub fn remember(&mut self, phone: &DiscoveredPhone) -> bool {
        let Some(mac) = phone.identity.mac else {
            return false;
        };
        let known = self
            .phones
            .entry(mac)
            .or_insert_with(|| KnownPhone::new(mac));
        let identity = &phone.identity;
        if identity.model.is_some() {
            known.model.clone_from(&identity.model);
        }
        if identity.firmware.is_some() {
            known.firmware.clone_from(&identity.firmware);
        }
        if identity.serial.is_some() {
            known.serial.clone_from(&identity.serial);
        }
        known.last_address = Some(phone.address);
        if phone.web.is_some() {
            known.web = phone.web;
        }
        known.last_seen = Some(phone.last_seen);
        true
    }

    /// Fills in the technician's name on a discovered phone.
    pub fn apply_name(&self, phone: &mut DiscoveredPhone) {
        if let Some(mac) = phone.identity.mac
            && let Some(name) = self.name(&mac)
        {
            phone.name = Some(name.to_string());
        }
    }

    /// Reads the list at `path` afresh, changes it with `change` and writes it back (when
    /// `change` returns `true`), holding an exclusive lock on `<path>.lock` throughout: the
    /// GUI and `phoneprov discover` both write this file, and neither may lose what the other
    /// wrote in between (a name given while a scan ran).
    pub fn update(
        path: impl Into<PathBuf>,
        change: impl FnOnce(&mut KnownPhones) -> bool,
    ) -> Result<(), StoreError> {
        let path = path.into();
        let _lock = lock_beside(&path)?;
        let mut known = Self::load(path)?;
        if change(&mut known) {
            known.save()?;
        }
        Ok(())
    }

    /// Writes the list: to a temporary file beside it, then renamed over it, so a crash
    /// leaves either the old or the new list, never half of one.
    pub fn save(&self) -> Result<(), StoreError> {
        let write_error = |source| StoreError::Write {
            path: self.path.clone(),
            source,
        };
        let file = StoreFile {
            version: FORMAT_VERSION,
            phones: self.phones.values().cloned().collect(),
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|error| write_error(std::io::Error::other(error)))?;
        write_atomically(&self.path, &json).map_err(write_error)
    }
}

/// An exclusive lock on `<path>.lock`, released when the returned file is dropped. A
/// separate file, because the list itself is replaced by a rename on every save.
fn lock_beside(path: &Path) -> Result<std::fs::File, StoreError> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let write_error = |source| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_error)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(write_error)?;
    file.lock().map_err(write_error)?;
    Ok(file)
}

impl KnownPhone {
    fn new(mac: Mac) -> Self {
        KnownPhone {
            mac,
            name: None,
            model: None,
            firmware: None,
            serial: None,
            last_address: None,
            web: None,
            last_seen: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::phone::{Observation, Source};

    fn phone(mac: &str, address: &str) -> DiscoveredPhone {
        let mut observation = Observation::new(Source::Sweep, address.parse().unwrap());
        observation.identity.mac = Some(mac.parse().unwrap());
        observation.identity.model = Some("CP-7841-3PCC".into());
        DiscoveredPhone::from_observation(observation)
    }

    #[test]
    fn two_writers_at_once_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        // Two writers (the app and `phoneprov discover`), each naming its own phones while
        // the other writes: every name must be in the file at the end.
        let writers: Vec<_> = (0..2u8)
            .map(|writer| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for n in 0..40u8 {
                        let mac: Mac = format!("00562b00{writer:02x}{n:02x}").parse().unwrap();
                        KnownPhones::update(&path, |known| {
                            known.set_name(mac, Some(format!("desk {writer}-{n}")));
                            true
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let known = KnownPhones::load(&path).unwrap();
        assert_eq!(known.len(), 80);
        let mac: Mac = "00562b000127".parse().unwrap();
        assert_eq!(known.name(&mac), Some("desk 1-39"));
    }

    #[test]
    fn names_and_addresses_survive_a_save_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        let mut known = KnownPhones::load(&path).unwrap();
        assert!(known.is_empty());
        let mac: Mac = "00562b043615".parse().unwrap();
        assert!(known.remember(&phone("00562b043615", "10.0.0.5")));
        known.set_name(mac, Some("  Reception desk ".into()));
        known.save().unwrap();

        let mut reloaded = KnownPhones::load(&path).unwrap();
        assert_eq!(reloaded.name(&mac), Some("Reception desk"));
        // The phone moved: same entry, new address, name kept.
        reloaded.remember(&phone("00562b043615", "10.0.0.9"));
        reloaded.save().unwrap();
        let again = KnownPhones::load(&path).unwrap();
        assert_eq!(again.len(), 1);
        let entry = again.get(&mac).unwrap();
        assert_eq!(entry.last_address, Some("10.0.0.9".parse().unwrap()));
        assert_eq!(entry.name.as_deref(), Some("Reception desk"));
        assert_eq!(entry.model.as_deref(), Some("CP-7841-3PCC"));

        let mut discovered = phone("00562b043615", "10.0.0.9");
        again.apply_name(&mut discovered);
        assert_eq!(discovered.name.as_deref(), Some("Reception desk"));
    }

    #[test]
    fn a_phone_without_mac_is_not_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let mut known = KnownPhones::load(dir.path().join(FILE_NAME)).unwrap();
        let observation = Observation::new(Source::Sweep, "10.0.0.5".parse().unwrap());
        assert!(!known.remember(&DiscoveredPhone::from_observation(observation)));
        assert!(known.is_empty());
    }

    #[test]
    fn a_damaged_file_is_reported_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{ not json").unwrap();
        let error = KnownPhones::load(&path).unwrap_err();
        assert!(matches!(error, StoreError::Damaged { .. }));
        assert!(error.to_string().contains("left as it is"));
        assert_eq!(std::fs::read(&path).unwrap(), b"{ not json");
    }
}
