//! The summary of a submit to many phones: how many verified, wait or failed, each phone's
//! stage in words (a failure with its reason) and as a compact stepper, Cancel while it runs, *Retry the failed ones*,
//! *Export CSV…*, and Close once it has ended.

use egui::{Button, RichText, Ui};

use super::intent::Intent;
use super::widgets::stepper::{self as stepper_widget, StepperSize};
use super::{a11y, style};
use crate::session::site_run::{PhoneStage, SiteRun};
use crate::session::stepper;
use crate::session::timeline::Tone;

/// `now` is the time the running steps count up to (the frame's time; fixed in tests).
pub fn show(
    ui: &mut Ui,
    run: &SiteRun,
    zone: &jiff::tz::TimeZone,
    now: jiff::Timestamp,
) -> Vec<Intent> {
    let mut intents = Vec::new();
    let visuals = ui.visuals().clone();
    let counts = run.counts();
    let finished = run.finished();
    egui::Frame::group(ui.style())
        .inner_margin(8.0)
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                let title = if finished {
                    "Submit to many phones: done"
                } else if run.cancelled {
                    "Submit to many phones: cancelling"
                } else {
                    "Submit to many phones: running"
                };
                ui.heading(title);
                ui.label(format!("({} at once)", run.parallel));
            });
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(format!("✔ {} verified", counts.verified))
                        .strong()
                        .color(style::good_colour(&visuals)),
                );
                ui.label(
                    RichText::new(format!("⏳ {} waiting", counts.waiting))
                        .strong()
                        .color(style::progress_colour(&visuals)),
                );
                ui.label(
                    RichText::new(format!("✖ {} failed", counts.failed))
                        .strong()
                        .color(style::bad_colour(&visuals)),
                );
            });
            ui.horizontal_wrapped(|ui| {
                if !finished
                    && ui
                        .add_enabled(!run.cancelled, Button::new("Cancel the run"))
                        .on_hover_text("Stop every phone that has not ended yet")
                        .clicked()
                {
                    intents.push(Intent::CancelRun);
                }
                if counts.failed > 0
                    && ui
                        .button(format!("Retry the failed ones ({})", counts.failed))
                        .on_hover_text("Send the same values again to the phones that failed")
                        .clicked()
                {
                    intents.push(Intent::RetryFailed);
                }
                if ui
                    .button("Export CSV…")
                    .on_hover_text(
                        "One row per phone: who it is, each field old and new, the outcome \
                         and its reason, start and end times",
                    )
                    .clicked()
                {
                    intents.push(Intent::ExportRun);
                }
                if finished && ui.button("Close the summary").clicked() {
                    intents.push(Intent::CloseRun);
                }
            });
            ui.add_space(4.0);
            let output = egui::ScrollArea::vertical()
                .id_salt("run phones")
                .max_height(240.0)
                .show(ui, |ui| {
                    egui::Grid::new("run phones grid")
                        .num_columns(3)
                        .spacing([14.0, 3.0])
                        .striped(true)
                        .show(ui, |ui| {
                            for phone in &run.phones {
                                let (icon, tone) = look(&phone.stage);
                                let colour = style::tone_colour(&visuals, tone);
                                ui.label(RichText::new(format!("{icon} {}", phone.name)).strong());
                                ui.label(RichText::new(short_address(&phone.address)).weak());
                                // The stage as a compact stepper, which names its current
                                // step; below it, the words only where they say more: a
                                // failure's reason, or a phone not started yet.
                                ui.vertical(|ui| {
                                    let running = matches!(phone.stage, PhoneStage::Running(_));
                                    stepper_widget::show(
                                        ui,
                                        &stepper::steps(&phone.events, running),
                                        zone,
                                        now,
                                        StepperSize::Compact,
                                    );
                                    if matches!(
                                        phone.stage,
                                        PhoneStage::Failed(_) | PhoneStage::Queued
                                    ) {
                                        ui.add(
                                            egui::Label::new(
                                                RichText::new(phone.stage.words()).color(colour),
                                            )
                                            .wrap(),
                                        );
                                    }
                                });
                                ui.end_row();
                            }
                        });
                });
            a11y::name_scroll_bars(ui.ctx(), output.id, "the phones of the run");
        });
    intents
}

/// The icon and colour of a stage.
fn look(stage: &PhoneStage) -> (&'static str, Tone) {
    match stage {
        PhoneStage::Queued => ("…", Tone::Info),
        PhoneStage::Running(stage) => (style::stage_icon(*stage), Tone::Progress),
        PhoneStage::Verified => ("✔", Tone::Good),
        PhoneStage::Failed(_) => ("✖", Tone::Bad),
    }
}

/// `127.0.0.1:8081` from `http://127.0.0.1:8081`.
fn short_address(address: &str) -> &str {
    address.split_once("://").map_or(address, |(_, rest)| rest)
}
