//! The Phones list (left): scan, filter, add by address, rename, and one row per phone with
//! its status light.

use egui::text::LayoutJob;
use egui::{Align, Button, FontId, Key, Layout, ProgressBar, RichText, TextFormat, TextStyle, Ui};

use super::intent::Intent;
use super::{a11y, shortcuts, style};
use crate::session::selection::{Selection, SelectionChange};
use crate::session::site_run::{PhoneStage, SiteRun};
use crate::session::{PhoneEntry, PhoneId, PhoneList};

/// What marks the rows besides each phone's own state: the selection of many phones, and
/// each phone's stage in a run on many phones.
#[derive(Clone, Copy)]
pub struct ListMarks<'a> {
    pub selection: &'a Selection,
    pub run: Option<&'a SiteRun>,
}

/// Scan progress as the list shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanView {
    /// `Some((done, total))` while a scan runs.
    pub running: Option<(u64, u64)>,
}

/// Text being typed in the panel; not persisted.
#[derive(Debug, Clone, Default)]
pub struct PhonesPanelState {
    pub add_text: String,
    /// Why the last "Add" was refused, in words.
    pub add_error: Option<String>,
    /// The phone being renamed and the name typed so far.
    pub renaming: Option<(PhoneId, String)>,
    /// Row to give keyboard focus to (after ↑/↓).
    focus_row: Option<PhoneId>,
    /// The rows drawn last frame (a row to focus outside them is scrolled to first).
    drawn_rows: std::ops::Range<usize>,
}

pub fn show(
    ui: &mut Ui,
    list: &mut PhoneList,
    panel: &mut PhonesPanelState,
    scan: &ScanView,
    marks: &ListMarks<'_>,
) -> Vec<Intent> {
    let mut intents = Vec::new();
    ui.add_space(4.0);
    ui.heading("Phones");
    scan_controls(ui, scan, &mut intents);
    ui.add_space(4.0);
    add_by_address(ui, panel, &mut intents);
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let label = ui.label("Filter:");
        let keys = shortcuts::words(ui.ctx(), &shortcuts::FOCUS_FILTER);
        let filter = ui
            .add(
                egui::TextEdit::singleline(&mut list.filter)
                    .id(filter_id())
                    .hint_text("name, address, model, MAC")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id)
            .on_hover_text(format!("Show only matching phones ({keys})"));
        a11y::shortcut(&filter, &keys);
    });
    select_many(ui, list, marks.selection, &mut intents);
    ui.separator();
    if marks.selection.is_many() {
        ui.label(format!("{} phones selected", marks.selection.len()));
    } else {
        selected_actions(ui, list, panel, &mut intents);
    }
    rename_box(ui, list, panel, &mut intents);
    phone_rows(ui, list, panel, marks, &mut intents);
    intents
}

/// *Select all shown* (what the filter lets through) and how to pick several by hand.
fn select_many(ui: &mut Ui, list: &PhoneList, selection: &Selection, intents: &mut Vec<Intent>) {
    let shown = list.visible_indices().len();
    ui.horizontal_wrapped(|ui| {
        let all = ui
            .add_enabled(
                shown > 1,
                Button::new(format!("Select all shown ({shown})")),
            )
            .on_hover_text(
                "Select every phone the filter shows, to change them together. Ctrl-click \
                 adds or removes one, Shift-click a range; with the keyboard Ctrl+Space and \
                 Shift+↑/↓.",
            );
        if all.clicked() {
            intents.push(Intent::Select(SelectionChange::AllShown));
        }
        if selection.is_many()
            && let Some(id) = list.selected
            && ui
                .small_button("Select one")
                .on_hover_text("Back to the one phone the form showed last")
                .clicked()
        {
            intents.push(Intent::SelectPhone(id));
        }
    });
}

fn scan_controls(ui: &mut Ui, scan: &ScanView, intents: &mut Vec<Intent>) {
    ui.horizontal(|ui| match scan.running {
        Some((done, total)) => {
            if ui.button("Cancel scan").clicked() {
                intents.push(Intent::CancelScan);
            }
            let fraction = if total == 0 {
                0.0
            } else {
                done as f32 / total as f32
            };
            ui.add(
                ProgressBar::new(fraction)
                    .text(format!("{done} of {total} addresses"))
                    .animate(true),
            );
        }
        None => {
            let button = ui
                .add(Button::new("🔍 Scan the network"))
                .accessible_name("Scan the network")
                .on_hover_text("Look for phones on this laptop's networks");
            if button.clicked() {
                intents.push(Intent::StartScan);
            }
        }
    });
}

