//! Writes `<flat-profile>` files: only the parameters asked for, each with a `ua` attribute,
//! text escaped. What the reader reads back is what was written (values normalised as phones
//! do: trimmed, newlines as spaces).

use std::fmt::Write as _;

use super::read::normalize_value;

/// What the phone's *user* account may do with a parameter (`ua="na|ro|rw"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserAccess {
    /// No access (the safe choice for provisioning parameters).
    #[default]
    NoAccess,
    ReadOnly,
    ReadWrite,
}

impl UserAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            UserAccess::NoAccess => "na",
            UserAccess::ReadOnly => "ro",
            UserAccess::ReadWrite => "rw",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlWriteError {
    #[error("'{0}' cannot be an XML element name")]
    BadName(String),
    #[error("the value of {0} holds a control character that XML cannot carry")]
    BadCharacter(String),
}

/// Writes `params` (element name, value) in the order given.
pub fn write_flat_profile<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    access: UserAccess,
) -> Result<String, XmlWriteError> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<flat-profile>\n");
    for (name, value) in params {
        if !is_element_name(name) {
            return Err(XmlWriteError::BadName(name.to_string()));
        }
        let value = normalize_value(value);
        if value.chars().any(xml_cannot_carry) {
            return Err(XmlWriteError::BadCharacter(name.to_string()));
        }
        if value.is_empty() {
            // Empty means "set empty" (see rule-syntax.md); leave a parameter out to keep it.
            let _ = writeln!(out, "  <{name} ua=\"{}\"/>", access.as_str());
        } else {
            let _ = writeln!(
                out,
                "  <{name} ua=\"{}\">{}</{name}>",
                access.as_str(),
                escape_text(&value)
            );
        }
    }
    out.push_str("</flat-profile>\n");
    Ok(out)
}

/// Control characters other than tab (newlines were turned into spaces before) and the two
/// non-characters are not allowed in XML 1.0 text.
pub(crate) fn xml_cannot_carry(c: char) -> bool {
    (c < ' ' && c != '\t') || c == '\u{fffe}' || c == '\u{ffff}'
}

/// `&`, `<`, `>` escaped; quotes need no escaping in element text. A leading/trailing tab
/// would be trimmed by the reader, so the value is normalised first.
fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push_str("&#9;"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether `name` can be written as a parameter's element: ASCII letters, digits, `_`, `-`,
/// `.`; not starting with a digit, `-` or `.`; not `xml…`.
pub fn is_element_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.to_ascii_lowercase().starts_with("xml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::xml::read_document;

    #[test]
    fn writes_only_what_is_asked_with_ua_and_escapes() {
        let xml = write_flat_profile(
            [
                ("Profile_Rule", "[--key \"a&b\"] https://x/<y>.cfg"),
                ("Profile_Rule_B", ""),
            ],
            UserAccess::NoAccess,
        )
        .unwrap();
        assert!(xml.contains(
            "<Profile_Rule ua=\"na\">[--key \"a&amp;b\"] https://x/&lt;y&gt;.cfg</Profile_Rule>"
        ));
        assert!(xml.contains("<Profile_Rule_B ua=\"na\"/>"));
        let doc = read_document(&xml).unwrap();
        assert_eq!(doc.root.as_deref(), Some("flat-profile"));
        assert_eq!(doc.elements.len(), 2);
        assert_eq!(
            doc.value("Profile_Rule"),
            Some("[--key \"a&b\"] https://x/<y>.cfg")
        );
        assert_eq!(doc.value("Profile_Rule_B"), Some(""));
        assert!(doc.problems.is_empty());
    }

    #[test]
    fn refuses_bad_names_and_control_characters() {
        assert!(write_flat_profile([("1abc", "x")], UserAccess::ReadOnly).is_err());
        assert!(write_flat_profile([("a b", "x")], UserAccess::ReadOnly).is_err());
        assert!(write_flat_profile([("A", "x\u{1}y")], UserAccess::ReadOnly).is_err());
    }
}
