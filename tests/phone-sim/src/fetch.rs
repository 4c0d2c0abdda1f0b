//! Fetching a profile the way the phone does: HTTP, HTTPS or TFTP, with its User-Agent,
//! redirects followed and 401/407 answered with `--uid/--pwd` (at most twice).
//!
//! HTTPS trust: a real phone checks the server against its built-in CA list (and a custom CA
//! it was given). The emulator cannot carry Cisco's list, so it accepts the profile server's
//! certificate as it is: tests and demos serve profiles with self-signed certificates.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use md5::{Digest, Md5};
use reqwest::StatusCode;

use crate::rules::{ProfileUrl, RuleOptions};
use crate::tftp::{TftpError, tftp_get};

/// Largest profile the phone accepts.
pub const MAX_PROFILE_BYTES: usize = 4 << 20;

/// Why a fetch failed; `Display` is the phone's `$ERR` text.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0}_get failed: file not found")]
    NotFound(&'static str),
    #[error("http_get failed: HTTP {0}")]
    Status(u16),
    #[error("http_get failed: authentication required (401/407)")]
    Unauthorized,
    #[error("{scheme}_get failed: {message}")]
    Connect {
        scheme: &'static str,
        message: String,
    },
    #[error("profile larger than {MAX_PROFILE_BYTES} bytes")]
    TooLarge,
    #[error("no profile server: the rule names none and DHCP option 66 gave none")]
    NoServer,
}

/// Builds the phone's HTTP client.
pub fn http_client(
    user_agent: &str,
    source_ip: Option<IpAddr>,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .local_address(source_ip)
        .redirect(reqwest::redirect::Policy::limited(5))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .tls_danger_accept_invalid_certs(true)
        .pool_max_idle_per_host(0)
        .build()
}

/// Fetches one profile.
pub async fn fetch(
    client: &reqwest::Client,
    url: &ProfileUrl,
    options: &RuleOptions,
    post_body: Option<String>,
    tftp_server: Option<SocketAddr>,
    source_ip: Option<IpAddr>,
) -> Result<Vec<u8>, FetchError> {
    if url.scheme == "tftp" {
        let server = if url.server.is_empty() {
            tftp_server.ok_or(FetchError::NoServer)?
        } else {
            resolve(&url.server, url.port)
                .await
                .ok_or_else(|| FetchError::Connect {
                    scheme: "tftp",
                    message: format!("cannot resolve {}", url.server),
                })?
        };
        return tftp_get(
            server,
            &url.path,
            Duration::from_secs(2),
            MAX_PROFILE_BYTES,
            source_ip,
        )
        .await
        .map_err(|e| match e {
            TftpError::NotFound => FetchError::NotFound("tftp"),
            TftpError::TooLarge(_) => FetchError::TooLarge,
            other => FetchError::Connect {
                scheme: "tftp",
                message: other.to_string(),
            },
        });
    }
    if url.server.is_empty() {
        return Err(FetchError::NoServer);
    }
    let mut target = url.to_url(&url.server);
    // (header name, value) answering the last challenge: Authorization for a 401,
    // Proxy-Authorization for a 407.
    let mut authorization: Option<(reqwest::header::HeaderName, String)> = None;
    let mut attempts = 0;
    loop {
        let mut request = match &post_body {
            Some(body) => client.post(&target).body(body.clone()),
            None => client.get(&target),
        };
        if let Some((name, value)) = &authorization {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| FetchError::Connect {
            scheme: "http",
            message: describe(&e),
        })?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::PROXY_AUTHENTICATION_REQUIRED
        {
            attempts += 1;
            let (Some(uid), Some(pwd)) = (&options.uid, &options.pwd) else {
                return Err(FetchError::Unauthorized);
            };
            if attempts > 2 {
                return Err(FetchError::Unauthorized);
            }
            let (challenge_header, answer_header) = if status == StatusCode::UNAUTHORIZED {
                (
                    reqwest::header::WWW_AUTHENTICATE,
                    reqwest::header::AUTHORIZATION,
                )
            } else {
                (
                    reqwest::header::PROXY_AUTHENTICATE,
                    reqwest::header::PROXY_AUTHORIZATION,
                )
            };
            let challenge = response
                .headers()
                .get(&challenge_header)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("Basic")
                .to_string();
            let method = if post_body.is_some() { "POST" } else { "GET" };
            // The challenge came from where the redirects ended: answer it there, with the
            // request-URI as it was sent (path and query, as the client encoded them).
            let answered = response.url().clone();
            authorization = Some((
                answer_header,
                answer_challenge(&challenge, uid, pwd, method, &request_uri(&answered)),
            ));
            target = answered.to_string();
            continue;
        }
        if status == StatusCode::NOT_FOUND {
            return Err(FetchError::NotFound("http"));
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n as usize > MAX_PROFILE_BYTES)
        {
            return Err(FetchError::TooLarge);
        }
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| FetchError::Connect {
            scheme: "http",
            message: describe(&e),
        })? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_PROFILE_BYTES {
                return Err(FetchError::TooLarge);
            }
        }
        return Ok(body);
    }
}

