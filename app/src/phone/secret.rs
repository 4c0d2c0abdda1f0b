//! Passwords and other secrets: a newtype that never prints its content, and — for the phone
//! client, the engine and the CLI — the profile model's one rule for what is secret in a
//! parameter and how it is masked ([`crate::profile::validate::mask_value`]): values of
//! secret parameters (`…Password…`, `GPP_SA`…`GPP_SD`, …) and the `--key`/`--uid`/`--pwd`
//! values inside rules become [`REDACTED`] in events, errors, JSON output and files.

use std::fmt;

use crate::profile::{schema, validate};

/// A secret string (admin password, a password parameter's value). `Debug` and `Display`
/// print [`REDACTED`]; the text is reachable only through [`Secret::expose`], at the point of
/// use.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The secret itself; call it only where it goes on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// What is shown instead of a secret (the profile model's mask, the same everywhere).
pub const REDACTED: &str = validate::MASK;

/// Parameters whose whole value is a secret (the schema's `secret` fields `GPP_SA`…`GPP_SD`
/// and, for the rest of cfg.xml, names that say password or secret). `cfg.xml` hides these,
/// so they can be sent but never read back. This is [`schema::is_secret_name`].
pub fn is_secret_parameter(name: &str) -> bool {
    schema::is_secret_name(name)
}

/// `value` safe to show for parameter `name` ([`validate::mask_value`]): a secret
/// parameter's value is [`REDACTED`], and in any other value (rules) what follows `--key`,
/// `--uid` and `--pwd` is.
pub fn shown_value(name: &str, value: &str) -> String {
    validate::mask_value(name, value)
}

/// Whether showing `value` for `name` hides anything: such values are never written to
/// phoneprov's files ([`validate::holds_secret`]).
pub fn holds_secret(name: &str, value: &str) -> bool {
    validate::holds_secret(name, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(format!("{secret:?}"), format!("Secret({REDACTED})"));
        assert_eq!(
            format!("{:?}", Some(secret.clone())),
            format!("Some(Secret({REDACTED}))")
        );
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn password_parameters_are_secret() {
        for name in [
            "Admin_Password",
            "Password_1_",
            "Profile_Account_Passwd",
            "GPP_SA",
            "Web_PWD",
        ] {
            assert!(is_secret_parameter(name), "{name}");
            assert_eq!(shown_value(name, "x"), REDACTED);
            assert!(holds_secret(name, "x"));
        }
        for name in ["Profile_Rule", "GPP_A", "Resync_Periodic"] {
            assert!(!is_secret_parameter(name), "{name}");
            assert_eq!(shown_value(name, "x"), "x");
            assert!(!holds_secret(name, "x"));
        }
    }

    #[test]
    fn the_client_and_the_validator_mask_alike() {
        // One rule, one mask: what the engine shows is what the validator shows.
        for (name, value) in [
            ("Admin_Password", "hunter2"),
            ("GPP_SB", "k3y"),
            (
                "Profile_Rule",
                "[--key K3y --uid tech --pwd Pw1]https://srv/p.xml",
            ),
            ("Profile_Rule_B", "[--pwd \"a b\"] http://srv/b.xml"),
            ("Resync_Periodic", "3600"),
        ] {
            assert_eq!(shown_value(name, value), validate::mask_value(name, value));
        }
    }

    #[test]
    fn credentials_inside_rules_are_masked() {
        let shown = shown_value(
            "Profile_Rule",
            "[--key K3y --uid tech --pwd Pw1]https://srv/p.xml",
        );
        assert_eq!(
            shown,
            format!("[--key {REDACTED} --uid {REDACTED} --pwd {REDACTED}]https://srv/p.xml")
        );
        assert!(holds_secret(
            "Profile_Rule",
            "[--uid u --pwd p]http://x/p.xml"
        ));
        assert!(!holds_secret("Profile_Rule", "http://x/$MA.xml"));
        // Empty secrets show as empty (nothing is hidden, so nothing is withheld).
        assert_eq!(shown_value("Admin_Password", ""), "");
    }
}
