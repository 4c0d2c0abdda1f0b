//! Replaying a phoneprov support capture: the pages a real phone answered, served byte for
//! byte, with the values changed since (by POST or resync) written into the captured
//! configuration dump in place, keeping its element order, attributes and formatting. The
//! capture format is read here with phone-sim's own code (described in docs/phone-sim.md,
//! "Support captures"); phone-sim does not use phoneprov's.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use quick_xml::Reader;
use quick_xml::escape::escape;
use quick_xml::events::Event;
use serde::Deserialize;

use crate::auth::split_target;
use crate::params::Config;
use crate::xml::read_profile;

/// The format name a capture carries.
const FORMAT: &str = "phoneprov-capture";
/// The longest captured answer time replayed (a capture taken over a slow link must not make
/// every replayed request slow beyond what a client waits).
const LONGEST_DELAY: Duration = Duration::from_secs(5);

/// A capture's top level, as far as replaying needs it.
#[derive(Debug, Deserialize)]
struct CaptureFile {
    format: String,
    #[serde(default)]
    identity: CapturedIdentity,
    #[serde(default)]
    reboot_seconds: Option<f64>,
    exchanges: Vec<CapturedExchange>,
}

#[derive(Debug, Default, Deserialize)]
struct CapturedIdentity {
    model: Option<String>,
    mac: Option<String>,
    serial: Option<String>,
    firmware: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CapturedExchange {
    method: String,
    path: String,
    status: Option<u16>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
    #[serde(default)]
    millis: u64,
}

/// One captured answer.
#[derive(Debug, Clone)]
pub struct Page {
    /// Path without the query.
    pub path: String,
    /// Query without `xuser`/`xpassword`.
    pub query: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

/// A captured phone.
#[derive(Debug, Clone)]
pub struct Replay {
    pub pages: Vec<Page>,
    /// Which page is the configuration dump (`/admin/cfg.xml` or `/admin/spacfg.xml`).
    pub config_path: Option<String>,
    /// The dump's parameters in file order (the last of duplicates wins on a phone).
    pub values: Vec<(String, String)>,
    /// Every element name of the dump: the parameters this phone knows.
    pub known: HashSet<String>,
    pub model: Option<String>,
    pub mac: Option<String>,
    pub serial: Option<String>,
    /// The plain firmware version (`12.0.1`, `7.5.5`, `1.4.1(002)`).
    pub firmware: Option<String>,
    pub reboot_seconds: Option<f64>,
}

impl Replay {
    pub fn load(path: &Path) -> Result<Replay, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Replay::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(bytes: &[u8]) -> Result<Replay, String> {
        let file: CaptureFile =
            serde_json::from_slice(bytes).map_err(|e| format!("not a phoneprov capture: {e}"))?;
        if file.format != FORMAT {
            return Err(format!(
                "not a phoneprov capture (format \"{}\")",
                file.format
            ));
        }
        let mut pages: Vec<Page> = Vec::new();
        for exchange in file.exchanges {
            let Some(status) = exchange.status else {
                continue;
            };
            if !exchange.method.eq_ignore_ascii_case("GET") {
                continue;
            }
            let body = match (exchange.body, exchange.body_base64) {
                (Some(text), _) => text.into_bytes(),
                (None, Some(encoded)) => {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD
                        .decode(encoded.trim())
                        .map_err(|e| format!("{}: body_base64: {e}", exchange.path))?
                }
                (None, None) => Vec::new(),
            };
            let target = split_target(&exchange.path);
            let page = Page {
                path: target.path,
                query: target.query,
                status,
                content_type: exchange
                    .headers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                    .map(|(_, value)| value.clone()),
                body,
                delay: Duration::from_millis(exchange.millis).min(LONGEST_DELAY),
            };
            // A refusal (a login challenge) is how the exchange began, not the page.
            let refusal = matches!(status, 401 | 407 | 300..=399);
            match pages
                .iter_mut()
                .find(|p| p.path == page.path && p.query == page.query)
            {
                Some(existing) if !refusal => *existing = page,
                Some(_) => {}
                None => pages.push(page),
            }
        }
        let config_page = ["/admin/cfg.xml", "/admin/spacfg.xml"]
            .into_iter()
            .find_map(|path| pages.iter().find(|p| p.path == path && p.status == 200));
        let (config_path, values) = match config_page {
            Some(page) => {
                let text = String::from_utf8_lossy(&page.body);
                let values = read_profile(&text)
                    .map_err(|e| format!("the captured {} cannot be read: {e}", page.path))?;
                (
                    Some(page.path.clone()),
                    values.into_iter().map(|v| (v.name, v.value)).collect(),
                )
            }
            None => (None, Vec::new()),
        };
        let known = values.iter().map(|(n, _)| n.clone()).collect();
        let dump = |name: &str| {
            pages
                .iter()
                .filter(|p| p.status == 200)
                .filter_map(|p| read_profile(&String::from_utf8_lossy(&p.body)).ok())
                .flatten()
                .find(|v| v.name == name && !v.value.is_empty())
                .map(|v| v.value)
        };
        let identity = file.identity;
        let model = identity.model.or_else(|| dump("Product_Name"));
        let mac = identity.mac.or_else(|| dump("MAC_Address"));
        let serial = identity.serial.or_else(|| dump("Serial_Number"));
        let firmware = identity
            .firmware
            .or_else(|| dump("Software_Version"))
            .map(|v| plain_version(&v));
        Ok(Replay {
            pages,
            config_path,
            values,
            known,
            model,
            mac,
            serial,
            firmware,
            reboot_seconds: file.reboot_seconds,
        })
    }

