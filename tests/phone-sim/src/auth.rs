//! The phone's access control: `xuser`/`xpassword` in the request target, HTTP Digest (SPA).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};

use crate::fetch::md5_hex;

/// How the phone asks for the admin password on `/admin/…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// No password asked (SPA and MPP ≤ 11.x out of the box).
    #[default]
    None,
    /// `&xuser=admin&xpassword=PWD` appended to the request (MPP scripts).
    XPassword,
    /// HTTP Digest, realm = the product name (SPA web access).
    Digest,
}

impl std::str::FromStr for Auth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Auth::None),
            "xpassword" | "xuser" => Ok(Auth::XPassword),
            "digest" => Ok(Auth::Digest),
            other => Err(format!(
                "unknown auth '{other}': use none, xpassword or digest"
            )),
        }
    }
}

/// A request target split into path, query and the `xuser`/`xpassword` credentials.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    pub path: String,
    /// Raw (still percent-encoded) query without the credentials; empty when none.
    pub query: String,
    pub xuser: Option<String>,
    pub xpassword: Option<String>,
    /// The request-target exactly as sent (a Digest answer must name it in `uri`).
    pub request_uri: String,
}

/// Splits `/admin/config.xml&xuser=admin&xpassword=PWD`,
/// `/admin/resync?tftp://pc/f.xml&xuser=admin&xpassword=PWD` or `/admin/cfg.xml?xuser=…`.
pub fn split_target(raw: &str) -> Target {
    let mut rest = raw.to_string();
    let mut target = Target {
        request_uri: raw.to_string(),
        ..Target::default()
    };
    for key in ["xpassword", "xuser"] {
        for sep in ['&', '?'] {
            let needle = format!("{sep}{key}=");
            if let Some(start) = rest.rfind(&needle) {
                let value_start = start + needle.len();
                let end = rest[value_start..]
                    .find('&')
                    .map_or(rest.len(), |i| value_start + i);
                let value = percent_decode_str(&rest[value_start..end].replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned();
                // Keep a following `&…` attached to the query as `?…` when we removed the `?`.
                let tail = rest[end..].to_string();
                let tail = if sep == '?' {
                    tail.strip_prefix('&')
                        .map_or(tail.clone(), |t| format!("?{t}"))
                } else {
                    tail
                };
                rest = format!("{}{}", &rest[..start], tail);
                match key {
                    "xuser" => target.xuser = Some(value),
                    _ => target.xpassword = Some(value),
                }
                break;
            }
        }
    }
    match rest.split_once('?') {
        Some((path, query)) => {
            target.path = path.to_string();
            target.query = query.to_string();
        }
        None => target.path = rest,
    }
    target
}

/// `key="value", key2=value2` → map.
pub fn parse_auth_params(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').unwrap_or(r.len());
            value = r[..end].to_string();
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        rest = rest.trim_start().trim_start_matches(',').trim_start();
        out.insert(key, value);
    }
    out
}

/// Server side of HTTP Digest: issues nonces and checks answers.
#[derive(Debug, Default)]
pub struct DigestServer {
    nonces: Mutex<VecDeque<String>>,
}

impl DigestServer {
    pub fn challenge(&self, realm: &str) -> String {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let mut nonces = self.nonces.lock().unwrap_or_else(|e| e.into_inner());
        nonces.push_back(nonce.clone());
        if nonces.len() > 256 {
            nonces.pop_front();
        }
        format!("Digest realm=\"{realm}\", nonce=\"{nonce}\", qop=\"auth\", algorithm=MD5")
    }

    /// Whether `authorization` answers one of our nonces for `user`/`password`, for the
    /// request it came with (`method`, `request_uri`: RFC 7616 §3.4.6, the `uri` directive
    /// names the request-target).
    pub fn verify(
        &self,
        authorization: &str,
        method: &str,
        request_uri: &str,
        realm: &str,
        user: &str,
        password: &str,
    ) -> bool {
        let Some(rest) = authorization.trim_start().strip_prefix("Digest") else {
            return false;
        };
        let p = parse_auth_params(rest);
        let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
        let known = self
            .nonces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|n| n == get("nonce"));
        if !known || get("username") != user || get("realm") != realm || get("uri") != request_uri {
            return false;
        }
        let ha1 = md5_hex(&format!("{user}:{realm}:{password}"));
        let ha2 = md5_hex(&format!("{method}:{}", get("uri")));
        let expected = if get("qop").is_empty() {
            md5_hex(&format!("{ha1}:{}:{ha2}", get("nonce")))
        } else {
            md5_hex(&format!(
                "{ha1}:{}:{}:{}:{}:{ha2}",
                get("nonce"),
                get("nc"),
                get("cnonce"),
                get("qop")
            ))
        };
        expected == get("response")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_after_the_query_or_as_the_query() {
        let t = split_target("/admin/config.xml&xuser=admin&xpassword=p%20w");
        assert_eq!(t.path, "/admin/config.xml");
        assert_eq!(t.xuser.as_deref(), Some("admin"));
        assert_eq!(t.xpassword.as_deref(), Some("p w"));
        let t = split_target("/admin/resync?tftp://pc/f.xml&xuser=admin&xpassword=PWD");
        assert_eq!(
            (t.path.as_str(), t.query.as_str()),
            ("/admin/resync", "tftp://pc/f.xml")
        );
        assert_eq!(t.xpassword.as_deref(), Some("PWD"));
        let t = split_target("/admin/cfg.xml?xuser=admin&xpassword=x");
        assert_eq!((t.path.as_str(), t.query.as_str()), ("/admin/cfg.xml", ""));
        assert_eq!(t.xuser.as_deref(), Some("admin"));
        let t = split_target("/admin/resync?%5B--uid+u+--pwd+p%5Dhttp://srv/p.xml");
        assert_eq!(t.query, "%5B--uid+u+--pwd+p%5Dhttp://srv/p.xml");
        assert_eq!(t.xuser, None);
    }

    #[test]
    fn digest_round_trip() {
        let server = DigestServer::default();
        let challenge = server.challenge("SPA504G");
        let p = parse_auth_params(challenge.trim_start_matches("Digest"));
        let (nonce, cnonce) = (p["nonce"].clone(), "abc");
        let ha1 = md5_hex("admin:SPA504G:secret");
        let ha2 = md5_hex("GET:/admin/spacfg.xml");
        let response = md5_hex(&format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}"));
        let header = format!(
            "Digest username=\"admin\", realm=\"SPA504G\", nonce=\"{nonce}\", uri=\"/admin/spacfg.xml\", qop=auth, nc=00000001, cnonce=\"{cnonce}\", response=\"{response}\""
        );
        let uri = "/admin/spacfg.xml";
        assert!(server.verify(&header, "GET", uri, "SPA504G", "admin", "secret"));
        assert!(!server.verify(&header, "GET", uri, "SPA504G", "admin", "wrong"));
        // An answer computed for another request does not open this one.
        assert!(!server.verify(
            &header,
            "GET",
            "/admin/reboot",
            "SPA504G",
            "admin",
            "secret"
        ));
        assert!(!server.verify(&header, "POST", uri, "SPA504G", "admin", "secret"));
    }
}
