//! Network plumbing shared by the phone client and discovery.

pub mod body;

use std::sync::Once;

/// Installs rustls' ring crypto provider for the process, once. reqwest is built without a
/// provider of its own (ring builds faster and smaller than aws-lc), and panics when a client
/// is built before one is installed: build every client through [`client_builder`].
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err means another provider was installed first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A reqwest client builder that is safe to build: the crypto provider is installed.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}
