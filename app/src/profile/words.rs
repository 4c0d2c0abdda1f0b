//! Wording shared by messages, hints and the CLI: user text quoted short enough for a
//! message, and durations in words ("1 h 1 min 5 s").

/// A piece of user text short enough to quote in a message: at most 40 characters.
pub fn excerpt(text: &str) -> String {
    excerpt_to(text, 40)
}

/// The first `max` characters of `text`, with `…` when cut.
pub fn excerpt_to(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// `3665` → `1 h 1 min 5 s`; `0` → `0 s`; `86400` → `1 day`.
pub fn human_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0 s".into();
    }
    let parts = [
        (seconds / 86_400, "day"),
        (seconds % 86_400 / 3600, "h"),
        (seconds % 3600 / 60, "min"),
        (seconds % 60, "s"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| match (*unit, *n) {
            ("day", 1) => "1 day".to_string(),
            ("day", n) => format!("{n} days"),
            (unit, n) => format!("{n} {unit}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(human_duration(3665), "1 h 1 min 5 s");
        assert_eq!(human_duration(86_400), "1 day");
        assert_eq!(human_duration(172_860), "2 days 1 min");
        assert_eq!(human_duration(40), "40 s");
    }

    #[test]
    fn excerpts_are_cut_at_characters() {
        assert_eq!(excerpt_to("héllo", 2), "hé…");
        assert_eq!(excerpt_to("héllo", 5), "héllo");
        assert_eq!(excerpt(&"x".repeat(41)), format!("{}…", "x".repeat(40)));
    }
}
