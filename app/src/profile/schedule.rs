//! Schedules (`Resync_Periodic`, `Resync_Error_Retry_Delay`, `Upgrade_Error_Retry_Delay`):
//! `N`, `N1,N2,…` (the last repeats) and `N+R` (N plus up to R random seconds), also as list
//! items. 0 means off. Also the daily time of `Resync_At__HHmm_` ([`time_of_day`]).

use super::words::{excerpt, human_duration};

/// One wait: `base` seconds plus a random extra of up to `random` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub base: u64,
    pub random: u64,
}

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub steps: Vec<Step>,
}

/// Why a schedule cannot be read, with the 0-based character position of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {})", position + 1)]
pub struct ScheduleError {
    pub position: usize,
    pub message: String,
}

/// The largest number a phone's timer is documented to hold comfortably (about 136 years in
/// seconds is u32::MAX; larger is certainly a typo).
const MAX_SECONDS: u64 = u32::MAX as u64;

impl Schedule {
    /// Parses `N`, `N1,N2,…`, `N+R`; spaces around items are allowed.
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        // Positions are found as byte offsets, reported as character positions.
        Schedule::parse_bytes(text).map_err(|e| ScheduleError {
            position: text
                .get(..e.position)
                .map_or(e.position, |s| s.chars().count()),
            message: e.message,
        })
    }

    fn parse_bytes(text: &str) -> Result<Schedule, ScheduleError> {
        if text.trim().is_empty() {
            return Err(ScheduleError {
                position: 0,
                message: "empty: write a number of seconds (0 = off)".into(),
            });
        }
        let mut steps = Vec::new();
        let mut offset = 0;
        for item in text.split(',') {
            let start = offset + (item.len() - item.trim_start().len());
            offset += item.len() + 1;
            let item = item.trim();
            if item.is_empty() {
                return Err(ScheduleError {
                    position: start,
                    message: "empty item in the list (two commas, or a comma at an end)".into(),
                });
            }
            let (base_text, random_text) = match item.split_once('+') {
                Some((b, r)) => (b.trim_end(), Some(r)),
                None => (item, None),
            };
            let base = number(base_text, start)?;
            let random = match random_text {
                Some(r) => {
                    let at = start + item.find('+').map_or(0, |p| p + 1);
                    let lead = r.len() - r.trim_start().len();
                    number(r.trim(), at + lead)?
                }
                None => 0,
            };
            steps.push(Step { base, random });
        }
        Ok(Schedule { steps })
    }

    /// 0 (or a list of zeros) switches the timer off.
    pub fn is_off(&self) -> bool {
        self.steps
            .first()
            .is_some_and(|s| s.base == 0 && s.random == 0)
    }

    /// "60 s, then 2 min, … then every 1 day"; "every 1 h 1 min 5 s"; "off".
    pub fn describe(&self) -> String {
        if self.is_off() {
            return "off".into();
        }
        let words: Vec<String> = self.steps.iter().map(|s| step_words(*s)).collect();
        match words.as_slice() {
            [] => "off".into(),
            [only] => format!("every {only}"),
            [first, middle @ .., last] => {
                let mut text = first.clone();
                if middle.len() > 3 {
                    text.push_str(&format!(", then {}, … then every {last}", middle[0]));
                } else {
                    for word in middle {
                        text.push_str(&format!(", then {word}"));
                    }
                    text.push_str(&format!(", then every {last}"));
                }
                text
            }
        }
    }
}

/// `HHmm` as hours and minutes when it is a real time of day, 0000–2400.
pub fn time_of_day(value: &str) -> Option<(u32, u32)> {
    if value.len() != 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: u32 = value[..2].parse().ok()?;
    let minutes: u32 = value[2..].parse().ok()?;
    (minutes <= 59 && (hours < 24 || (hours == 24 && minutes == 0))).then_some((hours, minutes))
}

fn step_words(step: Step) -> String {
    if step.random == 0 {
        human_duration(step.base)
    } else {
        format!(
            "{} plus up to {} random",
            human_duration(step.base),
            human_duration(step.random)
        )
    }
}

fn number(text: &str, position: usize) -> Result<u64, ScheduleError> {
    if text.is_empty() {
        return Err(ScheduleError {
            position,
            message: "a number of seconds is missing".into(),
        });
    }
    if let Some(bad) = text.find(|c: char| !c.is_ascii_digit()) {
        let c = text[bad..].chars().next().unwrap_or(' ');
        return Err(ScheduleError {
            position: position + bad,
            message: format!(
                "'{c}' is not allowed: write whole seconds like 3600, a list like 60,120,240 or 1800+300"
            ),
        });
    }
    match text.parse::<u64>() {
        Ok(n) if n <= MAX_SECONDS => Ok(n),
        _ => Err(ScheduleError {
            position,
            message: format!("{} seconds is too large", excerpt(text)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_list_and_random_forms() {
        assert_eq!(
            Schedule::parse("3600").unwrap().steps,
            vec![Step {
                base: 3600,
                random: 0
            }]
        );
        assert_eq!(
            Schedule::parse("1800, 3600+300").unwrap().steps,
            vec![
                Step {
                    base: 1800,
                    random: 0
                },
                Step {
                    base: 3600,
                    random: 300
                }
            ]
        );
        assert!(Schedule::parse("0").unwrap().is_off());
        assert!(!Schedule::parse("60").unwrap().is_off());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = Schedule::parse("60,,120").unwrap_err();
        assert_eq!(e.position, 3);
        let e = Schedule::parse("60,1h").unwrap_err();
        assert_eq!(e.position, 4);
        let e = Schedule::parse("60+").unwrap_err();
        assert!(e.message.contains("missing"));
        assert!(Schedule::parse("").is_err());
        assert!(Schedule::parse("-5").is_err());
        assert!(Schedule::parse("99999999999").is_err());
    }

    #[test]
    fn descriptions_in_words() {
        assert_eq!(
            Schedule::parse("3665").unwrap().describe(),
            "every 1 h 1 min 5 s"
        );
        assert_eq!(Schedule::parse("0").unwrap().describe(), "off");
        assert_eq!(
            Schedule::parse("3600+300").unwrap().describe(),
            "every 1 h plus up to 5 min random"
        );
        assert_eq!(
            Schedule::parse("60,120,240,480,960,1920,3840,7680,15360,30720,61440,86400")
                .unwrap()
                .describe(),
            "1 min, then 2 min, … then every 1 day"
        );
        assert_eq!(
            Schedule::parse("30,60,120").unwrap().describe(),
            "30 s, then 1 min, then every 2 min"
        );
    }

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day("0230"), Some((2, 30)));
        assert_eq!(time_of_day("2400"), Some((24, 0)));
        for not_a_time in ["2401", "2460", "1860", "180", "18:00", ""] {
            assert_eq!(time_of_day(not_a_time), None, "{not_a_time}");
        }
    }
}
