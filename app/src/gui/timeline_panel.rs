//! Resync status (right): a headline readable from across the room, then the steps of the
//! latest attempt with their times and the phone's own words.

use egui::{Frame, RichText, Ui};

use super::intent::Intent;
use super::widgets::stepper::{self as stepper_widget, StepperSize};
use super::{a11y, shortcuts, style};
use crate::session::stepper;
use crate::session::{Outcome, PhoneEntry, Stage, TimelineEntry};

pub fn show(
    ui: &mut Ui,
    entry: Option<&PhoneEntry>,
    zone: &jiff::tz::TimeZone,
    running: bool,
) -> Vec<Intent> {
    let mut intents = Vec::new();
    ui.add_space(4.0);
    ui.heading("Resync status");
    let Some(entry) = entry else {
        ui.label("Select a phone to see its resync status.");
        return intents;
    };
    if !entry.operation_events.is_empty() {
        // The latest operation as a picture; the words follow below.
        let steps = stepper::steps(&entry.operation_events, running);
        stepper_widget::show(ui, &steps, zone, jiff::Timestamp::now(), StepperSize::Full);
        ui.add_space(4.0);
    }
    headline(ui, &entry.timeline.outcome());
    ui.horizontal(|ui| read_or_cancel(ui, running, &mut intents));
    ui.add_space(6.0);
    if !entry.reboot_reasons.is_empty() {
        let reboots = egui::CollapsingHeader::new("Last reboots (the phone's own record)")
            .id_salt("reboot reasons")
            .default_open(true)
            .show(ui, |ui| {
                for reason in &entry.reboot_reasons {
                    ui.label(RichText::new(reason).monospace());
                }
            });
        a11y::group_state(&reboots);
        ui.add_space(6.0);
    }
    if entry.timeline.entries.is_empty() {
        ui.label(
            "Nothing was sent to this phone in this session. Submit a change or use \
             \"Resync now\" and every step shows up here as it happens.",
        );
        return intents;
    }
    let output = egui::ScrollArea::vertical()
        .id_salt("timeline")
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show(ui, |ui| {
            for item in &entry.timeline.entries {
                timeline_row(ui, item, zone);
            }
            a11y::keep_focus_in_view(ui);
        });
    a11y::name_scroll_bars(ui.ctx(), output.id, "the resync steps");
    intents
}

/// Cancel while an operation runs, else read the phone again.
fn read_or_cancel(ui: &mut Ui, running: bool, intents: &mut Vec<Intent>) {
    if running {
        if ui
            .button("Cancel")
            .on_hover_text("Stop following this operation (what the phone already got stays)")
            .clicked()
        {
            intents.push(Intent::CancelOperation);
        }
    } else {
        let keys = shortcuts::words(ui.ctx(), &shortcuts::READ_AGAIN);
        let read = ui
            .button("Read the phone again")
            .on_hover_text(format!("Read its identity, values and status now ({keys})"));
        a11y::shortcut(&read, &keys);
        if read.clicked() {
            intents.push(Intent::ReadPhone);
        }
    }
}

/// One step: its time, icon and words, and the detail in the phone's or engine's words.
fn timeline_row(ui: &mut Ui, item: &TimelineEntry, zone: &jiff::tz::TimeZone) {
    let colour = style::tone_colour(ui.visuals(), item.stage.tone());
    let time = item
        .at
        .to_zoned(zone.clone())
        .strftime("%H:%M:%S")
        .to_string();
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(time).monospace());
        // The icon and colour say the step; the words are the engine's sentence.
        ui.label(RichText::new(style::stage_icon(item.stage)).color(colour));
        let words = if item.detail.is_empty() {
            item.stage.words()
        } else {
            &item.detail
        };
        let words = if item.stage == Stage::Syslog {
            RichText::new(words).monospace()
        } else if item.stage.is_step() {
            RichText::new(words).color(colour).strong()
        } else {
            RichText::new(words)
        };
        ui.label(words);
    });
}

/// The outcome in large type: colour, icon and words, with a spinner while work is pending.
fn headline(ui: &mut Ui, outcome: &Outcome) {
    let visuals = ui.visuals().clone();
    let (icon, words, detail, colour) = match outcome {
        Outcome::Nothing => (
            "○",
            "Nothing sent yet".to_string(),
            None,
            style::quiet_colour(&visuals),
        ),
        Outcome::InProgress(stage) => (
            style::stage_icon(*stage),
            format!("{}…", stage.words()),
            None,
            style::progress_colour(&visuals),
        ),
        Outcome::Verified => (
            "✔",
            "VERIFIED".to_string(),
            Some("The phone took its configuration.".to_string()),
            style::good_colour(&visuals),
        ),
        Outcome::Failed(reason) => (
            "✖",
            "FAILED".to_string(),
            Some(reason.clone()),
            style::bad_colour(&visuals),
        ),
    };
    Frame::group(ui.style())
        .stroke(egui::Stroke::new(3.0, colour))
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                if matches!(outcome, Outcome::InProgress(_)) {
                    // Animates (and so keeps the window repainting) only while work is pending.
                    ui.add(
                        egui::Spinner::new()
                            .size(style::HEADLINE_SIZE)
                            .color(colour),
                    );
                }
                ui.label(
                    RichText::new(format!("{icon} {words}"))
                        .size(style::HEADLINE_SIZE)
                        .strong()
                        .color(colour),
                );
            });
            if let Some(detail) = detail {
                ui.label(RichText::new(detail).size(18.0));
            }
        });
}
