//! The menu bar: File (export, import, activity log, settings, quit) and View.

use egui::Ui;

use super::a11y::{self, menu_item};
use super::intent::Intent;

/// What the menus can offer right now.
#[derive(Debug, Clone, Copy)]
pub struct MenuState {
    pub phone_selected: bool,
    pub has_changes: bool,
}

pub fn show(ui: &mut Ui, state: MenuState) -> Vec<Intent> {
    let mut intents = Vec::new();
    a11y::menu_bar(ui, |ui| {
        a11y::menu(ui, "File", |ui| {
            let files = state.phone_selected;
            let why = "Select a phone first";
            if menu_item(ui.add_enabled(files, egui::Button::new("Export profile…")))
                .on_disabled_hover_text(why)
                .clicked()
            {
                intents.push(Intent::ExportProfile);
            }
            if menu_item(ui.add_enabled(
                files && state.has_changes,
                egui::Button::new("Export changes only…"),
            ))
            .on_disabled_hover_text(why)
            .clicked()
            {
                intents.push(Intent::ExportChanges);
            }
            if menu_item(ui.add_enabled(files, egui::Button::new("Import profile into the form…")))
                .on_disabled_hover_text(why)
                .clicked()
            {
                intents.push(Intent::ImportProfile);
            }
            ui.separator();
            if menu_item(ui.button("Save activity log…")).clicked() {
                intents.push(Intent::SaveActivityLog);
            }
            ui.separator();
            if menu_item(ui.button("Settings…")).clicked() {
                intents.push(Intent::OpenSettings);
            }
            ui.separator();
            if menu_item(ui.button("Quit")).clicked() {
                intents.push(Intent::Quit);
            }
        });
    });
    intents
}
