//! Passwords and other secrets: a newtype that never prints its content, and the rule that
//! says which phone parameters hold secrets (their values are redacted in events, JSON output
//! and snapshot files).

use std::fmt;

/// A secret string (admin password, a password parameter's value). `Debug` and `Display`
/// print `***`; the text is reachable only through [`Secret::expose`], at the point of use.
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
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// What is shown instead of a secret value.
pub const REDACTED: &str = "***";

/// Parameters whose values are secrets: every `…Password…`/`…Passwd…`/`…_PWD…` field and
/// `GPP_SA`…`GPP_SD` (the secret general-purpose parameters used only inside `--key/--uid/--pwd`).
/// `cfg.xml` hides these, so they can be sent but never read back.
pub fn is_secret_parameter(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("password")
        || lower.contains("passwd")
        || lower.contains("_pwd")
        || lower.ends_with("pwd")
        || lower.contains("secret")
        || matches!(lower.as_str(), "gpp_sa" | "gpp_sb" | "gpp_sc" | "gpp_sd")
}

/// `value`, or `***` when `name` is a secret parameter.
pub fn shown_value<'a>(name: &str, value: &'a str) -> &'a str {
    if is_secret_parameter(name) && !value.is_empty() {
        REDACTED
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(Secret(***))");
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
        }
        for name in ["Profile_Rule", "GPP_A", "Resync_Periodic"] {
            assert!(!is_secret_parameter(name), "{name}");
            assert_eq!(shown_value(name, "x"), "x");
        }
    }
}
