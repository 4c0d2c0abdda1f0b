//! Profile rules, conditions and macros, as the provisioning chapter describes them.
//! (An independent implementation: phoneprov has its own.)

use std::cmp::Ordering;
use std::collections::HashMap;

/// Macro values by name (`MA`, `PN`, `A`, `SCHEME`, …).
#[derive(Debug, Clone, Default)]
pub struct Macros {
    values: HashMap<String, String>,
}

impl Macros {
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Expands `$NAME`, `$(NAME)`, `$(NAME:p)`, `$(NAME:p:q)` and `$$`. Unknown names stay
    /// as written; `$SA`..`$SD` only when `secrets` (inside `--key/--uid/--pwd`).
    pub fn expand(&self, template: &str, secrets: bool) -> String {
        let chars: Vec<char> = template.chars().collect();
        let mut out = String::with_capacity(template.len());
        let mut i = 0;
        while i < chars.len() {
            if chars[i] != '$' {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            match chars.get(i + 1) {
                Some('$') => {
                    out.push('$');
                    i += 2;
                }
                Some('(') => {
                    let Some(close) = chars[i + 2..].iter().position(|&c| c == ')') else {
                        out.push('$');
                        i += 1;
                        continue;
                    };
                    let inner: String = chars[i + 2..i + 2 + close].iter().collect();
                    let written: String = chars[i..i + 3 + close].iter().collect();
                    let mut parts = inner.split(':');
                    let name = parts.next().unwrap_or("");
                    let p = parts.next().and_then(|p| p.trim().parse::<usize>().ok());
                    let q = parts.next().and_then(|q| q.trim().parse::<usize>().ok());
                    match self.lookup(name, secrets) {
                        Some(value) => {
                            let value: Vec<char> = value.chars().collect();
                            let start = p.unwrap_or(0).min(value.len());
                            let end = q.map_or(value.len(), |q| (start + q).min(value.len()));
                            out.extend(&value[start..end]);
                        }
                        None => out.push_str(&written),
                    }
                    i += 3 + close;
                }
                _ => {
                    let name: String = chars[i + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                        .collect();
                    match self.lookup(&name, secrets) {
                        Some(value) if !name.is_empty() => out.push_str(value),
                        _ => {
                            out.push('$');
                            out.push_str(&name);
                        }
                    }
                    i += 1 + name.chars().count();
                }
            }
        }
        out
    }

    fn lookup(&self, name: &str, secrets: bool) -> Option<&str> {
        if !secrets && matches!(name, "SA" | "SB" | "SC" | "SD") {
            return None;
        }
        self.get(name)
    }
}

/// Options in `[ … ]` of a rule alternative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleOptions {
    pub key: Option<String>,
    pub uid: Option<String>,
    pub pwd: Option<String>,
    pub post: Option<String>,
    pub alias: Option<String>,
    pub srv: bool,
}

/// One `|`-separated alternative of a profile rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alternative {
    pub condition: Option<String>,
    pub assignments: Vec<(String, String)>,
    pub options: RuleOptions,
    pub url: String,
}

/// Parses a rule into its alternatives. Errors say what is wrong, in words.
pub fn parse_rule(rule: &str) -> Result<Vec<Alternative>, String> {
    let mut alternatives = Vec::new();
    for text in split_top_level(rule, '|') {
        alternatives.push(parse_alternative(text.trim())?);
    }
    Ok(alternatives)
}

fn parse_alternative(mut text: &str) -> Result<Alternative, String> {
    let mut alt = Alternative::default();
    while text.starts_with('(') {
        let close = matching(text, '(', ')').ok_or("a '(' is never closed")?;
        let inner = &text[1..close];
        let rest = &text[close + 1..];
        if let Some(rest) = rest.strip_prefix('?') {
            alt.condition = Some(inner.trim().to_string());
            text = rest.trim_start();
        } else if let Some(rest) = rest.strip_prefix('!') {
            alt.assignments = parse_assignments(inner)?;
            text = rest.trim_start();
        } else {
            return Err(
                "a '( … )' must be followed by '?' (condition) or '!' (assignments)".into(),
            );
        }
    }
    if text.starts_with('[') {
        let close = matching(text, '[', ']').ok_or("a '[' is never closed")?;
        alt.options = parse_options(&text[1..close])?;
        text = text[close + 1..].trim_start();
    }
    alt.url = text.trim().to_string();
    Ok(alt)
}

