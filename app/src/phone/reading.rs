//! Who a phone is, and reading it whole. One rule names a phone: its status page says who it
//! is, and its configuration dump fills what the page leaves out. Every reader (the engine,
//! the window, the command line) goes through [`identity_of`].

use super::Phone;
use super::config::PhoneConfig;
use super::error::PhoneError;
use super::status::PhoneStatus;
use crate::identity::PhoneIdentity;

/// Who a phone is, from what was read of it: the status page first, gaps filled from the
/// configuration dump (a phone without a status page is known by its dump alone).
pub fn identity_of(status: Option<&PhoneStatus>, config: Option<&PhoneConfig>) -> PhoneIdentity {
    let mut identity = status.map(|s| s.identity.clone()).unwrap_or_default();
    if let Some(config) = config {
        identity.merge_missing(&config.identity);
    }
    identity
}

/// Model and MAC are what phoneprov needs to know a phone (firmware line, snapshots): with
/// both, the other page is not read.
fn knows_enough(identity: &PhoneIdentity) -> bool {
    identity.mac.is_some() && identity.model.is_some()
}

/// When a read of the configuration also reads the status page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPage {
    /// Always (its reboot reasons and provisioning record are wanted too).
    Always,
    /// Only when the dump leaves the model or the MAC out.
    IfIdentityIncomplete,
}

/// A phone read whole: its configuration, its status page when it was read and answered,
/// and who it is ([`identity_of`] both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneReading {
    pub config: PhoneConfig,
    pub status: Option<PhoneStatus>,
    pub identity: PhoneIdentity,
}

impl Phone {
    /// Who the phone is: its status page, the configuration dump read too when the page
    /// leaves the model or the MAC out.
    pub async fn read_identity(&self) -> Result<PhoneIdentity, PhoneError> {
        let status = self.read_status().await?;
        let config = if knows_enough(&status.identity) {
            None
        } else {
            Some(self.read_config().await?)
        };
        Ok(identity_of(Some(&status), config.as_ref()))
    }

    /// The configuration dump and who the phone is. The status page is read as `status`
    /// says; not every phone has one, so its absence is not an error, but a status page
    /// that answers and cannot be read whole is (all or nothing).
    pub async fn read_with_identity(&self, status: StatusPage) -> Result<PhoneReading, PhoneError> {
        let config = self.read_config().await?;
        let wanted = match status {
            StatusPage::Always => true,
            StatusPage::IfIdentityIncomplete => !knows_enough(&config.identity),
        };
        let status = if wanted {
            self.read_status_if_any().await?
        } else {
            None
        };
        Ok(PhoneReading {
            identity: identity_of(status.as_ref(), Some(&config)),
            config,
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::ConfigSource;

    #[test]
    fn the_status_page_says_who_and_the_dump_fills_the_gaps() {
        let status = PhoneStatus {
            identity: PhoneIdentity {
                model: Some("CP-8861-3PCC".to_string()),
                host_name: Some("lobby".to_string()),
                ..PhoneIdentity::default()
            },
            ..PhoneStatus::default()
        };
        let mut config = PhoneConfig::of_values(ConfigSource::CfgXml, &[]);
        config.identity = PhoneIdentity {
            model: Some("CP-7841-3PCC".to_string()),
            host_name: Some("configured".to_string()),
            serial: Some("FCH1234".to_string()),
            ..PhoneIdentity::default()
        };
        let both = identity_of(Some(&status), Some(&config));
        assert_eq!(both.model.as_deref(), Some("CP-8861-3PCC"));
        assert_eq!(both.host_name.as_deref(), Some("lobby"));
        assert_eq!(both.serial.as_deref(), Some("FCH1234"));
        assert_eq!(identity_of(None, Some(&config)), config.identity);
        assert_eq!(identity_of(Some(&status), None), status.identity);
        assert!(!knows_enough(&both), "no MAC");
    }
}
