//! `phoneprov set PHONE NAME=VALUE…`: change values on a phone and verify that they landed
//! (`--dry-run` shows the diff and sends nothing).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::apply::{self, ViaArg};
use super::set_many::{self, ManyPhones};
use super::targets::{Target, read_phone_file};
use super::{LoginArgs, connect_to, open_engine, say_first_use, seconds, with_progress};
use crate::cli::setup::exit;
use crate::cli::setup::{Failure, PROGRAM, print_json, run_async};
use crate::phone::Phone;
use crate::provision::{ApplyError, ApplyOptions, Engine};

#[derive(Debug, Clone, Args)]
pub struct SetArgs {
    /// The phones (host, host:port or http(s)://host[:port]), then the changes as
    /// NAME=VALUE: the XML element name (Resync_Periodic=3665) or the label as the phone's
    /// page shows it ("Resync Periodic=3665"), any case. A name the phone does not have is
    /// refused before anything is sent, with the nearest names it has.
    #[arg(value_name = "PHONE... NAME=VALUE")]
    pub words: Vec<String>,
    #[command(flatten)]
    pub login: LoginArgs,
    /// Also the phones listed in FILE: one address a line, or the CSV that
    /// `phoneprov discover --csv` writes.
    #[arg(long, value_name = "FILE")]
    pub phones: Option<PathBuf>,
    /// With several phones: how many are worked on at once.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel: u16,
    /// Write one CSV row per phone to FILE: name, address, MAC, model, firmware, each field
    /// old and new, outcome, reason, start and end times.
    #[arg(long, value_name = "FILE.csv")]
    pub report: Option<PathBuf>,
    /// Take changes from a <flat-profile> file too (NAME=VALUE on the command line wins).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Leave out names the phone does not have (listed) and send the rest, instead of
    /// refusing everything (a site file may carry names another model has).
    #[arg(long)]
    pub skip_unknown: bool,
    /// How to send: push (the phone fetches from phoneprov), post (POST /admin/config.xml),
    /// or auto (push, then post when the phone cannot reach this machine).
    #[arg(long, value_enum, default_value = "auto")]
    pub via: ViaArg,
    /// Show what would change and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds the whole change may take, reboot included.
    #[arg(long, default_value_t = 180, value_name = "SECS")]
    pub timeout: u64,
    /// Push: seconds an idle phone may take to fetch before phoneprov concludes it cannot
    /// reach this machine.
    #[arg(long, default_value_t = 15, value_name = "SECS")]
    pub reach_timeout: u64,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SetArgs) -> ExitCode {
    run_async(PROGRAM, |cancel| async move {
        let (phones, change_words) = split_words(&args.words)?;
        let changes = parse_changes(args.from.as_deref(), change_words)?;
        let mut targets: Vec<Target> = phones.iter().map(|p| Target::new(p)).collect();
        if let Some(file) = &args.phones {
            targets.extend(read_phone_file(file)?);
        }
        let engine = open_engine()?;
        let options = ApplyOptions {
            reach_timeout: seconds(args.reach_timeout),
            skip_unknown: args.skip_unknown,
            ..apply::options(args.via, args.timeout)
        };
        match targets.as_slice() {
            [] => Err(Failure::usage(
                "no phone: give PHONE before the changes, or --phones FILE",
            )),
            [one] if args.report.is_none() => {
                let phone = connect_to(&engine, &one.address, &args.login)?;
                if args.dry_run {
                    return dry_run(&engine, &phone, &changes, &args).await;
                }
                let result = with_progress(&phone, async |sink| {
                    engine
                        .apply(&phone, &changes, &options, sink, &cancel)
                        .await
                })
                .await;
                let unknown_names = matches!(result, Err(ApplyError::UnknownNames { .. }));
                apply::report(&phone, result, args.json).map_err(|mut failure| {
                    if unknown_names {
                        failure.message.push_str(&skip_hint(&args));
                    }
                    failure
                })
            }
            _ if args.dry_run => {
                let mut code = exit::OK;
                for target in &targets {
                    println!("{}:", target.address);
                    let phone = connect_to(&engine, &target.address, &args.login)?;
                    if let Err(failure) = dry_run(&engine, &phone, &changes, &args).await {
                        eprintln!("{}: {}", target.address, failure.message);
                        code = code.max(failure.code);
                    }
                }
                Ok(code)
            }
            _ => {
                let run = ManyPhones {
                    login: args.login.clone(),
                    changes,
                    options,
                    parallel: usize::from(args.parallel),
                    report: args.report.clone(),
                    json: args.json,
                };
                set_many::run(&engine, targets, run, &cancel).await
            }
        }
    })
}

/// What to do about names the phone does not have: correct a typed one; a file's may be
/// left out.
fn skip_hint(args: &SetArgs) -> String {
    if args.from.is_some() && !args.skip_unknown {
        " (to send the file's other values, leave these out with --skip-unknown)".into()
    } else {
        String::new()
    }
}

