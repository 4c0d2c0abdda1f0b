//! The desktop app's view model: what the window shows, as plain Rust with no egui in it, so
//! it can be tested without a window and so engine and discovery events map onto it.

pub mod activity;
pub mod credentials;
pub mod engine_events;
pub mod form;
pub mod form_check;
pub mod history_view;
pub mod operation;
pub mod persist;
pub mod phone_facts;
pub mod phone_read;
pub mod phones;
pub mod profile_files;
pub mod readiness;
pub mod selection;
pub mod settings;
pub mod sightings;
pub mod site_edit;
pub mod site_run;
pub mod stepper;
pub mod timeline;

pub use crate::phone::PhoneAddress;
pub use activity::{ActivityEntry, ActivityLog};
pub use credentials::{CredentialScope, PhoneLogin, SecretStore};
pub use form::{Change, FormState};
pub use form_check::FormCheck;
pub use persist::{PersistError, SavedState, StateFile};
pub use phones::{PhoneEntry, PhoneId, PhoneList, PhoneStatus};
pub use settings::{DiscoverySettings, Settings, SyslogSettings, ThemeChoice};
pub use timeline::{Outcome, Stage, Timeline, TimelineEntry, Tone};
