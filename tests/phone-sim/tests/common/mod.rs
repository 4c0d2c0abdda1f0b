//! Helpers for the phone-sim tests: a plain profile file server, an HTTP client, XML lookups
//! and polling with a deadline.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;

/// The 10.4 article's worked example as a `<flat-profile>`.
pub const WORKED_EXAMPLE: &str = r#"<flat-profile>
  <Provision_Enable ua="na">Yes</Provision_Enable>
  <Resync_On_Reset ua="na">Yes</Resync_On_Reset>
  <Resync_Random_Delay ua="na">3</Resync_Random_Delay>
  <Resync_At__HHmm_ ua="na">1800</Resync_At__HHmm_>
  <Resync_At_Random_Delay ua="na">666</Resync_At_Random_Delay>
  <Resync_Periodic ua="na">3665</Resync_Periodic>
  <Resync_Error_Retry_Delay ua="na">3601</Resync_Error_Retry_Delay>
  <Forced_Resync_Delay ua="na">14401</Forced_Resync_Delay>
  <Resync_From_SIP ua="na">Yes</Resync_From_SIP>
  <Resync_Fails_On_FNF ua="na">Yes</Resync_Fails_On_FNF>
  <Profile_Rule ua="na">http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml</Profile_Rule>
  <User_Configurable_Resync ua="na">Yes</User_Configurable_Resync>
</flat-profile>
"#;

pub const WORKED_EXAMPLE_VALUES: &[(&str, &str)] = &[
    ("Resync_Random_Delay", "3"),
    ("Resync_At__HHmm_", "1800"),
    ("Resync_At_Random_Delay", "666"),
    ("Resync_Periodic", "3665"),
    ("Resync_Error_Retry_Delay", "3601"),
    ("Forced_Resync_Delay", "14401"),
    (
        "Profile_Rule",
        "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml",
    ),
];

/// A request the file server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The request-URI as sent: path and query.
    pub uri: String,
    pub user_agent: String,
    pub authorization: Option<String>,
}

/// The realm, user and password of the file server's protected paths.
pub const REALM: &str = "prov";
pub const USER: &str = "user";
pub const PASSWORD: &str = "pass";

/// A plain HTTP (or HTTPS, self-signed) file server on 127.0.0.1 serving fixed files;
/// anything else is 404. Paths under `/protected/` need Basic `user:pass` (`dXNlcjpwYXNz`);
/// paths under `/digest/` need HTTP Digest (realm `prov`, `user`/`pass`, qop=auth) whose
/// `uri` is the request-URI exactly as sent, query included. Redirects answer 301/302.
pub struct FileServer {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    files: Arc<Mutex<HashMap<String, String>>>,
    redirects: Arc<Mutex<HashMap<String, (u16, String)>>>,
    https: bool,
    task: tokio::task::JoinHandle<()>,
}

impl FileServer {
    pub async fn start(files: &[(&str, &str)]) -> FileServer {
        FileServer::start_with(files, false).await
    }

    /// The same server over HTTPS with a fresh self-signed certificate (rcgen).
    pub async fn start_https(files: &[(&str, &str)]) -> FileServer {
        FileServer::start_with(files, true).await
    }

    async fn start_with(files: &[(&str, &str)], https: bool) -> FileServer {
        let files: HashMap<String, String> = files
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_string()))
            .collect();
        let files = Arc::new(Mutex::new(files));
        let redirects = Arc::new(Mutex::new(HashMap::new()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let digest = Arc::new(Mutex::new(Vec::<String>::new()));
        let (f, r, s) = (files.clone(), redirects.clone(), seen.clone());
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let (files, redirects, seen, digest) =
                (f.clone(), r.clone(), s.clone(), digest.clone());
            async move {
                let header = |name: &str| {
                    req.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                let path = req.uri().path().to_string();
                let uri = req
                    .uri()
                    .path_and_query()
                    .map_or(path.clone(), |p| p.as_str().to_string());
                let authorization = header("authorization");
                seen.lock().unwrap().push(Seen {
                    method: req.method().to_string(),
                    path: path.clone(),
                    uri: uri.clone(),
                    user_agent: header("user-agent").unwrap_or_default(),
                    authorization: authorization.clone(),
                });
                if path.starts_with("/protected/")
                    && authorization.as_deref() != Some("Basic dXNlcjpwYXNz")
                {
                    return (
                        StatusCode::UNAUTHORIZED,
                        [("www-authenticate", "Basic realm=\"prov\"")],
                        String::new(),
                    )
                        .into_response();
                }
                if path.starts_with("/digest/") {
                    let nonces = digest.lock().unwrap().clone();
                    let ok = authorization
                        .as_deref()
                        .is_some_and(|a| digest_ok(a, req.method().as_str(), &uri, &nonces));
                    if !ok {
                        let nonce = format!("{:032x}", rand::random::<u128>());
                        digest.lock().unwrap().push(nonce.clone());
                        let challenge = format!(
                            "Digest realm=\"{REALM}\", nonce=\"{nonce}\", qop=\"auth\", \
                             algorithm=MD5, opaque=\"op4que\""
                        );
                        return (
                            StatusCode::UNAUTHORIZED,
                            [("www-authenticate", challenge)],
                            String::new(),
                        )
                            .into_response();
                    }
                }
                if let Some((status, to)) = redirects.lock().unwrap().get(&path).cloned() {
                    return (
                        StatusCode::from_u16(status).unwrap(),
                        [("location", to)],
                        String::new(),
                    )
                        .into_response();
                }
                match files.lock().unwrap().get(&path) {
                    Some(body) => (StatusCode::OK, body.clone()).into_response(),
                    None => (StatusCode::NOT_FOUND, "not found").into_response(),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = if https {
            tokio::spawn(serve_tls(listener, app))
        } else {
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            })
        };
        FileServer {
            addr,
            seen,
            files,
            redirects,
            https,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}{}", self.addr, path)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn put(&self, path: &str, body: &str) {
        self.files.lock().unwrap().insert(path.into(), body.into());
    }

    /// `path` answers `status` (301, 302, …) with `Location: to`.
    pub fn redirect(&self, path: &str, status: u16, to: &str) {
        self.redirects
            .lock()
            .unwrap()
            .insert(path.into(), (status, to.into()));
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `app` over TLS with a self-signed certificate for 127.0.0.1 and localhost.
async fn serve_tls(listener: tokio::net::TcpListener, app: axum::Router) {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(certified.cert.der().to_vec())],
        key,
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            // A client that does not speak TLS fails the handshake: nothing is served.
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
        });
    }
}