fn add_by_address(ui: &mut Ui, panel: &mut PhonesPanelState, intents: &mut Vec<Intent>) {
    let label = ui.label("Add by address:");
    ui.horizontal(|ui| {
        let add_width = 56.0;
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut panel.add_text)
                    .hint_text("192.168.1.20")
                    .desired_width((ui.available_width() - add_width).max(60.0)),
            )
            .labelled_by(label.id);
        let submitted = edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        if edit.changed() {
            panel.add_error = None;
        }
        if ui.button("Add").clicked() || submitted {
            intents.push(Intent::AddPhone(panel.add_text.clone()));
        }
    });
    if let Some(error) = &panel.add_error {
        ui.colored_label(style::bad_colour(ui.visuals()), error);
    }
}

fn rename_box(
    ui: &mut Ui,
    list: &PhoneList,
    panel: &mut PhonesPanelState,
    intents: &mut Vec<Intent>,
) {
    let Some((id, name)) = panel.renaming.as_mut() else {
        return;
    };
    let id = *id;
    let Some(entry) = list.get(id) else {
        panel.renaming = None;
        return;
    };
    let mut finished = None;
    ui.label(format!("Name for {}:", entry.address.short()));
    ui.horizontal(|ui| {
        let edit = ui
            .add(egui::TextEdit::singleline(name).desired_width(ui.available_width() - 130.0))
            .accessible_name(format!(
                "New name for the phone at {}",
                entry.address.short()
            ));
        if !edit.has_focus() && !edit.lost_focus() && ui.memory(|m| m.focused().is_none()) {
            edit.request_focus();
        }
        let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let escape = ui.input(|i| i.key_pressed(Key::Escape));
        if ui.button("Save").clicked() || enter {
            finished = Some(Some(name.clone()));
        }
        if ui.button("Cancel").clicked() || escape {
            finished = Some(None);
        }
    });
    match finished {
        Some(Some(name)) => {
            intents.push(Intent::RenamePhone(id, name));
            panel.renaming = None;
        }
        Some(None) => panel.renaming = None,
        None => {}
    }
    ui.separator();
}

fn phone_rows(
    ui: &mut Ui,
    list: &PhoneList,
    panel: &mut PhonesPanelState,
    marks: &ListMarks<'_>,
    intents: &mut Vec<Intent>,
) {
    let visible = list.visible_indices();
    if list.entries.is_empty() {
        ui.label(
            RichText::new("No phones yet. Type a phone's address above and press Add.")
                .color(style::quiet_colour(ui.visuals())),
        );
        return;
    }
    if visible.is_empty() {
        ui.label(format!("No phone matches \"{}\".", list.filter.trim()));
        return;
    }
    let body = ui.text_style_height(&TextStyle::Body);
    let small = ui.text_style_height(&TextStyle::Small);
    let row_height = body + small + 2.0 * ui.spacing().button_padding.y + 4.0;
    let width = ui.available_width();
    let focus_index = panel
        .focus_row
        .and_then(|id| visible.iter().position(|&i| list.entries[i].id == id));
    let mut scroll = egui::ScrollArea::vertical()
        .id_salt("phone rows")
        .auto_shrink([false, false]);
    if let Some(index) = focus_index
        && !panel.drawn_rows.contains(&index)
    {
        // The row to focus is not drawn: scroll it into view first.
        let spacing = ui.spacing().item_spacing.y;
        scroll = scroll.vertical_scroll_offset(index as f32 * (row_height + spacing));
    }
    let mut moved = None;
    ui.with_layout(Layout::top_down(Align::Min), |ui| {
        let output = scroll.show_rows(ui, row_height, visible.len(), |ui, range| {
            panel.drawn_rows = range.clone();
            for index in range {
                let entry = &list.entries[visible[index]];
                let place = RowPlace {
                    index,
                    count: visible.len(),
                    selected: list.selected == Some(entry.id) || marks.selection.contains(entry.id),
                    run_stage: marks.run.and_then(|run| run.phone(entry.id)).map(|phone| {
                        match &phone.stage {
                            // The reason is long: it is in the run summary and the tooltip.
                            PhoneStage::Failed(_) => "Failed".to_string(),
                            stage => stage.words(),
                        }
                    }),
                    focus: Some(index) == focus_index,
                    size: egui::vec2(width - 12.0, row_height),
                };
                if let Some(to) = phone_row(ui, entry, place, panel, intents) {
                    moved = Some(to);
                }
            }
            a11y::keep_focus_in_view(ui);
        });
        a11y::name_scroll_bars(ui.ctx(), output.id, "the phone list");
    });
    if let Some((index, extend)) = moved {
        let id = list.entries[visible[index]].id;
        panel.focus_row = Some(id);
        intents.push(if extend {
            Intent::Select(SelectionChange::ExtendTo(id))
        } else {
            Intent::SelectPhone(id)
        });
    }
}

