//! Validation of values against the schema: findings with a severity, a message in a
//! technician's words and, where it helps, the fix.

use super::condition::{self, Condition};
use super::hint::{excerpt, excerpt_to, human_duration};
use super::macros;
use super::rule::{self, ProfileRule};
use super::schedule::Schedule;
use super::schema::{self, Kind, ParamDef, Unit};
use super::values::ProfileValues;
use crate::identity::FirmwareLine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Severity {
    /// The phone would refuse or ignore the value.
    Error,
    /// Legal, but probably not what was meant.
    Warning,
}

/// One problem with one parameter's value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Canonical element name.
    pub param: String,
    /// The value as given (secrets are NOT masked here; use [`Finding::masked_value`]).
    pub value: String,
    pub severity: Severity,
    pub message: String,
    /// What to do about it.
    pub fix: Option<String>,
    /// 0-based character position in the value the message is about.
    pub position: Option<usize>,
    /// A URL the person probably meant to resync from (a URL pasted into a trigger); empty
    /// string = "resync now from the phone's own rules".
    pub resync_url: Option<String>,
}

impl Finding {
    fn new(def: &ParamDef, value: &str, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            param: def.element.to_string(),
            value: value.to_string(),
            severity,
            message: message.into(),
            fix: None,
            position: None,
            resync_url: None,
        }
    }

    fn error(def: &ParamDef, value: &str, message: impl Into<String>) -> Self {
        Finding::new(def, value, Severity::Error, message)
    }

    fn warning(def: &ParamDef, value: &str, message: impl Into<String>) -> Self {
        Finding::new(def, value, Severity::Warning, message)
    }

    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    fn at(mut self, position: usize) -> Self {
        self.position = Some(position);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The value safe to print: secret fields fully masked, `--pwd`/`--key` values masked.
    pub fn masked_value(&self) -> String {
        mask_value(&self.param, &self.value)
    }
}

/// What replaces a secret wherever phoneprov shows a value ([`rule::mask_secrets`] writes
/// the same).
pub const MASK: &str = "****";

/// A value safe to show for a parameter, and the one place that decides it (the validator,
/// the phone client, the engine and the CLI all use it): secret fields
/// ([`schema::is_secret_name`]) become [`MASK`]; in any other value the `--key`, `--uid` and
/// `--pwd` values of rules are masked ([`rule::mask_secrets`]).
pub fn mask_value(param: &str, value: &str) -> String {
    if schema::is_secret_name(param) && !value.is_empty() {
        MASK.to_string()
    } else {
        rule::mask_secrets(value)
    }
}

/// Whether [`mask_value`] hides anything in this value: such a value must not be written to a
/// file (a snapshot, an export) — not even masked in place of the real one.
pub fn holds_secret(param: &str, value: &str) -> bool {
    mask_value(param, value) != value
}

/// Validates one value of a known field on a firmware line (no cross-field checks).
pub fn validate_value(def: &'static ParamDef, value: &str, line: FirmwareLine) -> Vec<Finding> {
    let trimmed = value.trim();
    let mut findings = Sink::default();
    if !def.exists_on(line) && !trimmed.is_empty() {
        findings.add(Severity::Warning, || {
            Finding::warning(
                def,
                value,
                format!(
                    "{} does not exist on {} firmware; the phone will ignore it",
                    def.label,
                    line.label()
                ),
            )
        });
    }
    match def.kind {
        Kind::YesNo => {
            yes_no(def, value, &mut findings);
            if def.element == super::values::PROVISION_ENABLE
                && super::values::refuses_resyncs(value)
            {
                findings.add(Severity::Warning, ||
                    Finding::warning(
                        def,
                        value,
                        "CAUTION: with Provision Enable = No the phone refuses every resync from then on, including the ones phoneprov asks for; only its web page can turn it back on",
                    )
                    .fix("keep Yes unless this phone must never be provisioned again"),
                );
            }
        }
        Kind::Choice(choices) => choice(def, value, choices, &mut findings),
        Kind::Integer { min, max, unit } => {
            integer(def, value, min, max, unit, line, &mut findings)
        }
        Kind::TimeHhmm => {
            if let Err(f) = parse_hhmm(def, value) {
                findings.add(Severity::Error, || *f);
            }
        }
        Kind::Schedule => schedule(def, value, &mut findings),
        Kind::DhcpOptions => dhcp_options(def, value, &mut findings),
        Kind::ProfileRule => profile_rule(def, value, line, &mut findings),
        Kind::Condition => trigger(def, value, &mut findings),
        Kind::MacroTemplate => template(def, value, &mut findings),
        Kind::Text => {}
    }
    findings.finish(def, value)
}

