//! What a finished read of a phone does to the view model: the phone's identity, values and
//! status light, whether the password prompt should open, and the activity line.

use std::collections::BTreeMap;

use super::phone_facts::PhoneFacts;
use super::phones::{PhoneEntry, PhoneStatus};
use crate::identity::PhoneIdentity;

/// What reading a phone told us.
#[derive(Debug, Clone)]
pub struct PhoneRead {
    pub identity: PhoneIdentity,
    /// Configuration Profile values by canonical element (SPA aliases mapped).
    pub values: BTreeMap<String, String>,
    pub reboot_reasons: Vec<String>,
    /// The phone's own latest provisioning entry ("Successful … from http://…").
    pub last_provisioning: Option<String>,
    /// What else the read saw, for the readiness check and the history.
    /// Boxed: it is large, and reads travel in enums with small variants.
    pub facts: Option<Box<PhoneFacts>>,
}

/// Why a phone could not be read, in words; `needs_password` opens the prompt.
#[derive(Debug, Clone)]
pub struct ReadFailure {
    pub needs_password: bool,
    pub message: String,
}

/// What else is going on when a read ends.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadContext {
    /// An apply or resync of this phone is still running.
    pub operation_running: bool,
    /// The phone is the one shown in the form.
    pub selected: bool,
    /// The password prompt is open already (for this phone or another).
    pub prompt_open: bool,
}

/// What the shell does after [`record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRecorded {
    /// The line for the activity log.
    pub activity: String,
    /// Open the password prompt, saying this.
    pub ask_password: Option<String>,
    /// The entry learnt something worth keeping across a restart.
    pub save: bool,
}

/// Applies the outcome of a read to the phone's entry.
pub fn record(
    entry: &mut PhoneEntry,
    outcome: Result<PhoneRead, ReadFailure>,
    context: ReadContext,
) -> ReadRecorded {
    match outcome {
        Ok(read) => record_success(entry, read, context),
        Err(failure) => record_failure(entry, failure, context),
    }
}

fn record_success(entry: &mut PhoneEntry, read: PhoneRead, context: ReadContext) -> ReadRecorded {
    if let Some(mac) = read.identity.mac {
        entry.mac = Some(mac);
    }
    entry.model = read.identity.model.clone().or(entry.model.take());
    entry.firmware = read.identity.firmware.clone().or(entry.firmware.take());
    entry.form.load_phone_values(read.values);
    entry.reboot_reasons = read.reboot_reasons;
    entry.facts = read.facts.map(|facts| *facts);
    // A failure stays on the light while its operation runs or its timeline explains it;
    // a failed first read is cleared by a good one.
    let unexplained_failure = matches!(entry.status, PhoneStatus::Failed(_))
        && !context.operation_running
        && entry.timeline.entries.is_empty();
    if is_first_contact(&entry.status) || unexplained_failure {
        entry.status = PhoneStatus::Reachable;
    }
    let mut words = format!(
        "Read the phone: {} {}",
        entry.model.as_deref().unwrap_or("model unknown"),
        entry.firmware.as_deref().unwrap_or("")
    );
    if let Some(last) = &read.last_provisioning {
        words.push_str(&format!("; its last provisioning: {last}"));
    }
    ReadRecorded {
        activity: words,
        ask_password: None,
        save: true,
    }
}

fn record_failure(
    entry: &mut PhoneEntry,
    failure: ReadFailure,
    context: ReadContext,
) -> ReadRecorded {
    let mut ask_password = None;
    if failure.needs_password {
        entry.status = PhoneStatus::NeedsCredentials;
        entry.facts = None;
        if !context.prompt_open && context.selected {
            ask_password = Some(failure.message.clone());
        }
    } else if is_first_contact(&entry.status) {
        entry.status = PhoneStatus::Failed(failure.message.clone());
        entry.facts = None;
    } else {
        // The outcome of the last operation stands (a phone that reboots after applying
        // does not answer for a moment); only the re-read failed.
        return ReadRecorded {
            activity: format!(
                "Could not read the phone again ({}); it may be restarting. Use \
                 \"Read the phone again\" in a moment.",
                failure.message
            ),
            ask_password: None,
            save: false,
        };
    }
    ReadRecorded {
        activity: failure.message,
        ask_password,
        save: false,
    }
}

