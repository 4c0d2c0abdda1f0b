//! UI flows of many phones at once, driven through the AccessKit tree with egui_kittest
//! against the in-process demo phones and a real engine: selecting several phones (mouse and
//! keyboard), one change set with what each field holds across them, and a submit to all of
//! them: one busy on a call, one with a password, one that refuses the value.

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use phoneprov::gui::Shell;
use phoneprov::provision::RunOutcome;
use phoneprov::session::PhoneStatus;
use phoneprov::session::site_run::PhoneStage;

mod gui_common;
use gui_common::wait_for;
use gui_common::{DemoWindow, replace_in, type_into};

/// The demo phones in list order.
const RECEPTION: usize = 0;
const WAREHOUSE: usize = 1;
const MANAGER: usize = 2;
const LOBBY_SPA: usize = 3;

fn demo(dir: &Path) -> (Harness<'static, Shell>, Vec<phone_sim::PhoneControl>) {
    gui_common::demo_app(dir, DemoWindow::default())
}

fn id_of(shell: &Shell, index: usize) -> phoneprov::session::PhoneId {
    shell.phones().entries[index].id
}

fn stage_of(shell: &Shell, index: usize) -> Option<PhoneStage> {
    let id = id_of(shell, index);
    shell.run()?.phone(id).map(|p| p.stage.clone())
}

fn all_read_or_locked(shell: &Shell) -> bool {
    shell
        .phones()
        .entries
        .iter()
        .all(|e| e.form.phone_values.is_some() || e.status == PhoneStatus::NeedsCredentials)
}

#[test]
fn ctrl_and_shift_click_and_the_keyboard_select_several_phones() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _controls) = demo(dir.path());
    harness.run();
    let ids: Vec<_> = (0..4).map(|i| id_of(harness.state(), i)).collect();
    assert_eq!(harness.state().selected_ids(), vec![ids[RECEPTION]]);

    // Ctrl-click adds Lobby SPA; the form becomes the change set for both.
    harness
        .get_by_label_contains("Lobby SPA, ")
        .click_modifiers(egui::Modifiers::COMMAND);
    harness.run();
    assert_eq!(
        harness.state().selected_ids(),
        vec![ids[RECEPTION], ids[LOBBY_SPA]]
    );
    harness.get_by_label("2 phones selected — one change set for all");

    // Shift-click from Lobby SPA (the anchor) up to Warehouse: the range between.
    harness
        .get_by_label_contains("Warehouse, ")
        .click_modifiers(egui::Modifiers::SHIFT);
    harness.run();
    assert_eq!(
        harness.state().selected_ids(),
        vec![ids[WAREHOUSE], ids[MANAGER], ids[LOBBY_SPA]]
    );

    // Keyboard: Shift+↓ twice from the focused Reception row extends to Manager, then
    // Ctrl+Space takes the focused row away again.
    harness.get_by_label_contains("Reception, ").click();
    harness.run();
    assert_eq!(harness.state().selected_ids(), vec![ids[RECEPTION]]);
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowDown);
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowDown);
    harness.run();
    assert_eq!(
        harness.state().selected_ids(),
        vec![ids[RECEPTION], ids[WAREHOUSE], ids[MANAGER]]
    );
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Space);
    harness.run();
    assert_eq!(
        harness.state().selected_ids(),
        vec![ids[RECEPTION], ids[WAREHOUSE]],
        "Ctrl+Space took the focused row (Manager) away"
    );

    // "Select all shown" takes what the filter shows: "a" hides Reception.
    type_into(&mut harness, "Filter:", "a");
    harness.get_by_label("Select all shown (3)").click();
    harness.run();
    assert_eq!(
        harness.state().selected_ids(),
        vec![ids[WAREHOUSE], ids[MANAGER], ids[LOBBY_SPA]]
    );
    harness.get_by_label("3 phones selected — one change set for all");
    // A plain click goes back to one phone and its own form.
    harness.get_by_label_contains("Warehouse, ").click();
    harness.run();
    assert_eq!(harness.state().selected_ids(), vec![ids[WAREHOUSE]]);
    assert!(
        harness
            .query_by_label_contains("phones selected — one change set")
            .is_none()
    );
}

