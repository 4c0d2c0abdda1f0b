//! Conditions: `( … )?` in profile rules and bare in `Resync_Trigger_1/2`. Comparisons joined
//! by `and`; operators `eq =`, `ne !=`, `lt <`, `le <=`, `gt >`, `ge >=`; operands are
//! numbers, versions, `"quoted text"` (eq/ne only) or bare macros (compared as numbers).

use std::cmp::Ordering;

use super::macros;
use super::words::excerpt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Operator {
    fn from_word(word: &str) -> Option<Operator> {
        Some(match word {
            "eq" | "=" => Operator::Eq,
            "ne" | "!=" => Operator::Ne,
            "lt" | "<" => Operator::Lt,
            "le" | "<=" => Operator::Le,
            "gt" | ">" => Operator::Gt,
            "ge" | ">=" => Operator::Ge,
            _ => return None,
        })
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Operator::Eq => ordering == Ordering::Equal,
            Operator::Ne => ordering != Ordering::Equal,
            Operator::Lt => ordering == Ordering::Less,
            Operator::Le => ordering != Ordering::Greater,
            Operator::Gt => ordering == Ordering::Greater,
            Operator::Ge => ordering != Ordering::Less,
        }
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// `"text"` (may hold macros), compared as text.
    Quoted(String),
    /// A bare number, version or macro, compared as a number/version.
    Bare(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub left: Operand,
    pub operator: Operator,
    pub right: Operand,
    /// Character position of the comparison's start.
    pub position: usize,
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub comparisons: Vec<Comparison>,
}

/// Why a condition cannot be read; `position` is a 0-based character index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {})", position + 1)]
pub struct ConditionError {
    pub position: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Quoted(String),
    Word(String),
    Op(String),
}

fn tokenize(chars: &[char]) -> Result<Vec<(usize, Tok)>, ConditionError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let start = i;
            i += 1;
            let mut text = String::new();
            while i < chars.len() && chars[i] != '"' {
                text.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(ConditionError {
                    position: start,
                    message: "this quote is never closed".into(),
                });
            }
            i += 1;
            out.push((start, Tok::Quoted(text)));
        } else if matches!(c, '<' | '>' | '=' | '!') {
            let start = i;
            let mut op = String::new();
            while i < chars.len() && matches!(chars[i], '<' | '>' | '=' | '!') {
                op.push(chars[i]);
                i += 1;
            }
            out.push((start, Tok::Op(op)));
        } else {
            let start = i;
            let mut word = String::new();
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '"' | '<' | '>' | '=' | '!')
            {
                word.push(chars[i]);
                i += 1;
            }
            out.push((start, Tok::Word(word)));
        }
    }
    Ok(out)
}

impl Condition {
    /// Parses a whole condition.
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        let chars: Vec<char> = text.chars().collect();
        let tokens = tokenize(&chars)?;
        if tokens.is_empty() {
            return Err(ConditionError {
                position: 0,
                message: "the condition is empty".into(),
            });
        }
        let end = chars.len();
        let mut comparisons = Vec::new();
        let mut i = 0;
        loop {
            comparisons.push(comparison(&tokens, i, end)?);
            match next_comparison(&tokens, i + 3, end)? {
                Some(next) => i = next,
                None => break,
            }
        }
        Ok(Condition { comparisons })
    }

    /// Evaluates with macro values from `resolve`; `None` when a macro it needs is unknown
    /// before the phone runs (timers, states) or a value is not a number.
    pub fn evaluate(&self, resolve: impl Fn(&str) -> Option<String>) -> Option<bool> {
        let mut all = true;
        for comparison in &self.comparisons {
            let value = |operand: &Operand| -> Option<String> {
                let raw = match operand {
                    Operand::Quoted(t) | Operand::Bare(t) => t,
                };
                let expanded = macros::expand(raw, &resolve);
                // A macro still there could not be resolved.
                macros::scan(&expanded)
                    .iter()
                    .all(|m| !m.is_known())
                    .then_some(expanded)
            };
            let left = value(&comparison.left)?;
            let right = value(&comparison.right)?;
            let ordering = if matches!(comparison.left, Operand::Quoted(_)) {
                left.cmp(&right)
            } else {
                compare_versions(&left, &right)?
            };
            all &= comparison.operator.holds(ordering);
        }
        Some(all)
    }
}

