//! `phoneprov show|set|resync|status|history|rollback|capture PHONE` and `phoneprov trust forget PHONE`:
//! the phone client and the provisioning engine from the command line, one module per
//! subcommand. Here: what they share (which phone and how to log in, the engine, progress
//! on stderr). Progress goes to stderr as the states pass; results to stdout (`--json` for
//! machines).

use std::io::IsTerminal;
use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;

use super::setup::Failure;
use crate::phone::{ClientOptions, Credentials, Phone, PhoneAddress, Secret};
use crate::provision::{Engine, EventSink, ProvisionEvent};

pub mod apply;
pub mod capture;
pub mod history;
pub mod resync;
pub mod rollback;
pub mod set;
pub mod set_many;
pub mod show;
pub mod status;
pub mod targets;
pub mod trust;

/// Which phone and how to log in.
#[derive(Debug, Clone, Args)]
pub struct PhoneArgs {
    /// The phone: host, host:port or http(s)://host[:port].
    pub phone: String,
    #[command(flatten)]
    pub login: LoginArgs,
}

/// How to log in to the phones (`set` on many phones uses one login for all).
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// Admin account name.
    #[arg(long, default_value = "admin")]
    pub user: String,
    /// Admin password (or set PHONEPROV_PASSWORD).
    #[arg(long, env = "PHONEPROV_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    pub password: Option<Secret>,
    /// Seconds to wait for each answer from the phone.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub request_timeout: u64,
}

fn parse_secret(text: &str) -> Result<Secret, String> {
    Ok(Secret::new(text))
}

/// A time limit given in seconds on the command line; at least one second, since 0 would
/// give up before the phone could answer.
fn seconds(secs: u64) -> Duration {
    Duration::from_secs(secs.max(1))
}

/// The engine with its files in the data directory (trust store, history).
fn open_engine() -> Result<Engine, Failure> {
    Engine::open_default().map_err(|e| Failure::usage(e.to_string()))
}

/// A client for the phone named on the command line (nothing is sent yet).
fn connect(engine: &Engine, target: &PhoneArgs) -> Result<Phone, Failure> {
    connect_to(engine, &target.phone, &target.login)
}

/// A client for the phone at `phone` (as typed) with `login` (nothing is sent yet).
fn connect_to(engine: &Engine, phone: &str, login: &LoginArgs) -> Result<Phone, Failure> {
    let address = parse_address(phone)?;
    let options = ClientOptions {
        request_timeout: seconds(login.request_timeout),
        ..ClientOptions::default()
    };
    let credentials = Credentials::new(login.user.clone(), login.password.clone());
    Ok(engine.phone(address, credentials, options)?)
}

/// A phone's address as typed; a typo is a usage error.
fn parse_address(phone: &str) -> Result<PhoneAddress, Failure> {
    phone
        .trim()
        .parse()
        .map_err(|e: crate::phone::AddressError| Failure::usage(e.to_string()))
}

/// Says on stderr that `phone`'s HTTPS certificate was trusted for the first time by this
/// command (trust on first use is never silent; `set` and `rollback` say it as an event), and
/// that its admin password went in clear over plain HTTP, unless an event said so already.
fn say_first_use(engine: &Engine, phone: &Phone) {
    if let Some(notice) = engine.password_in_clear_notice(phone) {
        eprintln!("{}: {}", phone.address(), notice.describe());
    }
    if let Some(sha256) = phone.client.first_use_fingerprint() {
        eprintln!(
            "{}: trusting its HTTPS certificate on first use (SHA-256 {sha256}); a different one \
             will be refused",
            phone.address()
        );
    }
}

/// Prints events to stderr as they arrive; returns when the sender side is gone.
fn progress_printer(phone: &Phone) -> (EventSink, tokio::task::JoinHandle<()>) {
    let (sender, mut receiver) = mpsc::unbounded_channel::<ProvisionEvent>();
    let terminal = std::io::stderr().is_terminal();
    let printer = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            if terminal {
                eprintln!("  {}", event.summary());
            } else {
                eprintln!("{}", event.summary());
            }
        }
    });
    (EventSink::new(phone.address().key(), sender), printer)
}

/// Runs one engine operation on `phone` with its events printed on stderr as they pass;
/// returns its result once every event is printed.
async fn with_progress<T>(phone: &Phone, operation: impl AsyncFnOnce(&EventSink) -> T) -> T {
    let (sink, printer) = progress_printer(phone);
    let result = operation(&sink).await;
    drop(sink);
    // The printer ends when the sink is gone; a printer that panicked printed what it could.
    let _ = printer.await;
    result
}

/// The phone's MAC when it answers quickly (snapshots follow the phone, not its address).
async fn mac_if_reachable(phone: &Phone) -> Option<crate::identity::Mac> {
    tokio::time::timeout(Duration::from_secs(3), phone.read_identity())
        .await
        .ok()?
        .ok()?
        .mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_limit_of_zero_seconds_is_one_second() {
        assert_eq!(seconds(0), Duration::from_secs(1));
        assert_eq!(seconds(180), Duration::from_secs(180));
    }
}
