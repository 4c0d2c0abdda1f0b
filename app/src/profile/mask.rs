//! Secrets and how they are hidden: the one mask, which parameters are secret, and the
//! masking of a value for showing. The validator, the CLI, the XML export, the engine's
//! events and history, and the status page output all mask through this module.

use super::schema;

/// What replaces a secret wherever phoneprov shows a value.
pub const MASK: &str = "****";

/// Parameters whose whole value is a secret: a schema field marked secret (`GPP_SA`…`GPP_SD`)
/// or, for the rest of cfg.xml, a name that says password or secret (`Admin_Passwd`,
/// `Password_1_`, `User_Password`, …). `cfg.xml` hides these, so they can be sent but never
/// read back.
pub fn is_secret_parameter(name: &str) -> bool {
    if let Some(def) = schema::lookup(name) {
        return def.secret;
    }
    let lower = name.to_ascii_lowercase();
    ["passwd", "password", "secret", "_pwd"]
        .iter()
        .any(|word| lower.contains(word))
}

/// A value safe to show for a parameter: a secret parameter's value ([`is_secret_parameter`])
/// becomes [`MASK`]; in any other value the `--key`, `--uid` and `--pwd` values of rules are
/// masked ([`mask_secrets`]). An empty name masks only those rule options (for any text).
pub fn mask_value(param: &str, value: &str) -> String {
    if is_secret_parameter(param) && !value.is_empty() {
        MASK.to_string()
    } else {
        mask_secrets(value)
    }
}

/// Whether [`mask_value`] hides anything in this value: such a value must not be written to a
/// file (a snapshot, an export), not even masked in place of the real one.
pub fn holds_secret(param: &str, value: &str) -> bool {
    mask_value(param, value) != value
}

/// The text with `--pwd`, `--key` and `--uid` values (the profile server's credentials and
/// the profile's key) and `xpassword=` values (the admin password in a URL) replaced by
/// [`MASK`]; works on any text, parsable as a rule or not, so secrets never reach a log, an
/// error, JSON or a support capture.
pub fn mask_secrets(text: &str) -> String {
    mask_url_passwords(&mask_rule_options(text))
}

/// `xpassword=VALUE` → `xpassword=****`, the value ending at `&`, whitespace, a quote, `<`
/// or `]`.
fn mask_url_passwords(text: &str) -> String {
    const KEY: &str = "xpassword=";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut position = 0;
    while let Some(found) = lower[position..].find(KEY) {
        let value_start = position + found + KEY.len();
        let value_end = text[value_start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '&' | '"' | '\'' | '<' | ']'))
            .map_or(text.len(), |end| value_start + end);
        out.push_str(&text[position..value_start]);
        if value_end > value_start {
            out.push_str(MASK);
        }
        position = value_end;
    }
    out.push_str(&text[position..]);
    out
}