/// The request-URI of `url` as sent on the request line (origin form): path and query.
fn request_uri(url: &reqwest::Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

async fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .ok()?
        .next()
}

/// `Authorization` for a Basic or Digest challenge.
fn answer_challenge(
    challenge: &str,
    user: &str,
    password: &str,
    method: &str,
    uri: &str,
) -> String {
    let trimmed = challenge.trim_start();
    if !trimmed.to_ascii_lowercase().starts_with("digest") {
        return format!(
            "Basic {}",
            base64_encode(format!("{user}:{password}").as_bytes())
        );
    }
    let params = crate::auth::parse_auth_params(&trimmed[6..]);
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let realm = get("realm");
    let nonce = get("nonce");
    let qop = get("qop");
    let ha1 = md5_hex(&format!("{user}:{realm}:{password}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let cnonce = hex::encode(rand::random::<[u8; 8]>());
    let mut header = format!(
        "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm=MD5"
    );
    if qop.split(',').any(|q| q.trim() == "auth") {
        let response = md5_hex(&format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}"));
        header.push_str(&format!(
            ", qop=auth, nc=00000001, cnonce=\"{cnonce}\", response=\"{response}\""
        ));
    } else {
        let response = md5_hex(&format!("{ha1}:{nonce}:{ha2}"));
        header.push_str(&format!(", response=\"{response}\""));
    }
    if let Some(opaque) = params.get("opaque") {
        header.push_str(&format!(", opaque=\"{opaque}\""));
    }
    header
}

pub(crate) fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

fn base64_encode(data: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_base64() {
        assert_eq!(
            base64_encode(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(base64_encode(b"ab"), "YWI=");
    }

    #[test]
    fn digest_uri_is_the_request_uri_with_its_query() {
        let url = reqwest::Url::parse("http://srv:8080/p/a.xml?mac=00562b&n='1'").unwrap();
        assert_eq!(request_uri(&url), "/p/a.xml?mac=00562b&n=%271%27");
        let url = reqwest::Url::parse("http://srv/a.xml").unwrap();
        assert_eq!(request_uri(&url), "/a.xml");
        let header = answer_challenge(
            "Digest realm=\"prov\", nonce=\"n1\"",
            "u",
            "p",
            "GET",
            "/a.xml?x=1",
        );
        let ha1 = md5_hex("u:prov:p");
        let ha2 = md5_hex("GET:/a.xml?x=1");
        assert!(header.contains("uri=\"/a.xml?x=1\""), "{header}");
        assert!(
            header.contains(&format!(
                "response=\"{}\"",
                md5_hex(&format!("{ha1}:n1:{ha2}"))
            )),
            "{header}"
        );
    }
}
