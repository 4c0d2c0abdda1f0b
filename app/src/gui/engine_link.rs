//! The shell's bridge to the phone client and the provisioning engine. Every function here
//! runs on the background runtime; a read returns its result (the shell holds it in a
//! promise), an apply or resync streams its events through the [`Reporter`]. None blocks the
//! UI.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::background::{Report, Reporter};
use crate::phone::AuthMethod;
use crate::phone::{
    ClientOptions, Credentials, Phone, PhoneError, PhoneReading, Secret, StatusPage,
};
use crate::profile::schema;
use crate::provision::push::local_address_towards;
use crate::provision::{
    ApplyError, ApplyOptions, Engine, EventSink, History, ResyncOptions, Snapshot,
};
use crate::session::form::Refusal;
use crate::session::operation::OperationFailure;
use crate::session::phone_facts::PhoneFacts;
use crate::session::phone_read::{PhoneRead, ReadFailure};
use crate::session::{PhoneAddress, PhoneId, PhoneLogin};

/// A phone handle with the login to use (none: the phone's default `admin` without password).
pub fn open_phone(
    engine: &Engine,
    address: &PhoneAddress,
    login: Option<PhoneLogin>,
) -> Result<Phone, PhoneError> {
    let credentials = match login {
        Some(login) => Credentials {
            user: login.user,
            password: Some(Secret::new(login.password)),
        },
        None => Credentials::default(),
    };
    engine.phone(address.clone(), credentials, ClientOptions::default())
}

/// A client error in the words the list and the prompt use.
pub fn read_failure(error: PhoneError) -> ReadFailure {
    match error {
        PhoneError::NeedsPassword { .. } => ReadFailure {
            needs_password: true,
            message: "The phone asks for a password. Use 🔑 Password… to give it.".to_string(),
        },
        PhoneError::WrongPassword { user, .. } => ReadFailure {
            needs_password: true,
            message: format!(
                "The phone refused the password for user \"{user}\". Use 🔑 Password… to correct it."
            ),
        },
        other => ReadFailure {
            needs_password: false,
            message: other.to_string(),
        },
    }
}

/// Opens the phone with `login` and reads it: the one-shot read the shell waits for.
pub async fn open_and_read(
    engine: Arc<Engine>,
    address: PhoneAddress,
    login: Option<PhoneLogin>,
) -> Result<PhoneRead, ReadFailure> {
    let phone = open_phone(&engine, &address, login).map_err(read_failure)?;
    read_phone(&phone).await
}

/// Reads the phone's identity, Configuration Profile values and status, and reports it
/// (the read that ends an apply or resync, after its events).
pub async fn read(reporter: Reporter, id: PhoneId, phone: Arc<Phone>) {
    let outcome = read_phone(&phone).await;
    reporter.send(Report::PhoneRead { phone: id, outcome });
}

async fn read_phone(phone: &Phone) -> Result<PhoneRead, ReadFailure> {
    // The status page adds reboot reasons and the provisioning record; not every phone
    // has one, so its absence is not an error.
    let PhoneReading {
        config,
        status,
        identity,
    } = phone
        .read_with_identity(StatusPage::Always)
        .await
        .map_err(read_failure)?;
    let values = config
        .values
        .iter()
        .filter_map(|(name, value)| {
            schema::lookup(name).map(|def| (def.element.to_string(), value.clone()))
        })
        .collect();
    let facts = PhoneFacts {
        settings: config.values.clone(),
        call_active: status.as_ref().and_then(|s| s.call_active),
        clock: status
            .as_ref()
            .and_then(|s| s.value("Current_Time"))
            .map(str::to_string),
        login_used: phone
            .client
            .auth_method()
            .is_some_and(|method| method != AuthMethod::None),
        spa: config.is_spa(&identity),
        laptop_address: laptop_address_towards(phone).await,
        read_at: jiff::Timestamp::now(),
    };
    Ok(PhoneRead {
        facts: Some(Box::new(facts)),
        identity,
        values,
        reboot_reasons: status
            .as_ref()
            .map(|s| s.reboot_reasons.clone())
            .unwrap_or_default(),
        last_provisioning: status
            .as_ref()
            .and_then(|s| s.latest_provisioning())
            .map(|entry| entry.text.clone()),
    })
}

