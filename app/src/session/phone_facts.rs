//! What a read of a phone saw beyond the form's fields: every setting, the call state, the
//! phone's clock, how it logged in, and where a push would come from. The readiness check
//! and the history's comparisons read it; it is kept in memory only.

use std::collections::BTreeMap;
use std::net::IpAddr;

/// What a read of the phone saw beyond the form's fields, for the readiness check and the
/// history's comparisons. Kept in memory only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneFacts {
    /// Every configuration value as the phone named it (passwords are hidden by the phone).
    pub settings: BTreeMap<String, String>,
    /// `Some(true)` while a call is active; `None` when the status page does not say.
    pub call_active: Option<bool>,
    /// The phone's clock as its status page prints it (`Current_Time`), when it does.
    pub clock: Option<String>,
    /// The read used a saved password.
    pub login_used: bool,
    /// The phone is an SPA (no POST endpoint: changes can only be pushed).
    pub spa: bool,
    /// This computer's address towards the phone (where a push is served from), or why
    /// there is none.
    pub laptop_address: Result<IpAddr, String>,
    /// When the read finished, by this computer's clock.
    pub read_at: jiff::Timestamp,
}
