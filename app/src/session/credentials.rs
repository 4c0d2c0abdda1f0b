//! Phone passwords: kept in the operating system's secret store (Secret Service, Keychain,
//! Credential Manager) per phone or for the whole site, never in phoneprov's own files, never
//! shown or logged. When the system has no secret store, they are kept in memory until the
//! app closes, and the technician is told so.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The service name under which phoneprov's entries appear in the secret store.
#[cfg(feature = "gui")]
const SERVICE: &str = "phoneprov";

/// Whose password it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CredentialScope {
    /// One phone, by MAC when known, else its address.
    Phone(String),
    /// Every phone of this site without its own entry.
    Site,
}

impl CredentialScope {
    /// The entry's name in the system's secret store.
    #[cfg(feature = "gui")]
    fn account(&self) -> String {
        match self {
            CredentialScope::Phone(key) => format!("phone:{key}"),
            CredentialScope::Site => "site".to_string(),
        }
    }
}

/// A user name and password. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneLogin {
    pub user: String,
    pub password: String,
}

impl fmt::Debug for PhoneLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhoneLogin")
            .field("user", &self.user)
            .field("password", &crate::profile::mask::MASK)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("this system's secret store is not available ({0})")]
    Unavailable(String),
    #[error("the secret store refused: {0}")]
    Refused(String),
    #[error("the stored entry is damaged; enter the password again")]
    Damaged,
}

/// Where logins are kept.
pub trait SecretStore: Send + Sync {
    fn load(&self, scope: &CredentialScope) -> Result<Option<PhoneLogin>, CredentialError>;
    fn save(&self, scope: &CredentialScope, login: &PhoneLogin) -> Result<(), CredentialError>;
    fn forget(&self, scope: &CredentialScope) -> Result<(), CredentialError>;
}

/// The operating system's secret store (through the keyring crate). Calls may block on
/// the system's service: run them off the UI thread. Only the desktop app keeps logins.
#[cfg(feature = "gui")]
#[derive(Debug, Default)]
pub struct OsSecretStore;

#[cfg(feature = "gui")]
fn entry(scope: &CredentialScope) -> Result<keyring::Entry, CredentialError> {
    keyring::Entry::new(SERVICE, &scope.account()).map_err(|error| match error {
        keyring::Error::NoDefaultStore | keyring::Error::NoStorageAccess(_) => {
            CredentialError::Unavailable(error.to_string())
        }
        other => CredentialError::Refused(other.to_string()),
    })
}

#[cfg(feature = "gui")]
fn refused(error: keyring::Error) -> CredentialError {
    match error {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            CredentialError::Unavailable(error.to_string())
        }
        other => CredentialError::Refused(other.to_string()),
    }
}

#[cfg(feature = "gui")]
impl SecretStore for OsSecretStore {
    fn load(&self, scope: &CredentialScope) -> Result<Option<PhoneLogin>, CredentialError> {
        match entry(scope)?.get_password() {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|_| CredentialError::Damaged),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(refused(error)),
        }
    }

    fn save(&self, scope: &CredentialScope, login: &PhoneLogin) -> Result<(), CredentialError> {
        let text = serde_json::to_string(login).map_err(|_| CredentialError::Damaged)?;
        entry(scope)?.set_password(&text).map_err(refused)
    }

    fn forget(&self, scope: &CredentialScope) -> Result<(), CredentialError> {
        match entry(scope)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(refused(error)),
        }
    }
}

/// Logins kept for this run only (no secret store on the system, and tests).
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    logins: Mutex<HashMap<CredentialScope, PhoneLogin>>,
}

impl SecretStore for MemorySecretStore {
    fn load(&self, scope: &CredentialScope) -> Result<Option<PhoneLogin>, CredentialError> {
        Ok(self
            .logins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(scope)
            .cloned())
    }

    fn save(&self, scope: &CredentialScope, login: &PhoneLogin) -> Result<(), CredentialError> {
        self.logins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(scope.clone(), login.clone());
        Ok(())
    }

    fn forget(&self, scope: &CredentialScope) -> Result<(), CredentialError> {
        self.logins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(scope);
        Ok(())
    }
}

/// The login to use for a phone: its own entry under any of its keys (see
/// [`crate::session::PhoneEntry::credential_keys`]), else the site's.
pub fn login_for(
    store: &dyn SecretStore,
    phone_keys: &[String],
) -> Result<Option<PhoneLogin>, CredentialError> {
    for key in phone_keys {
        if let Some(login) = store.load(&CredentialScope::Phone(key.clone()))? {
            return Ok(Some(login));
        }
    }
    store.load(&CredentialScope::Site)
}

/// Where a login the technician gave ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginKept {
    /// In the system's secret store, for later runs too.
    SecretStore,
    /// In this run's memory only: the system's store refused it.
    ThisRun,
    /// Nowhere: the phone cannot be read with it.
    Nowhere,
}

/// The outcome of [`save_login`], with the words for the technician.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSaved {
    pub kept: LoginKept,
    pub message: String,
}

