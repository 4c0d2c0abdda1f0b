//! The phone client: talks to one phone's web server (identity, configuration, status,
//! resync, posting a profile), with authentication, HTTPS trust on first use, size caps and
//! timeouts. [`PhoneClient`] does the HTTP; [`Phone`] knows the pages.

pub mod address;
pub mod auth;
pub mod capture;
pub mod client;
pub mod config;
pub mod error;
pub mod host;
pub mod page;
pub mod reading;
pub mod secret;
pub mod status;
pub mod trust;

use std::sync::Mutex;

use reqwest::StatusCode;

pub use address::{AddressError, PhoneAddress, Scheme};
pub use auth::{AuthMethod, Credentials};
pub use capture::Capture;
pub use client::{Answer, ClientOptions, PhoneClient};
pub use config::{ConfigSource, PhoneConfig};
pub use error::{PageKind, PageProblem, PhoneError};
pub use host::HostSeen;
pub use reading::{PhoneReading, StatusPage, identity_of};
pub use secret::Secret;
pub use status::{PhoneStatus, ProvisioningEntry};
pub use trust::{CertificateChanged, TrustStore};

use crate::profile::xml::Document;

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
            let document = self.xml(source.path(), PageKind::Config, &answer)?;
            self.remembered().config_source = Some(*source);
            return Ok(PhoneConfig::from_document(*source, &document));
        }
        let (path, status) = last_missing.unwrap_or(("/admin/cfg.xml", StatusCode::NOT_FOUND));
        Err(self.client.missing_admin_page(path, status).await)
    }

    /// Reads `status.xml` (`/admin/status.xml`, else `/status.xml`). Older SPA phones have
    /// no XML status page (only HTML): their `spacfg.xml` dump carries the status elements.
    pub async fn read_status(&self) -> Result<PhoneStatus, PhoneError> {
        match self.read_status_if_any().await? {
            Some(status) => Ok(status),
            None => Err(self
                .client
                .missing_admin_page("/admin/status.xml", StatusCode::NOT_FOUND)
                .await),
        }
    }

    /// Reads `status.xml`; `None` when the phone has no status page (both paths 404).
    pub async fn read_status_if_any(&self) -> Result<Option<PhoneStatus>, PhoneError> {
        let known = self.remembered().status_path;
        let spacfg = ConfigSource::SpaCfgXml.path();
        let order: &[&'static str] = match known {
            Some("/status.xml") => &["/status.xml"],
            Some(path) if path == spacfg => &[ConfigSource::SpaCfgXml.path()],
            Some(_) => &["/admin/status.xml"],
            None => &[
                "/admin/status.xml",
                "/status.xml",
                ConfigSource::SpaCfgXml.path(),
            ],
        };
        for path in order {
            let answer = self.client.get(path).await?;
            if answer.status == StatusCode::NOT_FOUND {
                continue;
            }
            // An SPA phone without a status page reports its status elements inside its
            // configuration dump, a <flat-profile>: that page is read as a configuration.
            let kind = if *path == spacfg {
                PageKind::Config
            } else {
                PageKind::Status
            };
            let document = self.xml(path, kind, &answer)?;
            self.remembered().status_path = Some(path);
            return Ok(Some(PhoneStatus::from_document(&document)));
        }
        Ok(None)
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

    /// The answer read whole as `page` ([`page::read_page`]).
    fn xml(&self, path: &str, page: PageKind, answer: &Answer) -> Result<Document, PhoneError> {
        if !answer.status.is_success() {
            return Err(PhoneError::Status {
                phone: self.address().key(),
                path: path.to_string(),
                status: answer.status.as_u16(),
            });
        }
        page::read_page(&self.address().key(), path, page, answer)
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
