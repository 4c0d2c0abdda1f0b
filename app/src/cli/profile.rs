//! `phoneprov profile check|show`: validate a profile file or single values, and show the
//! Configuration Profile fields of a file with value, default and unit hint.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::setup::exit;
use super::setup::{Failure, PROGRAM, finish};
use crate::identity::FirmwareLine;
use crate::profile::family::{self, Family};
use crate::profile::mask::mask_value;
use crate::profile::names::{self, KnownNames, Resolved};
use crate::profile::schema::{self, Group, ParamDef};
use crate::profile::validate::{Finding, Severity};
use crate::profile::xml::{Document, XmlReadError, read_document_bytes};
use crate::profile::{ProfileValues, hint, validate};

pub use crate::profile::xml::MAX_PROFILE_BYTES;

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub command: ProfileCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Validate a <flat-profile> file and/or single values. Exit 0: no error (warnings are
    /// allowed); 1: some value is in error; 2: usage or I/O error.
    Check {
        /// The profile file (`-` reads standard input).
        file: Option<PathBuf>,
        /// A value to check, by XML element name (applied after the file).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// Firmware version the values are for (e.g. 11.3.7, sip88xx.12-0-1MPP, 7.5.5).
        #[arg(long, value_name = "VERSION")]
        firmware: Option<String>,
        /// Print {"errors":[…],"warnings":[…]} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show every Configuration Profile field of a file with value, default and unit hint.
    Show {
        file: PathBuf,
        /// Firmware version the defaults are for.
        #[arg(long, value_name = "VERSION")]
        firmware: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: ProfileArgs) -> ExitCode {
    let result = match args.command {
        ProfileCommand::Check {
            file,
            set,
            firmware,
            json,
        } => check(file.as_deref(), &set, firmware.as_deref(), json),
        ProfileCommand::Show {
            file,
            firmware,
            json,
        } => show(&file, firmware.as_deref(), json),
    };
    finish(PROGRAM, result)
}

fn print(text: &str) {
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = io::stdout().lock().write_all(text.as_bytes());
}

/// Reads a file (or stdin for `-`), refusing anything over the size cap, and parses it.
pub(crate) fn load(path: &Path) -> Result<Document, Failure> {
    let shown = path.display();
    let bytes = if path == Path::new("-") {
        read_capped(io::stdin().lock(), "standard input")?
    } else {
        let metadata = std::fs::metadata(path)
            .map_err(|e| Failure::usage(format!("cannot read {shown}: {}", io_words(&e))))?;
        if metadata.is_dir() {
            return Err(Failure::usage(format!(
                "{shown} is a folder, not a profile file"
            )));
        }
        if metadata.len() > MAX_PROFILE_BYTES {
            return Err(Failure::usage(too_large(
                &shown.to_string(),
                metadata.len(),
            )));
        }
        let file = File::open(path)
            .map_err(|e| Failure::usage(format!("cannot read {shown}: {}", io_words(&e))))?;
        read_capped(file, &shown.to_string())?
    };
    read_document_bytes(&bytes).map_err(|e| {
        Failure::usage(match e {
            XmlReadError::Malformed { .. } => format!("{shown} is not a readable XML profile: {e}"),
            _ => format!("{shown}: {e}"),
        })
    })
}

fn read_capped(reader: impl Read, name: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_PROFILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::usage(format!("cannot read {name}: {}", io_words(&e))))?;
    if bytes.len() as u64 > MAX_PROFILE_BYTES {
        return Err(Failure::usage(too_large(name, bytes.len() as u64)));
    }
    Ok(bytes)
}

fn too_large(name: &str, size: u64) -> String {
    format!(
        "{name} is {}or more; a phone profile is at most {} MiB, so this is not one",
        if size > MAX_PROFILE_BYTES {
            format!("{:.1} MiB ", size as f64 / 1_048_576.0)
        } else {
            String::new()
        },
        MAX_PROFILE_BYTES / 1_048_576
    )
}

fn io_words(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::InvalidData => "the data is not text".into(),
        _ => error.to_string(),
    }
}

/// The firmware line: `--firmware`, else what the file tells ([`family::infer`]), else
/// [`FirmwareLine::ASSUMED`]; with the reason.
fn firmware_line(option: Option<&str>, document: Option<&Document>) -> Result<Family, Failure> {
    if let Some(version) = option {
        return FirmwareLine::from_version(version)
            .map(|line| Family {
                line,
                why: format!("--firmware {version}"),
                assumed: false,
            })
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--firmware {version}: not a firmware version (examples: 10.4.1, 11.3.7, 12.0.1, 7.5.5)"
                ))
            });
    }
    Ok(match document {
        Some(document) => family::infer(document),
        None => Family {
            line: FirmwareLine::ASSUMED,
            why: "no file to tell".into(),
            assumed: true,
        },
    })
}

