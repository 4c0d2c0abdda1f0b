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
    pub user_agent: String,
    pub authorization: Option<String>,
}

/// A plain HTTP file server on 127.0.0.1 serving fixed files; anything else is 404.
/// Paths in `protected` need Basic `user:pass` (`dXNlcjpwYXNz`).
pub struct FileServer {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    files: Arc<Mutex<HashMap<String, String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FileServer {
    pub async fn start(files: &[(&str, &str)]) -> FileServer {
        let files: HashMap<String, String> = files
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_string()))
            .collect();
        let files = Arc::new(Mutex::new(files));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (f, s) = (files.clone(), seen.clone());
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let (files, seen) = (f.clone(), s.clone());
            async move {
                let header = |name: &str| {
                    req.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                let path = req.uri().path().to_string();
                let authorization = header("authorization");
                seen.lock().unwrap().push(Seen {
                    method: req.method().to_string(),
                    path: path.clone(),
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
                match files.lock().unwrap().get(&path) {
                    Some(body) => (StatusCode::OK, body.clone()).into_response(),
                    None => (StatusCode::NOT_FOUND, "not found").into_response(),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FileServer {
            addr,
            seen,
            files,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn put(&self, path: &str, body: &str) {
        self.files.lock().unwrap().insert(path.into(), body.into());
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
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
