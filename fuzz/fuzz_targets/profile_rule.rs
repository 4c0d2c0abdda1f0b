//! Profile rules: no panic, errors point inside the text, the preview never panics, and a
//! `--pwd`/`--key`/`--uid` value the parser finds is one the secret mask hides.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phoneprov::identity::{FirmwareLine, PhoneIdentity};
use phoneprov::profile::ProfileValues;
use phoneprov::profile::macros::MacroContext;
use phoneprov::profile::mask::mask_secrets;
use phoneprov::profile::rule::{self, ProfileRule};

fuzz_target!(|text: &str| {
    let masked = mask_secrets(text);
    assert_eq!(
        mask_secrets(&masked),
        masked,
        "masking twice changed the text"
    );
    match ProfileRule::parse(text) {
        Err(error) => assert!(error.position <= text.chars().count(), "{error}"),
        Ok(parsed) => {
            for alternative in &parsed.alternatives {
                let options = &alternative.options;
                for secret in [&options.pwd, &options.key, &options.uid]
                    .into_iter()
                    .flatten()
                {
                    // A value written once, long enough not to occur by chance in the mask.
                    if secret.chars().count() >= 3
                        && !secret.contains('*')
                        && text.matches(secret.as_str()).count() == 1
                    {
                        assert!(
                            !masked.contains(secret.as_str()),
                            "{secret:?} shown in {masked:?}"
                        );
                    }
                }
            }
        }
    }
    let identity = PhoneIdentity::default();
    let values = ProfileValues::new(FirmwareLine::Mpp11);
    let _ = rule::preview(text, &MacroContext::new(&identity, Some(&values)));
});