#[test]
fn a_submit_to_four_phones_waits_for_the_busy_one_fails_the_others_with_reasons_and_retries() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, controls) = demo(dir.path());
    // Warehouse holds another value; the SPA keeps its own Resync Periodic whatever it is
    // sent (a value it refuses).
    assert!(controls[WAREHOUSE].set_value("Resync_Periodic", "86400"));
    controls[LOBBY_SPA].drop_param("Resync_Periodic");
    harness.run();
    harness.get_by_label("Select all shown (4)").click();
    harness.run();
    wait_for(&mut harness, 30, "every phone read", all_read_or_locked);

    // What the phones hold now, and the phone whose firmware lacks a field.
    harness.get_by_label("4 phones selected — one change set for all");
    harness.get_by_label_contains(
        "Differs now: 2 phones: 3600; 1 phone: 86400; 1 phone: not read yet",
    );
    assert!(
        harness
            .get_all_by_label_contains("Not on Lobby SPA (SPA504G): its firmware has no such field")
            .count()
            >= 1
    );

    // A value in error on every phone's firmware blocks the submit, phone by phone.
    type_into(&mut harness, "Resync At (HHmm)", "2460");
    harness.get_by_label_contains("Lobby SPA: 2460 is not a real time of day");
    assert!(
        harness
            .get_by_label("Submit to 4 phones…")
            .accesskit_node()
            .is_disabled()
    );
    harness
        .get_by_label("Undo the change of Resync At (HHmm)")
        .click();
    harness.run();

    replace_in(&mut harness, "Resync Periodic", "7200");
    harness.get_by_label("Submit to 4 phones…").click();
    harness.run();
    // The review: each phone with old → new.
    harness.get_by_label("Send changes to 4 phones?");
    harness.get_by_label("86400");
    harness.get_by_label("(not read yet)");
    assert_eq!(harness.get_all_by_label("➡ 7200").count(), 4);
    harness.get_by_label("Send to 4 phones and verify").click();
    harness.run_steps(2);

    wait_for(
        &mut harness,
        90,
        "Reception verified, the rest waiting or failed",
        |shell| {
            stage_of(shell, RECEPTION) == Some(PhoneStage::Verified)
                && matches!(stage_of(shell, MANAGER), Some(PhoneStage::Failed(_)))
                && matches!(stage_of(shell, LOBBY_SPA), Some(PhoneStage::Failed(_)))
                && stage_of(shell, WAREHOUSE)
                    == Some(PhoneStage::Running(
                        phoneprov::session::Stage::WaitingForIdle,
                    ))
        },
    );
    let counts = harness.state().run().unwrap().counts();
    assert_eq!((counts.verified, counts.waiting, counts.failed), (1, 1, 2));
    harness.get_by_label("✔ 1 verified");
    harness.get_by_label("⏳ 1 waiting");
    harness.get_by_label("✖ 2 failed");
    // (The compact stepper's caption for a waiting phone is checked by name in
    // gui_run_snapshots.rs, where its time is fixed.)
    let reason = |shell: &Shell, index| match stage_of(shell, index) {
        Some(PhoneStage::Failed(reason)) => reason,
        other => panic!("{other:?}"),
    };
    let manager = reason(harness.state(), MANAGER);
    assert!(manager.to_lowercase().contains("password"), "{manager}");
    let spa = reason(harness.state(), LOBBY_SPA);
    assert!(spa.contains("3600"), "{spa}");
    harness.get_by_label(&format!("Failed: {spa}"));
    assert_eq!(
        controls[RECEPTION].value("Resync_Periodic").as_deref(),
        Some("7200")
    );
    assert_eq!(
        controls[WAREHOUSE].value("Resync_Periodic").as_deref(),
        Some("86400")
    );

    // The call ends: the busy phone applies and is verified.
    harness.get_by_label("End the call on Warehouse").click();
    wait_for(
        &mut harness,
        60,
        "Warehouse verified after its call",
        |shell| stage_of(shell, WAREHOUSE) == Some(PhoneStage::Verified),
    );
    assert_eq!(
        controls[WAREHOUSE].value("Resync_Periodic").as_deref(),
        Some("7200")
    );

    // The report: one row per phone with old and new, outcome and reason.
    let records = harness.state().run().unwrap().records();
    let outcomes: Vec<RunOutcome> = records.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            RunOutcome::Verified,
            RunOutcome::Verified,
            RunOutcome::Failed,
            RunOutcome::Failed
        ]
    );
    assert!(records[WAREHOUSE].started.is_some() && records[WAREHOUSE].ended.is_some());
    let csv = phoneprov::provision::run_report::csv_text(&records).unwrap();
    assert!(csv.contains("Warehouse,http://127.0.0.1:"), "{csv}");
    assert!(csv.contains(",86400,7200,verified,,"), "{csv}");

    // Give Manager its password (the phone's own form), then retry the failed ones.
    harness.get_by_label_contains("Manager, ").click();
    harness.run();
    wait_for(&mut harness, 20, "the password prompt", |_| true);
    if harness.query_by_label("Password for Manager").is_none() {
        harness.get_by_label("Password…").click();
        harness.run();
    }
    type_into(
        &mut harness,
        "Password:",
        phoneprov::gui::demo::DEMO_PASSWORD,
    );
    harness.get_by_label("Save").click();
    harness.run();
    wait_for(
        &mut harness,
        20,
        "Manager read with its password",
        |shell| shell.phones().entries[MANAGER].form.phone_values.is_some(),
    );
    harness.get_by_label("Retry the failed ones (2)").click();
    harness.run_steps(2);
    wait_for(&mut harness, 90, "the retried phones ended", |shell| {
        shell.run().is_some_and(|run| run.finished())
    });
    assert_eq!(
        stage_of(harness.state(), MANAGER),
        Some(PhoneStage::Verified)
    );
    assert!(matches!(
        stage_of(harness.state(), LOBBY_SPA),
        Some(PhoneStage::Failed(_))
    ));
    assert_eq!(
        controls[MANAGER].value("Resync_Periodic").as_deref(),
        Some("7200")
    );
    harness.get_by_label("✔ 3 verified");
    harness.get_by_label("Close the summary").click();
    harness.run();
    assert!(harness.state().run().is_none());
}

