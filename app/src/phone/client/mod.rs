//! The HTTP client for one phone: authentication (found out on first contact), HTTPS trust on
//! first use, capped bodies, connect and total timeouts on every request, and errors that say
//! what happened in a technician's words without ever carrying a secret (URLs with
//! `xpassword=` are stripped from reqwest's errors).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};

use super::address::{PhoneAddress, Scheme};
use super::auth::{AuthMethod, Credentials};
use super::error::PhoneError;
use super::host::HostSeen;
use super::trust::{PinningVerifier, TrustStore, VerifierNote, client_config};
use crate::net::body::{BodyError, read_capped};

mod login;
mod record;
mod text;

use login::is_refusal;

pub use record::{Exchange, Recording};
pub use text::{error_chain, page_text, strip_query};

/// Limits for every request to a phone.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// Total time for one request, answer included.
    pub request_timeout: Duration,
    /// Largest answer read (a real `cfg.xml` is ~100 kB).
    pub max_body: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            max_body: 8 * 1024 * 1024,
        }
    }
}

/// An HTTP answer, body read (capped).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub www_authenticate: Option<String>,
    /// The `Server` header: what the host says it is.
    pub server: Option<String>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client for one phone. Cheap to share (`Arc`), safe to use from many tasks.
#[derive(Debug)]
pub struct PhoneClient {
    address: PhoneAddress,
    credentials: Credentials,
    options: ClientOptions,
    http: reqwest::Client,
    auth: Mutex<Option<AuthMethod>>,
    digest: Mutex<Option<digest_auth::WwwAuthenticateHeader>>,
    tls_note: Option<Arc<Mutex<Option<VerifierNote>>>>,
    /// Where every exchange goes when a support capture is being taken.
    recording: Mutex<Option<Recording>>,
}