/// `(from the file: an SPA file: …)`, `(assumed: …; use --firmware)`, or nothing after
/// `--firmware`.
fn family_words(family: &Family) -> String {
    if family.assumed {
        format!(" (assumed: {}; use --firmware)", family.why)
    } else if family.why.starts_with("--firmware") {
        String::new()
    } else {
        format!(" (from the file: {})", family.why)
    }
}

/// A file that parsed as XML but is no phone profile at all (an HTML page, a random XML).
fn ensure_profile(path: &Path, document: &Document) -> Result<(), Failure> {
    let root = document.root.as_deref().unwrap_or("");
    let profile_root = matches!(root, "flat-profile" | "device" | "flat-status");
    let known = document
        .elements
        .iter()
        .any(|e| schema::lookup(&e.name).is_some());
    if profile_root || known {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "{} is XML (<{root}>) but not a phone profile: no <flat-profile> and no Configuration Profile parameter",
            path.display()
        )))
    }
}

fn check(
    file: Option<&Path>,
    sets: &[String],
    firmware: Option<&str>,
    json: bool,
) -> Result<u8, Failure> {
    if file.is_none() && sets.is_empty() {
        return Err(Failure::usage(
            "nothing to check: give a profile FILE and/or --set NAME=VALUE",
        ));
    }
    let document = match file {
        Some(path) => {
            let document = load(path)?;
            ensure_profile(path, &document)?;
            Some(document)
        }
        None => None,
    };
    let family = firmware_line(firmware, document.as_ref())?;
    let line = family.line;
    let mut values = match &document {
        Some(document) => ProfileValues::from_document(document, line),
        None => ProfileValues::new(line),
    };
    // A --set name is any the schema knows (by element, alias or label, any case) or one
    // the file itself carries.
    let known = KnownNames::new(
        KnownNames::schema(None)
            .names()
            .chain(
                document
                    .iter()
                    .flat_map(|d| d.elements.iter().map(|e| e.name.as_str())),
            )
            .map(str::to_string)
            .collect::<Vec<_>>(),
    );
    let mut meant = Vec::new();
    for set in sets {
        meant.extend(apply_set(&mut values, set, &known)?);
    }
    let findings = check_findings(&values, document.as_ref());
    let errors = findings.iter().filter(|f| f.is_error()).count();
    if json {
        print(&check_json(&family, &meant, &findings));
    } else {
        let mut out: String = meant.iter().map(|m| format!("{m}\n")).collect();
        out.push_str(&check_text(&values, &family, &findings));
        print(&out);
    }
    Ok(if errors > 0 { exit::FAILED } else { exit::OK })
}

/// Applies one `--set NAME=VALUE`, the name understood among `known` (a label or another
/// case says which element it meant, returned); an unknown name is refused with the nearest.
fn apply_set(
    values: &mut ProfileValues,
    set: &str,
    known: &KnownNames,
) -> Result<Option<String>, Failure> {
    let Some((name, value)) = set.split_once('=') else {
        return Err(Failure::usage(format!(
            "--set {}: write NAME=VALUE, e.g. --set Resync_Periodic=86400",
            mask_value("", set)
        )));
    };
    let name = name.trim();
    if validate::is_access_parameter(name) {
        values.set(name, value);
        return Ok(None);
    }
    let resolved = names::resolve(name, known);
    match &resolved {
        Resolved::Exact(element) | Resolved::Meant { element, .. } => {
            values.set(element, value);
            Ok(resolved.meaning())
        }
        Resolved::Unknown(unknown) => {
            let hint = names::did_you_mean(&unknown.nearest)
                .map(|h| format!(" ({h})"))
                .unwrap_or_else(|| " (see `phoneprov profile show` for the names)".into());
            Err(Failure::usage(format!(
                "--set {name}: not a Configuration Profile parameter{hint}"
            )))
        }
    }
}

