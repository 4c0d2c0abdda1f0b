//! The readiness check above the form: one line per thing that decides whether a change can
//! reach the selected phone (`session::readiness`), green, or saying what to do.

use egui::{RichText, Ui};

use super::style;
use crate::session::PhoneEntry;
use crate::session::readiness::{self, Readiness};

pub fn show(ui: &mut Ui, entry: &PhoneEntry, now: jiff::Timestamp) {
    let lines = readiness::check(entry, now);
    let visuals = ui.visuals().clone();
    let heading = if readiness::blocked(&lines) {
        RichText::new("Before you submit: fix what is marked ✖").color(style::bad_colour(&visuals))
    } else {
        RichText::new("Ready to provision").color(style::good_colour(&visuals))
    };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(heading.strong());
        egui::Grid::new("readiness")
            .num_columns(2)
            .spacing([10.0, 3.0])
            .show(ui, |ui| {
                for line in &lines {
                    let (icon, colour) = match line.state {
                        Readiness::Ready => ("✔", style::good_colour(&visuals)),
                        Readiness::Note => ("ℹ", style::warn_colour(&visuals)),
                        Readiness::Blocked => ("✖", style::bad_colour(&visuals)),
                    };
                    ui.label(
                        RichText::new(format!("{icon} {}", line.item))
                            .color(colour)
                            .strong(),
                    );
                    // One label per line, so it is read as one sentence.
                    ui.add(egui::Label::new(&line.words).wrap());
                    ui.end_row();
                }
            });
    });
}
