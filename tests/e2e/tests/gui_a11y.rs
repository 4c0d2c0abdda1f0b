//! Keyboard and screen-reader access to the window, checked through its AccessKit tree (what
//! screen readers and UI automation read) with egui_kittest, on the demo window:
//! - Tab from a fresh window reaches every enabled control exactly once, in reading order
//!   (top bar, phone list, form top to bottom, resync status), and wraps; Shift+Tab walks the
//!   same ring backwards; each focused control is on screen (scrolled into view);
//! - the same with a group opened, and inside each dialog, which takes focus when it opens
//!   and gives it back to the control that opened it when it closes;
//! - every control and container has a name in words (no glyphs, no line breaks); menus,
//!   groups and choice lists expose their states and values; fields carry their help as the
//!   description; the keyboard shortcuts work.

use std::time::{Duration, Instant};

use egui::accesskit::{Action, HasPopup, NodeId, Role};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use phoneprov::gui::Shell;
use phoneprov::session::PhoneStatus;

mod gui_common;
use gui_common::wait_for;
use gui_common::{DemoWindow, demo_app};

const WINDOW: [f32; 2] = [1280.0, 900.0];

/// One focus stop: the control's node, role, name and place on screen.
#[derive(Debug, Clone)]
struct Stop {
    id: NodeId,
    role: Role,
    name: String,
    rect: egui::Rect,
}

impl PartialEq for Stop {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

fn stop(node: &egui_kittest::Node<'_>) -> Stop {
    let data = node.accesskit_node();
    Stop {
        id: data.locate().0,
        role: data.role(),
        name: data.label().unwrap_or_default(),
        rect: node.rect(),
    }
}

/// The demo window with Reception read and nothing running: a settled window.
fn settled_demo() -> (tempfile::TempDir, Harness<'static, Shell>) {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _) = demo_app(
        dir.path(),
        DemoWindow {
            size: WINDOW,
            ..DemoWindow::default()
        },
    );
    harness.run_steps(2);
    wait_for(&mut harness, 20, "Reception read", |shell| {
        shell.phones().selected_entry().unwrap().status == PhoneStatus::Reachable
    });
    harness.run();
    (dir, harness)
}

/// Every enabled control that takes keyboard focus, under `within` (a node) or in the whole
/// window.
fn enabled_controls(harness: &Harness<'_, Shell>, within: Option<NodeId>) -> Vec<Stop> {
    harness
        .root()
        .children_recursive()
        .filter(|node| {
            let data = node.accesskit_node();
            data.data().supports_action(Action::Focus)
                && !data.is_disabled()
                && within.is_none_or(|parent| {
                    let mut up = node.parent();
                    while let Some(ancestor) = up {
                        if ancestor.accesskit_node().locate().0 == parent {
                            return true;
                        }
                        up = ancestor.parent();
                    }
                    false
                })
        })
        .map(|node| stop(&node))
        .collect()
}

fn focused(harness: &Harness<'_, Shell>) -> Option<Stop> {
    harness
        .root()
        .children_recursive()
        .find(|node| node.is_focused())
        .map(|node| stop(&node))
}

/// Presses Tab (or Shift+Tab) until focus comes back to the first control it reached;
/// returns the ring of controls. Fails on a keyboard trap (focus that stays put) and on a
/// control that is focused off screen.
fn focus_ring(harness: &mut Harness<'_, Shell>, backwards: bool, visible: egui::Rect) -> Vec<Stop> {
    let modifiers = if backwards {
        egui::Modifiers::SHIFT
    } else {
        egui::Modifiers::NONE
    };
    let mut ring: Vec<Stop> = Vec::new();
    for _ in 0..400 {
        harness.key_press_modifiers(modifiers, egui::Key::Tab);
        harness.run();
        let Some(now) = focused(harness) else {
            panic!(
                "Tab left nothing focused after {:?}",
                ring.last().map(|s| &s.name)
            );
        };
        if ring.first() == Some(&now) {
            return ring;
        }
        if let Some(last) = ring.last() {
            assert!(
                *last != now,
                "keyboard trap: {} ({:?}) keeps focus on {}Tab",
                now.name,
                now.role,
                if backwards { "Shift+" } else { "" }
            );
        }
        assert!(
            !ring.contains(&now),
            "{} reached twice before focus wrapped: {:?}",
            now.name,
            names(&ring)
        );
        assert!(
            visible.contains_rect(now.rect.shrink(1.0)),
            "{} ({:?}) has focus but is not on screen: {:?} outside {visible:?}",
            now.name,
            now.role,
            now.rect
        );
        ring.push(now);
    }
    panic!("focus never wrapped: {:?}", names(&ring));
}

