//! UI flows of the desktop app, driven through its AccessKit tree with egui_kittest: the real
//! `Shell` with its own state file, no window and no GPU. Every `run()` also checks that
//! every input widget on screen has a screen-reader name.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use phoneprov::gui::Shell;
use phoneprov::session::StateFile;

mod gui_common;
use gui_common::wait_for;
use gui_common::{DemoWindow, clear_field, replace_in, type_into};

fn app(dir: &Path, pixels_per_point: f32) -> Harness<'static, Shell> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let file = StateFile::in_dir(dir);
    Harness::builder()
        .with_size([1280.0, 900.0])
        .with_max_steps(30)
        .with_pixels_per_point(pixels_per_point)
        .build_eframe(move |cc| Shell::new(&cc.egui_ctx, runtime, Ok(file)))
}

fn add_phone(harness: &mut Harness<'_, Shell>, address: &str) {
    type_into(harness, "Add by address:", address);
    harness.get_by_label("Add").click();
    harness.run();
}

#[test]
fn added_phone_is_not_contacted_and_bad_values_show_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(dir.path(), 1.0);
    harness.run();

    // A typo gets words, not a new phone.
    add_phone(&mut harness, "http://198.18.0.11/admin/cfg.xml");
    harness.get_by_label_contains("give only the phone's address");
    assert!(harness.state().phones().entries.is_empty());
    clear_field(&mut harness, "Add by address:");

    add_phone(&mut harness, "198.18.0.11");
    // Only what is real: the phone was not contacted, and the list says so.
    harness.get_by_label_contains("198.18.0.11, not yet contacted");
    harness.get_by_label_contains("the values below are the firmware defaults");

    // Resync At (HHmm) 2460 is not a time.
    type_into(&mut harness, "Resync At (HHmm)", "2460");
    harness.get_by_label_contains("2460 is not a real time of day");
    harness.get_by_label("✖ 1 field(s) in error");

    // The 10.4 article's direct-action URL in Resync Trigger 1: an error that says what the
    // field takes and offers the resync the person meant.
    type_into(
        &mut harness,
        "Resync Trigger 1",
        "http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg",
    );
    harness.get_by_label_contains("takes a condition such as");
    harness.get_by_label_contains("Resync now from tftp://10.74.121.56:69/8861conf.cfg");
    harness.get_by_label("✖ 2 field(s) in error");

    // A valid value clears its error as it is typed.
    let entry = harness.state().phones().selected_entry().unwrap();
    assert_eq!(entry.form.edits.get("Resync_At__HHmm_").unwrap(), "2460");
    harness.get_by_label("Resync At (HHmm)").focus();
    harness.key_press(egui::Key::Backspace);
    harness.key_press(egui::Key::Backspace);
    harness.run();
    type_into(&mut harness, "Resync At (HHmm)", "00");
    assert!(
        harness
            .query_by_label_contains("is not a real time of day")
            .is_none()
    );
    harness.get_by_label_contains("daily at 24:00");
}

#[test]
fn edits_in_progress_and_names_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut harness = app(dir.path(), 1.0);
        harness.run();
        add_phone(&mut harness, "198.18.0.12:8080");
        type_into(&mut harness, "Resync Periodic", "5");
        harness.get_by_label("Rename…").click();
        harness.run();
        type_into(
            &mut harness,
            "New name for the phone at 198.18.0.12:8080",
            "Lobby",
        );
        harness.get_by_label("Save").click();
        harness.run();
        // The app writes its state in the background after a short pause; wait for it.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            harness.step();
            let saved = StateFile::in_dir(dir.path()).load().unwrap();
            let done = saved.phones.entries.first().is_some_and(|e| {
                e.name == "Lobby"
                    && e.form.edits.get("Resync_Periodic").map(String::as_str) == Some("36005")
            });
            if done {
                break;
            }
            assert!(Instant::now() < deadline, "state was not saved within 10 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let mut harness = app(dir.path(), 1.0);
    harness.run();
    harness.get_by_label_contains("Lobby, not yet contacted");
    assert_eq!(
        harness.get_by_label("Resync Periodic").value().as_deref(),
        Some("36005")
    );
    harness.get_by_label_contains("Changed; the phone's value is not read yet");
}

