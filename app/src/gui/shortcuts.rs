//! The window's keyboard shortcuts: one home for the keys, so the shell that acts on them and
//! the tooltips and screen-reader hints that name them agree.

use egui::{Context, Key, KeyboardShortcut, Modifiers};

/// Puts the cursor in the phone list's filter.
pub const FOCUS_FILTER: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);
/// Reads the selected phone again.
pub const READ_AGAIN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F5);
/// Opens Submit's review of the changes (only when Submit is enabled).
pub const OPEN_REVIEW: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);

/// The keys as this system writes them ("Ctrl+F", "⌘F").
pub fn words(ctx: &Context, shortcut: &KeyboardShortcut) -> String {
    ctx.format_shortcut(shortcut)
}

/// What the technician pressed this frame, each consumed so no field also acts on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pressed {
    pub focus_filter: bool,
    pub read_again: bool,
    pub open_review: bool,
}

pub fn pressed(ctx: &Context) -> Pressed {
    ctx.input_mut(|input| Pressed {
        focus_filter: input.consume_shortcut(&FOCUS_FILTER),
        read_again: input.consume_shortcut(&READ_AGAIN),
        open_review: input.consume_shortcut(&OPEN_REVIEW),
    })
}