fn names(stops: &[Stop]) -> Vec<String> {
    stops
        .iter()
        .map(|s| format!("{:?} {}", s.role, s.name))
        .collect()
}

/// Every control in `expected` is in `ring` exactly once (the ring has no duplicates).
fn assert_reaches_all(ring: &[Stop], expected: &[Stop]) {
    let missing: Vec<&Stop> = expected.iter().filter(|s| !ring.contains(s)).collect();
    let extra: Vec<&Stop> = ring.iter().filter(|s| !expected.contains(s)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "Tab missed {:?}; reached controls that are not there {:?}",
        missing
            .iter()
            .map(|s| format!("{:?} {}", s.role, s.name))
            .collect::<Vec<_>>(),
        extra.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    assert_eq!(ring.len(), expected.len());
}

/// Shift+Tab walks the Tab ring backwards.
fn assert_reverse(forward: &[Stop], backward: &[Stop]) {
    assert_eq!(forward.len(), backward.len(), "{:?}", names(backward));
    let n = forward.len();
    for pair in backward.windows(2) {
        let at = forward.iter().position(|s| *s == pair[0]).unwrap();
        let previous = &forward[(at + n - 1) % n];
        assert_eq!(
            *previous, pair[1],
            "Shift+Tab from {} went to {}, Tab order has {} before it",
            pair[0].name, pair[1].name, previous.name
        );
    }
}

/// The window's regions in reading order, bounded by the two resize handles (each as tall
/// as the side panels).
struct Regions {
    panels_top: f32,
    phones_right: f32,
    status_left: f32,
}

impl Regions {
    fn of(harness: &Harness<'_, Shell>) -> Self {
        let handle = |name: &str| {
            let node = harness.get_by_label(name);
            assert_eq!(node.accesskit_node().role(), Role::Splitter);
            node.rect()
        };
        let phones = handle("Resize the phone list");
        let status = handle("Resize the resync status");
        Regions {
            panels_top: phones.min.y,
            phones_right: phones.center().x,
            status_left: status.center().x,
        }
    }

    /// The place of a control in reading order: top bar, phone list (then its resize
    /// handle), form, resync status (then its resize handle).
    fn rank(&self, stop: &Stop) -> u8 {
        let centre = stop.rect.center();
        if stop.role == Role::Splitter {
            return if (centre.x - self.phones_right).abs() < 1.0 {
                2
            } else {
                5
            };
        }
        if centre.y < self.panels_top {
            0
        } else if centre.x < self.phones_right {
            1
        } else if centre.x < self.status_left {
            3
        } else {
            4
        }
    }
}

/// `b` comes before `a` when read top to bottom, left to right.
fn reads_before(b: egui::Rect, a: egui::Rect) -> bool {
    let tolerance = 2.0;
    let above = b.max.y <= a.min.y + tolerance;
    let overlap = b.y_range().intersection(a.y_range()).span();
    let same_line = overlap >= 0.5 * b.height().min(a.height());
    above || (same_line && b.max.x <= a.min.x + tolerance)
}

fn assert_reading_order(regions: &Regions, ring: &[Stop]) {
    for pair in ring.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let (ra, rb) = (regions.rank(a), regions.rank(b));
        assert!(
            ra <= rb,
            "Tab goes from {} (region {ra}) back to {} (region {rb}): {:?}",
            a.name,
            b.name,
            names(ring)
        );
        if ra == rb {
            assert!(
                !reads_before(b.rect, a.rect),
                "Tab goes from {} {:?} to {} {:?}, which is read before it",
                a.name,
                a.rect,
                b.name,
                b.rect
            );
        }
    }
}

/// The whole window: Tab with nothing focused, then Shift+Tab: in reading order, all reached.
fn check_window_ring(harness: &mut Harness<'_, Shell>) {
    // Escape takes focus away: Tab starts from the top again.
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert!(focused(harness).is_none());
    let expected = enabled_controls(harness, None);
    // Above the status bar, where the side panels end.
    let bottom = harness.get_by_label("Resize the phone list").rect().max.y;
    let visible = egui::Rect::from_min_max(egui::Pos2::ZERO, egui::pos2(WINDOW[0], bottom));
    let forward = focus_ring(harness, false, visible);
    assert_reaches_all(&forward, &expected);
    let regions = Regions::of(harness);
    assert_reading_order(&regions, &forward);
    let backward = focus_ring(harness, true, visible);
    assert_reverse(&forward, &backward);
}

