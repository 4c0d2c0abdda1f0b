//! Saves and restores what must survive a restart (settings, phones with their names and
//! edits in progress) as one JSON file in the user's config directory, written atomically.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::phones::PhoneList;
use super::settings::Settings;

/// Overrides the directory (tests, CI smoke runs, portable installs).
pub const CONFIG_DIR_ENV: &str = "PHONEPROV_CONFIG_DIR";
const FILE_NAME: &str = "gui-state.json";
/// Written into the file so a future layout can be told apart.
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedState {
    pub version: u32,
    pub settings: Settings,
    pub phones: PhoneList,
}

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("no home or config directory is known on this system; set {CONFIG_DIR_ENV}")]
    NoConfigDir,
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is damaged ({source}); it was kept as {kept} and the app starts fresh")]
    Damaged {
        path: PathBuf,
        kept: PathBuf,
        source: serde_json::Error,
    },
    #[error("could not save {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not encode the app state: {0}")]
    Encode(serde_json::Error),
}

/// The state file's location.
#[derive(Debug, Clone)]
pub struct StateFile {
    pub path: PathBuf,
}

impl StateFile {
    /// `$PHONEPROV_CONFIG_DIR/gui-state.json`, else the platform's config directory.
    pub fn default_location() -> Result<Self, PersistError> {
        Ok(StateFile {
            path: config_dir()?.join(FILE_NAME),
        })
    }

    pub fn in_dir(dir: &Path) -> Self {
        StateFile {
            path: dir.join(FILE_NAME),
        }
    }

    /// Loads the saved state. A missing file is a fresh start; a damaged one is moved aside
    /// (never overwritten, nothing lost) and reported.
    pub fn load(&self) -> Result<SavedState, PersistError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SavedState::default());
            }
            Err(source) => {
                return Err(PersistError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        match serde_json::from_slice::<SavedState>(&bytes) {
            Ok(mut state) => {
                state.settings = state.settings.sanitised();
                Ok(state)
            }
            Err(source) => {
                let kept = self.path.with_extension(format!(
                    "damaged-{}.json",
                    jiff::Timestamp::now().as_second()
                ));
                std::fs::rename(&self.path, &kept).map_err(|source| PersistError::Read {
                    path: self.path.clone(),
                    source,
                })?;
                Err(PersistError::Damaged {
                    path: self.path.clone(),
                    kept,
                    source,
                })
            }
        }
    }

    /// Reads the saved state without touching the file (a damaged or missing file gives
    /// `None`), for the demo, which must not change the technician's files.
    pub fn peek(&self) -> Option<SavedState> {
        let bytes = std::fs::read(&self.path).ok()?;
        let mut state: SavedState = serde_json::from_slice(&bytes).ok()?;
        state.settings = state.settings.sanitised();
        Some(state)
    }

    /// Encodes the state; cheap enough for the UI thread, so the write can go elsewhere.
    pub fn encode(state: &SavedState) -> Result<String, PersistError> {
        let mut state_with_version = serde_json::to_value(state).map_err(PersistError::Encode)?;
        state_with_version["version"] = FORMAT_VERSION.into();
        serde_json::to_string_pretty(&state_with_version).map_err(PersistError::Encode)
    }

    /// Writes encoded state atomically: a temporary file in the same directory, synced, then
    /// renamed over the old one, so a crash leaves either the old or the new file.
    pub fn write_encoded(&self, json: &str) -> Result<(), PersistError> {
        let write_error = |source| PersistError::Write {
            path: self.path.clone(),
            source,
        };
        crate::storage::write_atomically(&self.path, json.as_bytes()).map_err(write_error)
    }

    pub fn save(&self, state: &SavedState) -> Result<(), PersistError> {
        self.write_encoded(&Self::encode(state)?)
    }
}

/// The app's config directory (`$PHONEPROV_CONFIG_DIR`, else e.g. `~/.config/phoneprov`).
pub fn config_dir() -> Result<PathBuf, PersistError> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "phoneprov")
        .map(|dirs| dirs.config_dir().to_path_buf())
        .ok_or(PersistError::NoConfigDir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{PhoneAddress, ThemeChoice};

    #[test]
    fn edits_names_and_settings_survive_a_save_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::in_dir(&dir.path().join("nested"));
        assert!(file.load().unwrap().phones.entries.is_empty());

        let mut state = SavedState::default();
        state.settings.theme = ThemeChoice::Dark;
        state.settings.syslog.enabled = true;
        let id = state
            .phones
            .add_manual(PhoneAddress::parse("10.0.0.5").unwrap())
            .id();
        state.phones.rename(id, "Reception");
        state.phones.selected = Some(id);
        state
            .phones
            .get_mut(id)
            .unwrap()
            .form
            .set("Resync_At__HHmm_", "1800");
        file.save(&state).unwrap();

        let loaded = file.load().unwrap();
        assert_eq!(loaded.version, FORMAT_VERSION);
        assert_eq!(loaded.settings.theme, ThemeChoice::Dark);
        assert!(loaded.settings.syslog.enabled);
        assert_eq!(loaded.phones.selected, Some(id));
        let entry = loaded.phones.get(id).unwrap();
        assert_eq!(entry.name, "Reception");
        assert_eq!(entry.form.edits.get("Resync_At__HHmm_").unwrap(), "1800");
        // Saving again replaces the file rather than appending or leaving temporaries.
        file.save(&loaded).unwrap();
        let names: Vec<_> = std::fs::read_dir(file.path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(FILE_NAME)]);
    }

    #[test]
    fn a_damaged_file_is_kept_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::in_dir(dir.path());
        std::fs::write(&file.path, b"{ not json").unwrap();
        let error = file.load().unwrap_err();
        let PersistError::Damaged { kept, .. } = &error else {
            panic!("expected Damaged, got {error}");
        };
        assert_eq!(std::fs::read(kept).unwrap(), b"{ not json");
        assert!(!file.path.exists());
        assert!(error.to_string().contains("starts fresh"));
        assert!(file.load().unwrap().phones.entries.is_empty());
    }
}
