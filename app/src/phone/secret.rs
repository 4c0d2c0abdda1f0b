//! Passwords and other secrets: a newtype that never prints its content. Which parameters
//! are secret and how values are masked for showing is the profile model's
//! ([`crate::profile::mask`]), the same for the client, the engine and the CLI.

use std::fmt;

use crate::profile::mask::MASK;

/// A secret string (admin password, a password parameter's value). `Debug` and `Display`
/// print [`MASK`]; the text is reachable only through [`Secret::expose`], at the point of
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
        write!(f, "Secret({MASK})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), MASK);
        assert_eq!(format!("{secret:?}"), format!("Secret({MASK})"));
        assert_eq!(
            format!("{:?}", Some(secret.clone())),
            format!("Some(Secret({MASK}))")
        );
        assert_eq!(secret.expose(), "hunter2");
    }
}
