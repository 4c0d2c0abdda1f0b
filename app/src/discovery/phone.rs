//! What discovery knows about one phone, and what one source saw (an [`Observation`]).

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::identity::{Mac, PhoneIdentity};

use super::confidence::Confidence;
use super::evidence::Evidence;

/// Where a sighting came from. Serialized as the short names the CLI's `--json` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// mDNS/DNS-SD announcement (and the HTTP fingerprint that followed it).
    Mdns,
    /// Address sweep of a subnet (and its HTTP fingerprint).
    Sweep,
    /// The operating system's neighbour (ARP) table.
    Arp,
    /// The phone fetched from our provisioning server or sent us syslog.
    Passive,
    /// The technician typed its address.
    Manual,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Mdns => "mdns",
            Source::Sweep => "sweep",
            Source::Arp => "arp",
            Source::Passive => "passive",
            Source::Manual => "manual",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebScheme {
    Http,
    Https,
}

impl WebScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            WebScheme::Http => "http",
            WebScheme::Https => "https",
        }
    }
}

/// The phone's web server: how to reach its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WebEndpoint {
    pub scheme: WebScheme,
    pub port: u16,
}

impl WebEndpoint {
    pub fn url(&self, address: IpAddr) -> String {
        let host = match address {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        format!("{}://{host}:{}", self.scheme.as_str(), self.port)
    }
}

/// Whether we could read the phone's pages without a password.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Not tried (e.g. only seen in the ARP table or by its User-Agent).
    #[default]
    Unknown,
    /// Status pages answered without credentials.
    Open,
    /// The admin pages answered 401/403: the phone needs its admin password.
    NeedsCredentials,
    /// Nothing answered on its web ports.
    Unreachable,
}

/// How a phone is told apart from others: by MAC when we know it (a phone that moved to a new
/// address is the same phone), by address until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PhoneKey {
    Mac(Mac),
    Address(IpAddr),
}

impl fmt::Display for PhoneKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneKey::Mac(mac) => write!(f, "{mac}"),
            PhoneKey::Address(address) => write!(f, "{address}"),
        }
    }
}

/// What one source saw of one host at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub source: Source,
    pub address: IpAddr,
    pub web: Option<WebEndpoint>,
    pub identity: PhoneIdentity,
    pub access: Option<Access>,
    pub evidence: BTreeSet<Evidence>,
    /// The mDNS instance name, when it came from mDNS.
    pub mdns_name: Option<String>,
}

impl Observation {
    pub fn new(source: Source, address: IpAddr) -> Self {
        Observation {
            source,
            address,
            web: None,
            identity: PhoneIdentity::default(),
            access: None,
            evidence: BTreeSet::new(),
            mdns_name: None,
        }
    }

    /// How far this observation's identity can be trusted (see [`Evidence::identity_rank`]).
    pub fn identity_rank(&self) -> u8 {
        self.evidence
            .iter()
            .map(|e| e.identity_rank())
            .max()
            .unwrap_or(0)
    }
}

/// Everything discovery knows about one phone, merged from every source that saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveredPhone {
    /// The address it was last seen at.
    pub address: IpAddr,
    /// Its web server, once one answered.
    pub web: Option<WebEndpoint>,
    pub identity: PhoneIdentity,
    pub access: Access,
    pub sources: BTreeSet<Source>,
    pub evidence: BTreeSet<Evidence>,
    pub mdns_name: Option<String>,
    /// The name the technician gave it (from the known-phones store).
    pub name: Option<String>,
    /// The rank of the evidence the identity came from (see [`Evidence::identity_rank`]).
    pub identity_rank: u8,
    pub last_seen: jiff::Timestamp,
}

impl DiscoveredPhone {
    pub fn from_observation(observation: Observation) -> Self {
        let identity_rank = observation.identity_rank();
        DiscoveredPhone {
            address: observation.address,
            web: observation.web,
            identity: observation.identity,
            access: observation.access.unwrap_or_default(),
            sources: BTreeSet::from([observation.source]),
            evidence: observation.evidence,
            mdns_name: observation.mdns_name,
            name: None,
            identity_rank,
            last_seen: jiff::Timestamp::now(),
        }
    }

    pub fn key(&self) -> PhoneKey {
        match self.identity.mac {
            Some(mac) => PhoneKey::Mac(mac),
            None => PhoneKey::Address(self.address),
        }
    }

    pub fn mac(&self) -> Option<Mac> {
        self.identity.mac
    }

    /// How sure we are that this is a Cisco phone, and of its model.
    pub fn confidence(&self) -> Confidence {
        Confidence::assess(&self.evidence, &self.identity)
    }

    /// The base URL of its web pages, when one answered.
    pub fn url(&self) -> Option<String> {
        self.web.map(|web| web.url(self.address))
    }
}
