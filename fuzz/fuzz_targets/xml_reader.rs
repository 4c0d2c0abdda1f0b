//! The XML reader on any bytes: no panic, output bounded by the input, and whatever it reads
//! that phoneprov could send comes back unchanged through the writer and the reader again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phoneprov::profile::xml::{
    UserAccess, is_element_name, read::normalize_value, read_document, read_document_bytes,
    write_flat_profile,
};

fuzz_target!(|data: &[u8]| {
    let Ok(document) = read_document_bytes(data) else {
        return;
    };
    // Every leaf needs at least `<a/>`: more elements than bytes means invented content.
    assert!(document.elements.len() <= data.len() / 4 + 1);
    for element in &document.elements {
        assert!(
            element.value.len() <= data.len() * 4,
            "a value larger than the input"
        );
        assert_eq!(
            normalize_value(&element.value),
            element.value,
            "value not normalised"
        );
    }
    let writable: Vec<(&str, &str)> = document
        .elements
        .iter()
        .filter(|e| is_element_name(&e.name))
        .map(|e| (e.name.as_str(), e.value.as_str()))
        .collect();
    let Ok(xml) = write_flat_profile(writable.iter().copied(), UserAccess::NoAccess) else {
        return;
    };
    let again = read_document(&xml).expect("phoneprov reads the profile it wrote");
    assert_eq!(again.root.as_deref(), Some("flat-profile"));
    let back: Vec<(&str, &str)> = again
        .elements
        .iter()
        .map(|e| (e.name.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(back, writable, "write → read changed the profile:\n{xml}");
});
