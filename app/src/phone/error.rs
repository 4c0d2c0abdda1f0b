//! What can go wrong talking to a phone, in a technician's words: every variant names the
//! phone and never carries a secret.

use super::trust::CertificateChanged;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("cannot reach the phone at {phone}: {detail}")]
    Unreachable { phone: String, detail: String },
    #[error("the phone at {phone} did not answer {what} within {seconds} s")]
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
    #[error("the phone at {phone} answered {path} with HTTP {status}")]
    Status {
        phone: String,
        path: String,
        status: u16,
    },
    #[error("the phone at {phone} sent more than {limit} bytes for {path}; stopped reading")]
    TooLarge {
        phone: String,
        path: String,
        limit: usize,
    },
    #[error("the phone at {phone} answered {path} with something that is not usable XML: {detail}")]
    NotXml {
        phone: String,
        path: String,
        detail: String,
    },
    #[error("the connection to the phone at {phone} broke: {detail}")]
    Broken { phone: String, detail: String },
}

impl PhoneError {
    /// True when the phone did not answer at all (down, rebooting, unplugged, wrong address).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            PhoneError::Unreachable { .. }
                | PhoneError::TimedOut { .. }
                | PhoneError::Broken { .. }
        )
    }
}
