//! Small widgets the form needs that egui does not have.

pub mod stepper;

use egui::{Response, Role, Sense, Ui, WidgetInfo};

/// A Yes/No switch. Screen readers hear a checkbox named `name` that is on or off; Space
/// and Enter toggle it like any checkbox.
pub fn yes_no_switch(ui: &mut Ui, on: &mut bool, name: &str) -> Response {
    let height = ui.spacing().interact_size.y;
    let size = egui::vec2(height * 1.9, height);
    let (rect, mut response) = ui.allocate_exact_size(size, Sense::click());
    if response.clicked() {
        *on = !*on;
        response.mark_changed();
    }
    let state = *on;
    let label = name.to_string();
    response.widget_info(|| WidgetInfo::selected(Role::CheckBox, ui.is_enabled(), state, &label));
    if ui.is_rect_visible(rect) {
        let how_on = ui.ctx().animate_bool_responsive(response.id, *on);
        let visuals = ui.style().interact_selectable(&response, *on);
        let rect = rect.expand(visuals.expansion);
        let radius = 0.5 * rect.height();
        let fill = if *on {
            ui.visuals().selection.bg_fill
        } else {
            visuals.bg_fill
        };
        ui.painter().rect(
            rect,
            radius,
            fill,
            visuals.bg_stroke,
            egui::StrokeKind::Inside,
        );
        let x = egui::lerp((rect.left() + radius)..=(rect.right() - radius), how_on);
        let center = egui::pos2(x, rect.center().y);
        ui.painter().circle(
            center,
            0.75 * radius,
            visuals.fg_stroke.color,
            visuals.fg_stroke,
        );
    }
    response
}
