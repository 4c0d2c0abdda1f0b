//! A phone's address as the technician types it: `host`, `host:port` or `http(s)://host[:port]`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a phone's web server answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PhoneAddress {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneAddressError {
    #[error("Type the phone's address, e.g. 192.168.1.20 or 192.168.1.20:8080")]
    Empty,
    #[error("\"{0}\" is not an address: use host, host:port or http(s)://host[:port]")]
    Invalid(String),
    #[error("\"{0}\" has a path; give only the phone's address, e.g. http://192.168.1.20")]
    HasPath(String),
    #[error("Only http:// and https:// are phone web servers (\"{0}\")")]
    Scheme(String),
}

impl PhoneAddress {
    pub fn parse(text: &str) -> Result<Self, PhoneAddressError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(PhoneAddressError::Empty);
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            format!("http://{trimmed}")
        };
        let url = url::Url::parse(&with_scheme)
            .map_err(|_| PhoneAddressError::Invalid(trimmed.to_string()))?;
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => return Err(PhoneAddressError::Scheme(other.to_string())),
        };
        let host = match url.host() {
            Some(url::Host::Domain(name)) if !name.is_empty() => name.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(PhoneAddressError::Invalid(trimmed.to_string())),
        };
        if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
            return Err(PhoneAddressError::HasPath(trimmed.to_string()));
        }
        let port = url.port().unwrap_or(if https { 443 } else { 80 });
        Ok(PhoneAddress { https, host, port })
    }

    /// The base URL of the phone's web server, e.g. `http://192.168.1.20`.
    pub fn base_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default_port = if self.https { 443 } else { 80 };
        if self.port == default_port {
            format!("{scheme}://{host}")
        } else {
            format!("{scheme}://{host}:{}", self.port)
        }
    }
}

impl fmt::Display for PhoneAddress {
    /// Short form for lists: `192.168.1.20`, `192.168.1.20:8080`, `https://192.168.1.20`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.base_url();
        let short = if self.https {
            url.as_str()
        } else {
            url.trim_start_matches("http://")
        };
        f.write_str(short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_documented_spelling() {
        let plain = PhoneAddress::parse("192.168.1.20").unwrap();
        assert_eq!(
            (plain.https, plain.host.as_str(), plain.port),
            (false, "192.168.1.20", 80)
        );
        let port = PhoneAddress::parse(" 10.0.0.5:8080 ").unwrap();
        assert_eq!(port.port, 8080);
        assert_eq!(port.to_string(), "10.0.0.5:8080");
        let https = PhoneAddress::parse("https://phone.lan").unwrap();
        assert!(https.https);
        assert_eq!(https.port, 443);
        assert_eq!(https.to_string(), "https://phone.lan");
        let v6 = PhoneAddress::parse("http://[fe80::1]:81").unwrap();
        assert_eq!(v6.base_url(), "http://[fe80::1]:81");
    }

    #[test]
    fn refuses_what_is_not_a_phone_address_with_words() {
        assert_eq!(PhoneAddress::parse("  "), Err(PhoneAddressError::Empty));
        assert!(matches!(
            PhoneAddress::parse("http://10.0.0.5/admin/cfg.xml"),
            Err(PhoneAddressError::HasPath(_))
        ));
        assert!(matches!(
            PhoneAddress::parse("tftp://10.0.0.5"),
            Err(PhoneAddressError::Scheme(_))
        ));
        assert!(matches!(
            PhoneAddress::parse("10.0.0.5:99999"),
            Err(PhoneAddressError::Invalid(_))
        ));
        assert!(PhoneAddress::parse("not an address").is_err());
    }
}
