//! The password task: finding a phone's login in the secret store (or this run's memory),
//! opening the password prompt, and saving what the technician types into it. Secret-store
//! calls may block, so they run on the background runtime and come back in promises.

use std::sync::Arc;
use std::time::Duration;

use poll_promise::Promise;

use super::Shell;
use crate::gui::credentials_dialog::CredentialsDraft;
use crate::session::credentials::{
    CredentialScope, LoginKept, LoginSaved, MemorySecretStore, SecretStore, login_for, save_login,
};
use crate::session::{PhoneId, PhoneLogin};

/// The longest a password lookup in the system's secret store may take.
const SECRET_STORE_TIMEOUT: Duration = Duration::from_secs(3);

impl Shell {
    /// Starts looking up the login for a phone (its `keys`, then the site's).
    pub(super) fn look_up_login(&self, keys: Vec<String>) -> Promise<Option<PhoneLogin>> {
        let lookup = self.login_lookup(keys);
        // Without a login the phone is tried with its default one, and says if it wants more.
        self.reporter.promise(&self.handle, lookup, |_| None)
    }

    /// The login lookup as a future, for background work that needs the login first.
    pub(super) fn login_lookup(
        &self,
        keys: Vec<String>,
    ) -> impl std::future::Future<Output = Option<PhoneLogin>> + Send + 'static {
        find_login(
            self.secret_store.clone(),
            self.session_secrets.clone(),
            keys,
        )
    }

    /// Opens the prompt for the selected phone ("🔑 Password…").
    pub(super) fn open_password_prompt(&mut self) {
        if let Some(entry) = self.phones.selected_entry() {
            self.credentials_draft = Some(CredentialsDraft::new(entry.id, entry.display_name()));
        }
    }

    /// Opens the prompt because the phone asked for a password.
    pub(super) fn ask_for_password(&mut self, id: PhoneId, name: String, reason: String) {
        let mut draft = CredentialsDraft::new(id, name);
        draft.reason = Some(reason);
        self.credentials_draft = Some(draft);
    }

    /// Saves the login typed into the prompt, for the phone or the whole site.
    pub(super) fn save_password(&mut self, phone: PhoneId, for_site: bool, login: PhoneLogin) {
        self.credentials_draft = None;
        let Some(entry) = self.phones.get(phone) else {
            return;
        };
        let scope = if for_site {
            CredentialScope::Site
        } else {
            // Saved under the preferred key; found under any of them later.
            let keys = entry.credential_keys();
            CredentialScope::Phone(keys.into_iter().next().unwrap_or_default())
        };
        let store = self.secret_store.clone();
        let memory = self.session_secrets.clone();
        let save = async move {
            tokio::task::spawn_blocking(move || {
                save_login(store.as_ref(), memory.as_ref(), &scope, &login)
            })
            .await
            .unwrap_or_else(|error| not_saved(error.to_string()))
        };
        let promise = self.reporter.promise(&self.handle, save, not_saved);
        self.password_saves.push((phone, promise));
    }

    /// Says where finished saves went; a phone whose login was kept is tried again with it.
    pub(super) fn poll_password_saves(&mut self) {
        if self.password_saves.is_empty() {
            return;
        }
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.password_saves)
            .into_iter()
            .partition(|(_, promise)| promise.ready().is_some());
        self.password_saves = waiting;
        for (phone, promise) in done {
            if let Ok(saved) = promise.try_take() {
                self.password_saved(phone, saved);
            }
        }
    }

    fn password_saved(&mut self, phone: PhoneId, saved: LoginSaved) {
        let name = self.phones.get(phone).map(|e| e.display_name());
        self.activity.record(name, saved.message.clone());
        if saved.kept == LoginKept::Nowhere {
            // Trying the phone again would only ask again: say it instead.
            self.notice = Some(saved.message);
            return;
        }
        self.read_phone(phone);
    }
}

/// A save that could not run at all.
fn not_saved(reason: String) -> LoginSaved {
    LoginSaved {
        kept: LoginKept::Nowhere,
        message: format!("Password not saved: {reason}"),
    }
}

/// The login to use for a phone: the secret store, else this run's memory.
async fn find_login(
    store: Arc<dyn SecretStore>,
    memory: Arc<MemorySecretStore>,
    keys: Vec<String>,
) -> Option<PhoneLogin> {
    let lookup_keys = keys.clone();
    let lookup = tokio::task::spawn_blocking(move || login_for(store.as_ref(), &lookup_keys));
    // A secret service that does not answer must not hold up talking to the phone.
    let stored = tokio::time::timeout(SECRET_STORE_TIMEOUT, lookup)
        .await
        .ok()
        .and_then(Result::ok)
        .and_then(Result::ok)
        .flatten();
    stored.or_else(|| login_for(memory.as_ref(), &keys).ok().flatten())
}
