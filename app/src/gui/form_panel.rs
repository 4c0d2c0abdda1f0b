//! The Configuration Profile fields, built from the profile schema: one row per field with
//! the widget its kind needs, the default and a one-click restore, the unit in words, help,
//! validation as you type, the phone's own value when it differs, and what the phone
//! confirmed.

use egui::{RichText, TextEdit, Ui};

use super::intent::Intent;
use super::{a11y, style, widgets};
use crate::identity::FirmwareLine;
use crate::profile::{Finding, Kind, ParamDef, Severity, hint, schema};
use crate::session::{FormCheck, PhoneEntry};

pub struct FormContext<'a> {
    pub entry: &'a PhoneEntry,
    pub check: &'a FormCheck,
    pub line: FirmwareLine,
    pub zone: &'a jiff::tz::TimeZone,
    /// Whether "resync now" can run (offered next to a URL pasted into a trigger).
    pub engine: bool,
}

pub fn show(ui: &mut Ui, form: &FormContext<'_>) -> Vec<Intent> {
    let mut intents = Vec::new();
    for group in schema::Group::ALL {
        let fields: Vec<&'static ParamDef> = schema::group_fields(group)
            .filter(|d| d.exists_on(form.line))
            .collect();
        if fields.is_empty() {
            continue;
        }
        let shown = egui::CollapsingHeader::new(RichText::new(group.label()).strong().size(17.0))
            .id_salt(group.label())
            .default_open(group == schema::Group::ConfigurationProfile)
            .show(ui, |ui| {
                for def in fields {
                    field_row(ui, form, def, &mut intents);
                    ui.add_space(6.0);
                }
            });
        a11y::group_state(&shown);
        ui.add_space(6.0);
    }
    intents
}

/// Width of the label column; long labels wrap.
const LABEL_WIDTH: f32 = 190.0;

fn field_row(
    ui: &mut Ui,
    form: &FormContext<'_>,
    def: &'static ParamDef,
    intents: &mut Vec<Intent>,
) {
    ui.horizontal_top(|ui| {
        let state = &form.entry.form;
        let changed = state.is_changed(def.element);
        let visuals = ui.visuals().clone();
        // Label column: the page's label, help on hover, marked when changed.
        let mut label_text = RichText::new(def.label);
        if changed {
            label_text = label_text.strong().color(style::progress_colour(&visuals));
        }
        let label = ui
            .allocate_ui_with_layout(
                egui::vec2(LABEL_WIDTH, ui.spacing().interact_size.y),
                egui::Layout::top_down(egui::Align::Min),
                |ui| {
                    ui.set_width(LABEL_WIDTH);
                    ui.add(egui::Label::new(label_text).wrap())
                        .on_hover_text(field_help(def, form.line))
                },
            )
            .inner;
        ui.vertical(|ui| field_editor(ui, form, def, label.id, intents));
    });
}

/// Everything right of the label: the editor and its hints, the phone's value when edited,
/// the default, the checks, and what the phone did with a sent value.
fn field_editor(
    ui: &mut Ui,
    form: &FormContext<'_>,
    def: &'static ParamDef,
    label: egui::Id,
    intents: &mut Vec<Intent>,
) {
    let state = &form.entry.form;
    let default = def.default_for(form.line);
    let shown = state.shown_value(def.element, default);
    value_line(ui, def, shown, default, label, intents);
    if state.is_changed(def.element) {
        phone_difference(ui, form, def, intents);
    }
    if !def.read_only && shown != default {
        default_line(ui, def, default, intents);
    }
    for finding in form.check.for_field(def.element) {
        finding_line(ui, finding, form.engine, intents);
    }
    rule_previews(ui, form, def);
    send_state(ui, form, def);
}

/// The editor, with the value in words, "= default" and what the field accepts.
fn value_line(
    ui: &mut Ui,
    def: &'static ParamDef,
    shown: &str,
    default: &str,
    label: egui::Id,
    intents: &mut Vec<Intent>,
) {
    let quiet = style::quiet_colour(ui.visuals());
    ui.horizontal_wrapped(|ui| {
        if let Some(text) = editor(ui, def, shown, label, &field_description(def)) {
            intents.push(Intent::EditField(def.element.to_string(), text));
        }
        let hint = hint::value_hint(def, shown).or_else(|| {
            shown
                .trim()
                .is_empty()
                .then(|| hint::unit_hint(def).map(str::to_string))
                .flatten()
        });
        if let Some(hint) = hint {
            ui.label(RichText::new(hint).color(quiet));
        }
        if def.read_only {
            ui.label(RichText::new("(read-only)").color(quiet));
        } else if shown == default {
            ui.label(RichText::new("= default").color(quiet))
                .on_hover_text("This is the default for this firmware");
        }
        // What the phone accepts, last: it matters when the value is off.
        if let Some(range) = hint::range_hint(def) {
            ui.label(RichText::new(format!("({range})")).color(quiet).small())
                .on_hover_text(hint::accepts(def).unwrap_or_default());
        }
    });
}

