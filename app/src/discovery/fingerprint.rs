//! The HTTP fingerprint: a few unauthenticated GETs (status dump, config dump, page title)
//! that tell a Cisco phone's model, MAC, serial and firmware, or that it wants a password.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::StatusCode;

use crate::identity::{PhoneIdentity, looks_like_cisco_model};
use crate::net::body::read_capped;
use crate::profile::xml::read_document_bytes;

use super::evidence::Evidence;
use super::oui;
use super::phone::{Access, Observation, Source, WebEndpoint, WebScheme};

/// Status dumps are a few kilobytes; anything much larger is not one.
const STATUS_LIMIT: usize = 256 * 1024;
/// A full `cfg.xml` holds ~900 parameters (~100 KB).
const CONFIG_LIMIT: usize = 2 * 1024 * 1024;
/// Enough for the `<head>` of any web page.
const PAGE_LIMIT: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FingerprintError {
    #[error("could not set up the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("{url} did not answer as a web server: {reason}")]
    NoAnswer { url: String, reason: String },
}

/// What the fingerprint learned about one web server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub web: WebEndpoint,
    pub identity: PhoneIdentity,
    pub access: Access,
    /// Empty when nothing pointed at a Cisco phone.
    pub evidence: BTreeSet<Evidence>,
}

impl Fingerprint {
    /// True when something in the answers pointed at a Cisco phone or ATA.
    pub fn looks_cisco(&self) -> bool {
        !self.evidence.is_empty()
    }

    pub fn into_observation(self, source: Source, address: IpAddr) -> Observation {
        let mut observation = Observation::new(source, address);
        observation.web = Some(self.web);
        observation.identity = self.identity;
        observation.access = Some(self.access);
        observation.evidence = self.evidence;
        observation
    }
}

/// One HTTP client for a whole scan, reused for every host.
#[derive(Debug, Clone)]
pub struct Fingerprinter {
    client: reqwest::Client,
}

/// One answer, reduced to what the fingerprint looks at.
struct Answer {
    status: StatusCode,
    /// `Server` and `WWW-Authenticate` headers, for Cisco words in a login challenge.
    banner: String,
    /// `None` when the body was larger than the limit or broke off.
    body: Option<Vec<u8>>,
}

impl Fingerprinter {
    /// `timeout` bounds each request (connect included).
    pub fn new(timeout: Duration) -> Result<Self, FingerprintError> {
        let client = crate::net::client_builder()
            // Phones use self-signed certificates. Certificate checks are off ONLY for this
            // fingerprint client, which sends no credentials or other secrets (plain GETs of
            // public-facing pages); the authenticated phone client does its own
            // trust-on-first-use checks.
            .danger_accept_invalid_certs(true)
            .connect_timeout(timeout)
            .timeout(timeout)
            // A LAN host is never reached through a proxy from the environment.
            .no_proxy()
            .redirect(same_host_redirects())
            .pool_max_idle_per_host(1)
            .build()
            .map_err(FingerprintError::Client)?;
        Ok(Fingerprinter { client })
    }

    /// Fingerprints the web server on `address:port`, trying the scheme the port suggests
    /// first (443/8443 → HTTPS) and the other one if that gets an answer that is not HTTP
    /// (not after a timeout).
    pub async fn probe_port(
        &self,
        address: IpAddr,
        port: u16,
    ) -> Result<Fingerprint, FingerprintError> {
        let schemes = if matches!(port, 443 | 8443) {
            [WebScheme::Https, WebScheme::Http]
        } else {
            [WebScheme::Http, WebScheme::Https]
        };
        match self
            .probe(
                address,
                WebEndpoint {
                    scheme: schemes[0],
                    port,
                },
            )
            .await
        {
            Ok(fingerprint) => Ok(fingerprint),
            // A server that took the whole timeout to say nothing would only do it again.
            Err(FingerprintError::NoAnswer { reason, .. }) if reason != TIMED_OUT => {
                self.probe(
                    address,
                    WebEndpoint {
                        scheme: schemes[1],
                        port,
                    },
                )
                .await
            }
            Err(other) => Err(other),
        }
    }

    /// Fingerprints one web endpoint: `/admin/status.xml`, `/status.xml`, `/` (title) and,
    /// when the MAC is still unknown and the phone is open, `/admin/cfg.xml`.
    pub async fn probe(
        &self,
        address: IpAddr,
        web: WebEndpoint,
    ) -> Result<Fingerprint, FingerprintError> {
        let base = web.url(address);
        let mut fingerprint = Fingerprint {
            web,
            identity: PhoneIdentity::default(),
            access: Access::Unknown,
            evidence: BTreeSet::new(),
        };
        // The first request decides whether there is a web server at all.
        let first = self
            .get(&base, "/admin/status.xml", STATUS_LIMIT)
            .await
            .map_err(|error| FingerprintError::NoAnswer {
                url: base.clone(),
                reason: describe(&error),
            })?;
        fingerprint.read_dump(&first, true);
        let complete = |f: &Fingerprint| {
            f.identity.mac.is_some() && f.identity.model.is_some() && f.identity.firmware.is_some()
        };
        if !complete(&fingerprint)
            && let Ok(answer) = self.get(&base, "/status.xml", STATUS_LIMIT).await
        {
            fingerprint.read_dump(&answer, false);
        }
        if fingerprint.identity.model.is_none()
            && let Ok(answer) = self.get(&base, "/", PAGE_LIMIT).await
        {
            fingerprint.read_page(&answer);
        }
        if !complete(&fingerprint)
            && fingerprint.access != Access::NeedsCredentials
            && fingerprint.looks_cisco()
            && let Ok(answer) = self.get(&base, "/admin/cfg.xml", CONFIG_LIMIT).await
        {
            fingerprint.read_dump(&answer, true);
        }
        Ok(fingerprint)
    }

