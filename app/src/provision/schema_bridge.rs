//! The engine's and the CLI's uses of the profile model (app/src/profile), in one place:
//! validating changes before the phone is touched, naming parameters the way a phone of a
//! given firmware line spells them, writing the `<flat-profile>` that carries them, and
//! listing the Configuration Profile fields for `phoneprov show`. Labels, defaults, ranges,
//! units and messages all come from the profile schema.

use crate::identity::{FirmwareLine, PhoneIdentity};
use crate::phone::PhoneConfig;
use crate::profile::xml::{UserAccess, is_element_name, write_flat_profile};
use crate::profile::{Finding, ProfileValues, hint, schema, validate};

/// The outcome of validating a set of changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeCheck {
    /// The phone would refuse or ignore these: nothing is sent.
    pub errors: Vec<String>,
    /// Legal but probably not meant.
    pub warnings: Vec<String>,
}

const ALL_LINES: [FirmwareLine; 4] = [
    FirmwareLine::Spa,
    FirmwareLine::Mpp10,
    FirmwareLine::Mpp11,
    FirmwareLine::Mpp12,
];

/// Validates `changes` (element name → value) with the schema, for a phone of `firmware`.
/// Before the phone was read the line is unknown (`None`): then only what is an error on
/// every firmware line is an error, and warnings wait for the real line.
pub fn check_changes(changes: &[(String, String)], firmware: Option<FirmwareLine>) -> ChangeCheck {
    let findings_on = |line: FirmwareLine| {
        let mut values = ProfileValues::new(line);
        for (name, value) in changes {
            values.set(name, value);
        }
        validate(&values)
    };
    let mut check = ChangeCheck::default();
    for (name, _) in changes {
        if !is_element_name(name) {
            check.errors.push(format!(
                "\"{name}\" is not a parameter name (XML element names use letters, digits and _)"
            ));
        }
    }
    match firmware {
        Some(line) => {
            for finding in findings_on(line) {
                let text = describe(&finding);
                if finding.is_error() {
                    check.errors.push(text);
                } else {
                    check.warnings.push(text);
                }
            }
        }
        None => {
            let per_line: Vec<Vec<String>> = ALL_LINES
                .iter()
                .map(|line| {
                    findings_on(*line)
                        .iter()
                        .filter(|f| f.is_error())
                        .map(describe)
                        .collect()
                })
                .collect();
            if let Some((first, rest)) = per_line.split_first() {
                check.errors.extend(
                    first
                        .iter()
                        .filter(|e| rest.iter().all(|other| other.contains(e)))
                        .cloned(),
                );
            }
        }
    }
    check
}

/// `Resync_At__HHmm_ = "2460": not a time of day … (fix: …)`, secrets masked.
pub fn describe(finding: &Finding) -> String {
    let mut text = format!(
        "{} = \"{}\": {}",
        finding.param,
        crate::profile::mask::mask_value(&finding.param, &finding.value),
        finding.message
    );
    if let Some(fix) = &finding.fix {
        text.push_str(&format!(" ({fix})"));
    }
    text
}

/// The element name a phone of `line` uses for `name` (SPA spells the `Log_*_Msg` fields
/// differently); names the schema does not know stay as given.
pub fn phone_name(name: &str, line: Option<FirmwareLine>) -> String {
    match (schema::lookup(name), line) {
        (Some(def), Some(line)) => def.element_for(line).to_string(),
        (Some(def), None) => def.element.to_string(),
        (None, _) => name.to_string(),
    }
}

/// A `<flat-profile>` holding exactly `values`.
pub fn flat_profile(values: &[(String, String)]) -> Result<String, String> {
    write_flat_profile(
        values.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        UserAccess::NoAccess,
    )
    .map_err(|e| e.to_string())
}

