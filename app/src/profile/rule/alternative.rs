//! Reading a rule: the `#` comment, the alternatives between `|`, and in each the `( … )?`
//! condition, the `( … )!` assignments, the `[ … ]` options and the URL, in that order.

use super::chars::{closing, find_outside, skip_space};
use super::model::{Alternative, Assignment, ProfileRule, RuleError, RuleOptions, err};
use super::options::parse_options;
use super::url::parse_url;
use crate::profile::condition::Condition;
use crate::profile::schema;
use crate::profile::words::excerpt;

impl ProfileRule {
    /// Parses a whole rule; an empty (or all-comment) rule has no alternatives.
    pub fn parse(text: &str) -> Result<ProfileRule, RuleError> {
        let chars: Vec<char> = text.chars().collect();
        let mut rule = ProfileRule::default();
        let mut end = chars.len();
        if let Some(hash) = find_outside(&chars, 0, chars.len(), '#') {
            rule.comment = Some((chars[hash + 1..].iter().collect(), hash));
            end = hash;
        }
        if chars[..end].iter().all(|c| c.is_whitespace()) {
            return Ok(rule);
        }
        let mut start = 0;
        loop {
            let bar = find_outside(&chars, start, end, '|');
            let stop = bar.unwrap_or(end);
            let alternative = parse_alternative(&chars, start, stop)?;
            rule.alternatives.push(alternative);
            match bar {
                Some(b) => start = b + 1,
                None => break,
            }
        }
        Ok(rule)
    }
}

/// The alternative in `chars[start..end]` (between two `|`).
fn parse_alternative(chars: &[char], start: usize, end: usize) -> Result<Alternative, RuleError> {
    let mut i = skip_space(chars, start, end);
    let mut alternative = Alternative {
        position: i,
        condition: None,
        assignments: Vec::new(),
        options: RuleOptions::default(),
        url: None,
    };
    if i >= end {
        return err(
            i.min(end),
            "an alternative is empty (nothing between two '|', or a '|' at an end)",
        );
    }
    loop {
        i = skip_space(chars, i, end);
        if i >= end {
            break;
        }
        match chars[i] {
            '(' => i = parenthesised(chars, i, end, &mut alternative)?,
            '[' => {
                if alternative.options.position.is_some() {
                    return err(i, "an alternative can have only one [ … ] block of options");
                }
                let Some(close) = closing(chars, i, end) else {
                    return err(i, "this '[' is never closed");
                };
                alternative.options = parse_options(chars, i + 1, close)?;
                alternative.options.position = Some(i);
                i = close + 1;
            }
            ')' | ']' => return err(i, format!("this '{}' closes nothing", chars[i])),
            _ => {
                let mut url_end = end;
                while url_end > i && chars[url_end - 1].is_whitespace() {
                    url_end -= 1;
                }
                alternative.url = Some(parse_url(chars, i, url_end)?);
                break;
            }
        }
    }
    Ok(alternative)
}

/// The `( … )?` condition or `( … )!` assignments opening at `open`; returns where reading
/// goes on. An alternative holds at most one of each, the condition first, both before the
/// options. (Assignments that were read are never empty, so "seen" is "not empty".)
fn parenthesised(
    chars: &[char],
    open: usize,
    end: usize,
    alternative: &mut Alternative,
) -> Result<usize, RuleError> {
    let Some(close) = closing(chars, open, end) else {
        return err(open, "this '(' is never closed");
    };
    let seen_assignments = !alternative.assignments.is_empty();
    match chars.get(close + 1).filter(|_| close + 1 < end) {
        Some('?') => {
            if alternative.condition.is_some() {
                return err(open, "an alternative can have only one ( … )? condition");
            }
            if seen_assignments || alternative.options.position.is_some() {
                return err(
                    open,
                    "the ( … )? condition must come first in the alternative",
                );
            }
            let inner: String = chars[open + 1..close].iter().collect();
            let condition = Condition::parse(&inner).map_err(|e| RuleError {
                position: open + 1 + e.position,
                message: format!("in the condition: {}", e.message),
            })?;
            alternative.condition = Some((inner.trim().to_string(), open + 1, condition));
        }
        Some('!') => {
            if seen_assignments {
                return err(open, "an alternative can have only one ( … )! block");
            }
            if alternative.options.position.is_some() {
                return err(
                    open,
                    "the ( … )! assignments must come before the [ … ] options",
                );
            }
            alternative.assignments = parse_assignments(chars, open + 1, close)?;
        }
        _ => {
            return err(
                close,
                "after ')' write '?' (a condition) or '!' (assignments)",
            );
        }
    }
    Ok(close + 2)
}

/// `Name = "value";` pairs; single letters `a`…`p` name `GPP_A`…`GPP_P`.
fn parse_assignments(
    chars: &[char],
    start: usize,
    end: usize,
) -> Result<Vec<Assignment>, RuleError> {
    let mut out = Vec::new();
    let mut i = start;
    loop {
        i = skip_space(chars, i, end);
        if i >= end {
            break;
        }
        let name_start = i;
        while i < end && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
            i += 1;
        }
        if i == name_start {
            return err(i, "a parameter name is expected here (Name = \"value\";)");
        }
        let written: String = chars[name_start..i].iter().collect();
        let name = if written.len() == 1 {
            match written.chars().next().and_then(schema::gpp_by_letter) {
                Some(def) => def.element.to_string(),
                None => written,
            }
        } else {
            schema::canonical_name(&written).to_string()
        };
        i = skip_space(chars, i, end);
        if i >= end || chars[i] != '=' {
            return err(
                i.min(end),
                format!("'=' is missing after {}", excerpt(&name)),
            );
        }
        i = skip_space(chars, i + 1, end);
        if i >= end || chars[i] != '"' {
            return err(
                i.min(end),
                "the value must be in double quotes (Name = \"value\";)",
            );
        }
        let quote = i;
        i += 1;
        while i < end && chars[i] != '"' {
            i += 1;
        }
        if i >= end {
            return err(quote, "this quote is never closed");
        }
        let value: String = chars[quote + 1..i].iter().collect();
        i = skip_space(chars, i + 1, end);
        out.push(Assignment {
            name,
            value,
            position: name_start,
        });
        if i < end {
            if chars[i] != ';' {
                return err(i, "';' is missing between assignments");
            }
            i += 1;
        }
    }
    if out.is_empty() {
        return err(start, "the ( … )! block holds no assignment");
    }
    Ok(out)
}