/// States a read may replace: nothing was asked of the phone yet beyond reading it.
fn is_first_contact(status: &PhoneStatus) -> bool {
    matches!(
        status,
        PhoneStatus::NotContacted | PhoneStatus::Reachable | PhoneStatus::NeedsCredentials
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Mac;
    use crate::session::timeline::Stage;
    use crate::session::{PhoneAddress, PhoneList};

    fn entry() -> PhoneEntry {
        let mut list = PhoneList::default();
        let id = list
            .add_manual(PhoneAddress::parse("10.1.20.31").unwrap())
            .id();
        list.get(id).unwrap().clone()
    }

    fn read() -> PhoneRead {
        PhoneRead {
            identity: PhoneIdentity {
                model: Some("CP-8861-3PCC".into()),
                mac: Some(Mac([0x00, 0x56, 0x2b, 0x04, 0x36, 0x15])),
                firmware: Some("11.3.7".into()),
                ..PhoneIdentity::default()
            },
            values: BTreeMap::from([("Resync_Periodic".to_string(), "3600".to_string())]),
            reboot_reasons: vec!["Provisioning".into()],
            last_provisioning: Some("Successful from http://10.1.1.1/p.xml".into()),
            facts: None,
        }
    }

    fn failure(needs_password: bool) -> ReadFailure {
        ReadFailure {
            needs_password,
            message: "refused".into(),
        }
    }

    fn selected() -> ReadContext {
        ReadContext {
            selected: true,
            ..ReadContext::default()
        }
    }

    #[test]
    fn a_read_fills_in_the_phone_and_makes_it_reachable() {
        let mut entry = entry();
        let recorded = record(&mut entry, Ok(read()), selected());
        assert_eq!(entry.status, PhoneStatus::Reachable);
        assert_eq!(entry.model.as_deref(), Some("CP-8861-3PCC"));
        assert_eq!(entry.firmware.as_deref(), Some("11.3.7"));
        assert!(entry.mac.is_some());
        assert_eq!(entry.form.phone_value("Resync_Periodic"), Some("3600"));
        assert_eq!(entry.reboot_reasons, vec!["Provisioning".to_string()]);
        assert_eq!(
            recorded.activity,
            "Read the phone: CP-8861-3PCC 11.3.7; its last provisioning: Successful from \
             http://10.1.1.1/p.xml"
        );
        assert!(recorded.save);
        assert_eq!(recorded.ask_password, None);
    }

    #[test]
    fn a_read_keeps_what_it_did_not_learn() {
        let mut entry = entry();
        entry.model = Some("CP-7841-3PCC".into());
        let mut partial = read();
        partial.identity.model = None;
        partial.last_provisioning = None;
        let recorded = record(&mut entry, Ok(partial), selected());
        assert_eq!(entry.model.as_deref(), Some("CP-7841-3PCC"));
        assert_eq!(recorded.activity, "Read the phone: CP-7841-3PCC 11.3.7");
    }

    #[test]
    fn a_failure_explained_by_its_operation_stays_on_the_light() {
        let mut entry = entry();
        entry.status = PhoneStatus::Failed("not verified".into());
        entry
            .timeline
            .push(jiff::Timestamp::now(), Stage::Failed, "not verified");
        record(&mut entry, Ok(read()), selected());
        assert_eq!(entry.status, PhoneStatus::Failed("not verified".into()));

        // A failed first read, nothing running: a good read clears it.
        let mut entry = self::entry();
        entry.status = PhoneStatus::Failed("timed out".into());
        record(&mut entry, Ok(read()), selected());
        assert_eq!(entry.status, PhoneStatus::Reachable);

        // The same, while an operation runs: the light waits for its outcome.
        let mut entry = self::entry();
        entry.status = PhoneStatus::Failed("timed out".into());
        let running = ReadContext {
            operation_running: true,
            ..selected()
        };
        record(&mut entry, Ok(read()), running);
        assert_eq!(entry.status, PhoneStatus::Failed("timed out".into()));
    }

    #[test]
    fn a_phone_that_wants_a_password_opens_the_prompt_once_and_only_when_shown() {
        let mut entry = entry();
        let recorded = record(&mut entry, Err(failure(true)), selected());
        assert_eq!(entry.status, PhoneStatus::NeedsCredentials);
        assert_eq!(recorded.ask_password.as_deref(), Some("refused"));
        assert_eq!(recorded.activity, "refused");

        let open = ReadContext {
            prompt_open: true,
            ..selected()
        };
        assert_eq!(
            record(&mut entry, Err(failure(true)), open).ask_password,
            None
        );
        let elsewhere = ReadContext::default();
        assert_eq!(
            record(&mut entry, Err(failure(true)), elsewhere).ask_password,
            None
        );
    }

    #[test]
    fn a_failed_first_read_fails_the_light_but_a_failed_reread_after_work_does_not() {
        let mut entry = entry();
        let recorded = record(&mut entry, Err(failure(false)), selected());
        assert_eq!(entry.status, PhoneStatus::Failed("refused".into()));
        assert_eq!(recorded.activity, "refused");

        let mut entry = self::entry();
        entry.status = PhoneStatus::Verified;
        let recorded = record(&mut entry, Err(failure(false)), selected());
        assert_eq!(entry.status, PhoneStatus::Verified);
        assert!(
            recorded
                .activity
                .starts_with("Could not read the phone again (refused)")
        );
        assert!(!recorded.save);
    }
}