#[test]
fn tab_reaches_every_control_once_in_reading_order_and_wraps() {
    let (_dir, mut harness) = settled_demo();
    assert!(
        focused(&harness).is_none(),
        "a fresh window focuses nothing"
    );
    // Some fields start below the fold: the ring checks each is on screen when focused.
    let below: Vec<String> = enabled_controls(&harness, None)
        .into_iter()
        .filter(|s| s.rect.min.y > WINDOW[1])
        .map(|s| s.name)
        .collect();
    assert!(!below.is_empty(), "no field starts below the fold");
    check_window_ring(&mut harness);
}

#[test]
fn tab_reaches_every_control_with_a_group_opened() {
    let (_dir, mut harness) = settled_demo();
    let before = enabled_controls(&harness, None).len();
    // Below the fold: focused (and so scrolled into view), then opened with Space.
    // Its fields are editable (Firmware Upgrade's are read-only: no controls).
    harness.get_by_label("General Purpose Parameters").focus();
    harness.run();
    open_group(&mut harness);
    assert!(
        enabled_controls(&harness, None).len() > before,
        "opening the group adds its fields"
    );
    check_window_ring(&mut harness);
}

/// The control (a node that takes focus) named `name`: a menu is named by its button too.
fn control_id(harness: &Harness<'_, Shell>, name: &str) -> NodeId {
    harness
        .root()
        .children_recursive()
        .find(|n| {
            let data = n.accesskit_node();
            data.data().supports_action(Action::Focus) && data.label().as_deref() == Some(name)
        })
        .unwrap_or_else(|| panic!("no control named {name}"))
        .accesskit_node()
        .locate()
        .0
}

/// Presses Space on the focused group header and lets it open (its opening is animated).
fn open_group(harness: &mut Harness<'_, Shell>) {
    harness.key_press(egui::Key::Space);
    harness.run();
    for _ in 0..10 {
        harness.step();
    }
    harness.run();
}

/// The dialog named `title`.
fn dialog_id(harness: &Harness<'_, Shell>, title: &str) -> NodeId {
    harness
        .root()
        .children_recursive()
        .find(|n| {
            n.accesskit_node().role() == Role::Dialog
                && n.accesskit_node().label().as_deref() == Some(title)
        })
        .unwrap_or_else(|| panic!("no dialog named {title}"))
        .accesskit_node()
        .locate()
        .0
}

/// A dialog opened from the control named `opener` by keyboard: it takes focus, Tab and
/// Shift+Tab go round its controls only, Escape closes it and focus is back on `returns_to`
/// (the opener, or the menu an opening menu item was in).
fn check_dialog(
    harness: &mut Harness<'_, Shell>,
    opener: &str,
    title: &str,
    first: &str,
    returns_to: &str,
) {
    let returns_to_id = control_id(harness, returns_to);
    harness.get_by_label(opener).focus();
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
    let dialog = dialog_id(harness, title);
    let now = focused(harness).expect("the dialog took focus");
    assert_eq!(now.name, first, "{title}: focus on opening");
    let expected = enabled_controls(harness, Some(dialog));
    assert!(expected.contains(&now));
    let visible = egui::Rect::from_min_size(egui::Pos2::ZERO, WINDOW.into());
    let forward = focus_ring(harness, false, visible);
    assert_reaches_all(&forward, &expected);
    let backward = focus_ring(harness, true, visible);
    assert_reverse(&forward, &backward);
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert!(
        harness
            .root()
            .children_recursive()
            .all(|n| n.accesskit_node().role() != Role::Dialog),
        "{title} closed"
    );
    assert_eq!(
        focused(harness).map(|s| s.id),
        Some(returns_to_id),
        "focus went back to {returns_to} when {title} closed"
    );
}

