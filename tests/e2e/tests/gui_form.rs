//! UI flows of the desktop app, driven through its AccessKit tree with egui_kittest: the real
//! `Shell` with its own state file, no window and no GPU. Every `run()` also checks that
//! every input widget on screen has a screen-reader name.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phoneprov::gui::Shell;
use phoneprov::session::StateFile;

fn app(dir: &Path, pixels_per_point: f32) -> Harness<'static, Shell> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let file = StateFile::in_dir(dir);
    Harness::builder()
        .with_size([1280.0, 900.0])
        .with_pixels_per_point(pixels_per_point)
        .build_eframe(move |cc| Shell::new(&cc.egui_ctx, runtime, Ok(file)))
}

fn type_into(harness: &mut Harness<'_, Shell>, label: &str, text: &str) {
    let field = harness.get_by_label(label);
    field.click();
    field.type_text(text);
    harness.run();
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
    harness.get_by_label("Add by address:").focus();
    harness.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    harness.key_press(egui::Key::Backspace);
    harness.run();

    add_phone(&mut harness, "198.18.0.11");
    // Only what is real: the phone was not contacted, and the list says so.
    harness.get_by_label_contains("198.18.0.11  Not yet contacted");
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
    harness.get_by_label_contains("Lobby  Not yet contacted");
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
    harness.get_by_label("🔑 Password…").click();
    harness.run();
    type_into(&mut harness, "Password:", "hunter2-secret");
    harness.get_by_label("Save").click();
    harness.run();
    let deadline = Instant::now() + Duration::from_secs(10);
    let login = loop {
        harness.step();
        if let Some(login) = login_for(store.as_ref(), "http://198.18.0.15").unwrap() {
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
        .build_eframe(move |cc| {
            let mut shell = Shell::new(&cc.egui_ctx, runtime, Ok(file));
            shell.start_demo(phones, demo_dir);
            shell
        });
    harness.run();
    for name in ["Reception", "Warehouse", "Manager", "Lobby SPA"] {
        // Shown by name and, honestly, as not contacted until the app has talked to them.
        harness.get_by_label_contains(&format!("{name}  Not yet contacted"));
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
        .get_by_label_contains("198.18.0.21  Not yet contacted")
        .click();
    harness.run();
    let selected = |harness: &Harness<'_, Shell>| {
        harness
            .state()
            .phones()
            .selected_entry()
            .unwrap()
            .address
            .to_string()
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
            .get_by_label_contains("198.18.0.22  Not yet contacted")
            .is_focused()
    );
}
