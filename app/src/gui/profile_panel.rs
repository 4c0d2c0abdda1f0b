//! The Configuration Profile form (centre) for the selected phone: header, actions, then the
//! fields, built from the profile schema.

use egui::{Button, RichText, Ui};

use super::form_panel::{self, FormContext};
use super::intent::Intent;
use super::{a11y, shortcuts, style};
use crate::identity::FirmwareLine;
use crate::session::{FormCheck, PhoneEntry, PhoneStatus};

/// What the app can do now; buttons for what it cannot are shown disabled with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The apply → resync → verify engine opened (it needs its data directory).
    pub engine: bool,
}

/// Text being typed in the panel; not persisted.
#[derive(Debug, Clone, Default)]
pub struct ProfilePanelState {
    /// The one-off rule or URL for "Resync now".
    pub one_off_rule: String,
}

pub(super) const NO_ENGINE: &str =
    "phoneprov cannot talk to phones right now (see the notice at the top of the window).";

pub fn show(
    ui: &mut Ui,
    entry: Option<&PhoneEntry>,
    panel: &mut ProfilePanelState,
    capabilities: Capabilities,
    check: &FormCheck,
    zone: &jiff::tz::TimeZone,
) -> Vec<Intent> {
    let mut intents = Vec::new();
    let Some(entry) = entry else {
        ui.add_space(40.0);
        ui.vertical_centered(|ui| {
            ui.heading("Select a phone on the left");
            ui.label("or add one by its address to see and edit its Configuration Profile.");
        });
        return intents;
    };
    let line = entry.firmware_line();
    header(ui, entry, line);
    actions(ui, entry, panel, capabilities, check, &mut intents);
    ui.separator();
    intents.extend(form_panel::show(
        ui,
        &FormContext {
            entry,
            check,
            line: line.unwrap_or(FirmwareLine::ASSUMED),
            zone,
            engine: capabilities.engine,
        },
    ));
    intents
}

fn header(ui: &mut Ui, entry: &PhoneEntry, line: Option<FirmwareLine>) {
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!("{} — Configuration Profile", entry.display_name()));
    });
    let mut facts = vec![entry.address.base_url()];
    facts.push(
        entry
            .model
            .clone()
            .unwrap_or_else(|| "model unknown".into()),
    );
    facts.push(
        entry
            .firmware
            .as_ref()
            .map(|f| format!("firmware {f}"))
            .unwrap_or_else(|| "firmware unknown".into()),
    );
    facts.push(match line {
        Some(line) => format!("defaults of {}", line.label()),
        None => format!("defaults of {} assumed", FirmwareLine::ASSUMED.label()),
    });
    if let Some(mac) = entry.mac {
        facts.push(format!("MAC {mac}"));
    }
    ui.label(facts.join("  ·  "));
    let colour = style::status_colour(ui.visuals(), &entry.status);
    let status = match &entry.status {
        PhoneStatus::Failed(reason) => format!("Failed: {reason}"),
        PhoneStatus::NotContacted => {
            "Not yet contacted: the values below are the firmware defaults, not what the phone has."
                .to_string()
        }
        other => other.words().to_string(),
    };
    ui.label(
        RichText::new(format!("{} {status}", style::status_icon(&entry.status))).color(colour),
    );
}

/// The actions row (submit, revert, password, resync) and the summary of the checks.
fn actions(
    ui: &mut Ui,
    entry: &PhoneEntry,
    panel: &mut ProfilePanelState,
    capabilities: Capabilities,
    check: &FormCheck,
    intents: &mut Vec<Intent>,
) {
    let changes = entry.form.changes().len();
    let blocked = check.blocks_submit(&entry.form);
    ui.horizontal_wrapped(|ui| {
        edit_buttons(ui, entry, capabilities, changes, blocked, intents);
        ui.separator();
        resync_controls(ui, panel, capabilities, intents);
    });
    check_summary(ui, check, changes);
}

