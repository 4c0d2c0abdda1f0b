//! Keyboard and screen-reader support every panel and dialog shares: dialogs that take focus
//! and give it back, a focus ring on whatever has focus, focused controls scrolled into view,
//! and the AccessKit roles, names, states and descriptions egui does not set on its own.
//!
//! egui moves focus with Tab in the order controls are created, and a modal dialog keeps Tab
//! inside itself; the shell creates the panels in reading order (see `shell::frame`). What
//! is here works for any control drawn through it, so new panels get the same behaviour.

use egui::accesskit::{HasPopup, Role};
use egui::{Context, Id, Modal, ModalResponse, Response, Ui};

use super::style;

/// Names the window (the root of the accessibility tree) by its title.
pub fn name_window(ctx: &Context, title: &str) {
    ctx.accesskit_node_builder(egui::accesskit_root_id(), |node| {
        node.set_label(title.to_string());
    });
}

/// Names the panel `ui` is drawn in (a region a screen reader can jump to).
pub fn name_panel(ui: &Ui, name: &str) {
    if let Some(panel) = ui
        .stack()
        .iter()
        .find(|frame| frame.kind().is_some_and(|kind| kind.is_panel()))
    {
        ui.ctx().accesskit_node_builder(panel.unique_id, |node| {
            node.set_label(name.to_string());
        });
    }
}

/// Gives a control its description: what a screen reader says after its name and value
/// (a field's help, unit and range).
pub fn describe(response: &Response, description: &str) {
    let text = description.trim();
    if text.is_empty() {
        return;
    }
    response.ctx.accesskit_node_builder(response.id, |node| {
        node.set_description(text.to_string());
    });
}

/// Gives a control its keyboard shortcut (`"Ctrl+F"`), announced by screen readers; the
/// tooltip says it to everyone else.
pub fn shortcut(response: &Response, keys: &str) {
    response.ctx.accesskit_node_builder(response.id, |node| {
        node.set_keyboard_shortcut(keys.to_string());
    });
}

/// A collapsible group's header says whether the group is open: expanded (egui sets it;
/// UI Automation and macOS read it) and pressed, which is what AccessKit's AT-SPI adapter
/// passes on (it has no expanded state), so Orca hears "pressed" for an open group.
pub fn group_state<R>(group: &egui::CollapsingResponse<R>) {
    let open = group.body_response.is_some();
    let header = &group.header_response;
    header.ctx.accesskit_node_builder(header.id, |node| {
        node.set_expanded(open);
        node.set_toggled(if open {
            egui::accesskit::Toggled::True
        } else {
            egui::accesskit::Toggled::False
        });
    });
}

/// Gives a choice list its current value (what a screen reader reads after the name).
pub fn choice_value(response: &Response, value: &str) {
    response.ctx.accesskit_node_builder(response.id, |node| {
        node.set_value(value.to_string());
    });
}

/// The menu bar: a `MenuBar` node named "Menu bar" holding the menus `add_menus` draws
/// with [`menu`].
pub fn menu_bar<R>(ui: &mut Ui, add_menus: impl FnOnce(&mut Ui) -> R) -> R {
    egui::MenuBar::new()
        .ui(ui, |ui| {
            ui.ctx().accesskit_node_builder(ui.unique_id(), |node| {
                node.set_role(Role::MenuBar);
                node.set_label("Menu bar".to_string());
            });
            add_menus(ui)
        })
        .inner
}

