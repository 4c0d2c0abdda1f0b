//! Drawing one frame: the menu and notice bar, the status bar, the phones list, the resync
//! status, the form and any open dialog, collecting the intents they return; then the
//! appearance (theme, text sizes) the settings ask for.

use egui::emath::GuiRounding as _;

use super::Shell;
use crate::gui::intent::Intent;
use crate::gui::{
    a11y, credentials_dialog, history_panel, import_review, large_scan_dialog, menu, phones_panel,
    profile_panel, readiness_panel, restore_review, review, run_panel, settings_window, shortcuts,
    site_form, site_review, style, timeline_panel,
};
use crate::session::{Settings, ThemeChoice};

/// Below this width (in points) the resync status goes under the form instead of beside it.
const NARROW_WIDTH: f32 = 1100.0;

/// The id salts of the side panels (their resize handles are named after them).
const PHONES_PANEL: &str = "phones";
const STATUS_BESIDE: &str = "timeline";
const STATUS_BELOW: &str = "timeline below";

impl Shell {
    /// Draws one frame and acts on what the user asked for.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        a11y::name_window(&ctx, "phoneprov");
        let mut intents = self.shortcuts(&ctx);
        // egui's Tab order is the order controls are created: top bar, phone list, form,
        // resync status, which is the order they are read in.
        self.top_bar(ui, &mut intents);
        self.status_bar(ui);
        // Narrow windows (or 200 % text) keep the form usable: the list gets at most a third
        // of the width and the resync status moves below the form.
        let width = ui.available_width();
        egui::Panel::left(PHONES_PANEL)
            .resizable(true)
            .default_size((width * 0.26).clamp(220.0, 320.0))
            .size_range(200.0..=(width * 0.34).max(220.0))
            .show(ui, |ui| {
                a11y::name_panel(ui, "Phone list");
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
        a11y::name_resize_handle(ui, PHONES_PANEL, "Resize the phone list");
        let running = self
            .phones
            .selected
            .is_some_and(|id| self.operations.contains_key(&id));
        // The form is drawn before the resync status (so Tab reaches it first) in the space
        // the status panel leaves, which is placed after it.
        let status = StatusPlace::for_width(width);
        let mut form_ui = ui.new_child(egui::UiBuilder::new().max_rect(status.form_rect(ui)));
        egui::CentralPanel::default().show(&mut form_ui, |ui| {
            a11y::name_panel(ui, "Profile form");
            let output = egui::ScrollArea::vertical()
                .id_salt("profile form")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    if let Some(run) = &self.run {
                        intents.extend(run_panel::show(
                            ui,
                            run,
                            &self.zone,
                            jiff::Timestamp::now(),
                        ));
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
                        if let Some(entry) = self.phones.selected_entry() {
                            readiness_panel::show(ui, entry, jiff::Timestamp::now());
                            intents.extend(history_panel::show(
                                ui,
                                entry,
                                &self.history,
                                &self.zone,
                                running,
                            ));
                        }
                        intents.extend(profile_panel::show(
                            ui,
                            self.phones.selected_entry(),
                            &mut self.profile_panel,
                            self.capabilities,
                            &self.form_check,
                            &self.zone,
                        ));
                    }
                    a11y::keep_focus_in_view(ui);
                });
            a11y::name_scroll_bars(ui.ctx(), output.id, "the profile form");
        });
        intents.extend(self.timeline(ui, &status));
        self.dialogs(&ctx, &mut intents);
        for intent in intents {
            self.handle(&ctx, intent);
        }
        a11y::end_frame(&ctx);
    }

    /// The window's keyboard shortcuts (see [`shortcuts`]); none while a dialog is open.
    fn shortcuts(&mut self, ctx: &egui::Context) -> Vec<Intent> {
        let dialog_open = self.review.is_some()
            || self.import_review.is_some()
            || self.restore_review.is_some()
            || self.site_review.is_some()
            || self.credentials_draft.is_some()
            || self.large_scan_question.is_some()
            || self.settings_draft.is_some();
        if dialog_open {
            return Vec::new();
        }
        let pressed = shortcuts::pressed(ctx);
        let mut intents = Vec::new();
        if pressed.focus_filter {
            ctx.memory_mut(|memory| memory.request_focus(phones_panel::filter_id()));
        }
        let selected = self.phones.selected_entry();
        let running = self
            .phones
            .selected
            .is_some_and(|id| self.operations.contains_key(&id));
        if pressed.read_again && selected.is_some() && !running {
            intents.push(Intent::ReadPhone);
        }
        if pressed.open_review
            && let Some(entry) = selected
        {
            // The same condition as the Submit button.
            let ready = self.capabilities.engine
                && !entry.form.changes().is_empty()
                && !self.form_check.blocks_submit(&entry.form);
            if ready {
                intents.push(Intent::ReviewChanges);
            }
        }
        intents
    }

    /// The menu, the notice bar and (in the demo) the demo banner.
    fn top_bar(&mut self, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
        let selected = self.phones.selected_entry();
        let menu_state = menu::MenuState {
            phone_selected: selected.is_some(),
            has_changes: selected.is_some_and(|e| !e.form.changes().is_empty()),
        };
        egui::Panel::top("menu bar").show(ui, |ui| {
            a11y::name_panel(ui, "Top bar");
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
            a11y::name_panel(ui, "Status bar");
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

    /// The resync status, beside or below the form (see [`StatusPlace`]).
    fn timeline(&self, ui: &mut egui::Ui, place: &StatusPlace) -> Vec<Intent> {
        let running = self
            .phones
            .selected
            .is_some_and(|id| self.operations.contains_key(&id));
        let timeline = |ui: &mut egui::Ui| {
            a11y::name_panel(ui, "Resync progress");
            timeline_panel::show(ui, self.phones.selected_entry(), &self.zone, running)
        };
        let panel = if place.below {
            egui::Panel::bottom(place.salt)
        } else {
            egui::Panel::right(place.salt)
        };
        let intents = panel
            .resizable(true)
            .default_size(place.default)
            .size_range(place.range)
            .show(ui, timeline)
            .inner;
        a11y::name_resize_handle(ui, place.salt, "Resize the resync status");
        intents
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
        if let Some((phone, review)) = &self.import_review {
            let name = self
                .phones
                .get(*phone)
                .map(|e| e.display_name())
                .unwrap_or_default();
            intents.extend(import_review::show(ctx, &name, review));
        }
        if let Some(restore) = &self.restore_review {
            let name = self
                .phones
                .selected_entry()
                .map(|e| e.display_name())
                .unwrap_or_default();
            intents.extend(restore_review::show(ctx, &name, restore));
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
        let banner = egui::CollapsingHeader::new(
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
        a11y::group_state(&banner);
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
        style::strengthen_focus(style);
    });
}

/// Where the resync status goes: beside the form, or below it when the window (`width` before
/// the side panels) is narrow. The form is drawn first, in the space this panel leaves.
struct StatusPlace {
    below: bool,
    salt: &'static str,
    default: f32,
    range: egui::Rangef,
}

impl StatusPlace {
    fn for_width(width: f32) -> Self {
        if width < NARROW_WIDTH {
            StatusPlace {
                below: true,
                salt: STATUS_BELOW,
                default: 150.0,
                range: egui::Rangef::new(110.0, 500.0),
            }
        } else {
            StatusPlace {
                below: false,
                salt: STATUS_BESIDE,
                default: (width * 0.25).clamp(260.0, 380.0),
                range: egui::Rangef::new(240.0, (width * 0.4).max(260.0)),
            }
        }
    }

    /// The space left for the form: what remains in `ui` less the panel's size as egui's
    /// panel will lay it out this frame (being dragged, as last laid out, or its default).
    fn form_rect(&self, ui: &egui::Ui) -> egui::Rect {
        let available = ui.available_rect_before_wrap();
        let axis = usize::from(self.below);
        let room = available.size()[axis];
        let id = ui.scope_id().with(self.salt);
        let dragged_to = ui
            .ctx()
            .read_response(id.with("__resize"))
            .filter(|handle| handle.dragged() || handle.drag_stopped())
            .and_then(|handle| handle.interact_pointer_pos());
        let wanted = match dragged_to {
            Some(pointer) => available.max[axis] - pointer[axis],
            None => egui::PanelState::load(ui.ctx(), id)
                .map_or(self.default, |state| state.size()[axis]),
        };
        let size = wanted
            .clamp(self.range.min, self.range.max.max(self.range.min))
            .min(room)
            .round_ui();
        let mut rect = available;
        if self.below {
            rect.max.y -= size;
        } else {
            rect.max.x -= size;
        }
        rect
    }
}
