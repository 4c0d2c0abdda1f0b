//! Property tests: the parsers and the validator never panic, whatever they are given, and
//! every position they report lies inside the text.

use proptest::prelude::*;

use super::condition::Condition;
use super::identity_for_tests;
use super::macros::MacroContext;
use super::mask;
use super::rule::{self, ProfileRule};
use super::schedule::Schedule;
use super::schema::PARAMS;
use super::validate::validate_value;
use super::values::ProfileValues;
use crate::identity::FirmwareLine;

/// Text built from the rule grammar's pieces, so the parser's deeper paths are reached.
fn rule_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("(".to_string()),
        Just(")".to_string()),
        Just(")?".to_string()),
        Just(")!".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("|".to_string()),
        Just("\"".to_string()),
        Just("#".to_string()),
        Just(" ".to_string()),
        Just("--key".to_string()),
        Just("--uid".to_string()),
        Just("--pwd".to_string()),
        Just("--post a".to_string()),
        Just("--srv".to_string()),
        Just("http://".to_string()),
        Just("tftp://".to_string()),
        Just("https://".to_string()),
        Just(":".to_string()),
        Just("/".to_string()),
        Just("$MA".to_string()),
        Just("$(MA:2:3)".to_string()),
        Just("$$".to_string()),
        Just("$PRVTMR ge 600".to_string()),
        Just(" and ".to_string()),
        Just("a = \"x\";".to_string()),
        Just("=".to_string()),
        Just(";".to_string()),
        "[a-z0-9.é€]{1,6}",
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

fn within(text: &str, position: usize) -> bool {
    position <= text.chars().count()
}

proptest! {
    #[test]
    fn rule_parser_never_panics(text in prop_oneof![rule_like(), any::<String>()]) {
        if let Err(e) = ProfileRule::parse(&text) {
            prop_assert!(within(&text, e.position), "{text:?}: {e}");
        }
        let _ = mask::mask_secrets(&text);
        let id = identity_for_tests();
        let values = ProfileValues::new(FirmwareLine::Mpp11);
        let _ = rule::preview(&text, &MacroContext::new(&id, Some(&values)));
    }

    #[test]
    fn condition_parser_never_panics(text in prop_oneof![rule_like(), any::<String>()]) {
        match Condition::parse(&text) {
            Err(e) => prop_assert!(within(&text, e.position), "{text:?}: {e}"),
            Ok(c) => {
                let _ = c.evaluate(|_| Some("12".into()));
            }
        }
    }

    #[test]
    fn schedule_parser_never_panics(text in prop_oneof!["[0-9,+ é]{0,20}", any::<String>()]) {
        if let Err(e) = Schedule::parse(&text) {
            prop_assert!(within(&text, e.position), "{text:?}: {e}");
        }
    }

    #[test]
    fn validator_never_panics(
        index in 0..PARAMS.len(),
        text in prop_oneof![rule_like(), any::<String>()],
        line in proptest::sample::select(vec![FirmwareLine::Spa, FirmwareLine::Mpp10, FirmwareLine::Mpp11, FirmwareLine::Mpp12]),
    ) {
        for finding in validate_value(&PARAMS[index], &text, line) {
            if let Some(position) = finding.position {
                prop_assert!(within(&text, position), "{text:?}: {finding:?}");
            }
            prop_assert!(!finding.message.is_empty());
        }
    }

    #[test]
    fn macro_expansion_never_panics_and_leaves_text_without_dollars_alone(text in any::<String>()) {
        let id = identity_for_tests();
        let ctx = MacroContext::new(&id, None);
        let expanded = ctx.expand(&text);
        if !text.contains('$') {
            prop_assert_eq!(expanded, text);
        }
    }
}

proptest! {
    /// What the mask shows holds nothing it would mask again (the `profile_rule` fuzz
    /// target's property, on stable).
    #[test]
    fn masking_is_idempotent(text in prop_oneof![rule_like(), any::<String>()]) {
        let masked = mask::mask_secrets(&text);
        prop_assert_eq!(mask::mask_secrets(&masked), masked.clone(), "{:?}", text);
    }

    #[test]
    fn passwords_and_keys_never_survive_masking(
        secret in "Zq[a-zA-Z0-9!@%^&*]{4,16}",
        quoted in any::<bool>(),
        flag in proptest::sample::select(vec!["--pwd", "--key"]),
        before in rule_like(),
    ) {
        let value = if quoted { format!("\"{secret} x\"") } else { secret.clone() };
        let rule = format!("{before} [--uid u {flag} {value}] https://a/b");
        let masked = mask::mask_secrets(&rule);
        prop_assert!(!masked.contains(&secret), "{rule:?} -> {masked:?}");
    }
}