/// Saves a login in `store`; when that fails it is kept in `memory` until the app closes so
/// the work can go on, and the message says so plainly. Calls may block (see
/// [`SecretStore`]).
pub fn save_login(
    store: &dyn SecretStore,
    memory: &dyn SecretStore,
    scope: &CredentialScope,
    login: &PhoneLogin,
) -> LoginSaved {
    let error = match store.save(scope, login) {
        Ok(()) => {
            return LoginSaved {
                kept: LoginKept::SecretStore,
                message: "Password saved in this computer's secret store".to_string(),
            };
        }
        Err(error) => error,
    };
    if let Err(memory_error) = memory.save(scope, login) {
        return LoginSaved {
            kept: LoginKept::Nowhere,
            message: format!(
                "Password not saved: {error}; it could not be kept for this run either \
                 ({memory_error})"
            ),
        };
    }
    let message = match error {
        CredentialError::Unavailable(_) => {
            format!("{error}: the password is kept only until phoneprov closes")
        }
        _ => format!("Password not saved: {error}. It is kept only until phoneprov closes"),
    };
    LoginSaved {
        kept: LoginKept::ThisRun,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store that refuses everything with `error`.
    struct Refusing(CredentialError);

    impl SecretStore for Refusing {
        fn load(&self, _: &CredentialScope) -> Result<Option<PhoneLogin>, CredentialError> {
            Err(self.0.clone())
        }
        fn save(&self, _: &CredentialScope, _: &PhoneLogin) -> Result<(), CredentialError> {
            Err(self.0.clone())
        }
        fn forget(&self, _: &CredentialScope) -> Result<(), CredentialError> {
            Err(self.0.clone())
        }
    }

    #[test]
    fn a_login_goes_to_the_secret_store_else_to_this_run_else_it_is_said_to_be_lost() {
        let scope = CredentialScope::Site;
        let pw = login("admin", "pw");
        let store = MemorySecretStore::default();
        let memory = MemorySecretStore::default();
        let saved = save_login(&store, &memory, &scope, &pw);
        assert_eq!(saved.kept, LoginKept::SecretStore);
        assert_eq!(store.load(&scope).unwrap(), Some(pw.clone()));
        assert_eq!(memory.load(&scope).unwrap(), None);

        let absent = Refusing(CredentialError::Unavailable("no D-Bus".into()));
        let saved = save_login(&absent, &memory, &scope, &pw);
        assert_eq!(saved.kept, LoginKept::ThisRun);
        assert!(saved.message.ends_with("kept only until phoneprov closes"));
        assert_eq!(memory.load(&scope).unwrap(), Some(pw.clone()));

        let saved = save_login(&Refusing(CredentialError::Damaged), &memory, &scope, &pw);
        assert_eq!(saved.kept, LoginKept::ThisRun);
        assert!(saved.message.starts_with("Password not saved: "));

        let saved = save_login(&absent, &Refusing(CredentialError::Damaged), &scope, &pw);
        assert_eq!(saved.kept, LoginKept::Nowhere);
        assert!(
            saved
                .message
                .contains("could not be kept for this run either")
        );
    }

    fn login(user: &str, password: &str) -> PhoneLogin {
        PhoneLogin {
            user: user.into(),
            password: password.into(),
        }
    }

    #[test]
    fn a_phone_entry_wins_over_the_site_entry() {
        let store = MemorySecretStore::default();
        let keys = ["00:56:2b:04:36:15".to_string()];
        assert_eq!(login_for(&store, &keys).unwrap(), None);
        store
            .save(&CredentialScope::Site, &login("admin", "site-pw"))
            .unwrap();
        assert_eq!(
            login_for(&store, &keys).unwrap().unwrap().password,
            "site-pw"
        );
        let phone = CredentialScope::Phone("00:56:2b:04:36:15".into());
        store.save(&phone, &login("admin", "phone-pw")).unwrap();
        assert_eq!(
            login_for(&store, &keys).unwrap().unwrap().password,
            "phone-pw"
        );
        store.forget(&phone).unwrap();
        assert_eq!(
            login_for(&store, &keys).unwrap().unwrap().password,
            "site-pw"
        );
    }

    #[test]
    fn a_password_saved_before_the_mac_was_known_is_still_found() {
        // Saved while the locked phone was known only by its address; a read then taught
        // phoneprov its MAC, which comes first among its keys from then on.
        let store = MemorySecretStore::default();
        let address_scope = CredentialScope::Phone("http://10.1.20.31".into());
        store
            .save(&address_scope, &login("admin", "phone-pw"))
            .unwrap();
        let keys = [
            "00:56:2b:04:36:15".to_string(),
            "http://10.1.20.31".to_string(),
        ];
        assert_eq!(
            login_for(&store, &keys).unwrap().unwrap().password,
            "phone-pw"
        );
        // An entry under the MAC wins over the one under the address.
        let mac_scope = CredentialScope::Phone("00:56:2b:04:36:15".into());
        store.save(&mac_scope, &login("admin", "newer-pw")).unwrap();
        assert_eq!(
            login_for(&store, &keys).unwrap().unwrap().password,
            "newer-pw"
        );
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let text = format!("{:?}", login("admin", "hunter2"));
        assert!(!text.contains("hunter2"));
        assert!(text.contains("admin"));
    }
}