/// More findings than this for one value are summarised in one line.
pub const MAX_FINDINGS_PER_VALUE: usize = 10;

/// Collects one value's findings, building no more than fit: a hostile 8 MiB value with a
/// million problems must not become a million copies of itself.
#[derive(Default)]
struct Sink {
    list: Vec<Finding>,
    skipped: usize,
    worst_skipped: Option<Severity>,
}

impl Sink {
    /// `severity` is the finding's, known without building it.
    fn add(&mut self, severity: Severity, finding: impl FnOnce() -> Finding) {
        if self.list.len() < MAX_FINDINGS_PER_VALUE - 1 {
            let finding = finding();
            debug_assert_eq!(finding.severity, severity);
            self.list.push(finding);
        } else {
            self.worst_skipped = Some(self.worst_skipped.map_or(severity, |s| s.min(severity)));
            self.skipped += 1;
        }
    }

    fn finish(mut self, def: &ParamDef, value: &str) -> Vec<Finding> {
        if let Some(severity) = self.worst_skipped {
            let more = self.skipped;
            self.list.push(Finding::new(
                def,
                value,
                severity,
                format!(
                    "… and {more} more problem{} in this value",
                    if more == 1 { "" } else { "s" }
                ),
            ));
        }
        self.list
    }
}

/// Character positions of byte offsets that mostly grow, counted incrementally (a value
/// with a million macros must not cost a million scans from its start).
#[derive(Default)]
struct CharIndex {
    byte: usize,
    chars: usize,
}

impl CharIndex {
    fn at(&mut self, text: &str, byte: usize) -> usize {
        let byte = byte.min(text.len());
        if byte < self.byte {
            *self = CharIndex::default();
        }
        match text.get(self.byte..byte) {
            Some(part) => {
                self.chars += part.chars().count();
                self.byte = byte;
                self.chars
            }
            // Not a character boundary: cannot happen for offsets from the parsers.
            None => text.get(..byte).map_or(byte, |s| s.chars().count()),
        }
    }
}

/// Validates a value by element name (or SPA alias). `None` when the schema does not know
/// the name.
pub fn validate_param(name: &str, value: &str, line: FirmwareLine) -> Option<Vec<Finding>> {
    schema::lookup(name).map(|def| validate_value(def, value, line))
}

/// Validates a whole set of values: each known field, then checks across fields, then
/// names that differ from a known one only in case.
pub fn validate(values: &ProfileValues) -> Vec<Finding> {
    let mut findings: Vec<Finding> = values
        .known()
        .flat_map(|(def, value)| validate_value(def, value, values.firmware))
        .collect();
    findings.extend(cross_field(values));
    findings.extend(access_findings(values));
    for (name, value) in values.unknown() {
        if let Some(def) = schema::lookup_ignoring_case(name) {
            findings.push(Finding {
                param: name.to_string(),
                value: value.to_string(),
                severity: Severity::Warning,
                message: format!(
                    "{name} is not a parameter the phone knows: element names are case-sensitive"
                ),
                fix: Some(format!("write it as {}", def.element)),
                position: None,
                resync_url: None,
            });
        }
    }
    findings
}

/// Parameters from other pages whose value cuts the technician (and phoneprov) off the
/// phone: (element, dangerous value, what it does).
const ACCESS_PARAMETERS: &[(&str, &str, &str)] = &[
    (
        "Enable_Web_Admin_Access",
        "No",
        "turns off the phone's admin web pages: neither you nor phoneprov can read or change its configuration over the network afterwards",
    ),
    (
        "Enable_Web_Server",
        "No",
        "turns off the phone's web server: nothing can reach the phone over HTTP afterwards, phoneprov included",
    ),
    (
        "Enable_Direct_Action_Url",
        "No",
        "turns off /admin/resync and the other direct-action URLs that phoneprov uses to push changes and start resyncs",
    ),
];

/// Whether a parameter outside the schema is one the validator still checks because a wrong
/// value locks people out (`Enable_Web_Admin_Access`, …).
pub fn is_access_parameter(name: &str) -> bool {
    ACCESS_PARAMETERS.iter().any(|(n, _, _)| *n == name)
}

/// Loud warnings for values that lock the technician out of the phone.
fn access_findings(values: &ProfileValues) -> Vec<Finding> {
    ACCESS_PARAMETERS
        .iter()
        .filter_map(|(name, bad, effect)| {
            let value = values.get(name)?;
            value.trim().eq_ignore_ascii_case(bad).then(|| Finding {
                param: (*name).to_string(),
                value: value.to_string(),
                severity: Severity::Warning,
                message: format!("CAUTION: {name} = {bad} {effect}"),
                fix: Some(format!(
                    "leave {name} out of the profile unless you mean to lock the phone down"
                )),
                position: None,
                resync_url: None,
            })
        })
        .collect()
}

