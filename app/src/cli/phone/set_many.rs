//! `phoneprov set` on several phones: the same changes applied and verified on each, up to
//! `--parallel` at once, progress on stderr line by line with the phone's address in front,
//! one result line per phone and the count of each outcome on stdout, `--report FILE.csv`
//! (the columns of [`crate::provision::run_report`]). Exit 0 only when every phone verified.

use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::targets::Target;
use super::{LoginArgs, connect_to, parse_address};
use crate::cli::setup::{Failure, exit, print_json};
use crate::discovery::KnownPhones;
use crate::identity::PhoneIdentity;
use crate::provision::run_report::{self, RunCounts, RunOutcome, RunRecord};
use crate::provision::{ApplyOptions, Change, Engine, EventKind, EventSink, ProvisionEvent};

/// What every phone of the run shares.
pub struct ManyPhones {
    pub login: LoginArgs,
    pub changes: Vec<(String, String)>,
    pub options: ApplyOptions,
    pub parallel: usize,
    pub report: Option<PathBuf>,
    pub json: bool,
}

/// Applies the changes to every target and reports; see the module's description.
pub async fn run(
    engine: &Engine,
    targets: Vec<Target>,
    run: ManyPhones,
    cancel: &CancellationToken,
) -> Result<u8, Failure> {
    // A typo in an address is found before anything is sent to any phone.
    for target in &targets {
        parse_address(&target.address)?;
    }
    let known = KnownPhones::load_default().ok();
    let records: Vec<RunRecord> = futures::stream::iter(targets)
        .map(|target| one_phone(engine, target, &run, known.as_ref(), cancel))
        .buffered(run.parallel.max(1))
        .collect()
        .await;
    if let Some(path) = &run.report {
        let text = run_report::csv_text(&records)
            .map_err(|e| Failure::failed(format!("the report could not be made: {e}")))?;
        crate::storage::write_atomically(path, text.as_bytes()).map_err(|e| {
            Failure::usage(format!(
                "cannot write the report to {}: {e}",
                path.display()
            ))
        })?;
    }
    let counts = RunCounts::of(records.iter().map(|r| r.outcome));
    if run.json {
        let phones: Vec<_> = records
            .iter()
            .map(|r| {
                json!({
                    "name": r.name,
                    "phone": r.address,
                    "mac": r.mac,
                    "model": r.model,
                    "firmware": r.firmware,
                    "changes": r.changes,
                    "outcome": r.outcome,
                    "reason": r.reason,
                    "started": r.started,
                    "ended": r.ended,
                })
            })
            .collect();
        print_json(&json!({
            "phones": phones,
            "verified": counts.verified,
            "waiting": counts.waiting,
            "failed": counts.failed,
        }))?;
    } else {
        for record in &records {
            match record.outcome {
                RunOutcome::Verified => println!("{}: verified", record.address),
                outcome => println!("{}: {}: {}", record.address, outcome.word(), record.reason),
            }
        }
        println!("{}", counts.words());
    }
    if counts.verified == counts.total() {
        Ok(exit::OK)
    } else {
        Ok(exit::FAILED)
    }
}

/// Applies and verifies on one phone, its progress printed as it passes; its record.
async fn one_phone(
    engine: &Engine,
    target: Target,
    run: &ManyPhones,
    known: Option<&KnownPhones>,
    cancel: &CancellationToken,
) -> RunRecord {
    let requested: Vec<Change> = run
        .changes
        .iter()
        .map(|(name, new)| Change::shown(name, None, new))
        .collect();
    let mut record = RunRecord {
        name: target.name.clone().unwrap_or_default(),
        address: target.address.clone(),
        mac: None,
        model: None,
        firmware: None,
        changes: requested,
        outcome: RunOutcome::Failed,
        reason: String::new(),
        started: None,
        ended: None,
    };
    if cancel.is_cancelled() {
        record.reason = "cancelled before it started".to_string();
        return record;
    }
    record.started = Some(jiff::Timestamp::now());
    let phone = match connect_to(engine, &target.address, &run.login) {
        Ok(phone) => phone,
        Err(failure) => {
            record.reason = failure.message;
            record.ended = Some(jiff::Timestamp::now());
            return record;
        }
    };
    record.address = phone.address().base_url();
    // Who the phone is, for the report; the apply says why when it does not answer.
    if let Ok(Ok(identity)) =
        tokio::time::timeout(Duration::from_secs(5), phone.read_identity()).await
    {
        fill_identity(&mut record, &identity, known);
    }
    let (sender, receiver) = mpsc::unbounded_channel();
    let sink = EventSink::new(phone.address().key(), sender);
    let printer = tokio::spawn(print_progress(phone.address().key(), receiver));
    let result = engine
        .apply(&phone, &run.changes, &run.options, &sink, cancel)
        .await;
    drop(sink);
    // The printer ends with the sink; one that panicked printed what it could.
    if let Ok(Some(compared)) = printer.await {
        record.changes = compared;
    }
    record.ended = Some(jiff::Timestamp::now());
    match result {
        Ok(report) if report.fully_verified() => {
            record.outcome = RunOutcome::Verified;
        }
        Ok(report) => {
            record.reason = format!(
                "not verified: {} cannot be read back (the phone hides passwords)",
                report.unverifiable.join(", ")
            );
        }
        Err(error) => record.reason = error.to_string(),
    }
    record
}

fn fill_identity(record: &mut RunRecord, identity: &PhoneIdentity, known: Option<&KnownPhones>) {
    record.mac = identity.mac.map(|m| m.colon());
    record.model = identity.model.clone();
    record.firmware = identity.firmware.clone();
    if record.name.is_empty()
        && let (Some(known), Some(mac)) = (known, identity.mac)
        && let Some(name) = known.name(&mac)
    {
        record.name = name.to_string();
    }
}

/// Prints each event on stderr as `host:port: what happened`; returns the changes the
/// engine compared (old → new), when it got that far.
async fn print_progress(
    who: String,
    mut events: mpsc::UnboundedReceiver<ProvisionEvent>,
) -> Option<Vec<Change>> {
    let mut compared = None;
    while let Some(event) = events.recv().await {
        if let EventKind::Compared { changes, .. } = &event.kind {
            compared = Some(changes.clone());
        }
        eprintln!("{who}: {}", event.summary());
    }
    compared
}
