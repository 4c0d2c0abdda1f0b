//! Who a phone is: MAC address, product, firmware. Shared by the profile model (macro
//! expansion, defaults by firmware), the phone client (status pages) and discovery.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A 48-bit MAC address. Accepts every spelling phones and operating systems use.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a MAC address (expected 12 hex digits, e.g. 00:0e:08:aa:bb:cc)")]
pub struct MacParseError(pub String);

impl Mac {
    /// `000e08aabbcc`, the `$MA` macro.
    pub fn lower_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// `000E08AABBCC`, the `$MAU` macro and the SPA User-Agent.
    pub fn upper_hex(&self) -> String {
        hex::encode_upper(self.0)
    }

    /// `00:0e:08:aa:bb:cc`, the `$MAC` macro.
    pub fn colon(&self) -> String {
        self.0
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// The first three bytes, the IEEE organisationally unique identifier.
    pub fn oui(&self) -> [u8; 3] {
        [self.0[0], self.0[1], self.0[2]]
    }
}

impl FromStr for Mac {
    type Err = MacParseError;

    /// Accepts `000e08aabbcc`, `00:0e:08:aa:bb:cc`, `00-0E-08-AA-BB-CC` and `000e.08aa.bbcc`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.'))
            .collect();
        if digits.len() != 12 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(MacParseError(s.to_string()));
        }
        let mut bytes = [0u8; 6];
        hex::decode_to_slice(&digits, &mut bytes).map_err(|_| MacParseError(s.to_string()))?;
        Ok(Mac(bytes))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.colon())
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mac({})", self.colon())
    }
}

impl Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.colon())
    }
}

impl<'de> Deserialize<'de> for Mac {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The provisioning engine's generation: it decides defaults and element names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FirmwareLine {
    /// Cisco/Linksys SPA phones and ATAs (firmware 5.x–7.x).
    Spa,
    /// MPP 10.x (the firmware of the 10.4 article).
    Mpp10,
    /// MPP 11.x.
    Mpp11,
    /// MPP 12.x and later.
    Mpp12,
}

impl FirmwareLine {
    /// The line whose defaults and element names are assumed when a phone's firmware is
    /// unknown (not read yet, or not in the file): the most common line in the field.
    pub const ASSUMED: FirmwareLine = FirmwareLine::Mpp11;

    /// Reads a `Software_Version` as phones print it: `sip88xx.11-3-1MPP-1`, `11.3.1`,
    /// `12.0.1`, `7.5.5` (SPA). `None` when no major version can be found.
    pub fn from_version(version: &str) -> Option<Self> {
        let major = version_numbers(version).first().copied()?;
        Some(match major {
            0..=9 => FirmwareLine::Spa,
            10 => FirmwareLine::Mpp10,
            11 => FirmwareLine::Mpp11,
            _ => FirmwareLine::Mpp12,
        })
    }

    /// A short label for people: "SPA", "MPP 10.x", ….
    pub fn label(self) -> &'static str {
        match self {
            FirmwareLine::Spa => "SPA",
            FirmwareLine::Mpp10 => "MPP 10.x",
            FirmwareLine::Mpp11 => "MPP 11.x",
            FirmwareLine::Mpp12 => "MPP 12.x",
        }
    }
}

/// The numeric parts of a firmware version, skipping a `sip88xx.`-style prefix:
/// `sip88xx.11-3-1MPP-1` → `[11, 3, 1]`, `7.5.5` → `[7, 5, 5]`.
pub fn version_numbers(version: &str) -> Vec<u32> {
    let version = version.trim();
    // `sip88xx.11-3-1MPP-1`: the image name before the first dot carries no version.
    let version = match version.split_once('.') {
        Some((head, tail)) if head.chars().any(|c| c.is_ascii_alphabetic()) => tail,
        _ => version,
    };
    version
        .split(|c: char| !c.is_ascii_digit())
        .take_while(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .take(3)
        .collect()
}

/// What a phone says about itself in its status page, config dump, User-Agent or mDNS TXT.
/// Every field is optional: sources differ in what they carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneIdentity {
    /// `Product_Name`, e.g. `CP-8861-3PCC` or `SPA504G`.
    pub model: Option<String>,
    pub mac: Option<Mac>,
    /// `Serial_Number`.
    pub serial: Option<String>,
    /// `Software_Version`, as the phone prints it.
    pub firmware: Option<String>,
    /// `Hardware_Version`.
    pub hardware: Option<String>,
    pub ip: Option<IpAddr>,
    pub host_name: Option<String>,
}

