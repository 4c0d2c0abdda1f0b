//! What a phone's status page says that the engine needs: identity, whether a call is active,
//! the provisioning status entries and the reboot history. `status.xml` tag names for call and
//! provisioning state are not documented, so they are recognised by what their names contain.

use serde::{Deserialize, Serialize};

use crate::identity::PhoneIdentity;
use crate::profile::mask::mask_value;
use crate::profile::xml::Document;

/// One "Provisioning Status" entry (newest first on the page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisioningEntry {
    /// The element it came from (e.g. `Provisioning_Status_1`).
    pub source: String,
    /// As the phone wrote it (status, time and reason may share one value).
    pub text: String,
}

impl ProvisioningEntry {
    /// Whether the text reports a failure (the phone's wording varies).
    pub fn is_failure(&self) -> bool {
        let lower = self.text.to_ascii_lowercase();
        [
            "fail",
            "error",
            "refus",
            "denied",
            "not found",
            "unreachable",
        ]
        .iter()
        .any(|word| lower.contains(word))
    }

    pub fn is_success(&self) -> bool {
        let lower = self.text.to_ascii_lowercase();
        !self.is_failure() && (lower.contains("success") || lower.contains("applied"))
    }
}

/// The parts of `status.xml` the engine follows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneStatus {
    pub identity: PhoneIdentity,
    /// `Some(true)` while a call is active; `None` when the page does not say.
    pub call_active: Option<bool>,
    /// Provisioning status entries, newest first.
    pub provisioning: Vec<ProvisioningEntry>,
    /// What the provisioning engine is doing now, when the page says (`Idle`,
    /// `Waiting For Idle`, `Resyncing`, `Rebooting`).
    pub provisioning_state: Option<String>,
    /// `Reboot_Reason_1..5`, newest first (`[08/10/14 14:03:43]Provisioning`).
    pub reboot_reasons: Vec<String>,
    /// Every element as read (for `phoneprov status --json` and troubleshooting).
    pub elements: Vec<(String, String)>,
}

impl PhoneStatus {
    pub fn from_document(document: &Document) -> Self {
        let mut status = PhoneStatus {
            identity: document.identity(),
            ..PhoneStatus::default()
        };
        let mut provisioning: Vec<(u32, ProvisioningEntry)> = Vec::new();
        let mut reboots: Vec<(u32, String)> = Vec::new();
        for element in &document.elements {
            let name = element.name.as_str();
            let lower = name.to_ascii_lowercase();
            let value = element.value.trim();
            status.elements.push((name.to_string(), value.to_string()));
            if lower.contains("call") && lower.contains("state") {
                let busy = is_call_state_busy(value);
                // Several lines/calls: any busy one makes the phone busy.
                status.call_active = Some(status.call_active.unwrap_or(false) || busy);
            } else if lower.starts_with("reboot_reason") {
                if !value.is_empty() {
                    reboots.push((trailing_number(name).unwrap_or(u32::MAX), value.to_string()));
                }
            } else if lower.contains("provisioning_state") || lower.contains("prov_state") {
                status.provisioning_state = (!value.is_empty()).then(|| value.to_string());
            } else if (lower.starts_with("provisioning_") || lower.starts_with("prov_"))
                && trailing_number(name).is_some()
                && !value.is_empty()
            {
                provisioning.push((
                    trailing_number(name).unwrap_or(u32::MAX),
                    ProvisioningEntry {
                        source: name.to_string(),
                        text: value.to_string(),
                    },
                ));
            }
        }
        // Numbered 1 = newest; a stable sort keeps several fields of one entry together.
        provisioning.sort_by_key(|(n, _)| *n);
        reboots.sort_by_key(|(n, _)| *n);
        status.provisioning = merge_entries(provisioning);
        status.reboot_reasons = reboots.into_iter().map(|(_, r)| r).collect();
        status
    }