#[test]
fn idle_window_stops_repainting() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(dir.path(), 1.0);
    harness.run();
    add_phone(&mut harness, "198.18.0.13");
    type_into(&mut harness, "Resync Periodic", "0");
    // Once the pending save has run, nothing may ask for another frame.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        harness.step();
        let delay = harness.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
        if delay == Duration::MAX {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the window still asks for a repaint in {delay:?} after 10 s without input"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn readable_and_named_at_200_percent() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(dir.path(), 2.0);
    harness.run();
    add_phone(&mut harness, "198.18.0.14");
    // The whole window is laid out within its size and every control still has a name
    // (checked by run()); the key controls are reachable by name.
    for label in ["Add by address:", "Filter:", "Resync At (HHmm)", "Revert"] {
        let rect = harness.get_by_label(label).rect();
        assert!(
            rect.min.x >= 0.0 && rect.min.y >= 0.0,
            "{label} at {rect:?}"
        );
    }
    harness.get_by_label("File");
}

#[test]
fn a_password_goes_to_the_secret_store_and_nowhere_else() {
    use phoneprov::session::credentials::{MemorySecretStore, login_for};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(dir.path(), 1.0);
    let store = Arc::new(MemorySecretStore::default());
    harness.state_mut().use_secret_store(store.clone());
    harness.run();
    add_phone(&mut harness, "198.18.0.15");
    harness.get_by_label("Password…").click();
    harness.run();
    type_into(&mut harness, "Password:", "hunter2-secret");
    harness.get_by_label("Save").click();
    harness.run();
    let deadline = Instant::now() + Duration::from_secs(10);
    let login = loop {
        harness.step();
        if let Some(login) =
            login_for(store.as_ref(), &["http://198.18.0.15:80".to_string()]).unwrap()
        {
            break login;
        }
        assert!(
            Instant::now() < deadline,
            "the password never reached the store"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        (login.user.as_str(), login.password.as_str()),
        ("admin", "hunter2-secret")
    );
    harness.run();
    harness.get_by_label_contains("Password saved");
    // Not in the state file, not in the activity log, not on screen.
    harness.state_mut().save_now().unwrap();
    let state = std::fs::read_to_string(StateFile::in_dir(dir.path()).path).unwrap();
    assert!(!state.contains("hunter2"));
    let log = harness.state().activity().to_text(&jiff::tz::TimeZone::UTC);
    assert!(!log.contains("hunter2"));
    assert!(harness.query_by_label_contains("hunter2").is_none());
}

#[test]
fn demo_lists_its_emulated_phones_by_name_and_they_answer() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let phones = runtime.block_on(phoneprov::gui::demo::start()).unwrap();
    let addresses: Vec<std::net::SocketAddr> = phones.running().iter().map(|p| p.addr()).collect();
    let demo_dir = tempfile::tempdir().unwrap();
    let file = StateFile::in_dir(dir.path());
    let mut harness = Harness::builder()
        .with_size([1280.0, 900.0])
        .with_max_steps(30)
        .build_eframe(move |cc| {
            let mut shell = Shell::new(&cc.egui_ctx, runtime, Ok(file));
            shell.start_demo(phones, demo_dir);
            shell
        });
    harness.run();
    for name in ["Reception", "Warehouse", "Manager", "Lobby SPA"] {
        // Shown by name and, honestly, as not contacted until the app has talked to them.
        harness.get_by_label_contains(&format!("{name}, not yet contacted"));
    }
    harness.get_by_label_contains("Demo: 4 emulated phones on this computer");
    for address in addresses {
        assert!(
            address.ip().is_loopback(),
            "demo phones stay on this computer"
        );
        std::net::TcpStream::connect_timeout(&address, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("demo phone at {address} does not answer: {e}"));
    }
}

#[test]
fn arrow_keys_walk_the_phone_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(dir.path(), 1.0);
    harness.run();
    for address in ["198.18.0.21", "198.18.0.22", "198.18.0.23"] {
        add_phone(&mut harness, address);
    }
    harness
        .get_by_label_contains("198.18.0.21, not yet contacted")
        .click();
    harness.run();
    let selected = |harness: &Harness<'_, Shell>| {
        harness
            .state()
            .phones()
            .selected_entry()
            .unwrap()
            .address
            .short()
    };
    assert_eq!(selected(&harness), "198.18.0.21");
    harness.key_press(egui::Key::ArrowDown);
    harness.run();
    harness.key_press(egui::Key::ArrowDown);
    harness.run();
    assert_eq!(selected(&harness), "198.18.0.23");
    harness.key_press(egui::Key::ArrowUp);
    harness.run();
    assert_eq!(selected(&harness), "198.18.0.22");
    assert!(
        harness
            .get_by_label_contains("198.18.0.22, not yet contacted")
            .is_focused()
    );
}