/// One menu of the menu bar: its button is a menu item that opens a menu (with its expanded
/// state), the popup is a menu named `title`, and every button in it is a menu item.
pub fn menu<R>(ui: &mut Ui, title: &str, add_items: impl FnOnce(&mut Ui) -> R) -> Option<R> {
    let mut popup = None;
    let (button, inner) = egui::containers::menu::MenuButton::new(title).ui(ui, |ui| {
        popup = ui
            .stack()
            .iter()
            .find(|frame| frame.kind() == Some(egui::UiKind::Menu))
            .map(|frame| frame.unique_id);
        add_items(ui)
    });
    if let Some(popup) = popup {
        // Named by its button, like a labelled field.
        button.ctx.accesskit_node_builder(popup, |node| {
            node.set_role(Role::Menu);
            node.push_labelled_by(button.id.accesskit_id());
        });
    }
    let open = inner.is_some();
    let was_open = button.ctx.data_mut(|data| {
        let was_open = data.get_temp::<bool>(button.id).unwrap_or(false);
        data.insert_temp(button.id, open);
        was_open
    });
    if was_open && !open {
        // A menu that closes (an item chosen, Escape) gives focus back to its button, unless
        // focus went somewhere else in the window.
        let focus_in_window = button
            .ctx
            .memory(|memory| memory.focused())
            .is_some_and(|id| {
                button
                    .ctx
                    .read_response(id)
                    .is_some_and(|focused| focused.layer_id == button.layer_id)
            });
        if !focus_in_window {
            button.request_focus();
        }
    }
    button.ctx.accesskit_node_builder(button.id, |node| {
        node.set_role(Role::MenuItem);
        node.set_has_popup(HasPopup::Menu);
        node.set_expanded(open);
    });
    inner.map(|inner| inner.inner)
}

/// A button in a menu: a menu item to screen readers. Chosen by keyboard (Enter, Space) it
/// closes the menu like a click does.
pub fn menu_item(ui: &mut Ui, response: Response) -> Response {
    response.ctx.accesskit_node_builder(response.id, |node| {
        node.set_role(Role::MenuItem);
    });
    if response.clicked() {
        ui.close();
    }
    response
}

/// Names the resize handle of the panel `panel_salt` (the salt it was created with, in
/// `ui`): two handles both called "Resize panel" cannot be told apart.
pub fn name_resize_handle(ui: &Ui, panel_salt: &str, name: &str) {
    let handle = ui.scope_id().with(panel_salt).with("__resize");
    ui.ctx().accesskit_node_builder(handle, |node| {
        node.set_label(name.to_string());
    });
}

/// Names the scroll bars of the scroll area `area` (its output's id) "Scroll {what}".
pub fn name_scroll_bars(ctx: &Context, area: Id, what: &str) {
    for axis in 0..2_usize {
        let bar = area.with(axis);
        if ctx.has_accesskit_node(bar) {
            ctx.accesskit_node_builder(bar, |node| node.set_label(format!("Scroll {what}")));
        }
    }
}

/// Call at the end of a scroll area's contents: a control inside it that has just gained
/// keyboard focus is scrolled into view (egui scrolls only to a text cursor by itself).
pub fn keep_focus_in_view(ui: &Ui) {
    let ctx = ui.ctx();
    let Some(id) = ctx.memory(|memory| memory.focused()) else {
        return;
    };
    if ctx.memory(|memory| memory.had_focus_last_frame(id)) {
        return;
    }
    let Some(response) = ctx.read_response(id) else {
        return;
    };
    if response.layer_id == ui.layer_id() && ui.min_rect().contains_rect(response.rect) {
        response.scroll_to_me(None);
    }
}

/// A dialog shown through [`dialog`] that is open.
#[derive(Clone)]
struct OpenDialog {
    id: Id,
    /// The control that had focus when it opened.
    opener: Option<Id>,
    /// Focus is inside it (it took focus once; from then on the technician moves it).
    focused: bool,
}

/// What the dialogs shown through [`dialog`] need across frames.
#[derive(Clone, Default)]
struct DialogFocus {
    /// Open dialogs, oldest first.
    open: Vec<OpenDialog>,
    /// Dialogs drawn this frame.
    shown: Vec<Id>,
}

fn dialog_focus_id() -> Id {
    Id::unique("phoneprov a11y dialogs")
}

