//! What the engine reports while it works: plain, serialisable values with timestamps, sent
//! through a channel the GUI or the CLI drains. Secrets never appear: values pass through the
//! one masking rule ([`crate::profile::mask::mask_value`]) before they are put in an event.

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::profile::mask::mask_value;

/// How a change reaches the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// phoneprov serves a one-time profile and asks the phone to resync from it.
    Push,
    /// `POST /admin/config.xml`.
    Post,
}

impl Via {
    pub fn label(self) -> &'static str {
        match self {
            Via::Push => "push",
            Via::Post => "post",
        }
    }
}

/// One parameter's change, values masked: a secret parameter's value is `****`, and so are
/// the `--key`/`--uid`/`--pwd` values inside rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub name: String,
    /// What the phone had (`None`: the phone does not report the parameter).
    pub old: Option<String>,
    pub new: String,
}

impl Change {
    pub fn shown(name: &str, old: Option<&str>, new: &str) -> Self {
        Change {
            name: name.to_string(),
            old: old.map(|o| mask_value(name, o)),
            new: mask_value(name, new),
        }
    }
}

/// A value that does not read back as intended (values masked, as in [`Change`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    pub name: String,
    pub wanted: String,
    /// `None`: the phone does not report the parameter at all.
    pub read_back: Option<String>,
}

impl Mismatch {
    /// A mismatch with its values masked for showing.
    pub fn shown(name: &str, wanted: &str, read_back: Option<&str>) -> Self {
        Mismatch {
            name: name.to_string(),
            wanted: mask_value(name, wanted),
            read_back: read_back.map(|r| mask_value(name, r)),
        }
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.read_back {
            Some(value) => write!(
                f,
                "{} reads back as \"{}\" instead of \"{}\"",
                self.name, value, self.wanted
            ),
            None => write!(
                f,
                "{} is not in the phone's configuration (the phone ignored it)",
                self.name
            ),
        }
    }
}

/// One state the operation passed, as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EventKind {
    /// The changes passed the schema's validation (warnings do not stop anything).
    Validated {
        warnings: Vec<String>,
    },
    /// The phone's HTTPS certificate was seen for the first time and is now remembered.
    CertificateTrusted {
        sha256: String,
    },
    /// The phone takes its admin password only in clear over plain HTTP (xpassword in the
    /// URL, or Basic): anyone on the LAN can read it. Said once per phone
    /// ([`crate::provision::Engine::password_in_clear_notice`]).
    PasswordInClear,
    /// The phone's current values were read; these are the differences.
    Compared {
        changes: Vec<Change>,
        unchanged: usize,
    },
    /// Everything already had the wanted value: nothing is sent.
    NothingToChange,
    SnapshotSaved {
        snapshot: String,
        path: String,
    },
    /// The profile is on its way (push: the resync request was accepted).
    Sent {
        via: Via,
        detail: String,
    },
    /// The phone is on a call; it applies only when idle.
    WaitingForIdle,
    /// The phone fetched phoneprov's one-time profile.
    ProfileFetched {
        user_agent: Option<String>,
    },
    /// Push did not work, or cannot (Provision Enable is No); post is used instead.
    /// `reason` says why.
    FallingBack {
        from: Via,
        to: Via,
        reason: String,
    },
    /// The phone stopped answering (rebooting to apply, or gone).
    Rebooting,
    /// The phone answers again after being unreachable.
    BackOnline,
    /// The changed values read back as intended.
    Applied {
        names: Vec<String>,
    },
    /// Every change is confirmed on the phone.
    Verified {
        names: Vec<String>,
    },
    /// A resync was asked for.
    ResyncRequested {
        rule: Option<String>,
    },
    /// The phone reported the outcome of a resync (status page or syslog).
    ResyncFinished {
        success: bool,
        detail: String,
    },
    /// A `Log_*_Msg` syslog line from the phone.
    Syslog {
        text: String,
    },
    /// Something to know that does not stop the operation.
    Note {
        message: String,
    },
    /// The operation ended without success; `reason` says why in words.
    Failed {
        reason: String,
    },
}