fn cross_field(values: &ProfileValues) -> Vec<Finding> {
    let mut findings = Vec::new();
    let (Some(at_def), Some(periodic_def)) = (
        schema::lookup("Resync_At__HHmm_"),
        schema::lookup("Resync_Periodic"),
    ) else {
        return findings;
    };
    let at = values.effective(at_def);
    let periodic = values.effective(periodic_def);
    if let Ok(Some(time)) = parse_hhmm(at_def, at) {
        let periodic_on = Schedule::parse(periodic).is_ok_and(|s| !s.is_off());
        if periodic_on {
            findings.push(
                Finding::warning(
                    periodic_def,
                    periodic,
                    format!(
                        "Resync Periodic ({}) is ignored: Resync At is set, so the phone resyncs once a day at {:02}:{:02} instead",
                        super::hint::value_hint(periodic_def, periodic).unwrap_or_else(|| periodic.to_string()),
                        time.0,
                        time.1
                    ),
                )
                .fix("clear Resync At (HHmm) to resync periodically, or set Resync Periodic to 0 to make the daily resync explicit"),
            );
        }
    }
    findings
}

fn yes_no(def: &ParamDef, value: &str, findings: &mut Sink) {
    match value.trim() {
        "Yes" | "No" => {}
        other if other.eq_ignore_ascii_case("yes") || other.eq_ignore_ascii_case("no") => {
            let proper = if other.eq_ignore_ascii_case("yes") {
                "Yes"
            } else {
                "No"
            };
            findings.add(Severity::Warning, || {
                Finding::warning(
                    def,
                    value,
                    format!("write {proper} with a capital letter, as the phone does"),
                )
                .fix(proper)
            });
        }
        other => findings.add(Severity::Error, || {
            Finding::error(def, value, format!("'{}' is not Yes or No", excerpt(other))).fix(
                match other.to_ascii_lowercase().as_str() {
                    "1" | "true" | "on" | "enabled" => "Yes",
                    "0" | "false" | "off" | "disabled" => "No",
                    _ => "write Yes or No",
                },
            )
        }),
    }
}

fn choice(def: &ParamDef, value: &str, choices: &[&str], findings: &mut Sink) {
    let v = value.trim();
    if choices.contains(&v) {
        return;
    }
    if let Some(proper) = choices.iter().find(|c| c.eq_ignore_ascii_case(v)) {
        findings.add(Severity::Error, || {
            Finding::error(
                def,
                value,
                format!("'{}' must be spelled exactly '{proper}'", excerpt(v)),
            )
            .fix(*proper)
        });
        return;
    }
    findings.add(Severity::Error, || {
        Finding::error(
            def,
            value,
            format!("'{}' is not one of the choices", excerpt(v)),
        )
        .fix(format!("use one of: {}", choices.join(", ")))
    });
}

fn integer(
    def: &ParamDef,
    value: &str,
    min: u32,
    max: u32,
    unit: Unit,
    line: FirmwareLine,
    findings: &mut Sink,
) {
    let v = value.trim();
    if v.is_empty() {
        findings.add(Severity::Error, || {
            Finding::error(def, value, format!("{} needs a number", def.label))
                .fix(format!("default: {}", def.default_for(line)))
        });
        return;
    }
    if let Some(bad) = v.find(|c: char| !c.is_ascii_digit()) {
        let mut f = Finding::error(
            def,
            value,
            format!("'{}' is not a whole number of {}", excerpt(v), unit.label()),
        )
        .at(v[..bad].chars().count() + value.chars().count() - value.trim_start().chars().count());
        if unit == Unit::TwentySeconds {
            f = f.fix("enter the number of 20-second steps, e.g. 3 for 60 s");
        }
        findings.add(Severity::Error, || f);
        return;
    }
    let n = match v.parse::<u64>() {
        Ok(n) if n >= u64::from(min) && n <= u64::from(max) => n,
        _ => {
            findings.add(Severity::Error, || {
                Finding::error(def, value, format!("{} is outside {min}–{max}", excerpt(v)))
                    .fix(format!("enter a number from {min} to {max}"))
            });
            return;
        }
    };
    match (unit, def.element) {
        (Unit::TwentySeconds, _) if n >= 180 => findings.add(Severity::Warning, || {
            Finding::warning(
                def,
                value,
                format!(
                    "{} counts 20-second steps: {n} means up to {} after each power-on",
                    def.label,
                    human_duration(n * 20)
                ),
            )
            .fix(format!(
                "if you meant {n} seconds, enter {}",
                n.div_ceil(20)
            ))
        }),
        (_, "Resync_At_Random_Delay") if line >= FirmwareLine::Mpp12 && n < 600 => {
            findings.add(Severity::Warning, || {
                Finding::warning(def, value, "firmware 12 asks for at least 600 seconds here")
                    .fix("600")
            })
        }
        _ => {}
    }
}

