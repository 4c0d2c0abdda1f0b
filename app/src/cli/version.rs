//! `phoneprov --version`: which build this is (version, commit, build date), as one line for
//! people or, with `--json`, as an object for scripts. The version is the workspace's
//! (`Cargo.toml`); commit and date come from `app/build.rs`.

use serde::Serialize;

/// What `--version` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// Full commit hash, or `unknown` for a build outside a git checkout.
    pub commit: &'static str,
    /// `YYYY-MM-DD`, UTC (`SOURCE_DATE_EPOCH` when set).
    pub build_date: &'static str,
    /// The Rust target triple it was built for.
    pub target: &'static str,
    /// Cargo features compiled in (`gui`, `demo`); none is the command line alone.
    pub features: Vec<&'static str>,
}

impl BuildInfo {
    /// This binary's build.
    pub fn current() -> Self {
        let mut features = Vec::new();
        if cfg!(feature = "gui") {
            features.push("gui");
        }
        if cfg!(feature = "demo") {
            features.push("demo");
        }
        BuildInfo {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            commit: env!("PHONEPROV_COMMIT"),
            build_date: env!("PHONEPROV_BUILD_DATE"),
            target: env!("PHONEPROV_TARGET"),
            features,
        }
    }

    /// `phoneprov 0.1.0 (commit 3856c0d41, built 2026-12-04)`: starts with name and version,
    /// like every `--version`.
    pub fn line(&self) -> String {
        let commit = self.commit.get(..9).unwrap_or(self.commit);
        format!(
            "{} {} (commit {commit}, built {})",
            self.name, self.version, self.build_date
        )
    }

    pub fn json(&self) -> String {
        // A struct of strings always serialises; the fallback keeps the no-unwrap rule.
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }
}

/// Prints the version (as JSON when asked) and returns the exit code.
pub fn print(json: bool) -> std::process::ExitCode {
    let info = BuildInfo::current();
    if json {
        println!("{}", info.json());
    } else {
        println!("{}", info.line());
    }
    std::process::ExitCode::from(super::exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(commit: &'static str) -> BuildInfo {
        BuildInfo {
            name: "phoneprov",
            version: "0.1.0",
            commit,
            build_date: "2026-12-04",
            target: "x86_64-unknown-linux-gnu",
            features: vec!["gui", "demo"],
        }
    }

    #[test]
    fn the_line_starts_with_name_and_version_and_shortens_the_commit() {
        let line = sample("3856c0d41a2b3c4d5e6f708192a3b4c5d6e7f809").line();
        assert_eq!(line, "phoneprov 0.1.0 (commit 3856c0d41, built 2026-12-04)");
        assert_eq!(
            sample("unknown").line(),
            "phoneprov 0.1.0 (commit unknown, built 2026-12-04)"
        );
    }

    #[test]
    fn json_has_every_field() {
        let value: serde_json::Value = serde_json::from_str(&sample("abc").json()).unwrap();
        assert_eq!(value["version"], "0.1.0");
        assert_eq!(value["commit"], "abc");
        assert_eq!(value["build_date"], "2026-12-04");
        assert_eq!(value["features"], serde_json::json!(["gui", "demo"]));
    }

    #[test]
    fn this_build_reports_the_workspace_version_and_a_date() {
        let info = BuildInfo::current();
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.build_date.len(), 10, "{}", info.build_date);
        assert!(!info.commit.is_empty());
    }
}
