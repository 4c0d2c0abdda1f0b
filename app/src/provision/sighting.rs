//! Passive sightings: phones seen by phoneprov's own servers (a fetch from the one-time
//! profile server, a syslog line). Published on a broadcast channel
//! ([`super::Engine::sightings`]) so discovery can record them; nothing here decides what a
//! sighting means.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::identity::PhoneIdentity;

/// Which of phoneprov's servers saw the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SightingSource {
    /// An HTTP request to the provisioning (push) server.
    ProvisioningFetch,
    /// A syslog datagram to the syslog listener.
    Syslog,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneSighting {
    pub at: jiff::Timestamp,
    pub ip: IpAddr,
    pub source: SightingSource,
    /// The HTTP User-Agent (provisioning fetches).
    pub user_agent: Option<String>,
    /// The syslog HOSTNAME field (syslog).
    pub syslog_host: Option<String>,
    /// What the User-Agent or syslog line says about the phone (model, MAC, firmware).
    pub identity: PhoneIdentity,
}
