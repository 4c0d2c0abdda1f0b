//! The Submit review: every change as old → new, confirmed before anything is sent.

use egui::RichText;

use super::a11y;

use super::intent::Intent;
use crate::session::Change;

/// One row as the dialog shows it: label from the schema, values as the phone spells them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub label: String,
    pub change: Change,
}

pub fn show(ctx: &egui::Context, phone_name: &str, rows: &[ReviewRow]) -> Vec<Intent> {
    let mut intents = Vec::new();
    let response = a11y::dialog(
        ctx,
        "review changes",
        &format!("Send {} change(s) to {phone_name}?", rows.len()),
        720.0,
        |ui| {
            ui.label(
                "phoneprov sends these values, waits for the phone to apply them and reads them \
             back. The phone may reboot.",
            );
            ui.add_space(6.0);
            change_table(ui, rows);
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                let send = ui.button(RichText::new("Send and verify").strong());
                if send.clicked() {
                    intents.push(Intent::ConfirmSubmit);
                }
                if ui.button("Cancel").clicked() {
                    intents.push(Intent::CloseReview);
                }
            });
        },
    );
    if response.should_close() && intents.is_empty() {
        intents.push(Intent::CloseReview);
    }
    intents
}

/// The changes as a table: field, what the phone has, what it will be. Also used by the
/// restore review (`restore_review`).
pub fn change_table(ui: &mut egui::Ui, rows: &[ReviewRow]) {
    let output = a11y::dialog_scroll_area(360.0).show(ui, |ui| {
        egui::Grid::new("review rows")
            .num_columns(3)
            .striped(true)
            .spacing([16.0, 6.0])
            .show(ui, |ui| {
                ui.label(RichText::new("Field").strong());
                ui.label(RichText::new("Phone has").strong());
                ui.label(RichText::new("Will be").strong());
                ui.end_row();
                for row in rows {
                    ui.label(&row.label);
                    let old = match &row.change.old {
                        Some(old) if old.is_empty() => "(empty)".to_string(),
                        Some(old) => old.clone(),
                        None => "(not read yet)".to_string(),
                    };
                    ui.label(RichText::new(old).monospace().weak());
                    let new = if row.change.new.is_empty() {
                        "(empty)".to_string()
                    } else {
                        row.change.new.clone()
                    };
                    ui.label(RichText::new(format!("➡ {new}")).monospace().strong());
                    ui.end_row();
                }
            });
    });
    a11y::name_scroll_bars(ui.ctx(), output.id, "the changes");
}
