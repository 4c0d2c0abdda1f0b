//! Where phoneprov keeps its files (snapshots, trusted certificates, known phones), and how
//! every file it writes is written: atomically (a temporary file in the same directory,
//! synced, renamed over the old one, then the directory synced), so a crash, a kill or a
//! power cut never leaves half a file: the old content or the new one, nothing in between.
//! Every writer of a kept file (state, known phones, certificate pins, snapshots, exports)
//! goes through [`write_atomically`]; `app/tests/crash_safety.rs` kills a writer to prove it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Overrides the data directory (tests, portable installs).
pub const DATA_DIR_ENV: &str = "PHONEPROV_DATA_DIR";

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot find a data directory for phoneprov (no home directory?); set {DATA_DIR_ENV} to one"
)]
pub struct NoDataDir;

/// `$PHONEPROV_DATA_DIR`, else the platform's data directory
/// (`~/.local/share/phoneprov` on Linux).
pub fn data_dir() -> Result<PathBuf, NoDataDir> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "phoneprov")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or(NoDataDir)
}

/// Writes `bytes` to `path` atomically, creating the directory when needed. When it returns
/// `Ok`, the new content is on disk under its name (the rename is synced too), not only in
/// the system's cache.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    sync_directory(dir)
}

/// A rename lives in the directory: without syncing it, a power cut can bring back the old
/// name (or none) even though the file's data was synced.
#[cfg(unix)]
fn sync_directory(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// The standard library cannot open a directory on Windows; there the rename's durability is
/// left to NTFS's journal (the file's data is synced either way).
#[cfg(not(unix))]
fn sync_directory(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("x.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x.json")]);
    }
}
