//! Following a resync: ask the phone, then watch its status page (new provisioning entries,
//! reboots), its reachability and its syslog lines until one of them tells the outcome.
//! Real status pages often record no provisioning at all (an SPA112's has no such element,
//! older SPA phones have no XML status page): then the configuration is read back, and a
//! change in it is the resync's work; when nothing shows anything, the resync is reported as
//! requested but unconfirmed, never as a success.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use super::Engine;
use super::errors::ApplyError;
use super::operation::{Backoff, PhoneWatch};
use super::options::ResyncOptions;
use super::report::ResyncReport;
use crate::phone::{Phone, PhoneConfig, PhoneStatus, StatusPage};
use crate::profile::mask::mask_value;
use crate::provision::events::{EventKind, EventSink};
use crate::provision::history::Snapshot;
use crate::provision::schema_bridge::phone_name;
use crate::provision::syslog::{ResyncLineKind, SyslogLine};

/// How long a resync whose outcome the status page showed first still waits for the phone's
/// own `Log_Success_Msg` / `Log_Failure_Msg` line (once its `Log_Request_Msg` line came).
const OUTCOME_LINE_WAIT: Duration = Duration::from_secs(2);

impl Engine {
    pub(super) async fn resync_steps(
        &self,
        phone: &Phone,
        rule: Option<&str>,
        options: &ResyncOptions,
        events: &EventSink,
    ) -> Result<ResyncReport, ApplyError> {
        let key = phone.address().key();
        // A resync may change every value: read them whole and keep a snapshot first.
        let reading = phone
            .read_with_identity(StatusPage::IfIdentityIncomplete)
            .await
            .map_err(ApplyError::not_read)?;
        let config = &reading.config;
        if let Some(notice) = self.password_in_clear_notice(phone) {
            events.emit(notice);
        }
        if config.refuses_resyncs() {
            let spa = config.is_spa(&config.identity);
            return Err(ApplyError::provision_disabled_for_resync(key, spa));
        }
        let snapshot = Snapshot::new(&key, &reading.identity, "before resync", &config.values);
        let path = self.history.save(&snapshot)?;
        events.emit(EventKind::SnapshotSaved {
            snapshot: snapshot.id.clone(),
            path: path.display().to_string(),
        });
        let expected = PhoneLogs::of(config, rule);
        let before = phone.read_status().await.ok();
        let ip = phone.address().resolve_ip().await.ok();
        let mut syslog = self.syslog_lines.subscribe();
        phone.trigger_resync(rule).await?;
        events.emit(EventKind::ResyncRequested {
            rule: rule.map(|rule| mask_value("Profile_Rule", rule)),
        });
        let report = ResyncReport {
            phone: key.clone(),
            success: None,
            detail: "requested".to_string(),
            rebooted: false,
            syslog: Vec::new(),
        };
        if !options.wait {
            return Ok(report);
        }
        let follow = ResyncFollow {
            phone,
            events,
            expected,
            before,
            ip,
            report,
            successes_seen: 0,
            request_logged: false,
            watch: PhoneWatch::default(),
            config_before: config.clone(),
            quiet_since: Instant::now(),
            quiet: options.quiet,
        };
        follow.run(&mut syslog, options).await
    }
}

/// What the phone will log about a resync, from its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PhoneLogs {
    /// It sends a success line (an empty `Log_Success_Msg` template sends nothing).
    success: bool,
    /// It sends a failure line.
    failure: bool,
    /// Success lines before the resync is over: the phone logs one per rule it runs (A,
    /// then B–D when set), so it has succeeded only after the last of them.
    successes: usize,
}

impl PhoneLogs {
    fn of(config: &PhoneConfig, rule: Option<&str>) -> Self {
        let line = config.firmware_line(&config.identity);
        let logs = |template: &str| {
            config
                .value(&phone_name(template, line))
                .is_none_or(|t| !t.trim().is_empty())
        };
        let successes = match rule {
            Some(_) => 1,
            None => [
                "Profile_Rule",
                "Profile_Rule_B",
                "Profile_Rule_C",
                "Profile_Rule_D",
            ]
            .iter()
            .filter(|name| config.value(name).is_some_and(|v| !v.trim().is_empty()))
            .count()
            .max(1),
        };
        PhoneLogs {
            success: logs("Log_Success_Msg"),
            failure: logs("Log_Failure_Msg"),
            successes,
        }
    }
}

/// How a resync ended, in the phone's words.
enum Ending {
    Succeeded(String),
    Failed(String),
    /// Nothing the phone shows tells the outcome (no record, no syslog line, no change).
    Unconfirmed(String),
}

