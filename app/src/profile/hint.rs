//! Units and values in words, for form hints and the CLI: "3 × 20 s = 60 s",
//! "3665 s = 1 h 1 min 5 s", "60 s, then 2 min, … then every 1 day".

use super::schedule::{Schedule, time_of_day};
use super::schema::{Kind, ParamDef, Unit};
use super::words::human_duration;
// Quoting and durations live in `words`; the form and the CLI reach them through here too.
pub use super::words::{excerpt, excerpt_to};

/// A hint for a value of the field, in words; `None` when there is nothing to add (text, or a
/// value that does not parse — the validator explains those).
pub fn value_hint(def: &ParamDef, value: &str) -> Option<String> {
    let value = value.trim();
    match def.kind {
        Kind::Integer { unit, .. } => {
            let n: u64 = value.parse().ok()?;
            Some(match unit {
                Unit::TwentySeconds if n == 0 => "0 = no random delay".to_string(),
                Unit::TwentySeconds => {
                    let seconds = n * 20;
                    let mut text = format!("{n} × 20 s = {seconds} s");
                    if seconds >= 60 && !seconds.is_multiple_of(60) || seconds >= 3600 {
                        text.push_str(&format!(" ({})", human_duration(seconds)));
                    }
                    text
                }
                Unit::Seconds => seconds_words(n),
            })
        }
        Kind::Schedule => {
            let schedule = Schedule::parse(value).ok()?;
            if let [step] = schedule.steps.as_slice() {
                if step.base == 0 && step.random == 0 {
                    return Some("0 = off".into());
                }
                let base = seconds_words(step.base);
                return Some(if step.random == 0 {
                    base
                } else {
                    format!("{base} plus up to {} random", human_duration(step.random))
                });
            }
            Some(schedule.describe())
        }
        Kind::TimeHhmm if value.is_empty() => Some("no daily resync".into()),
        Kind::TimeHhmm => {
            // Only a real time gets words; the validator says what is wrong with the rest.
            let (hours, minutes) = time_of_day(value)?;
            Some(format!("daily at {hours:02}:{minutes:02}"))
        }
        _ => None,
    }
}

/// What the field accepts, short enough to stand beside the value: "0–65535 s",
/// "0–65535 × 20 s", "0000–2400". `None` for Yes/No, choices and text (their widget or help
/// says it), and for schedules (see [`accepts`]).
pub fn range_hint(def: &ParamDef) -> Option<String> {
    match def.kind {
        Kind::Integer { min, max, unit } => Some(match unit {
            Unit::TwentySeconds => format!("{min}–{max} × 20 s"),
            Unit::Seconds => format!("{min}–{max} s"),
        }),
        Kind::TimeHhmm => Some("0000–2400".into()),
        Kind::DhcpOptions => Some("1–254 each".into()),
        _ => None,
    }
}

/// What the field accepts, in a sentence, for its help text.
pub fn accepts(def: &ParamDef) -> Option<String> {
    match def.kind {
        Kind::Integer { min, max, unit } => Some(match unit {
            Unit::TwentySeconds => format!("a whole number {min}–{max}, in steps of 20 seconds"),
            Unit::Seconds => format!("a whole number of seconds, {min}–{max}"),
        }),
        Kind::TimeHhmm => Some("a time HHmm from 0000 to 2400, or empty for none".into()),
        Kind::Schedule => {
            Some("seconds: N, a list N1,N2,… (the last repeats), or N+R (R random); 0 = off".into())
        }
        Kind::DhcpOptions => Some("DHCP option numbers 1–254, comma separated, no repeats".into()),
        Kind::Choice(choices) => Some(format!("one of: {}", choices.join(", "))),
        _ => None,
    }
}

/// A hint about the unit alone, for an empty form field: "× 20 seconds", "seconds".
pub fn unit_hint(def: &ParamDef) -> Option<&'static str> {
    def.unit().map(Unit::label)
}

/// `45` → `45 s`; `3665` → `3665 s = 1 h 1 min 5 s`.
fn seconds_words(n: u64) -> String {
    if n < 60 {
        format!("{n} s")
    } else {
        format!("{n} s = {}", human_duration(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::schema::lookup;

    #[test]
    fn hints_for_each_unit() {
        let random = lookup("Resync_Random_Delay").unwrap();
        assert_eq!(value_hint(random, "3").unwrap(), "3 × 20 s = 60 s");
        assert_eq!(value_hint(random, "2").unwrap(), "2 × 20 s = 40 s");
        let periodic = lookup("Resync_Periodic").unwrap();
        assert_eq!(
            value_hint(periodic, "3665").unwrap(),
            "3665 s = 1 h 1 min 5 s"
        );
        assert_eq!(value_hint(periodic, "0").unwrap(), "0 = off");
        assert_eq!(
            value_hint(periodic, "3600+600").unwrap(),
            "3600 s = 1 h plus up to 10 min random"
        );
        let forced = lookup("Forced_Resync_Delay").unwrap();
        assert_eq!(value_hint(forced, "14401").unwrap(), "14401 s = 4 h 1 s");
        let at = lookup("Resync_At__HHmm_").unwrap();
        assert_eq!(value_hint(at, "1800").unwrap(), "daily at 18:00");
        assert_eq!(
            value_hint(at, "2460"),
            None,
            "not a time: no 'daily at 24:60'"
        );
        assert_eq!(unit_hint(random), Some("× 20 seconds"));
    }

    #[test]
    fn ranges_in_words() {
        let random = lookup("Resync_Random_Delay").unwrap();
        assert_eq!(range_hint(random).unwrap(), "0–65535 × 20 s");
        assert!(accepts(random).unwrap().contains("steps of 20 seconds"));
        let forced = lookup("Forced_Resync_Delay").unwrap();
        assert_eq!(range_hint(forced).unwrap(), "0–65535 s");
        let at = lookup("Resync_At__HHmm_").unwrap();
        assert_eq!(range_hint(at).unwrap(), "0000–2400");
        let dhcp = lookup("DHCP_Option_To_Use").unwrap();
        assert!(accepts(dhcp).unwrap().contains("1–254"));
        let periodic = lookup("Resync_Periodic").unwrap();
        assert_eq!(range_hint(periodic), None);
        assert!(accepts(periodic).unwrap().contains("last repeats"));
        assert_eq!(range_hint(lookup("Provision_Enable").unwrap()), None);
    }
}