/// The comparison whose tokens start at `i`: operand, operator, operand.
fn comparison(tokens: &[(usize, Tok)], i: usize, end: usize) -> Result<Comparison, ConditionError> {
    let (position, left) = operand(tokens, i, end, "a value to compare")?;
    let (op_position, operator) = operator(tokens, i + 1, end)?;
    let (right_position, right) = operand(tokens, i + 2, end, "a value after the operator")?;
    let text_compare = matches!(left, Operand::Quoted(_)) || matches!(right, Operand::Quoted(_));
    if text_compare && !matches!(operator, Operator::Eq | Operator::Ne) {
        return Err(ConditionError {
            position: op_position,
            message: "quoted text can only be compared with eq or ne".into(),
        });
    }
    if matches!(left, Operand::Quoted(_)) != matches!(right, Operand::Quoted(_)) {
        let bare_position = if matches!(left, Operand::Quoted(_)) {
            right_position
        } else {
            position
        };
        return Err(ConditionError {
            position: bare_position,
            message: "one side is quoted text and the other is not: quote both to compare as text, or neither to compare as numbers".into(),
        });
    }
    Ok(Comparison {
        left,
        operator,
        right,
        position,
    })
}

/// The operator at `index`, with its position.
fn operator(
    tokens: &[(usize, Tok)],
    index: usize,
    end: usize,
) -> Result<(usize, Operator), ConditionError> {
    let (op_position, op_text) = match tokens.get(index) {
        Some((p, Tok::Op(op))) | Some((p, Tok::Word(op))) => (*p, op),
        Some((p, Tok::Quoted(_))) => {
            return Err(ConditionError {
                position: *p,
                message: "an operator (eq, ne, lt, le, gt, ge) is missing here".into(),
            });
        }
        None => {
            return Err(ConditionError {
                position: end,
                message: "the comparison is incomplete: an operator and a value are missing".into(),
            });
        }
    };
    let operator = Operator::from_word(op_text).ok_or_else(|| ConditionError {
        position: op_position,
        message: format!(
            "'{}' is not an operator: use eq (=), ne (!=), lt (<), le (<=), gt (>) or ge (>=)",
            excerpt(op_text)
        ),
    })?;
    Ok((op_position, operator))
}

/// What follows a comparison at `index`: the end (`None`), or `and` and the index of the next
/// comparison.
fn next_comparison(
    tokens: &[(usize, Tok)],
    index: usize,
    end: usize,
) -> Result<Option<usize>, ConditionError> {
    match tokens.get(index) {
        None => Ok(None),
        Some((_, Tok::Word(w))) if w == "and" || w == "AND" => {
            if tokens.get(index + 1).is_none() {
                return Err(ConditionError {
                    position: end,
                    message: "a comparison is missing after 'and'".into(),
                });
            }
            Ok(Some(index + 1))
        }
        Some((p, Tok::Word(w))) if w.eq_ignore_ascii_case("or") => Err(ConditionError {
            position: *p,
            message: "conditions can only join comparisons with 'and' (there is no 'or'; use rule alternatives with '|' instead)".into(),
        }),
        Some((p, _)) => Err(ConditionError {
            position: *p,
            message: "expected 'and' before the next comparison".into(),
        }),
    }
}

fn operand(
    tokens: &[(usize, Tok)],
    index: usize,
    end: usize,
    what: &str,
) -> Result<(usize, Operand), ConditionError> {
    match tokens.get(index) {
        Some((p, Tok::Quoted(text))) => Ok((*p, Operand::Quoted(text.clone()))),
        Some((p, Tok::Word(word))) => {
            let bare_ok = word.starts_with('$') || word.starts_with(|c: char| c.is_ascii_digit());
            if !bare_ok {
                return Err(ConditionError {
                    position: *p,
                    message: format!(
                        "'{word}' is neither a number, a version nor a $macro; quote it to compare as text (\"{word}\")",
                        word = excerpt(word)
                    ),
                });
            }
            Ok((*p, Operand::Bare(word.clone())))
        }
        Some((p, Tok::Op(op))) => Err(ConditionError {
            position: *p,
            message: format!("'{op}' is here where {what} should be"),
        }),
        None => Err(ConditionError {
            position: end,
            message: format!("{what} is missing"),
        }),
    }
}

