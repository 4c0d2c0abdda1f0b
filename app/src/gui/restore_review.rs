//! The review before a restore: what the phone gets back from the snapshot, old → new, and
//! what cannot be put back. Confirming sends it like a submit (`phoneprov rollback`).

use egui::RichText;

use super::a11y;
use super::intent::Intent;
use super::review::{ReviewRow, change_table};

/// A restore waiting for the technician's confirmation.
#[derive(Debug, Clone)]
pub struct RestoreReview {
    /// The snapshot to put back, by id.
    pub snapshot: String,
    /// When it was taken, as shown.
    pub taken: String,
    pub rows: Vec<ReviewRow>,
    /// Values the snapshot could not keep (a password or key inside): their names.
    pub withheld: Vec<String>,
}

pub fn show(ctx: &egui::Context, phone_name: &str, review: &RestoreReview) -> Vec<Intent> {
    let mut intents = Vec::new();
    let title = format!("Restore {phone_name} to the snapshot of {}?", review.taken);
    let response = a11y::dialog(ctx, "review restore", &title, 720.0, |ui| {
        ui.label(format!(
            "phoneprov sends these {} value(s) back, waits for the phone to apply them and \
             reads them back. A snapshot of the values now is saved first, so this can be \
             undone too. The phone may reboot.",
            review.rows.len()
        ));
        ui.add_space(6.0);
        change_table(ui, &review.rows);
        if !review.withheld.is_empty() {
            ui.label(format!(
                "Not restored (they hold a password or key): {}",
                review.withheld.join(", ")
            ));
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new("Restore and verify").strong())
                .clicked()
            {
                intents.push(Intent::ConfirmRestore);
            }
            if ui.button("Cancel").clicked() {
                intents.push(Intent::CloseRestore);
            }
        });
    });
    if response.should_close() && intents.is_empty() {
        intents.push(Intent::CloseRestore);
    }
    intents
}
