//! Frame time of the desktop app (CPU: layout + tessellation, no GPU) with 500 phones in the
//! list and the Configuration Profile form open, and repaints while idle.
//!
//!     cargo bench -p phoneprov-e2e --bench gui_frame_time
//!
//! Targets (issue 7): median frame under 2 ms in a release build; no repaint over 5 s
//! without input. The figures are printed; nothing here asserts on time.

use std::time::{Duration, Instant};

use egui::{Event, Pos2, RawInput, Rect, ViewportId, pos2};
use phoneprov::gui::Shell;
use phoneprov::identity::Mac;
use phoneprov::session::{PhoneAddress, SavedState, StateFile};

const PHONES: usize = 500;
const FRAMES: usize = 400;
const SCREEN: Rect = Rect::from_min_max(Pos2::ZERO, pos2(1280.0, 800.0));

fn seeded_state() -> SavedState {
    let mut state = SavedState::default();
    let models = [
        "CP-8861-3PCC",
        "CP-7841-3PCC",
        "CP-8845-3PCC",
        "SPA504G",
        "CP-6851-3PCC",
    ];
    let firmware = ["11.3.7", "12.0.1", "11.3.7", "7.6.2", "10.4.1"];
    for i in 0..PHONES {
        let address = PhoneAddress::parse(&format!("10.1.{}.{}", i / 250, i % 250 + 2)).unwrap();
        let mac = Mac([0x00, 0x56, 0x2b, 0x04, (i >> 8) as u8, i as u8]);
        let id = state.phones.upsert_identified(
            mac,
            address,
            Some(models[i % models.len()].to_string()),
            Some(firmware[i % firmware.len()].to_string()),
            "sweep",
        );
        if i % 3 == 0 {
            state.phones.rename(id, &format!("Desk {i}"));
        }
    }
    let selected = state.phones.entries[7].id;
    state.phones.selected = Some(selected);
    let form = &mut state.phones.get_mut(selected).unwrap().form;
    form.set("Resync_Periodic", "3665");
    form.set("Resync_At__HHmm_", "1800");
    form.set("Profile_Rule", "http://10.74.121.56/dms/$PN/$MA.xml");
    state
}

fn input(time: f64, events: Vec<Event>) -> RawInput {
    RawInput {
        screen_rect: Some(SCREEN),
        time: Some(time),
        predicted_dt: 1.0 / 60.0,
        events,
        ..RawInput::default()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let file = StateFile::in_dir(dir.path());
    file.save(&seeded_state()).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let ctx = egui::Context::default();
    let mut shell = Shell::new(&ctx, runtime, Ok(file));
    let pixels_per_point = 1.0;
    let mut time = 0.0;
    let frame = |shell: &mut Shell, time: f64, events: Vec<Event>| {
        let started = Instant::now();
        let mut output = ctx.run_ui(input(time, events), |ui| {
            shell.logic_step(ui.ctx());
            shell.draw(ui);
        });
        // No GPU here: texture uploads are dropped, the geometry is still built.
        output.textures_delta.clear();
        let primitives = ctx.tessellate(output.shapes, pixels_per_point);
        std::hint::black_box(primitives);
        (
            started.elapsed(),
            output.viewport_output[&ViewportId::ROOT].repaint_delay,
        )
    };

    // Warm up: fonts, galley caches, the form's first validation.
    for _ in 0..30 {
        time += 1.0 / 60.0;
        frame(&mut shell, time, Vec::new());
    }

    // Busy frames: the pointer moves over the phone list and the form every frame.
    let mut times = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        time += 1.0 / 60.0;
        let x = 100.0 + (i % 200) as f32 * 4.0;
        let y = 200.0 + (i % 50) as f32 * 10.0;
        let (elapsed, _) = frame(&mut shell, time, vec![Event::PointerMoved(pos2(x, y))]);
        times.push(elapsed);
    }
    times.sort();
    println!(
        "frame time, {PHONES} phones, form open, pointer moving ({FRAMES} frames): \
         median {:.3} ms, p90 {:.3} ms, max {:.3} ms",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.9).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );

    // Idle: move the pointer off the window, let everything settle, then act like the event
    // loop for 5 s of wall time: run a frame only when egui asked for one.
    time += 1.0 / 60.0;
    frame(&mut shell, time, vec![Event::PointerGone]);
    let mut next: Option<Instant> = Some(Instant::now());
    let mut settle_frames = 0;
    // Settling: at most 2 s for animations and the pending state save.
    let settle_deadline = Instant::now() + Duration::from_secs(2);
    while let Some(at) = next {
        if Instant::now() > settle_deadline {
            break;
        }
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        time += 1.0 / 60.0;
        let (_, delay) = frame(&mut shell, time, Vec::new());
        settle_frames += 1;
        next = (delay != Duration::MAX).then(|| Instant::now() + delay);
    }
    let idle_start = Instant::now();
    let mut idle_repaints = 0;
    while idle_start.elapsed() < Duration::from_secs(5) {
        match next {
            Some(at) if at <= Instant::now() => {
                time += 1.0 / 60.0;
                let (_, delay) = frame(&mut shell, time, Vec::new());
                idle_repaints += 1;
                next = (delay != Duration::MAX).then(|| Instant::now() + delay);
            }
            _ => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    println!(
        "idle: {idle_repaints} repaints in 5 s without input (after {settle_frames} settling frames)"
    );
}
