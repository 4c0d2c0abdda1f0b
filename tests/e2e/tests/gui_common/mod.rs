//! Shared helpers for the UI tests: the app's `Shell` wired to the in-process demo phones and a
//! real engine, driven by egui_kittest.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phoneprov::gui::Shell;
use phoneprov::gui::demo::DEMO_PHONE_COUNT;
use phoneprov::session::credentials::MemorySecretStore;
use phoneprov::session::{Settings, StateFile, ThemeChoice};

/// How the demo window is built.
pub struct DemoWindow {
    pub size: [f32; 2],
    /// Where the demo phones listen; `None`: free ports on 127.0.0.1.
    pub listen: Option<[SocketAddr; DEMO_PHONE_COUNT]>,
    /// Light or dark, for the app and the harness alike; `None`: the app's own setting.
    pub theme: Option<ThemeChoice>,
    /// Render with wgpu (for image snapshots); otherwise no GPU is used.
    pub render: bool,
}

impl Default for DemoWindow {
    fn default() -> Self {
        DemoWindow {
            size: [1280.0, 900.0],
            listen: None,
            theme: None,
            render: false,
        }
    }
}

/// The demo wired to a real engine, with its state in `dir`, and a control handle per demo
/// phone (start/end calls), in list order.
pub fn demo_app(
    dir: &Path,
    window: DemoWindow,
) -> (Harness<'static, Shell>, Vec<phone_sim::PhoneControl>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let phones = match window.listen {
        Some(listen) => runtime.block_on(phoneprov::gui::demo::start_at(listen)),
        None => runtime.block_on(phoneprov::gui::demo::start()),
    }
    .unwrap();
    let controls = phones.running().iter().map(|p| p.control()).collect();
    let demo_dir = tempfile::tempdir().unwrap();
    let engine = phoneprov::provision::Engine::open(&dir.join("engine")).unwrap();
    let file = StateFile::in_dir(dir);
    let mut builder = Harness::builder().with_size(window.size).with_max_steps(30);
    if let Some(theme) = window.theme {
        builder = builder.with_theme(match theme {
            ThemeChoice::Light => egui::Theme::Light,
            _ => egui::Theme::Dark,
        });
    }
    if window.render {
        builder = builder.wgpu();
    }
    let theme = window.theme;
    let harness = builder.build_eframe(move |cc| {
        let mut shell = Shell::new(&cc.egui_ctx, runtime, Ok(file));
        shell.use_secret_store(Arc::new(MemorySecretStore::default()));
        if let Some(theme) = theme {
            shell.use_settings(
                &cc.egui_ctx,
                Settings {
                    theme,
                    ..Settings::default()
                },
            );
        }
        shell.start_demo(phones, demo_dir);
        shell.use_engine(Arc::new(engine));
        shell
    });
    (harness, controls)
}

/// Clicks the field named `label` and types `text` into it (scrolled into view first: a
/// field below the fold cannot be clicked).
pub fn type_into(harness: &mut Harness<'_, Shell>, label: &str, text: &str) {
    harness.get_by_label(label).scroll_to_me();
    // Until the scroll has settled: a click lands where the field is drawn.
    harness.run();
    let field = harness.get_by_label(label);
    field.click();
    field.type_text(text);
    harness.run();
}

/// Empties the field named `label` (focus, select all, delete).
pub fn clear_field(harness: &mut Harness<'_, Shell>, label: &str) {
    harness.get_by_label(label).focus();
    harness.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    harness.key_press(egui::Key::Backspace);
    harness.run_steps(2);
}

/// Replaces what the field named `label` holds with `text`.
pub fn replace_in(harness: &mut Harness<'_, Shell>, label: &str, text: &str) {
    clear_field(harness, label);
    type_into(harness, label, text);
}

/// Steps the UI until `done` holds, for at most `seconds` of wall time; on time-out the
/// failure shows the run on many phones (if any) and the activity log.
pub fn wait_for(
    harness: &mut Harness<'_, Shell>,
    seconds: u64,
    what: &str,
    done: impl Fn(&Shell) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        harness.step();
        if done(harness.state()) {
            // A spinner may still turn (e.g. the follow-up read): step, do not wait to settle.
            harness.run_steps(2);
            return;
        }
        if Instant::now() > deadline {
            let run = harness
                .state()
                .run()
                .map(|r| r.lines().join("\n"))
                .unwrap_or_default();
            panic!(
                "{what}: not within {seconds} s.\nRun:\n{run}\nActivity:\n{}",
                harness.state().activity().to_text(&jiff::tz::TimeZone::UTC)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