/// The address a push would be served from: this computer's address on the route to the
/// phone (asks the routing table only; nothing is sent).
async fn laptop_address_towards(phone: &Phone) -> Result<std::net::IpAddr, String> {
    let ip = phone
        .address()
        .resolve_ip()
        .await
        .map_err(|error| format!("the phone's address does not resolve: {error}"))?;
    local_address_towards(ip).map_err(|error| error.to_string())
}

/// Forwards the engine's events for one operation to the shell, tagged with the phone.
fn event_sink(
    reporter: &Reporter,
    id: PhoneId,
    phone: &Phone,
) -> (EventSink, tokio::task::JoinHandle<()>) {
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let sink = EventSink::new(phone.address().key(), sender);
    let reporter = reporter.clone();
    let forward = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            reporter.send(Report::Provision { phone: id, event });
        }
    });
    (sink, forward)
}

/// Apply → resync → verify, reporting every step; then reads the phone again.
pub async fn apply(
    reporter: Reporter,
    engine: Arc<Engine>,
    id: PhoneId,
    phone: Arc<Phone>,
    changes: Vec<(String, String)>,
    expected_mac: Option<crate::identity::Mac>,
    cancel: CancellationToken,
) {
    let (sink, forward) = event_sink(&reporter, id, &phone);
    let options = ApplyOptions {
        expected_mac,
        ..ApplyOptions::default()
    };
    let result = engine
        .apply(&phone, &changes, &options, &sink, &cancel)
        .await;
    drop(sink);
    let _ = forward.await;
    finish_apply(reporter, id, phone, result).await;
}

/// Puts the phone back to `snapshot` (the command line's `rollback`), sent and verified like
/// any change, reporting every step; then reads the phone again.
pub async fn restore(
    reporter: Reporter,
    engine: Arc<Engine>,
    id: PhoneId,
    phone: Arc<Phone>,
    snapshot: Snapshot,
    cancel: CancellationToken,
) {
    let (sink, forward) = event_sink(&reporter, id, &phone);
    let result = engine
        .rollback(&phone, &snapshot, &ApplyOptions::default(), &sink, &cancel)
        .await;
    drop(sink);
    let _ = forward.await;
    finish_apply(reporter, id, phone, result).await;
}

/// Reports how an apply or restore ended, then reads the phone again.
async fn finish_apply(
    reporter: Reporter,
    id: PhoneId,
    phone: Arc<Phone>,
    result: Result<crate::provision::ApplyReport, ApplyError>,
) {
    let outcome = match result {
        Ok(report) if report.fully_verified() => Ok(format!(
            "Verified on the phone: {} value(s)",
            report.verified.len()
        )),
        Ok(report) => Ok(format!(
            "Verified {} value(s); {} cannot be read back (the phone hides passwords): {}",
            report.verified.len(),
            report.unverifiable.len(),
            report.unverifiable.join(", ")
        )),
        Err(error) => Err(apply_failure(&error)),
    };
    reporter.send(Report::OperationDone { phone: id, outcome });
    read(reporter, id, phone).await;
}

/// Resync with the phone's own rules (`rule` = `None`) or once from `rule`, followed to its
/// outcome; then reads the phone again.
pub async fn resync(
    reporter: Reporter,
    engine: Arc<Engine>,
    id: PhoneId,
    phone: Arc<Phone>,
    rule: Option<String>,
    cancel: CancellationToken,
) {
    let (sink, forward) = event_sink(&reporter, id, &phone);
    let result = engine
        .resync(
            &phone,
            rule.as_deref(),
            &ResyncOptions::default(),
            &sink,
            &cancel,
        )
        .await;
    drop(sink);
    let _ = forward.await;
    let outcome = match result {
        Ok(report) => match report.success {
            Some(true) => Ok(format!("Resync succeeded: {}", report.detail)),
            Some(false) => Err(format!("Resync failed: {}", report.detail).into()),
            None => Ok(format!("Resync requested: {}", report.detail)),
        },
        Err(error) => Err(error.to_string().into()),
    };
    reporter.send(Report::OperationDone { phone: id, outcome });
    read(reporter, id, phone).await;
}

