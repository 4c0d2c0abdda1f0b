//! Verifying: read the phone's configuration back until every sent value reads as intended
//! and the phone is done, or until the values stay different on an idle phone (it dropped
//! them), or time runs out. Passwords cannot be read back: they are named as unverifiable.

use std::time::{Duration, Instant};

use super::errors::ApplyError;
use super::operation::{Backoff, Operation, PhoneWatch};
use super::plan::compare;
use crate::phone::PhoneConfig;
use crate::profile::mask::is_secret_parameter;
use crate::provision::events::{EventKind, Mismatch};

impl Operation<'_> {
    /// Reads back until every sent value reads as intended. Returns (verified, unverifiable).
    pub async fn verify(
        &self,
        sent: &[(String, String)],
    ) -> Result<(Vec<String>, Vec<String>), ApplyError> {
        let (secret, readable): (Vec<_>, Vec<_>) =
            sent.iter().partition(|(name, _)| is_secret_parameter(name));
        let unverifiable: Vec<String> = secret.iter().map(|(n, _)| n.clone()).collect();
        if !unverifiable.is_empty() {
            self.events.emit(EventKind::Note {
                message: format!(
                    "{} cannot be verified: the phone hides password values",
                    unverifiable.join(", ")
                ),
            });
        }
        // The stage stays what sending left ("after the phone fetched the profile", …): that is
        // what a technician needs when the phone disappears now.
        let mut read_back = ReadBack {
            op: self,
            readable,
            started: Instant::now(),
            watch: PhoneWatch::default(),
            settled_since: None,
            last_mismatches: Vec::new(),
            last_verified: Vec::new(),
            applied_said: false,
        };
        let mut backoff = Backoff::new(Duration::from_millis(10), self.options.max_poll_interval);
        loop {
            if let Some(verified) = read_back.once().await? {
                return Ok((verified, unverifiable));
            }
            if Instant::now() >= self.deadline() {
                return Err(read_back.out_of_time());
            }
            tokio::time::sleep(backoff.pause).await;
            backoff.grow();
        }
    }
}

/// Reading back: what the last reads showed.
struct ReadBack<'o, 'a, 's> {
    op: &'o Operation<'a>,
    /// The sent values the phone shows (not passwords).
    readable: Vec<&'s (String, String)>,
    started: Instant,
    watch: PhoneWatch,
    /// Since when the phone has been up, idle and showing the same differences.
    settled_since: Option<Instant>,
    last_mismatches: Vec<Mismatch>,
    last_verified: Vec<String>,
    applied_said: bool,
}

impl ReadBack<'_, '_, '_> {
    /// One read of the configuration: `Some(verified names)` once every value reads as
    /// sent and the phone is done; an error when the phone dropped values or failed.
    async fn once(&mut self) -> Result<Option<Vec<String>>, ApplyError> {
        match self.op.phone.read_config().await {
            Ok(config) => self.compare_with(&config).await,
            Err(e) if e.is_unreachable() => {
                self.watch.lost(self.op.events);
                Ok(None)
            }
            Err(e) => Err(ApplyError::Phone(e)),
        }
    }

    async fn compare_with(
        &mut self,
        config: &PhoneConfig,
    ) -> Result<Option<Vec<String>>, ApplyError> {
        if self.watch.answered(self.op.events) {
            self.settled_since = None;
        }
        let (verified, mismatches) = compare(config, &self.readable);
        let all_read = mismatches.is_empty();
        // Values can read as wanted while the phone is still finishing its resync (and about
        // to reboot): confirm once it is done.
        let busy = all_read && self.still_finishing().await;
        if all_read && !self.applied_said {
            self.say_applied(&verified);
        }
        if all_read && !busy {
            self.op.events.emit(EventKind::Verified {
                names: verified.clone(),
            });
            return Ok(Some(verified));
        }
        let at_work = !busy && self.still_at_work().await;
        // The phone is up, idle and done, yet the values stay as they are: it dropped them
        // (it took the profile: it fetched it, or accepted the POST).
        if !busy && !at_work && mismatches == self.last_mismatches {
            let since = *self.settled_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= self.op.options.settle {
                if !self.applied_said {
                    self.say_applied(&verified);
                }
                return Err(ApplyError::Unverified {
                    phone: self.op.key.clone(),
                    seconds: self.started.elapsed().as_secs(),
                    mismatches,
                    verified,
                });
            }
        } else {
            self.settled_since = None;
        }
        self.last_mismatches = mismatches;
        self.last_verified = verified;
        Ok(None)
    }

    /// Every value reads as wanted: is the phone still finishing? A phone that stops
    /// answering right after reading well is going down to reboot: confirm after it is
    /// back. A status page the phone does not have (or garbles) cannot say, and does not
    /// hold verification up.
    async fn still_finishing(&mut self) -> bool {
        match self.op.phone.read_status().await {
            Ok(status) => status.provisioning_busy(),
            Err(e) if e.is_unreachable() => {
                self.watch.lost(self.op.events);
                true
            }
            Err(_) => false,
        }
    }

    /// Values differ: is the phone still at work on them (provisioning, or waiting for its
    /// call to end)?
    async fn still_at_work(&mut self) -> bool {
        let Ok(status) = self.op.phone.read_status().await else {
            return false;
        };
        if status.waiting_for_idle() {
            self.watch.waiting_for_idle(self.op.events);
            return true;
        }
        status.provisioning_busy()
    }

    fn say_applied(&mut self, names: &[String]) {
        self.op.events.emit(EventKind::Applied {
            names: names.to_vec(),
        });
        self.applied_said = true;
    }

    /// The error when time ran out: the phone disappeared, or the values still differ.
    fn out_of_time(self) -> ApplyError {
        if self.watch.down {
            return self.op.disappeared();
        }
        ApplyError::Unverified {
            phone: self.op.key.clone(),
            seconds: self.op.options.timeout.as_secs(),
            mismatches: self.last_mismatches,
            verified: self.last_verified,
        }
    }
}
