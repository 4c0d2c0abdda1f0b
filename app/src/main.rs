//! The `phoneprov` binary: the desktop app without a subcommand, the command line with one.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

use std::process::ExitCode;

use clap::Parser;
use phoneprov::cli::{self, Cli};

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args = Cli::parse();
    if args.version {
        return cli::version::print(args.json);
    }
    match args.command {
        Some(command) => {
            // `phoneprov show PHONE | head` must end quietly, like any Unix tool, not panic
            // on a closed pipe. Sockets are unaffected (the standard library sends with
            // MSG_NOSIGNAL); the window never needs this.
            sigpipe::reset();
            cli::run(command)
        }
        None => open_window(&args),
    }
}

#[cfg(feature = "gui")]
fn open_window(args: &Cli) -> ExitCode {
    // Without the `demo` feature there is no `--demo` to read.
    #[cfg(not(feature = "demo"))]
    let _ = args;
    phoneprov::gui::run(phoneprov::gui::GuiOptions {
        #[cfg(feature = "demo")]
        demo: args.demo,
        #[cfg(not(feature = "demo"))]
        demo: false,
    })
}

/// A build without the `gui` feature is the command line alone.
#[cfg(not(feature = "gui"))]
fn open_window(_: &Cli) -> ExitCode {
    eprintln!(
        "phoneprov: this build has no desktop app (built without the `gui` feature); \
         see `phoneprov --help` for the commands"
    );
    ExitCode::from(cli::exit::USAGE)
}
