//! Checks of values that hold `$` macros: `Resync_Trigger_*` conditions, `Log_*_Msg`
//! templates, and the macro check that rules share with them.

use super::finding::{CharIndex, Finding, Severity, Sink, leading_space};
use crate::profile::condition::{Condition, pasted_url};
use crate::profile::macros;
use crate::profile::mask::mask_secrets;
use crate::profile::schema::ParamDef;
use crate::profile::words::{excerpt, excerpt_to};

/// Where `$SA`…`$SD` (which the phone expands only inside `--key/--uid/--pwd`) may stand.
pub(super) enum SecretMacros<'a> {
    /// Not checked (a trigger condition).
    Unchecked,
    /// Inside the `[ … ]` option blocks of a rule, given as byte spans.
    InsideOptions(&'a [(usize, usize)]),
    /// Nowhere: this value is not a rule.
    Nowhere,
}

/// Warns of unknown macro names (with a suggestion) and of `$SA`…`$SD` where the phone does
/// not expand them.
pub(super) fn check_macros(
    def: &ParamDef,
    value: &str,
    secret: SecretMacros<'_>,
    findings: &mut Sink,
) {
    let mut chars = CharIndex::default();
    for m in macros::scan(value) {
        let position = chars.at(value, m.start);
        if !m.is_known() {
            findings.add(Severity::Warning, || {
                unknown_macro(def, value, &m.name, position)
            });
            continue;
        }
        if !macros::is_secret_only(&m.name) {
            continue;
        }
        let where_allowed = match secret {
            SecretMacros::Unchecked => continue,
            SecretMacros::InsideOptions(spans)
                if spans.iter().any(|(s, e)| m.start > *s && m.start < *e) =>
            {
                continue;
            }
            SecretMacros::InsideOptions(_) => "--key/--uid/--pwd",
            SecretMacros::Nowhere => "--key/--uid/--pwd of a rule",
        };
        findings.add(Severity::Warning, || {
            Finding::warning(
                def,
                value,
                format!("${} is only expanded inside {where_allowed}", m.name),
            )
            .at(position)
        });
    }
}

fn unknown_macro(def: &ParamDef, value: &str, name: &str, position: usize) -> Finding {
    let mut f = Finding::warning(
        def,
        value,
        format!(
            "${} is not a macro the phone knows; it will be sent as written",
            excerpt(name)
        ),
    )
    .at(position);
    if let Some(s) = macros::suggestion(name) {
        f = f.fix(format!("did you mean ${s}?"));
    }
    f
}

pub(super) fn trigger(def: &ParamDef, value: &str, findings: &mut Sink) {
    let v = value.trim();
    if v.is_empty() {
        return;
    }
    if let Some(url) = pasted_url(v) {
        let target = if url.is_empty() {
            "from its own profile rules".to_string()
        } else {
            format!("from {}", excerpt_to(&mask_secrets(&url), 200))
        };
        let mut f = Finding::error(
            def,
            value,
            format!(
                "{} takes a condition such as $PRVTMR ge 600, not a URL. The phone reads this as a condition that is never true, so it stops its periodic and on-reset resyncs",
                def.label
            ),
        )
        .fix(format!(
            "clear the field (or write a condition), and resync the phone now {target} instead"
        ));
        f.resync_url = Some(url);
        findings.add(Severity::Error, || f);
        return;
    }
    match Condition::parse(v) {
        Err(e) => findings.add(Severity::Error, || {
            Finding::error(
                def,
                value,
                format!(
                    "{} is not a condition (character {}): {}",
                    def.label,
                    e.position + 1,
                    e.message
                ),
            )
            .at(e.position + leading_space(value))
            .fix("write comparisons joined by 'and', e.g. $UPGTMR gt 300 and $PRVTMR ge 600")
        }),
        Ok(_) => check_macros(def, value, SecretMacros::Unchecked, findings),
    }
}

pub(super) fn template(def: &ParamDef, value: &str, findings: &mut Sink) {
    check_macros(def, value, SecretMacros::Nowhere, findings);
}
