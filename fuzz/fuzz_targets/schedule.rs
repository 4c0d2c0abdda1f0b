//! Schedules (`Resync_Periodic`, retry delays) and `Resync_At__HHmm_`: no panic, errors point
//! inside the text, a parsed schedule has steps within a phone's timer and a description, and
//! a time of day is a real one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phoneprov::profile::schedule::{Schedule, time_of_day};

fuzz_target!(|text: &str| {
    match Schedule::parse(text) {
        Err(error) => assert!(error.position <= text.chars().count(), "{error}"),
        Ok(schedule) => {
            assert!(!schedule.describe().is_empty());
            for step in &schedule.steps {
                assert!(step.base <= u64::from(u32::MAX) && step.random <= u64::from(u32::MAX));
            }
        }
    }
    if let Some((hour, minute)) = time_of_day(text) {
        // 0000–2400: the guides allow 2400 (midnight at the end of the day).
        assert!(
            (hour < 24 && minute < 60) || (hour, minute) == (24, 0),
            "{text:?} read as {hour}:{minute}"
        );
    }
});
