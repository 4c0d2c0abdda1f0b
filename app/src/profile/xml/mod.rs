//! `<flat-profile>` and the phones' XML dumps.

pub mod read;
pub mod write;

pub use read::{Document, Element, XmlReadError, read_document, read_document_bytes};
pub use write::{UserAccess, XmlWriteError, is_element_name, write_flat_profile};
