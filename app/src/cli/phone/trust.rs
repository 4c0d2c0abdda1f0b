//! `phoneprov trust forget PHONE`: forget a phone's remembered HTTPS certificate (after it
//! really changed), so that the next connection trusts the new one.

use std::process::ExitCode;

use super::open_engine;
use crate::cli::setup::exit;
use crate::cli::setup::{Failure, PROGRAM, finish};
use crate::phone::{PhoneAddress, Scheme};

#[derive(Debug, Clone, clap::Subcommand)]
pub enum TrustCommand {
    /// Forget a phone's remembered HTTPS certificate (after it really changed).
    Forget {
        /// The phone: host:port or https://host[:port].
        phone: String,
    },
}

pub fn run(command: TrustCommand) -> ExitCode {
    let TrustCommand::Forget { phone } = command;
    finish(PROGRAM, forget(&phone))
}

fn forget(phone: &str) -> Result<u8, Failure> {
    let key = trust_key(phone)?;
    let engine = open_engine()?;
    let removed = engine
        .trust_store()
        .forget(&key)
        .map_err(|e| Failure::usage(e.to_string()))?;
    if removed {
        println!("forgot the certificate of {key}; the next connection trusts the new one");
    } else {
        println!("no certificate was remembered for {key}");
    }
    Ok(exit::OK)
}

/// The trust store's key for the phone as typed: `host:port` given without a scheme means
/// the port as typed; plain `host` means 443.
fn trust_key(phone: &str) -> Result<String, Failure> {
    let address: PhoneAddress = phone
        .parse()
        .map_err(|e: crate::phone::AddressError| Failure::usage(e.to_string()))?;
    Ok(if phone.contains("://") || phone.contains(':') {
        address.key()
    } else {
        PhoneAddress::new(Scheme::Https, address.host.clone(), 443).key()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_host_means_https_on_443_and_a_port_is_kept() {
        let plain = trust_key("10.0.0.5").unwrap();
        assert_eq!(
            plain,
            PhoneAddress::new(Scheme::Https, "10.0.0.5", 443).key()
        );
        let typed: PhoneAddress = "10.0.0.5:8443".parse().unwrap();
        assert_eq!(trust_key("10.0.0.5:8443").unwrap(), typed.key());
    }
}