/// The validator's findings plus the file's XML problems, errors first.
fn check_findings(values: &ProfileValues, document: Option<&Document>) -> Vec<Finding> {
    let mut findings = validate::validate(values);
    if let Some(document) = document {
        // The phone's own parser is strict: a profile that is not well-formed may be refused.
        for problem in &document.problems {
            findings.push(Finding {
                param: "(xml)".into(),
                value: String::new(),
                severity: Severity::Error,
                message: format!(
                    "the file is not well-formed XML, a phone may refuse it: {problem}"
                ),
                fix: Some(
                    "correct the XML (each <Name>value</Name> closed, & written &amp;)".into(),
                ),
                position: None,
                resync_url: None,
            });
        }
    }
    if let Some(document) = document {
        findings.extend(document.elements.iter().filter_map(odd_user_access));
    }
    findings.sort_by_key(|f| f.severity);
    findings
}

/// `ua="ua"` (seen in real files): not one of the three values, so what a phone makes of it
/// is not documented; the value itself is read as usual.
fn odd_user_access(element: &crate::profile::xml::Element) -> Option<Finding> {
    let ua = element.attribute("ua")?;
    if matches!(ua, "na" | "ro" | "rw") {
        return None;
    }
    Some(Finding {
        param: schema::canonical_name(&element.name).to_string(),
        value: element.value.clone(),
        severity: Severity::Warning,
        message: format!(
            "ua=\"{}\" (line {}) is not na, ro or rw (what the phone's user account may do \
             with the field); what a phone does with it is not documented",
            hint::excerpt(ua),
            element.line
        ),
        fix: Some("write ua=\"na\", ua=\"ro\" or ua=\"rw\", or leave ua out".into()),
        position: None,
        resync_url: None,
    })
}

/// `profile check --json`: `{"firmware", "firmware_assumed", "firmware_reason", "meant":
/// […], "errors": […], "warnings": […]}`.
fn check_json(family: &Family, meant: &[String], findings: &[Finding]) -> String {
    let list = |severity: Severity| -> Vec<Value> {
        findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(finding_json)
            .collect()
    };
    let out = json!({
        "firmware": family.line.label(),
        "firmware_assumed": family.assumed,
        "firmware_reason": family.why,
        "meant": meant,
        "errors": list(Severity::Error),
        "warnings": list(Severity::Warning),
    });
    format!("{out:#}\n")
}

/// `profile check`: each finding, then a count of what was checked and found.
fn check_text(values: &ProfileValues, family: &Family, findings: &[Finding]) -> String {
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    let mut out = String::new();
    for finding in findings {
        out.push_str(&finding_text(finding));
    }
    out.push_str(&format!(
        "{} value{} checked for {} firmware{}: {errors} error{}, {warnings} warning{}\n",
        values.known().count(),
        plural(values.known().count()),
        family.line.label(),
        family_words(family),
        plural(errors),
        plural(warnings),
    ));
    out
}

/// Longest value printed in text output; longer ones are cut with their length noted.
const SHOWN_CHARS: usize = 200;
/// Longest value put in JSON output.
const JSON_CHARS: usize = 4096;

