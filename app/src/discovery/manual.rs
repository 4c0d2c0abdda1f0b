//! "Add by address": what the technician may type.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use super::phone::WebScheme;

/// An address typed by the technician, optionally with a port or a scheme:
/// `10.0.0.5`, `10.0.0.5:8080`, `[fd00::5]:80`, `https://10.0.0.5`, `http://10.0.0.5:8080/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ManualTarget {
    pub address: IpAddr,
    pub port: Option<u16>,
    pub scheme: Option<WebScheme>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not an address phoneprov can reach: give the phone's IP address, \
     e.g. 192.168.1.20, 192.168.1.20:8080 or https://192.168.1.20"
)]
pub struct ManualTargetError(pub String);

impl FromStr for ManualTarget {
    type Err = ManualTargetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ManualTargetError(text.to_string());
        let trimmed = text.trim();
        let (scheme, rest) = if let Some(rest) = trimmed.strip_prefix("http://") {
            (Some(WebScheme::Http), rest)
        } else if let Some(rest) = trimmed.strip_prefix("https://") {
            (Some(WebScheme::Https), rest)
        } else {
            (None, trimmed)
        };
        let host_port = rest.split('/').next().unwrap_or_default();
        let (address, port) = if let Ok(address) = host_port.parse::<IpAddr>() {
            (address, None)
        } else if let Ok(socket) = host_port.parse::<SocketAddr>() {
            (socket.ip(), Some(socket.port()))
        } else if let Some(inner) = host_port
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
        {
            (inner.parse().map_err(|_| error())?, None)
        } else {
            return Err(error());
        };
        if address.is_unspecified() || address.is_multicast() || port == Some(0) {
            return Err(error());
        }
        let port = port.or(match scheme {
            Some(WebScheme::Http) => Some(80),
            Some(WebScheme::Https) => Some(443),
            None => None,
        });
        Ok(ManualTarget {
            address,
            port,
            scheme,
        })
    }
}

impl fmt::Display for ManualTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}", SocketAddr::new(self.address, port)),
            None => write!(f, "{}", self.address),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spellings_a_technician_types() {
        let t: ManualTarget = "192.168.1.20".parse().unwrap();
        assert_eq!(
            (t.address.to_string(), t.port, t.scheme),
            ("192.168.1.20".into(), None, None)
        );
        let t: ManualTarget = " 192.168.1.20:8080 ".parse().unwrap();
        assert_eq!(t.port, Some(8080));
        let t: ManualTarget = "https://192.168.1.20/admin/".parse().unwrap();
        assert_eq!((t.port, t.scheme), (Some(443), Some(WebScheme::Https)));
        let t: ManualTarget = "http://192.168.1.20:8080".parse().unwrap();
        assert_eq!((t.port, t.scheme), (Some(8080), Some(WebScheme::Http)));
        let t: ManualTarget = "[fd00::5]:80".parse().unwrap();
        assert_eq!(t.port, Some(80));
    }

    #[test]
    fn what_is_not_an_address_is_refused_in_words() {
        for bad in [
            "",
            "phone.local",
            "192.168.1",
            "0.0.0.0",
            "224.0.0.251",
            "10.0.0.1:0",
        ] {
            let error = bad.parse::<ManualTarget>().unwrap_err();
            assert!(error.to_string().contains("IP address"), "{bad}");
        }
    }
}
