//! The URL of an alternative: `[scheme://][server[:port]]/path`. No scheme means TFTP; no
//! server means the one DHCP names; `gds://` alone starts Webex activation onboarding.

use super::model::{RuleError, RuleUrl, Scheme, err};
use crate::profile::words::excerpt;

/// The URL in `chars[start..end]` (trailing spaces already cut off).
pub(super) fn parse_url(chars: &[char], start: usize, end: usize) -> Result<RuleUrl, RuleError> {
    let text: String = chars[start..end].iter().collect();
    if let Some(space) = chars[start..end].iter().position(|c| c.is_whitespace()) {
        return err(
            start + space,
            "a URL cannot contain spaces (options go in [ … ] before the URL)",
        );
    }
    let (scheme, i) = scheme(&text, start)?;
    if scheme == Some(Scheme::Gds) && i >= end {
        // `gds://` alone starts Webex activation-code onboarding.
        return Ok(RuleUrl {
            scheme,
            server: None,
            port: None,
            path: String::new(),
            text,
            position: start,
        });
    }
    let slash = (i..end).find(|&k| chars[k] == '/');
    let (server, port) = authority(chars, i, slash.unwrap_or(end), scheme)?;
    let Some(slash) = slash else {
        return err(
            end,
            "the path is missing: a rule's URL needs a path starting with '/' (e.g. /$PSN.xml)",
        );
    };
    Ok(RuleUrl {
        scheme,
        server,
        port,
        path: chars[slash..end].iter().collect(),
        text,
        position: start,
    })
}

/// The scheme written before `://` (if any) and the character index after `://` (or `start`).
fn scheme(text: &str, start: usize) -> Result<(Option<Scheme>, usize), RuleError> {
    let Some(sep) = text.find("://") else {
        return Ok((None, start));
    };
    let written = &text[..sep];
    let scheme = match written.to_ascii_lowercase().as_str() {
        "tftp" => Scheme::Tftp,
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        "gds" => Scheme::Gds,
        _ => {
            return err(
                start,
                format!(
                    "'{}' is not a scheme the phone fetches with: use tftp, http or https",
                    excerpt(written)
                ),
            );
        }
    };
    Ok((Some(scheme), start + written.chars().count() + 3))
}

/// Server and port from `chars[i..authority_end]` (`host`, `host:port`, `[v6]:port`); both
/// `None` when empty, which only TFTP (or no scheme) allows. A port written as a macro is
/// left to the phone.
fn authority(
    chars: &[char],
    i: usize,
    authority_end: usize,
    scheme: Option<Scheme>,
) -> Result<(Option<String>, Option<u16>), RuleError> {
    let authority: String = chars[i..authority_end].iter().collect();
    if authority.is_empty() {
        if scheme.is_some() && scheme != Some(Scheme::Tftp) {
            return err(i, "the server name is missing after ://");
        }
        return Ok((None, None));
    }
    let (host, port_text) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(close) => {
                let rest = &authority[close + 1..];
                (&authority[..=close], rest.strip_prefix(':'))
            }
            None => return err(i, "this '[' of an IPv6 address is never closed"),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority.as_str(), None),
        }
    };
    if host.is_empty() {
        return err(i, "the server name is missing before the port");
    }
    let mut port = None;
    if let Some(port_text) = port_text {
        let port_position = i + authority.chars().count() - port_text.chars().count();
        match port_text.parse::<u16>() {
            Ok(p) if p > 0 => port = Some(p),
            _ if port_text.contains('$') => {}
            _ => {
                return err(
                    port_position,
                    format!("'{}' is not a port number (1–65535)", excerpt(port_text)),
                );
            }
        }
    }
    Ok((Some(host.to_string()), port))
}
