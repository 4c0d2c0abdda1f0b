//! Validation of a phone's form as shown (edits over the phone's values over the firmware's
//! defaults), with the schema's validator, cached so it runs only when something changed.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use super::form::FormState;
use crate::identity::{FirmwareLine, PhoneIdentity};
use crate::profile::macros::MacroContext;
use crate::profile::rule::{self, FetchPreview};
use crate::profile::{Finding, Kind, ProfileValues, Severity, schema, validate};

#[derive(Debug, Clone, Default)]
pub struct FormCheck {
    /// Identifies the inputs this result was computed from.
    key: u64,
    /// Findings by canonical element, errors first.
    pub findings: BTreeMap<String, Vec<Finding>>,
    pub errors: usize,
    pub warnings: usize,
    /// For each non-empty profile rule field: what this phone would fetch.
    pub previews: BTreeMap<String, Vec<FetchPreview>>,
}

impl FormCheck {
    /// Brings the result up to date with `form` on `line`; cheap when nothing changed.
    pub fn refresh(&mut self, form: &FormState, line: FirmwareLine, identity: &PhoneIdentity) {
        let key = input_key(form, line, identity);
        if key == self.key && self.key != 0 {
            return;
        }
        *self = check(form, line, identity);
        self.key = key;
    }

    pub fn for_field(&self, element: &str) -> &[Finding] {
        self.findings.get(element).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether any *edited* field is in error: such changes must not be sent.
    pub fn blocks_submit(&self, form: &FormState) -> bool {
        form.changes().iter().any(|change| {
            self.for_field(&change.element)
                .iter()
                .any(Finding::is_error)
        })
    }
}

/// Validates every field of the line as the form shows it, and previews its rules for the
/// phone's identity.
pub fn check(form: &FormState, line: FirmwareLine, identity: &PhoneIdentity) -> FormCheck {
    let mut values = ProfileValues::new(line);
    for def in schema::PARAMS.iter().filter(|d| d.exists_on(line)) {
        values.set(
            def.element,
            form.shown_value(def.element, def.default_for(line)),
        );
    }
    let mut result = FormCheck::default();
    for finding in validate(&values) {
        match finding.severity {
            Severity::Error => result.errors += 1,
            Severity::Warning => result.warnings += 1,
        }
        result
            .findings
            .entry(finding.param.clone())
            .or_default()
            .push(finding);
    }
    for findings in result.findings.values_mut() {
        findings.sort_by_key(|f| f.severity);
    }
    let context = MacroContext::new(identity, Some(&values));
    for def in schema::PARAMS
        .iter()
        .filter(|d| d.kind == Kind::ProfileRule && d.exists_on(line))
    {
        let text = values.effective(def);
        if text.trim().is_empty() {
            continue;
        }
        // A rule that does not parse already has its error among the findings.
        if let Ok(previews) = rule::preview(text, &context) {
            result.previews.insert(def.element.to_string(), previews);
        }
    }
    result
}

fn input_key(form: &FormState, line: FirmwareLine, identity: &PhoneIdentity) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    line.hash(&mut hasher);
    (
        &identity.model,
        &identity.mac,
        &identity.firmware,
        &identity.serial,
    )
        .hash(&mut hasher);
    form.edits.hash(&mut hasher);
    form.phone_values.hash(&mut hasher);
    // Never 0, which marks "not computed yet".
    hasher.finish() | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_check_clean_and_bad_edits_are_found_by_field() {
        let mut form = FormState::default();
        let mut check = FormCheck::default();
        check.refresh(&form, FirmwareLine::Mpp11, &PhoneIdentity::default());
        assert_eq!(check.errors, 0, "{:?}", check.findings);

        form.set("Resync_At__HHmm_", "2460");
        form.set(
            "Resync_Trigger_1",
            "http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg",
        );
        check.refresh(&form, FirmwareLine::Mpp11, &PhoneIdentity::default());
        assert!(
            check
                .for_field("Resync_At__HHmm_")
                .iter()
                .any(Finding::is_error)
        );
        let trigger = check.for_field("Resync_Trigger_1");
        assert!(trigger.iter().any(Finding::is_error));
        assert!(trigger.iter().any(|f| f.resync_url.is_some()));
        assert!(check.blocks_submit(&form));

        form.revert_field("Resync_At__HHmm_");
        form.revert_field("Resync_Trigger_1");
        check.refresh(&form, FirmwareLine::Mpp11, &PhoneIdentity::default());
        assert_eq!(check.errors, 0);
        assert!(!check.blocks_submit(&form));
    }

    #[test]
    fn the_worked_example_has_no_errors() {
        let mut form = FormState::default();
        for (element, value) in [
            ("Provision_Enable", "Yes"),
            ("Resync_On_Reset", "Yes"),
            ("Resync_Random_Delay", "3"),
            ("Resync_At__HHmm_", "1800"),
            ("Resync_At_Random_Delay", "666"),
            ("Resync_Periodic", "3665"),
            ("Resync_Error_Retry_Delay", "3601"),
            ("Forced_Resync_Delay", "14401"),
            ("Resync_From_SIP", "Yes"),
            ("Resync_Fails_On_FNF", "Yes"),
            (
                "Profile_Rule",
                "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml",
            ),
            ("User_Configurable_Resync", "Yes"),
        ] {
            form.set(element, value);
        }
        let identity = PhoneIdentity {
            model: Some("CP-8861-3PCC".into()),
            mac: "00562b043615".parse().ok(),
            ..PhoneIdentity::default()
        };
        let check = check(&form, FirmwareLine::Mpp10, &identity);
        assert_eq!(check.errors, 0, "{:?}", check.findings);
        // Resync At set: Resync Periodic is ignored, and the form says so.
        assert!(check.warnings > 0);
        let preview = &check.previews["Profile_Rule"][0];
        assert_eq!(
            preview.url,
            "http://10.74.121.56:80/dms/CP-8861-3PCC/8861-3PCC.xml"
        );
    }
}
