//! Support captures: everything phoneprov read from one phone, as it came over the wire, in
//! one JSON file a technician can hand over and `phone-sim --replay` can serve. The format is
//! described in `docs/phone-sim.md` ("Support captures"); phone-sim reads it with its own
//! code. Every secret is masked with the one rule (`profile::mask`) before anything is kept.

use serde::{Deserialize, Serialize};

use super::Phone;
use super::client::{Exchange, Recording};
use super::reading::StatusPage;
use crate::identity::PhoneIdentity;
use crate::profile::mask::{mask_secrets, mask_xml_text};

/// The `format` field of every capture.
pub const FORMAT: &str = "phoneprov-capture";
/// The version of the format written here.
pub const FORMAT_VERSION: u32 = 1;

/// What the capture's `readme` field says.
pub const README: &str = "\
This is a phoneprov support capture of one phone. It holds every request phoneprov made to \
read the phone (method, path and query, HTTP status, answer headers, answer body exactly as \
received, time taken), who phoneprov took the phone to be (identity), phoneprov's version and \
any error phoneprov met while reading. Passwords, xpassword values and the profile server's \
credentials (--uid/--pwd/--key in rules) are replaced by ****; nothing else is changed. A body \
is in `body` when it is UTF-8 text, else in `body_base64`. `phone-sim --replay FILE` serves \
the phone from this file, so a developer can run phoneprov against it and turn it into a test \
(tests/fixtures/captures/).";

/// One request and its answer, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedExchange {
    pub method: String,
    /// Path and query as sent, `xpassword=` masked.
    pub path: String,
    /// `None`: no answer (see `error`).
    pub status: Option<u16>,
    /// The answer's headers, in order (`[name, value]`).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body when it is UTF-8 text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The body when it is not UTF-8 text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    /// How long the exchange took, in milliseconds.
    pub millis: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A support capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    pub format: String,
    pub format_version: u32,
    pub readme: String,
    /// `0.1.0 (commit …)`.
    pub phoneprov_version: String,
    /// RFC 3339, UTC.
    pub captured_at: String,
    /// The phone as addressed (`http://10.0.0.5:80`).
    pub phone: String,
    /// Who phoneprov took the phone to be (empty fields: unknown).
    pub identity: PhoneIdentity,
    /// What phoneprov said when reading the phone failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub exchanges: Vec<CapturedExchange>,
}

impl Capture {
    /// Reads `phone` the way phoneprov reads a phone (configuration dump, status page, and
    /// the web page's title) and records every exchange. A read that fails is captured too:
    /// that is when a capture is needed most.
    pub async fn take(phone: &Phone) -> Capture {
        let recording = Recording::new();
        phone.client.record_into(recording.clone());
        let read = phone.read_with_identity(StatusPage::Always).await;
        // The web page names the product (what discovery's fingerprint reads).
        let _ = phone.client.get("/").await;
        let (identity, error) = match read {
            Ok(reading) => (reading.identity, None),
            Err(error) => (PhoneIdentity::default(), Some(error.to_string())),
        };
        Capture::of(
            &phone.address().key(),
            identity,
            error.as_deref(),
            &recording.exchanges(),
        )
    }

    /// A capture of `exchanges` (masked here).
    pub fn of(
        phone: &str,
        identity: PhoneIdentity,
        error: Option<&str>,
        exchanges: &[Exchange],
    ) -> Capture {
        Capture {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            readme: README.to_string(),
            phoneprov_version: format!(
                "{} (commit {})",
                env!("CARGO_PKG_VERSION"),
                env!("PHONEPROV_COMMIT")
            ),
            captured_at: jiff::Timestamp::now().to_string(),
            phone: phone.to_string(),
            identity,
            error: error.map(mask_secrets),
            exchanges: exchanges.iter().map(masked).collect(),
        }
    }

    /// The capture as the JSON file holds it.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// A capture read back from its file.
    pub fn from_json(bytes: &[u8]) -> Result<Capture, String> {
        let capture: Capture =
            serde_json::from_slice(bytes).map_err(|e| format!("not a phoneprov capture: {e}"))?;
        if capture.format != FORMAT {
            return Err(format!(
                "not a phoneprov capture (format is \"{}\")",
                capture.format
            ));
        }
        Ok(capture)
    }

