//! Cisco hardware by MAC prefix, from the IEEE registries, not from a hand-typed list.
//!
//! The binary carries only the Cisco-family prefixes (`oui/cisco_prefixes.rs`, about 1,400 of
//! the registries' 59,000): the whole registry (the `oui-data` crate) made up a fifth of the
//! release binary, and discovery only asks whether a MAC is Cisco's. A test checks the table
//! against the full registry and rewrites it with `UPDATE_OUI_TABLE=1`.

use crate::identity::Mac;

mod cisco_prefixes;

use cisco_prefixes::CISCO_PREFIXES;

/// The Cisco-family organisation (Cisco, Cisco-Linksys, Linksys, Sipura) the MAC's prefix is
/// registered to; `None` for every other vendor and for unregistered prefixes.
pub fn vendor(mac: &Mac) -> Option<&'static str> {
    let hex = mac.upper_hex();
    // The most specific registration wins, as in the registries: MA-S (36 bits), MA-M (28),
    // MA-L (24). The test checks that no other vendor's block sits inside a Cisco one.
    [9, 7, 6].into_iter().find_map(|digits| {
        let prefix = hex.get(..digits)?;
        CISCO_PREFIXES
            .iter()
            .find(|(_, prefixes)| prefixes.binary_search(&prefix).is_ok())
            .map(|(organisation, _)| *organisation)
    })
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
    use std::collections::BTreeMap;
    use std::fmt::Write as _;

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

    /// The Cisco-family registrations of the full IEEE registry (the `oui-data` crate), by
    /// organisation.
    fn from_the_registry() -> BTreeMap<&'static str, Vec<&'static str>> {
        let mut table: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (prefix, record) in oui_data::OUI_ENTRIES.entries() {
            if is_cisco_organisation(record.organization()) {
                table.entry(record.organization()).or_default().push(prefix);
            }
        }
        for prefixes in table.values_mut() {
            prefixes.sort_unstable();
        }
        table
    }

    fn rust_source(table: &BTreeMap<&str, Vec<&str>>) -> String {
        let mut text = String::from(
            "//! The Cisco-family MAC prefixes of the IEEE registries (MA-L, MA-M, MA-S, CID, \
             IAB),\n//! by organisation, each list sorted. Generated from the `oui-data` crate \
             (a data table,\n//! exempt from the file-length rule): `UPDATE_OUI_TABLE=1 cargo \
             test -p phoneprov --lib oui`\n//! rewrites it (then `cargo fmt`).\n\n\
             pub(super) const CISCO_PREFIXES: &[(&str, &[&str])] = &[\n",
        );
        for (organisation, prefixes) in table {
            let list: Vec<String> = prefixes.iter().map(|p| format!("\"{p}\"")).collect();
            let _ = writeln!(text, "    ({organisation:?}, &[{}]),", list.join(", "));
        }
        text.push_str("];\n");
        text
    }

    #[test]
    fn the_table_is_the_cisco_part_of_the_ieee_registry() {
        let expected = from_the_registry();
        if std::env::var_os("UPDATE_OUI_TABLE").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/discovery/oui/cisco_prefixes.rs"
            );
            std::fs::write(path, rust_source(&expected)).unwrap();
            return;
        }
        let table: BTreeMap<&str, Vec<&str>> = CISCO_PREFIXES
            .iter()
            .map(|(organisation, prefixes)| (*organisation, prefixes.to_vec()))
            .collect();
        assert_eq!(
            table, expected,
            "the registry changed: run UPDATE_OUI_TABLE=1 cargo test -p phoneprov --lib oui, then \
             cargo fmt"
        );
    }

    #[test]
    fn every_registered_prefix_gets_the_same_answer_as_the_full_registry() {
        // Most specific first, as `vendor` looks: a longer registration of another vendor
        // inside a Cisco block would need the full registry to answer right.
        for (prefix, record) in oui_data::OUI_ENTRIES.entries() {
            let mac: Mac = format!("{prefix:0<12}").parse().unwrap();
            let full = oui_data::lookup(&mac.upper_hex()).map(|r| r.organization());
            assert_eq!(
                is_cisco(&mac),
                full.is_some_and(is_cisco_organisation),
                "{prefix} ({})",
                record.organization()
            );
        }
    }
}
