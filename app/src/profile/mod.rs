//! The Configuration Profile model: schema, typed values, validation, rules and XML.
//! Knows nothing of egui or the network.
//!
//! # Public API (what the client, GUI and CLI build on)
//!
//! - [`schema`]: the single table of fields. [`schema::PARAMS`] (page order),
//!   [`schema::lookup`] (element name or SPA alias, case-sensitive),
//!   [`schema::canonical_name`], [`schema::group_fields`], [`schema::Group`]. Each
//!   [`schema::ParamDef`] has `element`, `label`, `spa_element`, `kind` ([`schema::Kind`]),
//!   `defaults` (by [`crate::identity::FirmwareLine`]: `default_for(line)`),
//!   `element_for(line)`, `exists_on(line)`, `unit()`, `range()`, `group`, `read_only`,
//!   `secret`, `help`.
//! - [`values::ProfileValues`]: values by canonical name, ordered, with the firmware line;
//!   `from_document(&xml::Document, line)`, `set`, `get`, `effective(def)` (value or default),
//!   `iter`, `known`, `unknown`, `changes_from`, `to_flat_profile` (the XML to send or save).
//! - [`validate`](mod@validate): [`validate::validate`] (a whole set, with cross-field checks),
//!   [`validate::validate_value`] / [`validate::validate_param`] (one field).
//!   [`validate::Finding`] { `param`, `value`, `severity` ([`validate::Severity`] Error /
//!   Warning), `message`, `fix`, `position` (char index in the value), `resync_url` (a URL
//!   pasted into a trigger: offer "resync now from it") }.
//! - [`mask`]: the one mask for secrets: [`mask::MASK`], [`mask::mask_value`] (a value safe
//!   to show), [`mask::mask_secrets`] (any text), [`mask::holds_secret`],
//!   [`mask::is_secret_parameter`].
//! - [`hint`]: [`hint::value_hint`] ("3 × 20 s = 60 s", "3665 s = 1 h 1 min 5 s", schedules
//!   in words), [`hint::unit_hint`], [`hint::range_hint`], [`hint::accepts`].
//! - [`names`]: a typed parameter name understood ([`names::resolve`] against
//!   [`names::KnownNames`]: element name in any case, SPA alias, or the page's label →
//!   [`names::Resolved`]), [`names::element_of_label`] (the naming rule),
//!   [`names::nearest`] and [`names::did_you_mean`] for near-misses.
//! - [`family`]: [`family::infer`] reads which firmware line a file is written for
//!   (`Software_Version`, SPA namespace, SPA names, `group`, `<device>`, MPP names, `ua`)
//!   and says why ([`family::Family`]).
//! - [`words`]: [`words::excerpt`], [`words::excerpt_to`], [`words::human_duration`].
//! - [`schedule::Schedule`], [`schedule::time_of_day`], [`rule::ProfileRule`] (`parse` →
//!   alternatives with condition, assignments, options, url; [`rule::RuleError`] with
//!   position), [`rule::preview`] (the URLs a phone would fetch, macros expanded),
//!   [`condition::Condition`] (`parse`, `evaluate`), [`condition::pasted_url`].
//! - [`macros`]: [`macros::MacroContext`] (identity + GPP values) `expand`/`resolve`,
//!   [`macros::expand`] with any resolver, [`macros::scan`], [`macros::is_known`].
//! - [`xml`]: the lenient reader ([`xml::read_document`], [`xml::Document::identity`]) and
//!   the writer ([`xml::write_flat_profile`]).
//!
//! Inside, modules depend downwards only: `words` and `schema` at the bottom; `names` on
//! `schema`; `mask`,
//! `schedule` and `xml` on them; `values` and `family` on `xml`; `macros` on `values`; `condition` on
//! `macros`; `hint` and `rule` above; `validate` on top. See `docs/profile.md`.

pub mod condition;
pub mod family;
pub mod hint;
pub mod macros;
pub mod mask;
pub mod names;
pub mod rule;
pub mod schedule;
pub mod schema;
pub mod validate;
pub mod values;
pub mod words;
pub mod xml;

#[cfg(test)]
mod fuzz_tests;

/// A phone identity for tests: a CP-8861-3PCC on 11.3.7.
#[cfg(test)]
pub(crate) fn identity_for_tests() -> crate::identity::PhoneIdentity {
    crate::identity::PhoneIdentity {
        model: Some("CP-8861-3PCC".into()),
        mac: "00:56:2b:04:36:15".parse().ok(),
        serial: Some("FCH2000ABCD".into()),
        firmware: Some("11.3.7".into()),
        hardware: Some("V03".into()),
        ip: "10.0.0.5".parse().ok(),
        host_name: None,
    }
}

pub use schema::{Group, Kind, ParamDef, Unit};
pub use validate::{Finding, Severity, validate, validate_param, validate_value};
pub use values::ProfileValues;
