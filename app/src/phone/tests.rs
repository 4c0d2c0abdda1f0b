//! The client against real HTTP(S) servers on 127.0.0.1 that ask for each kind of
//! authentication the phones use.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::*;

const PASSWORD: &str = "s3cret&pw";
const CFG: &str = "<flat-profile><Product_Name>CP-8861-3PCC</Product_Name>\
    <MAC_Address>00562B043615</MAC_Address><Resync_Periodic ua=\"na\">3600</Resync_Periodic>\
    </flat-profile>";

#[derive(Clone, Copy)]
enum Guard {
    Open,
    XPassword,
    Digest,
    Basic,
    /// Admin pages are gone (Enable_Web_Admin_Access = No); `/` answers.
    AdminOff,
}

async fn phone(State(guard): State<Guard>, request: Request) -> Response {
    let uri = request.uri().clone();
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if path == "/" {
        return (
            StatusCode::OK,
            "<html><title>Cisco CP-8861-3PCC</title></html>",
        )
            .into_response();
    }
    let allowed = match guard {
        Guard::Open => true,
        Guard::AdminOff => return StatusCode::NOT_FOUND.into_response(),
        Guard::XPassword => {
            let encoded =
                percent_encoding::utf8_percent_encode(PASSWORD, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            query.ends_with(&format!("xuser=admin&xpassword={encoded}"))
        }
        Guard::Basic => authorization.as_deref() == Some("Basic YWRtaW46czNjcmV0JnB3"), // admin:s3cret&pw
        Guard::Digest => authorization.is_some_and(|value| {
            let Ok(mut header) = digest_auth::AuthorizationHeader::parse(&value) else {
                return false;
            };
            let sent = header.response.clone();
            let context = digest_auth::AuthContext::new("admin", PASSWORD, header.uri.clone());
            header.digest(&context);
            header.response == sent && header.realm == "phone"
        }),
    };
    if !allowed {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        let challenge = match guard {
            Guard::Digest => {
                Some("Digest realm=\"phone\", nonce=\"abc123\", qop=\"auth\", algorithm=MD5")
            }
            Guard::Basic => Some("Basic realm=\"phone\""),
            _ => None,
        };
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(challenge),
            );
        }
        return response;
    }
    match path.as_str() {
        "/admin/cfg.xml" => CFG.into_response(),
        "/admin/huge" => vec![b'x'; 100_000].into_response(),
        "/admin/slow" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "late".into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start(guard: Guard) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(phone).with_state(guard);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

fn client(address: SocketAddr, password: Option<&str>) -> Phone {
    let options = ClientOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        max_body: 10_000,
    };
    Phone::new(
        PhoneClient::new(
            PhoneAddress::from_socket(Scheme::Http, address),
            Credentials::new("admin", password.map(Secret::new)),
            options,
            None,
        )
        .unwrap(),
    )
}

#[tokio::test]
async fn every_authentication_is_found_out_and_used() {
    for (guard, method) in [
        (Guard::Open, AuthMethod::None),
        (Guard::XPassword, AuthMethod::XPassword),
        (Guard::Digest, AuthMethod::Digest),
        (Guard::Basic, AuthMethod::Basic),
    ] {
        let address = start(guard).await;
        let phone = client(address, Some(PASSWORD));
        let config = phone.read_config().await.unwrap();
        assert_eq!(config.value("Resync_Periodic"), Some("3600"));
        assert_eq!(config.source, ConfigSource::CfgXml);
        assert_eq!(config.identity.model.as_deref(), Some("CP-8861-3PCC"));
        assert_eq!(phone.client.auth_method(), Some(method));
        // The second request uses what was learned.
        phone.read_config().await.unwrap();
    }
}

#[tokio::test]
async fn wrong_and_missing_passwords_are_told_apart() {
    for guard in [Guard::XPassword, Guard::Digest, Guard::Basic] {
        let address = start(guard).await;
        let wrong = client(address, Some("nope"))
            .read_config()
            .await
            .unwrap_err();
        assert!(
            matches!(wrong, PhoneError::WrongPassword { .. }),
            "{wrong:?}"
        );
        assert!(wrong.to_string().contains("wrong password"), "{wrong}");
        let missing = client(address, None).read_config().await.unwrap_err();
        assert!(
            matches!(missing, PhoneError::NeedsPassword { .. }),
            "{missing:?}"
        );
    }
}

