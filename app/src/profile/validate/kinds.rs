//! Checks of one value by the kind of its field: Yes/No, choices, whole numbers in a range
//! and unit, a time of day, schedules and DHCP option lists.

use super::finding::{CharIndex, Finding, Severity, Sink, leading_space};
use crate::identity::FirmwareLine;
use crate::profile::schedule::{Schedule, time_of_day};
use crate::profile::schema::{ParamDef, Unit};
use crate::profile::values;
use crate::profile::words::{excerpt, human_duration};

/// The field's own check is not enough here: a value that is legal can still lock the
/// phone out of provisioning.
pub(super) fn provision_enable(def: &ParamDef, value: &str, findings: &mut Sink) {
    if def.element == values::PROVISION_ENABLE && values::refuses_resyncs(value) {
        findings.add(Severity::Warning, ||
            Finding::warning(
                def,
                value,
                "CAUTION: with Provision Enable = No the phone refuses every resync from then on, including the ones phoneprov asks for; only its web page can turn it back on",
            )
            .fix("keep Yes unless this phone must never be provisioned again"),
        );
    }
}

pub(super) fn yes_no(def: &ParamDef, value: &str, findings: &mut Sink) {
    match value.trim() {
        "Yes" | "No" => {}
        other if other.eq_ignore_ascii_case("yes") || other.eq_ignore_ascii_case("no") => {
            let proper = if other.eq_ignore_ascii_case("yes") {
                "Yes"
            } else {
                "No"
            };
            findings.add(Severity::Warning, || {
                Finding::warning(
                    def,
                    value,
                    format!("write {proper} with a capital letter, as the phone does"),
                )
                .fix(proper)
            });
        }
        other => findings.add(Severity::Error, || {
            Finding::error(def, value, format!("'{}' is not Yes or No", excerpt(other))).fix(
                match other.to_ascii_lowercase().as_str() {
                    "1" | "true" | "on" | "enabled" => "Yes",
                    "0" | "false" | "off" | "disabled" => "No",
                    _ => "write Yes or No",
                },
            )
        }),
    }
}

pub(super) fn choice(def: &ParamDef, value: &str, choices: &[&str], findings: &mut Sink) {
    let v = value.trim();
    if choices.contains(&v) {
        return;
    }
    if let Some(proper) = choices.iter().find(|c| c.eq_ignore_ascii_case(v)) {
        findings.add(Severity::Error, || {
            Finding::error(
                def,
                value,
                format!("'{}' must be spelled exactly '{proper}'", excerpt(v)),
            )
            .fix(*proper)
        });
        return;
    }
    findings.add(Severity::Error, || {
        Finding::error(
            def,
            value,
            format!("'{}' is not one of the choices", excerpt(v)),
        )
        .fix(format!("use one of: {}", choices.join(", ")))
    });
}

pub(super) fn integer(
    def: &ParamDef,
    value: &str,
    min: u32,
    max: u32,
    unit: Unit,
    line: FirmwareLine,
    findings: &mut Sink,
) {
    let v = value.trim();
    if v.is_empty() {
        findings.add(Severity::Error, || {
            Finding::error(def, value, format!("{} needs a number", def.label))
                .fix(format!("default: {}", def.default_for(line)))
        });
        return;
    }
    if let Some(bad) = v.find(|c: char| !c.is_ascii_digit()) {
        let mut f = Finding::error(
            def,
            value,
            format!("'{}' is not a whole number of {}", excerpt(v), unit.label()),
        )
        .at(v[..bad].chars().count() + leading_space(value));
        if unit == Unit::TwentySeconds {
            f = f.fix("enter the number of 20-second steps, e.g. 3 for 60 s");
        }
        findings.add(Severity::Error, || f);
        return;
    }
    let n = match v.parse::<u64>() {
        Ok(n) if n >= u64::from(min) && n <= u64::from(max) => n,
        // Real site files carry values above the guides' range (Forced_Resync_Delay 86400):
        // said, not refused, since what a phone does with them is not documented.
        Ok(n) if n > u64::from(max) && n <= u64::from(u32::MAX) => {
            findings.add(Severity::Warning, || {
                Finding::warning(
                    def,
                    value,
                    format!(
                        "{n} is above the {min}–{max} the guides allow for {}; what a phone does \
                         with a larger value is not documented",
                        def.label
                    ),
                )
                .fix(format!("to be sure, enter a number from {min} to {max}"))
            });
            return;
        }
        _ => {
            findings.add(Severity::Error, || {
                Finding::error(def, value, format!("{} is outside {min}–{max}", excerpt(v)))
                    .fix(format!("enter a number from {min} to {max}"))
            });
            return;
        }
    };
    match (unit, def.element) {
        (Unit::TwentySeconds, _) if n >= 180 => findings.add(Severity::Warning, || {
            Finding::warning(
                def,
                value,
                format!(
                    "{} counts 20-second steps: {n} means up to {} after each power-on",
                    def.label,
                    human_duration(n * 20)
                ),
            )
            .fix(format!(
                "if you meant {n} seconds, enter {}",
                n.div_ceil(20)
            ))
        }),
        (_, "Resync_At_Random_Delay") if line >= FirmwareLine::Mpp12 && n < 600 => {
            findings.add(Severity::Warning, || {
                Finding::warning(def, value, "firmware 12 asks for at least 600 seconds here")
                    .fix("600")
            })
        }
        _ => {}
    }
}

