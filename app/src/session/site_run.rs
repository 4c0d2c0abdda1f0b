//! A submit to many phones as the window follows it: each phone's stage in words as the
//! engine reports it, its outcome and reason, its start and end; the count of each outcome;
//! the failed ones to retry; and the records of the CSV report
//! ([`crate::provision::run_report`]).

use super::form::Change;
use super::phones::{PhoneEntry, PhoneId};
use super::timeline::Stage;
use crate::provision::run_report::{RunCounts, RunOutcome, RunRecord};
use crate::provision::{EventKind, ProvisionEvent};

/// Where one phone's part of the run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneStage {
    /// Waiting for one of the run's slots (the *phones at once* setting).
    Queued,
    /// Started; the last step the engine reported.
    Running(Stage),
    Verified,
    Failed(String),
}

impl PhoneStage {
    /// The stage in words, one line (the run summary, the list row).
    pub fn words(&self) -> String {
        match self {
            PhoneStage::Queued => "Queued".to_string(),
            PhoneStage::Running(Stage::Requested) => "Sending".to_string(),
            PhoneStage::Running(Stage::Note | Stage::Syslog) => "Working".to_string(),
            PhoneStage::Running(stage) => stage.words().to_string(),
            PhoneStage::Verified => "Verified".to_string(),
            PhoneStage::Failed(reason) => format!("Failed: {reason}"),
        }
    }

    pub fn outcome(&self) -> RunOutcome {
        match self {
            PhoneStage::Queued | PhoneStage::Running(_) => RunOutcome::Waiting,
            PhoneStage::Verified => RunOutcome::Verified,
            PhoneStage::Failed(_) => RunOutcome::Failed,
        }
    }
}

/// One phone of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPhone {
    pub id: PhoneId,
    pub name: String,
    pub address: String,
    pub mac: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    /// What it is sent: old → new.
    pub changes: Vec<Change>,
    pub stage: PhoneStage,
    /// When its apply started (its first engine event), and when it ended.
    pub started: Option<jiff::Timestamp>,
    pub ended: Option<jiff::Timestamp>,
    /// The engine's events of its current attempt, for its compact stepper.
    pub events: Vec<ProvisionEvent>,
}

impl RunPhone {
    pub fn new(entry: &PhoneEntry, changes: Vec<Change>) -> Self {
        RunPhone {
            id: entry.id,
            name: entry.display_name(),
            address: entry.address.base_url(),
            mac: entry.mac.map(|m| m.colon()),
            model: entry.model.clone(),
            firmware: entry.firmware.clone(),
            changes,
            stage: PhoneStage::Queued,
            started: None,
            ended: None,
            events: Vec::new(),
        }
    }

    /// The (element, value) pairs the engine is given.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.changes
            .iter()
            .map(|c| (c.element.clone(), c.new.clone()))
            .collect()
    }

    /// `Reception: Waiting for the phone to be idle` — the phone's stage on one line.
    pub fn line(&self) -> String {
        format!("{}: {}", self.name, self.stage.words())
    }
}

/// A run of one change set on many phones.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRun {
    pub phones: Vec<RunPhone>,
    /// How many phones are worked on at once.
    pub parallel: usize,
    pub started: jiff::Timestamp,
    /// Cancel was pressed: what had not ended is being stopped.
    pub cancelled: bool,
}

impl SiteRun {
    pub fn new(phones: Vec<RunPhone>, parallel: usize, at: jiff::Timestamp) -> Self {
        SiteRun {
            phones,
            parallel: parallel.max(1),
            started: at,
            cancelled: false,
        }
    }

    pub fn phone(&self, id: PhoneId) -> Option<&RunPhone> {
        self.phones.iter().find(|p| p.id == id)
    }

    fn phone_mut(&mut self, id: PhoneId) -> Option<&mut RunPhone> {
        self.phones.iter_mut().find(|p| p.id == id)
    }