/// `Ok(None)` for empty, `Ok(Some((h, m)))` for a real time, or the finding.
fn parse_hhmm(def: &ParamDef, value: &str) -> Result<Option<(u32, u32)>, Box<Finding>> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let invalid = |message: String| {
        let fix = match v.split_once(':') {
            Some((h, m)) if h.len() <= 2 && m.len() == 2 => format!("{h:0>2}{m}"),
            _ => "write four digits HHmm from 0000 to 2400, e.g. 0230, or leave it empty".into(),
        };
        Err(Box::new(Finding::error(def, value, message).fix(fix)))
    };
    if v.len() != 4 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return invalid(format!(
            "'{}' is not a time: Resync At takes four digits HHmm (24 h); the phone ignores anything else",
            excerpt(v)
        ));
    }
    match time_of_day(v) {
        Some(time) => Ok(Some(time)),
        None => invalid(format!(
            "{v} is not a real time of day (0000–2400); the phone ignores it"
        )),
    }
}

/// `HHmm` as hours and minutes when it is a real time of day, 0000–2400.
pub(crate) fn time_of_day(value: &str) -> Option<(u32, u32)> {
    if value.len() != 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: u32 = value[..2].parse().ok()?;
    let minutes: u32 = value[2..].parse().ok()?;
    (minutes <= 59 && (hours < 24 || (hours == 24 && minutes == 0))).then_some((hours, minutes))
}

fn schedule(def: &ParamDef, value: &str, findings: &mut Sink) {
    match Schedule::parse(value) {
        Err(e) => findings.add(Severity::Error, ||
            Finding::error(def, value, format!("{} is not a schedule: {}", def.label, e.message))
                .at(e.position)
                .fix("write seconds (3600), a list whose last item repeats (60,120,240) or N+R for N plus up to R random seconds (3600+600); 0 = off"),
        ),
        Ok(s) => {
            if def.element == "Resync_Periodic" {
                if s.is_off() {
                    return;
                }
                if let Some(step) = s.steps.first().filter(|st| st.base < 60) {
                    findings.add(Severity::Warning, ||
                        Finding::warning(def, value, format!("a resync every {} s keeps the phone and the server busy", step.base))
                            .fix("Cisco recommends 86400 (once a day) in production"),
                    );
                }
            }
        }
    }
}

fn dhcp_options(def: &ParamDef, value: &str, findings: &mut Sink) {
    if value.trim().is_empty() {
        findings.add(Severity::Warning, || Finding::warning(
            def,
            value,
            "no DHCP option is listed: rules without a server name will have nowhere to fetch from",
        ));
        return;
    }
    let mut seen = [false; 256];
    let mut chars = CharIndex::default();
    let mut offset = 0;
    for item in value.split(',') {
        let byte = offset + (item.len() - item.trim_start().len());
        let position = chars.at(value, byte);
        offset += item.len() + 1;
        let item = item.trim();
        match item.parse::<u32>() {
            Ok(n) if (1..=254).contains(&n) => {
                if seen[n as usize] {
                    findings.add(Severity::Error, || {
                        Finding::error(def, value, format!("option {n} is listed twice"))
                            .at(position)
                            .fix(format!("remove the second {n}"))
                    });
                }
                seen[n as usize] = true;
            }
            Ok(n) => findings.add(Severity::Error, || {
                Finding::error(
                    def,
                    value,
                    format!("{n} is not a DHCP option number (1–254)"),
                )
                .at(position)
            }),
            Err(_) if item.is_empty() => findings.add(Severity::Error, || {
                Finding::error(
                    def,
                    value,
                    "empty item in the list (two commas, or a comma at an end)",
                )
                .at(position)
            }),
            Err(_) => findings.add(Severity::Error, || {
                Finding::error(
                    def,
                    value,
                    format!("'{}' is not a DHCP option number", excerpt(item)),
                )
                .at(position)
                .fix("write option numbers separated by commas, e.g. 66,160,159,150")
            }),
        }
    }
}

