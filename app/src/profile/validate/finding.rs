//! What the validator says about a value: [`Finding`] with its [`Severity`], and the
//! collector that keeps one value's findings bounded ([`Sink`]) with the character positions
//! they point at ([`CharIndex`]).

use crate::profile::schema::ParamDef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Severity {
    /// The phone would refuse or ignore the value.
    Error,
    /// Legal, but probably not what was meant.
    Warning,
}

/// One problem with one parameter's value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Canonical element name.
    pub param: String,
    /// The value as given (secrets are NOT masked here; show it through
    /// [`crate::profile::mask::mask_value`]).
    pub value: String,
    pub severity: Severity,
    pub message: String,
    /// What to do about it.
    pub fix: Option<String>,
    /// 0-based character position in the value the message is about.
    pub position: Option<usize>,
    /// A URL the person probably meant to resync from (a URL pasted into a trigger); empty
    /// string = "resync now from the phone's own rules".
    pub resync_url: Option<String>,
}

impl Finding {
    /// A finding about a parameter by name (one the schema may not know).
    pub(super) fn named(
        param: &str,
        value: &str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            param: param.to_string(),
            value: value.to_string(),
            severity,
            message: message.into(),
            fix: None,
            position: None,
            resync_url: None,
        }
    }

    pub(super) fn new(
        def: &ParamDef,
        value: &str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Finding::named(def.element, value, severity, message)
    }

    pub(super) fn error(def: &ParamDef, value: &str, message: impl Into<String>) -> Self {
        Finding::new(def, value, Severity::Error, message)
    }

    pub(super) fn warning(def: &ParamDef, value: &str, message: impl Into<String>) -> Self {
        Finding::new(def, value, Severity::Warning, message)
    }

    pub(super) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub(super) fn at(mut self, position: usize) -> Self {
        self.position = Some(position);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// More findings than this for one value are summarised in one line.
pub const MAX_FINDINGS_PER_VALUE: usize = 10;

/// Collects one value's findings, building no more than fit: a hostile 8 MiB value with a
/// million problems must not become a million copies of itself.
#[derive(Default)]
pub(super) struct Sink {
    list: Vec<Finding>,
    skipped: usize,
    worst_skipped: Option<Severity>,
}

impl Sink {
    /// `severity` is the finding's, known without building it.
    pub(super) fn add(&mut self, severity: Severity, finding: impl FnOnce() -> Finding) {
        if self.list.len() < MAX_FINDINGS_PER_VALUE - 1 {
            let finding = finding();
            debug_assert_eq!(finding.severity, severity);
            self.list.push(finding);
        } else {
            self.worst_skipped = Some(self.worst_skipped.map_or(severity, |s| s.min(severity)));
            self.skipped += 1;
        }
    }

    pub(super) fn finish(mut self, def: &ParamDef, value: &str) -> Vec<Finding> {
        if let Some(severity) = self.worst_skipped {
            let more = self.skipped;
            self.list.push(Finding::new(
                def,
                value,
                severity,
                format!(
                    "… and {more} more problem{} in this value",
                    if more == 1 { "" } else { "s" }
                ),
            ));
        }
        self.list
    }
}

/// Character positions of byte offsets that mostly grow, counted incrementally (a value
/// with a million macros must not cost a million scans from its start).
#[derive(Default)]
pub(super) struct CharIndex {
    byte: usize,
    chars: usize,
}

impl CharIndex {
    pub(super) fn at(&mut self, text: &str, byte: usize) -> usize {
        let byte = byte.min(text.len());
        if byte < self.byte {
            *self = CharIndex::default();
        }
        match text.get(self.byte..byte) {
            Some(part) => {
                self.chars += part.chars().count();
                self.byte = byte;
                self.chars
            }
            // Not a character boundary: cannot happen for offsets from the parsers.
            None => text.get(..byte).map_or(byte, |s| s.chars().count()),
        }
    }
}

/// How many characters of leading space `value` has: positions found in the trimmed value
/// are shifted by this to point into the value as given.
pub(super) fn leading_space(value: &str) -> usize {
    value.chars().count() - value.trim_start().chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_positions_follow_growing_byte_offsets() {
        let mut index = CharIndex::default();
        assert_eq!(index.at("é$A é$B", 1 + 1), 1);
        assert_eq!(index.at("é$A é$B", 7), 5);
        assert_eq!(index.at("é$A é$B", 2), 1, "an earlier offset starts over");
    }

    #[test]
    fn leading_space_counts_characters() {
        assert_eq!(leading_space("  x "), 2);
        assert_eq!(leading_space("\u{a0}x"), 1);
        assert_eq!(leading_space("x"), 0);
    }
}
