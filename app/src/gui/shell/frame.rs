//! Drawing one frame: the menu and notice bar, the status bar, the phones list, the resync
//! status, the form and any open dialog, collecting the intents they return; then the
//! appearance (theme, text sizes) the settings ask for.

use super::Shell;
use crate::gui::intent::Intent;
use crate::gui::{
    credentials_dialog, large_scan_dialog, menu, phones_panel, profile_panel, review, run_panel,
    settings_window, site_form, site_review, style, timeline_panel,
};
use crate::session::{Settings, ThemeChoice};

/// Below this width (in points) the resync status goes under the form instead of beside it.
const NARROW_WIDTH: f32 = 1100.0;

impl Shell {
    /// Draws one frame and acts on what the user asked for.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut intents = Vec::new();
        self.top_bar(ui, &mut intents);
        self.status_bar(ui);
        // Narrow windows (or 200 % text) keep the form usable: the list gets at most a third
        // of the width and the resync status moves below the form.
        let width = ui.available_width();
        egui::Panel::left("phones")
            .resizable(true)
            .default_size((width * 0.26).clamp(220.0, 320.0))
            .size_range(200.0..=(width * 0.34).max(220.0))
            .show(ui, |ui| {
                intents.extend(phones_panel::show(
                    ui,
                    &mut self.phones,
                    &mut self.phones_panel,
                    &self.scan,
                    &phones_panel::ListMarks {
                        selection: &self.selection,
                        run: self.run.as_ref(),
                    },
                ));
            });
        intents.extend(self.timeline(ui, width));
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("profile form")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    if let Some(run) = &self.run {
                        intents.extend(run_panel::show(ui, run));
                        ui.add_space(6.0);
                    }
                    if self.selection.is_many() {
                        let phones: Vec<_> = self
                            .selection
                            .ids_in(&self.phones)
                            .into_iter()
                            .filter_map(|id| self.phones.get(id))
                            .collect();
                        intents.extend(site_form::show(
                            ui,
                            &site_form::SiteFormContext {
                                phones: &phones,
                                edit: &self.site_edit,
                                check: &self.site_check,
                                engine: self.capabilities.engine,
                                running: self.run.as_ref().is_some_and(|r| !r.finished()),
                            },
                        ));
                    } else {
                        intents.extend(profile_panel::show(
                            ui,
                            self.phones.selected_entry(),
                            &mut self.profile_panel,
                            self.capabilities,
                            &self.form_check,
                            &self.zone,
                        ));
                    }
                });
        });
        self.dialogs(&ctx, &mut intents);
        for intent in intents {
            self.handle(&ctx, intent);
        }
    }

    /// The menu, the notice bar and (in the demo) the demo banner.
    fn top_bar(&mut self, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
        let selected = self.phones.selected_entry();
        let menu_state = menu::MenuState {
            phone_selected: selected.is_some(),
            has_changes: selected.is_some_and(|e| !e.form.changes().is_empty()),
        };
        egui::Panel::top("menu bar").show(ui, |ui| {
            intents.extend(menu::show(ui, menu_state));
            self.notice_bar(ui);
            #[cfg(feature = "demo")]
            if let Some((demo, _)) = &self.demo {
                intents.extend(demo_banner(ui, demo));
            }
        });
    }

    /// The last line of the activity log, with its time.
    fn status_bar(&self, ui: &mut egui::Ui) {
        egui::Panel::bottom("status bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                if let Some(last) = self.activity.last() {
                    let time = last
                        .at
                        .to_zoned(self.zone.clone())
                        .strftime("%H:%M:%S")
                        .to_string();
                    ui.label(egui::RichText::new(time).monospace().weak());
                    ui.label(&last.message);
                }
            });
        });
    }

    /// The resync status: beside the form, or below it when the window (`width` before the
    /// side panels) is narrow.
    fn timeline(&self, ui: &mut egui::Ui, width: f32) -> Vec<Intent> {
        let running = self
            .phones
            .selected
            .is_some_and(|id| self.operations.contains_key(&id));
        let timeline = |ui: &mut egui::Ui| {
            timeline_panel::show(ui, self.phones.selected_entry(), &self.zone, running)
        };
        if width < NARROW_WIDTH {
            egui::Panel::bottom("timeline below")
                .resizable(true)
                .default_size(150.0)
                .size_range(110.0..=500.0)
                .show(ui, timeline)
                .inner
        } else {
            egui::Panel::right("timeline")
                .resizable(true)
                .default_size((width * 0.25).clamp(260.0, 380.0))
                .size_range(240.0..=(width * 0.4).max(260.0))
                .show(ui, timeline)
                .inner
        }
    }

    /// Whichever dialogs are open: the review, the password prompt, the large-scan
    /// question, the settings.
    fn dialogs(&mut self, ctx: &egui::Context, intents: &mut Vec<Intent>) {
        if let Some(rows) = &self.review {
            let name = self
                .phones
                .selected_entry()
                .map(|e| e.display_name())
                .unwrap_or_default();
            intents.extend(review::show(ctx, &name, rows));
        }
        if let Some(review) = &self.site_review {
            intents.extend(site_review::show(ctx, review));
        }
        if let Some(draft) = &mut self.credentials_draft {
            intents.extend(credentials_dialog::show(ctx, draft));
        }
        if let Some(question) = &self.large_scan_question {
            intents.extend(large_scan_dialog::show(ctx, question));
        }
        if let Some(draft) = &mut self.settings_draft {
            intents.extend(settings_window::show(ctx, draft));
        }
    }

    fn notice_bar(&mut self, ui: &mut egui::Ui) {
        let Some(notice) = &self.notice else { return };
        let mut dismissed = false;
        egui::Frame::new()
            .fill(ui.visuals().extreme_bg_color)
            .stroke(egui::Stroke::new(1.0, style::bad_colour(ui.visuals())))
            .inner_margin(6.0)
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(style::bad_colour(ui.visuals()), format!("⚠ {notice}"));
                    if ui.button("Dismiss").clicked() {
                        dismissed = true;
                    }
                });
            });
        if dismissed {
            self.notice = None;
        }
    }
}

