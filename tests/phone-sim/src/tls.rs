//! The phone's self-signed HTTPS certificate (rcgen), replaceable to emulate a certificate change.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

use crate::SimError;

/// A certificate with its key, ready to accept TLS connections.
pub struct TlsIdentity {
    pub acceptor: TlsAcceptor,
    /// DER of the certificate.
    pub cert_der: Vec<u8>,
    /// PEM of the certificate (for clients that want to pin or trust it).
    pub cert_pem: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("sha256", &self.sha256)
            .finish()
    }
}

impl TlsIdentity {
    /// A fresh self-signed certificate for `names` (host names or IP addresses).
    pub fn generate(names: Vec<String>) -> Result<TlsIdentity, SimError> {
        let tls = |e: &dyn std::fmt::Display| SimError::Tls(e.to_string());
        let certified = rcgen::generate_simple_self_signed(names).map_err(|e| tls(&e))?;
        let cert_der = certified.cert.der().to_vec();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls(&e))?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key)
            .map_err(|e| tls(&e))?;
        Ok(TlsIdentity {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            sha256: hex::encode(Sha256::digest(&cert_der)),
            cert_pem: certified.cert.pem(),
            cert_der,
        })
    }
}
