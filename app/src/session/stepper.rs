//! The resync status as steps: requested → waiting for idle → fetched → applied or failed →
//! rebooting → verified, each with the time it was reached and how long it lasted, computed
//! from one operation's engine events. The window draws it as a stepper
//! (`gui::widgets::stepper`), large in the status panel and compact per phone in a run.

use crate::provision::{EventKind, ProvisionEvent, Via};

/// The six places of the picture, in the order they are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    Requested,
    WaitingForIdle,
    Fetched,
    /// "Applied", or "Failed" when the operation failed (the step's state says which).
    Applied,
    Rebooting,
    Verified,
}

impl StepKind {
    pub const ALL: [StepKind; 6] = [
        StepKind::Requested,
        StepKind::WaitingForIdle,
        StepKind::Fetched,
        StepKind::Applied,
        StepKind::Rebooting,
        StepKind::Verified,
    ];

    /// The step's name as drawn under its marker.
    pub fn words(self) -> &'static str {
        match self {
            StepKind::Requested => "Requested",
            StepKind::WaitingForIdle => "Waiting for idle",
            StepKind::Fetched => "Fetched",
            StepKind::Applied => "Applied",
            StepKind::Rebooting => "Rebooting",
            StepKind::Verified => "Verified",
        }
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Not reached (yet).
    Pending,
    /// Reached and left behind, or the last step reached by an operation that has ended.
    Done,
    /// The operation is in this step now.
    Running,
    /// Not needed: a later step was reached without it (the phone was idle; a post needs
    /// no reboot).
    Skipped,
    /// The operation failed here; the step's detail says why.
    Failed,
}

/// One step of the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub state: StepState,
    /// When the step was reached.
    pub at: Option<jiff::Timestamp>,
    /// How long it lasted: until the next step was reached. `None` while it runs (the
    /// window counts from `at`) and for the last step.
    pub took: Option<jiff::SignedDuration>,
    /// The engine's sentence for the event that reached it (the failure's reason).
    pub detail: String,
}

impl Step {
    /// The name to draw: "Failed" in place of "Applied" when the operation failed.
    pub fn words(&self) -> &'static str {
        if self.state == StepState::Failed {
            "Failed"
        } else {
            self.kind.words()
        }
    }
}

