//! The resync stepper widget on its own: snapshot images light and dark (full size, a step
//! running, and the compact rows the run summary uses), its screen-reader names, and that it
//! asks for a repaint only while a step is running. The step model comes from engine events
//! with fixed times, so every run draws the same picture.

use std::time::Duration;

use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use phoneprov::gui::widgets::stepper::{StepperSize, show};
use phoneprov::provision::{EventKind, ProvisionEvent, Via};
use phoneprov::session::stepper::{Step, steps};

const START: i64 = 1_800_000_000; // 2027-01-15 08:00:00 UTC

fn at(second: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(START + second).unwrap()
}

fn event(second: i64, kind: EventKind) -> ProvisionEvent {
    ProvisionEvent {
        at: at(second),
        phone: "127.0.0.1:8080".to_string(),
        kind,
    }
}

/// A push to a busy phone, 40 s into waiting for the call to end.
fn waiting() -> Vec<ProvisionEvent> {
    vec![
        event(0, EventKind::Validated { warnings: vec![] }),
        event(
            1,
            EventKind::Sent {
                via: Via::Push,
                detail: "resync accepted".into(),
            },
        ),
        event(2, EventKind::WaitingForIdle),
    ]
}

/// The same push followed to the end.
fn verified() -> Vec<ProvisionEvent> {
    let mut events = waiting();
    events.extend([
        event(95, EventKind::ProfileFetched { user_agent: None }),
        event(97, EventKind::Rebooting),
        event(109, EventKind::BackOnline),
        event(110, EventKind::Applied { names: vec![] }),
        event(111, EventKind::Verified { names: vec![] }),
    ]);
    events
}

/// A resync whose profile is missing.
fn failed() -> Vec<ProvisionEvent> {
    vec![
        event(0, EventKind::ResyncRequested { rule: None }),
        event(
            6,
            EventKind::ResyncFinished {
                success: false,
                detail: "the server answered 404 Not Found".into(),
            },
        ),
    ]
}

/// The full stepper of a running operation above the compact rows of three phones.
fn picture(ui: &mut egui::Ui) {
    let now = at(42);
    let zone = jiff::tz::TimeZone::UTC;
    show(ui, &steps(&waiting(), true), &zone, now, StepperSize::Full);
    ui.separator();
    for (name, model) in [
        ("Reception", steps(&verified(), false)),
        ("Warehouse", steps(&waiting(), true)),
        ("Lobby", steps(&failed(), false)),
    ] {
        ui.horizontal(|ui| {
            ui.label(name);
            show(ui, &model, &zone, now, StepperSize::Compact);
        });
    }
}

fn harness(theme: egui::Theme) -> Harness<'static> {
    Harness::builder()
        .with_size([640.0, 260.0])
        .with_theme(theme)
        .wgpu()
        .build_ui(|ui| {
            egui::Frame::central_panel(ui.style()).show(ui, picture);
        })
}

/// Text is drawn by a software rasterizer; a few anti-aliased pixels may differ between
/// Mesa versions.
fn options() -> SnapshotOptions {
    SnapshotOptions::default().max_failed_pixels(40)
}

#[test]
fn stepper_light() {
    let mut harness = harness(egui::Theme::Light);
    harness.run_steps(2);
    harness.snapshot_options("stepper_light", &options());
}

#[test]
fn stepper_dark() {
    let mut harness = harness(egui::Theme::Dark);
    harness.run_steps(2);
    harness.snapshot_options("stepper_dark", &options());
}

#[test]
fn every_step_is_named_with_its_state_time_and_duration() {
    let mut harness = Harness::builder()
        .with_size([700.0, 300.0])
        .build_ui(picture);
    harness.run_steps(2);
    harness.get_by_label("Step 1 of 6: Requested, done at 08:00:00, took 2 s");
    harness.get_by_label("Step 2 of 6: Waiting for idle, in progress at 08:00:02, 40 s so far");
    harness.get_by_label("Step 3 of 6: Fetched, not reached");
    harness.get_by_label("Resync steps: Verified, done at 08:01:51");
    harness.get_by_label(
        "Resync steps: Failed, failed at 08:00:06: resync failed: the server answered 404 Not Found",
    );
}

fn repaint_delay(harness: &Harness<'_>) -> Duration {
    harness.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay
}

#[test]
fn repaints_only_while_a_step_runs() {
    let running = steps(&waiting(), true);
    let ended = steps(&verified(), false);
    let draw = |model: Vec<Step>| {
        move |ui: &mut egui::Ui| {
            show(
                ui,
                &model,
                &jiff::tz::TimeZone::UTC,
                at(42),
                StepperSize::Full,
            );
            show(
                ui,
                &model,
                &jiff::tz::TimeZone::UTC,
                at(42),
                StepperSize::Compact,
            );
        }
    };
    let mut harness = Harness::builder().build_ui(draw(running));
    harness.step();
    harness.step();
    let delay = repaint_delay(&harness);
    assert!(
        delay <= Duration::from_secs(1),
        "a running step's time must count up: repaint in {delay:?}"
    );
    let mut harness = Harness::builder().build_ui(draw(ended));
    harness.step();
    harness.step();
    assert_eq!(
        repaint_delay(&harness),
        Duration::MAX,
        "an ended operation must not keep the window repainting"
    );
}