/// The snapshots of the phone at `address` (by its MAC when known), oldest first: the
/// one-shot load the history panel waits for. Reads files only.
pub async fn load_history(
    history: History,
    key: String,
    mac: Option<crate::identity::Mac>,
) -> Result<Vec<Snapshot>, String> {
    tokio::task::spawn_blocking(move || history.list(&key, mac).map_err(|e| e.to_string()))
        .await
        .map_err(|error| format!("reading the history stopped: {error}"))?
}

/// An apply's error for the form: the values the phone confirmed and those it reports
/// differently, field by field.
fn apply_failure(error: &ApplyError) -> OperationFailure {
    // The window's words for a login (the 🔑 Password… button), not the CLI's flags.
    let login = |error: &PhoneError| {
        matches!(
            error,
            PhoneError::NeedsPassword { .. } | PhoneError::WrongPassword { .. }
        )
        .then(|| read_failure(error.clone()).message)
    };
    let reason = match error {
        ApplyError::Phone(cause) => login(cause),
        // Refused at the read before anything was sent (the usual case for a password).
        ApplyError::NotRead(cause) => {
            login(cause).map(|words| format!("{words} Nothing was sent to the phone."))
        }
        _ => None,
    }
    .unwrap_or_else(|| error.to_string());
    let mut failure = OperationFailure::from(reason);
    if let ApplyError::Unverified {
        mismatches,
        verified,
        ..
    } = error
    {
        let at = jiff::Timestamp::now();
        failure.verified = verified.clone();
        failure.refusals = mismatches
            .iter()
            .map(|mismatch| {
                (
                    mismatch.name.clone(),
                    Refusal {
                        wanted: mismatch.wanted.clone(),
                        read_back: mismatch.read_back.clone(),
                        at,
                    },
                )
            })
            .collect();
    }
    failure
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::{PageKind, PageProblem};

    /// The window shows a failed read in the command line's words (one home: `PhoneError`).
    #[test]
    fn a_failed_read_shows_the_command_lines_words() {
        let errors = [
            PhoneError::LoginPage {
                phone: "10.0.0.7:80".into(),
                path: "/admin/cfg.xml".into(),
            },
            PhoneError::Unreadable {
                phone: "10.0.0.7:80".into(),
                path: "/admin/cfg.xml".into(),
                page: PageKind::Config,
                problem: PageProblem::Truncated { bytes: 1234 },
            },
            PhoneError::NotAPhone {
                phone: "10.0.0.9:80".into(),
                seen: "a web server \"nginx\"".into(),
            },
            PhoneError::NothingListens {
                phone: "10.0.0.7:80".into(),
            },
        ];
        for error in errors {
            let failure = read_failure(error.clone());
            assert_eq!(failure.message, error.to_string());
            assert!(!failure.needs_password);
        }
    }

    /// A password the phone asks for, refused at the read before the apply or during it, is
    /// said in the window's words (the 🔑 Password… button), never the CLI's flags.
    #[test]
    fn an_apply_refused_for_a_password_says_the_windows_words() {
        let needs = PhoneError::NeedsPassword {
            phone: "10.0.0.7:80".into(),
        };
        let refused = PhoneError::WrongPassword {
            phone: "10.0.0.7:80".into(),
            user: "admin".into(),
            method: "digest".into(),
        };
        for (error, words) in [
            (
                ApplyError::NotRead(needs.clone()),
                "The phone asks for a password. Use 🔑 Password… to give it. Nothing was sent \
                 to the phone.",
            ),
            (
                ApplyError::Phone(needs),
                "The phone asks for a password. Use 🔑 Password… to give it.",
            ),
            (
                ApplyError::NotRead(refused),
                "The phone refused the password for user \"admin\". Use 🔑 Password… to \
                 correct it. Nothing was sent to the phone.",
            ),
        ] {
            let reason = apply_failure(&error).reason;
            assert_eq!(reason, words);
            assert!(!reason.contains("--password"), "{reason}");
        }
        let other = ApplyError::NotRead(PhoneError::NothingListens {
            phone: "10.0.0.7:80".into(),
        });
        assert_eq!(apply_failure(&other).reason, other.to_string());
    }
}