/// The phones named before the first NAME=VALUE, and the changes from there on (an address
/// never holds `=`).
fn split_words(words: &[String]) -> Result<(&[String], &[String]), Failure> {
    let first_change = words
        .iter()
        .position(|w| w.contains('='))
        .unwrap_or(words.len());
    let (phones, changes) = words.split_at(first_change);
    if let Some(stray) = changes.iter().find(|w| !w.contains('=')) {
        return Err(Failure::usage(format!(
            "\"{stray}\" is not NAME=VALUE (e.g. Resync_Periodic=3665); name every phone \
             before the changes"
        )));
    }
    Ok((phones, changes))
}

/// The changes asked for: the `--from` file's values first, then NAME=VALUE arguments
/// (which win, being applied later).
fn parse_changes(from: Option<&Path>, words: &[String]) -> Result<Vec<(String, String)>, Failure> {
    let mut changes = Vec::new();
    if let Some(file) = from {
        // The same reading as `profile check`: size cap, no DTD, one line on failure.
        let document = crate::cli::profile::load(file)?;
        changes.extend(
            document
                .elements
                .into_iter()
                .map(|element| (element.name, element.value)),
        );
    }
    for change in words {
        let Some((name, value)) = change.split_once('=') else {
            return Err(Failure::usage(format!(
                "\"{change}\" is not NAME=VALUE (e.g. Resync_Periodic=3665)"
            )));
        };
        changes.push((name.trim().to_string(), value.to_string()));
    }
    if changes.is_empty() {
        return Err(Failure::usage(
            "nothing to set: give NAME=VALUE or --from FILE",
        ));
    }
    Ok(changes)
}

/// The diff `set` would send: the engine's own reading, naming and comparison
/// ([`Engine::preview`]), values masked.
async fn dry_run(
    engine: &Engine,
    phone: &Phone,
    changes: &[(String, String)],
    args: &SetArgs,
) -> Result<u8, Failure> {
    let plan = engine.preview(phone, changes).await?;
    say_first_use(engine, phone);
    let check = &plan.check;
    let diff = &plan.shown;
    if args.json {
        print_json(&json!({
            "phone": phone.address().key(),
            "dry_run": true,
            "changes": diff,
            "unchanged": plan.unchanged,
            "meant": plan.meant,
            "unknown": plan.unknown,
            "errors": check.errors,
            "warnings": check.warnings,
        }))?;
    } else {
        for meaning in &plan.meant {
            println!("{meaning}");
        }
        for unknown in &plan.unknown {
            println!("not on the phone: {unknown}");
        }
        if diff.is_empty() {
            println!("nothing to change: every value is already as wanted");
        }
        for change in diff {
            println!(
                "{}: {} -> {}",
                change.name,
                change
                    .old
                    .as_deref()
                    .map(|o| format!("\"{o}\""))
                    .unwrap_or("(not on the phone)".into()),
                format_args!("\"{}\"", change.new)
            );
        }
        for warning in &check.warnings {
            println!("warning: {warning}");
        }
        println!("(dry run: nothing was sent)");
    }
    if !plan.unknown.is_empty() && !args.skip_unknown {
        let names: Vec<String> = plan.unknown.iter().map(ToString::to_string).collect();
        return Err(Failure::failed(format!(
            "the phone at {} has no parameter named {}: set would refuse{}",
            phone.address().key(),
            names.join(", "),
            skip_hint(args)
        )));
    }
    if check.errors.is_empty() {
        Ok(exit::OK)
    } else {
        Err(Failure::failed(format!(
            "invalid: {}",
            check.errors.join("; ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        set: SetArgs,
    }

    fn set_args(words: &[&str]) -> SetArgs {
        Command::parse_from(std::iter::once("set").chain(words.iter().copied())).set
    }

    fn changes_of(words: &[&str]) -> Result<Vec<(String, String)>, Failure> {
        let args = set_args(words);
        let (_, changes) = split_words(&args.words)?;
        parse_changes(None, changes)
    }

    #[test]
    fn changes_are_name_equals_value_with_the_name_trimmed() {
        assert_eq!(
            changes_of(&["10.0.0.5", " Resync_Periodic =3665", "Station_Name=a=b"]).unwrap(),
            vec![
                ("Resync_Periodic".to_string(), "3665".to_string()),
                ("Station_Name".to_string(), "a=b".to_string()),
            ]
        );
    }

    #[test]
    fn phones_come_before_the_changes() {
        let args = set_args(&["10.0.0.5", "https://10.0.0.6:8443", "A=1", "B=2"]);
        let (phones, changes) = split_words(&args.words).unwrap();
        assert_eq!(phones, ["10.0.0.5", "https://10.0.0.6:8443"]);
        assert_eq!(changes, ["A=1", "B=2"]);
        let stray = set_args(&["10.0.0.5", "A=1", "10.0.0.6"]);
        let error = split_words(&stray.words).unwrap_err();
        assert_eq!(error.code, exit::USAGE);
        assert!(
            error
                .message
                .contains("name every phone before the changes")
        );
    }

    #[test]
    fn no_change_or_a_change_without_equals_is_a_usage_error() {
        let none = changes_of(&["10.0.0.5"]).unwrap_err();
        assert_eq!(none.code, exit::USAGE);
        let bad = parse_changes(None, &["Resync_Periodic".to_string()]).unwrap_err();
        assert_eq!(bad.code, exit::USAGE);
        assert!(bad.message.contains("is not NAME=VALUE"));
    }
}
