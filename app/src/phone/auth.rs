//! How a phone wants to be authenticated, and the credentials phoneprov has for it.

use serde::{Deserialize, Serialize};

use super::secret::Secret;

/// What the phone asked for (found out by the client on first contact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// No password (SPA and MPP ≤ 11.x out of the box).
    None,
    /// `&xuser=admin&xpassword=PWD` appended to the request (Cisco's documented way for scripts).
    XPassword,
    /// HTTP Digest (SPA web access).
    Digest,
    /// HTTP Basic.
    Basic,
}

impl AuthMethod {
    pub fn label(self) -> &'static str {
        match self {
            AuthMethod::None => "no password",
            AuthMethod::XPassword => "xuser/xpassword",
            AuthMethod::Digest => "HTTP Digest",
            AuthMethod::Basic => "HTTP Basic",
        }
    }
}

/// The admin account phoneprov uses. `Debug` never shows the password.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: String,
    pub password: Option<Secret>,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            user: "admin".to_string(),
            password: None,
        }
    }
}

impl Credentials {
    pub fn new(user: impl Into<String>, password: Option<Secret>) -> Self {
        Credentials {
            user: user.into(),
            password,
        }
    }
}

/// `path?query&xuser=U&xpassword=P`, or `path?xuser=…` when there is no query, as Cisco
/// documents it. User and password are percent-encoded.
pub fn with_xpassword(path_and_query: &str, credentials: &Credentials) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let user = utf8_percent_encode(&credentials.user, NON_ALPHANUMERIC);
    let password = credentials
        .password
        .as_ref()
        .map(|p| utf8_percent_encode(p.expose(), NON_ALPHANUMERIC).to_string())
        .unwrap_or_default();
    let separator = if path_and_query.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{path_and_query}{separator}xuser={user}&xpassword={password}")
}

/// The challenge scheme of a `WWW-Authenticate` header.
pub fn challenge_method(header: &str) -> Option<AuthMethod> {
    let scheme = header.split_whitespace().next()?;
    if scheme.eq_ignore_ascii_case("digest") {
        Some(AuthMethod::Digest)
    } else if scheme.eq_ignore_ascii_case("basic") {
        Some(AuthMethod::Basic)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xpassword_goes_after_the_query_or_starts_one() {
        let credentials = Credentials::new("admin", Some(Secret::new("p&w d")));
        assert_eq!(
            with_xpassword("/admin/cfg.xml", &credentials),
            "/admin/cfg.xml?xuser=admin&xpassword=p%26w%20d"
        );
        assert_eq!(
            with_xpassword("/admin/resync?tftp://pc/f.xml", &credentials),
            "/admin/resync?tftp://pc/f.xml&xuser=admin&xpassword=p%26w%20d"
        );
    }

    #[test]
    fn credentials_debug_hides_the_password() {
        let credentials = Credentials::new("admin", Some(Secret::new("hunter2")));
        assert!(!format!("{credentials:?}").contains("hunter2"));
    }

    #[test]
    fn challenge_schemes() {
        assert_eq!(
            challenge_method("Digest realm=\"x\", nonce=\"y\""),
            Some(AuthMethod::Digest)
        );
        assert_eq!(
            challenge_method("Basic realm=\"x\""),
            Some(AuthMethod::Basic)
        );
        assert_eq!(challenge_method("Bearer"), None);
    }
}
