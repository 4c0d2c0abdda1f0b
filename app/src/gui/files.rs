//! File dialogs and file I/O, run on the background runtime so the window never blocks on a
//! dialog or a slow disk. Results come back as [`Report`]s.

use std::path::PathBuf;

use super::background::{Report, Reporter};
use crate::session::PhoneId;

/// Asks where to save, then writes `contents` there.
pub async fn save_text(
    reporter: Reporter,
    what: String,
    file_name: String,
    filter: Filter,
    contents: String,
) {
    let dialog = rfd::AsyncFileDialog::new()
        .set_title(format!("Save {what}"))
        .set_file_name(&file_name)
        .add_filter(filter.name, filter.extensions);
    let Some(handle) = dialog.save_file().await else {
        reporter.send(Report::DialogCancelled);
        return;
    };
    let path: PathBuf = handle.path().to_path_buf();
    match write_atomically(&path, contents.as_bytes()).await {
        Ok(()) => reporter.send(Report::FileSaved { what, path }),
        Err(error) => reporter.send(Report::Failed(format!(
            "Could not save {what} to {}: {error}",
            path.display()
        ))),
    }
}

/// Asks which file to open and reads it for import into a phone's form.
pub async fn open_profile(reporter: Reporter, phone: PhoneId) {
    let dialog = rfd::AsyncFileDialog::new()
        .set_title("Import a profile into the form")
        .add_filter("Profiles", &["xml", "cfg"])
        .add_filter("All files", &["*"]);
    let Some(handle) = dialog.pick_file().await else {
        reporter.send(Report::DialogCancelled);
        return;
    };
    let path = handle.path().to_path_buf();
    match read_capped(&path).await {
        Ok(bytes) => reporter.send(Report::FileRead { phone, path, bytes }),
        Err(error) => reporter.send(Report::Failed(format!(
            "Could not read {}: {error}",
            path.display()
        ))),
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
pub const XML: Filter = Filter {
    name: "Profile XML",
    extensions: &["xml"],
};

/// Profiles are small; anything bigger than this is not one.
const MAX_IMPORT_BYTES: u64 = 4 * 1024 * 1024;

async fn read_capped(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let size = tokio::fs::metadata(path).await?.len();
    if size > MAX_IMPORT_BYTES {
        return Err(std::io::Error::other(format!(
            "it is {} MB; a profile is at most a few hundred kB",
            size / (1024 * 1024)
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