#[test]
fn tab_and_shift_tab_leave_the_rule_and_template_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(dir.path(), 1.0);
    harness.run();
    add_phone(&mut harness, "198.18.0.11");
    // Monospace fields for rules, conditions and log templates must not keep focus.
    for (label, key_modifiers) in [
        ("Resync Trigger 1", egui::Modifiers::NONE),
        ("Profile Rule", egui::Modifiers::NONE),
        ("Log Failure Msg", egui::Modifiers::SHIFT),
    ] {
        harness.get_by_label(label).focus();
        harness.run();
        assert!(
            harness.get_by_label(label).is_focused(),
            "{label} took focus"
        );
        harness.key_combination_modifiers(key_modifiers, &[egui::Key::Tab]);
        harness.run();
        assert!(
            !harness.get_by_label(label).is_focused(),
            "Tab (modifiers {key_modifiers:?}) kept focus in {label}: a keyboard trap"
        );
    }
    let entry = harness.state().phones().selected_entry().unwrap();
    assert!(
        entry.form.edits.values().all(|value| !value.contains('\t')),
        "a tab character was typed into a field: {:?}",
        entry.form.edits
    );
}

/// The demo wired to a real engine: phones are read, submitted and verified through the UI.
fn demo_app(dir: &Path) -> Harness<'static, Shell> {
    demo_app_with_controls(dir).0
}

/// The demo app and a control handle per demo phone (start/end calls), in list order.
fn demo_app_with_controls(dir: &Path) -> (Harness<'static, Shell>, Vec<phone_sim::PhoneControl>) {
    gui_common::demo_app(dir, DemoWindow::default())
}

#[test]
fn demo_phone_is_read_when_selected() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_app(dir.path());
    harness.run();
    wait_for(&mut harness, 20, "Reception read", |shell| {
        shell.phones().selected_entry().unwrap().status
            == phoneprov::session::PhoneStatus::Reachable
    });
    harness.get_by_label_contains("Reception, reachable");
}

#[test]
fn demo_submit_is_verified_on_the_phone_and_a_password_phone_asks_for_one() {
    use phoneprov::session::PhoneStatus;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_app(dir.path());
    harness.run();
    wait_for(&mut harness, 20, "Reception read", |shell| {
        shell.phones().selected_entry().unwrap().status == PhoneStatus::Reachable
    });
    // Part of the 10.4 article's worked example, typed into the form.
    replace_in(&mut harness, "Resync Periodic", "3665");
    type_into(&mut harness, "Resync At (HHmm)", "1800");
    harness.get_by_label("Submit 2 changes…").click();
    harness.run();
    harness.get_by_label_contains("Send 2 change(s) to Reception?");
    harness.get_by_label("Send and verify").click();
    // The status spinner turns while the phone works: step instead of waiting to settle.
    harness.run_steps(2);
    wait_for(&mut harness, 60, "Reception verified", |shell| {
        let entry = shell.phones().selected_entry().unwrap();
        entry.status == PhoneStatus::Verified
            && entry.timeline.outcome() == phoneprov::session::Outcome::Verified
            && entry.form.phone_value("Resync_Periodic") == Some("3665")
    });
    harness.get_by_label_contains("VERIFIED");
    assert_eq!(
        harness
            .get_all_by_label_contains("Confirmed by the phone at")
            .count(),
        2
    );
    let entry = harness.state().phones().selected_entry().unwrap();
    assert!(
        entry.form.changes().is_empty(),
        "{:?}",
        entry.form.changes()
    );
    assert_eq!(entry.form.phone_value("Resync_Periodic"), Some("3665"));

    // The phone with a password: selecting it opens the prompt; the right password reads it.
    harness
        .get_by_label_contains("Manager, not yet contacted")
        .click();
    harness.run();
    wait_for(&mut harness, 20, "Manager asks for a password", |shell| {
        shell.phones().selected_entry().unwrap().status == PhoneStatus::NeedsCredentials
    });
    harness.get_by_label("Password for Manager");
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
        "Manager read with the password",
        |shell| shell.phones().selected_entry().unwrap().status == PhoneStatus::Reachable,
    );
    // The read taught phoneprov the phone's MAC; the password saved before must still be
    // found: reading again asks for nothing.
    assert!(
        harness
            .state()
            .phones()
            .selected_entry()
            .unwrap()
            .mac
            .is_some()
    );
    let reads = |shell: &Shell| {
        shell
            .activity()
            .entries
            .iter()
            .filter(|e| {
                e.phone.as_deref() == Some("Manager") && e.message.starts_with("Read the phone:")
            })
            .count()
    };
    let before = reads(harness.state());
    harness.get_by_label("Read the phone again").click();
    harness.run_steps(2);
    wait_for(&mut harness, 20, "Manager read again", |shell| {
        reads(shell) > before
    });
    assert_eq!(
        harness.state().phones().selected_entry().unwrap().status,
        PhoneStatus::Reachable
    );
    assert!(harness.query_by_label("Password for Manager").is_none());
}

