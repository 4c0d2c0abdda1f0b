//! Checks across values: Resync At overriding Resync Periodic, parameters from other pages
//! that lock people out, and names a slip away from a field's (another case, a character
//! missing).

use super::finding::{Finding, Severity};
use crate::profile::hint::value_hint;
use crate::profile::names::{self, KnownNames};
use crate::profile::schedule::{Schedule, time_of_day};
use crate::profile::schema;
use crate::profile::values::ProfileValues;

/// Resync At (a valid time) makes the phone ignore Resync Periodic: said on Resync Periodic.
pub(super) fn cross_field(values: &ProfileValues) -> Vec<Finding> {
    let mut findings = Vec::new();
    let (Some(at_def), Some(periodic_def)) = (
        schema::lookup("Resync_At__HHmm_"),
        schema::lookup("Resync_Periodic"),
    ) else {
        return findings;
    };
    let at = values.effective(at_def);
    let periodic = values.effective(periodic_def);
    if let Some(time) = time_of_day(at.trim()) {
        let periodic_on = Schedule::parse(periodic).is_ok_and(|s| !s.is_off());
        if periodic_on {
            findings.push(
                Finding::warning(
                    periodic_def,
                    periodic,
                    format!(
                        "Resync Periodic ({}) is ignored: Resync At is set, so the phone resyncs once a day at {:02}:{:02} instead",
                        value_hint(periodic_def, periodic).unwrap_or_else(|| periodic.to_string()),
                        time.0,
                        time.1
                    ),
                )
                .fix("clear Resync At (HHmm) to resync periodically, or set Resync Periodic to 0 to make the daily resync explicit"),
            );
        }
    }
    findings
}

/// Parameters from other pages whose value cuts the technician (and phoneprov) off the
/// phone: (element, dangerous value, what it does).
const ACCESS_PARAMETERS: &[(&str, &str, &str)] = &[
    (
        "Enable_Web_Admin_Access",
        "No",
        "turns off the phone's admin web pages: neither you nor phoneprov can read or change its configuration over the network afterwards",
    ),
    (
        "Enable_Web_Server",
        "No",
        "turns off the phone's web server: nothing can reach the phone over HTTP afterwards, phoneprov included",
    ),
    (
        "Enable_Direct_Action_Url",
        "No",
        "turns off /admin/resync and the other direct-action URLs that phoneprov uses to push changes and start resyncs",
    ),
];

/// Whether a parameter outside the schema is one the validator still checks because a wrong
/// value locks people out (`Enable_Web_Admin_Access`, …).
pub fn is_access_parameter(name: &str) -> bool {
    ACCESS_PARAMETERS.iter().any(|(n, _, _)| *n == name)
}

/// Loud warnings for values that lock the technician out of the phone.
pub(super) fn access_findings(values: &ProfileValues) -> Vec<Finding> {
    ACCESS_PARAMETERS
        .iter()
        .filter_map(|(name, bad, effect)| {
            let value = values.get(name)?;
            value.trim().eq_ignore_ascii_case(bad).then(|| {
                Finding::named(
                    name,
                    value,
                    Severity::Warning,
                    format!("CAUTION: {name} = {bad} {effect}"),
                )
                .fix(format!(
                    "leave {name} out of the profile unless you mean to lock the phone down"
                ))
            })
        })
        .collect()
}

/// Unknown names that are a slip away from a field's name (another case, a missing or extra
/// character: `Resync_At_HHmm_`): the phone ignores them, so the name meant is said.
pub(super) fn near_miss_names(values: &ProfileValues) -> Vec<Finding> {
    let known = KnownNames::schema(Some(values.firmware));
    values
        .unknown()
        .filter(|(name, _)| !is_access_parameter(name))
        .filter_map(|(name, value)| {
            let nearest = names::nearest(name, &known);
            let hint = names::did_you_mean(&nearest)?;
            let case_only = nearest.iter().any(|n| n.eq_ignore_ascii_case(name));
            let why = if case_only {
                "element names are case-sensitive"
            } else {
                "no such element"
            };
            Some(
                Finding::named(
                    name,
                    value,
                    Severity::Warning,
                    format!(
                        "{name} is not a parameter the phone knows ({why}); a phone ignores it"
                    ),
                )
                .fix(hint),
            )
        })
        .collect()
}
