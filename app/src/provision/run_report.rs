//! A run of one change set on many phones, as both front ends report it: one record per
//! phone (who it is, each field old → new, the outcome and why, when it started and ended),
//! the count of each outcome, and the CSV file (`phoneprov set … --report`, the window's
//! *Export CSV…*). This is the one home of the CSV columns.

use std::collections::BTreeSet;

use serde::Serialize;

use super::events::Change;

/// How a phone's part of a run ended (or that it has not ended yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    /// Every value was read back from the phone as sent.
    Verified,
    /// Not finished: queued, in progress, or waiting for the phone to be idle.
    Waiting,
    /// Not verified; the record's reason says why (cancelled runs say so too).
    Failed,
}

impl RunOutcome {
    /// The word in the CSV, the summary and the CLI's count.
    pub fn word(self) -> &'static str {
        match self {
            RunOutcome::Verified => "verified",
            RunOutcome::Waiting => "waiting",
            RunOutcome::Failed => "failed",
        }
    }
}

/// One phone of a run. Values are masked as in engine events ([`Change::shown`]), so a
/// report never holds a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// The technician's name for the phone; empty when none.
    pub name: String,
    /// `http(s)://host:port`.
    pub address: String,
    pub mac: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    /// What was (or was to be) sent: old → new by element.
    pub changes: Vec<Change>,
    pub outcome: RunOutcome,
    /// Why it failed, or what it waits for; empty when verified.
    pub reason: String,
    pub started: Option<jiff::Timestamp>,
    pub ended: Option<jiff::Timestamp>,
}

/// How many phones of a run ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub verified: usize,
    pub waiting: usize,
    pub failed: usize,
}

impl RunCounts {
    pub fn of(outcomes: impl IntoIterator<Item = RunOutcome>) -> Self {
        let mut counts = RunCounts::default();
        for outcome in outcomes {
            match outcome {
                RunOutcome::Verified => counts.verified += 1,
                RunOutcome::Waiting => counts.waiting += 1,
                RunOutcome::Failed => counts.failed += 1,
            }
        }
        counts
    }

    pub fn total(&self) -> usize {
        self.verified + self.waiting + self.failed
    }

    /// `5 phones: 3 verified, 1 waiting, 1 failed` (every outcome named, zeros too).
    pub fn words(&self) -> String {
        let total = self.total();
        format!(
            "{total} phone{}: {} verified, {} waiting, {} failed",
            if total == 1 { "" } else { "s" },
            self.verified,
            self.waiting,
            self.failed
        )
    }
}

/// Writes `records` as CSV with a header: name, address, MAC, model, firmware, then
/// `FIELD old` and `FIELD new` for every field any phone was sent (in element order; empty
/// where a phone was not sent that field), then outcome, reason, started, ended (RFC 3339,
/// UTC).
pub fn write_csv<W: std::io::Write>(records: &[RunRecord], out: W) -> Result<(), csv::Error> {
    let fields: BTreeSet<&str> = records
        .iter()
        .flat_map(|r| r.changes.iter().map(|c| c.name.as_str()))
        .collect();
    let mut writer = csv::Writer::from_writer(out);
    let mut header: Vec<String> = ["name", "address", "mac", "model", "firmware"]
        .map(String::from)
        .to_vec();
    for field in &fields {
        header.push(format!("{field} old"));
        header.push(format!("{field} new"));
    }
    header.extend(["outcome", "reason", "started", "ended"].map(String::from));
    writer.write_record(&header)?;
    let time = |t: &Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    for record in records {
        let mut row: Vec<String> = vec![
            record.name.clone(),
            record.address.clone(),
            record.mac.clone().unwrap_or_default(),
            record.model.clone().unwrap_or_default(),
            record.firmware.clone().unwrap_or_default(),
        ];
        for field in &fields {
            match record.changes.iter().find(|c| c.name == *field) {
                Some(change) => {
                    row.push(change.old.clone().unwrap_or_default());
                    row.push(change.new.clone());
                }
                None => row.extend([String::new(), String::new()]),
            }
        }
        row.push(record.outcome.word().to_string());
        row.push(record.reason.clone());
        row.push(time(&record.started));
        row.push(time(&record.ended));
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

/// The CSV of [`write_csv`] as text (for the window's save dialog).
pub fn csv_text(records: &[RunRecord]) -> Result<String, csv::Error> {
    let mut bytes = Vec::new();
    write_csv(records, &mut bytes)?;
    // The csv writer only writes the UTF-8 it was given.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, changes: Vec<Change>, outcome: RunOutcome, reason: &str) -> RunRecord {
        RunRecord {
            name: name.into(),
            address: "http://10.0.0.5:80".into(),
            mac: Some("00:56:2b:0d:00:01".into()),
            model: Some("CP-8861-3PCC".into()),
            firmware: Some("11.3.7".into()),
            changes,
            outcome,
            reason: reason.into(),
            started: Some(jiff::Timestamp::UNIX_EPOCH),
            ended: None,
        }
    }

    #[test]
    fn the_csv_has_a_column_pair_per_field_and_masks_secrets() {
        let records = [
            record(
                "Reception, desk 1",
                vec![
                    Change::shown("Resync_Periodic", Some("3600"), "86400"),
                    Change::shown("Profile_Rule", Some(""), "--key secret123 http://x/a.xml"),
                ],
                RunOutcome::Verified,
                "",
            ),
            record(
                "Lobby",
                vec![Change::shown("Resync_Periodic", None, "86400")],
                RunOutcome::Failed,
                "Resync_Periodic reads back as \"3600\"",
            ),
        ];
        let text = csv_text(&records).unwrap();
        assert!(!text.contains("secret123"), "{text}");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            header,
            [
                "name",
                "address",
                "mac",
                "model",
                "firmware",
                "Profile_Rule old",
                "Profile_Rule new",
                "Resync_Periodic old",
                "Resync_Periodic new",
                "outcome",
                "reason",
                "started",
                "ended"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(
            &rows[0][0], "Reception, desk 1",
            "a comma is quoted, not split"
        );
        assert_eq!(&rows[0][7], "3600");
        assert_eq!(&rows[0][8], "86400");
        assert_eq!(&rows[0][9], "verified");
        assert_eq!(&rows[0][11], "1970-01-01T00:00:00Z");
        assert_eq!(&rows[0][12], "", "not ended");
        assert_eq!((&rows[1][5], &rows[1][6]), ("", ""), "not sent to Lobby");
        assert_eq!(&rows[1][9], "failed");
        assert_eq!(&rows[1][10], "Resync_Periodic reads back as \"3600\"");
    }

    #[test]
    fn counts_name_every_outcome() {
        let counts = RunCounts::of([
            RunOutcome::Verified,
            RunOutcome::Failed,
            RunOutcome::Verified,
        ]);
        assert_eq!(counts.words(), "3 phones: 2 verified, 0 waiting, 1 failed");
        assert_eq!(
            RunCounts::of([RunOutcome::Waiting]).words(),
            "1 phone: 0 verified, 1 waiting, 0 failed"
        );
    }
}
