//! What can go wrong talking to a phone, in a technician's words, each with the next step:
//! every variant names the phone and never carries a secret. The command line and the window
//! both show these words (this is their one home).

use serde::{Deserialize, Serialize};

use super::trust::CertificateChanged;
use crate::profile::schema;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("cannot reach the phone at {phone}: {detail}; check the address and the network")]
    Unreachable { phone: String, detail: String },
    #[error(
        "nothing listens at {phone}: the phone's web server is off or on another port \
         (Web_Server_Port), or no phone has this address; check the address and port"
    )]
    NothingListens { phone: String },
    #[error(
        "no route to {phone}: this laptop cannot reach that address; check the address, and that \
         this laptop is on the phones' network (VLAN, Wi-Fi)"
    )]
    NoRoute { phone: String },
    #[error(
        "the phone at {phone} did not answer {what} within {seconds} s: it may be off, rebooting \
         or on another network; check that it is on and reachable, then try again"
    )]
    TimedOut {
        phone: String,
        what: String,
        seconds: u64,
    },
    #[error(
        "the phone at {phone} asks for a password: give it with --password or PHONEPROV_PASSWORD"
    )]
    NeedsPassword { phone: String },
    #[error(
        "the phone at {phone} refused the password for user \"{user}\" ({method}): wrong password"
    )]
    WrongPassword {
        phone: String,
        user: String,
        method: String,
    },
    #[error(
        "the phone at {phone} answered {path} with its login page: it wants a password, or its \
         firmware's web login is not supported (phoneprov logs in with xuser/xpassword, Basic or \
         Digest); give the admin password, or use the phone's web page"
    )]
    LoginPage { phone: String, path: String },
    #[error(
        "the device at {phone} answers HTTP but is not a Cisco/Linksys phone: it is {seen}; \
         nothing was sent to it; check the address"
    )]
    NotAPhone {
        phone: String,
        /// What it is seen to be: its Server header, its page's title.
        seen: String,
    },
    #[error(
        "the phone at {phone} redirects {path} to another host ({to}); not followed: phoneprov \
         talks only to the address it was given; check the address (is it the phone's?)"
    )]
    RedirectedElsewhere {
        phone: String,
        path: String,
        to: String,
    },
    #[error("{}", problem.sentence(phone, path, *page))]
    Unreadable {
        phone: String,
        path: String,
        page: PageKind,
        problem: PageProblem,
    },
    #[error(
        "the phone at {phone} answers its web page but refuses {path} (HTTP {status}): admin web \
         access or direct-action URLs are turned off on it (Enable_Web_Admin_Access / \
         Enable_Direct_Action_Url = No); turning admin access back on needs a factory reset"
    )]
    AdminAccessDisabled {
        phone: String,
        path: String,
        status: u16,
    },
    #[error(
        "the phone at {phone} refuses {path} (HTTP 403{said}): admin web access or direct-action \
         URLs are turned off on it (Enable_Web_Admin_Access / Enable_Direct_Action_Url = No; the \
         first can only be undone by a factory reset), or for a resync Provision Enable is No"
    )]
    Forbidden {
        phone: String,
        path: String,
        /// What the phone's answer said, e.g. `: "Admin web access is disabled"`.
        said: String,
    },
    #[error("{0}")]
    CertificateChanged(CertificateChanged),
    #[error(
        "the phone at {phone} uses HTTPS but no trust store was given: phoneprov never accepts \
         a certificate without remembering it"
    )]
    NoTrustStore { phone: String },
    #[error("HTTPS with the phone at {phone} failed: {detail}")]
    Tls { phone: String, detail: String },
    #[error("the phone at {phone} answered {path} with HTTP {status}{}", status_advice(*status))]
    Status {
        phone: String,
        path: String,
        status: u16,
    },
    #[error(
        "the phone at {phone} sent more than {} bytes for {path}; stopped reading, nothing \
         was read (a phone's configuration is about 100 kB): check that this is a phone",
        thousands(*limit)
    )]
    TooLarge {
        phone: String,
        path: String,
        limit: usize,
    },
    #[error(
        "the connection to the phone at {phone} broke: {detail}; nothing was read from the \
         broken answer: try again, and check the network if it happens again"
    )]
    Broken { phone: String, detail: String },
}