#[test]
fn dialogs_take_focus_keep_tab_inside_and_give_focus_back() {
    let (_dir, mut harness) = settled_demo();
    check_dialog(
        &mut harness,
        "Password…",
        "Password for Reception",
        "User:",
        "Password…",
    );
    // A change, so Submit opens the review.
    harness.get_by_label("Resync At (HHmm)").focus();
    harness.run();
    harness.get_by_label("Resync At (HHmm)").type_text("0230");
    harness.run();
    check_dialog(
        &mut harness,
        "Submit 1 change…",
        "Send 1 change(s) to Reception?",
        "Send and verify",
        "Submit 1 change…",
    );
    // Settings, from the File menu.
    harness.get_by_label("File").click();
    harness.run();
    check_dialog(
        &mut harness,
        "Settings…",
        "Settings",
        "Follow the system",
        "File",
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
fn the_large_scan_question_takes_focus_and_gives_it_back() {
    // The question comes before anything is swept; the range is the namespace's own.
    assert_eq!(
        std::env::var("LAN_CIDR").as_deref(),
        Ok("198.18.0.0/24"),
        "this test asks about sweeping 198.18.0.0/21, so it runs only inside \
         ../shared/tools/netns-lan (scripts/test does that)"
    );
    // Not the demo: its scans look only at the demo phones.
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let file = phoneprov::session::StateFile::in_dir(dir.path());
    let mut harness = Harness::builder()
        .with_size(WINDOW)
        .with_max_steps(30)
        .build_eframe(move |cc| Shell::new(&cc.egui_ctx, runtime, Ok(file)));
    harness.run();
    let mut settings = phoneprov::session::Settings::default();
    settings.discovery.mdns = false;
    settings.discovery.neighbours = false;
    settings.discovery.networks = vec!["198.18.0.0/21".to_string()];
    let ctx = harness.ctx.clone();
    harness.state_mut().use_settings(&ctx, settings);
    harness.run();
    let opener = harness
        .get_by_label("Scan the network")
        .accesskit_node()
        .locate()
        .0;
    harness.get_by_label("Scan the network").focus();
    harness.run();
    harness.key_press(egui::Key::Enter);
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.query_by_label("Sweep them").is_none() {
        assert!(
            Instant::now() < deadline,
            "no question before the large sweep"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run();
    let dialog = dialog_id(&harness, "Sweep 2048 addresses?");
    assert_eq!(focused(&harness).unwrap().name, "Sweep them");
    let expected = enabled_controls(&harness, Some(dialog));
    let visible = egui::Rect::from_min_size(egui::Pos2::ZERO, WINDOW.into());
    let forward = focus_ring(&mut harness, false, visible);
    assert_reaches_all(&forward, &expected);
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert_eq!(focused(&harness).map(|s| s.id), Some(opener));
}

/// A decorative glyph: arrows, technical and geometric symbols, dingbats, emoji.
fn is_glyph(c: char) -> bool {
    matches!(u32::from(c),
        0x2190..=0x21FF | 0x2300..=0x23FF | 0x25A0..=0x27BF | 0x27F0..=0x27FF
        | 0x2900..=0x2BFF | 0x1F000..=0x1FAFF)
}

#[test]
fn every_control_and_container_is_named_in_words_with_its_state() {
    let (_dir, mut harness) = settled_demo();
    let check_names = |harness: &Harness<'_, Shell>| {
        let mut splitters = Vec::new();
        for node in harness.root().children_recursive() {
            let data = node.accesskit_node();
            let role = data.role();
            let control = data.data().supports_action(Action::Focus)
                || data.data().supports_action(Action::Click);
            let container = matches!(
                role,
                Role::Window
                    | Role::Dialog
                    | Role::Menu
                    | Role::MenuBar
                    | Role::Pane
                    | Role::ListBox
            );
            // A label's name is its text (its value), checked by what it says elsewhere.
            if role == Role::Label || !(control || container) {
                continue;
            }
            let name = data.label().unwrap_or_default();
            assert!(!name.trim().is_empty(), "a {role:?} has no name: {node:?}");
            assert!(
                !name.contains('\n') && !name.chars().any(is_glyph),
                "{role:?} {name:?} is not named in words"
            );
            if role == Role::Splitter {
                assert!(
                    !splitters.contains(&name),
                    "two resize handles named {name}"
                );
                splitters.push(name);
            }
        }
    };
    check_names(&harness);
    // The window and the phone row, in words.
    assert_eq!(
        harness.root().accesskit_node().label().as_deref(),
        Some("phoneprov")
    );
    let row = harness.get_by_label_contains("Reception, reachable, CP-8861-3PCC, 127.0.0.1:");
    assert!(row.accesskit_node().label().unwrap().contains("firmware"));

    // The menu: a menu bar, File a menu item with a popup and its expanded state.
    let menu_bar = harness.get_by_role(Role::MenuBar);
    assert_eq!(
        menu_bar.accesskit_node().label().as_deref(),
        Some("Menu bar")
    );
    let file = harness.get_by_label("File");
    assert_eq!(file.accesskit_node().role(), Role::MenuItem);
    assert_eq!(
        file.accesskit_node().data().has_popup(),
        Some(HasPopup::Menu)
    );
    assert_eq!(file.accesskit_node().data().is_expanded(), Some(false));
    file.click();
    harness.run();
    let file = harness
        .root()
        .children_recursive()
        .find(|n| {
            n.accesskit_node().role() == Role::MenuItem
                && n.accesskit_node().label().as_deref() == Some("File")
        })
        .unwrap();
    assert_eq!(file.accesskit_node().data().is_expanded(), Some(true));
    let menu = harness.get_by_role(Role::Menu);
    assert_eq!(menu.accesskit_node().label().as_deref(), Some("File"));
    let items: Vec<String> = menu
        .children_recursive()
        .filter(|n| n.accesskit_node().role() == Role::MenuItem)
        .map(|n| n.accesskit_node().label().unwrap_or_default())
        .collect();
    assert!(items.contains(&"Settings…".to_string()), "{items:?}");
    assert!(items.contains(&"Quit".to_string()), "{items:?}");
    let buttons_in_menu = menu
        .children_recursive()
        .filter(|n| n.accesskit_node().role() == Role::Button)
        .count();
    assert_eq!(buttons_in_menu, 0, "every entry of File is a menu item");
    check_names(&harness);
    harness.key_press(egui::Key::Escape);
    harness.run();

    // Groups say whether they are open: expanded, and pressed for AT-SPI (its adapter
    // passes no expanded state on).
    let group = |harness: &Harness<'_, Shell>, name: &str| {
        let node = harness.get_by_label(name);
        let data = node.accesskit_node().data().clone();
        let pressed = data.toggled() == Some(egui::accesskit::Toggled::True);
        assert_eq!(
            data.is_expanded(),
            Some(pressed),
            "{name}: expanded and pressed agree"
        );
        data.is_expanded()
    };
    assert_eq!(group(&harness, "Configuration Profile"), Some(true));
    assert_eq!(group(&harness, "Firmware Upgrade"), Some(false));
    harness.get_by_label("Firmware Upgrade").focus();
    harness.run();
    open_group(&mut harness);
    assert_eq!(group(&harness, "Firmware Upgrade"), Some(true));

    // A choice list has its value; a field its help, unit and range as its description.
    let choice = harness.get_by_label("Profile Authentication Type");
    assert_eq!(choice.accesskit_node().role(), Role::ComboBox);
    assert!(
        choice
            .accesskit_node()
            .value()
            .is_some_and(|v| !v.is_empty())
    );
    let periodic = harness.get_by_label("Resync Random Delay");
    let description = periodic.accesskit_node().description().unwrap_or_default();
    assert!(
        description.contains("Unit: × 20 seconds")
            && description.contains("Accepts a whole number"),
        "{description}"
    );
}

#[test]
fn shortcuts_focus_the_filter_read_again_and_open_the_review() {
    let (_dir, mut harness) = settled_demo();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    harness.run();
    assert_eq!(focused(&harness).unwrap().name, "Filter:");
    // Screen readers announce each shortcut with its control.
    for (control, keys) in [
        ("Filter:", "Ctrl+F"),
        ("Read the phone again", "F5"),
        ("Submit…", "Ctrl+Enter"),
    ] {
        assert_eq!(
            harness
                .get_by_label(control)
                .accesskit_node()
                .data()
                .keyboard_shortcut(),
            Some(keys),
            "{control}"
        );
    }

    let reads = |shell: &Shell| {
        shell
            .activity()
            .entries
            .iter()
            .filter(|e| e.message.starts_with("Read the phone:"))
            .count()
    };
    let before = reads(harness.state());
    harness.key_press(egui::Key::F5);
    harness.run_steps(2);
    wait_for(&mut harness, 20, "read again", |shell| {
        reads(shell) > before
    });

    // Nothing to review yet: the shortcut does what the disabled Submit does, nothing.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    harness.run();
    assert!(harness.query_by_role(Role::Dialog).is_none());
    harness.get_by_label("Resync At (HHmm)").focus();
    harness.run();
    harness.get_by_label("Resync At (HHmm)").type_text("0230");
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    harness.run();
    dialog_id(&harness, "Send 1 change(s) to Reception?");
}
