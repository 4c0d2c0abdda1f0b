//! The review of a submit to many phones: each phone with its old → new values, and the
//! phones nothing is sent to, confirmed before anything is sent.

use egui::RichText;

use super::a11y;
use super::intent::Intent;
use super::review::ReviewRow;

/// One phone in the review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneReview {
    pub name: String,
    pub rows: Vec<ReviewRow>,
}

/// What the review shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteReview {
    /// Phones that get changes, in list order.
    pub phones: Vec<PhoneReview>,
    /// Phones nothing is sent to, with why.
    pub not_sent: Vec<String>,
    /// How many phones are worked on at once.
    pub parallel: usize,
}

pub fn show(ctx: &egui::Context, review: &SiteReview) -> Vec<Intent> {
    let mut intents = Vec::new();
    let count = review.phones.len();
    let title = format!(
        "Send changes to {count} phone{}?",
        if count == 1 { "" } else { "s" }
    );
    let response = a11y::dialog(ctx, "review site changes", &title, 760.0, |ui| {
        ui.label(format!(
            "phoneprov sends each phone its values, waits for it to apply them (a phone on a \
             call applies when the call ends) and reads them back; {} at once. Phones may \
             reboot.",
            review.parallel
        ));
        ui.add_space(6.0);
        let output = a11y::dialog_scroll_area(420.0).show(ui, |ui| {
            egui::Grid::new("site review rows")
                .num_columns(4)
                .striped(true)
                .spacing([16.0, 4.0])
                .show(ui, |ui| {
                    ui.label(RichText::new("Phone").strong());
                    ui.label(RichText::new("Field").strong());
                    ui.label(RichText::new("Phone has").strong());
                    ui.label(RichText::new("Will be").strong());
                    ui.end_row();
                    for phone in &review.phones {
                        for (index, row) in phone.rows.iter().enumerate() {
                            if index == 0 {
                                ui.label(RichText::new(&phone.name).strong());
                            } else {
                                ui.label("");
                            }
                            ui.label(&row.label);
                            ui.label(RichText::new(old_words(&row.change.old)).monospace().weak());
                            let new = if row.change.new.is_empty() {
                                "(empty)"
                            } else {
                                &row.change.new
                            };
                            ui.label(RichText::new(format!("➡ {new}")).monospace().strong());
                            ui.end_row();
                        }
                    }
                });
            for line in &review.not_sent {
                ui.label(RichText::new(line).weak());
            }
        });
        a11y::name_scroll_bars(ui.ctx(), output.id, "the changes");
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let send = ui.add_enabled(
                count > 0,
                egui::Button::new(
                    RichText::new(format!("Send to {count} phones and verify")).strong(),
                ),
            );
            if send.clicked() {
                intents.push(Intent::ConfirmSiteSubmit);
            }
            if ui.button("Cancel").clicked() {
                intents.push(Intent::CloseSiteReview);
            }
        });
    });
    if response.should_close() && intents.is_empty() {
        intents.push(Intent::CloseSiteReview);
    }
    intents
}

fn old_words(old: &Option<String>) -> String {
    match old {
        Some(old) if old.is_empty() => "(empty)".to_string(),
        Some(old) => old.clone(),
        None => "(not read yet)".to_string(),
    }
}
