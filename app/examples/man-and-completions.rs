//! Writes the man pages and shell completions the packages install, made from the command
//! line's own clap definitions so they never drift from `phoneprov --help`:
//!
//!   cargo run -p phoneprov --example man-and-completions -- OUT_DIR
//!
//! gives `OUT_DIR/man/phoneprov.1`, `phoneprov-discover.1`, … (one page per subcommand) and
//! `OUT_DIR/completions/phoneprov.bash`, `_phoneprov` (zsh), `phoneprov.fish`,
//! `_phoneprov.ps1` (PowerShell). `packaging/build-packages` runs it. An example rather than a
//! subcommand keeps clap_mangen and clap_complete out of the shipped binary; it needs no build
//! script trick because it links the same library the binary does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;
use phoneprov::cli::Cli;

fn main() -> ExitCode {
    let Some(out_dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: man-and-completions OUT_DIR");
        return ExitCode::from(2);
    };
    match write_all(&out_dir) {
        Ok(count) => {
            println!("{count} files in {}", out_dir.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("man-and-completions: {}: {error}", out_dir.display());
            ExitCode::FAILURE
        }
    }
}

fn write_all(out_dir: &Path) -> std::io::Result<usize> {
    let man_dir = out_dir.join("man");
    let completions_dir = out_dir.join("completions");
    std::fs::create_dir_all(&man_dir)?;
    std::fs::create_dir_all(&completions_dir)?;
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut count = write_man_pages(&command, &man_dir)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
        clap_complete::generate_to(shell, &mut command, "phoneprov", &completions_dir)?;
        count += 1;
    }
    Ok(count)
}

/// One page for the command and one for each visible subcommand, recursively
/// (`phoneprov-trust-forget.1`).
fn write_man_pages(command: &clap::Command, dir: &Path) -> std::io::Result<usize> {
    let mut count = 0;
    for subcommand in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        count += write_man_pages(subcommand, dir)?;
    }
    let man = clap_mangen::Man::new(command.clone())
        .manual("phoneprov manual")
        .source(format!("phoneprov {}", env!("CARGO_PKG_VERSION")))
        .date(env!("PHONEPROV_BUILD_DATE"));
    man.generate_to(dir)?;
    Ok(count + 1)
}
