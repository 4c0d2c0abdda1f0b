//! The Configuration Profile model: schema, typed values, validation, rules and XML.
//! Knows nothing of egui or the network.

pub mod xml;
