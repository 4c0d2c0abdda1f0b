//! The resync/apply timeline of one phone: requested → waiting for idle → fetched →
//! applied/failed → rebooting → verified, each step with its time and the phone's own words.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// We asked the phone to resync or apply.
    Requested,
    /// The phone is on a call; it resyncs when the line is idle.
    WaitingForIdle,
    /// The phone fetched its profile (seen by our server, its status or its syslog).
    Fetched,
    /// The phone says it applied the profile.
    Applied,
    /// The phone went away to restart.
    Rebooting,
    /// The values were read back from the phone as intended.
    Verified,
    /// The attempt failed; the entry's detail says why.
    Failed,
    /// A syslog line the phone sent (`Log_*_Msg`).
    Syslog,
    /// Anything else worth showing (reboot reasons, a retry scheduled, …).
    Note,
}

/// How an entry should look: in progress, good, bad or plain information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Progress,
    Good,
    Bad,
    Info,
}

impl Stage {
    pub fn words(self) -> &'static str {
        match self {
            Stage::Requested => "Requested",
            Stage::WaitingForIdle => "Waiting for the phone to be idle",
            Stage::Fetched => "Profile fetched",
            Stage::Applied => "Applied",
            Stage::Rebooting => "Rebooting",
            Stage::Verified => "Verified on the phone",
            Stage::Failed => "Failed",
            Stage::Syslog => "Phone log",
            Stage::Note => "Note",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            Stage::Requested | Stage::WaitingForIdle | Stage::Fetched | Stage::Rebooting => {
                Tone::Progress
            }
            Stage::Applied | Stage::Verified => Tone::Good,
            Stage::Failed => Tone::Bad,
            Stage::Syslog | Stage::Note => Tone::Info,
        }
    }

    /// Steps of the main path; syslog lines and notes are shown between them.
    pub fn is_step(self) -> bool {
        !matches!(self, Stage::Syslog | Stage::Note)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: jiff::Timestamp,
    pub stage: Stage,
    /// The detail in the phone's or engine's words (error text, URL, reboot reason, …).
    pub detail: String,
}

/// The headline a technician reads from across the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was asked of this phone in this session.
    Nothing,
    /// Still running; the last step reached.
    InProgress(Stage),
    Verified,
    Failed(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    pub entries: Vec<TimelineEntry>,
}

impl Timeline {
    pub fn push(&mut self, at: jiff::Timestamp, stage: Stage, detail: impl Into<String>) {
        self.entries.push(TimelineEntry {
            at,
            stage,
            detail: detail.into(),
        });
    }

    /// The entries of the latest attempt (from its last `Requested`).
    pub fn current_attempt(&self) -> &[TimelineEntry] {
        let start = self
            .entries
            .iter()
            .rposition(|e| e.stage == Stage::Requested)
            .unwrap_or(0);
        &self.entries[start..]
    }

    pub fn outcome(&self) -> Outcome {
        let attempt = self.current_attempt();
        match attempt.iter().rev().find(|e| e.stage.is_step()) {
            None => Outcome::Nothing,
            Some(e) if e.stage == Stage::Verified => Outcome::Verified,
            Some(e) if e.stage == Stage::Failed => Outcome::Failed(e.detail.clone()),
            Some(e) => Outcome::InProgress(e.stage),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn outcome_follows_the_latest_attempt() {
        let mut timeline = Timeline::default();
        assert_eq!(timeline.outcome(), Outcome::Nothing);
        timeline.push(at(1), Stage::Requested, "resync");
        timeline.push(at(2), Stage::WaitingForIdle, "line 1 busy");
        assert_eq!(
            timeline.outcome(),
            Outcome::InProgress(Stage::WaitingForIdle)
        );
        timeline.push(at(3), Stage::Syslog, "CP-8861 -- Resync failed: 404");
        timeline.push(at(3), Stage::Failed, "the server answered 404 Not Found");
        assert_eq!(
            timeline.outcome(),
            Outcome::Failed("the server answered 404 Not Found".into())
        );
        timeline.push(at(10), Stage::Requested, "apply 3 changes");
        timeline.push(at(11), Stage::Fetched, "");
        timeline.push(at(12), Stage::Rebooting, "Provisioning");
        timeline.push(at(13), Stage::Note, "retry");
        assert_eq!(timeline.outcome(), Outcome::InProgress(Stage::Rebooting));
        timeline.push(at(20), Stage::Verified, "3 values read back");
        assert_eq!(timeline.outcome(), Outcome::Verified);
        assert_eq!(timeline.current_attempt().len(), 5);
    }

    #[test]
    fn tones_put_failure_apart_from_success() {
        assert_eq!(Stage::Failed.tone(), Tone::Bad);
        assert_eq!(Stage::Verified.tone(), Tone::Good);
        assert_eq!(Stage::WaitingForIdle.tone(), Tone::Progress);
        assert!(!Stage::Syslog.is_step());
    }
}
