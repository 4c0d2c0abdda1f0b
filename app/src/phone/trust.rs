//! HTTPS trust on first use. Phones present self-signed certificates, so no public CA can
//! vouch for them. The first time phoneprov talks HTTPS to a phone it records the SHA-256
//! fingerprint of the certificate (and says so); afterwards only that certificate is
//! accepted. A changed certificate is refused with both fingerprints and what to do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::storage::write_atomically;

/// One remembered certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedCertificate {
    /// SHA-256 of the DER certificate, `AB:CD:…` as browsers print it.
    pub sha256: String,
    pub first_seen: jiff::Timestamp,
}

/// A certificate that differs from the remembered one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the phone at {phone} presents a different HTTPS certificate than the one trusted on {first_seen}: \
     was {old}, now {new}. This happens after a factory reset or certificate update, but could \
     also be another device answering at that address. If you know the phone's certificate \
     changed, forget the old one with `phoneprov trust forget {phone}` (or delete its entry in {file}) and try again"
)]
pub struct CertificateChanged {
    pub phone: String,
    pub old: String,
    pub new: String,
    pub first_seen: jiff::Timestamp,
    pub file: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TrustStoreError {
    #[error("cannot read the trusted certificates file {path}: {message}")]
    Read { path: String, message: String },
    #[error("cannot save the trusted certificates file {path}: {message}")]
    Write { path: String, message: String },
}

/// The fingerprints of every phone seen over HTTPS, in a JSON file (`host:port` → entry).
#[derive(Debug)]
pub struct TrustStore {
    path: PathBuf,
    entries: Mutex<BTreeMap<String, TrustedCertificate>>,
}

/// What happened to a certificate when it was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustDecision {
    /// Seen before, same fingerprint.
    Known,
    /// First contact: recorded now.
    TrustedOnFirstUse { sha256: String },
}