/// A requested resync being followed.
struct ResyncFollow<'a> {
    phone: &'a Phone,
    events: &'a EventSink,
    expected: PhoneLogs,
    /// The status page before the request (new entries are this resync's).
    before: Option<PhoneStatus>,
    /// The phone's address, to tell its syslog lines from other phones'.
    ip: Option<IpAddr>,
    report: ResyncReport,
    successes_seen: usize,
    /// The phone's `Log_Request_Msg` line came: it logs the outcome to us too.
    request_logged: bool,
    watch: PhoneWatch,
    /// The configuration before the request: what reading back compares with.
    config_before: PhoneConfig,
    /// Since when the phone has been up with nothing new to see.
    quiet_since: Instant,
    /// How long that may last before the outcome is left unconfirmed.
    quiet: Duration,
}

impl ResyncFollow<'_> {
    async fn run(
        mut self,
        syslog: &mut broadcast::Receiver<SyslogLine>,
        options: &ResyncOptions,
    ) -> Result<ResyncReport, ApplyError> {
        let deadline = Instant::now() + options.timeout;
        let mut backoff = Backoff::new(Duration::from_millis(25), options.max_poll_interval);
        let ending = loop {
            tokio::select! {
                line = syslog.recv() => {
                    let Ok(line) = line else { continue };
                    if let Some(ending) = self.syslog_line(line) {
                        break ending;
                    }
                },
                _ = tokio::time::sleep(backoff.pause) => {
                    backoff.grow();
                    if let Some(ending) = self.poll(syslog).await? {
                        break ending;
                    }
                    if Instant::now() >= deadline {
                        return Err(ApplyError::TimedOut {
                            stage: "waiting for the resync's outcome (no status change, syslog \
                                    line or reboot seen)"
                                .to_string(),
                            seconds: options.timeout.as_secs(),
                        });
                    }
                }
            }
        };
        self.finish(ending)
    }

    /// One syslog line: the phone's own are said and kept; a failure line, or the last
    /// expected success line, ends the resync.
    fn syslog_line(&mut self, line: SyslogLine) -> Option<Ending> {
        if Some(line.from) != self.ip {
            return None;
        }
        self.take_line(&line);
        match line.kind {
            ResyncLineKind::Success => {
                self.successes_seen += 1;
                (self.successes_seen >= self.expected.successes)
                    .then_some(Ending::Succeeded(line.text))
            }
            ResyncLineKind::Failure => Some(Ending::Failed(line.text)),
            ResyncLineKind::Request => {
                self.request_logged = true;
                None
            }
            ResyncLineKind::Other => None,
        }
    }

    /// Reads the status page once: a new provisioning entry, or a reboot for provisioning
    /// after the phone came back, ends the resync.
    async fn poll(
        &mut self,
        syslog: &mut broadcast::Receiver<SyslogLine>,
    ) -> Result<Option<Ending>, ApplyError> {
        let status = match self.phone.read_status().await {
            Ok(status) => status,
            Err(e) if e.is_unreachable() => {
                self.watch.lost(self.events);
                return Ok(None);
            }
            Err(e) => return Err(ApplyError::Phone(e)),
        };
        if self.watch.answered(self.events) {
            self.report.rebooted = true;
            self.quiet_since = Instant::now();
        }
        if status.waiting_for_idle() {
            self.watch.waiting_for_idle(self.events);
            self.quiet_since = Instant::now();
        }
        let before = self.before.as_ref();
        let (ending, logged) = if let Some(failure) = status.failure_since(before) {
            (Ending::Failed(failure), self.expected.failure)
        } else if let Some(success) = status.success_since(before) {
            (Ending::Succeeded(success), self.expected.success)
        } else if let Some(reason) = status
            .provisioning_reboot_since(before)
            .filter(|_| self.report.rebooted)
        {
            let detail = format!("the phone rebooted to apply the new profile ({reason})");
            (Ending::Succeeded(detail), self.expected.success)
        } else if status.records_provisioning() {
            return Ok(None);
        } else {
            match self.read_back(&status).await? {
                Some(ending) => (ending, self.expected.success),
                None => return Ok(None),
            }
        };
        // The status page can tell before the phone's own line arrives: a phone that logged
        // the request to us logs the outcome too.
        if self.request_logged && logged {
            self.outcome_line(syslog).await;
        }
        Ok(Some(ending))
    }

    /// A status page that records no provisioning: the configuration read back tells. A
    /// change means the phone applied a profile; a phone that stays up, unchanged and silent
    /// for the quiet time leaves the outcome unconfirmed (a resync that changed nothing, or
    /// one that failed without a syslog line, look the same from outside).
    async fn read_back(&mut self, status: &PhoneStatus) -> Result<Option<Ending>, ApplyError> {
        let config = match self.phone.read_config().await {
            Ok(config) => config,
            Err(e) if e.is_unreachable() => {
                self.watch.lost(self.events);
                return Ok(None);
            }
            Err(e) => return Err(ApplyError::Phone(e)),
        };
        let changed = changed_names(&self.config_before, &config);
        if !changed.is_empty() {
            let rebooted = if self.report.rebooted {
                "the phone rebooted and "
            } else {
                ""
            };
            return Ok(Some(Ending::Succeeded(format!(
                "{rebooted}its configuration now reads differently ({}); its status page \
                 records no provisioning result",
                changed.join(", ")
            ))));
        }
        // A phone on a call waits for idle; one that logged the request logs the outcome.
        if status.call_active == Some(true) || self.request_logged || self.watch.down {
            self.quiet_since = Instant::now();
            return Ok(None);
        }
        if self.quiet_since.elapsed() < self.quiet {
            return Ok(None);
        }
        Ok(Some(Ending::Unconfirmed(
            "the phone took the request, but nothing shows the outcome: its status page \
             records no provisioning result, no syslog line came, and its configuration \
             reads as before (a resync that changed nothing looks the same as one that \
             failed; set the phone's Syslog_Server and use --syslog to see which)"
                .to_string(),
        )))
    }

    /// Takes the phone's syslog lines into the report until its outcome line (or
    /// [`OUTCOME_LINE_WAIT`]).
    async fn outcome_line(&mut self, syslog: &mut broadcast::Receiver<SyslogLine>) {
        let until = tokio::time::Instant::now() + OUTCOME_LINE_WAIT;
        loop {
            match tokio::time::timeout_at(until, syslog.recv()).await {
                Ok(Ok(line)) if Some(line.from) == self.ip => {
                    self.take_line(&line);
                    if matches!(line.kind, ResyncLineKind::Success | ResyncLineKind::Failure) {
                        return;
                    }
                }
                Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
                Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return,
            }
        }
    }

    /// A line of this phone's: said as an event and kept in the report.
    fn take_line(&mut self, line: &SyslogLine) {
        self.events.emit(EventKind::Syslog {
            text: line.text.clone(),
        });
        self.report.syslog.push(line.text.clone());
    }

    /// Says the outcome and returns the report (or the failure).
    fn finish(mut self, ending: Ending) -> Result<ResyncReport, ApplyError> {
        let (success, detail) = match &ending {
            Ending::Succeeded(detail) => (true, detail.clone()),
            Ending::Failed(detail) => (false, detail.clone()),
            Ending::Unconfirmed(detail) => {
                self.events.emit(EventKind::Note {
                    message: detail.clone(),
                });
                self.report.detail = detail.clone();
                return Ok(self.report);
            }
        };
        self.events.emit(EventKind::ResyncFinished {
            success,
            detail: detail.clone(),
        });
        self.report.success = Some(success);
        self.report.detail = detail;
        match ending {
            Ending::Failed(detail) => Err(ApplyError::ResyncFailed {
                phone: self.report.phone,
                detail,
            }),
            Ending::Succeeded(_) | Ending::Unconfirmed(_) => Ok(self.report),
        }
    }
}

