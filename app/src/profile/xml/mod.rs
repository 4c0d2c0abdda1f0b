//! `<flat-profile>` and the phones' XML dumps.

pub mod read;

pub use read::{Document, Element, XmlReadError, read_document, read_document_bytes};
