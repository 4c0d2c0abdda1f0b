//! The password prompt: a user name and password for one phone or the whole site, saved to
//! the system's secret store. The password is never shown again.

use egui::RichText;

use super::a11y;

use super::intent::Intent;
use crate::session::{PhoneId, PhoneLogin};

#[derive(Clone)]
pub struct CredentialsDraft {
    pub phone: PhoneId,
    pub phone_name: String,
    pub user: String,
    pub password: String,
    pub for_site: bool,
    /// Why the prompt opened ("the phone asked for a password"), when it was not the user.
    pub reason: Option<String>,
}

impl CredentialsDraft {
    pub fn new(phone: PhoneId, phone_name: String) -> Self {
        CredentialsDraft {
            phone,
            phone_name,
            user: "admin".to_string(),
            password: String::new(),
            for_site: false,
            reason: None,
        }
    }
}

pub fn show(ctx: &egui::Context, draft: &mut CredentialsDraft) -> Vec<Intent> {
    let mut intents = Vec::new();
    let response = a11y::dialog(
        ctx,
        "credentials",
        &format!("Password for {}", draft.phone_name),
        480.0,
        |ui| {
            if let Some(reason) = &draft.reason {
                ui.label(RichText::new(reason).strong());
            }
            ui.label(
                "The admin login of the phone's web page. It is kept in this computer's secret \
             store, never in phoneprov's files, and never shown again.",
            );
            ui.add_space(6.0);
            egui::Grid::new("credentials fields")
                .num_columns(2)
                .spacing([10.0, 8.0])
                .show(ui, |ui| {
                    let label = ui.label("User:");
                    ui.add(egui::TextEdit::singleline(&mut draft.user).desired_width(240.0))
                        .labelled_by(label.id);
                    ui.end_row();
                    let label = ui.label("Password:");
                    ui.add(
                        egui::TextEdit::singleline(&mut draft.password)
                            .password(true)
                            .desired_width(240.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                });
            ui.radio_value(&mut draft.for_site, false, "For this phone only");
            ui.radio_value(
                &mut draft.for_site,
                true,
                "For every phone of this site that has no password of its own",
            );
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                let ready = !draft.user.trim().is_empty();
                if ui
                    .add_enabled(ready, egui::Button::new(RichText::new("Save").strong()))
                    .on_disabled_hover_text("Type the user name first")
                    .clicked()
                {
                    intents.push(Intent::SaveCredentials {
                        phone: draft.phone,
                        for_site: draft.for_site,
                        login: PhoneLogin {
                            user: draft.user.trim().to_string(),
                            password: std::mem::take(&mut draft.password),
                        },
                    });
                }
                if ui.button("Cancel").clicked() {
                    intents.push(Intent::CloseCredentials);
                }
            });
        },
    );
    if response.should_close() && intents.is_empty() {
        intents.push(Intent::CloseCredentials);
    }
    intents
}