/// `Ok(None)` for empty, `Ok(Some((h, m)))` for a real time, or the finding.
pub(super) fn parse_hhmm(def: &ParamDef, value: &str) -> Result<Option<(u32, u32)>, Box<Finding>> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let invalid = |message: String| {
        let fix = match v.split_once(':') {
            Some((h, m)) if h.len() <= 2 && m.len() == 2 => format!("{h:0>2}{m}"),
            _ => "write four digits HHmm from 0000 to 2400, e.g. 0230, or leave it empty".into(),
        };
        Err(Box::new(Finding::error(def, value, message).fix(fix)))
    };
    if v.len() != 4 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return invalid(format!(
            "'{}' is not a time: Resync At takes four digits HHmm (24 h); the phone ignores anything else",
            excerpt(v)
        ));
    }
    match time_of_day(v) {
        Some(time) => Ok(Some(time)),
        None => invalid(format!(
            "{v} is not a real time of day (0000–2400); the phone ignores it"
        )),
    }
}

pub(super) fn schedule(def: &ParamDef, value: &str, findings: &mut Sink) {
    match Schedule::parse(value) {
        Err(e) => findings.add(Severity::Error, ||
            Finding::error(def, value, format!("{} is not a schedule: {}", def.label, e.message))
                .at(e.position)
                .fix("write seconds (3600), a list whose last item repeats (60,120,240) or N+R for N plus up to R random seconds (3600+600); 0 = off"),
        ),
        Ok(s) => {
            if def.element == "Resync_Periodic" {
                if s.is_off() {
                    return;
                }
                if let Some(step) = s.steps.first().filter(|st| st.base < 60) {
                    findings.add(Severity::Warning, ||
                        Finding::warning(def, value, format!("a resync every {} s keeps the phone and the server busy", step.base))
                            .fix("Cisco recommends 86400 (once a day) in production"),
                    );
                }
            }
        }
    }
}

pub(super) fn dhcp_options(def: &ParamDef, value: &str, findings: &mut Sink) {
    if value.trim().is_empty() {
        findings.add(Severity::Warning, || Finding::warning(
            def,
            value,
            "no DHCP option is listed: rules without a server name will have nowhere to fetch from",
        ));
        return;
    }
    let mut seen = [false; 256];
    let mut chars = CharIndex::default();
    let mut offset = 0;
    for item in value.split(',') {
        let byte = offset + (item.len() - item.trim_start().len());
        let position = chars.at(value, byte);
        offset += item.len() + 1;
        let item = item.trim();
        match item.parse::<u32>() {
            Ok(n) if (1..=254).contains(&n) => {
                if seen[n as usize] {
                    findings.add(Severity::Error, || {
                        Finding::error(def, value, format!("option {n} is listed twice"))
                            .at(position)
                            .fix(format!("remove the second {n}"))
                    });
                }
                seen[n as usize] = true;
            }
            Ok(n) => findings.add(Severity::Error, || {
                Finding::error(
                    def,
                    value,
                    format!("{n} is not a DHCP option number (1–254)"),
                )
                .at(position)
            }),
            Err(_) if item.is_empty() => findings.add(Severity::Error, || {
                Finding::error(
                    def,
                    value,
                    "empty item in the list (two commas, or a comma at an end)",
                )
                .at(position)
            }),
            Err(_) => findings.add(Severity::Error, || {
                Finding::error(
                    def,
                    value,
                    format!("'{}' is not a DHCP option number", excerpt(item)),
                )
                .at(position)
                .fix("write option numbers separated by commas, e.g. 66,160,159,150")
            }),
        }
    }
}