/// The steps of one operation from its engine events (oldest first). `running`: the
/// operation has not ended, so its last step reached is the one in progress. With no event,
/// every step is pending.
pub fn steps(events: &[ProvisionEvent], running: bool) -> Vec<Step> {
    let mut reached: [Option<(jiff::Timestamp, String)>; 6] = Default::default();
    let mut failed: Option<(jiff::Timestamp, String)> = None;
    let mut reach = |kind: StepKind, at: jiff::Timestamp, detail: String| {
        let slot = &mut reached[index(kind)];
        // The earliest sign counts: a reboot means the phone took the profile before it.
        if slot.as_ref().is_none_or(|(old, _)| at < *old) {
            *slot = Some((at, detail));
        }
    };
    for event in events {
        let at = event.at;
        let words = event.kind.describe();
        match &event.kind {
            EventKind::WaitingForIdle => reach(StepKind::WaitingForIdle, at, words),
            EventKind::ProfileFetched { .. } => reach(StepKind::Fetched, at, words),
            // A post hands the profile over itself: nothing is fetched.
            EventKind::Sent { via: Via::Post, .. } => reach(StepKind::Fetched, at, words),
            EventKind::Rebooting => {
                reach(StepKind::Applied, at, words.clone());
                reach(StepKind::Rebooting, at, words);
            }
            EventKind::Applied { .. } => reach(StepKind::Applied, at, words),
            EventKind::Verified { .. } | EventKind::NothingToChange => {
                reach(StepKind::Verified, at, words)
            }
            // A resync by the phone's own rules: its success is all there is to verify.
            EventKind::ResyncFinished { success: true, .. } => {
                reach(StepKind::Fetched, at, words.clone());
                reach(StepKind::Applied, at, words.clone());
                reach(StepKind::Verified, at, words);
            }
            // The first failure is the one that ended it.
            EventKind::ResyncFinished { success: false, .. } | EventKind::Failed { .. }
                if failed.is_none() =>
            {
                failed = Some((at, words));
            }
            _ => {}
        }
    }
    if let Some(first) = events.first() {
        let detail = events
            .iter()
            .find_map(|e| match &e.kind {
                EventKind::ResyncRequested { .. } => Some(e.kind.describe()),
                _ => None,
            })
            .unwrap_or_else(|| "apply requested".to_string());
        reach(StepKind::Requested, first.at, detail);
    }
    let last_reached = StepKind::ALL
        .iter()
        .rposition(|kind| reached[index(*kind)].is_some());
    let times: Vec<jiff::Timestamp> = reached
        .iter()
        .flatten()
        .map(|(at, _)| *at)
        .chain(failed.as_ref().map(|(at, _)| *at))
        .collect();
    // How long a step lasted: until the next moment anything was reached after it.
    let took = |at: jiff::Timestamp| {
        times
            .iter()
            .filter(|t| **t > at)
            .min()
            .map(|next| at.duration_until(*next))
    };
    let ended = !running || failed.is_some() || reached[index(StepKind::Verified)].is_some();
    StepKind::ALL
        .iter()
        .enumerate()
        .map(|(position, kind)| {
            if *kind == StepKind::Applied
                && let Some((at, detail)) = &failed
                && reached[position].is_none()
            {
                return Step {
                    kind: *kind,
                    state: StepState::Failed,
                    at: Some(*at),
                    took: None,
                    detail: detail.clone(),
                };
            }
            match &reached[position] {
                Some((at, detail)) => {
                    let current = Some(position) == last_reached;
                    let state = if current && !ended {
                        StepState::Running
                    } else {
                        StepState::Done
                    };
                    Step {
                        kind: *kind,
                        state,
                        at: Some(*at),
                        took: if state == StepState::Running {
                            None
                        } else {
                            took(*at)
                        },
                        detail: detail.clone(),
                    }
                }
                None => {
                    let later_reached = last_reached.is_some_and(|last| last > position);
                    // Before a failure, a step not reached was not skipped: it never came.
                    let state = if later_reached && failed.is_none() {
                        StepState::Skipped
                    } else {
                        StepState::Pending
                    };
                    Step {
                        kind: *kind,
                        state,
                        at: None,
                        took: None,
                        detail: String::new(),
                    }
                }
            }
        })
        .collect()
}

/// Whether a step is in progress, so the window keeps counting its time.
pub fn any_running(steps: &[Step]) -> bool {
    steps.iter().any(|s| s.state == StepState::Running)
}

/// The step to name when there is room for one (compact mode): the failed or running one,
/// else the last one reached.
pub fn current(steps: &[Step]) -> Option<&Step> {
    steps
        .iter()
        .find(|s| matches!(s.state, StepState::Failed | StepState::Running))
        .or_else(|| steps.iter().rev().find(|s| s.state == StepState::Done))
}