impl PhoneIdentity {
    /// The firmware generation, from the version or else from the model name.
    pub fn firmware_line(&self) -> Option<FirmwareLine> {
        if let Some(line) = self
            .firmware
            .as_deref()
            .and_then(FirmwareLine::from_version)
        {
            return Some(line);
        }
        self.is_spa().then_some(FirmwareLine::Spa)
    }

    /// Whether the model name says SPA ([`is_spa_model`]).
    pub fn is_spa(&self) -> bool {
        self.model.as_deref().is_some_and(is_spa_model)
    }

    /// Whether this is an SPA phone, given also whether it served the SPA configuration
    /// dump (`spacfg.xml`): either says so. The one place that decides it.
    pub fn is_spa_given_dump(&self, spa_dump: bool) -> bool {
        spa_dump || self.is_spa()
    }

    /// [`PhoneIdentity::firmware_line`], else SPA when the phone served the SPA
    /// configuration dump (`spacfg.xml`).
    pub fn firmware_line_given_dump(&self, spa_dump: bool) -> Option<FirmwareLine> {
        self.firmware_line()
            .or_else(|| spa_dump.then_some(FirmwareLine::Spa))
    }

    /// `$PSN`, the product series number: `CP-8861-3PCC` → `8861`, `SPA504G` → `504G`.
    /// Guides disagree per model; this is the common reading.
    pub fn product_series(&self) -> Option<String> {
        let model = self.model.as_deref()?.trim();
        let upper = model.to_ascii_uppercase();
        if is_spa_model(model) {
            return Some(upper[SPA_PREFIX.len()..].to_string());
        }
        let rest = upper.strip_prefix("CP-").unwrap_or(&upper);
        let series: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        (!series.is_empty()).then_some(series)
    }

    /// Fills the gaps of `self` from `other`; what `self` already knows wins.
    pub fn merge_missing(&mut self, other: &PhoneIdentity) {
        fn fill<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
        fill(&mut self.model, &other.model);
        fill(&mut self.mac, &other.mac);
        fill(&mut self.serial, &other.serial);
        fill(&mut self.firmware, &other.firmware);
        fill(&mut self.hardware, &other.hardware);
        fill(&mut self.ip, &other.ip);
        fill(&mut self.host_name, &other.host_name);
    }

