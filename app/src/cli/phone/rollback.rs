//! `phoneprov rollback PHONE [SNAPSHOT]`: put a phone back to a snapshot (the newest when
//! none is named), sent and verified like any change.

use std::process::ExitCode;

use clap::Args;

use super::apply::{self, ViaArg};
use super::{PhoneArgs, connect, mac_if_reachable, open_engine, with_progress};
use crate::cli::setup::{Failure, PROGRAM, run_async};

#[derive(Debug, Clone, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    /// Snapshot id (or a unique start of it); the newest when left out.
    pub snapshot: Option<String>,
    #[arg(long, value_enum, default_value = "auto")]
    pub via: ViaArg,
    #[arg(long, default_value_t = 180, value_name = "SECS")]
    pub timeout: u64,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: RollbackArgs) -> ExitCode {
    run_async(PROGRAM, |cancel| async move {
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        let mac = mac_if_reachable(&phone).await;
        let snapshot = engine
            .history()
            .find(&phone.address().key(), mac, args.snapshot.as_deref())
            .map_err(|e| Failure::usage(e.to_string()))?;
        eprintln!(
            "rolling back to snapshot {} ({})",
            snapshot.id, snapshot.reason
        );
        let options = apply::options(args.via, args.timeout);
        let result = with_progress(&phone, async |sink| {
            engine
                .rollback(&phone, &snapshot, &options, sink, &cancel)
                .await
        })
        .await;
        apply::report(&phone, result, args.json)
    })
}
