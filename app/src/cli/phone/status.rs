//! `phoneprov status PHONE`: call state, provisioning status and reboot reasons, as the
//! phone reports them.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{PhoneArgs, connect, open_engine, say_first_use};
use crate::cli::setup::exit;
use crate::cli::setup::{PROGRAM, print_json, run_async};
use crate::profile::mask::mask_value;

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: StatusArgs) -> ExitCode {
    run_async(PROGRAM, |_| async move {
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        let status = phone.read_status().await?;
        say_first_use(&engine, &phone);
        if args.json {
            print_json(&json!({
                "phone": phone.address().key(),
                "identity": status.identity,
                "call_active": status.call_active,
                // The phone's status text may quote a rule with its --uid/--pwd.
                "provisioning": status.provisioning.iter().map(|p| json!({"source": p.source, "text": mask_value("", &p.text)})).collect::<Vec<_>>(),
                "reboot_reasons": status.reboot_reasons,
                "elements": status.elements.iter().map(|(n, v)| json!({"name": n, "value": mask_value(n, v)})).collect::<Vec<_>>(),
            }))?;
        } else {
            let id = &status.identity;
            println!("Phone        {}", phone.address());
            println!("Model        {}", id.model.as_deref().unwrap_or("?"));
            println!(
                "MAC          {}",
                id.mac.map(|m| m.to_string()).unwrap_or("?".into())
            );
            println!("Firmware     {}", id.firmware.as_deref().unwrap_or("?"));
            println!(
                "Call         {}",
                match status.call_active {
                    Some(true) => "on a call",
                    Some(false) => "idle",
                    None => "not reported",
                }
            );
            if status.provisioning.is_empty() {
                println!("Provisioning not reported");
            }
            for entry in &status.provisioning {
                println!("Provisioning {}", mask_value("", &entry.text));
            }
            for reason in &status.reboot_reasons {
                println!("Reboot       {reason}");
            }
        }
        Ok(exit::OK)
    })
}
