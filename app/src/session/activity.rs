//! The activity log: what happened in this session, in words, for "Save activity log".

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    pub at: jiff::Timestamp,
    /// The phone it concerns, as the list names it; `None` for app-wide events.
    pub phone: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct ActivityLog {
    pub entries: Vec<ActivityEntry>,
}

impl ActivityLog {
    pub fn record(&mut self, phone: Option<String>, message: impl Into<String>) {
        self.entries.push(ActivityEntry {
            at: jiff::Timestamp::now(),
            phone,
            message: message.into(),
        });
    }

    /// The last message, for the status bar.
    pub fn last(&self) -> Option<&ActivityEntry> {
        self.entries.last()
    }

    /// Plain text, one line per entry, local time with offset so it can be matched with the
    /// phones' own logs.
    pub fn to_text(&self, zone: &jiff::tz::TimeZone) -> String {
        let mut text = String::new();
        for entry in &self.entries {
            let time = entry
                .at
                .to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M:%S%:z");
            match &entry.phone {
                Some(phone) => text.push_str(&format!("{time}  [{phone}]  {}\n", entry.message)),
                None => text.push_str(&format!("{time}  {}\n", entry.message)),
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_one_line_per_entry_with_phone_and_time() {
        let mut log = ActivityLog::default();
        log.record(None, "Started");
        log.record(Some("Reception".into()), "Added 10.0.0.5");
        for entry in &mut log.entries {
            entry.at = jiff::Timestamp::from_second(0).unwrap();
        }
        let text = log.to_text(&jiff::tz::TimeZone::UTC);
        assert_eq!(
            text,
            "1970-01-01 00:00:00+00:00  Started\n1970-01-01 00:00:00+00:00  [Reception]  Added 10.0.0.5\n"
        );
        assert_eq!(log.last().unwrap().message, "Added 10.0.0.5");
    }
}
