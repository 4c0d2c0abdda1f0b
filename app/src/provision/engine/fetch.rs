//! Push: serve a one-time profile, ask the phone to resync from it, and wait for the fetch
//! while watching the phone's status page (a call, a failed resync, a reboot) and its syslog
//! lines. A phone that does not fetch within the reach timeout cannot reach this laptop.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::errors::ApplyError;
use super::operation::{Backoff, Operation, PhoneWatch};
use crate::identity::PhoneIdentity;
use crate::phone::PhoneStatus;
use crate::provision::events::{EventKind, Via};
use crate::provision::push::{FetchOutcome, OneTimeProfile};
use crate::provision::syslog::{ResyncLineKind, SyslogLine};

impl Operation<'_> {
    /// Pushes `xml` to the phone; returns once the phone fetched it.
    pub async fn send_push(&self, identity: &PhoneIdentity, xml: &str) -> Result<(), ApplyError> {
        let server_error = |e: std::io::Error| ApplyError::Server(e.to_string());
        let ip = self
            .phone
            .address()
            .resolve_ip()
            .await
            .map_err(server_error)?;
        let mut profile = OneTimeProfile::start(
            ip,
            xml.to_string(),
            identity.clone(),
            self.options.timeout,
            self.engine.sightings.clone(),
        )
        .await
        .map_err(server_error)?;
        if let Some(advertised) = &self.options.push_advertise {
            profile.advertise(advertised);
        }
        let mut syslog = self.engine.syslog_lines.subscribe();
        let before = self.phone.read_status().await.ok();

        self.progress.set("while asking the phone to resync");
        self.phone.trigger_resync(Some(profile.url())).await?;
        self.progress.set("after the phone was asked to resync");
        self.events.emit(EventKind::Sent {
            via: Via::Push,
            detail: format!("the phone was asked to resync from {}", profile.shown_url()),
        });

        let mut wait = FetchWait {
            op: self,
            ip,
            url: profile.shown_url(),
            before,
            reach_deadline: Instant::now() + self.options.reach_timeout,
            call_state_reported: false,
            watch: PhoneWatch::default(),
        };
        let mut backoff = Backoff::new(Duration::from_millis(25), self.options.max_poll_interval);
        loop {
            tokio::select! {
                outcome = profile.fetched() => {
                    if let Some(done) = wait.fetched(outcome) {
                        return done;
                    }
                },
                line = syslog.recv() => {
                    if let Ok(line) = line
                        && let Some(error) = wait.syslog_line(line)
                    {
                        return Err(error);
                    }
                },
                _ = tokio::time::sleep(backoff.pause) => {
                    backoff.grow();
                    wait.poll().await?;
                }
            }
        }
    }
}

/// Waiting for a pushed profile to be fetched: what has been seen of the phone so far.
struct FetchWait<'o, 'a> {
    op: &'o Operation<'a>,
    ip: IpAddr,
    /// The profile's URL for showing (its secret token hidden).
    url: String,
    /// The status page before the resync was asked for (new entries are the resync's).
    before: Option<PhoneStatus>,
    /// When the phone must have fetched; restarts while the phone waits for idle.
    reach_deadline: Instant,
    /// The status tag for the call state is not documented: a phone that does not report
    /// one may simply be on a call (phones fetch only when idle).
    call_state_reported: bool,
    watch: PhoneWatch,
}

impl FetchWait<'_, '_> {
    /// What the server saw: `Some` when the wait is over.
    fn fetched(&mut self, outcome: FetchOutcome) -> Option<Result<(), ApplyError>> {
        match outcome {
            FetchOutcome::Served { user_agent } => {
                self.watch.answered(self.op.events);
                self.op.progress.set("after the phone fetched the profile");
                self.op
                    .events
                    .emit(EventKind::ProfileFetched { user_agent });
                Some(Ok(()))
            }
            FetchOutcome::WrongPhone { reason, .. } => Some(Err(ApplyError::WrongPhone {
                phone: self.op.key.clone(),
                reason,
            })),
            FetchOutcome::Waiting => None,
        }
    }

    /// A syslog line: the phone's own, said; a failure line ends the wait.
    fn syslog_line(&mut self, line: SyslogLine) -> Option<ApplyError> {
        if line.from != self.ip {
            return None;
        }
        self.op.events.emit(EventKind::Syslog {
            text: line.text.clone(),
        });
        (line.kind == ResyncLineKind::Failure).then(|| self.phone_says_failed(&line.text))
    }

    /// Reads the status page once; an error ends the wait.
    async fn poll(&mut self) -> Result<(), ApplyError> {
        match self.op.phone.read_status().await {
            Ok(status) => {
                self.watch.answered(self.op.events);
                self.call_state_reported |= status.call_active.is_some();
                if status.waiting_for_idle() {
                    self.watch.waiting_for_idle(self.op.events);
                    // The phone fetches only when idle: the reach clock restarts.
                    self.reach_deadline = Instant::now() + self.op.options.reach_timeout;
                }
                // A failed resync while our server saw nothing: the phone could not reach
                // us (its own words say how).
                if let Some(failure) = status.failure_since(self.before.as_ref()) {
                    return Err(self.phone_says_failed(&failure));
                }
            }
            Err(e) if e.is_unreachable() => self.watch.lost(self.op.events),
            Err(_) => {}
        }
        let now = Instant::now();
        if now >= self.op.deadline() {
            return Err(if self.watch.down {
                self.op.disappeared()
            } else {
                ApplyError::TimedOut {
                    stage: "waiting for the phone to fetch the profile".to_string(),
                    seconds: self.op.options.timeout.as_secs(),
                }
            });
        }
        if now >= self.reach_deadline && !self.watch.down {
            return Err(ApplyError::cannot_reach(
                self.op.key.clone(),
                self.url.clone(),
                self.op.options.reach_timeout,
                self.call_state_reported,
            ));
        }
        Ok(())
    }

    /// The phone reports it could not fetch the profile, in `its_words`.
    fn phone_says_failed(&self, its_words: &str) -> ApplyError {
        ApplyError::cannot_reach(
            self.op.key.clone(),
            format!("{} (the phone says: {its_words})", self.url),
            self.op.options.reach_timeout,
            true,
        )
    }
}
