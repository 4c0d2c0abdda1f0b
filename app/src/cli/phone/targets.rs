//! `set --phones FILE`: the phones to work on, one address a line (blank lines and `#`
//! comments skipped), or a CSV with a header that names an `address` or `url` column (what
//! `phoneprov discover --csv` writes, and a run report), with an optional `name` column.

use std::path::Path;

use crate::cli::setup::Failure;

/// A phone to work on: its address as written, and the name the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub address: String,
    pub name: Option<String>,
}

impl Target {
    pub fn new(address: &str) -> Self {
        Target {
            address: address.trim().to_string(),
            name: None,
        }
    }
}

/// The phones listed in `path`.
pub fn read_phone_file(path: &Path) -> Result<Vec<Target>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let targets =
        parse_phone_list(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    if targets.is_empty() {
        return Err(Failure::usage(format!(
            "{} lists no phone (one address a line, or a CSV with an address column)",
            path.display()
        )));
    }
    Ok(targets)
}

/// One address a line, or a CSV whose header names an `address` or `url` column (`url`
/// wins: it keeps the port and HTTPS).
pub fn parse_phone_list(text: &str) -> Result<Vec<Target>, String> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'));
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = first
        .split(',')
        .map(|cell| cell.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    if !header.iter().any(|h| h == "address" || h == "url") {
        return Ok(text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(Target::new)
            .collect());
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let columns = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| columns.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (url, address, name) = (column("url"), column("address"), column("name"));
    let mut targets = Vec::new();
    for (line, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("row {}: {e}", line + 2))?;
        let cell = |index: Option<usize>| {
            index
                .and_then(|i| row.get(i))
                .filter(|value| !value.is_empty())
        };
        let Some(where_) = cell(url).or(cell(address)) else {
            continue;
        };
        targets.push(Target {
            address: where_.to_string(),
            name: cell(name).map(str::to_string),
        });
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_a_line_with_comments_and_blank_lines() {
        let targets =
            parse_phone_list("# floor 2\n10.1.20.31\n\n 10.1.20.32:8080 \nhttps://10.1.20.33\n")
                .unwrap();
        assert_eq!(
            targets,
            vec![
                Target::new("10.1.20.31"),
                Target::new("10.1.20.32:8080"),
                Target::new("https://10.1.20.33"),
            ]
        );
    }

    #[test]
    fn a_discover_csv_gives_the_url_and_the_name() {
        let text = "address,url,mac,model,firmware,name\n\
                    10.1.20.31,https://10.1.20.31:443,00:56:2b:00:00:01,CP-8861-3PCC,11.3.7,\"Reception, front\"\n\
                    10.1.20.40,,,,,\n";
        let targets = parse_phone_list(text).unwrap();
        assert_eq!(
            targets,
            vec![
                Target {
                    address: "https://10.1.20.31:443".into(),
                    name: Some("Reception, front".into()),
                },
                Target::new("10.1.20.40"),
            ]
        );
    }

    #[test]
    fn a_run_report_lists_its_phones_again() {
        let records = [crate::provision::RunRecord {
            name: "Lobby".into(),
            address: "http://10.0.0.9:80".into(),
            mac: None,
            model: None,
            firmware: None,
            changes: vec![],
            outcome: crate::provision::RunOutcome::Failed,
            reason: "no answer".into(),
            started: None,
            ended: None,
        }];
        let text = crate::provision::run_report::csv_text(&records).unwrap();
        let targets = parse_phone_list(&text).unwrap();
        assert_eq!(targets[0].address, "http://10.0.0.9:80");
        assert_eq!(targets[0].name.as_deref(), Some("Lobby"));
    }
}
