//! The import review: a file has names the phone does not have. Nothing is imported until
//! the technician chooses to leave them out (a site file may carry other models' names) or
//! cancels.

use egui::RichText;

use super::a11y;
use super::intent::Intent;
use crate::profile::names::did_you_mean;
use crate::session::profile_files::ImportReview;

pub fn show(ctx: &egui::Context, phone_name: &str, review: &ImportReview) -> Vec<Intent> {
    let mut intents = Vec::new();
    let title = format!(
        "{} name(s) in {} are not on {phone_name}",
        review.unknown.len(),
        review.file
    );
    let response = a11y::dialog(ctx, "import review", &title, 640.0, |ui| {
        ui.label(
            "The phone would ignore these. Nothing has been imported. Leave them out and \
             import the rest, or cancel and correct the file.",
        );
        ui.add_space(6.0);
        let output = a11y::dialog_scroll_area(300.0).show(ui, |ui| {
            for unknown in &review.unknown {
                let hint = did_you_mean(&unknown.nearest).unwrap_or_default();
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(&unknown.name).monospace().strong());
                    if !hint.is_empty() {
                        ui.label(hint);
                    }
                });
            }
        });
        a11y::name_scroll_bars(ui.ctx(), output.id, "the unknown names");
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new("Leave them out and import the rest").strong())
                .clicked()
            {
                intents.push(Intent::ImportSkippingUnknown);
            }
            if ui.button("Cancel import").clicked() {
                intents.push(Intent::CloseImportReview);
            }
        });
    });
    if response.should_close() && intents.is_empty() {
        intents.push(Intent::CloseImportReview);
    }
    intents
}
