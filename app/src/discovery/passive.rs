//! Passive sightings: a phone that fetched a profile from phoneprov's provisioning server,
//! or sent it syslog, told us who it is without being asked.

use std::net::IpAddr;

use crate::identity::{Mac, PhoneIdentity, looks_like_cisco_model};

use super::evidence::Evidence;
use super::oui;
use super::phone::{Observation, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SightingKind {
    /// An HTTP request to our provisioning server; carries the User-Agent.
    ProvisioningFetch,
    /// A syslog message; carries the message text.
    Syslog,
}

/// One request or message from a phone, as our servers received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// When our server received it.
    pub at: jiff::Timestamp,
    pub address: IpAddr,
    pub kind: SightingKind,
    /// The User-Agent (fetch) or the message (syslog).
    pub text: String,
}

impl Sighting {
    /// A phone fetched from our provisioning server with this User-Agent.
    pub fn provisioning_fetch(address: IpAddr, user_agent: impl Into<String>) -> Self {
        Sighting {
            at: jiff::Timestamp::now(),
            address,
            kind: SightingKind::ProvisioningFetch,
            text: user_agent.into(),
        }
    }

    /// A phone sent us this syslog message.
    pub fn syslog(address: IpAddr, message: impl Into<String>) -> Self {
        Sighting {
            at: jiff::Timestamp::now(),
            address,
            kind: SightingKind::Syslog,
            text: message.into(),
        }
    }

    /// What the sighting says, as an observation for [`super::PhoneTable::record`].
    /// `None` when it does not look like a Cisco phone at all (a browser fetching a
    /// profile, a router's syslog).
    pub fn observation(&self) -> Option<Observation> {
        let (identity, evidence) = match self.kind {
            SightingKind::ProvisioningFetch => (
                PhoneIdentity::from_user_agent(&self.text)?,
                Evidence::UserAgent,
            ),
            SightingKind::Syslog => (identity_from_syslog(&self.text)?, Evidence::SyslogMessage),
        };
        let mut observation = Observation::new(Source::Passive, self.address);
        if identity.mac.is_some_and(|mac| oui::is_cisco(&mac)) {
            observation.evidence.insert(Evidence::CiscoOui);
        }
        observation.identity = identity;
        observation.evidence.insert(evidence);
        Some(observation)
    }
}

/// Reads a `Log_*_Msg` line as phones send it with the default macros
/// (`$PN $MAC -- Successful resync …`): a model word and a MAC. A User-Agent quoted in the
/// message is read as well.
fn identity_from_syslog(message: &str) -> Option<PhoneIdentity> {
    if let Some(start) = message.find("Cisco-").or_else(|| message.find("Cisco/"))
        && let Some(identity) = PhoneIdentity::from_user_agent(&message[start..])
    {
        return Some(identity);
    }
    let words: Vec<&str> = message
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != ':'))
        .collect();
    let model = words.iter().find(|w| looks_like_cisco_model(w));
    let mac = words.iter().find_map(|w| w.parse::<Mac>().ok());
    if model.is_none() && mac.is_none_or(|mac| !oui::is_cisco(&mac)) {
        return None;
    }
    Some(PhoneIdentity {
        model: model.map(|m| m.to_string()),
        mac,
        ..PhoneIdentity::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::confidence::Certainty;
    use crate::discovery::{DiscoveredPhone, PhoneTable};

    fn ip() -> IpAddr {
        "10.0.0.7".parse().unwrap()
    }

    #[test]
    fn a_provisioning_fetch_names_the_phone_for_certain() {
        let sighting = Sighting::provisioning_fetch(ip(), "Cisco-CP-8841-3PCC/11.0 (00562b043615)");
        let observation = sighting.observation().unwrap();
        let phone = DiscoveredPhone::from_observation(observation);
        assert_eq!(phone.identity.model.as_deref(), Some("CP-8841-3PCC"));
        assert_eq!(phone.identity.mac.unwrap().lower_hex(), "00562b043615");
        assert_eq!(phone.confidence().cisco_phone, Certainty::Certain);
        assert!(phone.sources.contains(&Source::Passive));
    }

    #[test]
    fn syslog_lines_with_model_and_mac() {
        let sighting = Sighting::syslog(
            ip(),
            "CP-8861-3PCC 00:0e:08:ab:cd:ef -- Successful resync http://10.0.0.5:80/p.xml",
        );
        let observation = sighting.observation().unwrap();
        assert_eq!(observation.identity.model.as_deref(), Some("CP-8861-3PCC"));
        assert_eq!(
            observation.identity.mac.unwrap().to_string(),
            "00:0e:08:ab:cd:ef"
        );
        let mut table = PhoneTable::new();
        table.record(observation);
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn other_clients_are_not_phones() {
        assert!(
            Sighting::provisioning_fetch(ip(), "curl/8.5.0")
                .observation()
                .is_none()
        );
        assert!(
            Sighting::syslog(ip(), "kernel: eth0 link up")
                .observation()
                .is_none()
        );
    }
}