    /// The captured answer to `GET path?query`.
    pub fn page(&self, path: &str, query: &str) -> Option<&Page> {
        self.pages
            .iter()
            .find(|p| p.path == path && p.query == query)
    }

    /// Whether the captured phone has this parameter (a phone ignores names it lacks).
    pub fn knows(&self, name: &str) -> bool {
        self.config_path.is_none() || self.known.contains(name)
    }

    /// The values to start from: the captured ones, except hidden or masked secrets.
    pub fn start_values(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .filter(|(name, value)| !(is_hidden(name, value)))
            .cloned()
            .collect()
    }
}

impl Replay {
    /// `config` with what the capture says of the phone: model (a model phone-sim lacks is
    /// served as the nearest of its family), MAC, serial, firmware, reboot time.
    pub fn phone_config(&self, mut config: crate::PhoneConfig) -> crate::PhoneConfig {
        if let Some(model) = &self.model {
            config.model = match crate::Model::find(model) {
                Ok(known) => known.name.to_string(),
                Err(_) if model.to_ascii_uppercase().starts_with("SPA") => "SPA504G".into(),
                Err(_) => "CP-8861-3PCC".into(),
            };
        }
        if let Some(mac) = &self.mac {
            config.mac = Some(mac.clone());
        }
        if let Some(serial) = &self.serial {
            config.serial = Some(serial.clone());
        }
        if let Some(firmware) = &self.firmware {
            config.firmware = Some(firmware.clone());
        }
        if let Some(seconds) = self.reboot_seconds {
            config.reboot_secs = seconds;
        }
        config
    }
}

/// `sip88xx.12-0-1MPP-1` → `12.0.1`; `12.0.1`, `7.5.5`, `1.4.1(002)` stay as they are.
fn plain_version(version: &str) -> String {
    let version = version.trim();
    match version.strip_prefix("sip").and_then(|v| v.split_once('.')) {
        Some((_, rest)) => rest.split("MPP").next().unwrap_or(rest).replace('-', "."),
        None => version.to_string(),
    }
}

/// A password the dump hid (empty) or the capture masked (`****`): not a value to start from
/// and not one to write back into the dump.
fn is_hidden(name: &str, value: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let secret = ["passwd", "password", "secret", "_pwd"]
        .iter()
        .any(|w| lower.contains(w))
        || matches!(name, "GPP_SA" | "GPP_SB" | "GPP_SC" | "GPP_SD");
    (secret && (value.is_empty() || value.contains("****"))) || value == "****"
}

/// The captured dump with the values that changed since written in place: only the text of
/// those elements changes (an empty `<X/>` becomes `<X>v</X>`); declarations, comments,
/// attributes, namespaces, stray text and line ends stay as captured. Hidden passwords stay
/// hidden.
pub fn patch_dump(captured: &[u8], config: &Config) -> Vec<u8> {
    let text = String::from_utf8_lossy(captured);
    let text = text.as_ref();
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut out = String::with_capacity(text.len() + 256);
    let mut copied = 0;
    // The open element: (name, start of its text, saw a child).
    let mut open: Vec<(String, usize, bool)> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let Ok(event) = reader.read_event() else {
            break;
        };
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(e) => {
                if let Some(parent) = open.last_mut() {
                    parent.2 = true;
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                open.push((name, after, false));
            }
            Event::End(_) => {
                let Some((name, text_start, had_child)) = open.pop() else {
                    continue;
                };
                if had_child || open.is_empty() {
                    continue;
                }
                let inner = &text[text_start..before];
                let captured = unescaped(inner);
                if let Some(now) = changed(config, &name, &captured) {
                    // Keep the whitespace around the value as captured.
                    let lead = inner.len() - inner.trim_start().len();
                    let trail = inner.len() - inner.trim_end().len();
                    let value_start = text_start + lead;
                    let value_end = (before - trail).max(value_start);
                    out.push_str(&text[copied..value_start]);
                    out.push_str(&escape(now));
                    copied = value_end;
                }
            }
            Event::Empty(e) => {
                if let Some(parent) = open.last_mut() {
                    parent.2 = true;
                }
                if open.is_empty() {
                    continue;
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if let Some(now) = changed(config, &name, "") {
                    let element = &text[before..after];
                    let head = element.trim_end_matches('>').trim_end_matches('/');
                    let qualified = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    out.push_str(&text[copied..before]);
                    out.push_str(&format!("{head}>{}</{qualified}>", escape(now)));
                    copied = after;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out.push_str(&text[copied..]);
    out.into_bytes()
}

/// The value the phone holds now, when it differs from what the dump shows.
fn changed<'c>(config: &'c Config, name: &str, shown: &str) -> Option<&'c str> {
    let now = config.get(name)?;
    if is_hidden(name, shown) || is_hidden(name, now) || shown.trim() == now {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    // A password the phone now holds is still not shown.
    if ["passwd", "password", "secret", "_pwd"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return None;
    }
    Some(now)
}

fn unescaped(raw: &str) -> String {
    quick_xml::escape::unescape(raw)
        .map(|t| t.into_owned())
        .unwrap_or_else(|_| raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(values: &[(&str, &str)]) -> Config {
        let mut config = Config::default();
        for (name, value) in values {
            config.set_or_add(name, value);
        }
        config
    }

    #[test]
    fn changed_values_are_written_into_the_dump_as_it_was() {
        let captured = "<?xml version=\"1.0\" standalone=\"yes\"?>\r\n\
            <flat-profile xmlns=\"http://www.sipura.net/xsd/SPA50x-30x-SIP\">\r\n\
            \x20 <Resync_Periodic group=\"Provisioning/Configuration_Profile\">3600</Resync_Periodic> <!-- hourly -->\r\n\
            \x20 <GPP_A group=\"Provisioning/General_Purpose_Parameters\"/>\r\n\
            \x20 <GPP_B ua=\"na\"></GPP_B>\r\n\
            \x20 <Admin_Passwd group=\"System/System_Configuration\"/>\r\n\
            \x20 <Station_Name>Hall &amp; desk</Station_Name>\r\n\
            </flat-profile>\r\n";
        let same = config(&[
            ("Resync_Periodic", "3600"),
            ("GPP_A", ""),
            ("GPP_B", ""),
            ("Station_Name", "Hall & desk"),
        ]);
        assert_eq!(patch_dump(captured.as_bytes(), &same), captured.as_bytes());
        let changed = config(&[
            ("Resync_Periodic", "60"),
            ("GPP_A", "a<b"),
            ("GPP_B", "x"),
            ("Admin_Passwd", "newpass"),
            ("Station_Name", "Hall & desk"),
        ]);
        let patched = String::from_utf8(patch_dump(captured.as_bytes(), &changed)).unwrap();
        let expected = captured
            .replace(">3600<", ">60<")
            .replace(
                "<GPP_A group=\"Provisioning/General_Purpose_Parameters\"/>",
                "<GPP_A group=\"Provisioning/General_Purpose_Parameters\">a&lt;b</GPP_A>",
            )
            .replace("<GPP_B ua=\"na\"></GPP_B>", "<GPP_B ua=\"na\">x</GPP_B>");
        assert_eq!(patched, expected);
        assert!(!patched.contains("newpass"));
    }

    #[test]
    fn versions_are_made_plain() {
        assert_eq!(plain_version("sip88xx.12-0-1MPP-1"), "12.0.1");
        assert_eq!(plain_version("7.5.5"), "7.5.5");
        assert_eq!(plain_version("1.4.1(002)"), "1.4.1(002)");
    }
}
