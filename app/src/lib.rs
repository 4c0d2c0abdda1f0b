//! phoneprov: find Cisco MPP/SPA phones on a LAN, edit their Configuration Profile with
//! validation, apply changes and prove on the phone that they landed.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod cli;
pub mod discovery;
#[cfg(feature = "gui")]
pub mod gui;
pub mod identity;
pub mod net;
pub mod phone;
pub mod profile;
pub mod provision;
pub mod session;
pub mod storage;

/// The application id, in reverse-DNS form: the window's app id (Wayland `app_id`, X11
/// `WM_CLASS`), and the name of the desktop entry, the icon, the AppStream metainfo, the macOS
/// bundle identifier and the Windows installer (`packaging/`). Change it in all of them at once.
pub const APP_ID: &str = "io.github.phoneprov.PhoneProv";
