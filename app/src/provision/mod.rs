//! The provisioning engine: apply changes and verify them on the phone, follow resyncs,
//! roll back to snapshots. Async (tokio), cancellable, safe for many phones at once.
//!
//! For the GUI: create one [`Engine`] (`Arc<Engine>`), a [`crate::phone::Phone`] per phone
//! with [`Engine::phone`], an `mpsc::unbounded_channel()` per operation wrapped in an
//! [`EventSink`], and spawn [`Engine::apply`] / [`Engine::resync`] / [`Engine::rollback`];
//! drain the receiver each frame. Passive sightings: [`Engine::sightings`].

pub mod engine;
pub mod events;
pub mod history;
pub mod push;
pub mod run_report;
pub mod schema_bridge;
pub mod syslog;

pub use engine::{
    ApplyError, ApplyOptions, ApplyReport, ChangePlan, Engine, EngineError, ResyncOptions,
    ResyncReport, ViaChoice, plan_changes,
};
pub use events::{Change, EventKind, EventSink, Mismatch, ProvisionEvent, Via};
pub use history::{History, HistoryError, Snapshot};
pub use run_report::{RunCounts, RunOutcome, RunRecord};
pub use syslog::{SyslogLine, SyslogListener};

#[cfg(test)]
mod tests;
