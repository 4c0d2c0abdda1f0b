//! What a given phone would fetch for a rule: each alternative's URL with macros expanded
//! from its identity and GPP values, and whether its condition holds.

use super::model::{ProfileRule, RuleError, Scheme};
use crate::profile::macros::{self, MacroContext};

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
        let mut unresolved: Vec<String> = macros::scan(&url_text)
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