fn matching(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c == open && !quoted => depth += 1,
            c if c == close && !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn split_top_level(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' | '[' if !quoted => depth += 1,
            ')' | ']' if !quoted => depth -= 1,
            c if c == sep && !quoted && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .to_string()
}

fn parse_assignments(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for part in split_top_level(text, ';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| format!("assignment '{part}' has no '='"))?;
        let name = name.trim();
        let name = match name.len() {
            1 if name
                .chars()
                .all(|c| c.is_ascii_alphabetic() && c.to_ascii_lowercase() <= 'p') =>
            {
                format!("GPP_{}", name.to_ascii_uppercase())
            }
            _ => name.to_string(),
        };
        out.push((name, unquote(value)));
    }
    Ok(out)
}

fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                current.push(c);
                quoted = !quoted;
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

fn parse_options(text: &str) -> Result<RuleOptions, String> {
    let mut options = RuleOptions::default();
    let tokens = tokenize(text);
    let mut it = tokens.iter();
    while let Some(token) = it.next() {
        let mut value = || {
            it.next()
                .map(|v| unquote(v))
                .ok_or_else(|| format!("option {token} needs a value"))
        };
        match token.as_str() {
            "--key" => options.key = Some(value()?),
            "--uid" => options.uid = Some(value()?),
            "--pwd" => options.pwd = Some(value()?),
            "--post" => options.post = Some(value()?),
            "--alias" => options.alias = Some(value()?),
            "--srv" => options.srv = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

/// Evaluates a condition (`$PRVTMR ge 600 and "$A" eq "x"`). Anything that is not a
/// valid condition is false, as on the phone.
pub fn eval_condition(condition: &str, macros: &Macros) -> bool {
    let expanded = macros.expand(condition, false);
    let tokens = tokenize(&expanded);
    if tokens.is_empty() {
        return false;
    }
    tokens
        .split(|t| t.eq_ignore_ascii_case("and"))
        .all(|cmp| match cmp {
            [left, op, right] => compare(left, op, right).unwrap_or(false),
            _ => false,
        })
}

fn compare(left: &str, op: &str, right: &str) -> Option<bool> {
    let quoted = |s: &str| s.len() >= 2 && s.starts_with('"') && s.ends_with('"');
    let ordering = if quoted(left) || quoted(right) {
        let ord = unquote(left).cmp(&unquote(right));
        return match op {
            "eq" | "=" | "==" => Some(ord == Ordering::Equal),
            "ne" | "!=" => Some(ord != Ordering::Equal),
            _ => None,
        };
    } else {
        compare_versions(left, right)?
    };
    Some(match op {
        "eq" | "=" | "==" => ordering == Ordering::Equal,
        "ne" | "!=" => ordering != Ordering::Equal,
        "lt" | "<" => ordering == Ordering::Less,
        "le" | "<=" => ordering != Ordering::Greater,
        "gt" | ">" => ordering == Ordering::Greater,
        "ge" | ">=" => ordering != Ordering::Less,
        _ => return None,
    })
}

/// Numbers and version strings (`11.3.1`, `sip88xx.11-3-1MPP-1`) compared part by part.
fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
        return Some(x.cmp(&y));
    }
    let parts = |s: &str| -> Option<Vec<u64>> {
        let numbers: Vec<u64> = s
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        if numbers.is_empty() || s.contains("://") {
            None
        } else {
            Some(numbers)
        }
    };
    Some(parts(a)?.cmp(&parts(b)?))
}

/// A profile URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileUrl {
    pub scheme: String,
    /// Empty when the rule names no server (the DHCP-provided TFTP server is meant).
    pub server: String,
    pub port: u16,
    pub path: String,
}

impl ProfileUrl {
    pub fn parse(url: &str) -> Result<ProfileUrl, String> {
        let (scheme, rest) = match url.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("tftp".to_string(), url),
        };
        let default_port = match scheme.as_str() {
            "tftp" => 69,
            "http" => 80,
            "https" => 443,
            other => return Err(format!("unsupported scheme {other}")),
        };
        let (host_port, path) = match rest.find('/') {
            Some(0) => ("", rest),
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (server, port) = match host_port.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || p.parse::<u16>().is_ok() => (
                h.to_string(),
                p.parse::<u16>().map_err(|_| format!("bad port '{p}'"))?,
            ),
            _ => (host_port.to_string(), default_port),
        };
        Ok(ProfileUrl {
            scheme,
            server,
            port,
            path: path.to_string(),
        })
    }

    pub fn to_url(&self, server: &str) -> String {
        format!("{}://{}:{}{}", self.scheme, server, self.port, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn macros() -> Macros {
        let mut m = Macros::default();
        m.set("MA", "00562b043615");
        m.set("MAC", "00:56:2b:04:36:15");
        m.set("PSN", "8861");
        m.set("A", "Provisioned");
        m.set("PRVTMR", "700");
        m.set("SWVER", "sip88xx.11-3-7MPP-1");
        m.set("SA", "secret");
        m
    }

    #[test]
    fn macros_expand_like_the_guide_says() {
        let m = macros();
        assert_eq!(m.expand("/cfg/$MA.xml", false), "/cfg/00562b043615.xml");
        assert_eq!(
            m.expand("$(MA:6)-$(MA:0:4)-$$-$EXT", false),
            "043615-0056-$-$EXT"
        );
        assert_eq!(m.expand("/spa$PSN.cfg", false), "/spa8861.cfg");
        assert_eq!(m.expand("$SA", false), "$SA");
        assert_eq!(m.expand("$SA", true), "secret");
    }

    #[test]
    fn rules_with_conditions_assignments_and_options() {
        let alts = parse_rule(
            r#"("$A" ne "Provisioned")? (Line_Enable_1_ = "No"; b = "x";)! https://p/init | [--uid u --pwd "p w"] http://p:8080/$MA.cfg"#,
        )
        .unwrap();
        assert_eq!(alts.len(), 2);
        assert_eq!(
            alts[0].condition.as_deref(),
            Some(r#""$A" ne "Provisioned""#)
        );
        assert_eq!(
            alts[0].assignments,
            vec![
                ("Line_Enable_1_".into(), "No".into()),
                ("GPP_B".into(), "x".into())
            ]
        );
        assert_eq!(alts[1].options.uid.as_deref(), Some("u"));
        assert_eq!(alts[1].options.pwd.as_deref(), Some("p w"));
        assert_eq!(alts[1].url, "http://p:8080/$MA.cfg");
        assert!(parse_rule("(x eq 1 http://a/b").is_err());
    }

    #[test]
    fn conditions_compare_numbers_versions_and_strings() {
        let m = macros();
        assert!(eval_condition("$PRVTMR ge 600", &m));
        assert!(!eval_condition(
            "$PRVTMR ge 600 and \"$A\" ne \"Provisioned\"",
            &m
        ));
        assert!(eval_condition("$SWVER ge 11.3.1", &m));
        assert!(!eval_condition("$SWVER lt 11.3.1", &m));
        assert!(!eval_condition(
            "http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg",
            &m
        ));
    }

    #[test]
    fn urls_default_to_tftp_and_known_ports() {
        let u = ProfileUrl::parse("/$PSN.xml").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.server.as_str(), u.port),
            ("tftp", "", 69)
        );
        let u = ProfileUrl::parse("http://10.0.0.5/p.xml").unwrap();
        assert_eq!(
            (u.server.as_str(), u.port, u.path.as_str()),
            ("10.0.0.5", 80, "/p.xml")
        );
        let u = ProfileUrl::parse("tftp://10.74.121.56:69/8861conf.cfg").unwrap();
        assert_eq!(u.port, 69);
        assert!(ProfileUrl::parse("ftp://x/y").is_err());
    }
}