fn profile_rule(def: &ParamDef, value: &str, line: FirmwareLine, findings: &mut Sink) {
    let rule = match ProfileRule::parse(value) {
        Ok(rule) => rule,
        Err(e) => {
            findings.add(Severity::Error, || {
                Finding::error(
                    def,
                    value,
                    format!(
                        "{} cannot be read at character {}: {}",
                        def.label,
                        e.position + 1,
                        e.message
                    ),
                )
                .at(e.position)
            });
            return;
        }
    };
    if let Some((_, position)) = &rule.comment
        && line != FirmwareLine::Spa
    {
        findings.add(Severity::Warning, ||
            Finding::warning(def, value, "only SPA firmware documents '#' comments in a rule; an MPP phone may read it as part of the URL")
                .at(*position)
                .fix("remove the # comment"),
        );
    }
    let count = rule.alternatives.len();
    for (index, alternative) in rule.alternatives.iter().enumerate() {
        if index + 1 < count && alternative.condition.is_none() {
            findings.add(Severity::Warning, ||
                Finding::warning(
                    def,
                    value,
                    format!("alternative {} has no ( … )? condition, so the phone always takes it and the alternatives after it are never used", index + 1),
                )
                .at(alternative.position),
            );
        }
        let options = &alternative.options;
        if alternative.url.is_none() && alternative.assignments.is_empty() {
            findings.add(Severity::Warning, || {
                Finding::warning(
                    def,
                    value,
                    format!(
                        "alternative {} has no URL, so the phone fetches nothing for it",
                        index + 1
                    ),
                )
                .at(alternative.position)
                .fix("add the URL after the condition and options, e.g. https://server/$PSN.xml")
            });
        }
        if options.uid.is_some() != options.pwd.is_some() {
            findings.add(Severity::Warning, || {
                Finding::warning(
                    def,
                    value,
                    "--uid and --pwd go together; one of them is missing",
                )
                .at(options.position.unwrap_or(alternative.position))
            });
        }
        if let Some(url) = &alternative.url {
            let scheme = url.effective_scheme();
            if (options.uid.is_some() || options.pwd.is_some()) && scheme.is_plain_text() {
                findings.add(Severity::Warning, ||
                    Finding::warning(
                        def,
                        value,
                        format!(
                            "credentials (--uid/--pwd) are sent over plain {}, where anyone on the network can read them",
                            scheme.as_str()
                        ),
                    )
                    .at(url.position)
                    .fix("use https://"),
                );
            }
            if let Some(post) = &options.post
                && !(post.len() == 1
                    && post
                        .chars()
                        .next()
                        .and_then(schema::gpp_by_letter)
                        .is_some())
            {
                findings.add(Severity::Warning, || {
                    Finding::warning(
                        def,
                        value,
                        format!("--post takes a GPP letter a…p, not '{}'", excerpt(post)),
                    )
                    .at(options.position.unwrap_or(alternative.position))
                });
            }
        }
    }
    // Macros: unknown names anywhere; $SA..$SD only inside --key/--uid/--pwd.
    let option_spans: Vec<(usize, usize)> = bracket_spans(value);
    let mut chars = CharIndex::default();
    for m in macros::scan(value) {
        let position = chars.at(value, m.start);
        if !m.is_known() {
            findings.add(Severity::Warning, || {
                unknown_macro(def, value, &m.name, position)
            });
        } else if macros::is_secret_only(&m.name)
            && !option_spans
                .iter()
                .any(|(s, e)| m.start > *s && m.start < *e)
        {
            findings.add(Severity::Warning, || {
                Finding::warning(
                    def,
                    value,
                    format!("${} is only expanded inside --key/--uid/--pwd", m.name),
                )
                .at(position)
            });
        }
    }
}

/// Byte spans of `[ … ]` blocks.
fn bracket_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open = None;
    for (i, c) in text.char_indices() {
        match c {
            '[' => open = Some(i),
            ']' => {
                if let Some(s) = open.take() {
                    spans.push((s, i));
                }
            }
            _ => {}
        }
    }
    spans
}

fn unknown_macro(def: &ParamDef, value: &str, name: &str, position: usize) -> Finding {
    let mut f = Finding::warning(
        def,
        value,
        format!(
            "${} is not a macro the phone knows; it will be sent as written",
            excerpt(name)
        ),
    )
    .at(position);
    if let Some(s) = macros::suggestion(name) {
        f = f.fix(format!("did you mean ${s}?"));
    }
    f
}

