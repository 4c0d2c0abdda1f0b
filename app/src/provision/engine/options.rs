//! How an apply or a resync may run: the way to send, and how long each wait may take.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How to send, as the user chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViaChoice {
    /// Push, falling back to post when an MPP phone cannot reach this laptop or refuses
    /// resyncs (Provision Enable is No). SPA phones have no `/admin/config.xml`: push only.
    #[default]
    Auto,
    Push,
    Post,
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub via: ViaChoice,
    /// The longest the whole operation may take once the phone has been read.
    pub timeout: Duration,
    /// Push: how long an idle phone may take to fetch the profile before phoneprov concludes
    /// it cannot reach this laptop.
    pub reach_timeout: Duration,
    /// Values that still differ while others already applied are reported after this long.
    pub settle: Duration,
    /// The longest pause between two read-backs (they start faster).
    pub max_poll_interval: Duration,
    /// Push: the `host:port` to put in the URL the phone fetches, when it differs from the
    /// address phoneprov listens on (a laptop behind NAT or a port forward). `None`: the
    /// local address that routes to the phone.
    pub push_advertise: Option<String>,
    /// Names the phone's configuration does not have are left out (each said in a note)
    /// instead of refusing the whole change (`set --skip-unknown`, the window's import).
    pub skip_unknown: bool,
    /// The MAC of the phone the changes were made for (the window's last read of it): a
    /// different phone answering at the address now is refused before anything is sent.
    pub expected_mac: Option<crate::identity::Mac>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            via: ViaChoice::Auto,
            timeout: Duration::from_secs(180),
            reach_timeout: Duration::from_secs(15),
            settle: Duration::from_secs(3),
            max_poll_interval: Duration::from_millis(500),
            push_advertise: None,
            skip_unknown: false,
            expected_mac: None,
        }
    }
}

/// Resync options.
#[derive(Debug, Clone)]
pub struct ResyncOptions {
    /// Follow the resync to its outcome (otherwise return once it was requested).
    pub wait: bool,
    pub timeout: Duration,
    pub max_poll_interval: Duration,
    /// A phone whose status page records no provisioning: how long it may stay up, silent
    /// and unchanged before the outcome is reported as unconfirmed.
    pub quiet: Duration,
}

impl Default for ResyncOptions {
    fn default() -> Self {
        ResyncOptions {
            wait: true,
            timeout: Duration::from_secs(180),
            max_poll_interval: Duration::from_millis(500),
            quiet: Duration::from_secs(20),
        }
    }
}
