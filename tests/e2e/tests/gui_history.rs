//! UI flows for the history and the readiness check, against the in-process demo phones and a
//! real engine, driven through the AccessKit tree: a submit leaves a snapshot, its
//! comparison with now, and a restore that goes through its review and ends verified on the
//! phone; the readiness lines of a phone with Provision Enable = No and of one that needs a
//! password; the stepper of a finished operation does not keep the window repainting.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phoneprov::gui::Shell;
use phoneprov::session::{Outcome, PhoneStatus};

mod gui_common;
use gui_common::{DemoWindow, replace_in, type_into};

fn demo_app(dir: &Path) -> (Harness<'static, Shell>, Vec<phone_sim::PhoneControl>) {
    gui_common::demo_app(dir, DemoWindow::default())
}

/// Steps the UI until `done` holds, for at most `seconds` of wall time.
fn wait_for(
    harness: &mut Harness<'_, Shell>,
    seconds: u64,
    what: &str,
    done: impl Fn(&Harness<'_, Shell>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        harness.step();
        if done(harness) {
            harness.run_steps(2);
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "{what}: not within {seconds} s. Activity:\n{}",
                harness.state().activity().to_text(&jiff::tz::TimeZone::UTC)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn selected_status(harness: &Harness<'_, Shell>) -> PhoneStatus {
    harness
        .state()
        .phones()
        .selected_entry()
        .unwrap()
        .status
        .clone()
}

/// Steps the UI until a node labelled `label` shows (a dialog fades in over a few frames).
fn wait_for_label(harness: &mut Harness<'_, Shell>, label: &str) {
    wait_for(harness, 10, label, |h| h.query_by_label(label).is_some());
}

/// Submits the form's changes and waits until the phone verified them.
fn submit_and_verify(harness: &mut Harness<'_, Shell>, button: &str) {
    harness.get_by_label(button).click();
    wait_for_label(harness, "Send and verify");
    harness.get_by_label("Send and verify").click();
    harness.run_steps(2);
    wait_for(harness, 60, "verified", |h| {
        let entry = h.state().phones().selected_entry().unwrap();
        entry.status == PhoneStatus::Verified && entry.timeline.outcome() == Outcome::Verified
    });
}

#[test]
fn a_submit_leaves_a_snapshot_that_is_compared_and_restored_through_its_review() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, controls) = demo_app(dir.path());
    harness.run_steps(2);
    wait_for(&mut harness, 20, "Reception read", |h| {
        selected_status(h) == PhoneStatus::Reachable
    });
    let before = controls[0].value("Resync_Periodic").unwrap();
    assert_ne!(before, "3665");
    harness.get_by_label_contains("History and rollback (0 snapshot(s))");

    replace_in(&mut harness, "Resync Periodic", "3665");
    submit_and_verify(&mut harness, "Submit 1 change…");
    assert_eq!(
        controls[0].value("Resync_Periodic").as_deref(),
        Some("3665")
    );
    // The stepper shows the whole way, every step with its time.
    harness.get_by_label_contains("Step 6 of 6: Verified, done at");

    // The snapshot saved before the change is listed, with what changed since.
    wait_for(&mut harness, 20, "the snapshot listed", |h| {
        h.query_by_label_contains("History and rollback (1 snapshot(s))")
            .is_some()
    });
    harness
        .get_by_label_contains("History and rollback (1 snapshot(s))")
        .click();
    harness.run_steps(2);
    harness.get_by_label_contains("(before set)");
    harness.get_by_label("1 changed since: Resync Periodic");
    harness.get_by_label("Compare with now").click();
    harness.run_steps(2);
    harness.get_by_label("In the snapshot");
    assert!(harness.query_all_by_label(&before).count() >= 1);
    harness.get_by_label("Hide the comparison");

    // Restore: the same review as a submit (old → new), then apply and verify.
    harness.get_by_label("Restore this snapshot…").click();
    wait_for_label(&mut harness, "Restore and verify");
    harness.get_by_label_contains("Restore Reception to the snapshot of");
    harness.get_by_label(&format!("➡ {before}"));
    harness.get_by_label("Restore and verify").click();
    harness.run_steps(2);
    wait_for(&mut harness, 60, "restored and verified", |h| {
        let entry = h.state().phones().selected_entry().unwrap();
        entry.status == PhoneStatus::Verified
            && entry.timeline.outcome() == Outcome::Verified
            && entry.form.phone_value("Resync_Periodic") == Some(before.as_str())
    });
    // Verified on the phone itself, not only in the window.
    assert_eq!(controls[0].value("Resync_Periodic"), Some(before.clone()));
    harness.get_by_label_contains("VERIFIED");
    harness.get_by_label_contains("Step 6 of 6: Verified, done at");
    // The restore saved a snapshot of its own first, so it can be undone too.
    wait_for(&mut harness, 20, "the restore's snapshot listed", |h| {
        h.query_by_label_contains("History and rollback (2 snapshot(s))")
            .is_some()
    });
    harness.get_by_label_contains("(before rollback)");
}

#[test]
fn readiness_says_what_provision_enable_no_means_and_where_to_turn_it_on() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, controls) = demo_app(dir.path());
    harness.run_steps(2);
    wait_for(&mut harness, 20, "Reception read", |h| {
        selected_status(h) == PhoneStatus::Reachable
    });
    // All is well: one row of ticks, the words on hover.
    harness.get_by_label("Ready to provision");
    for item in [
        "Web admin",
        "Password",
        "Provision Enable",
        "Direct-action URLs",
        "Push from this computer",
        "Call",
    ] {
        harness.get_by_label(&format!("✔ {item}"));
    }

    // Turn Provision Enable off through the form, as a technician might by mistake.
    harness
        .get_by_role_and_label(egui::accesskit::Role::CheckBox, "Provision Enable")
        .click();
    harness.run_steps(2);
    submit_and_verify(&mut harness, "Submit 1 change…");
    assert_eq!(controls[0].value("Provision_Enable").as_deref(), Some("No"));
    harness.get_by_label("Before you submit: fix what is marked ✖");
    harness.get_by_label("✖ Provision Enable");
    harness.get_by_label_contains(
        "No: the phone refuses every resync, so \"Resync now\" cannot work and changes are \
         posted instead of pushed. To fix: set Provision Enable to Yes on the phone's web page \
         (Voice > Provisioning > Configuration Profile)",
    );
    harness.get_by_label("ℹ Push from this computer");
    harness.get_by_label(
        "Not used: with Provision Enable = No, changes are posted to the phone instead",
    );
    assert!(harness.query_by_label("✔ Provision Enable").is_none());
}

