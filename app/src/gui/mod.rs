//! The desktop app (egui/eframe): phones list, Configuration Profile form, resync status.
//!
//! Design: panel functions take the state they draw (`&mut`) and return [`Intent`]s; only
//! [`shell::Shell`] turns intents into state changes and background work on its own tokio
//! runtime; one-shot results come back in promises, streams through
//! [`background::Reporter`], and either wakes the window. The view model itself lives in
//! [`crate::session`] and knows nothing of egui. See `docs/desktop-app.md`.

pub mod a11y;
pub mod background;
pub mod credentials_dialog;
#[cfg(feature = "demo")]
pub mod demo;
pub mod engine_link;
pub mod files;
pub mod form_panel;
pub mod history_panel;
pub mod import_review;
pub mod intent;
pub mod large_scan_dialog;
pub mod menu;
pub mod phones_panel;
pub mod profile_panel;
pub mod readiness_panel;
pub mod restore_review;
pub mod review;
pub mod run_panel;
pub mod scan_link;
pub mod settings_window;
pub mod shell;
pub mod shortcuts;
pub mod sighting_link;
pub mod site_form;
pub mod site_review;
pub mod style;
pub mod timeline_panel;
pub mod widgets;

use std::process::ExitCode;

pub use intent::Intent;
pub use shell::Shell;

use crate::session::{StateFile, persist};

/// The window's icon: `assets/phoneprov.svg` rendered at 256 px, the same file the packages
/// install as the hicolor icon (`packaging/render-icons` makes it).
const WINDOW_ICON_PNG: &[u8] =
    include_bytes!("../../../assets/icons/hicolor/256x256/apps/io.github.phoneprov.PhoneProv.png");

/// The exit status when the window could not open (its workers, the demo or the display):
/// 2, what the command line returns for an I/O problem.
fn could_not_start() -> ExitCode {
    ExitCode::from(2)
}

/// How the window starts.
#[derive(Debug, Clone, Default)]
pub struct GuiOptions {
    /// Start emulated phones in-process and show only them (`phoneprov --demo`; needs the
    /// `demo` feature).
    pub demo: bool,
}

/// `--demo`: the running emulated phones and their throwaway state directory.
#[cfg(feature = "demo")]
type Demo = (demo::DemoPhones, tempfile::TempDir);
/// A build without the `demo` feature has no emulated phones.
#[cfg(not(feature = "demo"))]
type Demo = std::convert::Infallible;

/// Opens the window and runs until it is closed.
pub fn run(options: GuiOptions) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("phoneprov-bg")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("phoneprov: could not start background workers: {error}");
            return could_not_start();
        }
    };
    // The demo keeps its state in a throwaway directory: the technician's saved phones and
    // edits are never mixed with emulated ones.
    let demo = if options.demo {
        match start_demo(&runtime) {
            Ok(demo) => Some(demo),
            Err(problem) => {
                eprintln!("phoneprov: {problem}");
                return could_not_start();
            }
        }
    } else {
        None
    };
    let (state_file, window_memory) = match &demo {
        #[cfg(feature = "demo")]
        Some((_, dir)) => (
            Ok(StateFile::in_dir(dir.path())),
            Some(dir.path().join("window.ron")),
        ),
        _ => (
            StateFile::default_location(),
            persist::config_dir().ok().map(|dir| dir.join("window.ron")),
        ),
    };
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("phoneprov")
        .with_app_id(crate::APP_ID)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([720.0, 480.0]);
    // The same picture the desktop file installs (packaging/); a window without it is still fine.
    match eframe::icon_data::from_png_bytes(WINDOW_ICON_PNG) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(error) => log::warn!("window icon not used: {error}"),
    }
    let native_options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport,
        persistence_path: window_memory,
        ..Default::default()
    };
    let result = eframe::run_native(
        "phoneprov",
        native_options,
        Box::new(move |cc| Ok(Box::new(open_shell(cc, runtime, state_file, demo)))),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "phoneprov: could not open the window: {error}. The command-line subcommands \
                 work without a display; see `phoneprov --help`."
            );
            could_not_start()
        }
    }
}

/// Starts the demo phones and the directory that keeps the demo's state.
#[cfg(feature = "demo")]
fn start_demo(runtime: &tokio::runtime::Runtime) -> Result<Demo, String> {
    let dir = tempfile::Builder::new()
        .prefix("phoneprov-demo-")
        .tempdir()
        .map_err(|error| format!("could not make a directory for the demo: {error}"))?;
    let phones = runtime
        .block_on(demo::start())
        .map_err(|error| format!("could not start the demo phones: {error}"))?;
    Ok((phones, dir))
}

/// This build has no demo phones.
#[cfg(not(feature = "demo"))]
fn start_demo(_: &tokio::runtime::Runtime) -> Result<Demo, String> {
    Err("this build has no demo (built without the `demo` feature)".to_string())
}

/// The shell with its engine, the known-phones file and (in the demo) the demo phones.
fn open_shell(
    cc: &eframe::CreationContext<'_>,
    runtime: tokio::runtime::Runtime,
    state_file: Result<StateFile, crate::session::PersistError>,
    demo: Option<Demo>,
) -> Shell {
    // The engine keeps snapshots and trusted certificates; the demo's go with its
    // throwaway directory.
    let engine = match &demo {
        #[cfg(feature = "demo")]
        Some((_, dir)) => crate::provision::Engine::open(&dir.path().join("data")),
        _ => crate::provision::Engine::open_default(),
    };
    let mut shell = Shell::new(&cc.egui_ctx, runtime, state_file);
    match crate::discovery::KnownPhones::default_path() {
        Ok(path) => shell.use_known_phones(path),
        Err(error) => log::warn!("known phones not shared with the CLI: {error}"),
    }
    #[cfg(feature = "demo")]
    if let Some((phones, dir)) = demo {
        // The demo's phones are throwaway, but the technician's theme and text size still
        // apply (read only; the demo never writes the real settings).
        if let Some(saved) = StateFile::default_location().ok().and_then(|f| f.peek()) {
            shell.use_settings(&cc.egui_ctx, saved.settings);
        }
        shell.start_demo(phones, dir);
    }
    match engine {
        Ok(engine) => shell.use_engine(std::sync::Arc::new(engine)),
        Err(error) => shell.show_notice(format!("phoneprov cannot talk to phones: {error}")),
    }
    shell
}
