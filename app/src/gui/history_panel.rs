//! History and rollback for the selected phone: its snapshots (when, why, what changed
//! since), each with "Compare with now" and "Restore this snapshot…", which opens the restore
//! review and then goes through the same apply-and-verify as a submit. The snapshots are the
//! ones `phoneprov history` lists; the shell loads them in the background.

use egui::{RichText, Ui};
use poll_promise::Promise;

use super::intent::Intent;
use crate::identity::Mac;
use crate::provision::Snapshot;
use crate::session::history_view::{self, HistoryView};
use crate::session::{PhoneEntry, PhoneId};

/// How many snapshots are listed (newest first); the command line lists them all.
const SHOWN: usize = 12;

/// The history being shown and its load.
#[derive(Default)]
pub struct HistoryPanelState {
    /// Whose history is loaded or loading: the phone and the MAC it was looked up by.
    pub loaded_for: Option<(PhoneId, Option<Mac>)>,
    pub loading: Option<Promise<Result<Vec<Snapshot>, String>>>,
    pub view: HistoryView,
    /// The snapshot compared with the phone now, by id.
    pub compare: Option<String>,
    /// Load again (an operation may have saved a snapshot).
    pub stale: bool,
}

pub fn show(
    ui: &mut Ui,
    entry: &PhoneEntry,
    state: &HistoryPanelState,
    zone: &jiff::tz::TimeZone,
    running: bool,
) -> Vec<Intent> {
    let mut intents = Vec::new();
    let count = state.view.snapshots.len();
    egui::CollapsingHeader::new(format!("History and rollback ({count} snapshot(s))"))
        .id_salt("history")
        .show(ui, |ui| {
            if state.loading.is_some() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Reading the snapshots…");
                });
                return;
            }
            if let Some(problem) = &state.view.problem {
                ui.label(RichText::new(problem).color(ui.visuals().error_fg_color));
                return;
            }
            if count == 0 {
                ui.label(
                    "No snapshots yet. phoneprov saves one before every change it sends \
                     (from this window or `phoneprov set`), so each change can be undone here.",
                );
                return;
            }
            let now = entry.facts.as_ref().map(|facts| &facts.settings);
            if now.is_none() {
                ui.label("Read the phone to compare its snapshots with what it has now.");
            }
            for snapshot in state.view.snapshots.iter().take(SHOWN) {
                snapshot_row(ui, snapshot, now, state, zone, running, &mut intents);
                ui.separator();
            }
            if count > SHOWN {
                ui.label(format!(
                    "{} older snapshot(s) not shown; `phoneprov history` lists them all",
                    count - SHOWN
                ));
            }
        });
    intents
}

fn snapshot_row(
    ui: &mut Ui,
    snapshot: &Snapshot,
    now: Option<&std::collections::BTreeMap<String, String>>,
    state: &HistoryPanelState,
    zone: &jiff::tz::TimeZone,
    running: bool,
    intents: &mut Vec<Intent>,
) {
    let taken = snapshot
        .taken_at
        .to_zoned(zone.clone())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string();
    let differences = now.map(|now| history_view::differences(snapshot, now));
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(&taken).monospace().strong());
        ui.label(format!("({})", snapshot.reason));
        if let Some(differences) = &differences {
            ui.label(history_view::changed_since(differences, 3));
        }
    });
    let comparing = state.compare.as_deref() == Some(snapshot.id.as_str());
    ui.horizontal(|ui| {
        let compare = ui.add_enabled(
            differences.is_some(),
            egui::Button::new(if comparing {
                "Hide the comparison"
            } else {
                "Compare with now"
            }),
        );
        if compare.clicked() {
            intents.push(Intent::CompareSnapshot(
                (!comparing).then(|| snapshot.id.clone()),
            ));
        }
        let can_restore = !running && differences.as_ref().is_some_and(|d| !d.is_empty());
        let restore = ui
            .add_enabled(can_restore, egui::Button::new("Restore this snapshot…"))
            .on_hover_text(
                "Review what goes back, then send it and read it back from the phone, \
                 like a submit",
            );
        if restore.clicked() {
            intents.push(Intent::ReviewRestore(snapshot.id.clone()));
        }
    });
    if comparing && let Some(differences) = &differences {
        comparison(ui, snapshot, differences);
    }
}

/// The snapshot's values beside the phone's, for every value that differs.
fn comparison(ui: &mut Ui, snapshot: &Snapshot, differences: &[history_view::Difference]) {
    if differences.is_empty() {
        ui.label("The phone has every value of this snapshot.");
    } else {
        egui::Grid::new(("comparison", &snapshot.id))
            .num_columns(3)
            .striped(true)
            .spacing([16.0, 4.0])
            .show(ui, |ui| {
                ui.label(RichText::new("Field").strong());
                ui.label(RichText::new("In the snapshot").strong());
                ui.label(RichText::new("Now").strong());
                ui.end_row();
                for difference in differences {
                    ui.label(&difference.label);
                    ui.label(RichText::new(shown(Some(&difference.then))).monospace());
                    ui.label(RichText::new(shown(difference.now.as_ref())).monospace());
                    ui.end_row();
                }
            });
    }
    if !snapshot.withheld.is_empty() {
        ui.label(format!(
            "Not in the snapshot, because they hold a password or key (a restore cannot put \
             them back): {}",
            snapshot
                .withheld
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

fn shown(value: Option<&String>) -> String {
    match value {
        None => "(not reported)".to_string(),
        Some(value) if value.is_empty() => "(empty)".to_string(),
        Some(value) => value.clone(),
    }
}
