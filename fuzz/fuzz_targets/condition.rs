//! Conditions (`( … )?` and Resync_Trigger): no panic, errors point inside the text, and a
//! parsed condition evaluates against numbers, versions, text and unknown macros.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phoneprov::profile::condition::{Condition, pasted_url};

fuzz_target!(|text: &str| {
    let _ = pasted_url(text);
    match Condition::parse(text) {
        Err(error) => assert!(error.position <= text.chars().count(), "{error}"),
        Ok(condition) => {
            for value in [
                None,
                Some("12"),
                Some("11.3.7"),
                Some("sip88xx.11-3-1MPP-1"),
                Some(""),
            ] {
                let _ = condition.evaluate(|_| value.map(str::to_string));
            }
            // Evaluating is a pure function of the macros' values.
            let first = condition.evaluate(|_| Some("600".into()));
            assert_eq!(first, condition.evaluate(|_| Some("600".into())));
        }
    }
});
