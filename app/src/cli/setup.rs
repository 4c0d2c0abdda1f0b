//! What every subcommand shares: the [`exit`] codes, the one-line [`Failure`] and its exit
//! code, the one tokio runtime builder (with Ctrl-C wired to a cancel token), and JSON on
//! stdout.

use std::future::Future;
use std::io::Write;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use crate::phone::PhoneError;
use crate::provision::ApplyError;

/// Exit codes shared by every subcommand.
pub mod exit {
    /// Everything asked for was done (and, for changes, verified).
    pub const OK: u8 = 0;
    /// The input or the phone is in error (invalid values, unverified change, …).
    pub const FAILED: u8 = 1;
    /// Usage or I/O error: bad arguments, unreadable file, unreachable phone.
    pub const USAGE: u8 = 2;
}

/// Who the last line on stderr comes from, for subcommands that do not name themselves.
pub const PROGRAM: &str = "phoneprov";

/// Why a subcommand stopped: one line for stderr and the exit code to end with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    /// Usage or I/O: bad arguments, an unreadable file, an unreachable phone.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: exit::USAGE,
        }
    }

    /// The input or the phone is in error (invalid values, an unverified change, …).
    pub fn failed(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: exit::FAILED,
        }
    }
}

impl From<PhoneError> for Failure {
    /// A phone that cannot be reached is a usage problem (wrong address, no route); one that
    /// answered with an error is a failure.
    fn from(e: PhoneError) -> Self {
        if e.is_unreachable() {
            Failure::usage(e.to_string())
        } else {
            Failure::failed(e.to_string())
        }
    }
}

impl From<ApplyError> for Failure {
    /// As for [`PhoneError`]: an unreachable phone is a usage problem, the rest a failure.
    fn from(e: ApplyError) -> Self {
        if e.phone_error().is_some_and(PhoneError::is_unreachable) {
            Failure::usage(e.to_string())
        } else {
            Failure::failed(e.to_string())
        }
    }
}

/// The line a failure ends with on stderr: `<who>: <message>`, on one line.
pub fn failure_line(who: &str, message: &str) -> String {
    format!("{who}: {}", message.replace(['\n', '\r'], " "))
}

/// The exit code of a finished subcommand; a failure says why on stderr first.
pub fn finish(who: &str, result: Result<u8, Failure>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // Nothing better to do when stderr itself is gone.
            let _ = writeln!(std::io::stderr(), "{}", failure_line(who, &failure.message));
            ExitCode::from(failure.code)
        }
    }
}

/// The runtime every async subcommand runs on: two workers are plenty for one phone or one
/// scan, and leave the machine to the phones' own traffic.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start: {e}")))
}

/// Runs an async subcommand to its end on the one runtime and returns its exit code (see
/// [`finish`]). `work` gets a token that Ctrl-C cancels, so an interrupted command can
/// still stop cleanly and say what it left behind.
pub fn run_async<F>(who: &str, work: impl FnOnce(CancellationToken) -> F) -> ExitCode
where
    F: Future<Output = Result<u8, Failure>>,
{
    let result = runtime().and_then(|runtime| {
        let cancel = CancellationToken::new();
        let on_interrupt = cancel.clone();
        runtime.block_on(async move {
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    on_interrupt.cancel();
                }
            });
            work(cancel).await
        })
    });
    finish(who, result)
}

/// Prints `value` as pretty JSON on stdout (what `--json` gives).
pub fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::failed(e.to_string()))?;
    println!("{text}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_line_is_one_line_and_names_who_says_it() {
        assert_eq!(
            failure_line("phoneprov", "bad\nthing\r\nhere"),
            "phoneprov: bad thing  here"
        );
        assert_eq!(
            failure_line("phoneprov discover", "no networks"),
            "phoneprov discover: no networks"
        );
    }

    #[test]
    fn usage_and_failed_carry_their_exit_codes() {
        assert_eq!(Failure::usage("x").code, exit::USAGE);
        assert_eq!(Failure::failed("x").code, exit::FAILED);
    }

    #[test]
    fn the_work_gets_its_exit_code_through() {
        let code = run_async(PROGRAM, |cancel| async move {
            assert!(!cancel.is_cancelled());
            Ok(exit::FAILED)
        });
        assert_eq!(code, ExitCode::from(exit::FAILED));
        let code = run_async(PROGRAM, |_| async { Err(Failure::usage("nope")) });
        assert_eq!(code, ExitCode::from(exit::USAGE));
    }
}
