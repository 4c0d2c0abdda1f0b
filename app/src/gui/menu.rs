//! The menu bar: File (export, import, support capture, activity log, settings, quit) and
//! View.

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
            let items = [
                (files, "Export profile…", Intent::ExportProfile),
                (
                    files && state.has_changes,
                    "Export changes only…",
                    Intent::ExportChanges,
                ),
                (
                    files,
                    "Import profile into the form…",
                    Intent::ImportProfile,
                ),
            ];
            for (enabled, words, intent) in items {
                let item = ui
                    .add_enabled(enabled, egui::Button::new(words))
                    .on_disabled_hover_text(why);
                if menu_item(ui, item).clicked() {
                    intents.push(intent);
                }
            }
            ui.separator();
            let capture = ui
                .add_enabled(files, egui::Button::new("Save a support capture…"))
                .on_disabled_hover_text(why)
                .on_hover_text(
                    "Every page phoneprov reads from the selected phone, passwords masked, in \
                     one file for support (phone-sim --replay serves it)",
                );
            if menu_item(ui, capture).clicked() {
                intents.push(Intent::SaveCapture);
            }
            for (words, intent) in [
                ("Save activity log…", Intent::SaveActivityLog),
                ("Settings…", Intent::OpenSettings),
                ("Quit", Intent::Quit),
            ] {
                ui.separator();
                let item = ui.button(words);
                if menu_item(ui, item).clicked() {
                    intents.push(intent);
                }
            }
        });
    });
    intents
}