/// The demo's banner: what the emulated phones are, and the busy phone's call to end or start.
#[cfg(feature = "demo")]
fn demo_banner(ui: &mut egui::Ui, demo: &crate::gui::demo::DemoPhones) -> Option<Intent> {
    let mut intent = None;
    ui.horizontal_wrapped(|ui| {
        egui::CollapsingHeader::new(
            egui::RichText::new(format!(
                "Demo: {} emulated phones on this computer (nothing on your network is touched)",
                demo.phones.len()
            ))
            .strong(),
        )
        .id_salt("demo banner")
        .show(ui, |ui| {
            for phone in &demo.phones {
                ui.label(format!("{} ({}): {}", phone.name, phone.url, phone.role));
            }
        });
        // The busy phone applies only when its call ends: the person at the desk is played here.
        for (index, phone) in demo.phones.iter().enumerate() {
            if !phone.takes_calls {
                continue;
            }
            if demo.call_active(index) {
                ui.label(format!("☎ {} is on a call", phone.name));
                if ui
                    .button(format!("End the call on {}", phone.name))
                    .clicked()
                {
                    intent = Some(Intent::DemoCall {
                        index,
                        active: false,
                    });
                }
            } else if ui
                .button(format!("Start a call on {}", phone.name))
                .clicked()
            {
                intent = Some(Intent::DemoCall {
                    index,
                    active: true,
                });
            }
        }
    });
    intent
}

/// Theme, zoom and the text sizes the app uses.
pub(super) fn apply_appearance(ctx: &egui::Context, settings: &Settings) {
    ctx.set_theme(match settings.theme {
        ThemeChoice::System => egui::ThemePreference::System,
        ThemeChoice::Light => egui::ThemePreference::Light,
        ThemeChoice::Dark => egui::ThemePreference::Dark,
    });
    ctx.set_zoom_factor(settings.zoom);
    ctx.all_styles_mut(|style| {
        use egui::{FontFamily, FontId, TextStyle};
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(22.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(15.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(15.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(12.5, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(14.0, FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.interact_size.y = 24.0;
        style.spacing.button_padding = egui::vec2(8.0, 3.0);
    });
}