/// An edited field: what the phone has, and Undo.
fn phone_difference(
    ui: &mut Ui,
    form: &FormContext<'_>,
    def: &'static ParamDef,
    intents: &mut Vec<Intent>,
) {
    let phone = match form.entry.form.phone_value(def.element) {
        Some("") => "Phone has: (empty)".to_string(),
        Some(_) if def.secret => "Phone has another value".to_string(),
        Some(value) => format!("Phone has: {value}"),
        None => "Changed; the phone's value is not read yet".to_string(),
    };
    let colour = style::progress_colour(ui.visuals());
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!("✏ {phone}")).color(colour));
        if ui
            .small_button("Undo")
            .on_hover_text("Drop this edit")
            .accessible_name(format!("Undo the edit of {}", def.label))
            .clicked()
        {
            intents.push(Intent::RevertField(def.element.to_string()));
        }
    });
}

/// A value that is not the default: the default, and "Use default".
fn default_line(ui: &mut Ui, def: &'static ParamDef, default: &str, intents: &mut Vec<Intent>) {
    let quiet = style::quiet_colour(ui.visuals());
    ui.horizontal_wrapped(|ui| {
        let default_words = if default.is_empty() {
            "(empty)".to_string()
        } else {
            shorten(default, 40)
        };
        let default_label =
            ui.label(RichText::new(format!("Default: {default_words}")).color(quiet));
        if default_words != default && !default.is_empty() {
            // Shortened: the whole default on hover.
            default_label.on_hover_text(default);
        }
        let restore = ui
            .small_button("Use default")
            .on_hover_text(format!("Set {} back to its default", def.label))
            .accessible_name(format!("Use the default of {}", def.label));
        if restore.clicked() {
            intents.push(Intent::EditField(
                def.element.to_string(),
                default.to_string(),
            ));
        }
    });
}

/// A profile rule: the URL this phone would fetch.
fn rule_previews(ui: &mut Ui, form: &FormContext<'_>, def: &'static ParamDef) {
    let Some(previews) = form.check.previews.get(def.element) else {
        return;
    };
    let quiet = style::quiet_colour(ui.visuals());
    for preview in previews {
        let mut text = format!("➡ This phone would fetch {}", preview.url);
        if let Some(condition) = &preview.condition {
            text.push_str(&format!("  (when {condition})"));
        }
        ui.add(egui::Label::new(RichText::new(text).color(quiet)).wrap());
    }
}

/// What became of a sent value: awaited, refused (with what the phone reads back), or
/// confirmed.
fn send_state(ui: &mut Ui, form: &FormContext<'_>, def: &'static ParamDef) {
    let state = &form.entry.form;
    let visuals = ui.visuals().clone();
    if state.sent.contains_key(def.element) {
        ui.label(
            RichText::new("⏳ Sent; waiting for the phone to confirm")
                .color(style::progress_colour(&visuals)),
        );
    } else if let Some(refusal) = state.refused.get(def.element) {
        let time = refusal
            .at
            .to_zoned(form.zone.clone())
            .strftime("%H:%M:%S")
            .to_string();
        let reads = match &refusal.read_back {
            Some(value) if value.is_empty() => "reads back empty".to_string(),
            Some(value) => format!("reads back as {}", hint::excerpt(value)),
            None => "is not reported by the phone at all".to_string(),
        };
        ui.add(
            egui::Label::new(
                RichText::new(format!(
                    "✖ Not taken: sent {}, but at {time} it {reads}. The phone may not accept \
                     this value on its firmware; your edit is kept.",
                    hint::excerpt(&refusal.wanted)
                ))
                .color(visuals.error_fg_color),
            )
            .wrap(),
        );
    } else if let Some(at) = state.confirmed.get(def.element) {
        let time = at
            .to_zoned(form.zone.clone())
            .strftime("%H:%M:%S")
            .to_string();
        ui.label(
            RichText::new(format!("✔ Confirmed by the phone at {time}"))
                .color(style::good_colour(&visuals)),
        );
    }
}

