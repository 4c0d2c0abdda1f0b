//! Text helpers for the client's answers and errors: the visible words of a refusal page,
//! a path without its (possibly secret) query, an error with its causes on one line.

/// The visible text of a short HTML answer (`<p>Admin web access is disabled</p>`).
pub fn page_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(2048)]);
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_title = false;
    let lower = text.to_ascii_lowercase();
    let mut index = 0;
    for c in text.chars() {
        if c == '<' {
            in_tag = true;
            in_title = lower[index..].starts_with("<title");
        } else if c == '>' {
            in_tag = false;
            out.push(' ');
        } else if !in_tag && !in_title {
            out.push(c);
        }
        if lower[index..].starts_with("</title") {
            in_title = false;
        }
        index += c.len_utf8();
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The path without its query: queries may carry `xpassword=`, and rules with `--pwd`.
pub fn strip_query(path_and_query: &str) -> String {
    path_and_query
        .split_once('?')
        .map_or(path_and_query, |(path, _)| path)
        .to_string()
}

/// An error and its causes on one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_dropped_with_what_it_may_carry() {
        assert_eq!(
            strip_query("/admin/cfg.xml?xuser=admin&xpassword=pw"),
            "/admin/cfg.xml"
        );
        assert_eq!(strip_query("/admin/resync"), "/admin/resync");
    }

    #[test]
    fn a_refusal_page_reads_as_its_visible_words() {
        let page = b"<html><head><title>403</title></head><body><p>Admin web access is\n disabled</p></body></html>";
        assert_eq!(page_text(page), "Admin web access is disabled");
    }
}