#[tokio::test]
async fn admin_access_off_is_explained() {
    let address = start(Guard::AdminOff).await;
    let error = client(address, Some(PASSWORD))
        .read_config()
        .await
        .unwrap_err();
    assert!(
        matches!(error, PhoneError::AdminAccessDisabled { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Enable_Web_Admin_Access"));
}

#[tokio::test]
async fn huge_and_slow_answers_are_errors_and_errors_hold_no_secret() {
    let address = start(Guard::XPassword).await;
    let phone = client(address, Some(PASSWORD));
    let huge = phone.client.get("/admin/huge").await.unwrap_err();
    assert!(matches!(huge, PhoneError::TooLarge { .. }), "{huge:?}");
    let slow = phone.client.get("/admin/slow").await.unwrap_err();
    assert!(matches!(slow, PhoneError::TimedOut { .. }), "{slow:?}");
    for error in [huge, slow] {
        let text = format!("{error} {error:?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(!text.contains("xpassword"), "{text}");
    }
    assert!(!format!("{phone:?}").contains("s3cret"));
}

#[tokio::test]
async fn an_unreachable_phone_says_so() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let error = client(address, Some(PASSWORD))
        .read_config()
        .await
        .unwrap_err();
    assert!(error.is_unreachable(), "{error:?}");
    assert!(!error.to_string().contains("s3cret"));
}

/// A real HTTPS server with `certificate`, answering every request with `CFG`.
async fn start_https(certificate: &rcgen::CertifiedKey<rcgen::KeyPair>) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    crate::net::install_crypto_provider();
    let chain = vec![certificate.cert.der().clone()];
    let key = rustls::pki_types::PrivateKeyDer::try_from(certificate.signing_key.serialize_der())
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut request = [0u8; 4096];
                let _ = tls.read(&mut request).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{CFG}",
                    CFG.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    address
}

#[tokio::test]
async fn https_certificates_are_trusted_on_first_use_and_a_change_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(TrustStore::open(dir.path().join("trust.json")).unwrap());
    let first = rcgen::generate_simple_self_signed(vec!["phone.local".into()]).unwrap();
    let address = start_https(&first).await;
    let https = |store: Arc<TrustStore>| {
        Phone::new(
            PhoneClient::new(
                PhoneAddress::from_socket(Scheme::Https, address),
                Credentials::default(),
                ClientOptions::default(),
                Some(store),
            )
            .unwrap(),
        )
    };
    let phone = https(store.clone());
    phone.read_config().await.unwrap();
    let fingerprint = trust::fingerprint(first.cert.der());
    assert_eq!(
        phone.client.first_use_fingerprint(),
        Some(fingerprint.clone())
    );
    assert_eq!(store.get(&address.to_string()).unwrap().sha256, fingerprint);
    // Same certificate again, through a fresh client: accepted, not "first use".
    let again = https(store.clone());
    again.read_config().await.unwrap();
    assert_eq!(again.client.first_use_fingerprint(), None);

    // Another certificate at the same address (a new server on the same port is not
    // possible, so point a fresh store entry at a different server instead).
    let second = rcgen::generate_simple_self_signed(vec!["phone.local".into()]).unwrap();
    let other = start_https(&second).await;
    let entry = store.get(&address.to_string()).unwrap();
    let moved = dir.path().join("moved.json");
    std::fs::write(
        &moved,
        serde_json::to_vec(&std::collections::BTreeMap::from([(
            other.to_string(),
            entry,
        )]))
        .unwrap(),
    )
    .unwrap();
    let moved_store = Arc::new(TrustStore::open(&moved).unwrap());
    let changed = Phone::new(
        PhoneClient::new(
            PhoneAddress::from_socket(Scheme::Https, other),
            Credentials::default(),
            ClientOptions::default(),
            Some(moved_store),
        )
        .unwrap(),
    );
    let error = changed.read_config().await.unwrap_err();
    let PhoneError::CertificateChanged(details) = &error else {
        panic!("expected a refused certificate, got {error:?}");
    };
    assert_eq!(details.old, fingerprint);
    assert_eq!(details.new, trust::fingerprint(second.cert.der()));
    assert!(error.to_string().contains("trust forget"), "{error}");
}

#[test]
fn https_without_a_trust_store_is_refused() {
    let error = PhoneClient::new(
        "https://10.0.0.7".parse().unwrap(),
        Credentials::default(),
        ClientOptions::default(),
        None,
    )
    .unwrap_err();
    assert!(matches!(error, PhoneError::NoTrustStore { .. }));
}

#[tokio::test]
async fn forbidden_pages_are_explained_not_blamed_on_the_password() {
    async fn forbidden(request: Request) -> Response {
        if request.uri().path() == "/" {
            // The phone's own page still answers, and names the phone.
            return (
                StatusCode::OK,
                "<html><title>Cisco CP-8861-3PCC</title></html>",
            )
                .into_response();
        }
        (
            StatusCode::FORBIDDEN,
            "<html><head><title>403 Forbidden</title></head><body><p>Admin web access is disabled</p></body></html>",
        )
            .into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(forbidden);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let error = client(address, Some(PASSWORD))
        .read_config()
        .await
        .unwrap_err();
    assert!(matches!(error, PhoneError::Forbidden { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("Admin web access is disabled"), "{text}");
    assert!(!text.contains("403 Forbidden\""), "{text}");
}

/// A web server that is no phone: 403 or 404 everywhere, its Server header says what it is.
async fn start_stranger(status: StatusCode) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move || async move {
        (
            status,
            [(header::SERVER, "nginx/1.24.0")],
            "<html><head><title>Router login</title></head></html>",
        )
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

#[tokio::test]
async fn a_device_that_is_no_phone_is_called_that_without_phone_advice() {
    for status in [StatusCode::NOT_FOUND, StatusCode::FORBIDDEN] {
        let address = start_stranger(status).await;
        let error = client(address, None).read_config().await.unwrap_err();
        assert!(matches!(error, PhoneError::NotAPhone { .. }), "{error:?}");
        let text = error.to_string();
        assert!(text.contains("is not a Cisco/Linksys phone"), "{text}");
        assert!(
            text.contains("nginx/1.24.0") && text.contains("Router login"),
            "{text}"
        );
        assert!(!text.contains("factory reset"), "{text}");
    }
}

#[tokio::test]
async fn connection_errors_are_said_in_words() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let error = client(address, None).read_config().await.unwrap_err();
    assert_eq!(
        error,
        PhoneError::NothingListens {
            phone: address.to_string()
        }
    );
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("nothing listens at {address}")),
        "{text}"
    );
    assert!(!text.contains("os error"), "{text}");
}
