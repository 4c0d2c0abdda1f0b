//! Discovery: find the Cisco phones on the LAN with more than one kind of evidence and merge
//! what the sources say by MAC address. No UI here: a scan streams [`ScanEvent`]s.
//!
//! Sources: mDNS/DNS-SD ([`mdns`]), an address sweep with an HTTP fingerprint ([`sweep`],
//! [`fingerprint`]), the neighbour table with Cisco MAC prefixes ([`neighbours`], [`oui`]),
//! passive sightings from our own servers ([`passive`]) and addresses typed by the
//! technician ([`manual`]). The sweep's connects wait as long as the LAN's answers say
//! ([`connect`]), are paced to fit the kernel's neighbour table ([`pacing`]) and may use as
//! many sockets as the system allows ([`open_files`]).
//!
//! ```no_run
//! # async fn example() -> Result<(), phoneprov::discovery::ScanError> {
//! use phoneprov::discovery::{ScanEvent, ScanOptions, Scanner};
//! let mut scan = Scanner::new(ScanOptions::default()).start()?;
//! while let Some(event) = scan.next().await {
//!     match event {
//!         ScanEvent::PhoneFound(phone) => println!("{} {:?}", phone.address, phone.identity.model),
//!         ScanEvent::Finished(summary) => { println!("{} phones", summary.phones.len()); break }
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```

pub mod confidence;
pub mod connect;
pub mod evidence;
pub mod fingerprint;
pub mod manual;
pub mod mdns;
pub mod neighbours;
pub mod open_files;
pub mod oui;
pub mod pacing;
pub mod passive;
pub mod phone;
pub mod scan;
pub mod store;
pub mod sweep;
pub mod table;

pub use confidence::{Certainty, Confidence};
pub use evidence::Evidence;
pub use manual::{ManualTarget, ManualTargetError};
pub use passive::{Sighting, SightingKind};
pub use phone::{Access, DiscoveredPhone, Observation, PhoneKey, Source, WebEndpoint, WebScheme};
pub use scan::{
    Progress, ScanChoices, ScanError, ScanEvent, ScanHandle, ScanOptions, ScanSummary, Scanner,
    SweepReport, Waker,
};
pub use store::{KnownPhone, KnownPhones, StoreError};
pub use sweep::{LARGE_RANGE_LIMIT, ScopeError};
pub use table::{PhoneTable, TableChange};
