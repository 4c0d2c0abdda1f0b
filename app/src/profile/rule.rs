//! Profile rules (`Profile_Rule`, `Profile_Rule_B..D`, `Upgrade_Rule`):
//!
//! ```text
//! rule        := alternative { "|" alternative }  [ "#" comment ]   (comment: SPA)
//! alternative := [ "(" condition ")?" ] [ "(" assignments ")!" ] [ "[" options "]" ] [ url ]
//! url         := [ scheme "://" ] [ server [ ":" port ] ] "/" path
//! options     := --key K | --uid U --pwd P | --post X | --alias X | --srv
//! ```
//! Errors carry the 0-based character position of the problem.

use super::condition::{Condition, ConditionError};
use super::hint::excerpt;
use super::macros::MacroContext;
use super::schema;

/// How the phone fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scheme {
    Tftp,
    Http,
    Https,
    /// `gds://`: Webex activation onboarding.
    Gds,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Tftp => "tftp",
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Gds => "gds",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Tftp => 69,
            Scheme::Http => 80,
            Scheme::Https | Scheme::Gds => 443,
        }
    }

    /// Credentials sent with this scheme can be read on the wire.
    pub fn is_plain_text(self) -> bool {
        matches!(self, Scheme::Tftp | Scheme::Http)
    }
}

/// `[scheme://][server[:port]]/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleUrl {
    /// As written; `None` = TFTP.
    pub scheme: Option<Scheme>,
    /// `None` = the server DHCP names (option 66 or the configured list).
    pub server: Option<String>,
    pub port: Option<u16>,
    /// From the first `/` on.
    pub path: String,
    /// The URL as written.
    pub text: String,
    pub position: usize,
}

impl RuleUrl {
    pub fn effective_scheme(&self) -> Scheme {
        self.scheme.unwrap_or(Scheme::Tftp)
    }
}

/// The `[ … ]` options of an alternative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleOptions {
    pub key: Option<String>,
    pub uid: Option<String>,
    pub pwd: Option<String>,
    pub post: Option<String>,
    pub alias: Option<String>,
    pub srv: bool,
    pub position: Option<usize>,
}

/// `Name = "value";` inside `( … )!`; `a`..`p` are mapped to `GPP_A`..`GPP_P`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub value: String,
    pub position: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// Character position where the alternative starts.
    pub position: usize,
    /// The condition text as written, its position and parse.
    pub condition: Option<(String, usize, Condition)>,
    pub assignments: Vec<Assignment>,
    pub options: RuleOptions,
    pub url: Option<RuleUrl>,
}

/// A parsed rule. An empty rule has no alternatives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileRule {
    pub alternatives: Vec<Alternative>,
    /// SPA `# comment` and its position.
    pub comment: Option<(String, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {})", position + 1)]
pub struct RuleError {
    pub position: usize,
    pub message: String,
}

fn err<T>(position: usize, message: impl Into<String>) -> Result<T, RuleError> {
    Err(RuleError {
        position,
        message: message.into(),
    })
}

impl ProfileRule {
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

    /// Whether any alternative sends credentials.
    pub fn has_credentials(&self) -> bool {
        self.alternatives
            .iter()
            .any(|a| a.options.uid.is_some() || a.options.pwd.is_some())
    }
}

