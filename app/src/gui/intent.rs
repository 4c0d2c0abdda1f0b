//! What the user asked for. UI functions return these; only the shell turns them into state
//! changes and background work, so drawing never starts network or file I/O itself.

use crate::session::selection::SelectionChange;
use crate::session::{PhoneId, PhoneLogin, Settings};

#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    SelectPhone(PhoneId),
    /// Ctrl/Shift-click, Ctrl+Space, Shift+↑/↓ or *Select all shown* in the list.
    Select(SelectionChange),
    /// A field of the change set for the selected phones was edited (element, text).
    EditSiteField(String, String),
    /// Drop one field of the change set for the selected phones.
    RevertSiteField(String),
    /// Drop the whole change set for the selected phones.
    RevertSite,
    /// Open the review of each selected phone's old → new values.
    ReviewSite,
    /// The technician confirmed that review: apply and verify on every phone.
    ConfirmSiteSubmit,
    CloseSiteReview,
    /// Stop every phone of the run that has not ended.
    CancelRun,
    /// Run the failed phones of the run again.
    RetryFailed,
    /// Save the run as CSV.
    ExportRun,
    /// Close the run summary (the run has ended).
    CloseRun,
    /// `--demo` only: start or end the call on demo phone `index` (it applies when idle).
    #[cfg(feature = "demo")]
    DemoCall {
        index: usize,
        active: bool,
    },
    /// "Add by address": the text as typed; the shell parses it and reports errors.
    AddPhone(String),
    RenamePhone(PhoneId, String),
    RemovePhone(PhoneId),
    /// Read the selected phone again (identity, values, status).
    ReadPhone,
    /// Stop the selected phone's running apply or resync.
    CancelOperation,
    StartScan,
    /// The technician confirmed sweeping more than a /22.
    StartLargeScan,
    CloseLargeScanQuestion,
    CancelScan,
    /// A field of the selected phone's form was edited (element, text).
    EditField(String, String),
    /// Drop the edit of one field (back to what the phone has).
    RevertField(String),
    /// Drop every edit of the selected phone.
    RevertAll,
    /// Open the review of old → new values.
    ReviewChanges,
    /// The technician confirmed the review: apply and verify.
    ConfirmSubmit,
    CloseReview,
    /// Show the comparison of a snapshot (by id) with the phone now; `None` hides it.
    CompareSnapshot(Option<String>),
    /// "Restore this snapshot…": open the restore review for the snapshot with this id.
    ReviewRestore(String),
    /// The technician confirmed the restore review: roll back and verify.
    ConfirmRestore,
    CloseRestore,
    /// Resync the selected phone: its own rules (`None`) or a one-off rule/URL.
    ResyncNow(Option<String>),
    ExportProfile,
    ExportChanges,
    ImportProfile,
    /// The import review: import the file's known names, leaving out those the phone lacks.
    ImportSkippingUnknown,
    /// The import review: import nothing.
    CloseImportReview,
    SaveActivityLog,
    /// Save a support capture of the selected phone (what phoneprov reads, passwords masked).
    SaveCapture,
    /// Ask for the selected phone's password.
    OpenCredentials,
    SaveCredentials {
        phone: PhoneId,
        for_site: bool,
        login: PhoneLogin,
    },
    CloseCredentials,
    OpenSettings,
    CloseSettings,
    ApplySettings(Settings),
    Quit,
}
