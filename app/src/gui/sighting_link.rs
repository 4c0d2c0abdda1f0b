//! Background work for passive sightings: forwards the engine's sightings to the shell and
//! turns the syslog listener on, reporting where it listens or why it could not.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::broadcast;

use super::background::{Report, Reporter};
use crate::provision::Engine;

/// Forwards every sighting until the engine or the window is gone.
pub async fn forward(
    reporter: Reporter,
    mut sightings: broadcast::Receiver<crate::discovery::Sighting>,
) {
    loop {
        match sightings.recv().await {
            Ok(sighting) => reporter.send(Report::Sighting(Box::new(sighting))),
            // Missed a burst: the next sightings still count.
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}

/// Starts the engine's syslog listener on `bind` and reports the outcome.
pub async fn start_syslog(reporter: Reporter, engine: Arc<Engine>, bind: SocketAddr) {
    let outcome = engine
        .enable_syslog(bind)
        .await
        .map_err(|error| syslog_bind_problem(bind, &error));
    reporter.send(Report::Syslog { bind, outcome });
}

/// Why the listener could not start, in a technician's words.
fn syslog_bind_problem(bind: SocketAddr, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied if bind.port() < 1024 => format!(
            "port {} needs administrator rights; choose a port above 1023 (e.g. 5514) in \
             Settings and set the phones' Syslog Server to this computer:port ({error})",
            bind.port()
        ),
        std::io::ErrorKind::AddrInUse => format!(
            "another program already listens on UDP port {}; choose another port in \
             Settings ({error})",
            bind.port()
        ),
        _ => error.to_string(),
    }
}
