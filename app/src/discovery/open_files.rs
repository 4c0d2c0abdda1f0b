//! The number of files (sockets) this process may have open. Desktop systems start
//! processes with a low soft limit (1,024 on Linux, 256 on macOS) under a far higher hard
//! limit; a sweep raises the soft limit to the hard one so that thousands of connects can be
//! in flight.

/// Raises the soft open-files limit to the hard limit and returns the soft limit in force
/// (`None` where the system does not tell).
#[cfg(unix)]
pub fn raise_limit() -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    // An unlimited hard limit: macOS refuses more than OPEN_MAX (10,240) for the soft one.
    let wanted = limit.maximum.unwrap_or(10_240);
    if limit.current.is_some_and(|current| current < wanted) {
        let raised = rustix::process::Rlimit {
            current: Some(wanted),
            maximum: limit.maximum,
        };
        // Refused: the old soft limit stays, which is no worse than before.
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = getrlimit(Resource::Nofile);
        }
    }
    limit.current
}

/// Windows has no such per-process limit on sockets.
#[cfg(not(unix))]
pub fn raise_limit() -> Option<u64> {
    None
}
