//! Validation of values against the schema: findings with a severity, a message in a
//! technician's words and, where it helps, the fix.
//!
//! [`validate_value`] checks one value by its field's kind (`kinds`, `macro_checks`,
//! `rules`); [`validate`] adds the checks across values (`cross`). What a finding holds
//! and how many one value may have is in `finding`.

mod cross;
mod finding;
mod kinds;
mod macro_checks;
mod rules;

#[cfg(test)]
mod tests;

pub use cross::is_access_parameter;
pub use finding::{Finding, MAX_FINDINGS_PER_VALUE, Severity};

use super::schema::{self, Kind, ParamDef};
use super::values::ProfileValues;
use crate::identity::FirmwareLine;
use finding::Sink;

/// Validates one value of a known field on a firmware line (no cross-field checks).
pub fn validate_value(def: &'static ParamDef, value: &str, line: FirmwareLine) -> Vec<Finding> {
    let mut findings = Sink::default();
    if !def.exists_on(line) && !value.trim().is_empty() {
        findings.add(Severity::Warning, || {
            Finding::warning(
                def,
                value,
                format!(
                    "{} does not exist on {} firmware; the phone will ignore it",
                    def.label,
                    line.label()
                ),
            )
        });
    }
    match def.kind {
        Kind::YesNo => {
            kinds::yes_no(def, value, &mut findings);
            kinds::provision_enable(def, value, &mut findings);
        }
        Kind::Choice(choices) => kinds::choice(def, value, choices, &mut findings),
        Kind::Integer { min, max, unit } => {
            kinds::integer(def, value, min, max, unit, line, &mut findings)
        }
        Kind::TimeHhmm => {
            if let Err(f) = kinds::parse_hhmm(def, value) {
                findings.add(Severity::Error, || *f);
            }
        }
        Kind::Schedule => kinds::schedule(def, value, &mut findings),
        Kind::DhcpOptions => kinds::dhcp_options(def, value, &mut findings),
        Kind::ProfileRule => rules::profile_rule(def, value, line, &mut findings),
        Kind::Condition => macro_checks::trigger(def, value, &mut findings),
        Kind::MacroTemplate => macro_checks::template(def, value, &mut findings),
        Kind::Text => {}
    }
    findings.finish(def, value)
}

/// Validates a value by element name (or SPA alias). `None` when the schema does not know
/// the name.
pub fn validate_param(name: &str, value: &str, line: FirmwareLine) -> Option<Vec<Finding>> {
    schema::lookup(name).map(|def| validate_value(def, value, line))
}

/// Validates a whole set of values: each known field, then checks across fields, then
/// unknown names a slip away from a known one.
pub fn validate(values: &ProfileValues) -> Vec<Finding> {
    let mut findings: Vec<Finding> = values
        .known()
        .flat_map(|(def, value)| validate_value(def, value, values.firmware))
        .collect();
    findings.extend(cross::cross_field(values));
    findings.extend(cross::access_findings(values));
    findings.extend(cross::near_miss_names(values));
    findings
}
