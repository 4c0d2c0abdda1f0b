//! The menu bar: File (export, import, support capture, activity log, settings, quit) and
//! View.

use egui::Ui;

use super::intent::Intent;

/// What the menus can offer right now.
#[derive(Debug, Clone, Copy)]
pub struct MenuState {
    pub phone_selected: bool,
    pub has_changes: bool,
}

pub fn show(ui: &mut Ui, state: MenuState) -> Vec<Intent> {
    let mut intents = Vec::new();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            let files = state.phone_selected;
            let why = "Select a phone first";
            if ui
                .add_enabled(files, egui::Button::new("Export profile…"))
                .on_disabled_hover_text(why)
                .clicked()
            {
                intents.push(Intent::ExportProfile);
            }
            if ui
                .add_enabled(
                    files && state.has_changes,
                    egui::Button::new("Export changes only…"),
                )
                .on_disabled_hover_text(why)
                .clicked()
            {
                intents.push(Intent::ExportChanges);
            }
            if ui
                .add_enabled(files, egui::Button::new("Import profile into the form…"))
                .on_disabled_hover_text(why)
                .clicked()
            {
                intents.push(Intent::ImportProfile);
            }
            ui.separator();
            if ui
                .add_enabled(files, egui::Button::new("Save a support capture…"))
                .on_disabled_hover_text(why)
                .on_hover_text(
                    "Every page phoneprov reads from the selected phone, passwords masked, in \
                     one file for support (phone-sim --replay serves it)",
                )
                .clicked()
            {
                intents.push(Intent::SaveCapture);
            }
            if ui.button("Save activity log…").clicked() {
                intents.push(Intent::SaveActivityLog);
            }
            ui.separator();
            if ui.button("Settings…").clicked() {
                intents.push(Intent::OpenSettings);
            }
            ui.separator();
            if ui.button("Quit").clicked() {
                intents.push(Intent::Quit);
            }
        });
    });
    intents
}
