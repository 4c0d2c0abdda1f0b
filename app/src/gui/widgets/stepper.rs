//! The resync status as a picture: one marker per step (`session::stepper`), joined by a
//! line, each with its name, the time it was reached and how long it lasted. Full size is
//! read from across the room at 100 % (large markers and text; it wraps to more rows in a
//! narrow panel); compact is one small row for a phone's line in a list or a run summary.
//! It asks for a repaint only while a step is running (once a second, for the time shown).

use std::time::Duration;

use egui::{Align2, Color32, FontId, Pos2, Rect, Response, Role, Sense, Stroke, Ui, WidgetInfo};

use crate::gui::style;
use crate::session::stepper::{Step, StepState, any_running, current};

/// How large to draw the steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepperSize {
    /// Across the top of the status panel.
    Full,
    /// One small row.
    Compact,
}

/// The narrowest column a step gets at full size; fewer columns per row below it.
const FULL_COLUMN: f32 = 96.0;
const FULL_RADIUS: f32 = 17.0;
const FULL_ROW_HEIGHT: f32 = 116.0;
const NAME_SIZE: f32 = 16.0;
const DETAIL_SIZE: f32 = 14.0;
const COMPACT_RADIUS: f32 = 6.0;
const COMPACT_GAP: f32 = 20.0;

/// Draws `steps`; times in `zone`, running steps counted up to `now`. The response's
/// hover text (compact) and every step's screen-reader name say each step in words.
pub fn show(
    ui: &mut Ui,
    steps: &[Step],
    zone: &jiff::tz::TimeZone,
    now: jiff::Timestamp,
    size: StepperSize,
) -> Response {
    if any_running(steps) {
        // The running step's time counts up; nothing else moves.
        ui.ctx().request_repaint_after(Duration::from_secs(1));
    }
    match size {
        StepperSize::Full => full(ui, steps, zone, now),
        StepperSize::Compact => compact(ui, steps, zone, now),
    }
}

fn full(ui: &mut Ui, steps: &[Step], zone: &jiff::tz::TimeZone, now: jiff::Timestamp) -> Response {
    let width = ui.available_width().max(FULL_COLUMN);
    // All in one row when they fit, else rows of equal length (3 + 3, 2 + 2 + 2).
    let fit = ((width / FULL_COLUMN).floor() as usize).max(1);
    let count = steps.len().max(1);
    let columns = (1..=count.min(fit))
        .rev()
        .find(|columns| count.is_multiple_of(*columns))
        .unwrap_or(1);
    let rows = steps.len().div_ceil(columns);
    let column = width / columns as f32;
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(width, FULL_ROW_HEIGHT * rows as f32),
        Sense::hover(),
    );
    let visuals = ui.visuals().clone();
    for (row, chunk) in steps.chunks(columns).enumerate() {
        let top = rect.top() + FULL_ROW_HEIGHT * row as f32;
        let centre = |i: usize| {
            Pos2::new(
                rect.left() + column * (i as f32 + 0.5),
                top + FULL_RADIUS + 6.0,
            )
        };
        // The joining line first, under the markers: solid up to the last step passed.
        for (i, step) in chunk.iter().enumerate().skip(1) {
            let passed = step.state != StepState::Pending;
            let colour = if passed {
                state_colour(&visuals, step.state)
            } else {
                style::quiet_colour(&visuals)
            };
            ui.painter().line_segment(
                [
                    centre(i - 1) + egui::vec2(FULL_RADIUS, 0.0),
                    centre(i) - egui::vec2(FULL_RADIUS, 0.0),
                ],
                Stroke::new(if passed { 4.0 } else { 2.0 }, colour),
            );
        }
        for (i, step) in chunk.iter().enumerate() {
            let number = row * columns + i + 1;
            let cell = Rect::from_min_size(
                Pos2::new(rect.left() + column * i as f32, top),
                egui::vec2(column, FULL_ROW_HEIGHT),
            );
            marker(ui, centre(i), FULL_RADIUS, step, number, &visuals);
            let words = cell_words(step, zone, now);
            let text_colour = match step.state {
                StepState::Pending | StepState::Skipped => style::quiet_colour(&visuals),
                StepState::Failed => style::bad_colour(&visuals),
                _ => visuals.strong_text_color(),
            };
            let name_top = centre(i).y + FULL_RADIUS + 8.0;
            let name = ui.painter().layout(
                step.words().to_string(),
                FontId::proportional(NAME_SIZE),
                text_colour,
                column - 6.0,
            );
            let name_size = name.size();
            let x = cell.center().x - name_size.x / 2.0;
            ui.painter()
                .galley(Pos2::new(x, name_top), name, text_colour);
            if step.state == StepState::Running {
                // The current step is underlined as well as ringed.
                let under = name_top + name_size.y + 1.0;
                ui.painter().line_segment(
                    [Pos2::new(x, under), Pos2::new(x + name_size.x, under)],
                    Stroke::new(2.0, text_colour),
                );
            }
            let mut y = name_top + name_size.y + 4.0;
            for line in [&words.time, &words.took].into_iter().flatten() {
                let galley = ui.painter().layout(
                    line.clone(),
                    FontId::monospace(DETAIL_SIZE),
                    visuals.text_color(),
                    column - 6.0,
                );
                let height = galley.size().y;
                ui.painter().galley(
                    Pos2::new(cell.center().x - galley.size().x / 2.0, y),
                    galley,
                    visuals.text_color(),
                );
                y += height + 1.0;
            }
            // Each step is its own node for screen readers (and the UI tests).
            let id = response.id.with(number);
            let node = ui.interact(cell, id, Sense::hover());
            let spoken = format!("Step {number} of {}: {}", steps.len(), words.spoken);
            node.widget_info(|| WidgetInfo::labeled(Role::Label, true, &spoken));
            if !step.detail.is_empty() {
                node.on_hover_text(&step.detail);
            }
        }
    }
    response
}

