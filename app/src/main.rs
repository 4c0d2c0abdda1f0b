#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

use std::process::ExitCode;

use clap::Parser;
use phoneprov::cli::{self, Cli};

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args = Cli::parse();
    match args.command {
        Some(command) => cli::run(command),
        None => phoneprov::gui::run(phoneprov::gui::GuiOptions { demo: args.demo }),
    }
}
