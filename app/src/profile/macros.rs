//! `$` macros of rules, triggers and `Log_*_Msg` templates: `$NAME`, `$(NAME)`,
//! `$(NAME:p)`, `$(NAME:p:q)` substrings, `$$` for a literal `$`. Unknown names stay as
//! written; expansion is not recursive.

use super::schema;
use super::values::ProfileValues;
use crate::identity::PhoneIdentity;

/// Every macro name the phones document (`UIDn` stands for `UID1`, `UID2`, …).
pub const KNOWN_MACROS: &[&str] = &[
    "MA", "MAU", "MAC", "PN", "PSN", "SN", "CCERT", "IP", "EXTIP", "SWVER", "HWVER", "PRVST",
    "UPGST", "UPGERR", "PRVTMR", "UPGTMR", "REGTMR1", "REGTMR2", "SCHEME", "SERV", "SERVIP",
    "PORT", "PATH", "ERR", "ISCUST", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L",
    "M", "N", "O", "P", "SA", "SB", "SC", "SD",
];

/// Whether the phones know this macro.
pub fn is_known(name: &str) -> bool {
    KNOWN_MACROS.contains(&name)
        || name
            .strip_prefix("UID")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `$SA`…`$SD`: only allowed inside `--key/--uid/--pwd`.
pub fn is_secret_only(name: &str) -> bool {
    matches!(name, "SA" | "SB" | "SC" | "SD")
}

/// A name close to an unknown one, for "did you mean": `EXT` → `EXTIP`.
pub fn suggestion(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return None;
    }
    KNOWN_MACROS
        .iter()
        .copied()
        .filter(|known| known.len() > 1)
        .find(|known| known.starts_with(name) || name.starts_with(known))
        .or_else(|| {
            KNOWN_MACROS
                .iter()
                .copied()
                .find(|known| known.len() > 1 && known.eq_ignore_ascii_case(name))
        })
}

/// One macro occurrence in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroRef {
    pub name: String,
    /// Byte range of the whole reference (`$MA`, `$(MA:0:6)`) in the text.
    pub start: usize,
    pub end: usize,
    /// `(p, q)` of `$(NAME:p:q)`.
    pub substring: Option<(usize, Option<usize>)>,
}

impl MacroRef {
    pub fn is_known(&self) -> bool {
        is_known(&self.name)
    }
}

enum Token<'a> {
    Literal(&'a str),
    Dollar,
    Macro(MacroRef),
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let found = match bytes.get(i + 1) {
            Some(b'$') => Some((Token::Dollar, i + 2)),
            Some(b'(') => parenthesised(text, i),
            Some(c) if c.is_ascii_uppercase() => {
                let end = i
                    + 1
                    + bytes[i + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                        .count();
                Some((
                    Token::Macro(MacroRef {
                        name: text[i + 1..end].to_string(),
                        start: i,
                        end,
                        substring: None,
                    }),
                    end,
                ))
            }
            _ => None,
        };
        match found {
            Some((token, next)) => {
                if literal_start < i {
                    out.push(Token::Literal(&text[literal_start..i]));
                }
                out.push(token);
                i = next;
                literal_start = next;
            }
            None => i += 1,
        }
    }
    if literal_start < text.len() {
        out.push(Token::Literal(&text[literal_start..]));
    }
    out
}

/// `$(NAME)`, `$(NAME:p)`, `$(NAME:p:q)` starting at `start` (the `$`).
fn parenthesised(text: &str, start: usize) -> Option<(Token<'_>, usize)> {
    let inner_start = start + 2;
    let close = inner_start + text[inner_start..].find(')')?;
    let inner = &text[inner_start..close];
    let mut parts = inner.split(':');
    let name = parts.next()?.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let p = parts.next().map(|p| p.trim().parse::<usize>());
    let q = parts.next().map(|q| q.trim().parse::<usize>());
    if parts.next().is_some() {
        return None;
    }
    let substring = match (p, q) {
        (None, _) => None,
        (Some(Ok(p)), None) => Some((p, None)),
        (Some(Ok(p)), Some(Ok(q))) => Some((p, Some(q))),
        _ => return None,
    };
    Some((
        Token::Macro(MacroRef {
            name: name.to_string(),
            start,
            end: close + 1,
            substring,
        }),
        close + 1,
    ))
}