#[test]
fn cancel_stops_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _controls) = demo(dir.path());
    harness.run();
    harness.get_by_label("Select all shown (4)").click();
    harness.run();
    wait_for(&mut harness, 30, "every phone read", all_read_or_locked);
    type_into(&mut harness, "Resync Periodic", "5");
    harness.get_by_label_contains("Submit to ").click();
    harness.run();
    harness.get_by_label_contains("phones and verify").click();
    harness.run_steps(2);
    // Warehouse waits for its call to end: it is still running when Cancel is pressed.
    wait_for(&mut harness, 60, "Warehouse waiting for idle", |shell| {
        stage_of(shell, WAREHOUSE)
            == Some(PhoneStage::Running(
                phoneprov::session::Stage::WaitingForIdle,
            ))
    });
    harness.get_by_label("Cancel the run").click();
    wait_for(&mut harness, 60, "the run ended", |shell| {
        shell.run().is_some_and(|run| run.finished())
    });
    match stage_of(harness.state(), WAREHOUSE) {
        Some(PhoneStage::Failed(reason)) => {
            assert!(reason.to_lowercase().contains("cancel"), "{reason}")
        }
        other => panic!("Warehouse: {other:?}"),
    }
}

/// Opens a dialog drawn by `show` and clicks `button` as soon as the window has settled: the
/// dialog must not move between frames, or the click lands where the button was (a review
/// long enough to scroll once grew a step a frame and lost the first click).
fn first_click_on_a_settled_dialog(
    show: impl Fn(&egui::Context) -> Vec<phoneprov::gui::intent::Intent>,
    button: &str,
) -> Vec<phoneprov::gui::intent::Intent> {
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui, intents: &mut Vec<phoneprov::gui::intent::Intent>| intents.extend(show(ui.ctx())),
            Vec::new(),
        );
    harness.run();
    let settled = harness.get_by_label(button).rect();
    for _ in 0..3 {
        harness.step();
        assert_eq!(
            harness.get_by_label(button).rect(),
            settled,
            "the dialog moved after the window settled"
        );
    }
    harness.state_mut().clear();
    harness.get_by_label(button).click();
    harness.run();
    harness.state().clone()
}

fn review_row(index: usize) -> phoneprov::gui::review::ReviewRow {
    phoneprov::gui::review::ReviewRow {
        label: format!("Resync Trigger {index}"),
        change: phoneprov::session::form::Change {
            element: format!("Resync_Trigger_{index}"),
            old: Some(String::new()),
            new: format!("$UPGTMR gt {index}"),
        },
    }
}

#[test]
fn a_site_review_that_scrolls_takes_the_first_click_on_send() {
    use phoneprov::gui::site_review::{PhoneReview, SiteReview};
    let review = SiteReview {
        phones: (0..30)
            .map(|i| PhoneReview {
                name: format!("Desk {i:02}"),
                rows: vec![review_row(1)],
            })
            .collect(),
        not_sent: Vec::new(),
        parallel: 8,
    };
    let intents = first_click_on_a_settled_dialog(
        |ctx| phoneprov::gui::site_review::show(ctx, &review),
        "Send to 30 phones and verify",
    );
    assert_eq!(
        intents,
        vec![phoneprov::gui::intent::Intent::ConfirmSiteSubmit]
    );
}

#[test]
fn a_phone_review_that_scrolls_takes_the_first_click_on_send() {
    let rows: Vec<_> = (1..=40).map(review_row).collect();
    let intents = first_click_on_a_settled_dialog(
        |ctx| phoneprov::gui::review::show(ctx, "Desk 01", &rows),
        "Send and verify",
    );
    assert_eq!(intents, vec![phoneprov::gui::intent::Intent::ConfirmSubmit]);
}
