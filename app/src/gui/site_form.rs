//! The Configuration Profile form for many selected phones: one change set for all of them.
//! Each field shows what the phones hold now ("3 phones: 3600; 2 phones: 86400"), the
//! phones whose firmware has no such field, and the validator's findings phone by phone.

use egui::{Button, RichText, Ui};

use super::form_panel;
use super::intent::Intent;
use super::style;
use crate::identity::FirmwareLine;
use crate::profile::{ParamDef, Severity, schema};
use crate::session::PhoneEntry;
use crate::session::site_edit::{SiteCheck, SiteEdit, agreement_on, line_of};

/// What the form draws.
pub struct SiteFormContext<'a> {
    pub phones: &'a [&'a PhoneEntry],
    pub edit: &'a SiteEdit,
    pub check: &'a SiteCheck,
    /// The provisioning engine is there (Submit needs it).
    pub engine: bool,
    /// A run on many phones is going on (a second one waits for it).
    pub running: bool,
}

pub fn show(ui: &mut Ui, form: &SiteFormContext<'_>) -> Vec<Intent> {
    let mut intents = Vec::new();
    ui.add_space(4.0);
    ui.heading(format!(
        "{} phones selected — one change set for all",
        form.phones.len()
    ));
    let names: Vec<String> = form.phones.iter().map(|p| p.display_name()).collect();
    ui.add(egui::Label::new(names.join(" · ")).wrap());
    actions(ui, form, &mut intents);
    ui.separator();
    // Each phone's line once per frame, not once per field.
    let lines: Vec<FirmwareLine> = form.phones.iter().map(|p| line_of(p)).collect();
    for group in schema::Group::ALL {
        let fields: Vec<&'static ParamDef> = schema::group_fields(group)
            .filter(|d| !d.read_only)
            .filter(|d| lines.iter().any(|line| d.exists_on(*line)))
            .collect();
        if fields.is_empty() {
            continue;
        }
        egui::CollapsingHeader::new(RichText::new(group.label()).strong().size(17.0))
            .id_salt(("site", group.label()))
            .default_open(group == schema::Group::ConfigurationProfile)
            .show(ui, |ui| {
                for def in fields {
                    field_row(ui, form, &lines, def, &mut intents);
                    ui.add_space(6.0);
                }
            });
        ui.add_space(6.0);
    }
    intents
}

/// Submit to all, Revert, and the state of the checks.
fn actions(ui: &mut Ui, form: &SiteFormContext<'_>, intents: &mut Vec<Intent>) {
    let receiving = form
        .phones
        .iter()
        .filter(|p| !form.edit.changes_for(p).is_empty())
        .count();
    let blocked = form.check.blocks_submit();
    ui.horizontal_wrapped(|ui| {
        let text = match receiving {
            0 => "Submit to the selected phones…".to_string(),
            n => format!("Submit to {n} phone{}…", if n == 1 { "" } else { "s" }),
        };
        let submit = ui
            .add_enabled(
                form.engine && receiving > 0 && !blocked && !form.running,
                Button::new(RichText::new(text).strong()),
            )
            .on_disabled_hover_text(if !form.engine {
                "phoneprov cannot talk to phones right now."
            } else if form.running {
                "A submit to many phones is still running; wait for it or cancel it."
            } else if blocked {
                "Fix the fields marked in red first."
            } else {
                "Change a field first; every selected phone has these values."
            });
        if submit.clicked() {
            intents.push(Intent::ReviewSite);
        }
        let revert = ui
            .add_enabled(!form.edit.edits.is_empty(), Button::new("Revert"))
            .on_hover_text("Drop the change set");
        if revert.clicked() {
            intents.push(Intent::RevertSite);
        }
    });
    let visuals = ui.visuals().clone();
    ui.horizontal_wrapped(|ui| {
        if form.check.errors > 0 {
            ui.colored_label(
                style::bad_colour(&visuals),
                format!("✖ {} error(s) on the selected phones", form.check.errors),
            );
        } else {
            ui.colored_label(
                style::good_colour(&visuals),
                "✔ The changes are valid on every selected phone",
            );
        }
        if !form.edit.edits.is_empty() {
            ui.colored_label(
                style::progress_colour(&visuals),
                format!("✏ {} field(s) in the change set", form.edit.edits.len()),
            );
        }
    });
}

fn field_row(
    ui: &mut Ui,
    form: &SiteFormContext<'_>,
    lines: &[FirmwareLine],
    def: &'static ParamDef,
    intents: &mut Vec<Intent>,
) {
    let agreement = agreement_on(form.phones, lines, def);
    let edited = form.edit.edits.get(def.element);
    ui.horizontal_top(|ui| {
        let visuals = ui.visuals().clone();
        let mut label_text = RichText::new(def.label);
        if edited.is_some() {
            label_text = label_text.strong().color(style::progress_colour(&visuals));
        }
        let label = ui
            .allocate_ui_with_layout(
                egui::vec2(190.0, ui.spacing().interact_size.y),
                egui::Layout::top_down(egui::Align::Min),
                |ui| {
                    ui.set_width(190.0);
                    ui.add(egui::Label::new(label_text).wrap())
                        .on_hover_text(def.help)
                },
            )
            .inner;
        ui.vertical(|ui| {
            // The edit, else the value every phone agrees on, else empty.
            let agreed = match agreement.values.as_slice() {
                [(value, _)] if agreement.agrees() => value.as_str(),
                _ => "",
            };
            let shown = edited.map_or(agreed, String::as_str);
            ui.horizontal_wrapped(|ui| {
                if let Some(text) = form_panel::editor(
                    ui,
                    def,
                    shown,
                    label.id,
                    &form_panel::field_description(def),
                ) {
                    intents.push(Intent::EditSiteField(def.element.to_string(), text));
                }
                if edited.is_some()
                    && ui
                        .small_button("Undo")
                        .accessible_name(format!("Undo the change of {}", def.label))
                        .clicked()
                {
                    intents.push(Intent::RevertSiteField(def.element.to_string()));
                }
            });
            let quiet = style::quiet_colour(&visuals);
            let now = if def.secret {
                "Values hidden (a password or key)".to_string()
            } else {
                agreement.words()
            };
            if !now.is_empty() {
                let colour = if agreement.agrees() {
                    quiet
                } else {
                    style::warn_colour(&visuals)
                };
                let prefix = if agreement.agrees() {
                    "Now"
                } else {
                    "Differs now"
                };
                ui.add(
                    egui::Label::new(RichText::new(format!("{prefix}: {now}")).color(colour))
                        .wrap(),
                );
            }
            if let Some(lacking) = agreement.lacking_words() {
                ui.add(egui::Label::new(RichText::new(lacking).color(quiet)).wrap());
            }
            for found in form.check.for_field(def.element) {
                let (icon, colour) = match found.finding.severity {
                    Severity::Error => ("✖", style::bad_colour(&visuals)),
                    Severity::Warning => ("⚠", style::warn_colour(&visuals)),
                };
                let mut text = format!("{icon} {}: {}", found.phone, found.finding.message);
                if let Some(fix) = &found.finding.fix {
                    text.push_str(&format!(" Fix: {fix}"));
                }
                ui.add(egui::Label::new(RichText::new(text).color(colour)).wrap());
            }
        });
    });
}