impl PhoneClient {
    /// A client for `address`. HTTPS needs `trust` (certificates are pinned on first use).
    pub fn new(
        address: PhoneAddress,
        credentials: Credentials,
        options: ClientOptions,
        trust: Option<Arc<TrustStore>>,
    ) -> Result<Self, PhoneError> {
        let mut builder = crate::net::client_builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("phoneprov/", env!("CARGO_PKG_VERSION")));
        let mut tls_note = None;
        if address.scheme == Scheme::Https {
            let store = trust.ok_or_else(|| PhoneError::NoTrustStore {
                phone: address.key(),
            })?;
            let verifier = Arc::new(PinningVerifier::new(address.key(), store));
            tls_note = Some(verifier.last.clone());
            let config = client_config(verifier).map_err(|e| PhoneError::Tls {
                phone: address.key(),
                detail: e.to_string(),
            })?;
            builder = builder.tls_backend_preconfigured(config);
        }
        let http = builder.build().map_err(|e| PhoneError::Tls {
            phone: address.key(),
            detail: error_chain(&e.without_url()),
        })?;
        Ok(PhoneClient {
            address,
            credentials,
            options,
            http,
            auth: Mutex::new(None),
            digest: Mutex::new(None),
            tls_note,
            recording: Mutex::new(None),
        })
    }

    /// Records every exchange from now on into `recording` (for a support capture).
    pub fn record_into(&self, recording: Recording) {
        *lock(&self.recording) = Some(recording);
    }

    pub fn address(&self) -> &PhoneAddress {
        &self.address
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The authentication the phone asked for, once known.
    pub fn auth_method(&self) -> Option<AuthMethod> {
        *lock(&self.auth)
    }

    /// The admin password went (or goes) over the LAN readable by anyone on it: plain HTTP
    /// with `xpassword=` in the URL, or with HTTP Basic (a password in base64). Digest and
    /// HTTPS do not show it. Known once the phone was contacted.
    pub fn password_in_clear(&self) -> bool {
        self.address.scheme == Scheme::Http
            && self.credentials.password.is_some()
            && matches!(
                self.auth_method(),
                Some(AuthMethod::XPassword | AuthMethod::Basic)
            )
    }

    /// The SHA-256 fingerprint trusted on first use during this client's life, if any.
    pub fn first_use_fingerprint(&self) -> Option<String> {
        let note = self.tls_note.as_ref()?;
        match lock(note).clone() {
            Some(VerifierNote::TrustedOnFirstUse { sha256 }) => Some(sha256),
            _ => None,
        }
    }

    /// GET with authentication; refusals (401, 403, login redirects) become errors, any
    /// other answer is returned.
    pub async fn get(&self, path_and_query: &str) -> Result<Answer, PhoneError> {
        self.checked(Method::GET, path_and_query, None).await
    }

    /// POST `body` with authentication.
    pub async fn post(&self, path: &str, body: Vec<u8>) -> Result<Answer, PhoneError> {
        self.checked(Method::POST, path, Some(body)).await
    }

    async fn checked(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, PhoneError> {
        let answer = self.request(method, path_and_query, body).await?;
        if answer.status == StatusCode::FORBIDDEN {
            // A device that is no phone gets no advice about a phone's settings.
            self.identify(&answer).await?;
            let text = page_text(&answer.body);
            let said = if text.is_empty() {
                String::new()
            } else {
                format!(": \"{}\"", text.chars().take(120).collect::<String>())
            };
            return Err(PhoneError::Forbidden {
                phone: self.address.key(),
                path: strip_query(path_and_query),
                said,
            });
        }
        Ok(answer)
    }

    /// A request with the phone's authentication, found out on first use. Returns the
    /// answer for any status but refusals (401/403/login redirects), which become errors.
    pub async fn request(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, PhoneError> {
        match self.auth_method() {
            None => self.detect(method, path_and_query, body).await,
            Some(AuthMethod::Digest) => self.digest_request(method, path_and_query, body).await,
            Some(known) => {
                let answer = self.send_as(known, method, path_and_query, body).await?;
                if is_refusal(answer.status) {
                    // The phone changed its mind (password changed meanwhile): find out again.
                    *lock(&self.auth) = None;
                }
                self.unless_refused(known, answer)
            }
        }
    }

    /// The error for an admin page that does not exist (404): a host that is no phone is
    /// called that; when the phone's own web page answers, admin access or direct-action URLs
    /// are off; otherwise the status as it is.
    pub async fn missing_admin_page(&self, path: &str, status: StatusCode) -> PhoneError {
        let phone = self.address.key();
        let path = strip_query(path);
        let page = self.send(Method::GET, "/", None, None).await;
        let seen = page
            .as_ref()
            .map(|a| HostSeen::of(a.server.as_deref(), &a.body))
            .unwrap_or_default();
        if !seen.is_phone() && page.is_ok() {
            return PhoneError::NotAPhone {
                phone,
                seen: seen.describe(),
            };
        }
        if path.starts_with("/admin") && page.is_ok_and(|a| a.status.is_success()) {
            return PhoneError::AdminAccessDisabled {
                phone,
                path,
                status: status.as_u16(),
            };
        }
        PhoneError::Status {
            phone,
            path,
            status: status.as_u16(),
        }
    }

    /// Whether the host that gave `answer` says it is a phone (in that answer or on its own
    /// web page `/`): `Err(NotAPhone)` when it says it is something else, or nothing at all.
    pub async fn identify(&self, answer: &Answer) -> Result<(), PhoneError> {
        let seen = HostSeen::of(answer.server.as_deref(), &answer.body);
        if seen.is_phone() {
            return Ok(());
        }
        let seen = match self.send(Method::GET, "/", None, None).await {
            // The home page's words say more than an error page's.
            Ok(page) => HostSeen::of(page.server.as_deref(), &page.body).or(seen),
            Err(_) => seen,
        };
        if seen.is_phone() {
            return Ok(());
        }
        Err(PhoneError::NotAPhone {
            phone: self.address.key(),
            seen: seen.describe(),
        })
    }

    /// One HTTP exchange, no retries; recorded when a capture is being taken.
    async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        authorization: Option<Authorization>,
    ) -> Result<Answer, PhoneError> {
        let recording = lock(&self.recording).clone();
        let Some(recording) = recording else {
            return self
                .exchange(method, path_and_query, body, authorization)
                .await
                .map(|(answer, _)| answer);
        };
        let started = std::time::Instant::now();
        let result = self
            .exchange(method.clone(), path_and_query, body, authorization)
            .await;
        let elapsed = started.elapsed();
        let exchange = match &result {
            Ok((answer, headers)) => Exchange {
                method: method.to_string(),
                path: path_and_query.to_string(),
                status: Some(answer.status.as_u16()),
                headers: headers.clone(),
                body: answer.body.clone(),
                elapsed,
                error: None,
            },
            Err(error) => Exchange {
                method: method.to_string(),
                path: path_and_query.to_string(),
                status: None,
                headers: Vec::new(),
                body: Vec::new(),
                elapsed,
                error: Some(error.to_string()),
            },
        };
        recording.push(exchange);
        result.map(|(answer, _)| answer)
    }

    /// One HTTP exchange: the answer and its headers in order.
    async fn exchange(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        authorization: Option<Authorization>,
    ) -> Result<(Answer, Vec<(String, String)>), PhoneError> {
        let url = format!("{}{}", self.address.base_url(), path_and_query);
        let mut request = self.http.request(method, &url);
        match authorization {
            Some(Authorization::Basic) => {
                request = request.basic_auth(
                    &self.credentials.user,
                    self.credentials.password.as_ref().map(|p| p.expose()),
                );
            }
            Some(Authorization::Header(value)) => {
                request = request.header(reqwest::header::AUTHORIZATION, value);
            }
            None => {}
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "text/xml")
                .body(body);
        }
        let what = strip_query(path_and_query);
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(e, &what))?;
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let www_authenticate = header(reqwest::header::WWW_AUTHENTICATE);
        let server = header(reqwest::header::SERVER);
        if status.is_redirection()
            && let Some(to) = header(reqwest::header::LOCATION)
                .and_then(|location| self.elsewhere(response.url(), &location))
        {
            return Err(PhoneError::RedirectedElsewhere {
                phone: self.address.key(),
                path: what,
                to,
            });
        }
        let body = read_capped(response, self.options.max_body)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge { limit } => PhoneError::TooLarge {
                    phone: self.address.key(),
                    path: what.clone(),
                    limit,
                },
                BodyError::Broken(e) => self.transport_error(e, &what),
            })?;
        Ok((
            Answer {
                status,
                body,
                www_authenticate,
                server,
            },
            headers,
        ))
    }

    /// The `host:port` a redirect's `location` leads to, when that is not this phone.
    fn elsewhere(&self, from: &reqwest::Url, location: &str) -> Option<String> {
        let to = from.join(location).ok()?;
        let host = to.host_str().unwrap_or_default().trim_matches(['[', ']']);
        let port = to.port_or_known_default();
        if host.eq_ignore_ascii_case(&self.address.host) && port == Some(self.address.port) {
            return None;
        }
        Some(match port {
            Some(port) => format!("{}:{port}", to.host_str().unwrap_or_default()),
            None => to.host_str().unwrap_or_default().to_string(),
        })
    }

    /// reqwest's error in words, the URL (which may carry `xpassword=`) removed.
    fn transport_error(&self, error: reqwest::Error, what: &str) -> PhoneError {
        let phone = self.address.key();
        if let Some(note) = &self.tls_note
            && let Some(VerifierNote::Changed(changed)) = lock(note).clone()
        {
            return PhoneError::CertificateChanged(changed);
        }
        let connect = error.is_connect();
        if error.is_timeout() || io_kind(&error) == Some(std::io::ErrorKind::TimedOut) {
            let (what, limit) = if connect {
                ("a connection".to_string(), self.options.connect_timeout)
            } else {
                (what.to_string(), self.options.request_timeout)
            };
            return PhoneError::TimedOut {
                phone,
                what,
                seconds: limit.as_secs().max(1),
            };
        }
        let kind = io_kind(&error);
        let detail = error_chain(&error.without_url());
        if connect {
            match kind {
                Some(std::io::ErrorKind::ConnectionRefused) => {
                    return PhoneError::NothingListens { phone };
                }
                Some(
                    std::io::ErrorKind::HostUnreachable | std::io::ErrorKind::NetworkUnreachable,
                ) => return PhoneError::NoRoute { phone },
                _ => {}
            }
            if detail.contains("certificate") || detail.contains("TLS") || detail.contains("tls") {
                return PhoneError::Tls { phone, detail };
            }
            return PhoneError::Unreachable { phone, detail };
        }
        PhoneError::Broken { phone, detail }
    }
}

/// The kind of the operating system's error under a reqwest error, if there is one.
fn io_kind(error: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = cause.source();
    }
    None
}

enum Authorization {
    Basic,
    Header(String),
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
