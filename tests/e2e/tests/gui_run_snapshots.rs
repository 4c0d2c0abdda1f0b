//! Snapshot images of the run summary of a submit to many phones, light and dark, rendered by
//! wgpu (Mesa's lavapipe without a GPU). The run is built from fixed engine events, so the
//! image does not depend on timing: one phone verified, one waiting for its call to end, two
//! failed with their reasons, one queued. Renew on purpose with `UPDATE_SNAPSHOTS=1` and look
//! at the images.

use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use phoneprov::gui::run_panel;
use phoneprov::provision::{EventKind, ProvisionEvent};
use phoneprov::session::form::Change;
use phoneprov::session::site_run::{RunPhone, SiteRun};
use phoneprov::session::{PhoneAddress, PhoneList};

fn event(kind: EventKind) -> ProvisionEvent {
    ProvisionEvent {
        at: jiff::Timestamp::UNIX_EPOCH,
        phone: "127.0.0.1:8080".into(),
        kind,
    }
}

/// Five phones at every outcome a run can show.
fn site_run() -> SiteRun {
    let mut list = PhoneList::default();
    let names = ["Reception", "Warehouse", "Manager", "Lobby SPA", "Desk 12"];
    let phones = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let address = PhoneAddress::parse(&format!("127.0.0.{}:8080", 71 + i)).unwrap();
            let id = list.add_manual(address).id();
            list.rename(id, name);
            let change = Change {
                element: "Resync_Periodic".into(),
                old: Some("3600".into()),
                new: "7200".into(),
            };
            RunPhone::new(list.get(id).unwrap(), vec![change])
        })
        .collect();
    let mut run = SiteRun::new(phones, 8, jiff::Timestamp::UNIX_EPOCH);
    let ids: Vec<_> = run.phones.iter().map(|p| p.id).collect();
    run.record_event(ids[0], &event(EventKind::Verified { names: vec![] }));
    run.record_event(ids[1], &event(EventKind::WaitingForIdle));
    run.record_event(
        ids[2],
        &event(EventKind::Failed {
            reason: "the phone asks for a password: give it with 🔑 Password…".into(),
        }),
    );
    run.record_event(
        ids[3],
        &event(EventKind::Failed {
            reason: "not verified: Resync_Periodic reads back as \"3600\" instead of \"7200\""
                .into(),
        }),
    );
    run
}

fn render(theme: egui::Theme, name: &str) {
    let run = site_run();
    let mut harness = Harness::builder()
        .with_size([760.0, 420.0])
        .with_theme(theme)
        .wgpu()
        .build_ui(move |ui| {
            // Five seconds after the events: the waiting phone's time counts to then.
            let now = jiff::Timestamp::from_second(5).unwrap();
            run_panel::show(ui, &run, &jiff::tz::TimeZone::UTC, now);
        });
    harness.run();
    // What the technician reads from the summary, by name.
    harness.get_by_label("✔ 1 verified");
    harness.get_by_label("⏳ 2 waiting");
    harness.get_by_label("✖ 2 failed");
    // The running phone's compact stepper names its current step and how long it has taken.
    harness.get_by_label("Waiting for idle 5 s so far");
    harness.get_by_label("Retry the failed ones (2)");
    harness.get_by_label("Cancel the run");
    harness.snapshot_options(name, &SnapshotOptions::default().max_failed_pixels(40));
}

#[test]
fn run_summary_light() {
    render(egui::Theme::Light, "run_summary_light");
}

#[test]
fn run_summary_dark() {
    render(egui::Theme::Dark, "run_summary_dark");
}
