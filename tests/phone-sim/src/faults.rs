//! Faults a test can inject into a phone.

use serde::{Deserialize, Serialize};

/// What goes wrong, until cleared. JSON for `POST /__sim/faults` uses the same field names;
/// fields left out keep their default (no fault).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Faults {
    /// Every answer of the phone's web server is delayed by this many milliseconds.
    pub delay_ms: u64,
    /// The next N requests are answered by closing the connection (no HTTP response).
    pub reset_requests: u32,
    /// The next N requests get `500 Internal Server Error`.
    pub error_500: u32,
    /// XML dumps (`cfg.xml`, `spacfg.xml`, `status.xml`) are cut off half-way.
    pub truncated_xml: bool,
    /// XML dumps are not well-formed (mismatched tags).
    pub malformed_xml: bool,
    /// XML dumps are padded to this many megabytes (streamed).
    pub huge_body_mb: u32,
    /// Right after fetching a profile the phone drops off the network without applying it
    /// (as if unplugged); it stays unreachable until `PhoneControl::power_on`.
    pub vanish_after_fetch: bool,
    /// Parameters the phone silently refuses to change (POST and resync report success).
    pub drop_params: Vec<String>,
    /// Every admin page is answered with the firmware's HTML login form (200, `text/html`),
    /// as firmware does that wants its web session login.
    pub login_page: bool,
    /// XML dumps declare a DTD whose nested entities (billion laughs) a value uses.
    pub dtd_entities: bool,
    /// After this many configuration dumps (`cfg.xml`, `spacfg.xml`) have been served, the
    /// admin password changes to [`CHANGED_PASSWORD`], as if someone changed it at the phone
    /// meanwhile (0: never).
    pub password_changes_after_dumps: u32,
}

/// The admin password after [`Faults::password_changes_after_dumps`].
pub const CHANGED_PASSWORD: &str = "changed-at-the-phone";

impl Faults {
    pub fn drops(&self, name: &str) -> bool {
        self.drop_params.iter().any(|p| p == name)
    }
}
