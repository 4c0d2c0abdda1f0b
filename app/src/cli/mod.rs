//! The command line: `phoneprov <subcommand>`. Without a subcommand the desktop app starts.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod discover;
pub mod phone;
pub mod profile;
pub mod setup;
pub mod version;

pub use setup::exit;

#[derive(Debug, Parser)]
// `--version` is our own flag (clap's would print and exit before seeing `--json`).
#[command(
    name = "phoneprov",
    version,
    disable_version_flag = true,
    about = "Find, configure, resync and verify Cisco MPP/SPA phones",
    long_about = "Find, configure, resync and verify Cisco MPP/SPA phones. Without a \
                  subcommand, opens the desktop app."
)]
pub struct Cli {
    /// Print version, commit and build date.
    #[arg(short = 'V', long)]
    pub version: bool,
    /// With --version: print it as JSON.
    #[arg(long, requires = "version")]
    pub json: bool,
    /// Open the app with a few emulated phones on this computer (no LAN needed).
    #[cfg(feature = "demo")]
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find the Cisco phones on the LAN (mDNS, address sweep, ARP table).
    Discover(discover::DiscoverArgs),
    /// Show a phone's identity and Configuration Profile fields.
    Show(phone::show::ShowArgs),
    /// Change values on a phone and verify that they landed.
    Set(phone::set::SetArgs),
    /// Ask a phone to resync (its own rules, or a one-off rule) and follow it.
    Resync(phone::resync::ResyncArgs),
    /// A phone's status: call state, provisioning status, reboot reasons.
    Status(phone::status::StatusArgs),
    /// The snapshots saved before each change to a phone.
    History(phone::history::HistoryArgs),
    /// Put a phone back to a snapshot (the newest when none is named).
    Rollback(phone::rollback::RollbackArgs),
    /// Write a support capture of a phone: what phoneprov reads from it, passwords masked.
    Capture(phone::capture::CaptureArgs),
    /// Remembered HTTPS certificates of phones.
    #[command(subcommand)]
    Trust(phone::trust::TrustCommand),
    /// Check or show a Configuration Profile file (no phone needed).
    Profile(profile::ProfileArgs),
}

/// Runs a parsed subcommand and returns the process exit code.
pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Discover(args) => discover::run(args),
        Command::Show(args) => phone::show::run(args),
        Command::Set(args) => phone::set::run(args),
        Command::Resync(args) => phone::resync::run(args),
        Command::Status(args) => phone::status::run(args),
        Command::History(args) => phone::history::run(args),
        Command::Rollback(args) => phone::rollback::run(args),
        Command::Capture(args) => phone::capture::run(args),
        Command::Trust(command) => phone::trust::run(command),
        Command::Profile(args) => profile::run(args),
    }
}