/// An XML document (a configuration or status dump) with every secret masked and nothing
/// else changed: the text of each element whose name is a secret parameter
/// ([`is_secret_parameter`]) becomes [`MASK`], and [`mask_secrets`] runs over the rest.
/// From where text stops being well-formed XML, [`mask_secrets`] alone runs over the rest.
pub fn mask_xml_text(text: &str) -> String {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut open: Vec<bool> = Vec::new();
    loop {
        let start = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(_) => {
                // Not XML from here on: rule options and URL passwords are still masked.
                out.push_str(&mask_secrets(&text[copied..]));
                return out;
            }
        };
        let end = reader.buffer_position() as usize;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                open.push(is_secret_parameter(&name));
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Text(_) if open.last() == Some(&true) && !text[start..end].trim().is_empty() => {
                out.push_str(&mask_secrets(&text[copied..start]));
                out.push_str(MASK);
                copied = end;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out.push_str(&mask_secrets(&text[copied..]));
    out
}

/// [`mask_secrets`] without the URL passwords: the rule options only.
fn mask_rule_options(text: &str) -> String {
    let spans = secret_spans(text);
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut position = 0;
    let mut index = 0;
    while index < spans.len() {
        let (start, mut end) = spans[index];
        index += 1;
        loop {
            // Overlapping spans (a flag inside another flag's value) are masked as one.
            while index < spans.len() && spans[index].0 <= end {
                end = end.max(spans[index].1);
                index += 1;
            }
            // A value runs to the end of its word: in `"a b"c` nothing after the quote may
            // stay visible (the fuzzer found `--uid "x" "y"z` showing `z`).
            let word_end = bytes[end..]
                .iter()
                .position(|&b| b.is_ascii_whitespace() || b == b']')
                .map_or(bytes.len(), |offset| end + offset);
            if word_end == end {
                break;
            }
            end = word_end;
        }
        let start = start.max(position);
        out.push_str(&text[position..start]);
        if bytes.get(start) == Some(&b'"') {
            out.push('"');
            out.push_str(MASK);
            out.push('"');
        } else {
            out.push_str(MASK);
        }
        position = end.max(position);
    }
    out.push_str(&text[position..]);
    out
}

/// Byte spans of the values that follow `--pwd`, `--key` and `--uid`, in order of start: a
/// quoted value up to its closing quote, else up to whitespace or `]`.
fn secret_spans(text: &str) -> Vec<(usize, usize)> {
    // Every occurrence of a flag masks what follows it, even inside another masked value,
    // so odd quoting cannot hide a secret; the caller merges overlapping spans.
    let mut starts: Vec<usize> = ["--pwd", "--key", "--uid"]
        .iter()
        .flat_map(|flag| text.match_indices(flag).map(|(at, f)| at + f.len()))
        .collect();
    starts.sort_unstable();
    let bytes = text.as_bytes();
    // Cursors that only move forward keep this linear on hostile input.
    let mut next_delimiter = Cursor::default();
    let mut next_quote = Cursor::default();
    let mut spans = Vec::new();
    for start in starts {
        // Whitespace as the rule parser reads it (Unicode's, U+0085 included), or a value
        // behind a non-ASCII space stays visible (the fuzzer found `--key\u{85} secret`).
        let value_start = start
            + text[start..]
                .char_indices()
                .find(|(_, c)| !c.is_whitespace())
                .map_or(text.len() - start, |(at, _)| at);
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
    spans
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `profile_rule` fuzz target: the rule parser takes U+0085 (next line) as
    /// whitespace, so `$SC$` is the key, and the mask must hide it.
    #[test]
    fn a_value_behind_a_unicode_space_is_masked() {
        let masked = mask_secrets("[--key\u{85} $SC$]http://x/p.xml");
        assert!(!masked.contains("$SC$"), "{masked}");
    }

    /// Found by the `profile_rule` fuzz target: a quoted value glued to more text left the
    /// rest of the word visible, so masking the masked text changed it again.
    #[test]
    fn a_quoted_value_glued_to_more_text_is_masked_to_the_end_of_the_word() {
        let found = "[--u)-uid  \"s\"s3[(-[--u--uid  (-P\"su$--uid\" \"sRpwdV";
        let masked = mask_secrets(found);
        assert!(!masked.contains("sRpwdV"), "{masked}");
        assert_eq!(mask_secrets(&masked), masked);
        assert_eq!(mask_secrets("--pwd \"a b\"cd ok"), "--pwd \"****\" ok");
        assert_eq!(
            mask_secrets("[--pwd \"a b\"]http://x/"),
            "[--pwd \"****\"]http://x/"
        );
    }

    #[test]
    fn secret_names() {
        for name in [
            "GPP_SA",
            "Admin_Passwd",
            "Password_1_",
            "User_Password",
            "Some_Secret",
        ] {
            assert!(is_secret_parameter(name), "{name}");
        }
        for name in ["GPP_A", "Profile_Rule", "Resync_Periodic", "Line_Enable_1_"] {
            assert!(!is_secret_parameter(name), "{name}");
        }
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
    fn url_passwords_are_masked() {
        assert_eq!(
            mask_secrets("/admin/cfg.xml?xuser=admin&xpassword=s3cret&x=1"),
            "/admin/cfg.xml?xuser=admin&xpassword=****&x=1"
        );
        assert_eq!(
            mask_secrets("GET /r?XPassword=abc"),
            "GET /r?XPassword=****"
        );
        assert_eq!(mask_secrets("?xpassword=&y"), "?xpassword=&y");
    }

    #[test]
    fn xml_text_keeps_everything_but_the_secrets() {
        let text = "<?xml version=\"1.0\"?>\r\n<flat-profile xmlns=\"urn:x\">\r\n\
            <Admin_Passwd group=\"System/System_Configuration\">hunter2</Admin_Passwd> <!-- c -->\r\n\
            <Password_1_ ua=\"na\"/>\r\n<Profile_Rule ua=\"na\">[--uid bob --pwd pw9]http://a/p.xml</Profile_Rule>\r\n\
            <GPP_A>kept</GPP_A></flat-profile>\r\n";
        let masked = mask_xml_text(text);
        assert_eq!(
            masked,
            text.replace("hunter2", MASK)
                .replace("bob", MASK)
                .replace("pw9", MASK)
        );
        // Broken XML: still no secret.
        let broken = mask_xml_text("<a><Admin_Passwd>x1</Admin_Passwd><b>[--pwd p2]</c>");
        assert!(!broken.contains("x1") && !broken.contains("p2"), "{broken}");
    }

    #[test]
    fn secret_values_and_rule_options_are_masked() {
        assert_eq!(mask_value("GPP_SA", "topsecret"), "****");
        assert_eq!(mask_value("GPP_A", "plain"), "plain");
        assert_eq!(mask_value("Admin_Passwd", "x"), MASK);
        // The rule masker writes the same mask.
        assert_eq!(
            mask_value("Profile_Rule", "[--uid u --pwd p]http://a/b"),
            format!("[--uid {MASK} --pwd {MASK}]http://a/b")
        );
        assert!(holds_secret("Profile_Rule", "[--key k]http://a/b"));
        assert!(!holds_secret("Profile_Rule", "http://a/b"));
        assert!(!holds_secret("Admin_Passwd", ""));
    }

    #[test]
    fn password_parameters_are_secret() {
        for name in [
            "Admin_Password",
            "Password_1_",
            "Profile_Account_Passwd",
            "GPP_SA",
            "Web_PWD",
        ] {
            assert!(is_secret_parameter(name), "{name}");
            assert_eq!(mask_value(name, "x"), MASK);
            assert!(holds_secret(name, "x"));
        }
        for name in ["Profile_Rule", "GPP_A", "Resync_Periodic"] {
            assert!(!is_secret_parameter(name), "{name}");
            assert_eq!(mask_value(name, "x"), "x");
            assert!(!holds_secret(name, "x"));
        }
    }

    #[test]
    fn credentials_inside_rules_are_masked() {
        let shown = mask_value(
            "Profile_Rule",
            "[--key K3y --uid tech --pwd Pw1]https://srv/p.xml",
        );
        assert_eq!(
            shown,
            format!("[--key {MASK} --uid {MASK} --pwd {MASK}]https://srv/p.xml")
        );
        assert!(holds_secret(
            "Profile_Rule",
            "[--uid u --pwd p]http://x/p.xml"
        ));
        assert!(!holds_secret("Profile_Rule", "http://x/$MA.xml"));
        // Empty secrets show as empty (nothing is hidden, so nothing is withheld).
        assert_eq!(mask_value("Admin_Password", ""), "");
    }
}
