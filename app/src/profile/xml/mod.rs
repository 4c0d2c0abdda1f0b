//! `<flat-profile>` and the phones' XML dumps.

pub mod read;

/// The largest profile file read (from disk or standard input): real ones are about 100 kB.
/// Bigger files are refused before they are read.
pub const MAX_PROFILE_BYTES: u64 = 8 * 1024 * 1024;
pub mod write;

pub use read::{Document, Element, XmlReadError, read_document, read_document_bytes};
pub use write::{UserAccess, XmlWriteError, is_element_name, write_flat_profile};