/// Submit (refused while a field is in error), Revert, and the password prompt.
fn edit_buttons(
    ui: &mut Ui,
    entry: &PhoneEntry,
    capabilities: Capabilities,
    changes: usize,
    blocked: bool,
    intents: &mut Vec<Intent>,
) {
    let submit_text = match changes {
        0 => "Submit…".to_string(),
        1 => "Submit 1 change…".to_string(),
        n => format!("Submit {n} changes…"),
    };
    let submit = ui.add_enabled(
        capabilities.engine && changes > 0 && !blocked,
        Button::new(RichText::new(submit_text).strong()),
    );
    let keys = shortcuts::words(ui.ctx(), &shortcuts::OPEN_REVIEW);
    a11y::shortcut(&submit, &keys);
    let submit = submit.on_hover_text(format!("Review the changes before they are sent ({keys})"));
    let submit = if !capabilities.engine {
        submit.on_disabled_hover_text(NO_ENGINE)
    } else if blocked {
        submit.on_disabled_hover_text("Fix the fields marked in red first.")
    } else {
        submit.on_disabled_hover_text("Change a field first; nothing differs from the phone.")
    };
    if submit.clicked() {
        intents.push(Intent::ReviewChanges);
    }
    let revert = ui
        .add_enabled(!entry.form.edits.is_empty(), Button::new("Revert"))
        .on_hover_text("Drop every edit and show what the phone has");
    if revert.clicked() {
        intents.push(Intent::RevertAll);
    }
    if ui
        .button("🔑 Password…")
        .accessible_name("Password…")
        .on_hover_text("The phone's admin login, kept in this computer's secret store")
        .clicked()
    {
        intents.push(Intent::OpenCredentials);
    }
}

/// Resync with the phone's own rules, or once from a URL or rule typed here.
fn resync_controls(
    ui: &mut Ui,
    panel: &mut ProfilePanelState,
    capabilities: Capabilities,
    intents: &mut Vec<Intent>,
) {
    let resync = ui
        .add_enabled(capabilities.engine, Button::new("⟳ Resync now"))
        .accessible_name("Resync now")
        .on_hover_text("The phone fetches its profile with its own Profile Rules")
        .on_disabled_hover_text(NO_ENGINE);
    if resync.clicked() {
        intents.push(Intent::ResyncNow(None));
    }
    let label = ui.label("or from:");
    let rule = ui
        .add(
            egui::TextEdit::singleline(&mut panel.one_off_rule)
                .hint_text("http://server/profile.xml")
                .desired_width(220.0),
        )
        .labelled_by(label.id)
        .on_hover_text(
            "A one-off URL or rule for this resync only; the phone's rules stay as they are",
        );
    let once = ui
        .add_enabled(
            capabilities.engine && !panel.one_off_rule.trim().is_empty(),
            Button::new("Resync from URL"),
        )
        .on_disabled_hover_text(if capabilities.engine {
            "Type a URL or rule first"
        } else {
            NO_ENGINE
        });
    let entered = rule.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if once.clicked() || (entered && capabilities.engine && !panel.one_off_rule.trim().is_empty()) {
        intents.push(Intent::ResyncNow(Some(
            panel.one_off_rule.trim().to_string(),
        )));
    }
}

/// Errors, warnings and edits of the form, counted.
fn check_summary(ui: &mut Ui, check: &FormCheck, changes: usize) {
    let visuals = ui.visuals().clone();
    ui.horizontal_wrapped(|ui| {
        if check.errors > 0 {
            ui.colored_label(
                style::bad_colour(&visuals),
                format!("✖ {} field(s) in error", check.errors),
            );
        }
        if check.warnings > 0 {
            ui.colored_label(
                style::warn_colour(&visuals),
                format!("⚠ {} warning(s)", check.warnings),
            );
        }
        if check.errors == 0 && check.warnings == 0 {
            ui.colored_label(style::good_colour(&visuals), "✔ All values are valid");
        }
        if changes > 0 {
            ui.colored_label(
                style::progress_colour(&visuals),
                format!("✏ {changes} field(s) differ from the phone"),
            );
        }
    });
}
