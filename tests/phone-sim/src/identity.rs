//! Who an emulated phone is: model, family, MAC, serial, firmware.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

use serde::Serialize;

use crate::SimError;

/// MPP (7800/8800 "3PCC") or the older Cisco/Linksys SPA line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Family {
    Mpp,
    Spa,
}

/// The firmware generation that decides the defaults of the Configuration Profile page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum FirmwareLine {
    Spa,
    Mpp10,
    Mpp11,
    Mpp12,
}

/// A model this emulator knows, with what differs between models.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Model {
    /// `Product_Name`, e.g. `CP-8861-3PCC` or `SPA504G`.
    pub name: &'static str,
    pub family: Family,
    /// `$PSN`, e.g. `8861` or `504G`.
    pub series: &'static str,
    /// Number of lines (extensions) the configuration carries.
    pub lines: u8,
    pub hardware_version: &'static str,
    pub default_firmware: &'static str,
    /// An ATA (SPA112/122) rather than a desk phone.
    pub ata: bool,
}

const MODELS: &[Model] = &[
    mpp("CP-7811-3PCC", "7811", 1),
    mpp("CP-7821-3PCC", "7821", 2),
    mpp("CP-7841-3PCC", "7841", 4),
    mpp("CP-7861-3PCC", "7861", 16),
    mpp("CP-8811-3PCC", "8811", 10),
    mpp("CP-8841-3PCC", "8841", 10),
    mpp("CP-8845-3PCC", "8845", 10),
    mpp("CP-8851-3PCC", "8851", 10),
    mpp("CP-8861-3PCC", "8861", 10),
    mpp("CP-8865-3PCC", "8865", 10),
    spa("SPA303", "303", 3, false),
    spa("SPA504G", "504G", 4, false),
    spa("SPA508G", "508G", 8, false),
    spa("SPA525G2", "525G2", 5, false),
    spa("SPA112", "112", 2, true),
    spa("SPA122", "122", 2, true),
];

const fn mpp(name: &'static str, series: &'static str, lines: u8) -> Model {
    Model {
        name,
        family: Family::Mpp,
        series,
        lines,
        hardware_version: "V04",
        default_firmware: "11.3.7",
        ata: false,
    }
}

const fn spa(name: &'static str, series: &'static str, lines: u8, ata: bool) -> Model {
    Model {
        name,
        family: Family::Spa,
        series,
        lines,
        hardware_version: "1.0.1",
        default_firmware: if ata { "1.4.1(002)" } else { "7.6.2" },
        ata,
    }
}

impl Model {
    /// Looks a model up by its product name (case-insensitive).
    pub fn find(name: &str) -> Result<Model, SimError> {
        MODELS
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name.trim()))
            .cloned()
            .ok_or_else(|| SimError::UnknownModel {
                model: name.to_string(),
                known: Model::names().join(", "),
            })
    }

    /// Every model name this emulator knows.
    pub fn names() -> Vec<&'static str> {
        MODELS.iter().map(|m| m.name).collect()
    }

    /// `78` or `88` for MPP image names (`sip88xx`), empty for SPA.
    fn image_series(&self) -> &'static str {
        if self.series.starts_with("78") {
            "78"
        } else {
            "88"
        }
    }
}

/// A MAC address (six bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// `00562b043615` (`$MA`).
    pub fn lower_hex(&self) -> String {
        hex::encode(self.0)
    }
    /// `00562B043615` (`$MAU`).
    pub fn upper_hex(&self) -> String {
        hex::encode_upper(self.0)
    }
    /// `00:56:2b:04:36:15` (`$MAC`).
    pub fn colon(&self) -> String {
        self.0
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// Parses `00562b043615`, `00:56:2B:04:36:15` or `00-56-2b-04-36-15`.
    pub fn parse(text: &str) -> Result<Mac, SimError> {
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.'))
            .collect();
        let bytes = hex::decode(&digits).map_err(|_| SimError::BadMac(text.to_string()))?;
        let array: [u8; 6] = bytes
            .try_into()
            .map_err(|_| SimError::BadMac(text.to_string()))?;
        Ok(Mac(array))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lower_hex())
    }
}

/// Cisco OUIs used for generated MACs (all registered to Cisco / Cisco-Linksys).
const MPP_OUIS: [[u8; 3]; 3] = [[0x00, 0x56, 0x2b], [0x70, 0xdb, 0x98], [0xf8, 0x7b, 0x20]];
const SPA_OUIS: [[u8; 3]; 2] = [[0x00, 0x0e, 0x08], [0x00, 0x02, 0xfd]];

static NEXT_MAC: AtomicU32 = AtomicU32::new(0);