/// A modal dialog `width` wide (narrower only if the window is) with `title` as its heading,
/// named by it in the accessibility tree. The width is fixed because a wrapped paragraph in a
/// dialog sized to its content took the width of the frame before; with a scroll area that
/// made the dialog change height and move every frame, and a click could land where its
/// button had been. When it opens it takes keyboard focus (its first control, which each
/// dialog makes its first field or default button); when it is no longer drawn, [`end_frame`]
/// gives focus back to the control that had it before. Tab and Shift+Tab stay inside it while
/// it is open (egui's modal layer).
pub fn dialog<R>(
    ctx: &Context,
    id_salt: &str,
    title: &str,
    width: f32,
    add_contents: impl FnOnce(&mut Ui) -> R,
) -> ModalResponse<R> {
    let id = Id::unique(("phoneprov dialog", id_salt));
    let opener = ctx.memory(|memory| memory.focused());
    let take_focus = ctx.data_mut(|data| {
        let state = data.get_temp_mut_or_default::<DialogFocus>(dialog_focus_id());
        state.shown.push(id);
        match state.open.iter().find(|open| open.id == id) {
            Some(open) => !open.focused,
            None => {
                state.open.push(OpenDialog {
                    id,
                    opener,
                    focused: false,
                });
                true
            }
        }
    });
    Modal::new(id).show(ctx, |ui| {
        ui.set_width(width.min(ctx.content_rect().width() - 48.0).max(200.0));
        let heading = ui.heading(title);
        if let Some(dialog) = ui
            .stack()
            .iter()
            .find(|frame| frame.kind() == Some(egui::UiKind::Modal))
        {
            ctx.accesskit_node_builder(dialog.unique_id, |node| {
                node.set_modal();
                node.push_labelled_by(heading.id.accesskit_id());
            });
        }
        if take_focus {
            // Nothing has focus and Tab is "pressed": the dialog's first control takes it
            // (the panels were drawn before, this frame). A pass that only sizes the dialog
            // has no focusable controls; the next pass tries again.
            ui.memory_mut(|memory| {
                memory.stop_text_input();
                memory.move_focus(egui::FocusDirection::Next);
            });
        }
        let inner = add_contents(ui);
        if take_focus && ui.memory(|memory| memory.focused().is_some()) {
            ui.data_mut(|data| {
                let state = data.get_temp_mut_or_default::<DialogFocus>(dialog_focus_id());
                if let Some(open) = state.open.iter_mut().find(|open| open.id == id) {
                    open.focused = true;
                }
            });
        }
        inner
    })
}

/// A dialog's scrolling list, at most `height` tall. Content that needs to scroll gets the
/// whole height at once: grown a frame at a time, the dialog moved under the pointer and a
/// click could miss its button.
pub fn dialog_scroll_area(height: f32) -> egui::ScrollArea {
    egui::ScrollArea::vertical()
        .max_height(height)
        .min_scrolled_height(height)
}

/// Call once at the end of every frame: gives focus back to the control that opened a
/// dialog that closed, and draws the focus ring.
pub fn end_frame(ctx: &Context) {
    let closed: Vec<Option<Id>> = ctx.data_mut(|data| {
        let state = data.get_temp_mut_or_default::<DialogFocus>(dialog_focus_id());
        let shown = std::mem::take(&mut state.shown);
        let (still_open, closed): (Vec<_>, Vec<_>) = std::mem::take(&mut state.open)
            .into_iter()
            .partition(|open| shown.contains(&open.id));
        state.open = still_open;
        closed.into_iter().map(|open| open.opener).collect()
    });
    if let Some(opener) = closed.into_iter().flatten().last() {
        ctx.memory_mut(|memory| memory.request_focus(opener));
        ctx.request_repaint();
    }
    // Tab past the last control (or Shift+Tab before the first) lands on the next frame;
    // draw it now rather than at the next input.
    if ctx.input(|input| input.key_pressed(egui::Key::Tab)) {
        ctx.request_repaint();
    }
    focus_ring(ctx);
}

/// A ring around the focused control, on top of its own focus look: the faint fill of a
/// frameless button alone is not enough to see where focus is.
fn focus_ring(ctx: &Context) {
    let Some(id) = ctx.memory(|memory| memory.focused()) else {
        return;
    };
    let Some(response) = ctx.read_response(id) else {
        return;
    };
    if !response.interact_rect.is_positive() {
        return;
    }
    let stroke = style::focus_stroke(&ctx.global_style().visuals);
    let ring = response.rect.expand(2.0);
    let painter = ctx
        .layer_painter(response.layer_id)
        .with_clip_rect(response.interact_rect.expand(stroke.width + 2.0));
    painter.rect_stroke(ring, 3.0, stroke, egui::StrokeKind::Outside);
}
