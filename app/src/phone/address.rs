//! Where a phone is: `host`, `host:port` or `http(s)://host[:port]` as a technician types it.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// A phone's web server address: the one type for the client, the engine, the CLI and the
/// app's phone list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "StoredAddress")]
pub struct PhoneAddress {
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{input}\" is not a phone address: {reason} (write host, host:port or http(s)://host[:port])"
)]
pub struct AddressError {
    pub input: String,
    pub reason: String,
}

impl FromStr for PhoneAddress {
    type Err = AddressError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |reason: &str| AddressError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let text = input.trim();
        if text.is_empty() {
            return Err(error(
                "nothing was typed; e.g. 192.168.1.20 or 192.168.1.20:8080",
            ));
        }
        let lower = text.to_ascii_lowercase();
        let with_scheme = if lower.starts_with("http://") || lower.starts_with("https://") {
            text.to_string()
        } else if lower.contains("://") {
            return Err(error("only http and https are supported"));
        } else if text.parse::<std::net::Ipv6Addr>().is_ok() {
            format!("http://[{text}]")
        } else {
            format!("http://{text}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|e| error(&e.to_string()))?;
        let scheme = match url.scheme() {
            "https" => Scheme::Https,
            _ => Scheme::Http,
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => return Err(error("there is no host")),
        };
        if !matches!(url.path(), "" | "/") || url.query().is_some() {
            return Err(error(
                "it has a path; give only the phone's address, e.g. http://192.168.1.20",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(error(
                "put credentials in --user/--password, not in the address",
            ));
        }
        let port = url.port().unwrap_or(scheme.default_port());
        Ok(PhoneAddress { scheme, host, port })
    }
}

/// How an address is read from a file: as written now, or as the app's state files of
/// earlier versions wrote it (`https: bool`).
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredAddress {
    Current {
        scheme: Scheme,
        host: String,
        port: u16,
    },
    HttpsFlag {
        https: bool,
        host: String,
        port: u16,
    },
}

impl From<StoredAddress> for PhoneAddress {
    fn from(stored: StoredAddress) -> Self {
        match stored {
            StoredAddress::Current { scheme, host, port } => PhoneAddress { scheme, host, port },
            StoredAddress::HttpsFlag { https, host, port } => PhoneAddress {
                scheme: if https { Scheme::Https } else { Scheme::Http },
                host,
                port,
            },
        }
    }
}

impl PhoneAddress {
    /// Parses what a technician types (see [`FromStr`]).
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        text.parse()
    }

    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::Https
    }

    /// As a technician would write it: `10.0.0.5`, `10.0.0.5:8080`, `https://phone.lan`
    /// (the scheme only when it is not http, the port only when it is not the default).
    pub fn short(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let mut text = match self.scheme {
            Scheme::Http => host,
            Scheme::Https => format!("https://{host}"),
        };
        if self.port != self.scheme.default_port() {
            text.push_str(&format!(":{}", self.port));
        }
        text
    }

    pub fn new(scheme: Scheme, host: impl Into<String>, port: u16) -> Self {
        PhoneAddress {
            scheme,
            host: host.into(),
            port,
        }
    }

    /// An address from a socket address (what tests and discovery have).
    pub fn from_socket(scheme: Scheme, socket: SocketAddr) -> Self {
        PhoneAddress::new(scheme, socket.ip().to_string(), socket.port())
    }

    /// `http://host:port` (brackets around IPv6), no trailing slash.
    pub fn base_url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{}://{}:{}", self.scheme.as_str(), host, self.port)
    }

    /// `host:port`, the key under which certificates and history are remembered.
    pub fn key(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The phone's IP address (resolving a host name when needed).
    pub async fn resolve_ip(&self) -> std::io::Result<IpAddr> {
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            return Ok(ip);
        }
        tokio::net::lookup_host((self.host.as_str(), self.port))
            .await?
            .next()
            .map(|socket| socket.ip())
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{} does not resolve to an address", self.host),
                )
            })
    }
}

impl fmt::Display for PhoneAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_spelling() {
        let cases = [
            ("10.0.0.7", "http://10.0.0.7:80"),
            ("10.0.0.7:8080", "http://10.0.0.7:8080"),
            ("http://10.0.0.7", "http://10.0.0.7:80"),
            ("https://10.0.0.7", "https://10.0.0.7:443"),
            ("HTTPS://phone.lan:8443/", "https://phone.lan:8443"),
            ("::1", "http://[::1]:80"),
            ("[::1]:81", "http://[::1]:81"),
        ];
        for (input, expected) in cases {
            let address: PhoneAddress = input.parse().unwrap();
            assert_eq!(address.base_url(), expected, "{input}");
        }
    }

    #[test]
    fn short_form_leaves_out_what_is_default() {
        let cases = [
            ("10.0.0.5", "10.0.0.5"),
            ("10.0.0.5:8080", "10.0.0.5:8080"),
            ("https://phone.lan", "https://phone.lan"),
            ("https://phone.lan:8443", "https://phone.lan:8443"),
            ("[fe80::1]:81", "[fe80::1]:81"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                PhoneAddress::parse(input).unwrap().short(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn reads_both_stored_forms() {
        let current: PhoneAddress =
            serde_json::from_str(r#"{"scheme":"https","host":"10.0.0.5","port":443}"#).unwrap();
        let earlier: PhoneAddress =
            serde_json::from_str(r#"{"https":true,"host":"10.0.0.5","port":443}"#).unwrap();
        assert_eq!(current, earlier);
        let written = serde_json::to_string(&current).unwrap();
        assert_eq!(
            serde_json::from_str::<PhoneAddress>(&written).unwrap(),
            current
        );
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for input in [
            "",
            "ftp://x",
            "http://10.0.0.7/admin",
            "http://admin:pw@10.0.0.7",
            "10.0.0.7:99999",
        ] {
            assert!(input.parse::<PhoneAddress>().is_err(), "{input}");
        }
    }
}
