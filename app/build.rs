//! Build facts for `phoneprov --version`: the commit it was built from and the build date,
//! passed to the crate as `PHONEPROV_COMMIT`, `PHONEPROV_BUILD_DATE` and `PHONEPROV_TARGET`.
//! On a Windows host building for Windows it also embeds the icon and the version resource
//! in `phoneprov.exe` (Explorer's Properties → Details).
//!
//! Packagers building outside a git checkout set `PHONEPROV_COMMIT`; `SOURCE_DATE_EPOCH` (the
//! reproducible-builds convention) fixes the build date.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Any source change refreshes the build date; a new commit refreshes the commit.
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-env-changed=PHONEPROV_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    for path in git_files_naming_the_commit() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!("cargo:rustc-env=PHONEPROV_COMMIT={}", commit());
    println!("cargo:rustc-env=PHONEPROV_BUILD_DATE={}", build_date());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=PHONEPROV_TARGET={target}");
    windows_resources();
}

/// The full commit hash: `$PHONEPROV_COMMIT`, else `git rev-parse HEAD`, else `unknown`
/// (a source tarball without git).
fn commit() -> String {
    if let Some(commit) = std::env::var("PHONEPROV_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
    {
        return commit.trim().to_string();
    }
    git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into())
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_string())
}

/// The files git changes when HEAD moves: HEAD itself, the branch it points to, packed refs.
/// Worktrees keep HEAD apart from the branches, so ask git where each one is.
fn git_files_naming_the_commit() -> Vec<PathBuf> {
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch);
    }
    names
        .iter()
        .filter_map(|name| git(&["rev-parse", "--git-path", name]))
        .map(PathBuf::from)
        .filter(|path| path.exists())
        .collect()
}

/// `YYYY-MM-DD` (UTC) of `$SOURCE_DATE_EPOCH`, else of now.
fn build_date() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
    let (year, month, day) = civil_date(seconds / 86_400);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The icon and version resource of `phoneprov.exe`. Needs the Windows SDK's resource
/// compiler (`rc.exe`, with the MSVC toolchain); without it the build goes on with a warning.
#[cfg(windows)]
fn windows_resources() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    println!("cargo:rerun-if-changed=../assets/windows/phoneprov.ico");
    let mut resource = winresource::WindowsResource::new();
    resource
        .set_icon("../assets/windows/phoneprov.ico")
        .set("ProductName", "phoneprov")
        .set(
            "FileDescription",
            "phoneprov: Cisco MPP/SPA phone provisioning",
        )
        .set("InternalName", "phoneprov")
        .set("OriginalFilename", "phoneprov.exe");
    if let Err(error) = resource.compile() {
        println!("cargo:warning=phoneprov.exe gets no icon or version resource: {error}");
    }
}

#[cfg(not(windows))]
fn windows_resources() {}