fn trigger(def: &ParamDef, value: &str, findings: &mut Sink) {
    let v = value.trim();
    if v.is_empty() {
        return;
    }
    if let Some(url) = condition::pasted_url(v) {
        let target = if url.is_empty() {
            "from its own profile rules".to_string()
        } else {
            format!("from {}", excerpt_to(&rule::mask_secrets(&url), 200))
        };
        let mut f = Finding::error(
            def,
            value,
            format!(
                "{} takes a condition such as $PRVTMR ge 600, not a URL. The phone reads this as a condition that is never true, so it stops its periodic and on-reset resyncs",
                def.label
            ),
        )
        .fix(format!(
            "clear the field (or write a condition), and resync the phone now {target} instead"
        ));
        f.resync_url = Some(url);
        findings.add(Severity::Error, || f);
        return;
    }
    match Condition::parse(v) {
        Err(e) => findings.add(Severity::Error, || {
            Finding::error(
                def,
                value,
                format!(
                    "{} is not a condition (character {}): {}",
                    def.label,
                    e.position + 1,
                    e.message
                ),
            )
            .at(e.position + (value.chars().count() - value.trim_start().chars().count()))
            .fix("write comparisons joined by 'and', e.g. $UPGTMR gt 300 and $PRVTMR ge 600")
        }),
        Ok(_) => {
            let mut chars = CharIndex::default();
            for m in macros::scan(value) {
                if !m.is_known() {
                    let position = chars.at(value, m.start);
                    findings.add(Severity::Warning, || {
                        unknown_macro(def, value, &m.name, position)
                    });
                }
            }
        }
    }
}

