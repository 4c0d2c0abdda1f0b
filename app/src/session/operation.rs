//! What an apply or resync does to the view model at its ends: a confirmed submit marks the
//! edits sent and starts the timeline; a finished operation marks the form and the status
//! light and says how it went.

use super::form::Refusal;
use super::phones::{PhoneEntry, PhoneStatus};
use super::timeline::Stage;
use crate::provision::{EventKind, ProvisionEvent};

/// Why an apply or resync failed, with the values the phone confirmed and those it did not.
#[derive(Debug, Clone, Default)]
pub struct OperationFailure {
    /// The reason in words.
    pub reason: String,
    /// Confirmed on the phone before the operation ended.
    pub verified: Vec<String>,
    /// Sent, and read back as something else (or not at all).
    pub refusals: Vec<(String, Refusal)>,
}

impl From<String> for OperationFailure {
    fn from(reason: String) -> Self {
        OperationFailure {
            reason,
            ..OperationFailure::default()
        }
    }
}

/// Records a confirmed submit on the phone's entry: its edits are marked sent and the
/// timeline says the apply was requested. Returns the (element, value) pairs to send, or
/// `None` when nothing differs from the phone.
pub fn record_submit(entry: &mut PhoneEntry, at: jiff::Timestamp) -> Option<Vec<(String, String)>> {
    let changes = entry.form.changes();
    if changes.is_empty() {
        return None;
    }
    entry.form.mark_sent(&changes);
    entry.timeline.push(
        at,
        Stage::Requested,
        format!("Apply {} change(s)", changes.len()),
    );
    Some(
        changes
            .iter()
            .map(|c| (c.element.clone(), c.new.clone()))
            .collect(),
    )
}

/// Records how an apply or resync ended: a summary, or a failure that marks on the form what
/// the phone confirmed and what it refused, and turns the light to failed (once: an engine
/// event may have said so already). Returns the line for the activity log.
pub fn record_outcome(
    entry: &mut PhoneEntry,
    outcome: Result<String, OperationFailure>,
    at: jiff::Timestamp,
) -> String {
    let failure = match outcome {
        Ok(summary) => return summary,
        Err(failure) => failure,
    };
    let reason = failure.reason;
    entry
        .form
        .mark_unfinished(&failure.verified, failure.refusals, at);
    if !matches!(entry.status, PhoneStatus::Failed(_)) {
        entry.status = PhoneStatus::Failed(reason.clone());
        entry.timeline.push(at, Stage::Failed, reason.clone());
        // The stepper shows the failure too, though no engine event said it.
        entry.operation_events.push(ProvisionEvent {
            at,
            phone: entry.address.key(),
            kind: EventKind::Failed {
                reason: reason.clone(),
            },
        });
    }
    format!("Failed: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{PhoneAddress, PhoneList};

    fn entry_with_edits() -> PhoneEntry {
        let mut list = PhoneList::default();
        let id = list
            .add_manual(PhoneAddress::parse("10.1.20.31").unwrap())
            .id();
        let entry = list.get_mut(id).unwrap();
        entry.form.load_phone_values(
            [
                ("Resync_Periodic".to_string(), "3600".to_string()),
                ("Resync_At__HHmm_".to_string(), "".to_string()),
            ]
            .into(),
        );
        entry.form.set("Resync_Periodic", "7200");
        entry.form.set("Resync_At__HHmm_", "0300");
        entry.clone()
    }

    #[test]
    fn a_submit_marks_the_edits_sent_and_asks_for_them() {
        let mut entry = entry_with_edits();
        let at = jiff::Timestamp::now();
        let pairs = record_submit(&mut entry, at).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("Resync_At__HHmm_".to_string(), "0300".to_string()),
                ("Resync_Periodic".to_string(), "7200".to_string()),
            ]
        );
        assert_eq!(entry.form.sent.len(), 2);
        let last = entry.timeline.entries.last().unwrap();
        assert_eq!(last.stage, Stage::Requested);
        assert_eq!(last.detail, "Apply 2 change(s)");
    }

    #[test]
    fn a_submit_without_changes_records_nothing() {
        let mut entry = entry_with_edits();
        entry.form.revert_all();
        assert_eq!(record_submit(&mut entry, jiff::Timestamp::now()), None);
        assert!(entry.timeline.entries.is_empty());
        assert!(entry.form.sent.is_empty());
    }

    #[test]
    fn a_success_is_its_summary() {
        let mut entry = entry_with_edits();
        let line = record_outcome(&mut entry, Ok("Verified".into()), jiff::Timestamp::now());
        assert_eq!(line, "Verified");
        assert_eq!(entry.status, PhoneStatus::NotContacted);
    }

    #[test]
    fn a_failure_marks_the_form_and_fails_the_light_once() {
        let mut entry = entry_with_edits();
        let at = jiff::Timestamp::now();
        record_submit(&mut entry, at);
        let failure = OperationFailure {
            reason: "not verified".into(),
            verified: vec!["Resync_Periodic".into()],
            refusals: vec![(
                "Resync_At__HHmm_".into(),
                Refusal {
                    wanted: "0300".into(),
                    read_back: Some(String::new()),
                    at,
                },
            )],
        };
        let line = record_outcome(&mut entry, Err(failure), at);
        assert_eq!(line, "Failed: not verified");
        assert_eq!(entry.status, PhoneStatus::Failed("not verified".into()));
        assert!(entry.form.confirmed.contains_key("Resync_Periodic"));
        assert!(entry.form.refused.contains_key("Resync_At__HHmm_"));
        assert!(entry.form.sent.is_empty());
        let failed = |entry: &PhoneEntry| {
            entry
                .timeline
                .entries
                .iter()
                .filter(|e| e.stage == Stage::Failed)
                .count()
        };
        assert_eq!(failed(&entry), 1);

        // The engine said so first: the light and the timeline are not told twice.
        record_outcome(&mut entry, Err("again".to_string().into()), at);
        assert_eq!(entry.status, PhoneStatus::Failed("not verified".into()));
        assert_eq!(failed(&entry), 1);
    }
}
