//! Profile rules (`Profile_Rule`, `Profile_Rule_B..D`, `Upgrade_Rule`):
//!
//! ```text
//! rule        := alternative { "|" alternative }  [ "#" comment ]   (comment: SPA)
//! alternative := [ "(" condition ")?" ] [ "(" assignments ")!" ] [ "[" options "]" ] [ url ]
//! url         := [ scheme "://" ] [ server [ ":" port ] ] "/" path
//! options     := --key K | --uid U --pwd P | --post X | --alias X | --srv
//! ```
//! Errors carry the 0-based character position of the problem.
//!
//! The parsed form is in `model`; [`ProfileRule::parse`] and the alternatives are in
//! `alternative`, which reads `[ … ]` through `options` and the URL through `url`;
//! [`preview`] expands a rule for one phone. Masking the secrets of a rule is [`crate::profile::mask`]'s.

mod alternative;
mod chars;
mod model;
mod options;
mod preview;
mod url;

#[cfg(test)]
mod tests;

pub use model::{Alternative, Assignment, ProfileRule, RuleError, RuleOptions, RuleUrl, Scheme};
pub use preview::{FetchPreview, preview};
