//! `phoneprov resync PHONE`: ask a phone to resync (its own rules, or a one-off `--rule`)
//! and, with `--wait`, follow it to its outcome.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use serde_json::json;

use super::{PhoneArgs, connect, open_engine, say_first_use, seconds, with_progress};
use crate::cli::setup::exit;
use crate::cli::setup::{Failure, PROGRAM, print_json, run_async};
use crate::provision::ResyncOptions;

#[derive(Debug, Clone, Args)]
pub struct ResyncArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    /// Resync once from this rule (not saved) instead of the phone's own rules.
    #[arg(long)]
    pub rule: Option<String>,
    /// Follow the resync to its outcome.
    #[arg(long)]
    pub wait: bool,
    #[arg(long, default_value_t = 180, value_name = "SECS")]
    pub timeout: u64,
    /// Listen for the phone's syslog lines here (the phone's Syslog_Server must point at it),
    /// e.g. 0.0.0.0:514.
    #[arg(long, value_name = "ADDR:PORT")]
    pub syslog: Option<SocketAddr>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ResyncArgs) -> ExitCode {
    run_async(PROGRAM, |cancel| async move {
        let engine = Arc::new(open_engine()?);
        let phone = connect(&engine, &args.target)?;
        if let Some(bind) = args.syslog {
            let bound = engine
                .enable_syslog(bind)
                .await
                .map_err(|e| Failure::usage(format!("cannot listen for syslog on {bind}: {e}")))?;
            eprintln!("listening for syslog on {bound}");
        }
        let options = ResyncOptions {
            wait: args.wait,
            timeout: seconds(args.timeout),
            ..ResyncOptions::default()
        };
        let result = with_progress(&phone, async |sink| {
            engine
                .resync(&phone, args.rule.as_deref(), &options, sink, &cancel)
                .await
        })
        .await;
        say_first_use(&engine, &phone);
        match result {
            Ok(report) => {
                if args.json {
                    print_json(&json!(report))?;
                } else {
                    match report.success {
                        None if report.detail == "requested" => {
                            println!("{}: resync requested", report.phone)
                        }
                        None => println!(
                            "{}: resync requested, outcome not confirmed: {}",
                            report.phone, report.detail
                        ),
                        Some(_) => {
                            println!("{}: resync succeeded: {}", report.phone, report.detail)
                        }
                    }
                }
                Ok(exit::OK)
            }
            Err(error) => {
                if args.json {
                    print_json(
                        &json!({"phone": phone.address().key(), "success": false, "error": error.to_string()}),
                    )?;
                }
                Err(error.into())
            }
        }
    })
}
