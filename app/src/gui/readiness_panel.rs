//! The readiness check above the form (`session::readiness`): what is fine is one row of
//! green ticks (each says what was found on hover), and every line that needs attention gets
//! its own row saying what to do, so the form stays near the top when all is well.

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
        ui.horizontal_wrapped(|ui| {
            ui.label(heading.strong());
            for line in lines.iter().filter(|l| l.state == Readiness::Ready) {
                ui.label(
                    RichText::new(format!("✔ {}", line.item)).color(style::good_colour(&visuals)),
                )
                .on_hover_text(&line.words);
            }
        });
        let attention: Vec<_> = lines
            .iter()
            .filter(|l| l.state != Readiness::Ready)
            .collect();
        if attention.is_empty() {
            return;
        }
        egui::Grid::new("readiness")
            .num_columns(2)
            .spacing([10.0, 3.0])
            .show(ui, |ui| {
                for line in attention {
                    let (icon, colour) = match line.state {
                        Readiness::Blocked => ("✖", style::bad_colour(&visuals)),
                        _ => ("ℹ", style::warn_colour(&visuals)),
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
