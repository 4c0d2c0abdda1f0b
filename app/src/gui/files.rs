//! File dialogs and file I/O, run on the background runtime so the window never blocks on a
//! dialog or a slow disk. Each returns its outcome; the shell waits for it in a promise.

use std::path::PathBuf;

/// How a file dialog ended.
#[derive(Debug)]
pub enum FileOutcome {
    /// A file was written (what, where).
    Saved { what: String, path: PathBuf },
    /// A file was read (for import into a phone's form).
    Opened { path: PathBuf, bytes: Vec<u8> },
    /// The user closed the dialog without choosing.
    Cancelled,
    /// The file could not be written or read; the text is for the technician.
    Failed(String),
}

/// Asks where to save, then writes `contents` there.
pub async fn save_text(
    what: String,
    file_name: String,
    filter: Filter,
    contents: String,
) -> FileOutcome {
    let dialog = rfd::AsyncFileDialog::new()
        .set_title(format!("Save {what}"))
        .set_file_name(&file_name)
        .add_filter(filter.name, filter.extensions);
    let Some(handle) = dialog.save_file().await else {
        return FileOutcome::Cancelled;
    };
    let path: PathBuf = handle.path().to_path_buf();
    match write_atomically(&path, contents.as_bytes()).await {
        Ok(()) => FileOutcome::Saved { what, path },
        Err(error) => FileOutcome::Failed(format!(
            "Could not save {what} to {}: {error}",
            path.display()
        )),
    }
}

/// Asks which file to open and reads it for import into a phone's form.
pub async fn open_profile() -> FileOutcome {
    let dialog = rfd::AsyncFileDialog::new()
        .set_title("Import a profile into the form")
        .add_filter("Profiles", &["xml", "cfg"])
        .add_filter("All files", &["*"]);
    let Some(handle) = dialog.pick_file().await else {
        return FileOutcome::Cancelled;
    };
    let path = handle.path().to_path_buf();
    match read_capped(&path).await {
        Ok(bytes) => FileOutcome::Opened { path, bytes },
        Err(error) => FileOutcome::Failed(format!("Could not read {}: {error}", path.display())),
    }
}

/// A file-type filter of a save dialog.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    pub name: &'static str,
    pub extensions: &'static [&'static str],
}

pub const TEXT: Filter = Filter {
    name: "Text",
    extensions: &["txt", "log"],
};
pub const JSON: Filter = Filter {
    name: "Support capture",
    extensions: &["json"],
};
pub const XML: Filter = Filter {
    name: "Profile XML",
    extensions: &["xml"],
};
pub const CSV: Filter = Filter {
    name: "CSV (spreadsheet)",
    extensions: &["csv"],
};

/// Profiles are small; anything bigger than this is not one.
use crate::profile::xml::MAX_PROFILE_BYTES as MAX_IMPORT_BYTES;

async fn read_capped(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let size = tokio::fs::metadata(path).await?.len();
    if size > MAX_IMPORT_BYTES {
        return Err(std::io::Error::other(format!(
            "it is {} MB; a phone profile is at most {} MB, so this is not one",
            size / (1024 * 1024),
            MAX_IMPORT_BYTES / (1024 * 1024)
        )));
    }
    tokio::fs::read(path).await
}

/// Writes through a temporary file in the same directory so a failed write never leaves a
/// half-written file under the chosen name.
async fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = path.to_path_buf();
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || crate::storage::write_atomically(&path, &bytes))
        .await
        .map_err(std::io::Error::other)?
}
