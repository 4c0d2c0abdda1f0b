//! `phoneprov history PHONE`: the snapshots saved before each change to a phone.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{PhoneArgs, connect, mac_if_reachable, open_engine, say_first_use};
use crate::cli::setup::exit;
use crate::cli::setup::{Failure, PROGRAM, print_json, run_async};

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: HistoryArgs) -> ExitCode {
    run_async(PROGRAM, |_| async move {
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        let mac = mac_if_reachable(&phone).await;
        // Rollback says it as an event of its apply; history has no other place to.
        say_first_use(&engine, &phone);
        let snapshots = engine
            .history()
            .list(&phone.address().key(), mac)
            .map_err(|e| Failure::usage(e.to_string()))?;
        if args.json {
            print_json(&json!(
                snapshots
                    .iter()
                    .map(|s| json!({
                        "id": s.id, "taken_at": s.taken_at, "phone": s.phone, "mac": s.mac,
                        "reason": s.reason, "values": s.values.len(),
                    }))
                    .collect::<Vec<_>>()
            ))?;
        } else if snapshots.is_empty() {
            println!("no snapshots of {} yet", phone.address().key());
        } else {
            for s in &snapshots {
                println!(
                    "{}  {}  {}  ({} values)",
                    s.id,
                    s.taken_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    s.reason,
                    s.values.len()
                );
            }
        }
        Ok(exit::OK)
    })
}
