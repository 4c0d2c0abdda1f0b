//! `phoneprov show PHONE`: the phone's identity and its Configuration Profile fields.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{PhoneArgs, connect, open_engine, say_first_use};
use crate::cli::setup::exit;
use crate::cli::setup::{PROGRAM, print_json, run_async};
use crate::phone::{PhoneReading, StatusPage};

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ShowArgs) -> ExitCode {
    run_async(PROGRAM, |_| async move {
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        let PhoneReading {
            config, identity, ..
        } = phone.read_with_identity(StatusPage::Always).await?;
        say_first_use(&engine, &phone);
        let fields = crate::provision::schema_bridge::profile_fields(&config, &identity);
        if args.json {
            print_json(&json!({
                "phone": phone.address().key(),
                "identity": identity,
                "source": config.source.path(),
                "fields": fields,
            }))?;
        } else {
            println!("Phone     {}", phone.address());
            println!("Model     {}", identity.model.as_deref().unwrap_or("?"));
            println!(
                "MAC       {}",
                identity.mac.map(|m| m.to_string()).unwrap_or("?".into())
            );
            println!("Serial    {}", identity.serial.as_deref().unwrap_or("?"));
            println!("Firmware  {}", identity.firmware.as_deref().unwrap_or("?"));
            println!();
            for field in &fields {
                println!("{}", field.line());
            }
        }
        Ok(exit::OK)
    })
}