/// The parameters whose value differs between two reads (masked names only, no values).
fn changed_names(before: &PhoneConfig, after: &PhoneConfig) -> Vec<String> {
    let mut names: Vec<String> = after
        .values
        .iter()
        .filter(|(name, value)| before.values.get(*name) != Some(*value))
        .map(|(name, _)| name.clone())
        .collect();
    names.extend(
        before
            .values
            .keys()
            .filter(|name| !after.values.contains_key(*name))
            .cloned(),
    );
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::ConfigSource;

    #[test]
    fn read_back_names_what_changed() {
        let before = PhoneConfig::of_values(
            ConfigSource::SpaCfgXml,
            &[("Resync_Periodic", "3600"), ("Station_Name", "a")],
        );
        let after = PhoneConfig::of_values(
            ConfigSource::SpaCfgXml,
            &[
                ("Resync_Periodic", "60"),
                ("Station_Name", "a"),
                ("GPP_A", "x"),
            ],
        );
        assert_eq!(changed_names(&before, &after), ["GPP_A", "Resync_Periodic"]);
        assert!(changed_names(&before, &before).is_empty());
    }

    #[test]
    fn a_success_line_is_expected_per_rule_the_phone_runs() {
        let mpp = PhoneConfig::of_values(
            ConfigSource::CfgXml,
            &[
                ("Profile_Rule", "/a.xml"),
                ("Profile_Rule_B", "/b.xml"),
                ("Profile_Rule_C", " "),
                ("Log_Failure_Msg", ""),
            ],
        );
        let logs = PhoneLogs::of(&mpp, None);
        assert_eq!(logs.successes, 2);
        assert!(logs.success && !logs.failure, "{logs:?}");
        assert_eq!(PhoneLogs::of(&mpp, Some("http://x/once.xml")).successes, 1);
        assert_eq!(
            PhoneLogs::of(&PhoneConfig::of_values(ConfigSource::CfgXml, &[]), None).successes,
            1
        );
    }

    #[test]
    fn an_spa_phone_logs_under_its_own_names() {
        let spa = PhoneConfig::of_values(
            ConfigSource::SpaCfgXml,
            &[
                ("Log_Resync_Success_Msg", ""),
                ("Log_Resync_Failure_Msg", "x"),
            ],
        );
        let logs = PhoneLogs::of(&spa, None);
        assert!(!logs.success && logs.failure, "{logs:?}");
    }
}
