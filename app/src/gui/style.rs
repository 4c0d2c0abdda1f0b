//! Colours, icons and text sizes for statuses, readable in light and dark themes. Every
//! status is shown as colour + icon + words, never colour alone.

use egui::{Color32, Visuals};

use crate::session::{PhoneStatus, Stage, Tone};

pub fn good_colour(visuals: &Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(80, 200, 120)
    } else {
        Color32::from_rgb(0, 120, 50)
    }
}

pub fn progress_colour(visuals: &Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(110, 170, 255)
    } else {
        Color32::from_rgb(20, 90, 200)
    }
}

pub fn bad_colour(visuals: &Visuals) -> Color32 {
    visuals.error_fg_color
}

pub fn warn_colour(visuals: &Visuals) -> Color32 {
    visuals.warn_fg_color
}

pub fn quiet_colour(visuals: &Visuals) -> Color32 {
    visuals.weak_text_color()
}

pub fn tone_colour(visuals: &Visuals, tone: Tone) -> Color32 {
    match tone {
        Tone::Progress => progress_colour(visuals),
        Tone::Good => good_colour(visuals),
        Tone::Bad => bad_colour(visuals),
        Tone::Info => visuals.text_color(),
    }
}

pub fn status_colour(visuals: &Visuals, status: &PhoneStatus) -> Color32 {
    match status {
        PhoneStatus::NotContacted => quiet_colour(visuals),
        PhoneStatus::Reachable => progress_colour(visuals),
        PhoneStatus::NeedsCredentials => warn_colour(visuals),
        PhoneStatus::Applying => progress_colour(visuals),
        PhoneStatus::Verified => good_colour(visuals),
        PhoneStatus::Failed(_) => bad_colour(visuals),
    }
}

/// A glyph the default fonts have, distinct in shape per status.
pub fn status_icon(status: &PhoneStatus) -> &'static str {
    match status {
        PhoneStatus::NotContacted => "○",
        PhoneStatus::Reachable => "☎",
        PhoneStatus::NeedsCredentials => "🔒",
        PhoneStatus::Applying => "⟳",
        PhoneStatus::Verified => "✔",
        PhoneStatus::Failed(_) => "✖",
    }
}

pub fn stage_icon(stage: Stage) -> &'static str {
    match stage {
        Stage::Requested => "➡",
        Stage::WaitingForIdle => "☎",
        Stage::Fetched => "⬇",
        Stage::Applied => "✔",
        Stage::Rebooting => "⟳",
        Stage::Verified => "✔",
        Stage::Failed => "✖",
        Stage::Syslog => "🗊",
        Stage::Note => "ℹ",
    }
}

/// Size of the timeline's headline: big enough to read from across the room.
pub const HEADLINE_SIZE: f32 = 30.0;

/// The focus ring: thick and in the selection colour at full strength, so the focused control
/// stands out in either theme (egui's own focus look on a frameless button is a faint fill).
pub fn focus_stroke(visuals: &Visuals) -> egui::Stroke {
    let colour = if visuals.dark_mode {
        Color32::from_rgb(120, 190, 255)
    } else {
        Color32::from_rgb(0, 80, 200)
    };
    egui::Stroke::new(2.5, colour)
}

/// Focused and pressed controls (egui draws both with the "active" look) get the focus stroke
/// as their outline.
pub fn strengthen_focus(style: &mut egui::Style) {
    style.visuals.widgets.active.bg_stroke = focus_stroke(&style.visuals);
}