/// Where a row is drawn and how.
struct RowPlace {
    /// Its place among the visible rows.
    index: usize,
    /// How many rows are visible.
    count: usize,
    selected: bool,
    /// Its stage in a run on many phones, in words.
    run_stage: Option<String>,
    /// Give it keyboard focus (after ↑/↓).
    focus: bool,
    size: egui::Vec2,
}

/// One row of the list: selects on click (Ctrl-click adds or removes it, Shift-click selects
/// the range), renames on double-click, has a context menu, and with keyboard focus walks
/// the list with ↑/↓ (Shift+↑/↓ extends the selection; Ctrl+Space adds or removes it).
/// Returns the row ↑/↓ moved to, and whether the selection extends to it.
fn phone_row(
    ui: &mut Ui,
    entry: &PhoneEntry,
    place: RowPlace,
    panel: &mut PhonesPanelState,
    intents: &mut Vec<Intent>,
) -> Option<(usize, bool)> {
    let job = row_text(ui, entry, place.run_stage.as_deref());
    let response = ui
        .add(Button::selectable(place.selected, job).min_size(place.size))
        .accessible_name(row_name(entry, place.run_stage.as_deref()))
        .on_hover_text(row_tooltip(entry));
    if place.focus {
        response.request_focus();
        response.scroll_to_me(None);
        panel.focus_row = None;
    }
    let mut moved = None;
    if response.has_focus() {
        // ↑/↓ walk the list and select as they go, like a list box.
        let shift = egui::Modifiers::SHIFT;
        // Shift first: a plain consume_key ignores an extra Shift.
        let (shift_up, shift_down, up, down) = ui.input_mut(|i| {
            (
                i.consume_key(shift, Key::ArrowUp),
                i.consume_key(shift, Key::ArrowDown),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowUp),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowDown),
            )
        });
        if (up || shift_up) && place.index > 0 {
            moved = Some((place.index - 1, shift_up));
        } else if (down || shift_down) && place.index + 1 < place.count {
            moved = Some((place.index + 1, shift_down));
        }
    }
    if response.clicked() {
        // Clicking a row makes the list keyboard-active (↑/↓ go on from it). Space on a
        // focused row is a click too, so Ctrl+Space toggles the row like Ctrl-click.
        response.request_focus();
        // The modifiers held when the button went up (a fast click may change them within
        // the same frame), else those held now (Space on a focused row).
        let modifiers = ui.input(|i| {
            i.events
                .iter()
                .rev()
                .find_map(|event| match event {
                    egui::Event::PointerButton {
                        pressed: false,
                        modifiers,
                        ..
                    } => Some(*modifiers),
                    _ => None,
                })
                .unwrap_or(i.modifiers)
        });
        intents.push(if modifiers.command {
            Intent::Select(SelectionChange::Toggle(entry.id))
        } else if modifiers.shift {
            Intent::Select(SelectionChange::ExtendTo(entry.id))
        } else {
            Intent::SelectPhone(entry.id)
        });
    }
    if response.double_clicked() {
        panel.renaming = Some((entry.id, entry.name.clone()));
    }
    response.context_menu(|ui| {
        if ui.button("Rename…").clicked() {
            panel.renaming = Some((entry.id, entry.name.clone()));
            ui.close();
        }
        if ui.button("Remove from the list").clicked() {
            intents.push(Intent::RemovePhone(entry.id));
            ui.close();
        }
    });
    moved
}

fn selected_actions(
    ui: &mut Ui,
    list: &PhoneList,
    panel: &mut PhonesPanelState,
    intents: &mut Vec<Intent>,
) {
    let Some(entry) = list.selected_entry() else {
        return;
    };
    if panel.renaming.is_some() {
        return;
    }
    ui.horizontal(|ui| {
        ui.label(format!("Selected: {}", entry.display_name()));
        if ui
            .small_button("Rename…")
            .on_hover_text("Give this phone a name (double-click a row does the same)")
            .clicked()
        {
            panel.renaming = Some((entry.id, entry.name.clone()));
        }
        if ui
            .small_button("Remove")
            .on_hover_text("Take this phone off the list")
            .clicked()
        {
            intents.push(Intent::RemovePhone(entry.id));
        }
    });
}

