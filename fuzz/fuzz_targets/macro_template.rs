//! Macro templates (rules, Log_*_Msg, GPP fields): every macro found lies on character
//! boundaries of the text; expansion is bounded (not recursive: a value that is itself a
//! macro stays as it is) and leaves text without macros alone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phoneprov::identity::{FirmwareLine, PhoneIdentity};
use phoneprov::profile::ProfileValues;
use phoneprov::profile::macros::{self, MacroContext};

fuzz_target!(|text: &str| {
    let found = macros::scan(text);
    for m in &found {
        assert!(
            m.start < m.end && text.get(m.start..m.end).is_some(),
            "{m:?}"
        );
    }
    // Unknown macros stay as written; only `$$` shrinks.
    assert!(macros::expand(text, |_| None).len() <= text.len());
    // Each macro is at least two bytes (`$X`); a one-byte value cannot grow the text.
    assert!(macros::expand(text, |_| Some("v".into())).len() <= text.len());
    // Not recursive: a value that is a macro appears as written, once per reference.
    let once = macros::expand(text, |_| Some("$MA".into()));
    assert!(once.len() <= text.len() * 3 / 2 + 3);
    if !text.contains('$') {
        assert_eq!(macros::expand(text, |_| Some("x".into())), text);
    }
    let identity = PhoneIdentity::default();
    let values = ProfileValues::new(FirmwareLine::Spa);
    let _ = MacroContext::new(&identity, Some(&values)).expand(text);
});
