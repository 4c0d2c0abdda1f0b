//! How the engine's events land in the view model: a timeline step, the form's sent and
//! confirmed marks, and the phone's status light.

use super::phones::{PhoneEntry, PhoneStatus};
use super::timeline::Stage;
use crate::provision::{EventKind, ProvisionEvent};

/// Applies one engine event to the phone's entry. Returns a line for the activity log.
pub fn record(entry: &mut PhoneEntry, event: &ProvisionEvent) -> Option<String> {
    let at = event.at;
    let (stage, detail) = match &event.kind {
        EventKind::Validated { warnings } if warnings.is_empty() => return None,
        EventKind::Validated { warnings } => (
            Stage::Note,
            format!(
                "Checked; {} warning(s): {}",
                warnings.len(),
                warnings.join("; ")
            ),
        ),
        EventKind::CertificateTrusted { sha256 } => (
            Stage::Note,
            format!("Trusting the phone's HTTPS certificate from now on (SHA-256 {sha256})"),
        ),
        EventKind::Compared { changes, unchanged } => (
            Stage::Note,
            format!(
                "Read the phone: {} value(s) to change, {unchanged} already as wanted",
                changes.len()
            ),
        ),
        EventKind::NothingToChange => {
            entry.status = PhoneStatus::Verified;
            (
                Stage::Verified,
                "Nothing to change: the phone already has every value".to_string(),
            )
        }
        EventKind::SnapshotSaved { snapshot, .. } => (
            Stage::Note,
            format!("Saved what the phone had before ({snapshot})"),
        ),
        EventKind::Sent { via, detail } => {
            (Stage::Note, format!("Sent by {} ({detail})", via.label()))
        }
        EventKind::WaitingForIdle => (
            Stage::WaitingForIdle,
            "The phone is on a call; it applies the change when the call ends".to_string(),
        ),
        EventKind::ProfileFetched { user_agent } => (
            Stage::Fetched,
            user_agent
                .as_deref()
                .map(|ua| format!("by {ua}"))
                .unwrap_or_default(),
        ),
        EventKind::FallingBack { from, to, reason } => (
            Stage::Note,
            format!(
                "{reason}; sending by {} instead of {}",
                to.label(),
                from.label()
            ),
        ),
        EventKind::Rebooting => (Stage::Rebooting, "The phone stopped answering".to_string()),
        EventKind::BackOnline => (Stage::Note, "The phone answers again".to_string()),
        EventKind::Applied { names } => (Stage::Applied, names.join(", ")),
        EventKind::Verified { names } => {
            for name in names {
                let value = entry.form.sent.get(name).cloned();
                if let Some(value) = value {
                    entry.form.mark_confirmed(name, &value, at);
                }
            }
            entry.status = PhoneStatus::Verified;
            (
                Stage::Verified,
                format!("Read back from the phone: {}", names.join(", ")),
            )
        }
        EventKind::ResyncRequested { rule } => {
            entry.status = PhoneStatus::Applying;
            (
                Stage::Requested,
                match rule {
                    Some(rule) => format!("Resync from {rule}"),
                    None => "Resync with the phone's own rules".to_string(),
                },
            )
        }
        EventKind::ResyncFinished {
            success: true,
            detail,
        } => {
            entry.status = PhoneStatus::Verified;
            (
                Stage::Verified,
                format!("The phone reports a successful resync: {detail}"),
            )
        }
        EventKind::ResyncFinished {
            success: false,
            detail,
        } => {
            entry.status = PhoneStatus::Failed(detail.clone());
            (Stage::Failed, detail.clone())
        }
        EventKind::Syslog { text } => (Stage::Syslog, text.clone()),
        EventKind::Note { message } => (Stage::Note, message.clone()),
        EventKind::Failed { reason } => {
            // What was sent stays marked until the operation's outcome says, field by
            // field, what the phone confirmed and what it reports instead.
            entry.status = PhoneStatus::Failed(reason.clone());
            (Stage::Failed, reason.clone())
        }
    };
    let line = if detail.is_empty() {
        stage.words().to_string()
    } else {
        format!("{}: {detail}", stage.words())
    };
    entry.timeline.push(at, stage, detail);
    Some(line)
}