/// One field as `phoneprov show` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldView {
    pub group: String,
    /// The element name on this phone.
    pub name: String,
    pub label: String,
    /// `None`: the phone does not report the field.
    pub value: Option<String>,
    pub default: String,
    /// The value in words ("3 × 20 s = 60 s") or the unit.
    pub hint: Option<String>,
}

impl FieldView {
    pub fn line(&self) -> String {
        let value = self
            .value
            .as_deref()
            .map_or("(not reported)".to_string(), |v| format!("\"{v}\""));
        let mut line = format!("{:<30} {value}", self.label);
        if self.value.as_deref() != Some(self.default.as_str()) {
            line.push_str(&format!("  [default \"{}\"]", self.default));
        }
        if let Some(hint) = &self.hint {
            line.push_str(&format!("  ({hint})"));
        }
        line
    }
}

/// Every field of the schema (the Configuration Profile page and its neighbouring groups)
/// with the phone's value, the default for its firmware line and a hint.
pub fn profile_fields(config: &PhoneConfig, identity: &PhoneIdentity) -> Vec<FieldView> {
    let line = identity.firmware_line().unwrap_or(FirmwareLine::ASSUMED);
    schema::Group::ALL
        .iter()
        .flat_map(|group| schema::group_fields(*group))
        .filter(|def| def.exists_on(line))
        .map(|def| {
            let name = def.element_for(line);
            let value = config
                .value(name)
                .or_else(|| config.value(def.element))
                .map(|v| crate::profile::mask::mask_value(def.element, v));
            let hint = value
                .as_deref()
                .and_then(|v| hint::value_hint(def, v))
                .or_else(|| hint::unit_hint(def).map(str::to_string));
            FieldView {
                group: def.group.label().to_string(),
                name: name.to_string(),
                label: def.label.to_string(),
                value,
                default: if def.secret {
                    String::new()
                } else {
                    def.default_for(line).to_string()
                },
                hint,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn schema_errors_refuse_before_the_phone_is_known() {
        let check = check_changes(&pairs(&[("Resync_At__HHmm_", "2460")]), None);
        assert_eq!(check.errors.len(), 1, "{check:?}");
        assert!(check.errors[0].starts_with("Resync_At__HHmm_ = \"2460\""));
        let trigger = check_changes(
            &pairs(&[(
                "Resync_Trigger_1",
                "http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg",
            )]),
            Some(FirmwareLine::Mpp11),
        );
        assert!(!trigger.errors.is_empty(), "{trigger:?}");
        let fine = check_changes(&pairs(&[("Resync_Periodic", "3665")]), None);
        assert!(
            fine.errors.is_empty() && fine.warnings.is_empty(),
            "{fine:?}"
        );
        // Names the schema does not know (other pages of cfg.xml) pass.
        assert!(
            check_changes(&pairs(&[("Line_Enable_1_", "Yes")]), None)
                .errors
                .is_empty()
        );
        assert!(
            !check_changes(&pairs(&[("Not a name", "1")]), None)
                .errors
                .is_empty()
        );
    }

    #[test]
    fn spa_phones_get_their_own_element_names() {
        assert_eq!(
            phone_name("Log_Request_Msg", Some(FirmwareLine::Spa)),
            "Log_Resync_Request_Msg"
        );
        assert_eq!(
            phone_name("Log_Request_Msg", Some(FirmwareLine::Mpp11)),
            "Log_Request_Msg"
        );
        assert_eq!(
            phone_name("Anything_Else", Some(FirmwareLine::Spa)),
            "Anything_Else"
        );
    }

    #[test]
    fn the_written_profile_holds_exactly_the_values() {
        let xml = flat_profile(&pairs(&[
            ("Resync_Periodic", "3665"),
            ("Profile_Rule", "a&b"),
        ]))
        .unwrap();
        let document = crate::profile::xml::read_document(&xml).unwrap();
        assert_eq!(document.elements.len(), 2);
        assert_eq!(document.value("Profile_Rule"), Some("a&b"));
    }
}
