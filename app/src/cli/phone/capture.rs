//! `phoneprov capture PHONE [-o FILE]`: a support capture of the phone (see
//! `phone::capture`): everything phoneprov reads from it, secrets masked, in one file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{PhoneArgs, connect, open_engine, say_first_use};
use crate::cli::setup::exit;
use crate::cli::setup::{Failure, PROGRAM, run_async};
use crate::phone::Capture;
use crate::storage::write_atomically;

#[derive(Debug, Clone, Args)]
pub struct CaptureArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    /// Where to write the capture (default: phoneprov-capture-HOST-PORT-TIME.json here).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: CaptureArgs) -> ExitCode {
    run_async(PROGRAM, |_| async move {
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        let capture = Capture::take(&phone).await;
        say_first_use(&engine, &phone);
        let path = args
            .output
            .unwrap_or_else(|| PathBuf::from(capture.file_name()));
        let bytes = capture
            .to_json()
            .map_err(|e| Failure::failed(format!("cannot write the capture: {e}")))?;
        write_atomically(&path, &bytes).map_err(|e| {
            Failure::failed(format!(
                "cannot write the capture to {}: {e}",
                path.display()
            ))
        })?;
        if let Some(error) = &capture.error {
            eprintln!(
                "{}: phoneprov could not read the phone ({error}); the capture holds what it \
                 exchanged",
                phone.address()
            );
        }
        println!(
            "{}: {} requests captured to {} (passwords masked)",
            phone.address(),
            capture.exchanges.len(),
            path.display()
        );
        Ok(exit::OK)
    })
}
