//! How the engine's events land in the view model: a timeline step, the form's sent and
//! confirmed marks, and the phone's status light.

use super::phones::{PhoneEntry, PhoneStatus};
use super::timeline::Stage;
use crate::provision::{EventKind, ProvisionEvent};

/// Applies one engine event to the phone's entry. Returns a line for the activity log: the
/// event's one sentence ([`EventKind::describe`]), as the timeline shows it.
pub fn record(entry: &mut PhoneEntry, event: &ProvisionEvent) -> Option<String> {
    let at = event.at;
    // Every event, for the stepper (`session::stepper::steps`).
    entry.operation_events.push(event.clone());
    let stage = match &event.kind {
        EventKind::Validated { warnings } if warnings.is_empty() => return None,
        EventKind::Validated { .. }
        | EventKind::CertificateTrusted { .. }
        | EventKind::PasswordInClear
        | EventKind::Compared { .. }
        | EventKind::SnapshotSaved { .. }
        | EventKind::Sent { .. }
        | EventKind::FallingBack { .. }
        | EventKind::BackOnline
        | EventKind::Note { .. } => Stage::Note,
        EventKind::NothingToChange => {
            entry.status = PhoneStatus::Verified;
            Stage::Verified
        }
        EventKind::WaitingForIdle => Stage::WaitingForIdle,
        EventKind::ProfileFetched { .. } => Stage::Fetched,
        EventKind::Rebooting => Stage::Rebooting,
        EventKind::Applied { .. } => Stage::Applied,
        EventKind::Verified { names } => {
            for name in names {
                let value = entry.form.sent.get(name).cloned();
                if let Some(value) = value {
                    entry.form.mark_confirmed(name, &value, at);
                }
            }
            entry.status = PhoneStatus::Verified;
            Stage::Verified
        }
        EventKind::ResyncRequested { .. } => {
            entry.status = PhoneStatus::Applying;
            Stage::Requested
        }
        EventKind::ResyncFinished { success: true, .. } => {
            entry.status = PhoneStatus::Verified;
            Stage::Verified
        }
        EventKind::ResyncFinished {
            success: false,
            detail,
        } => {
            entry.status = PhoneStatus::Failed(detail.clone());
            Stage::Failed
        }
        EventKind::Syslog { .. } => Stage::Syslog,
        EventKind::Failed { reason } => {
            // What was sent stays marked until the operation's outcome says, field by
            // field, what the phone confirmed and what it reports instead.
            entry.status = PhoneStatus::Failed(reason.clone());
            Stage::Failed
        }
    };
    let line = sentence_case(&event.kind.describe());
    entry.timeline.push(at, stage, line.clone());
    Some(line)
}

/// `text` with its first letter a capital, as lines in the window start.
fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_says_the_engine_s_sentence_with_a_capital() {
        assert_eq!(sentence_case("profile fetched"), "Profile fetched");
        assert_eq!(sentence_case(""), "");
        let kind = EventKind::Rebooting;
        assert_eq!(
            sentence_case(&kind.describe()).to_lowercase(),
            kind.describe().to_lowercase()
        );
    }
}
