//! The Scan button's background work: discovery's streaming events, forwarded to the shell.

use tokio_util::sync::CancellationToken;

use super::background::{Report, Reporter};
use crate::discovery::{ScanOptions, Scanner};

/// Runs one scan to its end (or cancellation), reporting every event.
pub async fn run(reporter: Reporter, options: ScanOptions, cancel: CancellationToken) {
    let mut handle = match Scanner::new(options).start() {
        Ok(handle) => handle,
        Err(error) => {
            reporter.send(Report::ScanFailed(error.to_string()));
            return;
        }
    };
    let scan_cancel = handle.cancellation();
    loop {
        tokio::select! {
            event = handle.next() => match event {
                Some(event) => reporter.send(Report::Scan(Box::new(event))),
                None => break,
            },
            _ = cancel.cancelled() => scan_cancel.cancel(),
        }
    }
}
