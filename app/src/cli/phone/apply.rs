//! What `set` and `rollback` share: how to send (`--via`), the engine's apply options, and
//! the report of an apply (a rollback is one) on stdout with its exit code.

use clap::ValueEnum;
use serde_json::json;

use super::seconds;
use crate::cli::setup::exit;
use crate::cli::setup::{Failure, print_json};
use crate::phone::Phone;
use crate::provision::{ApplyError, ApplyOptions, ApplyReport, ViaChoice};

/// How to send a change (`--via`).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ViaArg {
    Auto,
    Push,
    Post,
}

impl From<ViaArg> for ViaChoice {
    fn from(arg: ViaArg) -> Self {
        match arg {
            ViaArg::Auto => ViaChoice::Auto,
            ViaArg::Push => ViaChoice::Push,
            ViaArg::Post => ViaChoice::Post,
        }
    }
}

/// Apply options from `--via` and `--timeout` (seconds), the engine's defaults otherwise.
pub fn options(via: ViaArg, timeout: u64) -> ApplyOptions {
    ApplyOptions {
        via: via.into(),
        timeout: seconds(timeout),
        ..ApplyOptions::default()
    }
}

/// Prints what an apply did and turns what it could not do into the exit code: a change
/// that cannot be read back, or a rollback that could not restore a secret, is a failure.
pub fn report(
    phone: &Phone,
    result: Result<ApplyReport, ApplyError>,
    json_output: bool,
) -> Result<u8, Failure> {
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            if json_output {
                let mismatches = match &error {
                    ApplyError::Unverified { mismatches, .. } => json!(mismatches),
                    _ => json!([]),
                };
                let unknown = match &error {
                    ApplyError::UnknownNames { unknown, .. } => json!(unknown),
                    _ => json!([]),
                };
                print_json(&json!({
                    "phone": phone.address().key(),
                    "verified": false,
                    "error": error.to_string(),
                    "mismatches": mismatches,
                    "unknown": unknown,
                }))?;
            }
            return Err(error.into());
        }
    };
    let all = report.fully_verified();
    if json_output {
        print_json(&json!({
            "phone": report.phone,
            "verified": all,
            "not_restored": report.not_restored,
            "via": report.via,
            "snapshot": report.snapshot,
            "changes": report.changes,
            "verified_names": report.verified,
            "unverifiable": report.unverifiable,
            "warnings": report.warnings,
        }))?;
    } else if report.changes.is_empty() {
        println!(
            "{}: nothing to change, every value is already as wanted",
            report.phone
        );
    } else {
        println!(
            "{}: {} change(s) verified on the phone{}",
            report.phone,
            report.verified.len(),
            report
                .via
                .map(|v| format!(" (sent by {})", v.label()))
                .unwrap_or_default()
        );
    }
    if !all {
        Err(Failure::failed(format!(
            "not verified: {} cannot be read back (the phone hides passwords)",
            report.unverifiable.join(", ")
        )))
    } else if !report.not_restored.is_empty() {
        Err(Failure::failed(format!(
            "not fully rolled back: {} not restored (it held a password or key, which \
             snapshots never store); set it again by hand",
            report.not_restored.join(", ")
        )))
    } else {
        Ok(exit::OK)
    }
}
