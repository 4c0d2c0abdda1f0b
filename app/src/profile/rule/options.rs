//! The `[ … ]` options of an alternative: `--key`, `--uid`, `--pwd`, `--post`, `--alias`
//! (each with a value, quoted when it holds spaces) and `--srv`.

use super::chars::skip_space;
use super::model::{RuleError, RuleOptions, err};
use crate::profile::words::excerpt;

/// Splits `[ … ]` into words, keeping quoted values together (quotes removed).
fn option_words(
    chars: &[char],
    start: usize,
    end: usize,
) -> Result<Vec<(usize, String)>, RuleError> {
    let mut words = Vec::new();
    let mut i = start;
    loop {
        i = skip_space(chars, i, end);
        if i >= end {
            break;
        }
        let word_start = i;
        let mut word = String::new();
        if chars[i] == '"' {
            i += 1;
            while i < end && chars[i] != '"' {
                word.push(chars[i]);
                i += 1;
            }
            if i >= end {
                return err(word_start, "this quote is never closed");
            }
            i += 1;
        } else {
            while i < end && !chars[i].is_whitespace() {
                word.push(chars[i]);
                i += 1;
            }
        }
        words.push((word_start, word));
    }
    Ok(words)
}

pub(super) fn parse_options(
    chars: &[char],
    start: usize,
    end: usize,
) -> Result<RuleOptions, RuleError> {
    let words = option_words(chars, start, end)?;
    let mut options = RuleOptions::default();
    let mut index = 0;
    while index < words.len() {
        let (position, word) = &words[index];
        let name = word.as_str();
        let shown = excerpt(name);
        if name == "--srv" {
            if options.srv {
                return err(*position, "--srv is given twice");
            }
            options.srv = true;
            index += 1;
            continue;
        }
        let slot = match name {
            "--key" => &mut options.key,
            "--uid" => &mut options.uid,
            "--pwd" => &mut options.pwd,
            "--post" => &mut options.post,
            "--alias" => &mut options.alias,
            _ if name.starts_with('-') => {
                return err(
                    *position,
                    format!(
                        "unknown option {shown}: use --key, --uid, --pwd, --post, --alias or --srv"
                    ),
                );
            }
            _ => {
                return err(
                    *position,
                    format!(
                        "'{shown}' is not an option; options start with -- (e.g. --key, --uid, --pwd)"
                    ),
                );
            }
        };
        let value = match words.get(index + 1) {
            Some((_, value)) if !value.starts_with("--") => value.clone(),
            _ => return err(*position, format!("{name} needs a value")),
        };
        if slot.is_some() {
            return err(*position, format!("{name} is given twice"));
        }
        *slot = Some(value);
        index += 2;
    }
    Ok(options)
}