/// Every macro reference in a text, in order.
pub fn scan(text: &str) -> Vec<MacroRef> {
    tokens(text)
        .into_iter()
        .filter_map(|t| match t {
            Token::Macro(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// Expands the macros `resolve` knows; others stay exactly as written. Not recursive.
pub fn expand(text: &str, resolve: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    for token in tokens(text) {
        match token {
            Token::Literal(s) => out.push_str(s),
            Token::Dollar => out.push('$'),
            Token::Macro(m) => match resolve(&m.name) {
                Some(value) => out.push_str(&substring(&value, m.substring)),
                None => out.push_str(&text[m.start..m.end]),
            },
        }
    }
    out
}

fn substring(value: &str, range: Option<(usize, Option<usize>)>) -> String {
    match range {
        None => value.to_string(),
        Some((p, None)) => value.chars().skip(p).collect(),
        Some((p, Some(q))) => value.chars().skip(p).take(q).collect(),
    }
}

/// What a given phone knows before it fetches anything: its identity and its GPP values.
#[derive(Debug, Clone, Copy)]
pub struct MacroContext<'a> {
    pub identity: &'a PhoneIdentity,
    pub values: Option<&'a ProfileValues>,
}

impl<'a> MacroContext<'a> {
    pub fn new(identity: &'a PhoneIdentity, values: Option<&'a ProfileValues>) -> Self {
        MacroContext { identity, values }
    }

    /// The value of a macro for this phone, when it is known before a fetch. Secrets
    /// (`$SA`…`$SD`) are never resolved here, so they cannot leak into a preview.
    pub fn resolve(&self, name: &str) -> Option<String> {
        let id = self.identity;
        match name {
            "MA" => id.mac.map(|m| m.lower_hex()),
            "MAU" => id.mac.map(|m| m.upper_hex()),
            "MAC" => id.mac.map(|m| m.colon()),
            "PN" => id.model.clone(),
            "PSN" => id.product_series(),
            "SN" => id.serial.clone(),
            "SWVER" => id.firmware.clone(),
            "HWVER" => id.hardware.clone(),
            "IP" => id.ip.map(|ip| ip.to_string()),
            letter if letter.len() == 1 => {
                let def = schema::gpp_by_letter(letter.chars().next()?)?;
                let values = self.values?;
                Some(values.effective(def).to_string())
            }
            _ => None,
        }
    }

    pub fn expand(&self, text: &str) -> String {
        expand(text, |name| self.resolve(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{FirmwareLine, Mac};

    fn phone() -> PhoneIdentity {
        PhoneIdentity {
            model: Some("CP-8861-3PCC".into()),
            mac: Some("00:0e:08:aa:bb:cc".parse::<Mac>().unwrap()),
            serial: Some("FCH1234ABCD".into()),
            firmware: Some("11.3.7".into()),
            hardware: Some("V03".into()),
            ip: Some("10.0.0.5".parse().unwrap()),
            host_name: None,
        }
    }

    #[test]
    fn identity_macros_expand() {
        let id = phone();
        let ctx = MacroContext::new(&id, None);
        assert_eq!(
            ctx.expand("/$PSN/$MA.cfg $MAU $MAC $PN $SN $SWVER $HWVER $IP"),
            "/8861/000e08aabbcc.cfg 000E08AABBCC 00:0e:08:aa:bb:cc CP-8861-3PCC FCH1234ABCD 11.3.7 V03 10.0.0.5"
        );
    }

    #[test]
    fn parentheses_substrings_dollar_and_unknown() {
        let id = phone();
        let ctx = MacroContext::new(&id, None);
        assert_eq!(ctx.expand("$(MA)x"), "000e08aabbccx");
        assert_eq!(ctx.expand("$(MA:6)"), "aabbcc");
        assert_eq!(ctx.expand("$(MA:0:6)"), "000e08");
        assert_eq!(ctx.expand("cost $$5"), "cost $5");
        assert_eq!(
            ctx.expand("$EXT and $(NOPE) $PRVTMR"),
            "$EXT and $(NOPE) $PRVTMR"
        );
        assert_eq!(ctx.expand("$ alone, $lower"), "$ alone, $lower");
    }

    #[test]
    fn gpp_values_expand_but_not_recursively() {
        let id = phone();
        let mut values = ProfileValues::new(FirmwareLine::Mpp11);
        values.set("GPP_A", "$MA");
        values.set("GPP_B", "prov.example.com");
        values.set("GPP_SA", "secret");
        let ctx = MacroContext::new(&id, Some(&values));
        assert_eq!(ctx.expand("$A/$B/$C|$SA"), "$MA/prov.example.com/|$SA");
    }

    #[test]
    fn scanning_finds_unknown_names_and_suggests() {
        let refs = scan("$PN $EXT $(ERR) $UID2");
        let names: Vec<_> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["PN", "EXT", "ERR", "UID2"]);
        assert!(!refs[1].is_known());
        assert!(refs[3].is_known());
        assert_eq!(refs[1].start, 4);
        assert_eq!(suggestion("EXT"), Some("EXTIP"));
    }
}