#[test]
fn readiness_of_a_phone_that_needs_a_password_says_to_give_it_then_turns_green() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _controls) = demo_app(dir.path());
    harness.run_steps(2);
    harness
        .get_by_label_contains("Manager, not yet contacted")
        .click();
    harness.run_steps(2);
    wait_for(&mut harness, 20, "Manager asks for a password", |h| {
        selected_status(h) == PhoneStatus::NeedsCredentials
    });
    // The prompt opens by itself; the readiness line says the same behind it.
    wait_for_label(&mut harness, "Cancel");
    harness.get_by_label("Cancel").click();
    harness.run_steps(3);
    harness.get_by_label("✖ Password");
    harness.get_by_label_contains("Use 🔑 Password… and type the phone's admin password");
    // Nothing else can be known before the phone is read.
    assert!(harness.query_by_label("✔ Provision Enable").is_none());

    harness.get_by_label("Password…").click();
    wait_for_label(&mut harness, "Password:");
    type_into(
        &mut harness,
        "Password:",
        phoneprov::gui::demo::DEMO_PASSWORD,
    );
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    wait_for(&mut harness, 20, "Manager read with the password", |h| {
        selected_status(h) == PhoneStatus::Reachable
    });
    harness.get_by_label("✔ Password").hover();
    harness.run_steps(3);
    wait_for_label(&mut harness, "Needed, and phoneprov has it");
    harness.get_by_label("✔ Provision Enable");
}

#[test]
fn a_finished_operation_s_stepper_leaves_the_window_idle() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _controls) = demo_app(dir.path());
    harness.run_steps(2);
    wait_for(&mut harness, 20, "Reception read", |h| {
        selected_status(h) == PhoneStatus::Reachable
    });
    replace_in(&mut harness, "Resync Periodic", "7200");
    submit_and_verify(&mut harness, "Submit 1 change…");
    harness.get_by_label_contains("Step 6 of 6: Verified, done at");
    // Once the follow-up read and the pending save are done, nothing asks for a frame.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        harness.step();
        let delay = harness.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
        if delay == Duration::MAX {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the window still asks for a repaint in {delay:?} with a finished stepper shown"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    harness.get_by_label_contains("Step 6 of 6: Verified, done at");
}
