//! The kinds of evidence that a host is a Cisco phone, and how far each lets discovery trust
//! the identity that came with it. Both what a phone is ([`super::phone`]) and how sure
//! discovery is of it ([`super::confidence`]) build on this.

use serde::{Deserialize, Serialize};

/// One kind of evidence that a host is a Cisco phone, weakest first. The order also ranks
/// how far the identity (model, firmware…) that came with it can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// The MAC address prefix is registered to Cisco (or Cisco-Linksys).
    CiscoOui,
    /// The web server asks for credentials and its answer names Cisco/SPA/MPP.
    CiscoAuthChallenge,
    /// An mDNS TXT record names a Cisco model or vendor.
    MdnsTxt,
    /// The web page's title names a Cisco phone model.
    PageTitle,
    /// A syslog message carried a Cisco model and MAC.
    SyslogMessage,
    /// The phone's provisioning User-Agent.
    UserAgent,
    /// The phone's own status/config XML dump.
    StatusDump,
}

impl Evidence {
    /// How far the identity fields carried with this evidence can be trusted (0 = none).
    pub fn identity_rank(self) -> u8 {
        match self {
            Evidence::CiscoOui | Evidence::CiscoAuthChallenge => 0,
            Evidence::MdnsTxt | Evidence::PageTitle => 1,
            Evidence::SyslogMessage => 2,
            Evidence::UserAgent => 3,
            Evidence::StatusDump => 4,
        }
    }
}