    /// Reads the identity elements of a `status.xml`, `cfg.xml` or `spacfg.xml` dump, given
    /// the value of an element by name (the XML reader's `Document::identity` passes its
    /// own). Empty values count as unknown.
    pub fn from_named_values<'a>(value: impl Fn(&str) -> Option<&'a str>) -> PhoneIdentity {
        let text = |names: &[&str]| {
            names
                .iter()
                .filter_map(|name| value(name))
                .map(str::trim)
                .find(|value| !value.is_empty())
                .map(str::to_string)
        };
        PhoneIdentity {
            model: text(&["Product_Name", "Model_Number"]),
            // An SPA ATA's status page has no top-level MAC: its <router-status> block names
            // the one it was made with, then the WAN's and the LAN port's `MAC_Address`
            // (the last of which is not the ATA's own).
            mac: text(&["Manufacture_MAC_Address", "MAC_Address", "Mac_Address"])
                .and_then(|m| m.parse().ok()),
            serial: text(&["Serial_Number"]),
            firmware: text(&["Software_Version"]),
            hardware: text(&["Hardware_Version"]),
            ip: text(&["Current_IP", "IP_Address"]).and_then(|ip| ip.parse().ok()),
            host_name: text(&["Host_Name"]),
        }
    }

    /// Reads what an HTML page's `<title>` says: phones name the product there
    /// (`Cisco CP-8861-3PCC Configuration Utility`, `SPA504G Configuration Utility`).
    pub fn from_html_title(html: &str) -> Option<PhoneIdentity> {
        let title = html_title(html)?;
        let model = title
            .split(|c: char| c.is_whitespace() || c == '/' || c == ',')
            .map(|word| word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-'))
            .find(|word| looks_like_cisco_model(word))?;
        Some(PhoneIdentity {
            model: Some(model.to_string()),
            ..PhoneIdentity::default()
        })
    }

    /// Reads a provisioning User-Agent:
    /// `Cisco-CP-8841-3PCC/11.0 (00562b043615)` (MPP) or
    /// `Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)` (SPA).
    pub fn from_user_agent(user_agent: &str) -> Option<PhoneIdentity> {
        let ua = user_agent.trim();
        let (product, rest) = if let Some(rest) = ua.strip_prefix("Cisco-") {
            let (head, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            let (model, firmware) = head.split_once('/')?;
            ((model.to_string(), firmware.to_string()), tail)
        } else if let Some(rest) = ua.strip_prefix("Cisco/") {
            let (head, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            let (model, firmware) = head.split_once('-')?;
            ((model.to_string(), firmware.to_string()), tail)
        } else {
            return None;
        };
        let mut groups = rest
            .split(['(', ')'])
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mac = groups.next().and_then(|g| g.parse().ok());
        let serial = groups.next().map(str::to_string);
        Some(PhoneIdentity {
            model: Some(product.0),
            firmware: Some(product.1),
            mac,
            serial,
            ..PhoneIdentity::default()
        })
    }
}

/// What SPA product names start with (`SPA504G`, `SPA112`); MPP phones are `CP-…`.
const SPA_PREFIX: &str = "SPA";

/// Whether a model name is an SPA product's (`SPA504G`, ` spa112 `); everything else here is
/// MPP.
pub fn is_spa_model(model: &str) -> bool {
    model.trim().to_ascii_uppercase().starts_with(SPA_PREFIX)
}

/// The text of the first `<title>` element, whitespace folded.
pub fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = html
        .get(start..end)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then_some(title)
}

/// `CP-8861-3PCC`, `CP-7841`, `SPA504G`, `SPA112`: the product names of the phones and ATAs
/// this tool serves.
pub fn looks_like_cisco_model(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    let digits_after = |prefix: &str| {
        upper
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_digit()))
    };
    digits_after("CP-") || digits_after(SPA_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_spa_ata_is_known_by_the_mac_it_was_made_with() {
        // The real SPA112 layout: WAN and LAN MACs inside <router-status>, LAN last.
        let values = [
            ("Product_Name", "SPA112"),
            ("Manufacture_MAC_Address", "88:88:88:88:88:88"),
            ("MAC_Address", "88:88:88:88:88:13"),
            ("MAC_Address", "88:88:88:88:88:14"),
        ];
        let last = |name: &str| {
            values
                .iter()
                .rev()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
        };
        let identity = PhoneIdentity::from_named_values(last);
        assert_eq!(
            identity.mac.map(|m| m.to_string()).as_deref(),
            Some("88:88:88:88:88:88")
        );
    }

    #[test]
    fn mac_accepts_every_common_spelling() {
        let expected = Mac([0x00, 0x0e, 0x08, 0xaa, 0xbb, 0xcc]);
        for text in [
            "000e08aabbcc",
            "00:0e:08:aa:bb:cc",
            "00-0E-08-AA-BB-CC",
            "000e.08aa.bbcc",
            " 000E08AABBCC ",
        ] {
            assert_eq!(text.parse::<Mac>().unwrap(), expected, "{text}");
        }
        assert_eq!(expected.lower_hex(), "000e08aabbcc");
        assert_eq!(expected.upper_hex(), "000E08AABBCC");
        assert_eq!(expected.colon(), "00:0e:08:aa:bb:cc");
    }

    #[test]
    fn mac_refuses_wrong_lengths_and_non_hex() {
        for text in ["", "000e08aabb", "000e08aabbccdd", "zz0e08aabbcc"] {
            assert!(text.parse::<Mac>().is_err(), "{text}");
        }
    }

    #[test]
    fn firmware_line_from_versions_phones_print() {
        assert_eq!(
            FirmwareLine::from_version("sip88xx.11-3-1MPP-1"),
            Some(FirmwareLine::Mpp11)
        );
        assert_eq!(
            FirmwareLine::from_version("11.3.1"),
            Some(FirmwareLine::Mpp11)
        );
        assert_eq!(
            FirmwareLine::from_version("12.0.1"),
            Some(FirmwareLine::Mpp12)
        );
        assert_eq!(
            FirmwareLine::from_version("sip78xx.10-4-1SR2-3"),
            Some(FirmwareLine::Mpp10)
        );
        assert_eq!(FirmwareLine::from_version("7.5.5"), Some(FirmwareLine::Spa));
        assert_eq!(FirmwareLine::from_version("unknown"), None);
    }

    #[test]
    fn product_series_follows_the_model_name() {
        let id = |m: &str| PhoneIdentity {
            model: Some(m.into()),
            ..Default::default()
        };
        assert_eq!(id("CP-8861-3PCC").product_series().as_deref(), Some("8861"));
        assert_eq!(id("SPA504G").product_series().as_deref(), Some("504G"));
        assert!(id("SPA504G").is_spa());
        assert!(!id("CP-7841-3PCC").is_spa());
    }

    #[test]
    fn user_agents_of_both_families() {
        let mpp = PhoneIdentity::from_user_agent("Cisco-CP-8841-3PCC/11.0 (00562b043615)").unwrap();
        assert_eq!(mpp.model.as_deref(), Some("CP-8841-3PCC"));
        assert_eq!(mpp.firmware.as_deref(), Some("11.0"));
        assert_eq!(mpp.mac.unwrap().lower_hex(), "00562b043615");

        let spa = PhoneIdentity::from_user_agent("Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)")
            .unwrap();
        assert_eq!(spa.model.as_deref(), Some("SPA508G"));
        assert_eq!(spa.firmware.as_deref(), Some("7.4.4"));
        assert_eq!(spa.mac.unwrap().upper_hex(), "0002FDFF2103");
        assert_eq!(spa.serial.as_deref(), Some("CBT141400UK"));

        assert!(PhoneIdentity::from_user_agent("curl/8.0").is_none());
    }

    #[test]
    fn identity_from_named_values() {
        let values = [
            ("Model_Number", "SPA504G"),
            ("Mac_Address", "0002FDFF2103"),
            ("Software_Version", "7.6.2"),
            ("IP_Address", "10.0.0.8"),
            ("Host_Name", " "),
        ];
        let id = PhoneIdentity::from_named_values(|name| {
            values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        });
        assert_eq!(id.model.as_deref(), Some("SPA504G"));
        assert_eq!(id.mac.unwrap().upper_hex(), "0002FDFF2103");
        assert_eq!(id.firmware_line(), Some(FirmwareLine::Spa));
        assert_eq!(id.ip, Some("10.0.0.8".parse().unwrap()));
        assert_eq!(id.host_name, None, "blank means unknown");
    }

    #[test]
    fn spa_is_decided_by_model_or_dump() {
        assert!(is_spa_model(" spa112 "));
        assert!(!is_spa_model("CP-8861-3PCC"));
        let mpp = PhoneIdentity {
            model: Some("CP-8861-3PCC".into()),
            ..Default::default()
        };
        assert!(!mpp.is_spa_given_dump(false));
        assert!(mpp.is_spa_given_dump(true));
        let unknown = PhoneIdentity::default();
        assert_eq!(unknown.firmware_line_given_dump(false), None);
        assert_eq!(
            unknown.firmware_line_given_dump(true),
            Some(FirmwareLine::Spa)
        );
        let eleven = PhoneIdentity {
            firmware: Some("11.3.7".into()),
            ..Default::default()
        };
        assert_eq!(
            eleven.firmware_line_given_dump(true),
            Some(FirmwareLine::Mpp11),
            "the version wins"
        );
    }

    #[test]
    fn identity_from_a_page_title() {
        let page =
            "<html><head><TITLE>\n Cisco CP-7841-3PCC Configuration Utility</TITLE></head></html>";
        let id = PhoneIdentity::from_html_title(page).unwrap();
        assert_eq!(id.model.as_deref(), Some("CP-7841-3PCC"));
        let spa = PhoneIdentity::from_html_title("<title>SPA504G Configuration Utility</title>");
        assert_eq!(spa.unwrap().model.as_deref(), Some("SPA504G"));
        assert!(PhoneIdentity::from_html_title("<title>Printer status</title>").is_none());
        assert!(PhoneIdentity::from_html_title("<p>no title</p>").is_none());
    }
}
