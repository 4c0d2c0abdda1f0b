//! How sure discovery is that a host is a Cisco phone, and of its model, from the kinds of
//! evidence gathered so far.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::identity::{PhoneIdentity, looks_like_cisco_model};

use super::evidence::Evidence;

/// A coarse scale a technician can read at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    Unknown,
    /// One weak hint (a Cisco MAC prefix, a Cisco-looking login prompt).
    Possible,
    /// A hint that names the product (page title, mDNS TXT), or two weak hints together.
    Likely,
    /// The phone said so itself (status/config dump, provisioning User-Agent).
    Certain,
}

impl fmt::Display for Certainty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Certainty::Unknown => "unknown",
            Certainty::Possible => "possible",
            Certainty::Likely => "likely",
            Certainty::Certain => "certain",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confidence {
    /// That the host is a Cisco phone or ATA at all.
    pub cisco_phone: Certainty,
    /// That the model shown is the right one.
    pub model: Certainty,
}

impl Confidence {
    pub fn assess(evidence: &BTreeSet<Evidence>, identity: &PhoneIdentity) -> Confidence {
        let has = |e: Evidence| evidence.contains(&e);
        let cisco_model = identity
            .model
            .as_deref()
            .is_some_and(looks_like_cisco_model);
        let cisco_phone = if has(Evidence::UserAgent) || (has(Evidence::StatusDump) && cisco_model)
        {
            Certainty::Certain
        } else if has(Evidence::StatusDump)
            || has(Evidence::SyslogMessage)
            || has(Evidence::PageTitle)
            || has(Evidence::MdnsTxt)
            || (has(Evidence::CiscoOui) && has(Evidence::CiscoAuthChallenge))
        {
            Certainty::Likely
        } else if has(Evidence::CiscoOui) || has(Evidence::CiscoAuthChallenge) {
            Certainty::Possible
        } else {
            Certainty::Unknown
        };
        let model = if identity.model.is_none() {
            Certainty::Unknown
        } else if has(Evidence::StatusDump) || has(Evidence::UserAgent) {
            Certainty::Certain
        } else if has(Evidence::PageTitle) || has(Evidence::MdnsTxt) || has(Evidence::SyslogMessage)
        {
            Certainty::Likely
        } else {
            Certainty::Possible
        };
        Confidence { cisco_phone, model }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assess(evidence: &[Evidence], model: Option<&str>) -> Confidence {
        let identity = PhoneIdentity {
            model: model.map(str::to_string),
            ..PhoneIdentity::default()
        };
        Confidence::assess(&evidence.iter().copied().collect(), &identity)
    }

    #[test]
    fn nothing_known_is_unknown() {
        let c = assess(&[], None);
        assert_eq!(c.cisco_phone, Certainty::Unknown);
        assert_eq!(c.model, Certainty::Unknown);
    }

    #[test]
    fn a_cisco_mac_prefix_alone_is_only_possible() {
        let c = assess(&[Evidence::CiscoOui], None);
        assert_eq!(c.cisco_phone, Certainty::Possible);
        assert_eq!(c.model, Certainty::Unknown);
    }

    #[test]
    fn two_weak_hints_make_it_likely() {
        let weak = [Evidence::CiscoOui, Evidence::CiscoAuthChallenge];
        assert_eq!(assess(&weak, None).cisco_phone, Certainty::Likely);
    }

    #[test]
    fn a_title_names_the_model_but_is_not_proof() {
        let c = assess(&[Evidence::PageTitle], Some("CP-8861-3PCC"));
        assert_eq!(c.cisco_phone, Certainty::Likely);
        assert_eq!(c.model, Certainty::Likely);
    }

    #[test]
    fn the_phones_own_dump_is_certain() {
        let c = assess(&[Evidence::StatusDump], Some("SPA504G"));
        assert_eq!(c.cisco_phone, Certainty::Certain);
        assert_eq!(c.model, Certainty::Certain);
    }

    #[test]
    fn a_dump_naming_no_cisco_model_is_not_certain() {
        let printer = assess(&[Evidence::StatusDump], Some("LaserJet 4000"));
        assert_eq!(printer.cisco_phone, Certainty::Likely);
    }

    #[test]
    fn a_user_agent_is_certain() {
        let c = assess(&[Evidence::UserAgent], Some("CP-7841-3PCC"));
        assert_eq!(c.cisco_phone, Certainty::Certain);
        assert_eq!(c.model, Certainty::Certain);
    }
}