impl EventKind {
    /// The event in words: the one sentence the command line prints and the window shows
    /// (the window adds an icon and a colour, and starts it with a capital).
    pub fn describe(&self) -> String {
        match self {
            EventKind::Validated { warnings } if warnings.is_empty() => "validated".to_string(),
            EventKind::Validated { warnings } => format!(
                "validated ({} warning(s): {})",
                warnings.len(),
                warnings.join("; ")
            ),
            EventKind::CertificateTrusted { sha256 } => {
                format!("trusting the phone's HTTPS certificate on first use (SHA-256 {sha256})")
            }
            EventKind::PasswordInClear => "warning: the admin password goes to this phone in \
                 clear over plain HTTP, readable by anyone on the LAN; use https://ADDRESS if the \
                 phone offers HTTPS (Enable_Protocol = Https)"
                .to_string(),
            EventKind::Compared { changes, unchanged } => format!(
                "read current values: {} to change, {} already as wanted",
                changes.len(),
                unchanged
            ),
            EventKind::NothingToChange => {
                "nothing to change: every value is already as wanted".to_string()
            }
            EventKind::SnapshotSaved { snapshot, .. } => format!("snapshot saved ({snapshot})"),
            EventKind::Sent { via, detail } => format!("sent by {} ({detail})", via.label()),
            EventKind::WaitingForIdle => {
                "waiting for the phone to be idle (it is on a call)".to_string()
            }
            EventKind::ProfileFetched { user_agent } => format!(
                "profile fetched by the phone ({})",
                user_agent.as_deref().unwrap_or("no User-Agent")
            ),
            EventKind::FallingBack { from, to, reason } => format!(
                "{reason}; sending by {} instead of {}",
                to.label(),
                from.label()
            ),
            EventKind::Rebooting => "the phone stopped answering (rebooting?)".to_string(),
            EventKind::BackOnline => "the phone answers again".to_string(),
            EventKind::Applied { names } => format!("applied: {}", names.join(", ")),
            EventKind::Verified { names } => format!("verified on the phone: {}", names.join(", ")),
            EventKind::ResyncRequested { rule: Some(rule) } => {
                format!("resync requested from {rule}")
            }
            EventKind::ResyncRequested { rule: None } => {
                "resync requested (the phone's own rules)".to_string()
            }
            EventKind::ResyncFinished {
                success: true,
                detail,
            } => format!("resync succeeded: {detail}"),
            EventKind::ResyncFinished {
                success: false,
                detail,
            } => format!("resync failed: {detail}"),
            EventKind::Syslog { text } => format!("syslog: {text}"),
            EventKind::Note { message } => message.clone(),
            // The reason is a whole sentence about what went wrong.
            EventKind::Failed { reason } => reason.clone(),
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// An event with its time and the phone it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionEvent {
    pub at: jiff::Timestamp,
    /// `host:port` of the phone.
    pub phone: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl ProvisionEvent {
    /// One line for a terminal: the time, the phone and [`EventKind::describe`].
    pub fn summary(&self) -> String {
        format!(
            "{} {}: {}",
            self.at.strftime("%H:%M:%S"),
            self.phone,
            self.kind.describe()
        )
    }
}

/// Where an operation sends its events. Closed receivers are ignored: an operation never
/// fails because nobody listens.
#[derive(Debug, Clone)]
pub struct EventSink {
    phone: String,
    sender: Option<mpsc::UnboundedSender<ProvisionEvent>>,
}

impl EventSink {
    pub fn new(phone: impl Into<String>, sender: mpsc::UnboundedSender<ProvisionEvent>) -> Self {
        EventSink {
            phone: phone.into(),
            sender: Some(sender),
        }
    }

    /// A sink that drops events (benchmarks, callers that only want the report).
    pub fn discard(phone: impl Into<String>) -> Self {
        EventSink {
            phone: phone.into(),
            sender: None,
        }
    }

    pub fn emit(&self, kind: EventKind) {
        let event = ProvisionEvent {
            at: jiff::Timestamp::now(),
            phone: self.phone.clone(),
            kind,
        };
        log::debug!("{}", event.summary());
        if let Some(sender) = &self.sender {
            let _ = sender.send(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "[--uid tech --pwd Pw0rd!]https://srv/p.xml";

    #[test]
    fn changes_and_mismatches_never_show_credentials_inside_rules() {
        let change = Change::shown("Profile_Rule", Some(RULE), "[--key K3y]https://srv/q.xml");
        let json = serde_json::to_string(&change).unwrap();
        for secret in ["tech", "Pw0rd!", "K3y"] {
            assert!(!json.contains(secret), "{json}");
        }
        assert_eq!(
            change.old.as_deref(),
            Some("[--uid **** --pwd ****]https://srv/p.xml")
        );
        let mismatch = Mismatch::shown("Profile_Rule", RULE, Some("http://other/p.xml"));
        let text = mismatch.to_string();
        assert!(!text.contains("Pw0rd!") && !text.contains("tech"), "{text}");
        assert!(text.contains("--pwd ****"), "{text}");
        let secret = Mismatch::shown("Admin_Password", "hunter2", Some(""));
        assert!(!secret.to_string().contains("hunter2"));
    }

    #[test]
    fn the_command_line_says_each_event_in_its_one_sentence() {
        let event = ProvisionEvent {
            at: jiff::Timestamp::from_second(0).unwrap(),
            phone: "10.0.0.5:80".to_string(),
            kind: EventKind::ProfileFetched { user_agent: None },
        };
        assert!(
            event
                .summary()
                .ends_with("10.0.0.5:80: profile fetched by the phone (no User-Agent)"),
            "{}",
            event.summary()
        );
        let failed = EventKind::Failed {
            reason: "cancelled while reading".to_string(),
        };
        assert_eq!(failed.to_string(), "cancelled while reading");
    }
}
