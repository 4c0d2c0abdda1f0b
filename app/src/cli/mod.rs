//! The command line: `phoneprov <subcommand>`. Without a subcommand the desktop app starts.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod discover;
pub mod profile;

#[derive(Debug, Parser)]
#[command(
    name = "phoneprov",
    version,
    about = "Find, configure, resync and verify Cisco MPP/SPA phones"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find the Cisco phones on the LAN (mDNS, address sweep, ARP table).
    Discover(discover::DiscoverArgs),
    /// Check or show a Configuration Profile file (no phone needed).
    Profile(profile::ProfileArgs),
}

/// Exit codes shared by every subcommand.
pub mod exit {
    /// Everything asked for was done (and, for changes, verified).
    pub const OK: u8 = 0;
    /// The input or the phone is in error (invalid values, unverified change, …).
    pub const FAILED: u8 = 1;
    /// Usage or I/O error: bad arguments, unreadable file, unreachable phone.
    pub const USAGE: u8 = 2;
}

/// Runs a parsed subcommand and returns the process exit code.
pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Discover(args) => discover::run(args),
        Command::Profile(args) => profile::run(args),
    }
}
