//! The files phoneprov keeps between runs, as any bytes: the window's state, the known
//! phones and the trusted certificates. Loading never panics; what loads is saved and loads
//! again as the same thing. The first byte picks the file.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use phoneprov::discovery::KnownPhones;
use phoneprov::phone::trust::{TrustStore, fingerprint};
use phoneprov::session::persist::StateFile;

/// One directory per fuzzing process, in memory when the system has /dev/shm (the loaders
/// sync every write).
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::path::Path::new("/dev/shm");
        let dir = if base.is_dir() {
            tempfile::tempdir_in(base)
        } else {
            tempfile::tempdir()
        };
        dir.expect("a temporary directory").keep()
    })
}

fn fresh(name: &str, bytes: &[u8]) -> PathBuf {
    for entry in std::fs::read_dir(dir()).expect("the directory").flatten() {
        let _ = std::fs::remove_file(entry.path());
    }
    let path = dir().join(name);
    std::fs::write(&path, bytes).expect("the file is written");
    path
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            let file = StateFile {
                path: fresh("gui-state.json", bytes),
            };
            if let Ok(state) = file.load() {
                file.save(&state).expect("a loaded state saves");
                let again = file.load().expect("a saved state loads");
                assert_eq!(
                    StateFile::encode(&again).expect("encodes"),
                    StateFile::encode(&state).expect("encodes")
                );
            }
        }
        1 => {
            let path = fresh("known-phones.json", bytes);
            if let Ok(known) = KnownPhones::load(&path) {
                known.save().expect("a loaded list saves");
                let again = KnownPhones::load(&path).expect("a saved list loads");
                assert!(again.phones().eq(known.phones()));
            }
        }
        _ => {
            let path = fresh("trusted-certificates.json", bytes);
            if let Ok(store) = TrustStore::open(&path) {
                let before: Vec<_> = ["a", "10.0.0.5", ""].iter().map(|p| store.get(p)).collect();
                // Recording a new phone saves the whole store; it must read back.
                store
                    .check("fuzz-new-phone", b"certificate")
                    .expect("a pin is saved");
                let again = TrustStore::open(&path).expect("a saved store opens");
                assert_eq!(
                    again.get("fuzz-new-phone").map(|c| c.sha256),
                    Some(fingerprint(b"certificate"))
                );
                let after: Vec<_> = ["a", "10.0.0.5", ""].iter().map(|p| again.get(p)).collect();
                assert_eq!(before, after);
            }
        }
    }
});