    /// Follows one engine event of a phone of the run. Outcomes come with
    /// [`Self::record_outcome`]; a failure event already fails the phone, with its reason.
    pub fn record_event(&mut self, id: PhoneId, event: &ProvisionEvent) {
        let Some(phone) = self.phone_mut(id) else {
            return;
        };
        if matches!(phone.stage, PhoneStage::Verified | PhoneStage::Failed(_)) {
            return;
        }
        phone.events.push(event.clone());
        phone.started.get_or_insert(event.at);
        let stage = match &event.kind {
            EventKind::WaitingForIdle => Stage::WaitingForIdle,
            EventKind::ProfileFetched { .. } => Stage::Fetched,
            EventKind::Applied { .. } => Stage::Applied,
            EventKind::Rebooting => Stage::Rebooting,
            EventKind::Failed { reason } => {
                phone.stage = PhoneStage::Failed(reason.clone());
                phone.ended = Some(event.at);
                return;
            }
            EventKind::Verified { .. } | EventKind::NothingToChange => {
                phone.stage = PhoneStage::Verified;
                phone.ended = Some(event.at);
                return;
            }
            _ => match &phone.stage {
                PhoneStage::Running(stage) => *stage,
                _ => Stage::Requested,
            },
        };
        phone.stage = PhoneStage::Running(stage);
    }

    /// How the phone's apply ended: `Ok` verified, `Err(reason)` not.
    pub fn record_outcome(
        &mut self,
        id: PhoneId,
        outcome: Result<(), String>,
        at: jiff::Timestamp,
    ) {
        let Some(phone) = self.phone_mut(id) else {
            return;
        };
        match (&phone.stage, &outcome) {
            // A later resync of the phone is not part of the run.
            (PhoneStage::Verified, _) | (PhoneStage::Failed(_), Ok(())) => return,
            // The engine's failure event said it first; the outcome has the window's words
            // for it (the event's time stays its end).
            (PhoneStage::Failed(_), Err(reason)) => {
                phone.stage = PhoneStage::Failed(reason.clone());
                return;
            }
            _ => {}
        }
        phone.ended = Some(at);
        phone.stage = match outcome {
            Ok(()) => PhoneStage::Verified,
            Err(reason) => PhoneStage::Failed(reason),
        };
    }

    pub fn counts(&self) -> RunCounts {
        RunCounts::of(self.phones.iter().map(|p| p.stage.outcome()))
    }

    /// Every phone has ended, one way or the other.
    pub fn finished(&self) -> bool {
        self.counts().waiting == 0
    }

    /// The failed phones, to retry.
    pub fn failed(&self) -> Vec<PhoneId> {
        self.phones
            .iter()
            .filter(|p| matches!(p.stage, PhoneStage::Failed(_)))
            .map(|p| p.id)
            .collect()
    }

    /// Puts the failed phones back in the queue ("retry the failed ones"); returns them.
    pub fn retry_failed(&mut self) -> Vec<PhoneId> {
        let failed = self.failed();
        for phone in &mut self.phones {
            if failed.contains(&phone.id) {
                phone.stage = PhoneStage::Queued;
                phone.started = None;
                phone.ended = None;
                phone.events.clear();
            }
        }
        self.cancelled = false;
        failed
    }

    /// One line per phone with its stage in words.
    pub fn lines(&self) -> Vec<String> {
        self.phones.iter().map(RunPhone::line).collect()
    }