    /// A file name for this capture: `phoneprov-capture-HOST-PORT-YYYYMMDD-HHMMSS.json`.
    pub fn file_name(&self) -> String {
        let host: String = self
            .phone
            .split("://")
            .last()
            .unwrap_or(&self.phone)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let stamp: String = self
            .captured_at
            .chars()
            .take(19)
            .filter(|c| c.is_ascii_digit() || *c == 'T')
            .map(|c| if c == 'T' { '-' } else { c })
            .collect();
        format!("phoneprov-capture-{host}-{stamp}.json")
    }
}

/// One exchange with its secrets masked; the body's other bytes as they were.
fn masked(exchange: &Exchange) -> CapturedExchange {
    let (body, body_base64) = match std::str::from_utf8(&exchange.body) {
        Ok("") => (None, None),
        Ok(text) => (Some(mask_xml_text(text)), None),
        Err(_) => (None, Some(base64_of(&mask_bytes(&exchange.body)))),
    };
    CapturedExchange {
        method: exchange.method.clone(),
        path: mask_secrets(&exchange.path),
        status: exchange.status,
        headers: exchange
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), mask_secrets(value)))
            .collect(),
        body,
        body_base64,
        millis: u64::try_from(exchange.elapsed.as_millis()).unwrap_or(u64::MAX),
        error: exchange.error.as_deref().map(mask_secrets),
    }
}

/// A body that is not UTF-8 (an old phone's Latin-1 page): masked byte for byte, reading
/// each byte as one character, so the bytes around a secret stay what they were.
fn mask_bytes(bytes: &[u8]) -> Vec<u8> {
    let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
    mask_xml_text(&latin1)
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn exchange(path: &str, body: &[u8]) -> Exchange {
        Exchange {
            method: "GET".into(),
            path: path.into(),
            status: Some(200),
            headers: vec![("content-type".into(), "text/xml".into())],
            body: body.to_vec(),
            elapsed: Duration::from_millis(7),
            error: None,
        }
    }

    #[test]
    fn bodies_are_kept_byte_for_byte_but_for_secrets() {
        let cfg = "<flat-profile>\r\n<Admin_Password ua=\"na\">Adm1nPw</Admin_Password>\r\n\
                   <Profile_Rule ua=\"na\">[--uid S1teUser --pwd Pr0f]http://s/p.xml</Profile_Rule>\r\n\
                   <Station_Name ua=\"rw\">Lobby &amp; hall</Station_Name>\r\n</flat-profile>\r\n";
        let latin1 = b"<html><b>caf\xe9</b> [--pwd L4t1n]</html>".to_vec();
        let capture = Capture::of(
            "http://10.0.0.5:80",
            PhoneIdentity::default(),
            Some("wrong password for xpassword=Err0r"),
            &[
                exchange("/admin/cfg.xml?xuser=admin&xpassword=Xp4ss", cfg.as_bytes()),
                exchange("/", &latin1),
            ],
        );
        let json = capture.to_json().unwrap();
        let text = String::from_utf8_lossy(&json);
        for secret in ["Adm1nPw", "S1teUser", "Pr0f", "Xp4ss", "Err0r", "L4t1n"] {
            assert!(!text.contains(secret), "{secret} survived in {text}");
        }
        let back = Capture::from_json(&json).unwrap();
        assert_eq!(back, capture);
        let body = back.exchanges[0].body.as_deref().unwrap();
        assert_eq!(
            body,
            cfg.replace("Adm1nPw", "****")
                .replace("S1teUser", "****")
                .replace("Pr0f", "****")
        );
        assert_eq!(
            back.exchanges[0].path,
            "/admin/cfg.xml?xuser=admin&xpassword=****"
        );
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(back.exchanges[1].body_base64.as_deref().unwrap())
            .unwrap();
        assert_eq!(raw, b"<html><b>caf\xe9</b> [--pwd ****]</html>".to_vec());
        assert!(back.readme.contains("phone-sim --replay"));
        assert_eq!(back.exchanges[0].millis, 7);
    }

    #[test]
    fn other_json_is_not_a_capture() {
        assert!(Capture::from_json(b"{\"format\":\"x\"}").is_err());
        assert!(Capture::from_json(b"[]").is_err());
    }
}
