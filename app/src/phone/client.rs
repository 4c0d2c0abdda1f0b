//! The HTTP client for one phone: authentication (found out on first contact), HTTPS trust on
//! first use, capped bodies, connect and total timeouts on every request, and errors that say
//! what happened in a technician's words without ever carrying a secret (URLs with
//! `xpassword=` are stripped from reqwest's errors).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};

use super::address::{PhoneAddress, Scheme};
use super::auth::{AuthMethod, Credentials, challenge_method, with_xpassword};
use super::trust::{CertificateChanged, PinningVerifier, TrustStore, VerifierNote, client_config};
use crate::net::body::{BodyError, read_capped};

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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("cannot reach the phone at {phone}: {detail}")]
    Unreachable { phone: String, detail: String },
    #[error("the phone at {phone} did not answer {what} within {seconds} s")]
    TimedOut {
        phone: String,
        what: String,
        seconds: u64,
    },
    #[error(
        "the phone at {phone} asks for a password: give it with --password or PHONEPROV_PASSWORD"
    )]
    NeedsPassword { phone: String },
    #[error(
        "the phone at {phone} refused the password for user \"{user}\" ({method}): wrong password"
    )]
    WrongPassword {
        phone: String,
        user: String,
        method: String,
    },
    #[error(
        "the phone at {phone} answers its web page but refuses {path} (HTTP {status}): admin web \
         access or direct-action URLs are turned off on it (Enable_Web_Admin_Access / \
         Enable_Direct_Action_Url = No); turning admin access back on needs a factory reset"
    )]
    AdminAccessDisabled {
        phone: String,
        path: String,
        status: u16,
    },
    #[error(
        "the phone at {phone} refuses {path} (HTTP 403{said}): admin web access or direct-action \
         URLs are turned off on it (Enable_Web_Admin_Access / Enable_Direct_Action_Url = No; the \
         first can only be undone by a factory reset), or for a resync Provision Enable is No"
    )]
    Forbidden {
        phone: String,
        path: String,
        /// What the phone's answer said, e.g. `: "Admin web access is disabled"`.
        said: String,
    },
    #[error("{0}")]
    CertificateChanged(CertificateChanged),
    #[error(
        "the phone at {phone} uses HTTPS but no trust store was given: phoneprov never accepts \
         a certificate without remembering it"
    )]
    NoTrustStore { phone: String },
    #[error("HTTPS with the phone at {phone} failed: {detail}")]
    Tls { phone: String, detail: String },
    #[error("the phone at {phone} answered {path} with HTTP {status}")]
    Status {
        phone: String,
        path: String,
        status: u16,
    },
    #[error("the phone at {phone} sent more than {limit} bytes for {path}; stopped reading")]
    TooLarge {
        phone: String,
        path: String,
        limit: usize,
    },
    #[error("the phone at {phone} answered {path} with something that is not usable XML: {detail}")]
    NotXml {
        phone: String,
        path: String,
        detail: String,
    },
    #[error("the connection to the phone at {phone} broke: {detail}")]
    Broken { phone: String, detail: String },
}

impl PhoneError {
    /// True when the phone did not answer at all (down, rebooting, unplugged, wrong address).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            PhoneError::Unreachable { .. }
                | PhoneError::TimedOut { .. }
                | PhoneError::Broken { .. }
        )
    }
}

