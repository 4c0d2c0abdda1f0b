//! The phone client: talks to one phone's web server (identity, configuration, status,
//! resync, posting a profile), with authentication, HTTPS trust on first use, size caps and
//! timeouts. See [`PhoneClient`].

pub mod address;
pub mod auth;
pub mod client;
pub mod secret;
pub mod status;
pub mod trust;

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

pub use address::{AddressError, PhoneAddress, Scheme};
pub use auth::{AuthMethod, Credentials};
pub use client::{Answer, ClientOptions, PhoneClient, PhoneError};
pub use secret::Secret;
pub use status::{PhoneStatus, ProvisioningEntry};
pub use trust::{CertificateChanged, TrustStore};

use crate::identity::{FirmwareLine, PhoneIdentity};
use crate::profile::xml::{Document, read_document_bytes};

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

    /// Whether the phone is an SPA phone, by `identity` (this dump's, or one completed from
    /// the status page) and by the dump it served ([`PhoneIdentity::is_spa_given_dump`]).
    pub fn is_spa(&self, identity: &PhoneIdentity) -> bool {
        identity.is_spa_given_dump(self.source == ConfigSource::SpaCfgXml)
    }

    /// The phone's firmware line, by `identity` and by the dump it served
    /// ([`PhoneIdentity::firmware_line_given_dump`]).
    pub fn firmware_line(&self, identity: &PhoneIdentity) -> Option<FirmwareLine> {
        identity.firmware_line_given_dump(self.source == ConfigSource::SpaCfgXml)
    }
}

/// Remembers per client which dump worked (cfg.xml or spacfg.xml).
#[derive(Debug, Default)]
struct Remembered {
    config_source: Option<ConfigSource>,
    status_path: Option<&'static str>,
}

/// A phone: its client plus what was learned about it.
#[derive(Debug)]
pub struct Phone {
    pub client: PhoneClient,
    remembered: Mutex<Remembered>,
}

impl Phone {
    pub fn new(client: PhoneClient) -> Self {
        Phone {
            client,
            remembered: Mutex::new(Remembered::default()),
        }
    }

    pub fn address(&self) -> &PhoneAddress {
        self.client.address()
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.remembered.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the configuration dump: `cfg.xml`, or `spacfg.xml` when the phone has no
    /// `cfg.xml` (remembered for the next read).
    pub async fn read_config(&self) -> Result<PhoneConfig, PhoneError> {
        let known = self.remembered().config_source;
        let order: &[ConfigSource] = match known {
            Some(ConfigSource::SpaCfgXml) => &[ConfigSource::SpaCfgXml],
            Some(ConfigSource::CfgXml) => &[ConfigSource::CfgXml],
            None => &[ConfigSource::CfgXml, ConfigSource::SpaCfgXml],
        };
        let mut last_missing = None;
        for source in order {
            let answer = self.client.get(source.path()).await?;
            if answer.status == StatusCode::NOT_FOUND {
                last_missing = Some((source.path(), answer.status));
                continue;
            }
            let document = self.xml(source.path(), &answer)?;
            self.remembered().config_source = Some(*source);
            return Ok(PhoneConfig::from_document(*source, &document));
        }
        let (path, status) = last_missing.unwrap_or(("/admin/cfg.xml", StatusCode::NOT_FOUND));
        Err(self.client.missing_admin_page(path, status).await)
    }

    /// Reads `status.xml` (`/admin/status.xml`, else `/status.xml`).
    pub async fn read_status(&self) -> Result<PhoneStatus, PhoneError> {
        let known = self.remembered().status_path;
        let order: &[&'static str] = match known {
            Some("/status.xml") => &["/status.xml"],
            Some(_) => &["/admin/status.xml"],
            None => &["/admin/status.xml", "/status.xml"],
        };
        for path in order {
            let answer = self.client.get(path).await?;
            if answer.status == StatusCode::NOT_FOUND {
                continue;
            }
            let document = self.xml(path, &answer)?;
            self.remembered().status_path = Some(path);
            return Ok(PhoneStatus::from_document(&document));
        }
        Err(self
            .client
            .missing_admin_page("/admin/status.xml", StatusCode::NOT_FOUND)
            .await)
    }

    /// Who the phone is: the status page, gaps filled from the configuration dump.
    pub async fn read_identity(&self) -> Result<PhoneIdentity, PhoneError> {
        let mut identity = match self.read_status().await {
            Ok(status) => status.identity,
            Err(e) => return Err(e),
        };
        if identity.mac.is_none() || identity.model.is_none() {
            let config = self.read_config().await?;
            identity.merge_missing(&config.identity);
        }
        Ok(identity)
    }

    /// `/admin/resync` (the phone's own rules) or `/admin/resync?<rule>` (once, not saved).
    pub async fn trigger_resync(&self, rule: Option<&str>) -> Result<Answer, PhoneError> {
        let path = match rule {
            Some(rule) => format!("/admin/resync?{}", encode_rule(rule)),
            None => "/admin/resync".to_string(),
        };
        let answer = self.client.get(&path).await?;
        self.expect_success(&path, answer).await
    }

    /// `POST /admin/config.xml` with a `<flat-profile>`.
    pub async fn post_config(&self, profile_xml: &str) -> Result<Answer, PhoneError> {
        let path = "/admin/config.xml";
        let answer = self
            .client
            .post(path, profile_xml.as_bytes().to_vec())
            .await?;
        self.expect_success(path, answer).await
    }

    async fn expect_success(&self, path: &str, answer: Answer) -> Result<Answer, PhoneError> {
        if answer.status.is_success() {
            return Ok(answer);
        }
        if answer.status == StatusCode::NOT_FOUND {
            return Err(self.client.missing_admin_page(path, answer.status).await);
        }
        Err(PhoneError::Status {
            phone: self.address().key(),
            path: client::strip_query(path),
            status: answer.status.as_u16(),
        })
    }

    fn xml(&self, path: &str, answer: &Answer) -> Result<Document, PhoneError> {
        if !answer.status.is_success() {
            return Err(PhoneError::Status {
                phone: self.address().key(),
                path: path.to_string(),
                status: answer.status.as_u16(),
            });
        }
        read_document_bytes(&answer.body).map_err(|e| PhoneError::NotXml {
            phone: self.address().key(),
            path: path.to_string(),
            detail: e.to_string(),
        })
    }
}

/// A rule as the query of `/admin/resync?…`: brackets, spaces, quotes and the characters
/// that would end or split the query are percent-encoded (`[--uid u]` → `%5B--uid+u%5D`).
pub fn encode_rule(rule: &str) -> String {
    let mut out = String::with_capacity(rule.len());
    for c in rule.trim().chars() {
        match c {
            ' ' => out.push('+'),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            '"' => out.push_str("%22"),
            '&' => out.push_str("%26"),
            '#' => out.push_str("%23"),
            '%' => out.push_str("%25"),
            '+' => out.push_str("%2B"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_encoded_as_the_guide_shows() {
        assert_eq!(
            encode_rule("[--uid u --pwd p]http://srv/p.xml"),
            "%5B--uid+u+--pwd+p%5Dhttp://srv/p.xml"
        );
        assert_eq!(
            encode_rule("http://10.0.0.5:8080/abc.xml"),
            "http://10.0.0.5:8080/abc.xml"
        );
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod client_tests;
