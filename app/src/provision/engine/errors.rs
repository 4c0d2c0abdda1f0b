//! Why an operation ended without success, in a technician's words: what happened, what
//! the phone may now hold, and what to do instead.

use crate::phone::PhoneError;
use crate::phone::trust::TrustStoreError;
use crate::profile::names::UnknownName;
use crate::provision::events::Mismatch;
use crate::provision::history::HistoryError;
use crate::storage::NoDataDir;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("refused before touching the phone: {}", errors.join("; "))]
    Invalid { errors: Vec<String> },
    /// Names the phone's own configuration does not have: it would ignore them, so nothing
    /// was sent.
    #[error(
        "refused before touching the phone: the phone at {phone} has no parameter named {}; \
         nothing was sent", unknown.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    UnknownNames {
        phone: String,
        unknown: Vec<UnknownName>,
    },
    #[error("{0}")]
    Phone(PhoneError),
    /// The phone's current values could not be read whole, so nothing was sent.
    #[error("{0}. Nothing was sent to the phone")]
    NotRead(PhoneError),
    #[error("{0}")]
    History(String),
    /// `advice` says what works instead (post for an MPP phone's changes; Provision Enable to
    /// Yes first otherwise).
    #[error(
        "refused: Provision Enable is No on the phone at {phone}, so it refuses every resync. {advice}"
    )]
    ProvisionDisabled { phone: String, advice: String },
    #[error(
        "the phone at {phone} could not reach this laptop: it did not fetch the profile from {url} \
         within {seconds} s ({causes})"
    )]
    CannotReachLaptop {
        phone: String,
        url: String,
        seconds: u64,
        /// The likely causes, in words.
        causes: String,
    },
    #[error("the profile was not given to the phone at {phone}: {reason}")]
    WrongPhone { phone: String, reason: String },
    #[error("the phone at {phone} reports the resync failed: {detail}")]
    ResyncFailed { phone: String, detail: String },
    #[error(
        "not verified after {seconds} s: {}", mismatches.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Unverified {
        phone: String,
        seconds: u64,
        mismatches: Vec<Mismatch>,
        verified: Vec<String>,
    },
    #[error(
        "the phone at {phone} stopped answering {stage} and did not come back within {seconds} s; \
         it may be rebooting, or have lost power or its network, and may have applied some, all or \
         none of the changes. {snapshot_hint}"
    )]
    Disappeared {
        phone: String,
        stage: String,
        seconds: u64,
        snapshot_hint: String,
    },
    #[error("timed out after {seconds} s {stage}")]
    TimedOut { stage: String, seconds: u64 },
    #[error("cancelled {stage}. {snapshot_hint}")]
    Cancelled {
        stage: String,
        snapshot_hint: String,
    },
    #[error("cannot start the provisioning server: {0}")]
    Server(String),
    #[error(
        "refused before touching the phone: the phone at {phone} is an SPA phone, which has no \
         /admin/config.xml to post to; send with --via push (or auto), which has it fetch the \
         profile by resync"
    )]
    PostNotOnSpa { phone: String },
    #[error(
        "another phone answers at {phone} now ({now}; the changes were made for the phone with \
         MAC {expected}); nothing was sent: read the phone again and check the changes"
    )]
    AnotherPhoneNow {
        phone: String,
        expected: String,
        now: String,
    },
    #[error("this snapshot is of another phone ({snapshot_phone}), not of the phone at {phone}")]
    SnapshotOfAnotherPhone {
        phone: String,
        snapshot_phone: String,
    },
}

impl From<PhoneError> for ApplyError {
    fn from(e: PhoneError) -> Self {
        ApplyError::Phone(e)
    }
}

impl ApplyError {
    /// A failed read before anything was sent.
    pub(super) fn not_read(e: PhoneError) -> Self {
        ApplyError::NotRead(e)
    }

    /// The phone's error underneath, if this is one.
    pub fn phone_error(&self) -> Option<&PhoneError> {
        match self {
            ApplyError::Phone(e) | ApplyError::NotRead(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HistoryError> for ApplyError {
    fn from(e: HistoryError) -> Self {
        ApplyError::History(e.to_string())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    NoDataDir(#[from] NoDataDir),
    #[error(transparent)]
    Trust(#[from] TrustStoreError),
}

impl ApplyError {
    /// Push found the phone refusing resyncs (Provision Enable is No): post instead, or on
    /// SPA phones (which take changes only by resync) turn provisioning on first.
    pub(super) fn provision_disabled_for_push(phone: String, spa: bool) -> Self {
        let advice = if spa {
            "SPA phones take changes only by resync (they have no /admin/config.xml): \
             set Provision Enable to Yes on the phone's web page \
             (Voice > Provisioning) first"
                .to_string()
        } else {
            "Send with --via post (or auto) instead, or set Provision_Enable=Yes first".to_string()
        };
        ApplyError::ProvisionDisabled { phone, advice }
    }

    /// A resync asked of a phone that refuses them (Provision Enable is No).
    pub(super) fn provision_disabled_for_resync(phone: String, spa: bool) -> Self {
        let advice = if spa {
            "Set Provision Enable to Yes on the phone's web page (Voice > Provisioning) first"
                .to_string()
        } else {
            format!(
                "Set it to Yes first (`phoneprov set {phone} Provision_Enable=Yes`, which sends \
                 by POST)"
            )
        };
        ApplyError::ProvisionDisabled { phone, advice }
    }

    /// The phone did not fetch the profile at `url` within `reach_timeout`.
    /// `call_state_reported`: whether the phone says when it is on a call (a phone that
    /// does not may simply be on one).
    pub(super) fn cannot_reach(
        phone: String,
        url: String,
        reach_timeout: std::time::Duration,
        call_state_reported: bool,
    ) -> Self {
        ApplyError::CannotReachLaptop {
            phone,
            url,
            seconds: reach_timeout.as_secs(),
            causes: unreachable_causes(call_state_reported),
        }
    }
}

/// Why a phone may not have fetched a pushed profile, for [`ApplyError::CannotReachLaptop`].
fn unreachable_causes(call_state_reported: bool) -> String {
    if call_state_reported {
        "a firewall on this laptop, or the phone on another network/VLAN?".to_string()
    } else {
        "a firewall on this laptop, the phone on another network/VLAN, or a call in progress: \
         this phone does not report its call state, and phones fetch only when idle"
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_without_a_call_state_may_be_on_a_call() {
        assert!(unreachable_causes(false).contains("call in progress"));
        assert!(!unreachable_causes(true).contains("call"));
    }

    #[test]
    fn a_refusing_phone_is_told_what_works_instead() {
        let mpp = ApplyError::provision_disabled_for_push("10.0.0.5:80".into(), false);
        assert!(mpp.to_string().contains("--via post"), "{mpp}");
        let spa = ApplyError::provision_disabled_for_push("10.0.0.6:80".into(), true);
        assert!(spa.to_string().contains("Voice > Provisioning"), "{spa}");
        let resync = ApplyError::provision_disabled_for_resync("10.0.0.5:80".into(), false);
        assert!(
            resync
                .to_string()
                .contains("`phoneprov set 10.0.0.5:80 Provision_Enable=Yes`"),
            "{resync}"
        );
    }
}