/// An HTTP answer, body read (capped).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub www_authenticate: Option<String>,
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
        })
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
        let known = self.auth_method();
        let answer = match known {
            Some(AuthMethod::None) => {
                self.send(method.clone(), path_and_query, body.clone(), None)
                    .await?
            }
            Some(AuthMethod::XPassword) => {
                let path = with_xpassword(path_and_query, &self.credentials);
                self.send(method.clone(), &path, body.clone(), None).await?
            }
            Some(AuthMethod::Basic) => {
                self.send(
                    method.clone(),
                    path_and_query,
                    body.clone(),
                    Some(Authorization::Basic),
                )
                .await?
            }
            Some(AuthMethod::Digest) => {
                return self.digest_request(method, path_and_query, body).await;
            }
            None => return self.detect(method, path_and_query, body).await,
        };
        if is_refusal(answer.status) {
            // The phone changed its mind (password changed meanwhile): find out again.
            *lock(&self.auth) = None;
            return Err(self
                .refusal(known.unwrap_or(AuthMethod::None), path_and_query, &answer)
                .await);
        }
        Ok(answer)
    }

    /// First contact: try without credentials, then follow the phone's challenge, or
    /// xuser/xpassword when it refuses without one.
    async fn detect(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, PhoneError> {
        let plain = self
            .send(method.clone(), path_and_query, body.clone(), None)
            .await?;
        if !is_refusal(plain.status) {
            *lock(&self.auth) = Some(AuthMethod::None);
            return Ok(plain);
        }
        if self.credentials.password.is_none() {
            return Err(self.refusal(AuthMethod::None, path_and_query, &plain).await);
        }
        let challenged = plain.www_authenticate.as_deref().and_then(challenge_method);
        match challenged {
            Some(AuthMethod::Digest) => {
                *lock(&self.auth) = Some(AuthMethod::Digest);
                self.digest_answer(method, path_and_query, body, &plain)
                    .await
            }
            Some(AuthMethod::Basic) => {
                let answer = self
                    .send(method, path_and_query, body, Some(Authorization::Basic))
                    .await?;
                if is_refusal(answer.status) {
                    return Err(self
                        .refusal(AuthMethod::Basic, path_and_query, &answer)
                        .await);
                }
                *lock(&self.auth) = Some(AuthMethod::Basic);
                Ok(answer)
            }
            _ => {
                let path = with_xpassword(path_and_query, &self.credentials);
                let answer = self.send(method, &path, body, None).await?;
                if is_refusal(answer.status) {
                    return Err(self
                        .refusal(AuthMethod::XPassword, path_and_query, &answer)
                        .await);
                }
                *lock(&self.auth) = Some(AuthMethod::XPassword);
                Ok(answer)
            }
        }
    }

    async fn digest_request(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, PhoneError> {
        let header = self.digest_header(&method, path_and_query);
        let answer = self
            .send(
                method.clone(),
                path_and_query,
                body.clone(),
                header.map(Authorization::Header),
            )
            .await?;
        if answer.status == StatusCode::UNAUTHORIZED {
            // A new nonce (stale or first request): answer the fresh challenge once.
            return self
                .digest_answer(method, path_and_query, body, &answer)
                .await;
        }
        if is_refusal(answer.status) {
            return Err(self
                .refusal(AuthMethod::Digest, path_and_query, &answer)
                .await);
        }
        Ok(answer)
    }

    /// Answers the Digest challenge carried by `challenge`.
    async fn digest_answer(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        challenge: &Answer,
    ) -> Result<Answer, PhoneError> {
        let parsed = challenge
            .www_authenticate
            .as_deref()
            .and_then(|h| digest_auth::parse(h).ok());
        let Some(parsed) = parsed else {
            return Err(self
                .refusal(AuthMethod::Digest, path_and_query, challenge)
                .await);
        };
        *lock(&self.digest) = Some(parsed);
        let header = self.digest_header(&method, path_and_query);
        let answer = self
            .send(
                method,
                path_and_query,
                body,
                header.map(Authorization::Header),
            )
            .await?;
        if is_refusal(answer.status) {
            *lock(&self.digest) = None;
            return Err(self
                .refusal(AuthMethod::Digest, path_and_query, &answer)
                .await);
        }
        Ok(answer)
    }

    fn digest_header(&self, method: &Method, path_and_query: &str) -> Option<String> {
        let password = self.credentials.password.as_ref()?;
        let mut prompt = lock(&self.digest);
        let prompt = prompt.as_mut()?;
        let context = digest_auth::AuthContext::new_with_method(
            self.credentials.user.as_str(),
            password.expose(),
            path_and_query,
            Option::<&[u8]>::None,
            digest_auth::HttpMethod(method.as_str().to_string().into()),
        );
        prompt.respond(&context).ok().map(|h| h.to_header_string())
    }

    /// The error for a refused request: no password given, or the wrong one.
    async fn refusal(&self, method: AuthMethod, _path: &str, _answer: &Answer) -> PhoneError {
        let phone = self.address.key();
        match &self.credentials.password {
            None => PhoneError::NeedsPassword { phone },
            Some(_) => PhoneError::WrongPassword {
                phone,
                user: self.credentials.user.clone(),
                method: method.label().to_string(),
            },
        }
    }

    /// The error for an admin page that does not exist (404): when the phone's own web page
    /// answers, admin access or direct-action URLs are off; otherwise the status as it is.
    pub async fn missing_admin_page(&self, path: &str, status: StatusCode) -> PhoneError {
        let phone = self.address.key();
        let path = strip_query(path);
        let page = self.send(Method::GET, "/", None, None).await;
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

    /// One HTTP exchange, no retries.
    async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        authorization: Option<Authorization>,
    ) -> Result<Answer, PhoneError> {
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
        let www_authenticate = response
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
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
        Ok(Answer {
            status,
            body,
            www_authenticate,
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
        if error.is_timeout() {
            let seconds = self.options.request_timeout.as_secs().max(1);
            return PhoneError::TimedOut {
                phone,
                what: what.to_string(),
                seconds,
            };
        }
        let connect = error.is_connect();
        let detail = error_chain(&error.without_url());
        if connect {
            if detail.contains("certificate") || detail.contains("TLS") || detail.contains("tls") {
                return PhoneError::Tls { phone, detail };
            }
            return PhoneError::Unreachable { phone, detail };
        }
        PhoneError::Broken { phone, detail }
    }
}

enum Authorization {
    Basic,
    Header(String),
}

/// 401 and redirects (to a login page) mean "not with these credentials". 403 means the
/// page is switched off whatever the credentials (see [`PhoneError::Forbidden`]).
fn is_refusal(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::PROXY_AUTHENTICATION_REQUIRED
        || status.is_redirection()
}

/// The visible text of a short HTML answer (`<p>Admin web access is disabled</p>`).
pub fn page_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(2048)]);
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_title = false;
    let lower = text.to_ascii_lowercase();
    let mut index = 0;
    for c in text.chars() {
        if c == '<' {
            in_tag = true;
            in_title = lower[index..].starts_with("<title");
        } else if c == '>' {
            in_tag = false;
            out.push(' ');
        } else if !in_tag && !in_title {
            out.push(c);
        }
        if lower[index..].starts_with("</title") {
            in_title = false;
        }
        index += c.len_utf8();
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The path without its query: queries may carry `xpassword=`, and rules with `--pwd`.
pub fn strip_query(path_and_query: &str) -> String {
    path_and_query
        .split_once('?')
        .map_or(path_and_query, |(path, _)| path)
        .to_string()
}

/// An error and its causes on one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