fn compact(
    ui: &mut Ui,
    steps: &[Step],
    zone: &jiff::tz::TimeZone,
    now: jiff::Timestamp,
) -> Response {
    let visuals = ui.visuals().clone();
    let dots = egui::vec2(COMPACT_GAP * steps.len() as f32, COMPACT_RADIUS * 2.0 + 4.0);
    let response = ui
        .horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(dots, Sense::hover());
            let centre = |i: usize| {
                Pos2::new(
                    rect.left() + COMPACT_GAP * (i as f32 + 0.5),
                    rect.center().y,
                )
            };
            for (i, step) in steps.iter().enumerate().skip(1) {
                let passed = step.state != StepState::Pending;
                ui.painter().line_segment(
                    [centre(i - 1), centre(i)],
                    Stroke::new(
                        if passed { 2.5 } else { 1.0 },
                        if passed {
                            state_colour(&visuals, step.state)
                        } else {
                            style::quiet_colour(&visuals)
                        },
                    ),
                );
            }
            for (i, step) in steps.iter().enumerate() {
                marker(ui, centre(i), COMPACT_RADIUS, step, i + 1, &visuals);
            }
            if let Some(step) = current(steps) {
                let words = cell_words(step, zone, now);
                let colour = state_colour(&visuals, step.state);
                let text = match &words.took {
                    Some(took) => format!("{} {}", step.words(), took),
                    None => step.words().to_string(),
                };
                ui.label(egui::RichText::new(text).small().color(colour));
            }
        })
        .response;
    let spoken: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| format!("{}. {}", i + 1, cell_words(step, zone, now).spoken))
        .collect();
    let summary = match current(steps) {
        Some(step) => format!("Resync steps: {}", cell_words(step, zone, now).spoken),
        None => "Resync steps: nothing sent yet".to_string(),
    };
    response.widget_info(|| WidgetInfo::labeled(Role::Label, true, &summary));
    response.on_hover_text(spoken.join("\n"))
}