fn index(kind: StepKind) -> usize {
    StepKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(second: i64, kind: EventKind) -> ProvisionEvent {
        ProvisionEvent {
            at: jiff::Timestamp::from_second(1_800_000_000 + second).unwrap(),
            phone: "127.0.0.1:80".to_string(),
            kind,
        }
    }

    fn states(steps: &[Step]) -> Vec<StepState> {
        steps.iter().map(|s| s.state).collect()
    }

    use StepState::{Done, Failed, Pending, Running, Skipped};

    #[test]
    fn no_events_is_all_pending() {
        let steps = steps(&[], false);
        assert_eq!(steps.len(), 6);
        assert!(steps.iter().all(|s| s.state == Pending && s.at.is_none()));
        assert!(current(&steps).is_none());
    }

    #[test]
    fn a_push_on_a_busy_phone_goes_through_every_step_with_its_durations() {
        let mut events = vec![
            event(0, EventKind::Validated { warnings: vec![] }),
            event(
                1,
                EventKind::Sent {
                    via: Via::Push,
                    detail: "resync accepted".into(),
                },
            ),
            event(2, EventKind::WaitingForIdle),
        ];
        let running = steps(&events, true);
        assert_eq!(
            states(&running),
            [Done, Running, Pending, Pending, Pending, Pending]
        );
        assert_eq!(running[0].took, Some(jiff::SignedDuration::from_secs(2)));
        assert_eq!(running[1].took, None, "a running step counts live");
        assert!(any_running(&running));
        assert_eq!(current(&running).unwrap().kind, StepKind::WaitingForIdle);

        events.extend([
            event(40, EventKind::ProfileFetched { user_agent: None }),
            event(42, EventKind::Rebooting),
            event(50, EventKind::BackOnline),
            event(
                52,
                EventKind::Applied {
                    names: vec!["Resync_Periodic".into()],
                },
            ),
            event(
                53,
                EventKind::Verified {
                    names: vec!["Resync_Periodic".into()],
                },
            ),
        ]);
        let done = steps(&events, true);
        assert_eq!(states(&done), [Done; 6]);
        assert!(!any_running(&done));
        assert_eq!(done[1].took, Some(jiff::SignedDuration::from_secs(38)));
        // The reboot shows the phone took the profile: "applied" is reached with it.
        assert_eq!(done[3].at, done[4].at);
        assert_eq!(done[4].took, Some(jiff::SignedDuration::from_secs(11)));
        assert_eq!(done[5].took, None);
        assert_eq!(current(&done).unwrap().kind, StepKind::Verified);
    }

    #[test]
    fn a_post_to_an_idle_phone_skips_waiting_and_rebooting() {
        let events = [
            event(0, EventKind::Validated { warnings: vec![] }),
            event(
                1,
                EventKind::Sent {
                    via: Via::Post,
                    detail: "POST accepted".into(),
                },
            ),
            event(2, EventKind::Applied { names: vec![] }),
            event(3, EventKind::Verified { names: vec![] }),
        ];
        assert_eq!(
            states(&steps(&events, false)),
            [Done, Skipped, Done, Done, Skipped, Done]
        );
    }

    #[test]
    fn a_failure_takes_the_applied_place_with_its_reason_and_nothing_runs_after_it() {
        let events = [
            event(0, EventKind::ResyncRequested { rule: None }),
            event(
                5,
                EventKind::ResyncFinished {
                    success: false,
                    detail: "404 Not Found".into(),
                },
            ),
        ];
        let steps = steps(&events, true);
        assert_eq!(
            states(&steps),
            [Done, Pending, Pending, Failed, Pending, Pending]
        );
        assert_eq!(steps[3].words(), "Failed");
        assert!(
            steps[3].detail.contains("404 Not Found"),
            "{}",
            steps[3].detail
        );
        assert_eq!(steps[0].detail, "resync requested (the phone's own rules)");
        assert_eq!(steps[0].took, Some(jiff::SignedDuration::from_secs(5)));
        assert!(!any_running(&steps));
        assert_eq!(current(&steps).unwrap().state, Failed);
    }

    #[test]
    fn an_operation_that_ended_without_a_verdict_is_not_left_running() {
        let events = [event(0, EventKind::ResyncRequested { rule: None })];
        assert_eq!(states(&steps(&events, true))[0], Running);
        assert_eq!(states(&steps(&events, false))[0], Done);
    }

    #[test]
    fn nothing_to_change_is_verified_at_once() {
        let events = [
            event(0, EventKind::Validated { warnings: vec![] }),
            event(1, EventKind::NothingToChange),
        ];
        let steps = steps(&events, true);
        assert_eq!(steps[5].state, Done);
        assert!(!any_running(&steps));
    }
}