#[test]
fn demo_scan_identifies_the_demo_phones_without_duplicating_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_app(dir.path());
    harness.run();
    harness.get_by_label("Scan the network").click();
    harness.run_steps(2);
    wait_for(&mut harness, 30, "scan finished", |shell| {
        shell
            .activity()
            .entries
            .iter()
            .any(|e| e.message.starts_with("Scan finished"))
    });
    let phones = harness.state().phones();
    assert_eq!(
        phones.entries.len(),
        4,
        "a rescan updates, never duplicates"
    );
    let warehouse = phones
        .entries
        .iter()
        .find(|e| e.name == "Warehouse")
        .unwrap();
    assert_eq!(warehouse.model.as_deref(), Some("CP-7841-3PCC"));
    assert!(warehouse.mac.is_some());
    let spa = phones
        .entries
        .iter()
        .find(|e| e.name == "Lobby SPA")
        .unwrap();
    assert_eq!(spa.model.as_deref(), Some("SPA504G"));

    // The phones found are remembered by MAC in the known-phones file `phoneprov discover`
    // reads (the demo's own, in its throwaway directory), and a name given in the app goes
    // there too.
    let known_path = harness.state().known_phones_path().unwrap().to_path_buf();
    let spa_mac = spa.mac.unwrap();
    let warehouse_mac = warehouse.mac.unwrap();
    let warehouse_address = warehouse.address.short();
    let deadline = Instant::now() + Duration::from_secs(10);
    let known = loop {
        harness.step();
        if let Ok(known) = phoneprov::discovery::KnownPhones::load(&known_path)
            && known.len() == 4
        {
            break known;
        }
        assert!(
            Instant::now() < deadline,
            "the found phones were never remembered"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        known.get(&spa_mac).and_then(|p| p.model.as_deref()),
        Some("SPA504G")
    );
    harness
        .get_by_label_contains("Warehouse, not yet contacted")
        .click();
    harness.run();
    harness.get_by_label("Rename…").click();
    harness.run();
    let field = format!("New name for the phone at {}", warehouse_address);
    harness.get_by_label(&field).click();
    harness.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    harness.key_press(egui::Key::Backspace);
    harness.run();
    type_into(&mut harness, &field, "Warehouse stock room");
    harness.get_by_label("Save").click();
    harness.run();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        harness.step();
        if let Ok(known) = phoneprov::discovery::KnownPhones::load(&known_path)
            && known.name(&warehouse_mac) == Some("Warehouse stock room")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new name never reached the known-phones file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn demo_busy_phone_waits_for_idle_then_verifies() {
    use phoneprov::session::{PhoneStatus, Stage};
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, controls) = demo_app_with_controls(dir.path());
    harness.run();
    // Warehouse is the demo phone on a call.
    harness
        .get_by_label_contains("Warehouse, not yet contacted")
        .click();
    harness.run();
    wait_for(&mut harness, 20, "Warehouse read", |shell| {
        shell.phones().selected_entry().unwrap().status == PhoneStatus::Reachable
    });
    type_into(&mut harness, "Resync At (HHmm)", "0230");
    harness.get_by_label("Submit 1 change…").click();
    harness.run();
    harness.get_by_label("Send and verify").click();
    harness.run_steps(2);
    wait_for(&mut harness, 60, "Warehouse waiting for idle", |shell| {
        let entry = shell.phones().selected_entry().unwrap();
        entry
            .timeline
            .entries
            .iter()
            .any(|e| e.stage == Stage::WaitingForIdle)
    });
    assert_ne!(
        harness.state().phones().selected_entry().unwrap().status,
        PhoneStatus::Verified,
        "not verified while the call goes on"
    );
    // The person at the desk hangs up: the demo banner plays them.
    harness.get_by_label("End the call on Warehouse").click();
    harness.run_steps(2);
    assert!(!controls[1].call_active(), "the banner ended the call");
    wait_for(
        &mut harness,
        90,
        "Warehouse verified after the call",
        |shell| {
            let entry = shell.phones().selected_entry().unwrap();
            entry.status == PhoneStatus::Verified
                && entry.form.phone_value("Resync_At__HHmm_") == Some("0230")
        },
    );
}