/// A value cut for printing: `first 200 characters… (7340032 characters)`.
fn cut(value: &str, max: usize) -> String {
    let excerpt = hint::excerpt_to(value, max);
    if excerpt.len() == value.len() {
        excerpt
    } else {
        format!("{excerpt} ({} characters)", value.chars().count())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn finding_json(finding: &Finding) -> Value {
    let mut object = json!({
        "param": finding.param,
        "value": cut(&mask_value(&finding.param, &finding.value), JSON_CHARS),
        "message": finding.message,
    });
    if let Some(map) = object.as_object_mut() {
        if let Some(fix) = &finding.fix {
            map.insert("fix".into(), json!(fix));
        }
        if let Some(position) = finding.position {
            map.insert("position".into(), json!(position));
        }
        if let Some(url) = &finding.resync_url {
            map.insert(
                "resync_url".into(),
                json!(cut(&mask_value("", url), JSON_CHARS)),
            );
        }
    }
    object
}

fn finding_text(finding: &Finding) -> String {
    let label = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let masked = mask_value(&finding.param, &finding.value);
    let shown = cut(&masked, SHOWN_CHARS);
    let mut out = if finding.param == "(xml)" {
        format!("{label}: {}\n", finding.message)
    } else {
        format!(
            "{label}: {} = \"{shown}\": {}\n",
            finding.param, finding.message
        )
    };
    if let Some(position) = finding.position
        && masked == finding.value
        && !masked.is_empty()
        && position < SHOWN_CHARS
    {
        let prefix = format!("  {} = \"", finding.param);
        out.push_str(&format!("{prefix}{shown}\"\n"));
        out.push_str(&format!(
            "{}^\n",
            " ".repeat(prefix.chars().count() + position)
        ));
    }
    if let Some(fix) = &finding.fix {
        out.push_str(&format!("  fix: {}\n", mask_value("", fix)));
    }
    if let Some(url) = &finding.resync_url {
        let rule = if url.is_empty() {
            String::new()
        } else {
            format!(" --rule '{}'", cut(&mask_value("", url), SHOWN_CHARS))
        };
        out.push_str(&format!(
            "  resync now instead: phoneprov resync PHONE{rule}\n"
        ));
    }
    out
}

fn show(file: &Path, firmware: Option<&str>, json: bool) -> Result<u8, Failure> {
    let document = load(file)?;
    ensure_profile(file, &document)?;
    let family = firmware_line(firmware, Some(&document))?;
    let line = family.line;
    let values = ProfileValues::from_document(&document, line);
    let fields: Vec<&'static ParamDef> = schema::PARAMS
        .iter()
        .filter(|def| {
            (def.group == Group::ConfigurationProfile && def.exists_on(line))
                || values.get(def.element).is_some()
        })
        .collect();
    let shown = Shown {
        line,
        family,
        findings: validate::validate(&values),
        values,
        fields,
    };
    if json {
        print(&shown.json());
    } else {
        print(&shown.text(file));
    }
    Ok(exit::OK)
}

/// What `profile show` shows: the fields of a file for a firmware line, with findings.
struct Shown {
    line: FirmwareLine,
    /// How the firmware line was chosen (`--firmware`, the file, or assumed) and why.
    family: Family,
    values: ProfileValues,
    fields: Vec<&'static ParamDef>,
    findings: Vec<Finding>,
}

impl Shown {
    fn json(&self) -> String {
        let (line, values, findings) = (self.line, &self.values, &self.findings);
        let list: Vec<Value> = self
            .fields
            .iter()
            .map(|def| {
                let value = values.get(def.element);
                let effective = values.effective(def);
                json!({
                    "param": def.element,
                    "element": def.element_for(line),
                    "label": def.label,
                    "group": def.group.label(),
                    "value": value.map(|v| cut(&mask_value(def.element, v), JSON_CHARS)),
                    "default": mask_value(def.element, def.default_for(line)),
                    "unit": hint::unit_hint(def),
                    "hint": hint::value_hint(def, effective),
                    "errors": findings.iter().filter(|f| f.param == def.element && f.is_error()).count(),
                    "warnings": findings.iter().filter(|f| f.param == def.element && !f.is_error()).count(),
                })
            })
            .collect();
        let out = json!({
            "firmware": line.label(),
            "firmware_assumed": self.family.assumed,
            "firmware_reason": self.family.why,
            "fields": list,
            "other_parameters": values.unknown().count(),
        });
        format!("{out:#}\n")
    }

    fn text(&self, file: &Path) -> String {
        let mut out = format!(
            "{} — defaults for {} firmware{}\n",
            file.display(),
            self.line.label(),
            family_words(&self.family)
        );
        let mut group = None;
        for def in &self.fields {
            if group != Some(def.group) {
                group = Some(def.group);
                out.push_str(&format!("\n{}\n", def.group.label()));
            }
            out.push_str(&self.field_text(def));
        }
        let problems = self.findings.len();
        if problems > 0 {
            out.push_str(&format!(
                "\n{problems} problem{} found: run `phoneprov profile check {}`\n",
                plural(problems),
                file.display()
            ));
        }
        out
    }

    /// Two lines for one field: label, value and a mark for its worst finding; then its
    /// default and hint (or unit).
    fn field_text(&self, def: &'static ParamDef) -> String {
        let value = self.values.get(def.element);
        let effective = self.values.effective(def);
        let shown = match value {
            Some("") => "(empty)".to_string(),
            Some(v) => cut(&mask_value(def.element, v), SHOWN_CHARS),
            None => "(not set)".to_string(),
        };
        let default = match def.default_for(self.line) {
            "" => "(empty)".to_string(),
            d => mask_value(def.element, d),
        };
        let mark = match self
            .findings
            .iter()
            .find(|f| f.param == def.element)
            .map(|f| f.severity)
        {
            Some(Severity::Error) => "  [error]",
            Some(Severity::Warning) => "  [warning]",
            None => "",
        };
        let mut out = format!("  {:<30} {shown}{mark}\n", def.label);
        let mut detail = format!("  {:<30} default {default}", "");
        if let Some(hint) = hint::value_hint(def, effective) {
            detail.push_str(&format!("; {hint}"));
        } else if let Some(unit) = hint::unit_hint(def) {
            detail.push_str(&format!("; {unit}"));
        }
        out.push_str(&detail);
        out.push('\n');
        out
    }
}