impl TrustStore {
    /// Opens (or starts) the store at `path`. A missing file is an empty store.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, TrustStoreError> {
        let path = path.into();
        let entries = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| TrustStoreError::Read {
                path: path.display().to_string(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => {
                return Err(TrustStoreError::Read {
                    path: path.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        Ok(TrustStore {
            path,
            entries: Mutex::new(entries),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, phone: &str) -> Option<TrustedCertificate> {
        self.lock().get(phone).cloned()
    }

    /// Forgets a phone's certificate (after the technician confirmed it changed).
    pub fn forget(&self, phone: &str) -> Result<bool, TrustStoreError> {
        let mut entries = self.lock();
        let removed = entries.remove(phone).is_some();
        if removed {
            self.save(&entries)?;
        }
        Ok(removed)
    }

    /// Checks `der` for `phone`: records it on first use, accepts it when it matches,
    /// refuses it when it changed.
    pub fn check(&self, phone: &str, der: &[u8]) -> Result<TrustDecision, CertificateCheckError> {
        let sha256 = fingerprint(der);
        let mut entries = self.lock();
        match entries.get(phone) {
            Some(known) if known.sha256 == sha256 => Ok(TrustDecision::Known),
            Some(known) => Err(CertificateCheckError::Changed(CertificateChanged {
                phone: phone.to_string(),
                old: known.sha256.clone(),
                new: sha256,
                first_seen: known.first_seen,
                file: self.path.display().to_string(),
            })),
            None => {
                entries.insert(
                    phone.to_string(),
                    TrustedCertificate {
                        sha256: sha256.clone(),
                        first_seen: jiff::Timestamp::now(),
                    },
                );
                // Not remembered = not trusted: a store that cannot be written refuses.
                self.save(&entries).map_err(CertificateCheckError::Store)?;
                log::info!("trusting {phone}'s HTTPS certificate on first use: SHA-256 {sha256}");
                Ok(TrustDecision::TrustedOnFirstUse { sha256 })
            }
        }
    }

    fn save(&self, entries: &BTreeMap<String, TrustedCertificate>) -> Result<(), TrustStoreError> {
        let write_error = |message: String| TrustStoreError::Write {
            path: self.path.display().to_string(),
            message,
        };
        let json = serde_json::to_vec_pretty(entries).map_err(|e| write_error(e.to_string()))?;
        write_atomically(&self.path, &json).map_err(|e| write_error(e.to_string()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, TrustedCertificate>> {
        // A panic elsewhere while holding the lock leaves the map intact: keep using it.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CertificateCheckError {
    #[error(transparent)]
    Changed(CertificateChanged),
    #[error(transparent)]
    Store(TrustStoreError),
}

/// `AB:CD:…`, the SHA-256 fingerprint of a DER certificate.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The rustls verifier for one phone: pins through the [`TrustStore`] and keeps the reason
/// of a refusal so the client can explain it (rustls only carries a string).
#[derive(Debug)]
pub struct PinningVerifier {
    phone: String,
    store: Arc<TrustStore>,
    algorithms: WebPkiSupportedAlgorithms,
    /// Set when a handshake was refused or a certificate was trusted for the first time.
    pub last: Arc<Mutex<Option<VerifierNote>>>,
}

#[derive(Debug, Clone)]
pub enum VerifierNote {
    TrustedOnFirstUse { sha256: String },
    Changed(CertificateChanged),
    StoreFailed(String),
}

impl PinningVerifier {
    pub fn new(phone: String, store: Arc<TrustStore>) -> Self {
        PinningVerifier {
            phone,
            store,
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
            last: Arc::new(Mutex::new(None)),
        }
    }

    fn note(&self, note: VerifierNote) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(note);
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.store.check(&self.phone, end_entity.as_ref()) {
            Ok(TrustDecision::Known) => Ok(ServerCertVerified::assertion()),
            Ok(TrustDecision::TrustedOnFirstUse { sha256 }) => {
                self.note(VerifierNote::TrustedOnFirstUse { sha256 });
                Ok(ServerCertVerified::assertion())
            }
            Err(CertificateCheckError::Changed(changed)) => {
                let message = changed.to_string();
                self.note(VerifierNote::Changed(changed));
                Err(rustls::Error::General(message))
            }
            Err(CertificateCheckError::Store(e)) => {
                let message = e.to_string();
                self.note(VerifierNote::StoreFailed(message.clone()));
                Err(rustls::Error::General(message))
            }
        }
    }

    // The handshake signatures are still checked against the pinned certificate's key:
    // pinning replaces the CA chain, not the proof that the peer holds the key.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A rustls client configuration that trusts exactly what `verifier` pins.
pub fn client_config(
    verifier: Arc<PinningVerifier>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_use_is_recorded_then_a_change_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trust.json");
        let store = TrustStore::open(&path).unwrap();
        assert_eq!(
            store.check("10.0.0.7:443", b"cert-one").unwrap(),
            TrustDecision::TrustedOnFirstUse {
                sha256: fingerprint(b"cert-one")
            }
        );
        assert_eq!(
            store.check("10.0.0.7:443", b"cert-one").unwrap(),
            TrustDecision::Known
        );
        // Persisted: a new store from the same file still knows it.
        let reopened = TrustStore::open(&path).unwrap();
        let error = reopened.check("10.0.0.7:443", b"cert-two").unwrap_err();
        let CertificateCheckError::Changed(changed) = error else {
            panic!("expected a change, got {error:?}");
        };
        assert_eq!(changed.old, fingerprint(b"cert-one"));
        assert_eq!(changed.new, fingerprint(b"cert-two"));
        let message = changed.to_string();
        assert!(message.contains(&changed.old) && message.contains(&changed.new));
        assert!(message.contains("trust forget"), "{message}");
        // Other phones are independent.
        assert!(matches!(
            reopened.check("10.0.0.8:443", b"cert-two").unwrap(),
            TrustDecision::TrustedOnFirstUse { .. }
        ));
        assert!(reopened.forget("10.0.0.7:443").unwrap());
        assert!(matches!(
            reopened.check("10.0.0.7:443", b"cert-two").unwrap(),
            TrustDecision::TrustedOnFirstUse { .. }
        ));
    }

    #[test]
    fn a_corrupt_store_is_an_error_not_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trust.json");
        std::fs::write(&path, b"{not json").unwrap();
        assert!(TrustStore::open(&path).is_err());
    }
}