/// The filter's id, so a shortcut can put the cursor in it.
pub fn filter_id() -> egui::Id {
    egui::Id::unique("phone list filter")
}

/// A row's screen-reader name: the row's facts in words, without its status glyph or line
/// break ("Reception, reachable, CP-8861-3PCC, 127.0.0.1:38095, firmware 11.3.7"), and its
/// stage in a run on many phones.
pub fn row_name(entry: &PhoneEntry, run_stage: Option<&str>) -> String {
    let address = entry.address.short();
    let name = entry.display_name();
    let mut parts = vec![name.clone(), entry.status.words().to_lowercase()];
    if let Some(model) = entry.model.as_ref().filter(|model| **model != name) {
        parts.push(model.clone());
    }
    if name != address {
        parts.push(address);
    }
    if let Some(firmware) = &entry.firmware {
        parts.push(format!("firmware {firmware}"));
    }
    if let Some(doubt) = identity_doubt(entry) {
        parts.push(doubt.to_string());
    }
    if let Some(stage) = run_stage {
        parts.push(format!("in this run: {stage}"));
    }
    parts.join(", ")
}

/// Two lines: light + name + status words, then address · model · firmware.
fn row_text(ui: &Ui, entry: &PhoneEntry, run_stage: Option<&str>) -> LayoutJob {
    let visuals = ui.visuals();
    let body = TextStyle::Body.resolve(ui.style());
    let small = TextStyle::Small.resolve(ui.style());
    let colour = style::status_colour(visuals, &entry.status);
    let mut job = LayoutJob::default();
    let format = |font: &FontId, color| TextFormat::simple(font.clone(), color);
    job.append(
        &format!("{} ", style::status_icon(&entry.status)),
        0.0,
        format(&body, colour),
    );
    job.append(
        &entry.display_name(),
        0.0,
        format(&body, visuals.strong_text_color()),
    );
    job.append(
        &format!("  {}", run_stage.unwrap_or(entry.status.words())),
        0.0,
        format(&small, colour),
    );
    let mut details = vec![entry.address.short()];
    if !entry.name.trim().is_empty()
        && let Some(model) = &entry.model
    {
        details.push(model.clone());
    }
    if let Some(firmware) = &entry.firmware {
        details.push(firmware.clone());
    }
    if let Some(doubt) = identity_doubt(entry) {
        details.push(doubt.to_string());
    }
    job.append(
        &format!("\n{}", details.join(" · ")),
        0.0,
        format(&small, visuals.text_color()),
    );
    job
}

/// Words for a host discovery is not sure of ("possibly a Cisco phone"); `None` when the
/// phone said who it is, or when it was added by hand.
fn identity_doubt(entry: &PhoneEntry) -> Option<&'static str> {
    use crate::discovery::Certainty;
    match entry.confidence?.cisco_phone {
        Certainty::Certain => None,
        Certainty::Likely => Some("likely a Cisco phone"),
        Certainty::Possible => Some("possibly a Cisco phone"),
        Certainty::Unknown => Some("not known to be a Cisco phone"),
    }
}

fn row_tooltip(entry: &PhoneEntry) -> String {
    let mut lines = vec![format!("Address: {}", entry.address.base_url())];
    if let Some(mac) = entry.mac {
        lines.push(format!("MAC: {mac}"));
    }
    if let Some(model) = &entry.model {
        lines.push(format!("Model: {model}"));
    }
    if let Some(firmware) = &entry.firmware {
        lines.push(format!("Firmware: {firmware}"));
    }
    if !entry.sources.is_empty() {
        lines.push(format!("Found by: {}", entry.sources.join(", ")));
    }
    if let Some(confidence) = entry.confidence {
        lines.push(format!(
            "Cisco phone: {} · model: {}",
            confidence.cisco_phone, confidence.model
        ));
    }
    if let crate::session::PhoneStatus::Failed(reason) = &entry.status {
        lines.push(format!("Last error: {reason}"));
    }
    lines.push("Right-click or double-click to rename".to_string());
    lines.join("\n")
}
