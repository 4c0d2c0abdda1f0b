//! An apply (or rollback) step by step: validate, read the phone, compare, save a snapshot,
//! send, verify. Nothing is sent without a complete read of the phone's current values
//! (`Phone::read_with_identity` reads whole or fails) and a snapshot saved from it.

use std::collections::BTreeMap;

use tokio_util::sync::CancellationToken;

use super::errors::ApplyError;
use super::operation::{Operation, until_cancelled};
use super::options::ViaChoice;
use super::plan::{ChangePlan, last_wins, not_restored, plan_changes};
use super::report::ApplyReport;
use crate::phone::{PhoneReading, StatusPage};
use crate::profile::names::schema_spelling;
use crate::provision::events::EventKind;
use crate::provision::history::Snapshot;
use crate::provision::schema_bridge::{check_changes, flat_profile};

/// What an apply is asked to do.
pub(super) struct ApplyRequest<'a> {
    /// The wanted values (the last of duplicates wins).
    pub changes: &'a [(String, String)],
    /// Rollback: the values the snapshot could not hold (masked), by name.
    pub withheld: &'a BTreeMap<String, String>,
    /// Why the snapshot taken first is taken (`before set`, `before rollback`).
    pub reason: &'a str,
}

impl Operation<'_> {
    /// The whole apply, until it ends or `cancel` fires.
    pub async fn run(
        &self,
        request: ApplyRequest<'_>,
        cancel: &CancellationToken,
    ) -> Result<ApplyReport, ApplyError> {
        until_cancelled(
            self.apply_steps(request),
            cancel,
            || self.cancelled(),
            self.events,
        )
        .await
    }

    async fn apply_steps(&self, request: ApplyRequest<'_>) -> Result<ApplyReport, ApplyError> {
        let (reading, plan) = self.read_and_plan(request.changes).await?;
        let ChangePlan {
            changes,
            to_send,
            shown,
            check,
            ..
        } = plan;
        let mut report = ApplyReport {
            phone: self.key.clone(),
            snapshot: None,
            via: None,
            changes: shown,
            verified: Vec::new(),
            unverifiable: Vec::new(),
            warnings: check.warnings,
            not_restored: not_restored(&reading.config, request.withheld, self.events),
        };
        if to_send.is_empty() {
            self.events.emit(EventKind::NothingToChange);
            report.verified = changes.iter().map(|(n, _)| n.clone()).collect();
            self.events.emit(EventKind::Verified {
                names: report.verified.clone(),
            });
            return Ok(report);
        }
        if reading.config.is_spa(&reading.identity) && self.options.via == ViaChoice::Post {
            return Err(ApplyError::PostNotOnSpa {
                phone: self.key.clone(),
            });
        }
        report.snapshot = Some(self.save_snapshot(&reading, request.reason)?);

        let xml = flat_profile(&to_send).map_err(|e| ApplyError::Invalid { errors: vec![e] })?;
        self.start_clock();
        report.via = Some(self.send(&reading, &xml).await?);
        let (verified, unverifiable) = self.verify(&to_send).await?;
        report.verified = verified;
        report.unverifiable = unverifiable;
        Ok(report)
    }

    /// Validates the changes, reads the phone and works out what differs; says each as an
    /// event. Refuses changes the schema rejects, and a rollback to another phone.
    async fn read_and_plan(
        &self,
        changes: &[(String, String)],
    ) -> Result<(PhoneReading, ChangePlan), ApplyError> {
        let changes = last_wins(changes);
        self.progress.set("while validating");
        let spelled: Vec<(String, String)> = changes
            .iter()
            .map(|(name, value)| (schema_spelling(name), value.clone()))
            .collect();
        let check = check_changes(&spelled, None);
        if !check.errors.is_empty() {
            return Err(ApplyError::Invalid {
                errors: check.errors,
            });
        }

        self.progress
            .set("while reading the phone's current values");
        let reading = self
            .phone
            .read_with_identity(StatusPage::IfIdentityIncomplete)
            .await
            .map_err(ApplyError::not_read)?;
        if let Some(sha256) = self.phone.client.first_use_fingerprint() {
            self.events.emit(EventKind::CertificateTrusted { sha256 });
        }
        if let Some(notice) = self.engine.password_in_clear_notice(self.phone) {
            self.events.emit(notice);
        }
        if let (Some(expected), Some(actual)) = (self.progress.expected_mac, reading.identity.mac)
            && expected != actual
        {
            return Err(ApplyError::SnapshotOfAnotherPhone {
                phone: self.key.clone(),
                snapshot_phone: expected.to_string(),
            });
        }
        if let Some(expected) = self.options.expected_mac
            && reading.identity.mac != Some(expected)
        {
            return Err(ApplyError::AnotherPhoneNow {
                phone: self.key.clone(),
                expected: expected.to_string(),
                now: reading
                    .identity
                    .mac
                    .map_or("no MAC given".to_string(), |mac| format!("MAC {mac}")),
            });
        }
        let plan = plan_changes(&reading.config, &reading.identity, &changes);
        for meaning in &plan.meant {
            self.events.emit(EventKind::Note {
                message: meaning.clone(),
            });
        }
        if !plan.unknown.is_empty() {
            if !self.options.skip_unknown || plan.changes.is_empty() {
                return Err(ApplyError::UnknownNames {
                    phone: self.key.clone(),
                    unknown: plan.unknown,
                });
            }
            self.events.emit(EventKind::Note {
                message: format!(
                    "left out, the phone has no such parameter: {}",
                    plan.unknown
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        if !plan.check.errors.is_empty() {
            return Err(ApplyError::Invalid {
                errors: plan.check.errors,
            });
        }
        self.events.emit(EventKind::Validated {
            warnings: plan.check.warnings.clone(),
        });
        self.events.emit(EventKind::Compared {
            changes: plan.shown.clone(),
            unchanged: plan.unchanged,
        });
        Ok((reading, plan))
    }

    /// Saves what the phone has now; returns the snapshot's id.
    fn save_snapshot(&self, reading: &PhoneReading, reason: &str) -> Result<String, ApplyError> {
        self.progress.set("while saving the snapshot");
        let snapshot = Snapshot::new(&self.key, &reading.identity, reason, &reading.config.values);
        let path = self.engine.history.save(&snapshot)?;
        self.progress.set_snapshot(&snapshot.id);
        self.events.emit(EventKind::SnapshotSaved {
            snapshot: snapshot.id.clone(),
            path: path.display().to_string(),
        });
        Ok(snapshot.id)
    }
}