/// What an HTTP status tells a technician to do next.
fn status_advice(status: u16) -> &'static str {
    match status {
        500..=599 => {
            " (an error inside the phone): try again in a minute; if it stays, reboot the phone"
        }
        404 => " (no such page)",
        _ => "",
    }
}

impl PhoneError {
    /// True when the phone did not answer at all (down, rebooting, unplugged, wrong address).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            PhoneError::Unreachable { .. }
                | PhoneError::NothingListens { .. }
                | PhoneError::NoRoute { .. }
                | PhoneError::TimedOut { .. }
                | PhoneError::Broken { .. }
        )
    }
}

/// Which page an answer was meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageKind {
    /// `cfg.xml` / `spacfg.xml`: a `<flat-profile>`.
    Config,
    /// `status.xml`: a `<flat-status>`.
    Status,
}

impl PageKind {
    pub(super) fn what(self) -> &'static str {
        match self {
            PageKind::Config => "configuration",
            PageKind::Status => "status page",
        }
    }

    /// The outermost elements this page comes in (`device` wraps a profile; MPP status
    /// pages' root is not documented, `status` is accepted beside `flat-status`).
    pub(super) fn roots(self) -> &'static [&'static str] {
        match self {
            PageKind::Config => &["flat-profile", "device"],
            PageKind::Status => &["flat-status", "status"],
        }
    }

    /// A field this page always carries.
    pub(super) fn always_has(self, name: &str) -> bool {
        match self {
            PageKind::Config => schema::lookup(name).is_some(),
            PageKind::Status => STATUS_FIELDS.contains(&name),
        }
    }
}

/// Fields every status page carries (MPP and SPA ATA alike): who the phone is.
const STATUS_FIELDS: &[&str] = &[
    "Product_Name",
    "Model_Number",
    "Serial_Number",
    "Software_Version",
    "Hardware_Version",
    "MAC_Address",
];

/// What was wrong with an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageProblem {
    Empty,
    Binary,
    /// A character set that cannot be decoded, as declared.
    Charset(String),
    /// A web page that is not the login page (its title, if any).
    WebPage(Option<String>),
    /// The document ends before its outermost element is closed.
    Truncated {
        bytes: usize,
    },
    Dtd,
    /// Not well-formed: the first problem, in the reader's words.
    Malformed(String),
    /// Another document (its outermost element).
    OtherRoot(String),
    /// A document without any of the fields the page always has.
    NoKnownFields,
}

impl PageProblem {
    /// The whole sentence for [`PhoneError::Unreadable`].
    pub fn sentence(&self, phone: &str, path: &str, page: PageKind) -> String {
        let what = page.what();
        let start = format!("the phone at {phone} answered {path} with");
        let end = "nothing was read from it";
        match self {
            PageProblem::Empty => {
                format!("{start} nothing (an empty answer) instead of its {what}; {end}: try again")
            }
            PageProblem::Binary => format!("{start} binary data, not its {what}; {end}"),
            PageProblem::Charset(charset) => {
                format!("{start} text in a character set phoneprov cannot read ({charset}); {end}")
            }
            PageProblem::WebPage(title) => format!(
                "{start} a web page{} instead of its {what} (XML); {end}",
                title
                    .as_ref()
                    .map(|t| format!(" titled \"{t}\""))
                    .unwrap_or_default()
            ),
            PageProblem::Truncated { bytes } => format!(
                "the {what} from the phone at {phone} stopped after {} bytes ({path} was cut \
                 off); {end}: try again, and check the network (cable, Wi-Fi) if it happens again",
                thousands(*bytes)
            ),
            PageProblem::Dtd => format!(
                "{start} XML that declares a DTD; refused (phoneprov expands no entities); {end}"
            ),
            PageProblem::Malformed(detail) => {
                format!("{start} XML that is not well-formed ({detail}); {end}")
            }
            PageProblem::OtherRoot(root) => format!(
                "{start} a <{root}> document, not its {what} (<{}>); {end}",
                page.roots()[0]
            ),
            PageProblem::NoKnownFields => format!(
                "{start} a document that has none of the fields its {what} always has; {end}"
            ),
        }
    }
}

/// `1234567` → `1,234,567`.
pub(super) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
