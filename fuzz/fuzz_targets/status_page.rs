//! A status page as any bytes: read, turned into the engine's `PhoneStatus` and every question
//! the engine asks of it; what `phoneprov status --json` prints reads back as the same status;
//! what is shown of a provisioning entry is masked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phoneprov::phone::PhoneStatus;
use phoneprov::profile::mask::mask_value;
use phoneprov::profile::xml::read_document_bytes;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = read_document_bytes(data) else {
        return;
    };
    let status = PhoneStatus::from_document(&document);
    assert_eq!(status.elements.len(), document.elements.len());
    assert!(status.reboot_reasons.len() <= status.elements.len());
    assert!(status.provisioning.len() <= status.elements.len());
    let _ = status.provisioning_busy();
    let _ = status.waiting_for_idle();
    let _ = status.provisioning_reboot_since(None);
    for shown in [status.failure_since(None), status.success_since(None)]
        .into_iter()
        .flatten()
    {
        assert_eq!(
            mask_value("", &shown),
            shown,
            "an entry shown unmasked: {shown:?}"
        );
    }
    let json = serde_json::to_string(&status).expect("a status encodes");
    let back: PhoneStatus = serde_json::from_str(&json).expect("its JSON reads back");
    assert_eq!(back, status);
});
