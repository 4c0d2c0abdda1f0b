//! Snapshot images of the main window with the demo phones, light and dark, rendered by wgpu
//! (on a machine without a GPU: Mesa's lavapipe, installed by `.ci/run`). The images are
//! committed in `tests/e2e/tests/snapshots/`; a change to the look fails here until they are
//! renewed on purpose with `UPDATE_SNAPSHOTS=1 scripts/test` and looked at.
//!
//! The demo phones listen on fixed loopback addresses and have fixed MACs, so every run draws
//! the same window but for the clock: text that shows a time of day (the activity line, the
//! phone's reboot record) is painted over before the comparison, found by its AccessKit label.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::kittest::{By, Queryable};
use egui_kittest::{Harness, SnapshotOptions};
use phoneprov::gui::Shell;
use phoneprov::gui::demo::DEMO_PHONE_COUNT;
use phoneprov::session::{PhoneStatus, ThemeChoice};

mod gui_common;
use gui_common::{DemoWindow, type_into};

/// Loopback addresses no other test uses, one per demo phone.
fn demo_addresses(first: u8) -> [SocketAddr; DEMO_PHONE_COUNT] {
    std::array::from_fn(|index| {
        let last = first + u8::try_from(index).unwrap();
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)), 8080)
    })
}

fn demo_app(dir: &Path, first_address: u8, theme: ThemeChoice) -> Harness<'static, Shell> {
    let window = DemoWindow {
        size: [1280.0, 820.0],
        listen: Some(demo_addresses(first_address)),
        theme: Some(theme),
        render: true,
    };
    gui_common::demo_app(dir, window).0
}

/// Steps the UI until the selected demo phone has been read, for at most 20 s of wall time.
fn wait_until_read(harness: &mut Harness<'_, Shell>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        harness.step();
        let read = harness
            .state()
            .phones()
            .selected_entry()
            .is_some_and(|entry| entry.status == PhoneStatus::Reachable);
        if read {
            harness.run();
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the demo phone was not read within 20 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `text` holds a time of day (`08:17:35`) or a date (`12/03/26`).
fn shows_the_clock(text: &str) -> bool {
    text.as_bytes().windows(8).any(|w| {
        let digits = |i: usize| w[i].is_ascii_digit() && w[i + 1].is_ascii_digit();
        matches!(w[2], b':' | b'/') && w[5] == w[2] && digits(0) && digits(3) && digits(6)
    })
}

/// Renders the window, paints over every text that shows the clock, and compares the image
/// with the committed snapshot `name`.
fn snapshot_without_the_clock(harness: &mut Harness<'_, Shell>, name: &str) {
    let scale = harness.ctx.pixels_per_point();
    let clock_rects: Vec<egui::Rect> = harness
        .query_all(By::new().predicate(|node| {
            // A label's text is its AccessKit value; other widgets carry a label.
            [node.value(), node.label()]
                .iter()
                .flatten()
                .any(|text| shows_the_clock(text))
        }))
        .map(|node| node.rect())
        .collect();
    assert!(
        !clock_rects.is_empty(),
        "the activity line shows a time; if it no longer does, this masking can go"
    );
    let mut image = harness.render().expect("render the window with wgpu");
    let grey = image::Rgba([128, 128, 128, 255]);
    for rect in clock_rects {
        let (x0, y0) = ((rect.min.x * scale) as u32, (rect.min.y * scale) as u32);
        let (x1, y1) = (
            (rect.max.x * scale).ceil() as u32,
            (rect.max.y * scale).ceil() as u32,
        );
        for y in y0..y1.min(image.height()) {
            for x in x0..x1.min(image.width()) {
                image.put_pixel(x, y, grey);
            }
        }
    }
    egui_kittest::image_snapshot_options(&image, name, &options());
}

/// Text is drawn by a software rasterizer; a handful of anti-aliased pixels may differ
/// between Mesa versions, a changed label or layout changes thousands.
fn options() -> SnapshotOptions {
    SnapshotOptions::default().max_failed_pixels(40)
}

#[test]
fn main_window_with_the_demo_phones_light() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_app(dir.path(), 71, ThemeChoice::Light);
    harness.run();
    wait_until_read(&mut harness);
    harness.get_by_label_contains("Reception, reachable");
    snapshot_without_the_clock(&mut harness, "demo_light");
}

#[test]
fn main_window_with_the_demo_phones_dark_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = demo_app(dir.path(), 81, ThemeChoice::Dark);
    harness.run();
    wait_until_read(&mut harness);
    // The two mistakes the form exists to catch, shown where the technician types them.
    type_into(&mut harness, "Resync At (HHmm)", "2460");
    type_into(
        &mut harness,
        "Resync Trigger 1",
        "http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg",
    );
    harness.get_by_label("✖ 2 field(s) in error");
    snapshot_without_the_clock(&mut harness, "demo_dark_errors");
}

#[test]
fn clock_times_and_dates_are_recognised() {
    assert!(shows_the_clock("08:17:35  Read the phone: CP-8861-3PCC"));
    assert!(shows_the_clock("[12/03/26 08:17:34]Power Cycle"));
    assert!(!shows_the_clock("CP-8861-3PCC sip88xx.11-3-7MPP-1"));
    assert!(!shows_the_clock("http://127.0.0.71:8080"));
}
