//! A phone's configuration as it reports it (`cfg.xml` or `spacfg.xml`), and what that
//! dump says about the phone: its firmware line, whether it is an SPA phone, whether it
//! refuses resyncs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::identity::{FirmwareLine, PhoneIdentity};
use crate::profile::values::{PROVISION_ENABLE, refuses_resyncs};
use crate::profile::xml::Document;

/// Which configuration dump the phone offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfigSource {
    /// `/admin/cfg.xml` (MPP).
    CfgXml,
    /// `/admin/spacfg.xml` (SPA, some MPP).
    SpaCfgXml,
}

impl ConfigSource {
    pub fn path(self) -> &'static str {
        match self {
            ConfigSource::CfgXml => "/admin/cfg.xml",
            ConfigSource::SpaCfgXml => "/admin/spacfg.xml",
        }
    }
}

/// A phone's configuration as it reports it: every parameter, the last of duplicates.
/// Password parameters are hidden by the phone (read as empty or masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneConfig {
    pub source: ConfigSource,
    pub values: BTreeMap<String, String>,
    pub identity: PhoneIdentity,
    /// What was not well-formed in the dump.
    pub problems: Vec<String>,
}

impl PhoneConfig {
    pub fn from_document(source: ConfigSource, document: &Document) -> Self {
        let values = document
            .elements
            .iter()
            .map(|e| (e.name.clone(), e.value.clone()))
            .collect();
        PhoneConfig {
            source,
            values,
            identity: document.identity(),
            problems: document.problems.clone(),
        }
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The firmware line of the phone that gave this dump, known as `identity`: what the
    /// identity says, else SPA for a `spacfg.xml` dump.
    pub fn firmware_line(&self, identity: &PhoneIdentity) -> Option<FirmwareLine> {
        identity.firmware_line_given_dump(self.source == ConfigSource::SpaCfgXml)
    }

    /// Whether the phone that gave this dump, known as `identity`, is an SPA phone: it
    /// offers `spacfg.xml` or its model says SPA. SPA phones have no `/admin/config.xml`.
    pub fn is_spa(&self, identity: &PhoneIdentity) -> bool {
        identity.is_spa_given_dump(self.source == ConfigSource::SpaCfgXml)
    }

    /// Provision Enable is No: the phone refuses every resync (push included); a POST to
    /// `/admin/config.xml` still works on MPP phones.
    pub fn refuses_resyncs(&self) -> bool {
        self.value(PROVISION_ENABLE).is_some_and(refuses_resyncs)
    }
}

#[cfg(test)]
impl PhoneConfig {
    /// A dump of `values` with nothing said about the phone's identity.
    pub fn of_values(source: ConfigSource, values: &[(&str, &str)]) -> Self {
        PhoneConfig {
            source,
            values: values
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            identity: PhoneIdentity::default(),
            problems: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_spacfg_dump_is_an_spa_phone_of_the_spa_line() {
        let unknown = PhoneIdentity::default();
        let spa = PhoneConfig::of_values(ConfigSource::SpaCfgXml, &[]);
        assert!(spa.is_spa(&unknown));
        assert_eq!(spa.firmware_line(&unknown), Some(FirmwareLine::Spa));
        let mpp = PhoneConfig::of_values(ConfigSource::CfgXml, &[]);
        assert!(!mpp.is_spa(&unknown));
        assert_eq!(mpp.firmware_line(&unknown), None);
        let spa_model = PhoneIdentity {
            model: Some("SPA504G".to_string()),
            ..PhoneIdentity::default()
        };
        assert!(mpp.is_spa(&spa_model));
    }

    #[test]
    fn provision_enable_no_refuses_resyncs() {
        assert!(
            PhoneConfig::of_values(ConfigSource::CfgXml, &[("Provision_Enable", " no")])
                .refuses_resyncs()
        );
        assert!(
            !PhoneConfig::of_values(ConfigSource::CfgXml, &[("Provision_Enable", "Yes")])
                .refuses_resyncs()
        );
        assert!(!PhoneConfig::of_values(ConfigSource::CfgXml, &[]).refuses_resyncs());
    }
}