/// The first `target` in `chars[from..to]` outside quotes, parentheses and brackets.
fn find_outside(chars: &[char], from: usize, to: usize, target: char) -> Option<usize> {
    let mut depth = 0i32;
    let mut quoted = false;
    for (i, &c) in chars.iter().enumerate().take(to).skip(from) {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ if c == target && depth <= 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Index of the bracket closing the one at `open`, respecting quotes and nesting.
fn closing(chars: &[char], open: usize, to: usize) -> Option<usize> {
    let (opening, closing) = match chars[open] {
        '(' => ('(', ')'),
        _ => ('[', ']'),
    };
    let mut depth = 0;
    let mut quoted = false;
    for (i, &c) in chars.iter().enumerate().take(to).skip(open) {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && c == opening {
            depth += 1;
        } else if !quoted && c == closing {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

fn skip_space(chars: &[char], mut i: usize, to: usize) -> usize {
    while i < to && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

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
    let mut seen_assignments = false;
    loop {
        i = skip_space(chars, i, end);
        if i >= end {
            break;
        }
        match chars[i] {
            '(' => {
                let Some(close) = closing(chars, i, end) else {
                    return err(i, "this '(' is never closed");
                };
                let inner: String = chars[i + 1..close].iter().collect();
                match chars.get(close + 1).filter(|_| close + 1 < end) {
                    Some('?') => {
                        if alternative.condition.is_some() {
                            return err(i, "an alternative can have only one ( … )? condition");
                        }
                        if seen_assignments || alternative.options.position.is_some() {
                            return err(
                                i,
                                "the ( … )? condition must come first in the alternative",
                            );
                        }
                        let condition =
                            Condition::parse(&inner).map_err(|e: ConditionError| RuleError {
                                position: i + 1 + e.position,
                                message: format!("in the condition: {}", e.message),
                            })?;
                        alternative.condition = Some((inner.trim().to_string(), i + 1, condition));
                    }
                    Some('!') => {
                        if seen_assignments {
                            return err(i, "an alternative can have only one ( … )! block");
                        }
                        if alternative.options.position.is_some() {
                            return err(
                                i,
                                "the ( … )! assignments must come before the [ … ] options",
                            );
                        }
                        alternative.assignments = parse_assignments(chars, i + 1, close)?;
                        seen_assignments = true;
                    }
                    _ => {
                        return err(
                            close,
                            "after ')' write '?' (a condition) or '!' (assignments)",
                        );
                    }
                }
                i = close + 2;
            }
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

fn parse_options(chars: &[char], start: usize, end: usize) -> Result<RuleOptions, RuleError> {
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

fn parse_url(chars: &[char], start: usize, end: usize) -> Result<RuleUrl, RuleError> {
    let text: String = chars[start..end].iter().collect();
    if let Some(space) = chars[start..end].iter().position(|c| c.is_whitespace()) {
        return err(
            start + space,
            "a URL cannot contain spaces (options go in [ … ] before the URL)",
        );
    }
    let mut i = start;
    let mut scheme = None;
    if let Some(sep) = text.find("://") {
        let scheme_chars = text[..sep].chars().count();
        let written = &text[..sep];
        scheme = Some(match written.to_ascii_lowercase().as_str() {
            "tftp" => Scheme::Tftp,
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            "gds" => Scheme::Gds,
            _ => {
                return err(
                    start,
                    format!(
                        "'{}' is not a scheme the phone fetches with: use tftp, http or https",
                        excerpt(written)
                    ),
                );
            }
        });
        i = start + scheme_chars + 3;
    }
    if scheme == Some(Scheme::Gds) && i >= end {
        // `gds://` alone starts Webex activation-code onboarding.
        return Ok(RuleUrl {
            scheme,
            server: None,
            port: None,
            path: String::new(),
            text,
            position: start,
        });
    }
    let slash = (i..end).find(|&k| chars[k] == '/');
    let authority_end = slash.unwrap_or(end);
    let authority: String = chars[i..authority_end].iter().collect();
    let mut server = None;
    let mut port = None;
    if !authority.is_empty() {
        let (host, port_text) = if authority.starts_with('[') {
            match authority.find(']') {
                Some(close) => {
                    let rest = &authority[close + 1..];
                    (&authority[..=close], rest.strip_prefix(':'))
                }
                None => return err(i, "this '[' of an IPv6 address is never closed"),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority.as_str(), None),
            }
        };
        if host.is_empty() {
            return err(i, "the server name is missing before the port");
        }
        if let Some(port_text) = port_text {
            let port_position = i + authority.chars().count() - port_text.chars().count();
            match port_text.parse::<u16>() {
                Ok(p) if p > 0 => port = Some(p),
                _ if port_text.contains('$') => {}
                _ => {
                    return err(
                        port_position,
                        format!("'{}' is not a port number (1–65535)", excerpt(port_text)),
                    );
                }
            }
        }
        server = Some(host.to_string());
    } else if scheme.is_some() && scheme != Some(Scheme::Tftp) {
        return err(i, "the server name is missing after ://");
    }
    let Some(slash) = slash else {
        return err(
            end,
            "the path is missing: a rule's URL needs a path starting with '/' (e.g. /$PSN.xml)",
        );
    };
    Ok(RuleUrl {
        scheme,
        server,
        port,
        path: chars[slash..end].iter().collect(),
        text,
        position: start,
    })
}

/// The rule with `--pwd`, `--key` and `--uid` values (the profile server's credentials and
/// the profile's key) replaced by `****`; works on any text, parsable or not, so secrets
/// never reach a log, an error or JSON.
pub fn mask_secrets(text: &str) -> String {
    // Every occurrence of a flag masks what follows it, even inside another masked value,
    // so odd quoting cannot hide a secret; the masked spans are then merged.
    let mut starts: Vec<usize> = ["--pwd", "--key", "--uid"]
        .iter()
        .flat_map(|flag| text.match_indices(flag).map(|(at, f)| at + f.len()))
        .collect();
    starts.sort_unstable();
    let bytes = text.as_bytes();
    // Cursors that only move forward keep this linear on hostile input.
    let mut next_delimiter = Cursor::default();
    let mut next_quote = Cursor::default();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for start in starts {
        let value_start = start
            + bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let end = if bytes.get(value_start) == Some(&b'"') {
            next_quote
                .find(bytes, value_start + 1, |b| b == b'"')
                .map_or(bytes.len(), |close| close + 1)
        } else {
            next_delimiter
                .find(bytes, value_start, |b| b.is_ascii_whitespace() || b == b']')
                .unwrap_or(bytes.len())
        };
        if end > value_start {
            spans.push((value_start, end));
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut position = 0;
    let mut index = 0;
    while index < spans.len() {
        let (start, mut end) = spans[index];
        index += 1;
        while index < spans.len() && spans[index].0 <= end {
            end = end.max(spans[index].1);
            index += 1;
        }
        let start = start.max(position);
        out.push_str(&text[position..start]);
        out.push_str(if bytes.get(start) == Some(&b'"') {
            "\"****\""
        } else {
            "****"
        });
        position = end.max(position);
    }
    out.push_str(&text[position..]);
    out
}

/// The first byte at or after a position that matches, remembered so that searches from
/// growing positions cost one pass in all.
#[derive(Default)]
struct Cursor {
    from: usize,
    found: Option<Option<usize>>,
}

impl Cursor {
    fn find(&mut self, bytes: &[u8], from: usize, matches: impl Fn(u8) -> bool) -> Option<usize> {
        if let Some(found) = self.found
            && from >= self.from
            && found.is_none_or(|at| at >= from)
        {
            return found;
        }
        // The last search found its match before `from`: nothing to reuse, but nothing
        // before `from` is scanned again either.
        let start = from;
        let found = bytes[start..]
            .iter()
            .position(|&b| matches(b))
            .map(|offset| start + offset);
        self.from = from;
        self.found = Some(found);
        found
    }
}

/// What a phone would fetch for one alternative of a rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FetchPreview {
    /// 0-based alternative index.
    pub alternative: usize,
    /// The condition as written (`None` = always).
    pub condition: Option<String>,
    /// Whether the condition holds for this phone, when it can be told in advance.
    pub condition_holds: Option<bool>,
    /// Full URL with macros expanded, scheme and port made explicit; the server is
    /// `<DHCP option 66 server>` when the rule leaves it to DHCP.
    pub url: String,
    pub scheme: Scheme,
    /// `None` = the server DHCP names.
    pub server: Option<String>,
    pub port: u16,
    pub path: String,
    /// Macros that stay unexpanded (runtime values or unknown names).
    pub unresolved: Vec<String>,
    /// `--uid/--pwd` are sent (values never shown).
    pub sends_credentials: bool,
    /// `--key`: the profile is encrypted.
    pub encrypted: bool,
}

/// The URL(s) a given phone would fetch for this rule, macros expanded from its identity
/// and GPP values. Alternatives without a URL (assignments only) are left out.
pub fn preview(
    rule_text: &str,
    context: &MacroContext<'_>,
) -> Result<Vec<FetchPreview>, RuleError> {
    let rule = ProfileRule::parse(rule_text)?;
    let mut previews = Vec::new();
    for (index, alternative) in rule.alternatives.iter().enumerate() {
        let Some(url) = &alternative.url else {
            continue;
        };
        let scheme = url.effective_scheme();
        let port = url.port.unwrap_or(scheme.default_port());
        let server = url.server.as_deref().map(|s| context.expand(s));
        let path = context.expand(&url.path);
        let shown_server = server
            .clone()
            .unwrap_or_else(|| "<DHCP option 66 server>".to_string());
        let url_text = format!("{}://{}:{}{}", scheme.as_str(), shown_server, port, path);
        let mut unresolved: Vec<String> = super::macros::scan(&url_text)
            .into_iter()
            .map(|m| url_text[m.start..m.end].to_string())
            .collect();
        unresolved.dedup();
        previews.push(FetchPreview {
            alternative: index,
            condition: alternative.condition.as_ref().map(|(t, _, _)| t.clone()),
            condition_holds: match &alternative.condition {
                None => Some(true),
                Some((_, _, c)) => c.evaluate(|n| context.resolve(n)),
            },
            url: url_text,
            scheme,
            server,
            port,
            path,
            unresolved,
            sends_credentials: alternative.options.uid.is_some()
                || alternative.options.pwd.is_some(),
            encrypted: alternative.options.key.is_some(),
        });
    }
    Ok(previews)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{FirmwareLine, Mac, PhoneIdentity};
    use crate::profile::values::ProfileValues;

    #[test]
    fn documented_examples_parse() {
        for text in [
            "http://remote.server.com/cisco/$MA.cfg",
            "[--key $SC] https://prov.example.com/$MA.xml",
            "($PRVTMR ge 600)? http://p.tel.com/has-reg.cfg | [--post a] http://p.tel.com/lost-reg?",
            "(\"$A\" ne \"Provisioned\")? (Line_Enable_1_ = \"No\";)! https://p.tel.com/init-prov | https://p.tel.com/configs",
            "/spa$PSN.cfg",
            "/$PSN.xml",
            "tftp://10.74.121.56:69/8861conf.cfg",
            "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml",
            "[--uid \"my user\" --pwd \"s3 cret\"] https://p.example.com/x.cfg",
            "[--srv] https://example.com/$MA.xml",
            "10.1.1.1/spa.cfg",
            "gds://",
            "",
        ] {
            ProfileRule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn parts_are_read() {
        let rule = ProfileRule::parse(
            "(\"$A\" ne \"Provisioned\")? (a = \"x\"; Line_Enable_1_ = \"No\";)! [--key \"k 1\" --uid u --pwd p] https://p.tel.com:8443/init-prov | /$PSN.xml # spa comment",
        )
        .unwrap();
        assert_eq!(rule.alternatives.len(), 2);
        let first = &rule.alternatives[0];
        assert_eq!(
            first.condition.as_ref().unwrap().0,
            "\"$A\" ne \"Provisioned\""
        );
        assert_eq!(first.assignments[0].name, "GPP_A");
        assert_eq!(first.assignments[1].value, "No");
        assert_eq!(first.options.key.as_deref(), Some("k 1"));
        assert_eq!(first.options.pwd.as_deref(), Some("p"));
        let url = first.url.as_ref().unwrap();
        assert_eq!(url.scheme, Some(Scheme::Https));
        assert_eq!(url.server.as_deref(), Some("p.tel.com"));
        assert_eq!(url.port, Some(8443));
        assert_eq!(url.path, "/init-prov");
        let second = rule.alternatives[1].url.as_ref().unwrap();
        assert_eq!(second.scheme, None);
        assert_eq!(second.server, None);
        assert_eq!(rule.comment.as_ref().unwrap().0.trim(), "spa comment");
    }

    #[test]
    fn post_alias_and_srv_options_are_read() {
        let rule = ProfileRule::parse(
            "[--post status --alias \"prov main\" --srv] http://prov.example.com/$MA.xml",
        )
        .unwrap();
        let options = &rule.alternatives[0].options;
        assert_eq!(options.post.as_deref(), Some("status"));
        assert_eq!(options.alias.as_deref(), Some("prov main"));
        assert!(options.srv);
        assert_eq!(options.key, None);
        let error = ProfileRule::parse("[--alias] http://a/b").unwrap_err();
        assert!(error.message.contains("needs a value"), "{error}");
    }

    #[test]
    fn errors_point_at_the_position() {
        let cases: &[(&str, usize, &str)] = &[
            ("ftp://x/y", 0, "scheme"),
            ("http://x:99999/y", 9, "port"),
            ("http://server.example.com", 25, "path"),
            ("($PRVTMR gte 600)? http://a/b", 9, "operator"),
            ("($PRVTMR ge 600) http://a/b", 15, "'?'"),
            ("[--user x] http://a/b", 1, "unknown option"),
            ("[--pwd] http://a/b", 1, "needs a value"),
            ("[--key k http://a/b", 0, "never closed"),
            ("http://a/b |", 12, "empty"),
            ("(a = x;)! http://a/b", 5, "double quotes"),
            ("http://a/b c", 10, "spaces"),
            ("http:///b", 7, "server"),
        ];
        for (text, position, word) in cases {
            match ProfileRule::parse(text) {
                Err(e) => {
                    assert!(e.message.contains(word), "{text}: {}", e.message);
                    assert_eq!(e.position, *position, "{text}: {e}");
                }
                Ok(_) => panic!("{text} should not parse"),
            }
        }
        // A stray ')' after the URL is part of its path, not an error.
        let rule = ProfileRule::parse("http://a/b)").unwrap();
        let url = rule.alternatives[0].url.as_ref().unwrap();
        assert_eq!(url.path, "/b)");
    }

    #[test]
    fn secrets_are_masked_in_any_text() {
        assert_eq!(
            mask_secrets("[--uid bob --pwd \"s e c\" --key k1] https://a/b"),
            "[--uid **** --pwd \"****\" --key ****] https://a/b"
        );
        assert_eq!(mask_secrets("[--pwd hunter2]x"), "[--pwd ****]x");
        assert_eq!(mask_secrets("[--pwd \"unclosed"), "[--pwd \"****\"");
        assert_eq!(mask_secrets("no secrets"), "no secrets");
    }

    #[test]
    fn preview_expands_macros_for_a_phone() {
        let id = PhoneIdentity {
            model: Some("CP-8861-3PCC".into()),
            mac: Some("00:56:2b:04:36:15".parse::<Mac>().unwrap()),
            firmware: Some("11.3.7".into()),
            ..Default::default()
        };
        let mut values = ProfileValues::new(FirmwareLine::Mpp11);
        values.set("GPP_A", "Provisioned");
        values.set("GPP_B", "prov.example.com");
        let ctx = MacroContext::new(&id, Some(&values));
        let p = preview(
            "(\"$A\" ne \"Provisioned\")? https://$B/init/$MA.xml | [--uid u --pwd p] http://$B/$PSN/$MAU.cfg",
            &ctx,
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0].url,
            "https://prov.example.com:443/init/00562b043615.xml"
        );
        assert_eq!(p[0].condition_holds, Some(false));
        assert_eq!(p[1].url, "http://prov.example.com:80/8861/00562B043615.cfg");
        assert!(p[1].sends_credentials);
        let p = preview("/$PSN.xml", &ctx).unwrap();
        assert_eq!(p[0].url, "tftp://<DHCP option 66 server>:69/8861.xml");
        assert_eq!(p[0].server, None);
        let p = preview("($PRVTMR ge 600)? http://a/$SN.cfg | http://a/b", &ctx).unwrap();
        assert_eq!(p[0].condition_holds, None);
        assert_eq!(p[0].unresolved, ["$SN"]);
    }
}
