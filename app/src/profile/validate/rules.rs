//! Checks of profile rules beyond their syntax: a `#` comment outside SPA, alternatives that
//! can never be reached or fetch nothing, credentials that travel in plain text, `--post`
//! without a GPP letter, and the macros in the rule.

use super::finding::{Finding, Severity, Sink};
use super::macro_checks::{SecretMacros, check_macros};
use crate::identity::FirmwareLine;
use crate::profile::rule::{Alternative, ProfileRule};
use crate::profile::schema::{self, ParamDef};
use crate::profile::words::excerpt;

pub(super) fn profile_rule(def: &ParamDef, value: &str, line: FirmwareLine, findings: &mut Sink) {
    let rule = match ProfileRule::parse(value) {
        Ok(rule) => rule,
        Err(e) => {
            findings.add(Severity::Error, || {
                Finding::error(
                    def,
                    value,
                    format!(
                        "{} cannot be read at character {}: {}",
                        def.label,
                        e.position + 1,
                        e.message
                    ),
                )
                .at(e.position)
            });
            return;
        }
    };
    if let Some((_, position)) = &rule.comment
        && line != FirmwareLine::Spa
    {
        findings.add(Severity::Warning, ||
            Finding::warning(def, value, "only SPA firmware documents '#' comments in a rule; an MPP phone may read it as part of the URL")
                .at(*position)
                .fix("remove the # comment"),
        );
    }
    let count = rule.alternatives.len();
    for (index, alternative) in rule.alternatives.iter().enumerate() {
        let last = index + 1 == count;
        alternative_checks(def, value, index, last, alternative, findings);
    }
    // Macros: unknown names anywhere; $SA..$SD only inside --key/--uid/--pwd.
    let option_spans = bracket_spans(value);
    check_macros(
        def,
        value,
        SecretMacros::InsideOptions(&option_spans),
        findings,
    );
}

/// The checks of one alternative (`index` from 0; `last`: no alternative follows it).
fn alternative_checks(
    def: &ParamDef,
    value: &str,
    index: usize,
    last: bool,
    alternative: &Alternative,
    findings: &mut Sink,
) {
    if !last && alternative.condition.is_none() {
        findings.add(Severity::Warning, ||
            Finding::warning(
                def,
                value,
                format!("alternative {} has no ( … )? condition, so the phone always takes it and the alternatives after it are never used", index + 1),
            )
            .at(alternative.position),
        );
    }
    let options = &alternative.options;
    if alternative.url.is_none() && alternative.assignments.is_empty() {
        findings.add(Severity::Warning, || {
            Finding::warning(
                def,
                value,
                format!(
                    "alternative {} has no URL, so the phone fetches nothing for it",
                    index + 1
                ),
            )
            .at(alternative.position)
            .fix("add the URL after the condition and options, e.g. https://server/$PSN.xml")
        });
    }
    if options.uid.is_some() != options.pwd.is_some() {
        findings.add(Severity::Warning, || {
            Finding::warning(
                def,
                value,
                "--uid and --pwd go together; one of them is missing",
            )
            .at(options.position.unwrap_or(alternative.position))
        });
    }
    if alternative.url.is_some() {
        url_checks(def, value, alternative, findings);
    }
}

/// Checks of an alternative that has a URL: credentials in plain text, `--post`'s letter.
fn url_checks(def: &ParamDef, value: &str, alternative: &Alternative, findings: &mut Sink) {
    let Some(url) = &alternative.url else {
        return;
    };
    let options = &alternative.options;
    let scheme = url.effective_scheme();
    if (options.uid.is_some() || options.pwd.is_some()) && scheme.is_plain_text() {
        findings.add(Severity::Warning, ||
            Finding::warning(
                def,
                value,
                format!(
                    "credentials (--uid/--pwd) are sent over plain {}, where anyone on the network can read them",
                    scheme.as_str()
                ),
            )
            .at(url.position)
            .fix("use https://"),
        );
    }
    if let Some(post) = &options.post
        && !is_gpp_letter(post)
    {
        findings.add(Severity::Warning, || {
            Finding::warning(
                def,
                value,
                format!("--post takes a GPP letter a…p, not '{}'", excerpt(post)),
            )
            .at(options.position.unwrap_or(alternative.position))
        });
    }
}

/// `a`…`p` (either case): the letter of a GPP parameter.
fn is_gpp_letter(text: &str) -> bool {
    let mut chars = text.chars();
    matches!((chars.next(), chars.next()), (Some(letter), None) if schema::gpp_by_letter(letter).is_some())
}

/// Byte spans of `[ … ]` blocks.
fn bracket_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open = None;
    for (i, c) in text.char_indices() {
        match c {
            '[' => open = Some(i),
            ']' => {
                if let Some(s) = open.take() {
                    spans.push((s, i));
                }
            }
            _ => {}
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_blocks_are_found_by_byte() {
        assert_eq!(bracket_spans("[--key k] http://a/é[b]"), [(0, 8), (21, 23)]);
        assert_eq!(bracket_spans("]["), []);
    }

    #[test]
    fn post_takes_one_gpp_letter() {
        assert!(is_gpp_letter("a"));
        assert!(is_gpp_letter("P"));
        assert!(!is_gpp_letter("q"));
        assert!(!is_gpp_letter("ab"));
        assert!(!is_gpp_letter(""));
    }
}
