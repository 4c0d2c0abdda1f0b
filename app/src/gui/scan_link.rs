//! The Scan button's background work: discovery's streaming events, forwarded to the shell.

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use super::background::{Report, Reporter};
use super::large_scan_dialog::LargeScanQuestion;
use crate::discovery::{KnownPhones, ScanError, ScanEvent, ScanOptions, Scanner, ScopeError};
use crate::identity::Mac;

/// Runs one scan to its end (or cancellation), reporting every event. With `known_phones`
/// (the file `phoneprov discover` shares), found phones get the names given there and are
/// remembered in it by MAC afterwards.
pub async fn run(
    reporter: Reporter,
    options: ScanOptions,
    known_phones: Option<PathBuf>,
    cancel: CancellationToken,
) {
    let known = match &known_phones {
        Some(path) => load_known(&reporter, path.clone()).await,
        None => None,
    };
    let mut scanner = Scanner::new(options);
    if let Some(known) = &known {
        scanner = scanner.with_known_phones(known.clone());
    }
    let mut handle = match scanner.start() {
        Ok(handle) => handle,
        Err(ScanError::Scope(ScopeError::TooLarge {
            ranges, addresses, ..
        })) => {
            reporter.send(Report::ScanNeedsConfirmation(LargeScanQuestion {
                ranges,
                addresses,
            }));
            return;
        }
        Err(error) => {
            reporter.send(Report::ScanFailed(error.to_string()));
            return;
        }
    };
    let scan_cancel = handle.cancellation();
    let mut found = Vec::new();
    loop {
        tokio::select! {
            event = handle.next() => match event {
                Some(event) => {
                    if let ScanEvent::PhoneFound(phone) | ScanEvent::PhoneUpdated { phone, .. } = &event {
                        found.push(phone.clone());
                    }
                    reporter.send(Report::Scan(Box::new(event)));
                }
                None => break,
            },
            _ = cancel.cancelled() => scan_cancel.cancel(),
        }
    }
    // Read again before writing: a name given while the scan ran must not be lost.
    if let (Some(path), Some(_)) = (known_phones, known)
        && !found.is_empty()
    {
        let saved = tokio::task::spawn_blocking(move || {
            KnownPhones::update(path, |known| {
                found.iter().filter(|phone| known.remember(phone)).count() > 0
            })
        })
        .await;
        if let Ok(Err(error)) = saved {
            reporter.send(Report::Note(format!(
                "Found phones could not be remembered: {error}"
            )));
        }
    }
}

/// Reads the known-phones file on a blocking thread; a damaged one is reported and left alone.
async fn load_known(reporter: &Reporter, path: PathBuf) -> Option<KnownPhones> {
    match tokio::task::spawn_blocking(move || KnownPhones::load(path)).await {
        Ok(Ok(known)) => Some(known),
        Ok(Err(error)) => {
            reporter.send(Report::Note(format!(
                "{error}; names of known phones are not used in this scan"
            )));
            None
        }
        Err(_) => None,
    }
}

/// Writes the technician's name for a phone into the known-phones file (shared with
/// `phoneprov discover`), on a blocking thread.
pub async fn remember_name(reporter: Reporter, path: PathBuf, mac: Mac, name: String) {
    let outcome = tokio::task::spawn_blocking(move || {
        KnownPhones::update(path, |known| {
            known.set_name(mac, Some(name));
            true
        })
    })
    .await;
    if let Ok(Err(error)) = outcome {
        reporter.send(Report::Note(format!(
            "The name is kept in the app, but not in the known-phones file: {error}"
        )));
    }
}