    /// True while the phone's provisioning engine is busy (resyncing, waiting for idle,
    /// rebooting), when the page says so.
    pub fn provisioning_busy(&self) -> bool {
        self.provisioning_state.as_deref().is_some_and(|state| {
            let lower = state.to_ascii_lowercase();
            ["resync", "waiting", "reboot", "download", "progress"]
                .iter()
                .any(|word| lower.contains(word))
        })
    }

    /// Whether the page records provisioning at all (entries or a state). Real SPA ATA
    /// pages record neither; then only syslog, reboots and reading back tell a resync.
    pub fn records_provisioning(&self) -> bool {
        !self.provisioning.is_empty() || self.provisioning_state.is_some()
    }

    /// The phone says it waits for its line to become idle.
    pub fn waiting_for_idle(&self) -> bool {
        self.call_active == Some(true)
            || self.provisioning_state.as_deref().is_some_and(|s| {
                s.to_ascii_lowercase().contains("idle") && s.to_ascii_lowercase().contains("wait")
            })
    }

    /// The newest provisioning entry.
    pub fn latest_provisioning(&self) -> Option<&ProvisioningEntry> {
        self.provisioning.first()
    }

    /// A failure entry that was not on the page `before` (masked: it may quote a rule).
    pub fn failure_since(&self, before: Option<&PhoneStatus>) -> Option<String> {
        self.new_entry_since(before)
            .filter(|entry| entry.is_failure())
            .map(|entry| mask_value("", &entry.text))
    }

    /// A success entry that was not on the page `before` (masked like failures).
    pub fn success_since(&self, before: Option<&PhoneStatus>) -> Option<String> {
        self.new_entry_since(before)
            .filter(|entry| entry.is_success())
            .map(|entry| mask_value("", &entry.text))
    }

    /// A reboot for provisioning that was not in the history `before`: its reason.
    pub fn provisioning_reboot_since(&self, before: Option<&PhoneStatus>) -> Option<String> {
        let latest = self.reboot_reasons.first()?;
        let old = before.and_then(|b| b.reboot_reasons.first());
        (old != Some(latest) && latest.to_ascii_lowercase().contains("provision"))
            .then(|| latest.clone())
    }

    /// The newest provisioning entry, when it differs from the newest one `before`.
    fn new_entry_since(&self, before: Option<&PhoneStatus>) -> Option<&ProvisioningEntry> {
        let latest = self.latest_provisioning()?;
        let old = before.and_then(|b| b.latest_provisioning());
        (old != Some(latest)).then_some(latest)
    }