/// Compares numbers or versions part by part (`11.3.1` < `11.10`); `None` when either side
/// holds no number.
fn compare_versions(left: &str, right: &str) -> Option<Ordering> {
    let parts = |s: &str| -> Vec<u64> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    let (l, r) = (parts(left), parts(right));
    if l.is_empty() || r.is_empty() {
        return None;
    }
    Some(l.cmp(&r))
}

/// Does this look like a URL or a direct-action path rather than a condition?
/// Returns the URL a resync should use, if one can be extracted:
/// `http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg` →
/// `tftp://10.74.121.56:69/8861conf.cfg`.
pub fn pasted_url(text: &str) -> Option<String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let looks_like_url = lower.contains("://")
        || lower.contains("/admin/")
        || lower.starts_with("admin/")
        || lower.starts_with("www.");
    if !looks_like_url {
        return None;
    }
    if let Some(index) = lower.find("/admin/resync") {
        let rest = &text[index + "/admin/resync".len()..];
        if let Some(rule) = rest.strip_prefix('?').filter(|r| !r.trim().is_empty()) {
            return Some(rule.trim().to_string());
        }
        // `/admin/resync` alone: resync from the phone's own rules.
        return Some(String::new());
    }
    Some(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_forms_parse() {
        for text in [
            "$PRVTMR ge 600",
            "$UPGTMR gt 300 and $PRVTMR ge 600",
            "\"$SWVER\" eq \"sip88xx.11-3-1MPP-1\"",
            "\"$A\" ne \"Provisioned\"",
            "$PRVTMR>=600",
            "$SWVER lt 11.3.1",
            "$REGTMR1 != 0",
        ] {
            Condition::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
        let c = Condition::parse("$UPGTMR gt 300 and $PRVTMR ge 600").unwrap();
        assert_eq!(c.comparisons.len(), 2);
        assert_eq!(c.comparisons[1].operator, Operator::Ge);
        assert_eq!(c.comparisons[1].position, 19);
    }

    #[test]
    fn errors_point_at_the_position() {
        let e = Condition::parse("$PRVTMR gte 600").unwrap_err();
        assert_eq!(e.position, 8);
        let e = Condition::parse("$PRVTMR ge 600 or $A eq 1").unwrap_err();
        assert_eq!(e.position, 15);
        assert!(e.message.contains("and"));
        let e = Condition::parse("\"$A\" lt \"x\"").unwrap_err();
        assert!(e.message.contains("eq or ne"));
        let e = Condition::parse("$A eq Provisioned").unwrap_err();
        assert_eq!(e.position, 6);
        let e = Condition::parse("$PRVTMR ge").unwrap_err();
        assert_eq!(e.position, 10);
        let e = Condition::parse("\"open").unwrap_err();
        assert_eq!(e.position, 0);
        assert!(Condition::parse("").is_err());
        assert!(Condition::parse("$A eq 1 and").is_err());
    }

    #[test]
    fn evaluation_with_known_values() {
        let c = Condition::parse("\"$A\" ne \"Provisioned\"").unwrap();
        assert_eq!(
            c.evaluate(|n| (n == "A").then(|| "Provisioned".into())),
            Some(false)
        );
        assert_eq!(c.evaluate(|n| (n == "A").then(String::new)), Some(true));
        let c = Condition::parse("$PRVTMR ge 600").unwrap();
        assert_eq!(
            c.evaluate(|_| None),
            None,
            "timers are unknown before the phone runs"
        );
        assert_eq!(c.evaluate(|_| Some("601".into())), Some(true));
        let c = Condition::parse("$SWVER lt 11.10").unwrap();
        assert_eq!(c.evaluate(|_| Some("11.3.1".into())), Some(true));
    }

    #[test]
    fn pasted_urls_are_recognised() {
        assert_eq!(
            pasted_url("http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg")
                .as_deref(),
            Some("tftp://10.74.121.56:69/8861conf.cfg")
        );
        assert_eq!(
            pasted_url("https://prov.example.com/a.xml").as_deref(),
            Some("https://prov.example.com/a.xml")
        );
        assert_eq!(pasted_url("/admin/resync").as_deref(), Some(""));
        assert_eq!(
            pasted_url("10.74.121.56/admin/resync?/x.cfg").as_deref(),
            Some("/x.cfg")
        );
        assert_eq!(pasted_url("$PRVTMR ge 600"), None);
    }
}
