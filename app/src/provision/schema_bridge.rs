//! The engine's two uses of the profile model, in one place: validating changes before the
//! phone is touched, and writing the `<flat-profile>` that carries them.

use crate::identity::FirmwareLine;

/// The outcome of validating a set of changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeCheck {
    /// The phone would refuse or ignore these: nothing is sent.
    pub errors: Vec<String>,
    /// Legal but probably not meant.
    pub warnings: Vec<String>,
}

/// Validates `changes` (element name → value) for a phone of `firmware` (unknown before the
/// phone was read).
pub fn check_changes(changes: &[(String, String)], firmware: Option<FirmwareLine>) -> ChangeCheck {
    let _ = firmware;
    let mut check = ChangeCheck::default();
    for (name, _) in changes {
        if !is_element_name(name) {
            check.errors.push(format!(
                "\"{name}\" is not a parameter name (XML element names use letters, digits and _)"
            ));
        }
    }
    check
}

fn is_element_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A `<flat-profile>` holding exactly `values`.
pub fn flat_profile(values: &[(String, String)]) -> String {
    let mut xml = String::from("<flat-profile>\n");
    for (name, value) in values {
        let escaped = quick_xml::escape::escape(value.as_str());
        xml.push_str(&format!("  <{name} ua=\"na\">{escaped}</{name}>\n"));
    }
    xml.push_str("</flat-profile>\n");
    xml
}

/// One field as `phoneprov show` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldView {
    pub name: String,
    pub label: Option<String>,
    pub value: Option<String>,
    pub default: Option<String>,
    pub hint: Option<String>,
}

impl FieldView {
    pub fn line(&self) -> String {
        let mut line = format!(
            "{:<34} {}",
            self.label.as_deref().unwrap_or(&self.name),
            self.value
                .as_deref()
                .map_or("(not reported)".to_string(), |v| format!("\"{v}\""))
        );
        if let Some(default) = &self.default {
            line.push_str(&format!("  [default \"{default}\"]"));
        }
        if let Some(hint) = &self.hint {
            line.push_str(&format!("  {hint}"));
        }
        line
    }
}

/// The fields `phoneprov show` lists for a phone.
pub fn profile_fields(
    config: &crate::phone::PhoneConfig,
    _identity: &crate::identity::PhoneIdentity,
) -> Vec<FieldView> {
    config
        .values
        .iter()
        .map(|(name, value)| FieldView {
            name: name.clone(),
            label: None,
            value: Some(crate::phone::secret::shown_value(name, value).to_string()),
            default: None,
            hint: None,
        })
        .collect()
}