    /// The value of a status element by name.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.elements
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Entries split over several elements with the same number (`Provisioning_Status_1`,
/// `Provisioning_Status_1_Time`, …) become one entry with the texts joined.
fn merge_entries(entries: Vec<(u32, ProvisioningEntry)>) -> Vec<ProvisioningEntry> {
    let mut merged: Vec<(u32, ProvisioningEntry)> = Vec::new();
    for (number, entry) in entries {
        match merged.last_mut() {
            Some((last, existing)) if *last == number && number != u32::MAX => {
                existing.text.push_str(" | ");
                existing.text.push_str(&entry.text);
            }
            _ => merged.push((number, entry)),
        }
    }
    merged.into_iter().map(|(_, e)| e).collect()
}

/// `Idle`, `On Hook`, empty or 0 mean no call; anything else (Connected, Ringing, Busy,
/// Off Hook, Hold, 1…) is a call.
fn is_call_state_busy(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "" | "idle" | "on hook" | "onhook" | "on-hook" | "0" | "no" | "none" | "false" | "inactive"
    )
}

/// The first number in a name: `Reboot_Reason_3` → 3, `Provisioning_Status_1_Time` → 1.
fn trailing_number(name: &str) -> Option<u32> {
    name.split(|c: char| !c.is_ascii_digit())
        .find(|part| !part.is_empty())
        .and_then(|part| part.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::xml::read_document;

    #[test]
    fn reads_calls_provisioning_and_reboots_from_a_dump() {
        // Cisco's own example of the reboot block is not well-formed: unclosed elements.
        let xml = "<status><Product_Name>CP-8861-3PCC</Product_Name>\
            <Call_State_1>Connected</Call_State_1><Call_State_2>Idle</Call_State_2>\
            <Provisioning_Status_2>Failed [11/24/26 10:00:00] http_get failed</Provisioning_Status_2>\
            <Provisioning_Status_1>Successful [11/25/26 10:00:00] http://x/p.xml</Provisioning_Status_1>\
            <Reboot_History><Reboot_Reason_2>[08/10/14 14:03:43]Power</Reboot_Reason_2>\
            <Reboot_Reason_1>[08/10/14 14:05:43]Provisioning</Reboot_Reason_1></Reboot_History></status>";
        let status = PhoneStatus::from_document(&read_document(xml).unwrap());
        assert_eq!(status.identity.model.as_deref(), Some("CP-8861-3PCC"));
        assert_eq!(status.call_active, Some(true));
        let latest = status.latest_provisioning().unwrap();
        assert!(latest.is_success() && !latest.is_failure(), "{latest:?}");
        assert!(status.provisioning[1].is_failure());
        assert_eq!(
            status.reboot_reasons,
            vec![
                "[08/10/14 14:05:43]Provisioning".to_string(),
                "[08/10/14 14:03:43]Power".to_string()
            ]
        );
    }

    #[test]
    fn only_entries_and_reboots_new_since_before_count() {
        let page = |entry: &str, reboot: &str| {
            let xml = format!(
                "<s><Provisioning_Status_1>{entry}</Provisioning_Status_1>\
                 <Reboot_Reason_1>{reboot}</Reboot_Reason_1></s>"
            );
            PhoneStatus::from_document(&read_document(&xml).unwrap())
        };
        let before = page("Successful [1] http://x/a.xml", "[1]Power");
        assert_eq!(before.success_since(Some(&before)), None);
        assert!(before.success_since(None).is_some());
        let failed = page("Failed [2] [--pwd secret]http://x/b.xml", "[2]Provisioning");
        let failure = failed.failure_since(Some(&before)).unwrap();
        assert!(
            failure.contains("--pwd ****") && !failure.contains("secret"),
            "{failure}"
        );
        assert_eq!(failed.success_since(Some(&before)), None);
        assert_eq!(
            failed.provisioning_reboot_since(Some(&before)).as_deref(),
            Some("[2]Provisioning")
        );
        assert_eq!(failed.provisioning_reboot_since(Some(&failed)), None);
        assert_eq!(
            before.provisioning_reboot_since(None),
            None,
            "a power cycle"
        );
    }

    #[test]
    fn idle_phones_and_silent_pages() {
        let idle = read_document("<s><Call_State>Idle</Call_State></s>").unwrap();
        assert_eq!(PhoneStatus::from_document(&idle).call_active, Some(false));
        let waiting = read_document(
            "<flat-status><Call_State>Connected</Call_State><Provisioning_State>Waiting For Idle</Provisioning_State>\
             <Provisioning_Status_1>Successful</Provisioning_Status_1><Provisioning_Time_1>11/25/26 04:55:00</Provisioning_Time_1>\
             <Provisioning_Reason_1>http://x/p.xml</Provisioning_Reason_1></flat-status>",
        )
        .unwrap();
        let waiting = PhoneStatus::from_document(&waiting);
        assert!(waiting.waiting_for_idle() && waiting.provisioning_busy());
        assert_eq!(
            waiting.latest_provisioning().unwrap().text,
            "Successful | 11/25/26 04:55:00 | http://x/p.xml"
        );
        assert!(waiting.latest_provisioning().unwrap().is_success());
        let silent = read_document("<s><Product_Name>SPA504G</Product_Name></s>").unwrap();
        assert_eq!(PhoneStatus::from_document(&silent).call_active, None);
    }
}
