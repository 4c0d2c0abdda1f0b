//! What an operation did, for people (the CLI's summary lines) and machines (`--json`).

use serde::{Deserialize, Serialize};

use crate::provision::events::{Change, Via};

/// What an apply did, for people (`summary`) and machines (`--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    pub phone: String,
    pub snapshot: Option<String>,
    pub via: Option<Via>,
    pub changes: Vec<Change>,
    /// Names confirmed on the phone.
    pub verified: Vec<String>,
    /// Names sent but unreadable (passwords: the phone hides them).
    pub unverifiable: Vec<String>,
    pub warnings: Vec<String>,
    /// Rollback: values the snapshot could not hold (they carry a password or key, see
    /// [`crate::provision::Snapshot::withheld`]) and that now read differently from when it was taken. They were
    /// not restored; an event says what they were.
    #[serde(default)]
    pub not_restored: Vec<String>,
}

impl ApplyReport {
    /// True when every change was read back as intended.
    pub fn fully_verified(&self) -> bool {
        self.unverifiable.is_empty()
    }

    /// True when every change was read back as intended and, for a rollback, nothing the
    /// snapshot could not hold is left different.
    pub fn complete(&self) -> bool {
        self.fully_verified() && self.not_restored.is_empty()
    }
}

/// What a resync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResyncReport {
    pub phone: String,
    /// `None` when not followed (`wait` off).
    pub success: Option<bool>,
    pub detail: String,
    pub rebooted: bool,
    pub syslog: Vec<String>,
}