/// A fresh Cisco MAC, distinct from every other one this process generated.
pub fn next_mac(family: Family) -> Mac {
    let base = {
        // Start at a random point so two processes rarely hand out the same MACs.
        let seed = NEXT_MAC.load(Ordering::Relaxed);
        if seed == 0 {
            let start = rand::random::<u32>() & 0x00ff_0000 | 1;
            let _ = NEXT_MAC.compare_exchange(0, start, Ordering::Relaxed, Ordering::Relaxed);
        }
        NEXT_MAC.fetch_add(1, Ordering::Relaxed)
    };
    let oui = match family {
        Family::Mpp => MPP_OUIS[(base as usize >> 24) % MPP_OUIS.len()],
        Family::Spa => SPA_OUIS[(base as usize >> 24) % SPA_OUIS.len()],
    };
    let low = base & 0x00ff_ffff;
    Mac([
        oui[0],
        oui[1],
        oui[2],
        (low >> 16) as u8,
        (low >> 8) as u8,
        low as u8,
    ])
}

/// Everything that names one phone.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    pub model: Model,
    #[serde(serialize_with = "ser_mac")]
    pub mac: Mac,
    pub serial: String,
    /// The plain version, e.g. `11.3.7` or `7.6.2`.
    pub firmware: String,
}

fn ser_mac<S: serde::Serializer>(mac: &Mac, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&mac.lower_hex())
}

impl Identity {
    pub fn new(model: Model, mac: Mac, serial: Option<String>, firmware: Option<String>) -> Self {
        let serial = serial.unwrap_or_else(|| default_serial(&model, mac));
        let firmware = firmware.unwrap_or_else(|| model.default_firmware.to_string());
        Identity {
            model,
            mac,
            serial,
            firmware,
        }
    }

    pub fn family(&self) -> Family {
        self.model.family
    }

    /// The first two numbers of the firmware version.
    fn version_numbers(&self) -> Vec<u32> {
        self.firmware
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect()
    }

    pub fn firmware_line(&self) -> FirmwareLine {
        if self.family() == Family::Spa {
            return FirmwareLine::Spa;
        }
        match self.version_numbers().first().copied().unwrap_or(11) {
            0..=10 => FirmwareLine::Mpp10,
            11 => FirmwareLine::Mpp11,
            _ => FirmwareLine::Mpp12,
        }
    }

    /// `Software_Version` as the status page prints it: `sip88xx.11-3-7MPP-1` / `7.6.2`.
    pub fn software_version(&self) -> String {
        match self.family() {
            Family::Spa => self.firmware.clone(),
            Family::Mpp => format!(
                "sip{}xx.{}MPP-1",
                self.model.image_series(),
                self.version_numbers()
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join("-")
            ),
        }
    }

    /// The User-Agent the phone sends when it fetches a profile.
    pub fn user_agent(&self) -> String {
        match self.family() {
            Family::Mpp => format!(
                "Cisco-{}/{} ({})",
                self.model.name,
                self.firmware,
                self.mac.lower_hex()
            ),
            Family::Spa => format!(
                "Cisco/{}-{} ({})({})",
                self.model.name,
                self.firmware,
                self.mac.upper_hex(),
                self.serial
            ),
        }
    }

    /// `SEP00562B043615` for MPP, `SPA504G-…` style for SPA.
    pub fn default_host_name(&self) -> String {
        match self.family() {
            Family::Mpp => format!("SEP{}", self.mac.upper_hex()),
            Family::Spa => format!("{}-{}", self.model.name, &self.mac.upper_hex()[6..]),
        }
    }
}

fn default_serial(model: &Model, mac: Mac) -> String {
    let tail = format!("{:02X}{:02X}{:02X}", mac.0[3], mac.0[4], mac.0[5]);
    match model.family {
        Family::Mpp => format!("FCH21{}", &tail[..6]),
        Family::Spa => format!("CBT14{}", &tail[..6]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_follow_the_real_formats() {
        let mpp = Identity::new(
            Model::find("CP-8861-3PCC").unwrap(),
            Mac::parse("00562b043615").unwrap(),
            None,
            Some("11.3.7".into()),
        );
        assert_eq!(mpp.user_agent(), "Cisco-CP-8861-3PCC/11.3.7 (00562b043615)");
        assert_eq!(mpp.software_version(), "sip88xx.11-3-7MPP-1");
        let spa = Identity::new(
            Model::find("spa504g").unwrap(),
            Mac::parse("00:02:FD:FF:21:03").unwrap(),
            Some("CBT141400UK".into()),
            Some("7.6.2".into()),
        );
        assert_eq!(
            spa.user_agent(),
            "Cisco/SPA504G-7.6.2 (0002FDFF2103)(CBT141400UK)"
        );
        assert_eq!(spa.firmware_line(), FirmwareLine::Spa);
    }

    #[test]
    fn generated_macs_are_distinct_and_cisco() {
        let a = next_mac(Family::Mpp);
        let b = next_mac(Family::Mpp);
        assert_ne!(a, b);
        assert!(MPP_OUIS.iter().any(|o| o[..] == a.0[..3]));
        assert!(Model::find("CP-9999").is_err());
    }
}
