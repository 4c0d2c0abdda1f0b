//! Recording what the client exchanges with a phone, exactly as it went over the wire, for a
//! support capture (`phone::capture`). Kept in memory unmasked; the capture masks it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request and what came back (or the error, when nothing usable came back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub method: String,
    /// The path and query as sent (with `xpassword=` when the phone logs in that way).
    pub path: String,
    /// `None` when the request failed before an answer (`error` says why).
    pub status: Option<u16>,
    /// The answer's headers, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    pub error: Option<String>,
}

/// The exchanges recorded so far; shared by the client and whoever writes the capture.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Recording {
    pub fn new() -> Self {
        Recording::default()
    }

    pub(super) fn push(&self, exchange: Exchange) {
        self.exchanges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(exchange);
    }

    /// Every exchange so far, in the order they were made.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
