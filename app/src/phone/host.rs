//! What a host that answers HTTP says it is (its `Server` header, its page's title), and
//! whether that is a Cisco/Linksys phone. Advice about a phone's settings (admin access off,
//! factory reset) is only for a host that said it is one.

/// What an answer shows of the host that gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostSeen {
    pub server: Option<String>,
    pub title: Option<String>,
}

impl HostSeen {
    /// What an answer with this `Server` header and body shows.
    pub fn of(server: Option<&str>, body: &[u8]) -> Self {
        HostSeen {
            server: server.filter(|s| !s.trim().is_empty()).map(str::to_string),
            title: page_title(body),
        }
    }

    /// Both answers' words, the first's where both have one.
    pub fn or(self, other: HostSeen) -> HostSeen {
        HostSeen {
            server: self.server.or(other.server),
            title: self.title.or(other.title),
        }
    }

    /// The server or title names a Cisco, Linksys or Sipura product (`Cisco CP-8861-3PCC
    /// Configuration Utility`, `SPA504G Configuration Utility`).
    pub fn is_phone(&self) -> bool {
        [&self.server, &self.title]
            .into_iter()
            .flatten()
            .any(|words| names_a_phone(words))
    }

    /// What it is seen to be, for an error: `a web server "nginx/1.24.0" showing a page
    /// titled "Welcome to nginx!"`.
    pub fn describe(&self) -> String {
        match (&self.server, &self.title) {
            (Some(server), Some(title)) => {
                format!("a web server \"{server}\" showing a page titled \"{title}\"")
            }
            (Some(server), None) => format!("a web server \"{server}\""),
            (None, Some(title)) => format!("a web server showing a page titled \"{title}\""),
            (None, None) => {
                "a web server that does not say what it is (no Server header, no page title)"
                    .to_string()
            }
        }
    }
}

fn names_a_phone(words: &str) -> bool {
    words
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_ascii_lowercase)
        .any(|word| {
            matches!(word.as_str(), "cisco" | "linksys" | "sipura")
                || model_prefix(&word, "spa")
                || model_prefix(&word, "cp-")
        })
}

/// `spa504g`, `cp-8861-3pcc`: the prefix followed by a digit.
fn model_prefix(word: &str, prefix: &str) -> bool {
    word.strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// The text of the first `<title>` in the first 4 KiB, spaces collapsed, at most 80
/// characters.
pub fn page_title(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let lower = head.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = head.get(start..end)?.split_whitespace().collect::<Vec<_>>();
    let title: String = title.join(" ").chars().take(80).collect();
    (!title.is_empty()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(server: Option<&str>, title: Option<&str>) -> HostSeen {
        HostSeen {
            server: server.map(str::to_string),
            title: title.map(str::to_string),
        }
    }

    #[test]
    fn phones_are_known_by_their_product_names() {
        assert!(seen(None, Some("Cisco CP-8861-3PCC Configuration Utility")).is_phone());
        assert!(seen(None, Some("SPA504G Configuration Utility")).is_phone());
        assert!(seen(Some("Linksys"), None).is_phone());
        assert!(!seen(Some("nginx/1.24.0"), Some("Welcome to nginx!")).is_phone());
        assert!(!seen(None, Some("Spacious office printer")).is_phone());
        assert!(!seen(None, None).is_phone());
    }

    #[test]
    fn titles_are_read_from_the_page() {
        assert_eq!(
            page_title(b"<html><head><TITLE>\n Welcome to  nginx!</TITLE></head>").as_deref(),
            Some("Welcome to nginx!")
        );
        assert_eq!(page_title(b"<html><title></title></html>"), None);
        assert_eq!(page_title(b"plain"), None);
        assert_eq!(
            seen(Some("nginx"), Some("Hi")).describe(),
            "a web server \"nginx\" showing a page titled \"Hi\""
        );
    }
}