#[test]
fn demo_resync_from_a_missing_profile_shows_the_failure_and_its_reason() {
    use phoneprov::session::PhoneStatus;
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_app(dir.path());
    harness.run();
    wait_for(&mut harness, 20, "Reception read", |shell| {
        shell.phones().selected_entry().unwrap().status == PhoneStatus::Reachable
    });
    // Nothing listens on port 9 of this computer: the phone cannot fetch the profile.
    type_into(&mut harness, "or from:", "http://127.0.0.1:9/missing.xml");
    harness.get_by_label("Resync from URL").click();
    harness.run_steps(2);
    wait_for(&mut harness, 90, "the resync failed", |shell| {
        matches!(
            shell.phones().selected_entry().unwrap().status,
            PhoneStatus::Failed(_)
        )
    });
    harness.get_by_label_contains("FAILED");
    let PhoneStatus::Failed(reason) = &harness.state().phones().selected_entry().unwrap().status
    else {
        unreachable!()
    };
    // The phone's own words: the resync failed, fetching that URL.
    assert!(reason.contains("resync failed"), "{reason}");
    assert!(reason.contains("missing.xml"), "{reason}");
    assert!(harness.get_all_by_label_contains("missing.xml").count() >= 1);
}

#[test]
fn a_value_the_phone_drops_is_marked_on_its_field_and_the_others_confirmed() {
    use phoneprov::session::PhoneStatus;
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, controls) = demo_app_with_controls(dir.path());
    // Reception takes Resync At but silently keeps its own Resync Periodic.
    controls[0].drop_param("Resync_Periodic");
    harness.run();
    wait_for(&mut harness, 20, "Reception read", |shell| {
        shell.phones().selected_entry().unwrap().status == PhoneStatus::Reachable
    });
    replace_in(&mut harness, "Resync Periodic", "3665");
    type_into(&mut harness, "Resync At (HHmm)", "1800");
    harness.get_by_label("Submit 2 changes…").click();
    harness.run();
    harness.get_by_label("Send and verify").click();
    harness.run_steps(2);
    wait_for(&mut harness, 60, "Reception failed", |shell| {
        let entry = shell.phones().selected_entry().unwrap();
        matches!(entry.status, PhoneStatus::Failed(_)) && !entry.form.refused.is_empty()
    });
    let entry = harness.state().phones().selected_entry().unwrap();
    let refusal = &entry.form.refused["Resync_Periodic"];
    assert_eq!(refusal.wanted, "3665");
    assert_eq!(refusal.read_back.as_deref(), Some("3600"));
    assert!(entry.form.confirmed.contains_key("Resync_At__HHmm_"));
    assert_eq!(
        entry.form.edits.get("Resync_Periodic").map(String::as_str),
        Some("3665")
    );
    harness.get_by_label_contains("Not taken: sent 3665, but at");
    assert_eq!(
        harness
            .get_all_by_label_contains("Confirmed by the phone at")
            .count(),
        1
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
fn a_range_larger_than_a_slash_22_is_swept_only_after_asking() {
    // Inside netns-lan: 198.18.0.0/21 is the namespace's /24 and addresses with no route.
    // Outside it this sweep would reach a real network: refuse to run there.
    assert_eq!(
        std::env::var("LAN_CIDR").as_deref(),
        Ok("198.18.0.0/24"),
        "this test sweeps 198.18.0.0/21, so it runs only inside ../shared/tools/netns-lan \
         (scripts/test does that)"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(dir.path(), 1.0);
    harness.run();
    let mut settings = phoneprov::session::Settings::default();
    settings.discovery.mdns = false;
    settings.discovery.neighbours = false;
    settings.discovery.networks = vec!["198.18.0.0/21".to_string()];
    let ctx = harness.ctx.clone();
    harness.state_mut().use_settings(&ctx, settings);
    harness.run();
    harness.get_by_label("Scan the network").click();
    harness.run_steps(2);
    let question = "Sweep 2048 addresses?";
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.query_by_label(question).is_none() {
        assert!(
            Instant::now() < deadline,
            "no question before the large sweep: {}",
            harness.state().activity().to_text(&jiff::tz::TimeZone::UTC)
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.get_by_label("Cancel").click();
    harness.run();
    assert!(harness.query_by_label(question).is_none());
    assert!(
        harness
            .state()
            .activity()
            .entries
            .iter()
            .any(|e| e.message.starts_with("Scan not started")),
        "cancelling says nothing was swept"
    );
    assert!(
        !harness
            .state()
            .activity()
            .entries
            .iter()
            .any(|e| e.message.starts_with("Scan finished")),
        "nothing was swept without the answer"
    );

    // Asked again and confirmed, the sweep runs to its end.
    harness.get_by_label("Scan the network").click();
    harness.run_steps(2);
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.query_by_label("Sweep them").is_none() {
        assert!(Instant::now() < deadline, "no question the second time");
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.get_by_label("Sweep them").click();
    harness.run_steps(2);
    wait_for(&mut harness, 60, "confirmed scan finished", |shell| {
        shell
            .activity()
            .entries
            .iter()
            .any(|e| e.message.starts_with("Scan finished"))
    });
}

#[test]
fn an_imported_files_unknown_names_are_reviewed_before_anything_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(dir.path(), 1.0);
    harness.run();
    add_phone(&mut harness, "198.18.0.12");
    let file = b"<flat-profile><Resync_Periodic>7200</Resync_Periodic>\
        <Resync_At_HHmm_>0230</Resync_At_HHmm_><Other_Model_Setting>1</Other_Model_Setting>\
        </flat-profile>";
    let import = |harness: &mut Harness<'_, Shell>| {
        harness.state_mut().import_file(Path::new("site.xml"), file);
        harness.run();
    };

    import(&mut harness);
    harness.get_by_label_contains("2 name(s) in site.xml are not on");
    harness.get_by_label("Resync_At_HHmm_");
    harness.get_by_label("did you mean `Resync_At__HHmm_`?");
    harness.get_by_label("Other_Model_Setting");
    let edits = |harness: &Harness<'_, Shell>| {
        harness
            .state()
            .phones()
            .selected_entry()
            .unwrap()
            .form
            .edits
            .clone()
    };
    assert!(edits(&harness).is_empty(), "nothing imported yet");

    harness.get_by_label("Cancel import").click();
    harness.run();
    assert!(harness.query_by_label("Cancel import").is_none());
    assert!(edits(&harness).is_empty(), "cancelled: nothing imported");

    import(&mut harness);
    harness
        .get_by_label("Leave them out and import the rest")
        .click();
    harness.run();
    assert!(harness.query_by_label("Cancel import").is_none());
    let edits = edits(&harness);
    assert_eq!(
        edits.get("Resync_Periodic").map(String::as_str),
        Some("7200")
    );
    assert_eq!(edits.len(), 1, "{edits:?}");
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
fn a_scan_that_finds_nothing_says_why_in_the_window() {
    // Inside netns-lan nothing answers in 198.18.0.240/28 (its hosts are .2 to .17).
    assert_eq!(
        std::env::var("LAN_CIDR").as_deref(),
        Ok("198.18.0.0/24"),
        "this test sweeps 198.18.0.240/28, so it runs only inside ../shared/tools/netns-lan \
         (scripts/test does that)"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(dir.path(), 1.0);
    harness.run();
    let mut settings = phoneprov::session::Settings::default();
    settings.discovery.mdns = false;
    settings.discovery.neighbours = false;
    settings.discovery.networks = vec!["198.18.0.240/28".to_string()];
    let ctx = harness.ctx.clone();
    harness.state_mut().use_settings(&ctx, settings);
    harness.run();
    harness.get_by_label("Scan the network").click();
    wait_for(&mut harness, 60, "scan finished", |shell| {
        shell
            .activity()
            .entries
            .iter()
            .any(|e| e.message.starts_with("Scan finished"))
    });
    let notice = harness
        .query_by_label_contains("No host answered on ports 80, 443 in 198.18.0.240/28.")
        .expect("the notice bar says why nothing was found");
    // A label's text is its AccessKit value; other widgets carry a label.
    let node = notice.accesskit_node();
    let text = [node.value(), node.label()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.starts_with("⚠ No phone found."), "{text}");
    assert!(text.contains("web server may be off"), "{text}");
    assert!(text.contains("route"), "ranges were given: {text}");
}