fn template(def: &ParamDef, value: &str, findings: &mut Sink) {
    let mut chars = CharIndex::default();
    for m in macros::scan(value) {
        let position = chars.at(value, m.start);
        if !m.is_known() {
            findings.add(Severity::Warning, || {
                unknown_macro(def, value, &m.name, position)
            });
        } else if macros::is_secret_only(&m.name) {
            findings.add(Severity::Warning, || {
                Finding::warning(
                    def,
                    value,
                    format!(
                        "${} is only expanded inside --key/--uid/--pwd of a rule",
                        m.name
                    ),
                )
                .at(position)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, value: &str) -> Vec<Finding> {
        validate_param(name, value, FirmwareLine::Mpp11).unwrap()
    }

    fn errors(name: &str, value: &str) -> Vec<Finding> {
        check(name, value)
            .into_iter()
            .filter(Finding::is_error)
            .collect()
    }

    fn warnings(name: &str, value: &str) -> Vec<Finding> {
        check(name, value)
            .into_iter()
            .filter(|f| !f.is_error())
            .collect()
    }

    #[test]
    fn yes_no_fields() {
        assert!(check("Provision_Enable", "Yes").is_empty());
        assert!(check("Resync_From_SIP", "No").is_empty());
        assert_eq!(warnings("Provision_Enable", "yes").len(), 1);
        let e = errors("Resync_On_Reset", "1");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].fix.as_deref(), Some("Yes"));
        assert_eq!(errors("Resync_On_Reset", "maybe").len(), 1);
    }

    #[test]
    fn choice_fields() {
        assert!(check("Profile_Authentication_Type", "XSI Authentication").is_empty());
        assert_eq!(
            errors("Profile_Authentication_Type", "basic http authentication").len(),
            1
        );
        let e = errors("Profile_Authentication_Type", "Digest");
        assert!(
            e[0].fix
                .as_deref()
                .unwrap()
                .contains("Basic Http Authentication")
        );
        let spa = validate_param(
            "Profile_Authentication_Type",
            "Disabled",
            FirmwareLine::Mpp10,
        )
        .unwrap();
        assert_eq!(spa.len(), 1, "not on 10.x");
        assert_eq!(spa[0].severity, Severity::Warning);
    }

    #[test]
    fn integer_ranges() {
        assert!(check("Forced_Resync_Delay", "14401").is_empty());
        assert!(check("Forced_Resync_Delay", "0").is_empty());
        assert_eq!(errors("Forced_Resync_Delay", "65536").len(), 1);
        assert_eq!(errors("Forced_Resync_Delay", "-1").len(), 1);
        assert_eq!(errors("Forced_Resync_Delay", "4h").len(), 1);
        assert_eq!(errors("Forced_Resync_Delay", "").len(), 1);
        assert!(check("Resync_At_Random_Delay", "300").is_empty());
        let twelve = validate_param("Resync_At_Random_Delay", "300", FirmwareLine::Mpp12).unwrap();
        assert_eq!(twelve.len(), 1);
    }

    #[test]
    fn random_delay_counts_twenty_second_steps() {
        assert!(check("Resync_Random_Delay", "3").is_empty());
        let w = warnings("Resync_Random_Delay", "600");
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("3 h 20 min"), "{}", w[0].message);
        assert_eq!(
            w[0].fix.as_deref(),
            Some("if you meant 600 seconds, enter 30")
        );
        assert_eq!(errors("Resync_Random_Delay", "60s").len(), 1);
    }

    #[test]
    fn resync_at_is_empty_or_a_real_time() {
        for ok in ["", "0000", "1800", "2359", "2400", "0230"] {
            assert!(check("Resync_At__HHmm_", ok).is_empty(), "{ok}");
        }
        for bad in ["2460", "2401", "2500", "1860", "180", "18000", "ab12"] {
            assert_eq!(errors("Resync_At__HHmm_", bad).len(), 1, "{bad}");
        }
        let e = errors("Resync_At__HHmm_", "18:00");
        assert_eq!(e[0].fix.as_deref(), Some("1800"));
    }

    #[test]
    fn resync_at_makes_periodic_ignored() {
        let mut values = ProfileValues::new(FirmwareLine::Mpp10);
        values.set("Resync_At__HHmm_", "1800");
        values.set("Resync_Periodic", "3665");
        let findings = validate(&values);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(findings[0].param, "Resync_Periodic");
        assert!(findings[0].message.contains("ignored"));
        assert!(findings[0].message.contains("18:00"));
        values.set("Resync_Periodic", "0");
        assert!(validate(&values).is_empty());
        values.set("Resync_Periodic", "3665");
        values.set("Resync_At__HHmm_", "");
        assert!(validate(&values).is_empty());
        values.set("Resync_At__HHmm_", "2460");
        let findings = validate(&values);
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0].is_error(),
            "an invalid time does not override periodic"
        );
    }

    #[test]
    fn schedules() {
        for ok in ["3600", "0", "60,120,240", "1800,3600+300", "3600+600"] {
            assert!(check("Resync_Error_Retry_Delay", ok).is_empty(), "{ok}");
        }
        for bad in ["", "1h", "60,,120", "60+", "-1"] {
            assert_eq!(errors("Resync_Error_Retry_Delay", bad).len(), 1, "{bad}");
        }
        assert_eq!(errors("Resync_Periodic", "60,1x")[0].position, Some(4));
        assert_eq!(warnings("Resync_Periodic", "10").len(), 1);
        assert!(check("Resync_Periodic", "0").is_empty());
    }

    #[test]
    fn dhcp_option_lists() {
        assert!(check("DHCP_Option_To_Use", "66,160,159,150,60,43,125").is_empty());
        assert!(check("DHCP_Option_To_Use", "66, 160").is_empty());
        let e = errors("DHCP_Option_To_Use", "66,160,66");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].position, Some(7));
        assert_eq!(errors("DHCP_Option_To_Use", "0,66").len(), 1);
        assert_eq!(errors("DHCP_Option_To_Use", "255").len(), 1);
        assert_eq!(errors("DHCP_Option_To_Use", "66,,160").len(), 1);
        assert_eq!(errors("DHCP_Option_To_Use", "sixty").len(), 1);
        assert_eq!(warnings("DHCP_Option_To_Use", "").len(), 1);
    }

    #[test]
    fn profile_rules() {
        assert!(
            check(
                "Profile_Rule",
                "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml"
            )
            .is_empty()
        );
        assert!(check("Profile_Rule", "").is_empty());
        let e = errors("Profile_Rule", "ftp://server/x.cfg");
        assert_eq!(e[0].position, Some(0));
        let e = errors("Profile_Rule_B", "($PRVTMR gte 600)? http://a/b");
        assert_eq!(e[0].position, Some(9));
        assert!(e[0].message.contains("character 10"));
    }

    #[test]
    fn credentials_over_plain_text_are_warned() {
        let w = warnings("Profile_Rule", "[--uid u --pwd p] http://a/b.cfg");
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("plain http"));
        assert_eq!(
            warnings("Profile_Rule", "[--uid u --pwd p] tftp://a/b.cfg").len(),
            1
        );
        assert_eq!(
            warnings("Profile_Rule", "[--uid u --pwd p] /b.cfg").len(),
            1,
            "no scheme = TFTP"
        );
        assert!(check("Profile_Rule", "[--uid u --pwd p] https://a/b.cfg").is_empty());
        assert!(check("Profile_Rule", "[--key k] http://a/b.cfg").is_empty());
    }

    #[test]
    fn rule_macros_alternatives_and_comments() {
        let w = warnings("Profile_Rule", "http://a/$EXT.cfg");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].position, Some(9));
        assert_eq!(w[0].fix.as_deref(), Some("did you mean $EXTIP?"));
        assert_eq!(warnings("Profile_Rule", "http://a/b | http://a/c").len(), 1);
        assert_eq!(warnings("Profile_Rule", "http://a/$SA.cfg").len(), 1);
        assert!(check("Profile_Rule", "[--key $SA] http://a/$MA.cfg").is_empty());
        assert_eq!(warnings("Profile_Rule", "/x.cfg # note").len(), 1);
        assert!(
            validate_param("Profile_Rule", "/x.cfg # note", FirmwareLine::Spa)
                .unwrap()
                .is_empty()
        );
        assert_eq!(warnings("Profile_Rule", "[--uid u] https://a/b").len(), 1);
        assert_eq!(
            warnings("Profile_Rule", "[--key k]").len(),
            1,
            "options without a URL"
        );
        assert!(
            check("Profile_Rule", "(a = \"x\";)!").is_empty(),
            "assignments alone are legal"
        );
    }

    #[test]
    fn url_in_a_trigger_is_an_error_with_the_url_to_resync_from() {
        let value = "http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg";
        let e = errors("Resync_Trigger_1", value);
        assert_eq!(e.len(), 1);
        assert!(
            e[0].message
                .contains("takes a condition such as $PRVTMR ge 600")
        );
        assert!(
            e[0].fix
                .as_deref()
                .unwrap()
                .contains("resync the phone now from tftp://10.74.121.56:69/8861conf.cfg")
        );
        assert_eq!(
            e[0].resync_url.as_deref(),
            Some("tftp://10.74.121.56:69/8861conf.cfg")
        );
    }

    #[test]
    fn trigger_conditions() {
        assert!(check("Resync_Trigger_1", "").is_empty());
        assert!(check("Resync_Trigger_2", "$UPGTMR gt 300 and $PRVTMR ge 600").is_empty());
        let e = errors("Resync_Trigger_1", "$PRVTMR => 600");
        assert_eq!(e[0].position, Some(8));
        assert_eq!(warnings("Resync_Trigger_1", "$PRVTIMER ge 600").len(), 1);
    }

    #[test]
    fn templates_warn_on_unknown_macros() {
        assert!(
            check(
                "Log_Request_Msg",
                "$PN $MAC -- Requesting resync $SCHEME://$SERVIP:$PORT$PATH"
            )
            .is_empty()
        );
        let w = warnings("Log_Failure_Msg", "$PN $EXT failed: $ERR");
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("$EXT"));
        assert_eq!(w[0].position, Some(4));
        assert!(
            check("Log_Success_Msg", "$EXTIP $$EXT").is_empty(),
            "$$ is a literal dollar"
        );
        let spa = validate_param("Log_Resync_Request_Msg", "$FOO", FirmwareLine::Spa).unwrap();
        assert_eq!(spa[0].param, "Log_Request_Msg");
    }

    #[test]
    fn values_that_lock_people_out_are_warned_loudly() {
        let w = warnings("Provision_Enable", "No");
        assert_eq!(w.len(), 1);
        assert!(w[0].message.starts_with("CAUTION"));
        let mut values = ProfileValues::new(FirmwareLine::Mpp11);
        values.set("Enable_Web_Admin_Access", "No");
        values.set("Enable_Web_Server", "Yes");
        let f = validate(&values);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("admin web pages"));
        assert!(is_access_parameter("Enable_Direct_Action_Url"));
    }

    #[test]
    fn many_problems_in_one_value_are_summarised() {
        let value = "66,".repeat(1000) + "66";
        let e = errors("DHCP_Option_To_Use", &value);
        assert_eq!(e.len(), MAX_FINDINGS_PER_VALUE);
        assert!(e[MAX_FINDINGS_PER_VALUE - 1].message.contains("991 more"));
        let w = warnings("Log_Failure_Msg", &"é$EXT ".repeat(50));
        assert_eq!(w[1].position, Some(7));
    }

    #[test]
    fn wrong_case_names_are_warned() {
        let mut values = ProfileValues::new(FirmwareLine::Mpp11);
        values.set("resync_periodic", "60");
        values.set("Line_Enable_1_", "Yes");
        let f = validate(&values);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].fix.as_deref(), Some("write it as Resync_Periodic"));
    }

    #[test]
    fn secrets_are_masked() {
        let f = Finding {
            param: "Profile_Rule".into(),
            value: "[--uid u --pwd hunter2] http://a/b".into(),
            severity: Severity::Warning,
            message: String::new(),
            fix: None,
            position: None,
            resync_url: None,
        };
        assert!(!f.masked_value().contains("hunter2"));
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
    fn defaults_validate_clean_on_every_line() {
        for line in [
            FirmwareLine::Spa,
            FirmwareLine::Mpp10,
            FirmwareLine::Mpp11,
            FirmwareLine::Mpp12,
        ] {
            for def in schema::PARAMS {
                if !def.exists_on(line) {
                    continue;
                }
                let f = validate_value(def, def.default_for(line), line);
                assert!(f.is_empty(), "{} on {line:?}: {f:?}", def.element);
            }
        }
    }
}