    /// The run as the CSV report has it (values masked).
    pub fn records(&self) -> Vec<RunRecord> {
        self.phones
            .iter()
            .map(|phone| RunRecord {
                name: phone.name.clone(),
                address: phone.address.clone(),
                mac: phone.mac.clone(),
                model: phone.model.clone(),
                firmware: phone.firmware.clone(),
                changes: phone
                    .changes
                    .iter()
                    .map(|c| crate::provision::Change::shown(&c.element, c.old.as_deref(), &c.new))
                    .collect(),
                outcome: phone.stage.outcome(),
                reason: match &phone.stage {
                    PhoneStage::Failed(reason) => reason.clone(),
                    PhoneStage::Verified => String::new(),
                    waiting => waiting.words(),
                },
                started: phone.started,
                ended: phone.ended,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{PhoneAddress, PhoneList};

    fn run_of(names: &[&str]) -> (SiteRun, Vec<PhoneId>) {
        let mut list = PhoneList::default();
        let phones: Vec<RunPhone> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let id = list
                    .add_manual(PhoneAddress::parse(&format!("10.0.0.{}", i + 1)).unwrap())
                    .id();
                list.rename(id, name);
                let change = Change {
                    element: "Resync_Periodic".into(),
                    old: Some("3600".into()),
                    new: "86400".into(),
                };
                RunPhone::new(list.get(id).unwrap(), vec![change])
            })
            .collect();
        let ids = phones.iter().map(|p| p.id).collect();
        (SiteRun::new(phones, 8, jiff::Timestamp::UNIX_EPOCH), ids)
    }

    fn event(kind: EventKind, secs: i64) -> ProvisionEvent {
        ProvisionEvent {
            at: jiff::Timestamp::from_second(secs).unwrap(),
            phone: "x".into(),
            kind,
        }
    }

    #[test]
    fn each_phone_s_stage_follows_its_events_and_the_counts_follow_the_stages() {
        let (mut run, ids) = run_of(&["Reception", "Warehouse", "Manager"]);
        assert_eq!(run.lines()[0], "Reception: Queued");
        run.record_event(ids[0], &event(EventKind::Rebooting, 10));
        run.record_event(ids[1], &event(EventKind::WaitingForIdle, 11));
        run.record_event(
            ids[2],
            &event(
                EventKind::Failed {
                    reason: "the phone asks for a password".into(),
                },
                12,
            ),
        );
        assert_eq!(
            run.lines(),
            vec![
                "Reception: Rebooting",
                "Warehouse: Waiting for the phone to be idle",
                "Manager: Failed: the phone asks for a password",
            ]
        );
        // A note after waiting keeps the stage; the outcome ends it.
        run.record_event(ids[1], &event(EventKind::BackOnline, 13));
        assert_eq!(
            run.phones[1].stage,
            PhoneStage::Running(Stage::WaitingForIdle)
        );
        run.record_event(ids[0], &event(EventKind::Verified { names: vec![] }, 20));
        run.record_outcome(
            ids[2],
            Err("Use 🔑 Password… to give it".into()),
            jiff::Timestamp::from_second(30).unwrap(),
        );
        assert_eq!(
            run.phones[2].stage,
            PhoneStage::Failed("Use 🔑 Password… to give it".into()),
            "the outcome's words replace the event's"
        );
        let counts = run.counts();
        assert_eq!((counts.verified, counts.waiting, counts.failed), (1, 1, 1));
        assert!(!run.finished());
        assert_eq!(run.phones[0].started.unwrap().as_second(), 10);
        assert_eq!(run.phones[0].ended.unwrap().as_second(), 20);
        assert_eq!(run.phones[2].ended.unwrap().as_second(), 12);
    }

    #[test]
    fn retry_puts_only_the_failed_back_in_the_queue() {
        let (mut run, ids) = run_of(&["A", "B", "C"]);
        let at = jiff::Timestamp::UNIX_EPOCH;
        run.record_outcome(ids[0], Ok(()), at);
        run.record_outcome(ids[1], Err("no answer".into()), at);
        run.record_outcome(ids[2], Err("cancelled".into()), at);
        assert!(run.finished());
        assert_eq!(run.retry_failed(), vec![ids[1], ids[2]]);
        assert_eq!(run.phones[0].stage, PhoneStage::Verified);
        assert_eq!(run.phones[1].stage, PhoneStage::Queued);
        assert_eq!(run.phones[1].ended, None);
        assert!(!run.finished());
    }

    #[test]
    fn records_carry_outcome_reason_and_masked_values() {
        let (mut run, ids) = run_of(&["A", "B"]);
        run.phones[1].changes.push(Change {
            element: "Profile_Rule".into(),
            old: None,
            new: "--key hunter2 http://s/p.xml".into(),
        });
        run.record_outcome(ids[0], Ok(()), jiff::Timestamp::UNIX_EPOCH);
        let records = run.records();
        assert_eq!(records[0].outcome, RunOutcome::Verified);
        assert_eq!(records[0].reason, "");
        assert_eq!(records[1].outcome, RunOutcome::Waiting);
        assert_eq!(records[1].reason, "Queued");
        assert!(!records[1].changes[1].new.contains("hunter2"));
        assert_eq!(records[0].address, "http://10.0.0.1:80");
    }
}