/// A step's circle: filled and ticked when done, ringed while running, the error colour with
/// a cross when failed, hollow when pending (its number) or skipped (a dash).
fn marker(ui: &Ui, centre: Pos2, radius: f32, step: &Step, number: usize, visuals: &egui::Visuals) {
    let painter = ui.painter();
    let colour = state_colour(visuals, step.state);
    let on_fill = if visuals.dark_mode {
        Color32::BLACK
    } else {
        Color32::WHITE
    };
    let (glyph, filled) = match step.state {
        StepState::Done => ("✔", true),
        StepState::Running => ("", true),
        StepState::Failed => ("✖", true),
        StepState::Skipped => ("–", false),
        StepState::Pending => ("", false),
    };
    if filled {
        painter.circle_filled(centre, radius, colour);
    } else {
        painter.circle_stroke(centre, radius - 1.0, Stroke::new(2.0, colour));
    }
    let small = radius < 10.0;
    if step.state == StepState::Running {
        let (gap, width) = if small { (2.0, 1.5) } else { (4.0, 3.0) };
        painter.circle_stroke(centre, radius + gap, Stroke::new(width, colour));
    }
    if step.state == StepState::Running {
        // A dot in the middle: "here, now" (drawn, so it needs no font glyph).
        painter.circle_filled(centre, radius * 0.4, on_fill);
        return;
    }
    let glyph = if glyph.is_empty() && !small {
        number.to_string()
    } else {
        glyph.to_string()
    };
    if !glyph.is_empty() {
        painter.text(
            centre,
            Align2::CENTER_CENTER,
            glyph,
            FontId::proportional(radius * 1.1),
            if filled { on_fill } else { colour },
        );
    }
}

fn state_colour(visuals: &egui::Visuals, state: StepState) -> Color32 {
    match state {
        StepState::Done => style::good_colour(visuals),
        StepState::Running => style::progress_colour(visuals),
        StepState::Failed => style::bad_colour(visuals),
        StepState::Skipped | StepState::Pending => style::quiet_colour(visuals),
    }
}

/// What a step's cell says.
struct CellWords {
    /// `08:00:53`
    time: Option<String>,
    /// `took 12 s`, `12 s so far`, `not needed`.
    took: Option<String>,
    /// The whole step in one sentence, for screen readers.
    spoken: String,
}

fn cell_words(step: &Step, zone: &jiff::tz::TimeZone, now: jiff::Timestamp) -> CellWords {
    let time = step
        .at
        .map(|at| at.to_zoned(zone.clone()).strftime("%H:%M:%S").to_string());
    let took = match step.state {
        StepState::Running => step
            .at
            .map(|at| format!("{} so far", duration_words(at.duration_until(now)))),
        StepState::Skipped => Some("not needed".to_string()),
        _ => step.took.map(|t| format!("took {}", duration_words(t))),
    };
    let state = match step.state {
        StepState::Pending => "not reached",
        StepState::Done => "done",
        StepState::Running => "in progress",
        StepState::Skipped => "not needed",
        StepState::Failed => "failed",
    };
    let mut spoken = format!("{}, {state}", step.words());
    if let Some(time) = &time {
        spoken.push_str(&format!(" at {time}"));
    }
    if let Some(took) = &took
        && step.state != StepState::Skipped
    {
        spoken.push_str(&format!(", {took}"));
    }
    if step.state == StepState::Failed && !step.detail.is_empty() {
        spoken.push_str(&format!(": {}", step.detail));
    }
    CellWords { time, took, spoken }
}

/// `<1 s`, `12 s`, `2 min 05 s`, `1 h 02 min`.
fn duration_words(duration: jiff::SignedDuration) -> String {
    let seconds = duration.as_secs().max(0);
    match seconds {
        0 => "<1 s".to_string(),
        1..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {:02} s", seconds / 60, seconds % 60),
        _ => format!("{} h {:02} min", seconds / 3600, (seconds % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words() {
        let secs = jiff::SignedDuration::from_secs;
        assert_eq!(
            duration_words(jiff::SignedDuration::from_millis(300)),
            "<1 s"
        );
        assert_eq!(duration_words(secs(12)), "12 s");
        assert_eq!(duration_words(secs(125)), "2 min 05 s");
        assert_eq!(duration_words(secs(3720)), "1 h 02 min");
        assert_eq!(duration_words(secs(-3)), "<1 s");
    }
}
