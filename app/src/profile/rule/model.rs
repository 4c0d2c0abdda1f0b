//! The parsed form of a rule: alternatives with their condition, assignments, options and
//! URL; the scheme a phone fetches with; the error with its position.

use crate::profile::condition::Condition;

/// How the phone fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scheme {
    Tftp,
    Http,
    Https,
    /// `gds://`: Webex activation onboarding.
    Gds,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Tftp => "tftp",
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Gds => "gds",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Tftp => 69,
            Scheme::Http => 80,
            Scheme::Https | Scheme::Gds => 443,
        }
    }

    /// Credentials sent with this scheme can be read on the wire.
    pub fn is_plain_text(self) -> bool {
        matches!(self, Scheme::Tftp | Scheme::Http)
    }
}

/// `[scheme://][server[:port]]/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleUrl {
    /// As written; `None` = TFTP.
    pub scheme: Option<Scheme>,
    /// `None` = the server DHCP names (option 66 or the configured list).
    pub server: Option<String>,
    pub port: Option<u16>,
    /// From the first `/` on.
    pub path: String,
    /// The URL as written.
    pub text: String,
    pub position: usize,
}

impl RuleUrl {
    pub fn effective_scheme(&self) -> Scheme {
        self.scheme.unwrap_or(Scheme::Tftp)
    }
}

/// The `[ … ]` options of an alternative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleOptions {
    pub key: Option<String>,
    pub uid: Option<String>,
    pub pwd: Option<String>,
    pub post: Option<String>,
    pub alias: Option<String>,
    pub srv: bool,
    pub position: Option<usize>,
}

/// `Name = "value";` inside `( … )!`; `a`..`p` are mapped to `GPP_A`..`GPP_P`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub value: String,
    pub position: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// Character position where the alternative starts.
    pub position: usize,
    /// The condition text as written, its position and parse.
    pub condition: Option<(String, usize, Condition)>,
    pub assignments: Vec<Assignment>,
    pub options: RuleOptions,
    pub url: Option<RuleUrl>,
}

/// A parsed rule. An empty rule has no alternatives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileRule {
    pub alternatives: Vec<Alternative>,
    /// SPA `# comment` and its position.
    pub comment: Option<(String, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {})", position + 1)]
pub struct RuleError {
    pub position: usize,
    pub message: String,
}

pub(super) fn err<T>(position: usize, message: impl Into<String>) -> Result<T, RuleError> {
    Err(RuleError {
        position,
        message: message.into(),
    })
}

impl ProfileRule {
    /// Whether any alternative sends credentials.
    pub fn has_credentials(&self) -> bool {
        self.alternatives
            .iter()
            .any(|a| a.options.uid.is_some() || a.options.pwd.is_some())
    }
}