/// Draws the widget for the field's kind; returns the new text when the user changed it.
pub(super) fn editor(
    ui: &mut Ui,
    def: &'static ParamDef,
    shown: &str,
    label: egui::Id,
    description: &str,
) -> Option<String> {
    if def.read_only {
        let value = ui
            .label(RichText::new(shown).monospace())
            .labelled_by(label);
        a11y::describe(&value, description);
        return None;
    }
    match def.kind {
        Kind::YesNo => {
            let mut on = shown.trim().eq_ignore_ascii_case("yes");
            let recognised = on || shown.trim().eq_ignore_ascii_case("no");
            let response = widgets::yes_no_switch(ui, &mut on, def.label);
            a11y::describe(&response, description);
            let words = if recognised {
                if on { "Yes" } else { "No" }
            } else {
                shown
            };
            ui.label(words);
            response
                .changed()
                .then(|| if on { "Yes" } else { "No" }.to_string())
        }
        Kind::Choice(choices) => {
            let mut selected = shown.to_string();
            let current = if shown.is_empty() { "(empty)" } else { shown };
            let response = egui::ComboBox::from_id_salt(def.element)
                .selected_text(current)
                .width(240.0)
                .show_ui(ui, |ui| {
                    for choice in choices {
                        ui.selectable_value(&mut selected, (*choice).to_string(), *choice);
                    }
                });
            let response = response.response.labelled_by(label);
            a11y::choice_value(&response, current);
            a11y::describe(&response, description);
            (selected != shown).then_some(selected)
        }
        Kind::Integer { .. } | Kind::TimeHhmm => {
            let mut text = shown.to_string();
            let response = ui
                .add(
                    TextEdit::singleline(&mut text)
                        .id_salt(def.element)
                        .desired_width(90.0),
                )
                .labelled_by(label);
            a11y::describe(&response, description);
            response.changed().then_some(text)
        }
        Kind::Schedule | Kind::DhcpOptions => {
            let mut text = shown.to_string();
            let response = ui
                .add(
                    TextEdit::singleline(&mut text)
                        .id_salt(def.element)
                        .desired_width(150.0),
                )
                .labelled_by(label);
            a11y::describe(&response, description);
            response.changed().then_some(text)
        }
        Kind::ProfileRule | Kind::Condition | Kind::MacroTemplate | Kind::Text => {
            let mut text = shown.to_string();
            let edit = TextEdit::singleline(&mut text)
                .id_salt(def.element)
                .desired_width((ui.available_width() - 100.0).clamp(180.0, 460.0))
                .password(def.secret);
            let edit = if matches!(def.kind, Kind::Text) {
                edit
            } else {
                // Monospace like a code editor, but Tab must move focus: a tab character is
                // never valid here, and a field that keeps focus is a keyboard trap.
                edit.code_editor().lock_focus(false)
            };
            let response = ui.add(edit).labelled_by(label);
            a11y::describe(&response, description);
            response.changed().then_some(text)
        }
    }
}

fn finding_line(ui: &mut Ui, finding: &Finding, engine: bool, intents: &mut Vec<Intent>) {
    let visuals = ui.visuals().clone();
    let (icon, colour) = match finding.severity {
        Severity::Error => ("✖", style::bad_colour(&visuals)),
        Severity::Warning => ("⚠", style::warn_colour(&visuals)),
    };
    let mut text = format!("{icon} {}", finding.message);
    if let Some(position) = finding.position {
        text.push_str(&format!(" (at character {})", position + 1));
    }
    ui.add(egui::Label::new(RichText::new(text).color(colour)).wrap());
    if let Some(fix) = &finding.fix {
        ui.add(egui::Label::new(RichText::new(format!("Fix: {fix}")).color(colour)).wrap());
    }
    if let Some(url) = &finding.resync_url {
        let words = if url.is_empty() {
            "Resync now with the phone's own rules".to_string()
        } else {
            format!("Resync now from {}", shorten(url, 60))
        };
        let button = ui
            .add_enabled(engine, egui::Button::new(words))
            .on_disabled_hover_text("phoneprov cannot talk to phones right now.");
        if button.clicked() {
            intents.push(Intent::ResyncNow((!url.is_empty()).then(|| url.clone())));
        }
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// What a screen reader says after a field's name and value: the schema's help, the unit and
/// what the field accepts (the range), in sentences.
pub(super) fn field_description(def: &ParamDef) -> String {
    let mut text = def.help.trim().to_string();
    if let Some(unit) = hint::unit_hint(def) {
        text.push_str(&format!(" Unit: {unit}."));
    }
    if let Some(accepts) = hint::accepts(def) {
        text.push_str(&format!(" Accepts {accepts}."));
    }
    text
}

/// The tooltip of a field: the schema's help, what it accepts, its XML element.
fn field_help(def: &ParamDef, line: FirmwareLine) -> String {
    let mut text = def.help.to_string();
    if let Some(accepts) = hint::accepts(def) {
        text.push_str(&format!("\n\nAccepts {accepts}."));
    }
    text.push_str(&format!("\n\nXML element: {}", def.element_for(line)));
    text
}
