//! Cisco hardware by MAC prefix, from the IEEE registries (the `oui-data` crate), not from a
//! hand-typed list.

use crate::identity::Mac;

/// The organisation the MAC's prefix is registered to, if any.
pub fn vendor(mac: &Mac) -> Option<&'static str> {
    oui_data::lookup(&mac.upper_hex()).map(|record| record.organization())
}

/// True when the prefix belongs to Cisco, including Cisco-Linksys (SPA phones and ATAs) and
/// Sipura (the SPA line's first maker).
pub fn is_cisco(mac: &Mac) -> bool {
    vendor(mac).is_some_and(is_cisco_organisation)
}

fn is_cisco_organisation(organisation: &str) -> bool {
    let lower = organisation.to_ascii_lowercase();
    ["cisco", "linksys", "sipura"]
        .iter()
        .any(|name| lower.contains(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cisco_prefixes_are_recognised() {
        // 00:56:2B (Cisco Systems) is in the User-Agent example of the spec.
        let mpp: Mac = "00562b043615".parse().unwrap();
        assert!(is_cisco(&mpp));
        assert!(vendor(&mpp).unwrap().contains("Cisco"));
        // 00:0E:08 is registered to Cisco-Linksys (SPA phones).
        assert!(is_cisco(&"00:0e:08:aa:bb:cc".parse().unwrap()));
    }

    #[test]
    fn other_vendors_are_not() {
        // 00:00:00 is Xerox; 50:A6:D8 is Apple.
        assert!(!is_cisco(&"000000112233".parse().unwrap()));
        assert!(!is_cisco(&"50a6d8112233".parse().unwrap()));
        // A locally administered address has no registered vendor.
        assert!(!is_cisco(&"02aabbccddee".parse().unwrap()));
    }
}