/// Whether `authorization` is a correct Digest answer (user/pass, realm prov) to one of
/// `nonces` for `method` and exactly the request-URI `uri`.
pub fn digest_ok(authorization: &str, method: &str, uri: &str, nonces: &[String]) -> bool {
    let Some(rest) = authorization.trim_start().strip_prefix("Digest ") else {
        return false;
    };
    let params = auth_params(rest);
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    if get("username") != USER
        || get("realm") != REALM
        || get("uri") != uri
        || get("opaque") != "op4que"
        || !nonces.iter().any(|n| n == get("nonce"))
    {
        return false;
    }
    let ha1 = md5_hex(&format!("{USER}:{REALM}:{PASSWORD}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let expected = md5_hex(&format!(
        "{ha1}:{}:{}:{}:{}:{ha2}",
        get("nonce"),
        get("nc"),
        get("cnonce"),
        get("qop")
    ));
    get("qop") == "auth" && get("response") == expected
}

pub fn md5_hex(text: &str) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(text.as_bytes()))
}

/// `key="value", key2=value2` → map (test side, independent of the emulator's parser).
fn auth_params(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = text.trim();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let (value, tail) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim(), &after[end..])
            }
        };
        out.insert(key, value.to_string());
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    out
}

/// An HTTP client like a technician's tool: accepts the phones' self-signed certificates.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .tls_info(true)
        .timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

pub async fn get(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

pub async fn post(url: &str, body: &str) -> (u16, String) {
    let response = client()
        .post(url)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The text of the last element `name` in an XML dump (own small reader, quick-xml).
pub fn element(xml: &str, name: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut found = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                inside = e.local_name().as_ref() == name.as_bytes();
                if inside {
                    found = Some(String::new());
                }
            }
            Ok(Event::Empty(e)) if e.local_name().as_ref() == name.as_bytes() => {
                found = Some(String::new());
            }
            Ok(Event::Text(t)) if inside => {
                found = Some(t.unescape().unwrap().trim().to_string());
            }
            Ok(Event::End(_)) => inside = false,
            Ok(Event::Eof) => return found,
            Err(e) => panic!("not well-formed XML: {e}"),
            _ => {}
        }
    }
}

/// Polls `check` until it returns `Some`, failing the test after `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {secs} s waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether a TCP connection to `addr` is accepted now.
pub async fn reachable(addr: SocketAddr) -> bool {
    tokio::time::timeout(
        Duration::from_millis(500),
        tokio::net::TcpStream::connect(addr),
    )
    .await
    .is_ok_and(|r| r.is_ok())
}

/// Waits for an event of the phone, failing the test with the log when it does not come.
pub async fn wait_event(
    control: &phone_sim::PhoneControl,
    secs: u64,
    what: &str,
    pred: impl Fn(&phone_sim::EventKind) -> bool,
) -> phone_sim::Event {
    match control
        .wait_for_event(Duration::from_secs(secs), pred)
        .await
    {
        Some(e) => e,
        None => panic!(
            "no event '{what}' within {secs} s; events: {:#?}",
            control.events()
        ),
    }
}

/// As [`wait_event`], among the events after `after` (a `seq`), for up to 20 s.
pub async fn wait_event_after(
    control: &phone_sim::PhoneControl,
    after: u64,
    what: &str,
    pred: impl Fn(&phone_sim::EventKind) -> bool,
) -> phone_sim::Event {
    match control
        .wait_for_event_after(after, Duration::from_secs(20), pred)
        .await
    {
        Some(e) => e,
        None => panic!(
            "no event '{what}' after #{after} within 20 s; events: {:#?}",
            control.events()
        ),
    }
}