    async fn get(&self, base: &str, path: &str, limit: usize) -> Result<Answer, reqwest::Error> {
        let response = self.client.get(format!("{base}{path}")).send().await?;
        let status = response.status();
        let banner = ["server", "www-authenticate"]
            .iter()
            .filter_map(|name| response.headers().get(*name))
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
            .join(" ");
        let body = read_capped(response, limit).await.ok();
        Ok(Answer {
            status,
            banner,
            body,
        })
    }
}

/// Follows up to 3 redirects on the host being probed, never to another one: a LAN device
/// must not steer the sweep to hosts the technician did not name (an answer that redirects
/// elsewhere is read as it is).
fn same_host_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let probed = attempt.previous().first().and_then(|url| url.host_str());
        if attempt.previous().len() > 3 || attempt.url().host_str() != probed {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

impl Fingerprint {
    /// A status or config dump: identity elements, or a login challenge.
    fn read_dump(&mut self, answer: &Answer, admin_page: bool) {
        if is_denied(answer.status) {
            self.read_denied(answer, admin_page);
            return;
        }
        if !answer.status.is_success() {
            return;
        }
        let Some(document) = answer
            .body
            .as_deref()
            .and_then(|body| read_document_bytes(body).ok())
        else {
            return;
        };
        let identity = document.identity();
        if identity.model.is_none() && identity.mac.is_none() {
            return;
        }
        let cisco_model = identity
            .model
            .as_deref()
            .is_some_and(looks_like_cisco_model);
        let cisco_mac = identity.mac.is_some_and(|mac| oui::is_cisco(&mac));
        if cisco_model || cisco_mac {
            self.evidence.insert(Evidence::StatusDump);
            if cisco_mac {
                self.evidence.insert(Evidence::CiscoOui);
            }
        }
        self.identity.merge_missing(&identity);
        if self.access == Access::Unknown {
            self.access = Access::Open;
        }
    }

    /// A web page: its title may name the product; a login challenge counts as well.
    fn read_page(&mut self, answer: &Answer) {
        if is_denied(answer.status) {
            self.read_denied(answer, false);
            return;
        }
        let Some(body) = answer.body.as_deref() else {
            return;
        };
        if let Some(from_title) = PhoneIdentity::from_html_title(&String::from_utf8_lossy(body)) {
            self.evidence.insert(Evidence::PageTitle);
            self.identity.merge_missing(&from_title);
        }
    }

    /// A 401/403: the phone is there but wants its password. Whether it is a Cisco phone is
    /// read from the challenge (realm, server name) and the error page.
    fn read_denied(&mut self, answer: &Answer, admin_page: bool) {
        if admin_page {
            self.access = Access::NeedsCredentials;
        }
        let page = answer
            .body
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        if let Some(from_title) = PhoneIdentity::from_html_title(&page) {
            self.evidence.insert(Evidence::PageTitle);
            self.identity.merge_missing(&from_title);
        }
        if mentions_cisco(&answer.banner) || mentions_cisco(&page) {
            self.evidence.insert(Evidence::CiscoAuthChallenge);
        }
    }
}

fn is_denied(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN
}

/// Words Cisco phones and SPA devices put in their login prompts, server names and pages.
pub(crate) fn mentions_cisco(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["cisco", "linksys", "sipura", "3pcc", "mpp"]
        .iter()
        .any(|word| lower.contains(word))
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .any(looks_like_cisco_model)
}

const TIMED_OUT: &str = "timed out";

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        TIMED_OUT.into()
    } else if error.is_connect() {
        "connection failed".into()
    } else {
        "not an HTTP answer".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loopback servers only: 127.0.0.1 redirects, 127.0.0.2 counts what reaches it.
    #[tokio::test]
    async fn redirects_to_another_host_are_not_followed() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let elsewhere = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
        let elsewhere_addr = elsewhere.local_addr().unwrap();
        let reached = Arc::new(AtomicUsize::new(0));
        let counter = reached.clone();
        let other = axum::Router::new().fallback(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { "<flat-status><Product_Name>CP-8861-3PCC</Product_Name></flat-status>" }
        });
        tokio::spawn(async move { axum::serve(elsewhere, other).await });
        let probed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = probed.local_addr().unwrap().port();
        let target = format!("http://{elsewhere_addr}/status.xml");
        let redirecting = axum::Router::new().fallback(move || {
            let target = target.clone();
            async move { axum::response::Redirect::temporary(&target) }
        });
        tokio::spawn(async move { axum::serve(probed, redirecting).await });

        let fingerprinter = Fingerprinter::new(Duration::from_secs(5)).unwrap();
        let fingerprint = fingerprinter
            .probe(
                "127.0.0.1".parse().unwrap(),
                WebEndpoint {
                    scheme: WebScheme::Http,
                    port,
                },
            )
            .await
            .unwrap();
        assert_eq!(reached.load(Ordering::SeqCst), 0, "the sweep left the host");
        assert_eq!(fingerprint.identity.model, None);
    }

    #[test]
    fn cisco_words_in_challenges() {
        assert!(mentions_cisco("Digest realm=\"Cisco SPA Configuration\""));
        assert!(mentions_cisco("Basic realm=\"CP-8861-3PCC\""));
        assert!(mentions_cisco("Server: lighttpd MPP"));
        assert!(!mentions_cisco("Basic realm=\"Printer\" Server: nginx"));
        assert!(!mentions_cisco(""));
    }
}
